//! Supervising one CLI process: spawn it in its own process group, read its output, obey
//! pause/resume/cancel, enforce the timeouts, and report exactly one outcome.
//!
//! One task owns the child and `select!`s over the child's exit, the control channel and the current
//! timer, so cancel, timeout and exit cannot race each other into two outcomes: whichever the task
//! sees first decides, and later requests get [`ControlError`]. Output is read by two more tasks (see
//! `reader`). This file does not know what the output means; adapters parse it.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use nix::sys::signal::Signal;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use super::env::ChildEnv;
use super::error::{ControlError, ProcessError};
use super::group::{read_stat, signal_group, ProcessRecord};
use super::outcome::{ActiveClock, Limits, RunOutcome, RunReport};
use super::reader::{read_lines, OutputLine, ReaderProgress, Stream};
use super::workdir::{PreparedWorkDir, WorkDirSpec};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// The command line; argv[0] is looked up on the child's `PATH` unless it contains a `/`.
    /// Never passed through a shell.
    pub argv: Vec<String>,
    /// Where it runs.
    pub workdir: WorkDirSpec,
    /// Its complete environment.
    pub env: ChildEnv,
    /// Timeouts and buffer sizes.
    pub limits: Limits,
}

/// A running, supervised process. Dropping it does not stop the process: the supervisor keeps
/// enforcing the limits, and the output is drained and dropped.
#[derive(Debug)]
pub struct Supervised {
    /// Identity of the process group, to store for crash recovery.
    pub record: ProcessRecord,
    /// The canonical working directory.
    pub workdir: PathBuf,
    control: RunControl,
    task: JoinHandle<RunReport>,
}

impl Supervised {
    /// A handle to pause, resume or cancel the run; cheap to clone.
    pub fn control(&self) -> RunControl {
        self.control.clone()
    }

    /// Waits for the run's single outcome. Returns after the process (and its whole group) is gone,
    /// it has been reaped, the output readers have finished and a temporary directory is removed.
    pub async fn wait(self) -> Result<RunReport, ProcessError> {
        self.task
            .await
            .map_err(|e| ProcessError::SupervisorLost(e.to_string()))
    }
}

#[derive(Debug, Clone, Copy)]
enum Request {
    Cancel,
    Pause,
    Resume,
}

type Reply = oneshot::Sender<Result<(), ControlError>>;

/// Pauses, resumes or cancels a supervised run.
#[derive(Debug, Clone)]
pub struct RunControl {
    tx: mpsc::Sender<(Request, Reply)>,
}

impl RunControl {
    /// SIGTERM to the whole group, then SIGKILL after [`Limits::kill_grace`]. A paused run is
    /// continued so it can handle the SIGTERM.
    pub async fn cancel(&self) -> Result<(), ControlError> {
        self.request(Request::Cancel).await
    }

    /// SIGSTOP to the whole group; the timeout stops counting.
    pub async fn pause(&self) -> Result<(), ControlError> {
        self.request(Request::Pause).await
    }

    /// SIGCONT to the whole group; the timeout counts again.
    pub async fn resume(&self) -> Result<(), ControlError> {
        self.request(Request::Resume).await
    }

    async fn request(&self, request: Request) -> Result<(), ControlError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((request, reply))
            .await
            .map_err(|_| ControlError::Finished)?;
        answer.await.unwrap_or(Err(ControlError::Finished))
    }
}

