//! The store's error type and its classification for the HTTP edge.

use agented_domain::ErrorKind;

/// A failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken (for example a duplicate name).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database file or server cannot be opened or reached.
    #[error("cannot open the database at {location}: {source}")]
    Open {
        /// Where the store tried to connect (a path or a URL without password).
        location: String,
        /// What went wrong.
        #[source]
        source: sqlx::Error,
    },
    /// A migration problem; see [`crate::migrate::MigrationError`].
    #[error(transparent)]
    Migration(#[from] crate::migrate::MigrationError),
    /// A stored value could not be understood (for example an unknown role name).
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table the row is in.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// How the HTTP edge should answer this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
            | StoreError::Database(sqlx::Error::Io(_))
            | StoreError::Open { .. } => ErrorKind::Unavailable,
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                ErrorKind::Conflict
            }
            _ => ErrorKind::Internal,
        }
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] with a readable message.
pub(crate) fn conflict_on_unique(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => StoreError::Database(err),
    }
}
