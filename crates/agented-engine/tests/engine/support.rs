//! Shared helpers for the engine's integration tests: the copied CLI captures, fake CLIs written as
//! shell scripts at test time, and a supervised-run helper that collects output and the report.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agented_domain::agent_event::AgentEvent;
use agented_domain::Backend;
use agented_engine::adapters::adapter_for;
use agented_engine::process::{
    spawn, ChildEnv, Limits, OutputLine, ProcessSpec, RunReport, Stream, Supervised, WorkDirSpec,
};
use tokio::sync::mpsc;

/// The folder holding the copied captures of one CLI.
pub fn capture_dir(cli: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cli-streams")
        .join(cli)
}

/// One captured run: stdout lines, stderr lines and the exit code.
pub struct Capture {
    pub scenario: String,
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

/// Every capture of `cli`, sorted by scenario name.
pub fn captures(cli: &str) -> Vec<Capture> {
    let dir = capture_dir(cli);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".stdout.jsonl")
                .map(String::from)
        })
        .collect();
    names.sort();
    names.into_iter().map(|name| capture(cli, &name)).collect()
}

/// One capture by scenario name.
pub fn capture(cli: &str, scenario: &str) -> Capture {
    let dir = capture_dir(cli);
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{scenario}.{ext}"))).unwrap();
    Capture {
        scenario: scenario.to_owned(),
        stdout: read("stdout.jsonl"),
        stderr: read("stderr.txt"),
        exit: read("exit").trim().parse().unwrap(),
    }
}

/// Feeds a capture through the backend's parser: stdout, then stderr, then the exit code.
pub fn parse_capture(backend: Backend, capture: &Capture) -> Vec<AgentEvent> {
    let mut parser = adapter_for(backend).new_parser();
    let mut events: Vec<AgentEvent> = capture
        .stdout
        .lines()
        .flat_map(|l| parser.parse_line(l))
        .collect();
    events.extend(
        capture
            .stderr
            .lines()
            .flat_map(|l| parser.parse_stderr_line(l)),
    );
    events.extend(parser.finish(Some(capture.exit)));
    events
}

/// The first session id written in compact JSON in `stdout`, under any CLI's key.
pub fn session_in(stdout: &str) -> Option<String> {
    ["\"session_id\":\"", "\"thread_id\":\"", "\"sessionID\":\""]
        .iter()
        .find_map(|key| {
            let start = stdout.find(key)? + key.len();
            let len = stdout[start..].find('"')?;
            Some(stdout[start..start + len].to_owned())
        })
}

/// Writes an executable `#!/bin/sh` script.
pub fn fake_cli(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Limits small enough for tests; each test overrides what it exercises.
pub fn test_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        kill_grace: Duration::from_secs(5),
        ..Limits::default()
    }
}

/// A spec running `argv` in a fresh temporary directory with a synthetic parent environment.
pub fn spec(argv: Vec<String>, limits: Limits) -> ProcessSpec {
    let parent = [(
        "PATH",
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
    )];
    ProcessSpec {
        argv,
        workdir: WorkDirSpec::Temporary { parent: None },
        env: ChildEnv::from_parent(parent, Vec::new()),
        limits,
    }
}

/// Runs a script body to completion and returns its output and report.
pub async fn run_script(body: &str, limits: Limits) -> (Vec<OutputLine>, RunReport) {
    let dir = tempfile::tempdir().unwrap();
    let exe = fake_cli(dir.path(), "cli", body);
    let (run, lines) = spawn(spec(vec![exe.to_string_lossy().into_owned()], limits)).unwrap();
    let output = collect(lines).await;
    (output, run.wait().await.unwrap())
}

/// Reads the channel to its end.
pub async fn collect(mut lines: mpsc::Receiver<OutputLine>) -> Vec<OutputLine> {
    let mut out = Vec::new();
    while let Some(line) = lines.recv().await {
        out.push(line);
    }
    out
}

/// Waits for the next stdout line (stderr lines are skipped), failing the test after 20 s.
pub async fn next_stdout(lines: &mut mpsc::Receiver<OutputLine>) -> String {
    let wait = async {
        loop {
            match lines.recv().await {
                Some(line) if line.stream == Stream::Stdout => return line.content,
                Some(_) => continue,
                None => panic!("output ended early"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("no output within 20 s")
}

/// Spawns a script and returns its run, its output channel and the temp dir keeping it alive.
pub fn start_script(
    body: &str,
    limits: Limits,
) -> (Supervised, mpsc::Receiver<OutputLine>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let exe = fake_cli(dir.path(), "cli", body);
    let (run, lines) = spawn(spec(vec![exe.to_string_lossy().into_owned()], limits)).unwrap();
    (run, lines, dir)
}

/// True if `pid` is gone or a zombie that is not ours to reap (reparented to init).
pub fn is_dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Polls `is_dead` for up to 10 s (the kernel needs a moment after SIGKILL).
pub async fn eventually_dead(pid: i32) -> bool {
    for _ in 0..100 {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
