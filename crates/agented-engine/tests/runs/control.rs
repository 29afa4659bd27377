//! Cancel, pause, resume, timeouts and their races: exactly one outcome, nothing left running.

use std::time::Duration;

use agented_domain::ExecutionStatus;

use crate::support::{alive, TestEngine};

async fn running(t: &TestEngine, id: &str) {
    t.wait_for(id, 20, |r| {
        r.status == ExecutionStatus::Running && r.log_lines >= 0 && r.argv.is_some()
    })
    .await;
    // Wait until the process printed its first line (so its pid file exists).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while t.lines(id).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no output");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cancel_kills_the_whole_process_group_including_a_background_grandchild() {
    let t = TestEngine::with_claude(
        "sleep 300 & echo $! > \"$0.grandchild\"; echo started; while true; do sleep 1; done",
        |_| {},
    )
    .await;
    let rec = t.submit("hello").await;
    running(&t, &rec.id).await;
    let pid_file = t.dir.path().join("fake-claude.grandchild");
    let grandchild: i32 = std::fs::read_to_string(&pid_file)
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    assert!(alive(grandchild));
    t.engine.cancel(&rec.id).await.expect("cancel");
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Cancelled);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!alive(grandchild), "the grandchild survived");
    let again = t.engine.cancel(&rec.id).await;
    assert!(again.is_err(), "a finished run cannot be cancelled again");
}

#[tokio::test]
async fn a_cli_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let t = TestEngine::with_claude(
        "trap '' TERM; echo started; while true; do sleep 0.1; done",
        |c| {
            c.kill_grace = Duration::from_millis(500);
        },
    )
    .await;
    let rec = t.submit("hello").await;
    running(&t, &rec.id).await;
    let started = std::time::Instant::now();
    t.engine.cancel(&rec.id).await.expect("cancel");
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Cancelled);
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "SIGKILL came only after the grace"
    );
}

#[tokio::test]
async fn a_run_that_never_ends_times_out() {
    let t = TestEngine::with_claude("echo started; while true; do sleep 0.1; done", |_| {}).await;
    let mut req = crate::support::request("hello");
    req.timeout = Some(Duration::from_secs(1));
    let rec = t.engine.submit(req).await.expect("submit");
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Timeout);
}

#[tokio::test]
async fn pause_and_resume_stop_and_continue_the_group_and_paused_time_does_not_count() {
    let t = TestEngine::with_claude(
        "i=0; while [ $i -lt 30 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done",
        |_| {},
    )
    .await;
    let mut req = crate::support::request("hello");
    req.timeout = Some(Duration::from_secs(5));
    let rec = t.engine.submit(req).await.expect("submit");
    running(&t, &rec.id).await;
    t.engine.pause(&rec.id).await.expect("pause");
    assert_eq!(
        t.store.execution(&rec.id).await.expect("run").status,
        ExecutionStatus::Paused
    );
    let before = t.lines(&rec.id).await.len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let during = t.lines(&rec.id).await.len();
    assert!(
        during <= before + 1,
        "a paused run printed {} lines",
        during - before
    );
    assert!(
        t.engine.pause(&rec.id).await.is_err(),
        "pausing twice is a conflict"
    );
    t.engine.resume(&rec.id).await.expect("resume");
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::Success);
    assert!(done.duration_ms.expect("duration") < 5000);
}

#[tokio::test]
async fn a_pause_longer_than_the_limit_ends_the_run_as_pause_timeout() {
    let t = TestEngine::with_claude("echo started; while true; do sleep 0.1; done", |c| {
        c.pause_limit = Duration::from_millis(500);
    })
    .await;
    let rec = t.submit("hello").await;
    running(&t, &rec.id).await;
    t.engine.pause(&rec.id).await.expect("pause");
    let done = t.finished(&rec.id, 20).await;
    assert_eq!(done.status, ExecutionStatus::PauseTimeout);
}

#[tokio::test]
async fn racing_cancel_and_exit_produce_exactly_one_final_status() {
    for _ in 0..10 {
        let t = TestEngine::with_claude("echo started; sleep 0.05; exit 0", |_| {}).await;
        let rec = t.submit("hello").await;
        t.wait_for(&rec.id, 20, |r| r.status != ExecutionStatus::Queued)
            .await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        let _ = t.engine.cancel(&rec.id).await;
        let done = t.finished(&rec.id, 20).await;
        assert!(
            matches!(
                done.status,
                ExecutionStatus::Success | ExecutionStatus::Cancelled
            ),
            "{}",
            done.status
        );
        // The final status never changes afterwards.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            t.store.execution(&rec.id).await.expect("run").status,
            done.status
        );
    }
}

#[tokio::test]
async fn cancelling_a_queued_run_means_it_never_starts() {
    let t = TestEngine::with_claude("sleep 2; echo done", |c| c.max_concurrent_runs = 1).await;
    let first = t.submit("first").await;
    let second = t.submit("second").await;
    t.wait_for(&first.id, 20, |r| r.status == ExecutionStatus::Running)
        .await;
    assert_eq!(
        t.engine.cancel(&second.id).await.expect("cancel"),
        ExecutionStatus::Queued
    );
    assert_eq!(
        t.store.execution(&second.id).await.expect("run").status,
        ExecutionStatus::Cancelled
    );
    t.engine.cancel(&first.id).await.expect("cancel first");
    t.finished(&first.id, 20).await;
    let second = t.store.execution(&second.id).await.expect("run");
    assert!(second.started_at.is_none() && second.argv.is_none());
}

#[tokio::test]
async fn a_crash_leftover_is_interrupted_and_its_process_group_killed_at_start() {
    let t = TestEngine::with_claude(
        "echo $$ > \"$0.pid\"; echo started; while true; do sleep 0.1; done",
        |_| {},
    )
    .await;
    let rec = t.submit("hello").await;
    running(&t, &rec.id).await;
    let pid: i32 = std::fs::read_to_string(t.dir.path().join("fake-claude.pid"))
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    assert!(alive(pid));
    // A second engine on the same database plays "the next start after a crash".
    let second =
        agented_engine::Engine::new(t.store.clone(), agented_engine::EngineConfig::default());
    let recovery = second.start().await.expect("start");
    assert!(recovery.interrupted.contains(&rec.id));
    assert_eq!(recovery.killed_groups, 1);
    let done = t.store.execution(&rec.id).await.expect("run");
    assert_eq!(done.status, ExecutionStatus::Interrupted);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !alive(pid),
        "the orphaned CLI still runs: {:?}",
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
    );
    assert!(
        !t.lines(&rec.id).await.is_empty(),
        "lines stored before the crash are kept"
    );
}
