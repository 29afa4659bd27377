//! The `agented` binary: parses the command line and configuration, sets up logging, and runs a
//! subcommand. Everything else lives in the library crates.

mod app;
mod cli;
mod commands;
mod config;
mod telemetry;

use clap::Parser;

use cli::{Cli, Command};
use config::{Config, Sources};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Version = command {
        println!("agented {}", env!("CARGO_PKG_VERSION"));
        return std::process::ExitCode::SUCCESS;
    }
    let config = match Sources::from_process().and_then(|s| Config::load(&s)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agented: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_level, std::io::stderr);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("agented: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Serve => app::serve(config, shutdown_signal()).await.map(|_| true),
            Command::Migrate { dry_run } => commands::migrate(&config, dry_run).await.map(|_| true),
            Command::Keys(k) => commands::keys(&config, k).await.map(|_| true),
            Command::Doctor => commands::doctor(&config).await,
            Command::Version => Ok(true),
        }
    });
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "agented failed");
            eprintln!("agented: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
