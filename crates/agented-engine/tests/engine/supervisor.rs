//! The supervisor against small shell-script CLIs: output, limits, cancel, pause, timeouts, process
//! groups, the environment and the working directory. Durations are short but assertions leave wide
//! margins, because the test machine may be loaded.

use std::time::Duration;

use agented_engine::process::{
    kill_orphan_group, spawn, ChildEnv, ControlError, Limits, OrphanKill, ProcessError,
    ProcessSpec, RunOutcome, Stream, WorkDirSpec,
};

use crate::support::{
    collect, eventually_dead, fake_cli, is_dead, next_stdout, run_script, spec, start_script,
    test_limits,
};

#[tokio::test]
async fn lines_arrive_in_order_from_both_streams_with_the_exit_code() {
    let (lines, report) = run_script(
        "echo one; sleep 0.2; echo two >&2; sleep 0.2; printf 'three'; exit 3",
        test_limits(),
    )
    .await;
    let seen: Vec<_> = lines
        .iter()
        .map(|l| (l.stream, l.content.as_str(), l.split))
        .collect();
    assert_eq!(
        seen,
        [
            (Stream::Stdout, "one", false),
            (Stream::Stderr, "two", false),
            (Stream::Stdout, "three", false)
        ]
    );
    assert_eq!(report.outcome, RunOutcome::Exited(3));
    assert_eq!(report.exit_code, Some(3));
    assert!(!report.killed);
}

#[tokio::test]
async fn a_five_megabyte_line_arrives_in_bounded_split_chunks() {
    let body = "head -c 5242880 /dev/zero | tr '\\000' 'a'; echo; echo after";
    let (lines, report) = run_script(body, test_limits()).await;
    assert_eq!(report.outcome, RunOutcome::Exited(0));
    let (chunks, rest) = lines.split_at(lines.len() - 1);
    assert_eq!(chunks.len(), 5);
    assert!(chunks
        .iter()
        .all(|c| c.split && c.content.len() == 1024 * 1024));
    assert_eq!((rest[0].content.as_str(), rest[0].split), ("after", false));
}

#[tokio::test]
async fn invalid_utf8_is_replaced() {
    let (lines, _) = run_script(r"printf 'ok\377\376bad\n'", test_limits()).await;
    assert_eq!(lines[0].content, "ok\u{fffd}\u{fffd}bad");
}

#[tokio::test]
async fn a_process_that_never_ends_times_out() {
    let limits = Limits {
        timeout: Duration::from_millis(500),
        ..test_limits()
    };
    let (_, report) = run_script("while true; do sleep 1; done", limits).await;
    assert_eq!(report.outcome, RunOutcome::TimedOut);
    assert!(report.active >= Duration::from_millis(500));
}

#[tokio::test]
async fn cancel_kills_the_whole_group_including_a_background_grandchild() {
    let (run, mut lines, _dir) = start_script("sleep 300 & echo $!; wait", test_limits());
    let leader = run.record.pid;
    let grandchild: i32 = next_stdout(&mut lines).await.parse().unwrap();
    assert!(!is_dead(grandchild));
    run.control().cancel().await.unwrap();
    let control = run.control();
    drop(lines);
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Cancelled);
    assert!(
        eventually_dead(grandchild).await,
        "grandchild {grandchild} survived"
    );
    // The leader was reaped by the supervisor: no zombie left behind.
    assert!(std::fs::metadata(format!("/proc/{leader}")).is_err());
    assert_eq!(control.cancel().await, Err(ControlError::Finished));
}

#[tokio::test]
async fn a_grandchild_left_behind_by_a_leader_that_exits_is_killed() {
    let (run, mut lines, _dir) = start_script("sleep 300 & echo $!; exit 0", test_limits());
    let grandchild: i32 = next_stdout(&mut lines).await.parse().unwrap();
    // The grandchild holds stdout open; the run still ends promptly because the group is killed.
    let rest = tokio::time::timeout(Duration::from_secs(20), collect(lines)).await;
    assert!(rest.is_ok(), "output did not close");
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Exited(0));
    assert!(
        eventually_dead(grandchild).await,
        "grandchild {grandchild} survived"
    );
}

