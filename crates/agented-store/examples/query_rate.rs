//! Measures point-query throughput of the store on SQLite (the ceiling for authenticated API
//! requests): `cargo run --release -p agented-store --example query_rate -- [tasks] [seconds]`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agented_domain::{PageRequest, Role};
use agented_store::{NewApiKey, Store, StoreConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let tasks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let dir = std::env::temp_dir().join(format!("agented-query-rate-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::connect(&StoreConfig::sqlite(&dir.join("q.db"))).await?;
    store.migrate(None).await?;
    store
        .create_api_key(NewApiKey {
            id: "role-bench".into(),
            key_hash: "h".into(),
            key_prefix: "agd_x".into(),
            label: "bench".into(),
            role: Role::Admin,
            created_by: None,
        })
        .await?;
    for (name, list) in [
        ("point lookup by hash", false),
        ("list page with total", true),
    ] {
        let count = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (store, count) = (store.clone(), count.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let ok = if list {
                            store
                                .list_api_keys(PageRequest::default(), false)
                                .await
                                .is_ok()
                        } else {
                            store.active_api_key_by_hash("h").await.is_ok()
                        };
                        if ok {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.await?;
        }
        let n = count.load(Ordering::Relaxed);
        println!(
            "{name}: {:.0} queries/s ({tasks} tasks)",
            n as f64 / secs as f64
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
