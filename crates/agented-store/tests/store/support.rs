//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database.

use agented_store::{Store, StoreConfig};

/// A store on a fresh database plus whatever keeps it alive.
pub struct TestDb {
    pub store: Store,
    pub config: StoreConfig,
    pub dir: tempfile::TempDir,
    pub name: &'static str,
}

fn postgres_admin_url() -> String {
    std::env::var("AGENTED_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh, empty SQLite database (not migrated).
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig::sqlite(&dir.path().join("agented.db"));
    let store = Store::connect(&config).await.expect("open sqlite");
    TestDb {
        store,
        config,
        dir,
        name: "sqlite",
    }
}

/// A fresh, empty PostgreSQL database (not migrated).
pub async fn postgres() -> TestDb {
    let admin_url = postgres_admin_url();
    let db = format!("agented_test_{}", uuid::Uuid::new_v4().simple());
    raw(&admin_url, &format!("CREATE DATABASE {db}")).await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    let config = StoreConfig::postgres(&format!("{base}/{db}"));
    let store = Store::connect(&config).await.expect("open postgres");
    TestDb {
        store,
        config,
        dir: tempfile::tempdir().expect("tempdir"),
        name: "postgres",
    }
}

/// Both dialects, freshly created and migrated.
pub async fn migrated_both() -> Vec<TestDb> {
    let mut out = Vec::new();
    for db in [sqlite().await, postgres().await] {
        db.store.migrate(None).await.expect("migrate");
        db.store.seed().await.expect("seed");
        out.push(db);
    }
    out
}

/// Runs one statement on `url` outside the store (test set-up and tampering only).
pub async fn raw(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap_or_else(|e| {
        panic!("cannot connect to {url} (PostgreSQL must run for these tests): {e}")
    });
    sqlx::raw_sql(sql)
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
}

/// Counts rows of a query returning one integer column `n`.
pub async fn count(url: &str, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let n = sqlx::query(sql)
        .fetch_one(&pool)
        .await
        .expect(sql)
        .try_get::<i64, _>("n")
        .expect("n");
    pool.close().await;
    n
}