#[tokio::test]
async fn sigterm_is_escalated_to_sigkill_after_the_grace() {
    let limits = Limits {
        kill_grace: Duration::from_millis(1000),
        ..test_limits()
    };
    let (run, mut lines, _dir) = start_script(
        "trap '' TERM; echo ready; while true; do sleep 1; done",
        limits,
    );
    assert_eq!(next_stdout(&mut lines).await, "ready");
    run.control().cancel().await.unwrap();
    // Within the grace period the run is stopping; a second request is refused, not re-applied.
    assert_eq!(run.control().pause().await, Err(ControlError::Stopping));
    drop(lines);
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Cancelled);
    assert!(
        report.killed,
        "SIGTERM was ignored, so SIGKILL must have been sent"
    );
    assert_eq!(report.exit_code, None);
}

#[tokio::test]
async fn a_cooperative_process_stops_on_sigterm_without_sigkill() {
    let (run, mut lines, _dir) = start_script("echo ready; sleep 300", test_limits());
    next_stdout(&mut lines).await;
    run.control().cancel().await.unwrap();
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Cancelled);
    assert!(!report.killed);
}

#[tokio::test]
async fn paused_time_does_not_count_toward_the_timeout() {
    let limits = Limits {
        timeout: Duration::from_secs(1),
        ..test_limits()
    };
    let (run, mut lines, _dir) = start_script("echo started; sleep 300", limits);
    next_stdout(&mut lines).await;
    let control = run.control();
    control.pause().await.unwrap();
    assert_eq!(control.pause().await, Err(ControlError::AlreadyPaused));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    control.resume().await.unwrap();
    assert_eq!(control.resume().await, Err(ControlError::NotPaused));
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::TimedOut);
    // Had the pause counted, the timeout would have fired during it, after about 1 s of wall time.
    assert!(
        report.wall >= Duration::from_millis(2400),
        "wall {:?}",
        report.wall
    );
    assert!(
        report.active >= Duration::from_secs(1),
        "active {:?}",
        report.active
    );
    assert!(
        report.active + Duration::from_millis(1400) <= report.wall,
        "{report:?}"
    );
}

#[tokio::test]
async fn pause_stops_output_and_resume_restarts_it() {
    let (run, mut lines, _dir) = start_script(
        "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done",
        test_limits(),
    );
    next_stdout(&mut lines).await;
    run.control().pause().await.unwrap();
    // Let lines already in the pipe arrive, then expect silence while stopped.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while lines.try_recv().is_ok() {}
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(lines.try_recv().is_err(), "a paused process printed");
    run.control().resume().await.unwrap();
    next_stdout(&mut lines).await;
    run.control().cancel().await.unwrap();
    drop(lines);
    assert_eq!(run.wait().await.unwrap().outcome, RunOutcome::Cancelled);
}

#[tokio::test]
async fn a_pause_longer_than_the_limit_ends_the_run() {
    let limits = Limits {
        pause_limit: Duration::from_millis(300),
        ..test_limits()
    };
    let (run, mut lines, _dir) = start_script("echo started; sleep 300", limits);
    next_stdout(&mut lines).await;
    run.control().pause().await.unwrap();
    drop(lines);
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::PauseTimeout);
    assert!(!report.killed, "SIGCONT + SIGTERM should have been enough");
}

#[tokio::test]
async fn the_environment_holds_only_the_allowlist_and_extras() {
    let dir = tempfile::tempdir().unwrap();
    let exe = fake_cli(dir.path(), "cli", "env");
    let parent = [
        ("PATH", "/usr/bin:/bin"),
        ("HOME", "/home/agented"),
        ("AGENTED_SECRET_KEY", "hunter2"),
        ("AGENTED_DATABASE_URL", "postgres://secret"),
        ("SOME_TOKEN", "t"),
    ];
    let mut spec = spec(vec![exe.to_string_lossy().into_owned()], test_limits());
    spec.env = ChildEnv::from_parent(parent, vec![("ANTHROPIC_API_KEY".into(), "sk-test".into())]);
    let (run, lines) = spawn(spec).unwrap();
    let env: Vec<String> = collect(lines)
        .await
        .into_iter()
        .map(|l| l.content)
        .collect();
    run.wait().await.unwrap();
    for expected in [
        "PATH=/usr/bin:/bin",
        "HOME=/home/agented",
        "TERM=dumb",
        "ANTHROPIC_API_KEY=sk-test",
    ] {
        assert!(
            env.iter().any(|l| l == expected),
            "{expected} missing from {env:?}"
        );
    }
    assert!(
        !env.iter().any(|l| l.starts_with("AGENTED_")
            || l.contains("secret")
            || l.starts_with("SOME_TOKEN")),
        "{env:?}"
    );
}

