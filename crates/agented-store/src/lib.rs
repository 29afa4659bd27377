//! Agented's storage: every SQL statement of the product lives in this crate.
//!
//! [`Store`] wraps one sqlx `AnyPool`, so a single implementation serves both SQLite (the embedded
//! default) and PostgreSQL (for teams that outgrow one machine). Queries use the runtime API with
//! portable SQL (`$1` placeholders, `ON CONFLICT`, `RETURNING`, timestamps as UTC RFC 3339 text);
//! where the dialects genuinely differ (DDL, backups, journal mode) the code branches on [`Dialect`]
//! here and nowhere else. Nothing outside this crate sees a SQL string or a sqlx type.
//!
//! Layout: `connect` (pools and pragmas), `migrate` (versioned, checksummed migrations), `seeds`
//! (data kept apart from schema), and one module per entity (`api_keys`, `audit`, `meta`, `settings`).

mod api_keys;
mod audit;
mod connect;
mod error;
mod executions;
mod logs;
mod meta;
pub mod migrate;
pub mod search;
mod seeds;
mod settings;

pub use api_keys::{ApiKeyRecord, ApiKeyUpdate, NewApiKey};
pub use audit::{AuditEntry, AuditEvent, AuditFilter};
pub use connect::{Dialect, StoreConfig};
pub use error::StoreError;
pub use executions::{
    Completion, ExecutionFilter, ExecutionRecord, LogTotals, NewExecution, ProcessInfo, Usage,
};
pub use logs::{system_line, LogChunk, StoredLine};
pub use meta::DatabaseHealth;
pub use search::SearchHit;

use sqlx::AnyPool;

/// A handle to the database. Cheap to clone; every clone shares one bounded pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

impl Store {
    /// Which database this store talks to.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Closes the pool, waiting for checked-out connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Result type of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
