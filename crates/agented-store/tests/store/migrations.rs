//! Migrations: applied once, checksummed, refused when edited or newer, backed up, atomic.

use agented_store::migrate::{builtin, Migration, MigrationError};
use agented_store::{Dialect, Store, StoreConfig, StoreError};

use crate::support::{count, migrated_both, postgres, raw, sqlite, TestDb};

fn table_exists_sql(db: &TestDb, table: &str) -> String {
    match db.store.dialect() {
        Dialect::Sqlite => format!("SELECT count(*) AS n FROM sqlite_master WHERE name = '{table}'"),
        Dialect::Postgres => format!(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
    }
}

fn with_extra(db: &TestDb, extra: Migration) -> Vec<Migration> {
    let mut all = builtin(db.store.dialect()).to_vec();
    all.push(extra);
    all
}

#[tokio::test]
async fn a_fresh_database_gets_every_migration_once_and_an_instance_id() {
    for db in [sqlite().await, postgres().await] {
        let dry = db.store.pending_migrations().await.expect("dry run");
        assert_eq!(
            dry.applied.len(),
            builtin(db.store.dialect()).len(),
            "{}",
            db.name
        );
        let first = db
            .store
            .migrate(Some(&db.dir.path().join("backups")))
            .await
            .expect("migrate");
        assert_eq!(first.applied.len(), builtin(db.store.dialect()).len());
        assert!(first.backup.is_none(), "a fresh database needs no backup");
        let again = db.store.migrate(None).await.expect("second migrate");
        assert!(
            again.applied.is_empty(),
            "{}: nothing to apply twice",
            db.name
        );
        db.store.seed().await.expect("seed");
        let id = db.store.instance_id().await.expect("instance id");
        db.store.seed().await.expect("seed again");
        assert_eq!(
            db.store.instance_id().await.expect("instance id"),
            id,
            "seeding never overwrites"
        );
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }
}

#[tokio::test]
async fn dry_run_lists_pending_migrations_and_changes_nothing() {
    let db = sqlite().await;
    let report = db.store.pending_migrations().await.expect("dry run");
    assert_eq!(report.applied[0], (1, "0001_foundation".to_owned()));
    assert_eq!(
        count(&db.config.url, &table_exists_sql(&db, "schema_migrations")).await,
        0
    );
}

#[tokio::test]
async fn an_existing_sqlite_database_is_backed_up_before_pending_migrations() {
    let db = sqlite().await;
    db.store.migrate(None).await.expect("migrate");
    let extra = Migration {
        version: 99,
        name: "0099_extra",
        sql: "CREATE TABLE extra (x INTEGER);",
    };
    let backups = db.dir.path().join("backups");
    let report = db
        .store
        .migrate_with(&with_extra(&db, extra), Some(&backups), false)
        .await
        .expect("migrate");
    let backup = report.backup.expect("a backup was written");
    assert!(backup.starts_with(&backups));
    // The backup is a complete database at the old version.
    let backup_config = StoreConfig::sqlite(&backup);
    let old = Store::connect(&backup_config).await.expect("open backup");
    let latest = builtin(Dialect::Sqlite)
        .last()
        .map(|m| m.version)
        .expect("migrations");
    assert_eq!(old.schema_version().await.expect("version"), latest);
    assert_eq!(report.schema_version, 99);
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused() {
    for db in migrated_both().await {
        let mut edited = builtin(db.store.dialect()).to_vec();
        edited[0].sql = "CREATE TABLE something_else (x INTEGER);";
        let err = db
            .store
            .migrate_with(&edited, None, false)
            .await
            .expect_err("refused");
        assert!(
            matches!(err, MigrationError::ChecksumMismatch { version: 1, .. }),
            "{}: {err}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_database_newer_than_the_binary_is_refused() {
    for db in migrated_both().await {
        raw(
            &db.config.url,
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')",
        )
        .await;
        let err = db.store.migrate(None).await.expect_err("refused");
        assert!(
            matches!(
                err,
                MigrationError::DatabaseNewer {
                    db_version: 999,
                    known: 2
                }
            ),
            "{}: {err}",
            db.name
        );
        assert!(err.to_string().contains("newer"), "{err}");
    }
}

#[tokio::test]
async fn a_migration_that_fails_halfway_leaves_schema_and_version_as_before() {
    for db in migrated_both().await {
        let broken = Migration {
            version: 99,
            name: "0099_broken",
            sql: "CREATE TABLE half_done (x INTEGER); INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now'); CREATE TABLE oops (;",
        };
        let err = db
            .store
            .migrate_with(&with_extra(&db, broken), None, false)
            .await
            .expect_err("fails");
        assert!(
            matches!(err, MigrationError::Failed { version: 99, .. }),
            "{}: {err}",
            db.name
        );
        assert_eq!(
            count(&db.config.url, &table_exists_sql(&db, "half_done")).await,
            0,
            "{}",
            db.name
        );
        assert_eq!(
            count(&db.config.url, "SELECT count(*) AS n FROM settings").await,
            0,
            "{}",
            db.name
        );
        let latest = builtin(db.store.dialect())
            .last()
            .map(|m| m.version)
            .expect("migrations");
        assert_eq!(
            db.store.schema_version().await.expect("version"),
            latest,
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_corrupt_database_file_is_reported_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("agented.db");
    std::fs::write(&path, vec![0x42u8; 8192]).expect("write garbage");
    let err = Store::connect(&StoreConfig::sqlite(&path))
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::Open { .. }));
    assert!(err.to_string().contains("not a database"), "{err}");
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let db = sqlite().await;
    db.store.migrate(None).await.expect("migrate");
    let health = db.store.health().await.expect("health");
    assert_eq!(health.journal_mode, "wal");
    assert_eq!(health.schema_version, builtin(Dialect::Sqlite).len() as i64);
}