/// Starts `spec` under supervision. Must be called inside a tokio runtime.
///
/// Returns the handle and the receiving end of the output channel. The channel is bounded
/// ([`Limits::channel_capacity`]): if it is not read, the readers wait, the pipes fill and the CLI
/// blocks, so memory stays bounded but the run stalls until its timeout. It closes after the last line.
pub fn spawn(spec: ProcessSpec) -> Result<(Supervised, mpsc::Receiver<OutputLine>), ProcessError> {
    let program = spec.argv.first().ok_or(ProcessError::EmptyArgv)?.clone();
    let workdir = spec.workdir.prepare()?;
    let mut command = Command::new(&program);
    command
        .args(&spec.argv[1..])
        .env_clear()
        .envs(spec.env.vars())
        .current_dir(workdir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own group, so signals reach everything the CLI starts and nothing else.
        .process_group(0)
        // Last resort if the runtime shuts down mid-run and drops the supervisor with the child.
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ProcessError::ExecutableNotFound(program.clone()),
        _ => ProcessError::Spawn {
            program: program.clone(),
            source,
        },
    })?;
    let record = match record_of(&child) {
        Ok(record) => record,
        Err(e) => {
            // Without a record the group could not be cleaned up after a crash: do not run it.
            if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                let _ = signal_group(pid, Signal::SIGKILL);
            }
            return Err(e);
        }
    };
    let limits = spec.limits;
    let (line_tx, line_rx) = mpsc::channel(limits.channel_capacity.max(1));
    let mut readers = Vec::with_capacity(2);
    if let Some(stdout) = child.stdout.take() {
        let progress = Arc::new(ReaderProgress::default());
        readers.push(Reader {
            task: tokio::spawn(read_lines(
                stdout,
                Stream::Stdout,
                limits.max_line_bytes,
                line_tx.clone(),
                progress.clone(),
            )),
            progress,
        });
    }
    if let Some(stderr) = child.stderr.take() {
        let progress = Arc::new(ReaderProgress::default());
        readers.push(Reader {
            task: tokio::spawn(read_lines(
                stderr,
                Stream::Stderr,
                limits.max_line_bytes,
                line_tx,
                progress.clone(),
            )),
            progress,
        });
    }
    let (control_tx, control_rx) = mpsc::channel(8);
    let path = workdir.path().to_path_buf();
    let task = tokio::spawn(supervise(
        child,
        record.pgid,
        limits,
        control_rx,
        readers,
        workdir,
    ));
    let supervised = Supervised {
        record,
        workdir: path,
        control: RunControl { tx: control_tx },
        task,
    };
    Ok((supervised, line_rx))
}

fn record_of(child: &Child) -> Result<ProcessRecord, ProcessError> {
    let pid = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .ok_or_else(|| ProcessError::ProcStat {
            pid: 0,
            reason: "child has no pid".into(),
        })?;
    // The child is not reaped yet (only the supervisor waits on it), so even if it already exited
    // its /proc entry is still there as a zombie.
    let stat = read_stat(pid)?.ok_or_else(|| ProcessError::ProcStat {
        pid,
        reason: "no such process".into(),
    })?;
    Ok(ProcessRecord {
        pid,
        pgid: pid,
        start_time: stat.start_time,
    })
}

/// Where the run is in its life.
enum Phase {
    Running,
    Paused {
        since: Instant,
    },
    /// SIGTERM sent; `kill_at` is when SIGKILL follows (`None` once sent).
    Stopping {
        reason: RunOutcome,
        kill_at: Option<Instant>,
    },
}

async fn supervise(
    mut child: Child,
    pgid: i32,
    limits: Limits,
    mut control: mpsc::Receiver<(Request, Reply)>,
    readers: Vec<Reader>,
    workdir: PreparedWorkDir,
) -> RunReport {
    let started = Instant::now();
    let mut clock = ActiveClock::start(started);
    let mut phase = Phase::Running;
    let mut killed = false;
    let mut controls_open = true;
    let status: Option<ExitStatus> = loop {
        let timer = match &phase {
            Phase::Running => clock.deadline(limits.timeout),
            Phase::Paused { since } => since.checked_add(limits.pause_limit),
            Phase::Stopping { kill_at, .. } => *kill_at,
        };
        tokio::select! {
            // Biased: a process that has already exited wins over a request or timer that became
            // ready at the same moment, so its real exit status is reported.
            biased;
            status = child.wait() => break status.ok(),
            message = control.recv(), if controls_open => {
                let Some((request, reply)) = message else {
                    controls_open = false;
                    continue;
                };
                let answer = handle(request, &mut phase, &mut clock, pgid, &limits);
                let _ = reply.send(answer);
            }
            _ = sleep_until(timer.unwrap_or(started)), if timer.is_some() => {
                let now = Instant::now();
                match phase {
                    Phase::Running => phase = begin_stop(RunOutcome::TimedOut, false, pgid, &limits),
                    Phase::Paused { .. } => {
                        phase = begin_stop(RunOutcome::PauseTimeout, true, pgid, &limits);
                    }
                    Phase::Stopping { reason, .. } => {
                        send(pgid, Signal::SIGKILL);
                        killed = true;
                        phase = Phase::Stopping { reason, kill_at: None };
                    }
                }
                clock.pause(now);
            }
        }
    };
    let ended = Instant::now();
    clock.pause(ended);
    // The leader is gone; anything it left in its group (a background `sleep &`) goes with it. The
    // group id cannot have been recycled while members remain; with no members left this is ESRCH.
    send(pgid, Signal::SIGKILL);
    drain(readers, &limits).await;
    // Removing a large temporary tree is blocking I/O; keep it off the async workers.
    let _ = tokio::task::spawn_blocking(move || drop(workdir)).await;
    let exit_code = status.and_then(|s| s.code());
    let outcome = match phase {
        Phase::Stopping { reason, .. } => reason,
        Phase::Running | Phase::Paused { .. } => match status {
            Some(status) => match (
                status.code(),
                std::os::unix::process::ExitStatusExt::signal(&status),
            ) {
                (Some(code), _) => RunOutcome::Exited(code),
                (None, Some(signal)) => RunOutcome::Signaled(signal),
                (None, None) => RunOutcome::Exited(-1),
            },
            None => RunOutcome::Exited(-1),
        },
    };
    RunReport {
        outcome,
        exit_code,
        killed,
        active: clock.active(ended),
        wall: ended.saturating_duration_since(started),
    }
}

