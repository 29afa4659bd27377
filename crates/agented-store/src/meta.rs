//! Instance metadata and the database facts that readiness reports.

use std::time::{Duration, Instant};

use sqlx::Row;

use crate::{Dialect, Result, Store, StoreError};

/// What readiness reports about the database.
#[derive(Debug, Clone)]
pub struct DatabaseHealth {
    /// How long a trivial query took.
    pub latency: Duration,
    /// SQLite's journal mode (`wal`), or `n/a` for PostgreSQL.
    pub journal_mode: String,
    /// The highest applied migration.
    pub schema_version: i64,
    /// Connections open in the pool.
    pub pool_size: u32,
    /// Of those, how many are idle.
    pub pool_idle: usize,
}

impl Store {
    /// The UUID created with this database (see `seeds`).
    pub async fn instance_id(&self) -> Result<String> {
        let row = sqlx::query("SELECT value FROM app_meta WHERE key = 'instance_id'")
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("instance id"))?;
        Ok(row.try_get("value")?)
    }

    /// Checks the database answers and reports its facts.
    pub async fn health(&self) -> Result<DatabaseHealth> {
        let started = Instant::now();
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        let latency = started.elapsed();
        let journal_mode = match self.dialect {
            Dialect::Sqlite => {
                let row = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&self.pool)
                    .await?;
                row.try_get::<String, _>(0)?
            }
            Dialect::Postgres => "n/a".to_owned(),
        };
        Ok(DatabaseHealth {
            latency,
            journal_mode,
            schema_version: self.schema_version().await?,
            pool_size: self.pool.size(),
            pool_idle: self.pool.num_idle(),
        })
    }

    /// Connections open and idle in the pool, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }
}
