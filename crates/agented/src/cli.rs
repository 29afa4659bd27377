//! Command-line interface: `serve` (the default), `migrate`, `keys`, `doctor`, `version`.

use clap::{Parser, Subcommand};

const ENV_HELP: &str = "\
Environment (also read from ./.env and ./agented.toml; the environment wins):
  AGENTED_DATA_DIR      data folder: database, secret key, backups   [./data]
  AGENTED_BIND          listen address                               [127.0.0.1:20000]
  AGENTED_DATABASE_URL  sqlite://… or postgres://…                   [<data>/agented.db]
  AGENTED_SECRET_KEY    signing key; generated into <data>/secret.key when unset
  AGENTED_API_KEY       an admin key for automation
  AGENTED_LOG_FORMAT    text or json                                 [text]
  AGENTED_LOG_LEVEL     log filter                                   [info]
See .env.example for every variable.";

/// Agented: run AI coding agents (claude, opencode, gemini, codex) as bots on your own server.
#[derive(Debug, Parser)]
#[command(name = "agented", version, about, after_help = ENV_HELP)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server and web UI: create the data folder, database and secret key when missing,
    /// apply pending migrations (after a backup), and listen on AGENTED_BIND.
    #[command(after_help = ENV_HELP)]
    Serve,
    /// Apply pending database migrations (a backup is written first), or list them.
    #[command(after_help = "Environment: AGENTED_DATA_DIR, AGENTED_DATABASE_URL.")]
    Migrate {
        /// Only list the migrations that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create, list and revoke API keys directly in the database.
    #[command(
        subcommand,
        after_help = "Environment: AGENTED_DATA_DIR, AGENTED_DATABASE_URL."
    )]
    Keys(KeysCommand),
    /// Check the configuration, the data folder, the database and the agent CLIs.
    #[command(after_help = ENV_HELP)]
    Doctor,
    /// Print the version.
    Version,
}

/// `agented keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once.
    Create {
        /// viewer, operator, editor or admin.
        #[arg(long)]
        role: agented_domain::Role,
        /// What the key is for.
        #[arg(long)]
        label: String,
    },
    /// List keys (never the keys themselves).
    List {
        /// Include revoked keys.
        #[arg(long)]
        all: bool,
    },
    /// Revoke a key by id; its next request is refused.
    Revoke {
        /// The key id (role-…).
        id: String,
    },
}