fn handle(
    request: Request,
    phase: &mut Phase,
    clock: &mut ActiveClock,
    pgid: i32,
    limits: &Limits,
) -> Result<(), ControlError> {
    let now = Instant::now();
    match (request, &*phase) {
        (_, Phase::Stopping { .. }) => Err(ControlError::Stopping),
        (Request::Cancel, Phase::Running) => {
            *phase = begin_stop(RunOutcome::Cancelled, false, pgid, limits);
            clock.pause(now);
            Ok(())
        }
        (Request::Cancel, Phase::Paused { .. }) => {
            *phase = begin_stop(RunOutcome::Cancelled, true, pgid, limits);
            Ok(())
        }
        (Request::Pause, Phase::Running) => {
            send(pgid, Signal::SIGSTOP);
            clock.pause(now);
            *phase = Phase::Paused { since: now };
            Ok(())
        }
        (Request::Pause, Phase::Paused { .. }) => Err(ControlError::AlreadyPaused),
        (Request::Resume, Phase::Paused { .. }) => {
            send(pgid, Signal::SIGCONT);
            clock.resume(now);
            *phase = Phase::Running;
            Ok(())
        }
        (Request::Resume, Phase::Running) => Err(ControlError::NotPaused),
    }
}

/// SIGTERM to the group (continuing it first if stopped, or it could not act on the SIGTERM) and
/// schedule the SIGKILL.
fn begin_stop(reason: RunOutcome, was_paused: bool, pgid: i32, limits: &Limits) -> Phase {
    send(pgid, Signal::SIGTERM);
    if was_paused {
        send(pgid, Signal::SIGCONT);
    }
    Phase::Stopping {
        reason,
        kill_at: Instant::now().checked_add(limits.kill_grace),
    }
}

fn send(pgid: i32, signal: Signal) {
    if let Err(e) = signal_group(pgid, signal) {
        tracing::warn!(pgid, ?signal, error = %e, "could not signal process group");
    }
}

/// One output reader task and what it is doing.
pub(crate) struct Reader {
    task: JoinHandle<()>,
    progress: Arc<ReaderProgress>,
}

/// Waits for the readers to deliver the last lines. A reader that is waiting for a slow consumer is
/// always waited for (giving up would lose lines); only a reader that sat on its pipe for a whole
/// `drain_timeout` without reading a byte — a process outside the group holds the pipe open — is
/// abandoned.
async fn drain(mut readers: Vec<Reader>, limits: &Limits) {
    loop {
        let before: Vec<u64> = readers
            .iter()
            .map(|r| r.progress.bytes.load(Ordering::Acquire))
            .collect();
        let all_done = async {
            for reader in &mut readers {
                let _ = (&mut reader.task).await;
            }
        };
        if tokio::time::timeout(limits.drain_timeout, all_done)
            .await
            .is_ok()
        {
            return;
        }
        let mut waiting = false;
        for (reader, before) in readers.iter().zip(before) {
            if reader.task.is_finished() {
                continue;
            }
            let stuck_on_pipe = reader.progress.in_read.load(Ordering::Acquire)
                && reader.progress.bytes.load(Ordering::Acquire) == before;
            if stuck_on_pipe {
                tracing::warn!("an output pipe is still held open after the process group ended; abandoning its reader");
                reader.task.abort();
            } else {
                waiting = true;
            }
        }
        if !waiting {
            return;
        }
    }
}
