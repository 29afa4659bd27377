//! Versioned schema migrations, applied as a set (never a "high-water mark"), each in its own
//! transaction and recorded with a SHA-256 checksum.
//!
//! Guarantees: an edited migration that was already applied is refused; a database that has a
//! migration this binary does not know is "newer" and refused; before pending migrations touch an
//! existing SQLite database a backup is written with `VACUUM INTO`; a migration that fails halfway
//! rolls back completely, leaving schema and recorded versions exactly as before. Seed data is not
//! here: see `seeds`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};

use crate::{Dialect, Store};

/// One schema migration.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The version number; versions are unique and applied in ascending order.
    pub version: i64,
    /// A short name, from the file name.
    pub name: &'static str,
    /// The SQL, possibly several statements.
    pub sql: &'static str,
}

impl Migration {
    /// The hex SHA-256 of the SQL text, recorded when the migration is applied.
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $name, ".sql")),
        }),*]
    };
}

const SQLITE: &[Migration] = migrations!("sqlite": 1 "0001_foundation", 2 "0002_executions");
const POSTGRES: &[Migration] = migrations!("postgres": 1 "0001_foundation", 2 "0002_executions");

/// The migrations this binary carries for `dialect`, in version order.
pub fn builtin(dialect: Dialect) -> &'static [Migration] {
    match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    }
}

/// Why migrating failed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database carries a migration this binary does not know: it was written by a newer
    /// version of Agented.
    #[error(
        "the database is at schema version {db_version}, newer than this binary knows ({known}); \
         run a newer agented or restore a backup from <data>/backups"
    )]
    DatabaseNewer {
        /// The highest version recorded in the database.
        db_version: i64,
        /// The highest version this binary knows.
        known: i64,
    },
    /// An applied migration's SQL was changed afterwards.
    #[error(
        "migration {version} ({name}) was edited after it was applied (checksum {applied} in the \
         database, {current} in this binary); refusing to continue"
    )]
    ChecksumMismatch {
        /// The version.
        version: i64,
        /// Its name.
        name: String,
        /// The checksum recorded in the database.
        applied: String,
        /// The checksum of the SQL in this binary.
        current: String,
    },
    /// A migration failed; it was rolled back.
    #[error("migration {version} ({name}) failed and was rolled back: {source}")]
    Failed {
        /// The version.
        version: i64,
        /// Its name.
        name: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// The backup before migrating could not be written; nothing was migrated.
    #[error("could not write the backup {path} before migrating: {source}")]
    Backup {
        /// The backup file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: sqlx::Error,
    },
    /// Reading the migration records failed.
    #[error("cannot read the migration records: {0}")]
    Read(#[source] sqlx::Error),
}

/// What a migration run did (or, for a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct MigrationReport {
    /// The versions and names that were (or would be) applied.
    pub applied: Vec<(i64, String)>,
    /// The backup written before migrating, if any.
    pub backup: Option<PathBuf>,
    /// The schema version after the run.
    pub schema_version: i64,
}

impl Store {
    /// Applies the built-in migrations. See [`Store::migrate_with`].
    pub async fn migrate(
        &self,
        backup_dir: Option<&Path>,
    ) -> Result<MigrationReport, MigrationError> {
        self.migrate_with(builtin(self.dialect), backup_dir, false)
            .await
    }

    /// Lists what [`Store::migrate`] would apply, changing nothing.
    pub async fn pending_migrations(&self) -> Result<MigrationReport, MigrationError> {
        self.migrate_with(builtin(self.dialect), None, true).await
    }

    /// Applies `migrations` that are not yet recorded, after checking the recorded ones.
    ///
    /// With `dry_run` nothing is written; the report lists what would run. With `backup_dir` and a
    /// SQLite database that already has migrations, a `VACUUM INTO` backup is written first.
    pub async fn migrate_with(
        &self,
        migrations: &[Migration],
        backup_dir: Option<&Path>,
        dry_run: bool,
    ) -> Result<MigrationReport, MigrationError> {
        if !dry_run {
            self.pool
                .execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (\
                       version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
                       checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
                )
                .await
                .map_err(MigrationError::Read)?;
        }
        let applied = self.applied_migrations().await?;
        let known_max = migrations.iter().map(|m| m.version).max().unwrap_or(0);
        for (version, name, checksum) in &applied {
            match migrations.iter().find(|m| m.version == *version) {
                None => {
                    let db_version = applied.iter().map(|a| a.0).max().unwrap_or(*version);
                    return Err(MigrationError::DatabaseNewer {
                        db_version,
                        known: known_max,
                    });
                }
                Some(m) if &m.checksum() != checksum => {
                    return Err(MigrationError::ChecksumMismatch {
                        version: *version,
                        name: name.clone(),
                        applied: checksum.clone(),
                        current: m.checksum(),
                    });
                }
                Some(_) => {}
            }
        }
        let mut pending: Vec<&Migration> = migrations
            .iter()
            .filter(|m| !applied.iter().any(|a| a.0 == m.version))
            .collect();
        pending.sort_by_key(|m| m.version);
        let mut report = MigrationReport {
            applied: pending
                .iter()
                .map(|m| (m.version, m.name.to_owned()))
                .collect(),
            backup: None,
            schema_version: applied.iter().map(|a| a.0).max().unwrap_or(0),
        };
        if dry_run || pending.is_empty() {
            return Ok(report);
        }
        if let (Some(dir), false, Dialect::Sqlite) = (backup_dir, applied.is_empty(), self.dialect)
        {
            report.backup = Some(self.backup_into(dir, report.schema_version).await?);
        }
        for m in pending {
            self.apply_one(m).await?;
            report.schema_version = report.schema_version.max(m.version);
        }
        Ok(report)
    }

    /// The highest applied migration version, or 0 for an empty database.
    pub async fn schema_version(&self) -> crate::Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("v")?)
    }

    async fn applied_migrations(&self) -> Result<Vec<(i64, String, String)>, MigrationError> {
        let exists = match self.dialect {
            Dialect::Sqlite => {
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            }
            Dialect::Postgres => {
                "SELECT count(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
            }
        };
        let n: i64 = sqlx::query(exists)
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(MigrationError::Read)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        let rows =
            sqlx::query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .map_err(MigrationError::Read)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("version")?,
                    r.try_get("name")?,
                    r.try_get("checksum")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(MigrationError::Read)
    }

    async fn apply_one(&self, m: &Migration) -> Result<(), MigrationError> {
        let failed = |source| MigrationError::Failed {
            version: m.version,
            name: m.name.to_owned(),
            source,
        };
        // SQLite and PostgreSQL both run DDL inside transactions, so a failure in the middle of a
        // multi-statement migration rolls back every statement before it, and the record with it.
        let mut tx = self.pool.begin().await.map_err(failed)?;
        tx.execute(sqlx::raw_sql(m.sql)).await.map_err(failed)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(m.checksum())
        .bind(agented_domain::time::now_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        Ok(())
    }

    async fn backup_into(&self, dir: &Path, version: i64) -> Result<PathBuf, MigrationError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let path = dir.join(format!("agented-v{version}-{stamp}.db"));
        let backup_err = |source| MigrationError::Backup {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| backup_err(sqlx::Error::Io(e)))?;
        let target = path.to_string_lossy().replace('\'', "''");
        self.pool
            .execute(sqlx::raw_sql(&format!("VACUUM INTO '{target}'")))
            .await
            .map_err(backup_err)?;
        tracing::info!(path = %path.display(), "wrote database backup before migrating");
        Ok(path)
    }
}
