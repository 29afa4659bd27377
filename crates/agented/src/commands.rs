//! The subcommands other than `serve`: `migrate`, `keys`, `doctor`.

use agented_domain::PageRequest;
use agented_store::{AuditEntry, NewApiKey};
use anyhow::Context;

use crate::app::open_store;
use crate::cli::KeysCommand;
use crate::config::Config;

/// `agented migrate [--dry-run]`.
pub async fn migrate(config: &Config, dry_run: bool) -> anyhow::Result<()> {
    config.prepare_data_dir()?;
    let store = open_store(config, false).await?;
    if dry_run {
        let report = store.pending_migrations().await?;
        println!("schema version: {}", report.schema_version);
        if report.applied.is_empty() {
            println!("nothing to do: the database is up to date");
        }
        for (version, name) in &report.applied {
            println!("would apply {version:04} {name}");
        }
    } else {
        let report = store
            .migrate(Some(&config.data_dir.join("backups")))
            .await?;
        store.seed().await?;
        if let Some(b) = &report.backup {
            println!("backup written to {}", b.display());
        }
        for (version, name) in &report.applied {
            println!("applied {version:04} {name}");
        }
        println!("schema version: {}", report.schema_version);
    }
    store.close().await;
    Ok(())
}

/// `agented keys …`.
pub async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    config.prepare_data_dir()?;
    let store = open_store(config, true).await?;
    match command {
        KeysCommand::Create { role, label } => {
            let label = label.trim().to_owned();
            anyhow::ensure!(
                !label.is_empty() && label.chars().count() <= 200,
                "--label: 1 to 200 characters"
            );
            let key = agented_api::auth::keys::generate();
            let record = store
                .create_api_key(NewApiKey {
                    id: agented_domain::id::new_id("role", 12),
                    key_hash: key.hash.clone(),
                    key_prefix: key.visible_prefix.clone(),
                    label,
                    role,
                    created_by: Some("cli".into()),
                })
                .await?;
            store
                .record_audit(AuditEntry {
                    action: "api_key.create".into(),
                    entity_type: Some("api_key".into()),
                    entity_id: Some(record.id.clone()),
                    outcome: "success".into(),
                    actor: "cli".into(),
                    details: Some(serde_json::json!({"role": role})),
                    request_id: None,
                })
                .await?;
            println!(
                "Created {} key {} ({})",
                record.role, record.id, record.label
            );
            println!();
            println!("  {}", key.plaintext);
            println!();
            println!(
                "Store it now: it will not be shown again. Use it as X-API-Key or log in with it."
            );
        }
        KeysCommand::List { all } => {
            let page = store
                .list_api_keys(
                    PageRequest {
                        limit: 500,
                        offset: 0,
                    },
                    all,
                )
                .await?;
            println!(
                "{:<18} {:<13} {:<9} {:<25} {:<25} LABEL",
                "ID", "PREFIX", "ROLE", "CREATED", "LAST USED"
            );
            for k in page.items {
                let status = if k.revoked_at.is_some() {
                    " (revoked)"
                } else {
                    ""
                };
                println!(
                    "{:<18} {:<13} {:<9} {:<25} {:<25} {}{status}",
                    k.id,
                    k.key_prefix,
                    k.role.as_str(),
                    k.created_at,
                    k.last_used_at.as_deref().unwrap_or("never"),
                    k.label
                );
            }
            println!("{} key(s)", page.total_count);
        }
        KeysCommand::Revoke { id } => {
            let revoked = store
                .revoke_api_key(&id)
                .await
                .with_context(|| format!("revoking {id}"))?;
            if revoked {
                store
                    .record_audit(AuditEntry {
                        action: "api_key.revoke".into(),
                        entity_type: Some("api_key".into()),
                        entity_id: Some(id.clone()),
                        outcome: "success".into(),
                        actor: "cli".into(),
                        ..Default::default()
                    })
                    .await?;
                println!("Revoked {id}");
            } else {
                println!("{id} was already revoked");
            }
        }
    }
    store.close().await;
    Ok(())
}

/// `agented doctor`: every check prints one line; the exit code is non-zero if any failed.
pub async fn doctor(config: &Config) -> anyhow::Result<bool> {
    let mut ok = true;
    let mut check = |name: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("ok    {name:<14} {detail}"),
        Err(detail) => {
            ok = false;
            println!("FAIL  {name:<14} {detail}");
        }
    };
    check(
        "config",
        Ok(format!(
            "bind {}, data {}",
            config.bind,
            config.data_dir.display()
        )),
    );
    let dir = config
        .prepare_data_dir()
        .map(|_| "writable".to_owned())
        .map_err(|e| e.to_string());
    let dir_ok = dir.is_ok();
    check("data folder", dir);
    if dir_ok {
        match open_store(config, false).await {
            Ok(store) => {
                match store.pending_migrations().await {
                    Ok(r) if r.applied.is_empty() => check(
                        "database",
                        Ok(format!("schema version {}", r.schema_version)),
                    ),
                    Ok(r) => check(
                        "database",
                        Ok(format!(
                            "schema version {}; {} migration(s) pending (run `agented migrate`)",
                            r.schema_version,
                            r.applied.len()
                        )),
                    ),
                    Err(e) => check("database", Err(e.to_string())),
                }
                store.close().await;
            }
            Err(e) => check("database", Err(format!("{e:#}"))),
        }
    }
    println!();
    println!(
        "{:<10} {:<10} {:<40} VERSION",
        "BACKEND", "INSTALLED", "PATH"
    );
    // The same detection the engine uses (configured path or PATH, `--version` with a timeout).
    for backend in agented_domain::Backend::ALL {
        let configured = config
            .engine
            .executables
            .get(backend.as_str())
            .map(|p| p.as_path());
        let found = agented_engine::adapters::adapter_for(backend)
            .detect(configured)
            .await;
        println!(
            "{:<10} {:<10} {:<40} {}",
            backend.as_str(),
            if found.installed { "yes" } else { "no" },
            found
                .path
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "-".into()),
            found
                .version
                .or(found.problem)
                .unwrap_or_else(|| "-".into())
        );
    }
    Ok(ok)
}
