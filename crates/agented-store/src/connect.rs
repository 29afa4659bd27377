//! Opening the pool: SQLite with WAL, foreign keys, a busy timeout and a bounded pool; or PostgreSQL.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, Connection, Executor};

use crate::{Result, Store, StoreError};

/// Which SQL database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// An embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// A `sqlite://…` or `postgres://…` URL.
    pub url: String,
    /// The most connections the pool may hold.
    pub max_connections: u32,
    /// How long a SQLite writer waits for a lock before failing.
    pub busy_timeout: Duration,
    /// How long a caller waits for a free pooled connection.
    pub acquire_timeout: Duration,
}

impl StoreConfig {
    /// A config for the SQLite file at `path` (created when missing) with sensible defaults.
    pub fn sqlite(path: &Path) -> StoreConfig {
        StoreConfig {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }

    /// A config for a PostgreSQL URL with sensible defaults.
    pub fn postgres(url: &str) -> StoreConfig {
        StoreConfig {
            url: url.to_owned(),
            max_connections: 16,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }

    /// The dialect this URL selects.
    pub fn dialect(&self) -> Dialect {
        if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }

    /// The SQLite file this config points at, if it is a SQLite config.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        Some(PathBuf::from(path))
    }

    /// The URL with any password removed, for messages and logs.
    pub fn redacted_url(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &self.url[scheme_end + 3..at];
                let user = userinfo.split(':').next().unwrap_or("");
                format!(
                    "{}{}:***{}",
                    &self.url[..scheme_end + 3],
                    user,
                    &self.url[at..]
                )
            }
            _ => self.url.clone(),
        }
    }
}

impl Store {
    /// Opens the pool and checks that the database answers. Does not migrate.
    pub async fn connect(config: &StoreConfig) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = config.dialect();
        let open_err = |source| StoreError::Open {
            location: config.redacted_url(),
            source,
        };
        let options = AnyConnectOptions::from_str(&config.url).map_err(open_err)?;
        let busy_ms = config.busy_timeout.as_millis();
        let pragmas = format!(
            // WAL lets readers run while one writer commits; NORMAL sync is durable across
            // application crashes in WAL mode and much faster than FULL.
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
        );
        // Open one connection by hand first: a pool would retry a corrupt or unreadable file until
        // its acquire timeout and then report only "pool timed out".
        let probe = match dialect {
            Dialect::Sqlite => "SELECT count(*) FROM sqlite_master",
            Dialect::Postgres => "SELECT 1",
        };
        let mut first = AnyConnection::connect_with(&options)
            .await
            .map_err(open_err)?;
        if dialect == Dialect::Sqlite {
            first
                .execute(sqlx::raw_sql(&pragmas))
                .await
                .map_err(open_err)?;
        }
        sqlx::query(probe)
            .fetch_one(&mut first)
            .await
            .map_err(open_err)?;
        first.close().await.map_err(open_err)?;

        let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections)
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            .after_connect(move |conn, _meta| {
                let pragmas = pragmas.clone();
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        conn.execute(sqlx::raw_sql(&pragmas)).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_err)?;
        Ok(Store { pool, dialect })
    }
}
