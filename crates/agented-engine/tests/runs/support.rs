//! A fresh store and engine per test, with fake CLIs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agented_domain::{Backend, ExecutionStatus};
use agented_engine::{BusItem, Engine, EngineConfig, StartRequest};
use agented_store::{ExecutionRecord, Store, StoreConfig, StoredLine};
use futures_util::StreamExt;

pub struct TestEngine {
    pub engine: Engine,
    pub store: Store,
    pub dir: tempfile::TempDir,
}

/// The recorded capture `<cli>/<scenario>.stdout.jsonl`.
pub fn capture(cli: &str, scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cli-streams")
        .join(cli)
        .join(format!("{scenario}.stdout.jsonl"))
}

/// Writes an executable shell script.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

impl TestEngine {
    /// An engine whose `claude` is the given script body.
    pub async fn with_claude(body: &str, tweak: impl FnOnce(&mut EngineConfig)) -> TestEngine {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::connect(&StoreConfig::sqlite(&dir.path().join("agented.db")))
            .await
            .expect("store");
        store.migrate(None).await.expect("migrate");
        let fake = script(dir.path(), "fake-claude", body);
        let workspace = dir.path().join("workspace");
        std::fs::create_dir_all(&workspace).expect("workspace");
        let mut config = EngineConfig {
            workspace_root: workspace,
            kill_grace: Duration::from_secs(2),
            ..EngineConfig::default()
        };
        config.executables.insert("claude".into(), fake);
        tweak(&mut config);
        let engine = Engine::new(store.clone(), config);
        engine.start().await.expect("start");
        TestEngine { engine, store, dir }
    }

    pub async fn submit(&self, prompt: &str) -> ExecutionRecord {
        self.engine.submit(request(prompt)).await.expect("submit")
    }

    /// Waits until the run reaches a terminal status (or fails the test after `secs`).
    pub async fn finished(&self, id: &str, secs: u64) -> ExecutionRecord {
        self.wait_for(id, secs, |r| r.status.is_terminal()).await
    }

    pub async fn wait_for(
        &self,
        id: &str,
        secs: u64,
        done: impl Fn(&ExecutionRecord) -> bool,
    ) -> ExecutionRecord {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let rec = self.store.execution(id).await.expect("run");
            if done(&rec) {
                return rec;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {id} stuck in {}",
                rec.status
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every stored line of a run.
    pub async fn lines(&self, id: &str) -> Vec<StoredLine> {
        self.store
            .log_lines_after(id, 0, usize::MAX)
            .await
            .expect("lines")
    }

    /// Everything a subscriber receives, from `after` to `complete`.
    pub async fn subscribe_all(
        &self,
        id: &str,
        after: u64,
    ) -> (Vec<StoredLine>, Option<ExecutionStatus>) {
        let mut lines = Vec::new();
        let mut status = None;
        let mut stream = Box::pin(self.engine.subscribe(id, after));
        let deadline = tokio::time::sleep(Duration::from_secs(30));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                item = stream.next() => match item {
                    Some(BusItem::Line(l)) => lines.push((*l).clone()),
                    Some(BusItem::Complete(c)) => { status = Some(c.status); break; }
                    Some(BusItem::Status(_)) => {}
                    None => break,
                },
                _ = &mut deadline => panic!("subscription to {id} did not complete"),
            }
        }
        (lines, status)
    }
}

pub fn request(prompt: &str) -> StartRequest {
    StartRequest {
        backend: Backend::Claude,
        model: None,
        prompt: prompt.into(),
        working_dir: None,
        trigger_id: None,
        trigger_type: "api".into(),
        trigger_snapshot: None,
        argv: None,
        replay_of: None,
        timeout: None,
        created_by: None,
    }
}

/// Asserts sequence numbers are 1..=n with no gap and no repeat.
pub fn assert_consecutive(lines: &[StoredLine], from: u64) {
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l.line.seq, from + i as u64, "gap or repeat at index {i}");
    }
}

/// True when a process with this pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