#[tokio::test]
async fn runs_in_the_workspace_directory_and_refuses_escapes() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("workspace");
    std::fs::create_dir_all(root.join("repo")).unwrap();
    std::os::unix::fs::symlink(base.path(), root.join("escape")).unwrap();
    let exe = fake_cli(base.path(), "cli", "pwd");
    let argv = vec![exe.to_string_lossy().into_owned()];
    let with_dir = |path: &str| ProcessSpec {
        workdir: WorkDirSpec::InWorkspace {
            root: root.clone(),
            path: path.into(),
        },
        ..spec(argv.clone(), test_limits())
    };
    let (run, lines) = spawn(with_dir("repo")).unwrap();
    let pwd = collect(lines).await;
    run.wait().await.unwrap();
    assert_eq!(
        pwd[0].content,
        root.join("repo").canonicalize().unwrap().to_string_lossy()
    );
    for path in ["..", "repo/../..", "escape"] {
        assert!(
            matches!(
                spawn(with_dir(path)),
                Err(ProcessError::WorkDirEscape { .. })
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_temporary_directory_is_removed_after_the_run() {
    let (run, lines, _dir) = start_script("pwd; touch made-here", test_limits());
    let workdir = run.workdir.clone();
    let pwd = collect(lines).await;
    assert_eq!(pwd[0].content, workdir.to_string_lossy());
    run.wait().await.unwrap();
    assert!(!workdir.exists());
}

#[tokio::test]
async fn missing_executables_and_empty_argv_are_errors() {
    let missing = spawn(spec(vec!["agented-no-such-cli".into()], test_limits()));
    assert!(matches!(missing, Err(ProcessError::ExecutableNotFound(_))));
    assert!(matches!(
        spawn(spec(Vec::new(), test_limits())),
        Err(ProcessError::EmptyArgv)
    ));
}

#[tokio::test]
async fn a_signal_from_outside_is_reported_as_signaled() {
    let (_, report) = run_script("kill -9 $$", test_limits()).await;
    assert_eq!(report.outcome, RunOutcome::Signaled(9));
}

#[tokio::test]
async fn orphan_cleanup_kills_a_recorded_group_but_never_a_reused_pid() {
    let (run, mut lines, _dir) = start_script("sleep 300 & echo $!; wait", test_limits());
    let grandchild: i32 = next_stdout(&mut lines).await.parse().unwrap();
    let record = run.record;
    let mut stale = record;
    stale.start_time += 1;
    assert_eq!(kill_orphan_group(&stale).unwrap(), OrphanKill::PidReused);
    assert!(!is_dead(grandchild) && !is_dead(record.pid));
    assert_eq!(kill_orphan_group(&record).unwrap(), OrphanKill::Killed);
    drop(lines);
    let report = run.wait().await.unwrap();
    assert_eq!(report.outcome, RunOutcome::Signaled(9));
    assert!(eventually_dead(grandchild).await);
    assert_eq!(kill_orphan_group(&record).unwrap(), OrphanKill::AlreadyGone);
}

/// Regression: when the consumer is slow, the CLI may exit long before its last lines are read;
/// the supervisor must keep waiting for a reader that waits on the consumer (it used to give up
/// after `drain_timeout` and lose the rest of the output).
#[tokio::test]
async fn a_slow_consumer_after_the_process_exits_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let exe = fake_cli(
        dir.path(),
        "cli",
        "i=1; while [ $i -le 3000 ]; do echo \"line $i\"; i=$((i+1)); done",
    );
    let limits = Limits {
        drain_timeout: Duration::from_millis(200),
        channel_capacity: 16,
        ..test_limits()
    };
    let (run, mut lines) = spawn(spec(vec![exe.to_string_lossy().into_owned()], limits)).unwrap();
    let mut got = 0usize;
    while let Some(line) = lines.recv().await {
        got += 1;
        assert_eq!(line.content, format!("line {got}"));
        if got.is_multiple_of(200) {
            // Far slower than the CLI: it has long exited while we still read.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(got, 3000);
    assert_eq!(run.wait().await.unwrap().outcome, RunOutcome::Exited(0));
}
