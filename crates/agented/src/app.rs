//! The application: one place that opens the store, migrates, builds the state and serves, used by
//! `serve` and by the end-to-end tests (which start the real binary).

use std::future::Future;
use std::net::SocketAddr;

use agented_api::AppState;
use agented_store::{Store, StoreConfig};
use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;

/// Opens the store for `config`, applies pending migrations (after a backup) and seeds.
pub async fn open_store(config: &Config, migrate: bool) -> anyhow::Result<Store> {
    let mut store_config = StoreConfig::sqlite(&config.data_dir.join("agented.db"));
    store_config.url = config.database_url.clone();
    store_config.max_connections = config.db_max_connections;
    let store = Store::connect(&store_config)
        .await
        .with_context(|| format!("opening the database {}", store_config.redacted_url()))?;
    if migrate {
        let report = store
            .migrate(Some(&config.data_dir.join("backups")))
            .await
            .context("migrating the database")?;
        if let Some(backup) = &report.backup {
            tracing::info!(backup = %backup.display(), "backed up the database before migrating");
        }
        store.seed().await.context("seeding the database")?;
    }
    Ok(store)
}

/// Runs the server until `shutdown` resolves, then drains in-flight requests for at most the
/// configured grace period.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    raise_open_files_limit();
    config.prepare_data_dir()?;
    let secret = config.secret_key()?;
    let store = open_store(&config, true).await?;
    let api_config = config.api_config(secret);
    let grace = api_config.shutdown_grace;
    let engine = agented_engine::Engine::new(store.clone(), config.engine.clone());
    let recovery = engine
        .start()
        .await
        .context("recovering runs from the last stop")?;
    if !recovery.interrupted.is_empty() {
        tracing::warn!(
            interrupted = recovery.interrupted.len(),
            killed_process_groups = recovery.killed_groups,
            "runs left running by the last stop were marked interrupted"
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let state = AppState::new(store.clone(), engine.clone(), api_config, stop_rx.clone());

    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("AGENTED_BIND: cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match config.metrics_bind {
        Some(bind) => Some(
            TcpListener::bind(bind)
                .await
                .with_context(|| format!("AGENTED_METRICS_BIND: cannot listen on {bind}"))?,
        ),
        None => None,
    };
    print_banner(&config, addr, &state).await;
    tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "agented is ready");

    let pruner = spawn_limiter_pruning(state.clone());
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.changed().await;
    };
    let metrics_task = metrics_listener.map(|l| {
        tokio::spawn(agented_api::server::serve_metrics(
            l,
            state.clone(),
            stopped(stop_rx.clone()),
        ))
    });
    let server = tokio::spawn(agented_api::server::serve(
        listener,
        state,
        stopped(stop_rx),
    ));

    shutdown.await;
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: no new connections, draining requests"
    );
    // Live streams end and the listener stops accepting; running agents are told to stop
    // (SIGTERM to their groups) and end `interrupted`, with their last lines stored.
    let _ = stop_tx.send(true);
    let engine_deadline = config.engine.kill_grace + std::time::Duration::from_secs(5);
    let engine_stopped = tokio::spawn(async move { engine.shutdown(engine_deadline).await });
    match tokio::time::timeout(grace, server).await {
        Ok(Ok(Ok(()))) => tracing::info!("all requests finished"),
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "server error during shutdown"),
        Ok(Err(e)) => tracing::error!(error = %e, "server task failed"),
        Err(_) => tracing::warn!("grace period over; closing remaining connections"),
    }
    let _ = engine_stopped.await;
    pruner.abort();
    if let Some(t) = metrics_task {
        t.abort();
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn spawn_limiter_pruning(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.prune_rate_limiters();
        }
    })
}

async fn print_banner(config: &Config, addr: SocketAddr, state: &AppState) {
    println!(
        "Agented {} listening on http://{addr}",
        env!("CARGO_PKG_VERSION")
    );
    println!("  data folder: {}", config.data_dir.display());
    let no_keys = config.api.env_api_key.is_none()
        && matches!(state.store.count_active_api_keys().await, Ok(0));
    if no_keys {
        println!();
        println!("No API key exists yet. Create the first admin key with either:");
        println!("  agented keys create --role admin --label \"my admin key\"");
        println!("  curl -X POST http://{addr}/health/setup   (from this machine only)");
        println!("or open http://{addr}/ in a browser on this machine.");
    }
}

/// Raises the soft limit on open files to the hard limit: every live log stream and every running
/// agent's pipes hold descriptors, and the usual soft default (1024) is reached long before memory
/// or CPU are.
fn raise_open_files_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => {
            if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                tracing::warn!(error = %e, soft, hard, "could not raise the open-files limit");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the open-files limit"),
    }
}
