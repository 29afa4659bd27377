//! One run from spawn to final status. The runner task is the single owner of the run's status
//! while it runs: pause, resume and cancel arrive as commands, and every status write is a
//! compare-and-set, so racing cancel / timeout / exit produce exactly one outcome.

use std::sync::Arc;
use std::time::Instant;

use agented_domain::agent_event::AgentEvent;
use agented_domain::{Backend, ExecutionStatus, LogLine, LogStream};
use agented_store::{
    Completion, ExecutionRecord, LogChunk, LogTotals, ProcessInfo, Store, StoredLine, Usage,
};
use tokio::sync::{mpsc, oneshot};

use crate::adapters::{adapter_for, RunSpec, StreamParser};
use crate::config::EngineConfig;
use crate::log_bus::{Completed, LogBus};
use crate::log_writer::LogWriter;
use crate::process::{
    self, ChildEnv, ControlError, Limits, OutputLine, ProcessSpec, RunOutcome, RunReport, Stream,
    WorkDirSpec,
};

use ExecutionStatus::{Paused, Running};

/// A batch is handed to the log writer once it holds this many bytes, even before the flush
/// interval or line count: with at most a few such batches queued per run, memory per running
/// execution stays bounded whatever the output volume.
const MAX_BATCH_BYTES: u64 = 512 * 1024;

/// What callers may ask of a running run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// Stop it; `shutdown` marks it `interrupted` instead of `cancelled`.
    Cancel { shutdown: bool },
    /// SIGSTOP the group.
    Pause,
    /// SIGCONT the group.
    Resume,
}

pub(crate) type Reply = oneshot::Sender<Result<(), ControlError>>;

/// Everything a runner needs, shared by all runs.
pub(crate) struct RunContext {
    pub store: Store,
    pub bus: Arc<LogBus>,
    pub writer: LogWriter,
    pub config: Arc<EngineConfig>,
    pub versions: Arc<std::sync::RwLock<std::collections::HashMap<Backend, String>>>,
}

/// Runs `rec` (already claimed as `running`) to its end.
pub(crate) async fn run(
    ctx: Arc<RunContext>,
    rec: ExecutionRecord,
    mut commands: mpsc::Receiver<(Command, Reply)>,
) {
    let id = rec.id.clone();
    ctx.bus.open(&id, 0);
    let mut log = Recorder::new(&ctx, &id);
    let Ok(backend) = rec.backend.parse::<Backend>() else {
        return fail_to_start(
            &ctx,
            &mut log,
            &rec,
            format!("unknown backend {:?}", rec.backend),
        )
        .await;
    };
    let adapter = adapter_for(backend);
    let argv = match &rec.argv {
        Some(argv) if !argv.is_empty() => argv.clone(),
        _ => adapter.build_argv(&RunSpec {
            model: rec.model.clone(),
            executable: ctx.config.executables.get(backend.as_str()).cloned(),
            ..RunSpec::new(rec.prompt.clone())
        }),
    };
    let workdir = match &rec.working_dir {
        Some(dir) => WorkDirSpec::InWorkspace {
            root: ctx.config.workspace_root.clone(),
            path: dir.into(),
        },
        None => WorkDirSpec::Temporary { parent: None },
    };
    let limits = Limits {
        timeout: std::time::Duration::from_secs(rec.timeout_secs.max(1) as u64),
        kill_grace: ctx.config.kill_grace,
        pause_limit: ctx.config.pause_limit,
        max_line_bytes: ctx.config.max_line_bytes,
        // Lines waiting between the pipes and the runner; with 1 MiB lines that is still bounded.
        channel_capacity: 256,
        ..Limits::default()
    };
    let spec = ProcessSpec {
        argv: argv.clone(),
        workdir,
        env: ChildEnv::from_current_process(Vec::new()),
        limits,
    };
    let (supervised, mut lines) = match process::spawn(spec) {
        Ok(started) => started,
        Err(e) => return fail_to_start(&ctx, &mut log, &rec, e.to_string()).await,
    };
    let record = supervised.record;
    let version = ctx
        .versions
        .read()
        .ok()
        .and_then(|v| v.get(&backend).cloned());
    let info = ProcessInfo {
        pid: i64::from(record.pid),
        pgid: i64::from(record.pgid),
        start_time: record.start_time as i64,
    };
    let workdir_text = supervised.workdir.to_string_lossy().into_owned();
    if let Err(e) = ctx
        .store
        .record_execution_start(&id, &argv, version.as_deref(), &workdir_text, info)
        .await
    {
        tracing::error!(execution_id = %id, error = %e, "could not record the run's process");
    }
    ctx.bus.publish_status(&id, Running);
    tracing::info!(execution_id = %id, pid = record.pid, backend = %backend, "run started");

    let control = supervised.control();
    let mut parser = adapter.new_parser();
    let wait = supervised.wait();
    tokio::pin!(wait);
    let mut report: Option<Result<RunReport, process::ProcessError>> = None;
    let mut lines_open = true;
    let mut shutdown = false;
    let mut flush_tick = tokio::time::interval(ctx.config.flush_interval);
    flush_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while lines_open || report.is_none() {
        tokio::select! {
            line = lines.recv(), if lines_open => match line {
                Some(line) => {
                    let events = parse(parser.as_mut(), &line);
                    log.push(line, events).await;
                }
                None => lines_open = false,
            },
            done = &mut wait, if report.is_none() => report = Some(done),
            Some((command, reply)) = commands.recv() => {
                let result = match command {
                    Command::Cancel { shutdown: s } => {
                        shutdown |= s;
                        control.cancel().await
                    }
                    Command::Pause => match control.pause().await {
                        Ok(()) => transition(&ctx, &id, Running, Paused).await,
                        Err(e) => Err(e),
                    },
                    Command::Resume => match control.resume().await {
                        Ok(()) => transition(&ctx, &id, Paused, Running).await,
                        Err(e) => Err(e),
                    },
                };
                let _ = reply.send(result);
            }
            _ = flush_tick.tick() => log.flush().await,
        }
    }
    // The loop ends only after the supervisor reported; a lost supervisor counts as a failure.
    let report = match report {
        Some(Ok(r)) => r,
        other => {
            if let Some(Err(e)) = other {
                tracing::error!(execution_id = %id, error = %e, "supervisor lost");
            }
            let elapsed = log.started.elapsed();
            RunReport {
                outcome: RunOutcome::Exited(-1),
                exit_code: None,
                killed: false,
                active: elapsed,
                wall: elapsed,
            }
        }
    };
    let events = parser.finish(report.exit_code);
    let summary = match report.outcome {
        RunOutcome::Exited(code) => format!("[agented] process exited with code {code}"),
        RunOutcome::Signaled(sig) => format!("[agented] process was killed by signal {sig}"),
        RunOutcome::TimedOut => format!(
            "[agented] stopped: time limit of {} s reached",
            rec.timeout_secs
        ),
        RunOutcome::Cancelled if shutdown => {
            "[agented] stopped: the server is shutting down".to_owned()
        }
        RunOutcome::Cancelled => "[agented] stopped: cancelled".to_owned(),
        RunOutcome::PauseTimeout => {
            "[agented] stopped: paused longer than the pause limit".to_owned()
        }
    };
    log.push_system(summary, events);
    log.flush().await;
    ctx.writer.barrier().await;
    let (status, error_message) = log.verdict(report.outcome, shutdown);
    let completion = Completion {
        exit_code: report.exit_code.map(i64::from),
        error_message,
        duration_ms: report.active.as_millis() as i64,
        usage: log.usage,
        session_id: log.session_id.clone(),
        log: log.totals(),
    };
    finish(&ctx, &rec, status, completion).await;
}

fn parse(parser: &mut dyn StreamParser, line: &OutputLine) -> Vec<AgentEvent> {
    // A split piece of an over-long line is not valid JSON on its own; it stays a raw log line.
    if line.split {
        return Vec::new();
    }
    let events = match line.stream {
        Stream::Stdout => parser.parse_line(&line.content),
        Stream::Stderr => parser.parse_stderr_line(&line.content),
    };
    // The line itself is the raw form; don't store it twice.
    events
        .into_iter()
        .filter(|e| !matches!(e, AgentEvent::Raw { .. }))
        .collect()
}

async fn transition(
    ctx: &RunContext,
    id: &str,
    from: ExecutionStatus,
    to: ExecutionStatus,
) -> Result<(), ControlError> {
    match ctx.store.transition_execution(id, &[from], to).await {
        Ok(true) => {
            ctx.bus.publish_status(id, to);
            Ok(())
        }
        Ok(false) => Err(ControlError::Finished),
        Err(e) => {
            tracing::error!(execution_id = %id, error = %e, "could not record a status change");
            Ok(())
        }
    }
}

async fn fail_to_start(ctx: &RunContext, log: &mut Recorder, rec: &ExecutionRecord, why: String) {
    tracing::warn!(execution_id = %rec.id, error = %why, "run could not start");
    log.push_system(format!("[agented] could not start: {why}"), Vec::new());
    log.flush().await;
    ctx.writer.barrier().await;
    let completion = Completion {
        error_message: Some(why),
        ..Default::default()
    };
    finish(ctx, rec, ExecutionStatus::Failed, completion).await;
}

async fn finish(
    ctx: &RunContext,
    rec: &ExecutionRecord,
    status: ExecutionStatus,
    done: Completion,
) {
    match ctx
        .store
        .finish_execution(&rec.id, &[Running, Paused], status, &done)
        .await
    {
        Ok(true) => tracing::info!(execution_id = %rec.id, %status, "run finished"),
        Ok(false) => {
            tracing::warn!(execution_id = %rec.id, "run had already reached a final status")
        }
        Err(e) => {
            tracing::error!(execution_id = %rec.id, error = %e, "could not record the run's final status")
        }
    }
    let stored = ctx.store.execution(&rec.id).await.ok();
    let completed = Completed {
        status: stored.as_ref().map(|r| r.status).unwrap_or(status),
        exit_code: done.exit_code,
        error_message: done.error_message,
        duration_ms: Some(done.duration_ms),
        finished_at: stored.and_then(|r| r.finished_at),
    };
    ctx.bus.close(&rec.id, completed);
}

/// Numbers lines, keeps totals, enforces the per-run storage cap and hands batches to the writer.
struct Recorder {
    ctx_writer: LogWriter,
    bus: Arc<LogBus>,
    store: Store,
    id: String,
    cap: u64,
    flush_lines: usize,
    seq: u64,
    bytes: u64,
    truncated: bool,
    batch: Vec<Arc<StoredLine>>,
    batch_bytes: u64,
    usage: Usage,
    usage_dirty: bool,
    session_id: Option<String>,
    result: Option<(String, bool)>,
    last_error: Option<String>,
    final_rate_limit: Option<String>,
    last_stderr: Option<String>,
    started: Instant,
}

impl Recorder {
    fn new(ctx: &RunContext, id: &str) -> Recorder {
        Recorder {
            ctx_writer: ctx.writer.clone(),
            bus: ctx.bus.clone(),
            store: ctx.store.clone(),
            id: id.to_owned(),
            cap: ctx.config.log_cap_bytes,
            flush_lines: ctx.config.flush_lines,
            seq: 0,
            bytes: 0,
            truncated: false,
            batch: Vec::new(),
            batch_bytes: 0,
            usage: Usage::default(),
            usage_dirty: false,
            session_id: None,
            result: None,
            last_error: None,
            final_rate_limit: None,
            last_stderr: None,
            started: Instant::now(),
        }
    }

    async fn push(&mut self, line: OutputLine, events: Vec<AgentEvent>) {
        self.account(&events);
        if line.stream == Stream::Stderr && !line.content.trim().is_empty() {
            self.last_stderr = Some(line.content.chars().take(500).collect());
        }
        if self.truncated {
            // Storage stopped at the cap; keep draining (and counting usage) without storing.
            return;
        }
        let len = line.content.len() as u64 + 1;
        if self.bytes + len > self.cap {
            self.truncated = true;
            let mb = self.cap as f64 / (1024.0 * 1024.0);
            self.push_system(format!("[agented] log truncated: this run reached its {mb:.0} MB log limit; further output is not stored"), Vec::new());
            return;
        }
        self.bytes += len;
        let stream = match line.stream {
            Stream::Stdout => LogStream::Stdout,
            Stream::Stderr => LogStream::Stderr,
        };
        self.seq += 1;
        let stored = StoredLine::new(
            LogLine {
                seq: self.seq,
                timestamp: agented_domain::time::now_rfc3339(),
                stream,
                content: line.content,
                split: line.split,
            },
            events,
        );
        let stored = Arc::new(stored);
        self.bus.publish_line(&self.id, stored.clone());
        self.batch.push(stored);
        self.batch_bytes += len;
        // Flush on count or size, so a run printing huge lines never holds much in memory.
        if self.batch.len() >= self.flush_lines || self.batch_bytes >= MAX_BATCH_BYTES {
            self.flush().await;
        }
    }

    fn push_system(&mut self, content: String, events: Vec<AgentEvent>) {
        let events: Vec<AgentEvent> = events
            .into_iter()
            .filter(|e| !matches!(e, AgentEvent::Raw { .. }))
            .collect();
        self.account(&events);
        self.seq += 1;
        let mut stored = agented_store::system_line(self.seq, content);
        stored.events = events;
        let stored = Arc::new(stored);
        self.bus.publish_line(&self.id, stored.clone());
        self.batch.push(stored);
    }

    fn account(&mut self, events: &[AgentEvent]) {
        for e in events {
            match e {
                AgentEvent::Usage {
                    input_tokens,
                    output_tokens,
                    cache_read_tokens,
                    cache_write_tokens,
                } => {
                    self.usage.input_tokens += *input_tokens as i64;
                    self.usage.output_tokens += *output_tokens as i64;
                    self.usage.cache_read_tokens += *cache_read_tokens as i64;
                    self.usage.cache_write_tokens += *cache_write_tokens as i64;
                    self.usage_dirty = true;
                }
                AgentEvent::Cost { usd } => {
                    self.usage.cost_usd = Some(self.usage.cost_usd.unwrap_or(0.0) + usd);
                    self.usage_dirty = true;
                }
                AgentEvent::SessionId { session_id } => self.session_id = Some(session_id.clone()),
                AgentEvent::Result { text, is_error } => {
                    self.result = Some((text.clone(), *is_error))
                }
                AgentEvent::Error { message } => self.last_error = Some(message.clone()),
                e @ AgentEvent::RateLimit { message, .. } if e.is_final_rate_limit() => {
                    self.final_rate_limit = Some(message.clone());
                }
                _ => {}
            }
        }
    }

    async fn flush(&mut self) {
        if !self.batch.is_empty() {
            self.batch_bytes = 0;
            let lines = std::mem::take(&mut self.batch);
            self.ctx_writer
                .write(LogChunk {
                    execution_id: self.id.clone(),
                    lines,
                })
                .await;
        }
        if self.usage_dirty {
            self.usage_dirty = false;
            let log = self.totals();
            if let Err(e) = self
                .store
                .record_execution_usage(&self.id, self.usage, log)
                .await
            {
                tracing::warn!(execution_id = %self.id, error = %e, "could not record usage");
            }
        }
    }

    fn totals(&self) -> LogTotals {
        LogTotals {
            lines: self.seq as i64,
            bytes: self.bytes as i64,
            truncated: self.truncated,
        }
    }

    /// The final status and error message, from how the process ended and what the CLI said.
    fn verdict(&self, outcome: RunOutcome, shutdown: bool) -> (ExecutionStatus, Option<String>) {
        use ExecutionStatus::*;
        let clip = |s: &str| s.chars().take(2000).collect::<String>();
        match outcome {
            RunOutcome::Cancelled if shutdown => (
                Interrupted,
                Some("The server shut down while this run was in progress".into()),
            ),
            RunOutcome::Cancelled => (Cancelled, Some("Cancelled".into())),
            RunOutcome::TimedOut => (Timeout, Some("The run exceeded its time limit".into())),
            RunOutcome::PauseTimeout => (
                PauseTimeout,
                Some("The run stayed paused longer than the pause limit".into()),
            ),
            RunOutcome::Signaled(sig) => {
                (Failed, Some(format!("The CLI was killed by signal {sig}")))
            }
            RunOutcome::Exited(code) => {
                if let Some(message) = &self.final_rate_limit {
                    return (RateLimited, Some(clip(message)));
                }
                let result_error = self
                    .result
                    .as_ref()
                    .filter(|(_, is_error)| *is_error)
                    .map(|(t, _)| clip(t));
                if code == 0 && result_error.is_none() {
                    return (Success, None);
                }
                let detail = result_error
                    .or_else(|| self.last_error.as_deref().map(clip))
                    .or_else(|| self.last_stderr.as_deref().map(clip));
                let message = match detail {
                    Some(d) if code != 0 => format!("The CLI exited with code {code}: {d}"),
                    Some(d) => d,
                    None => format!("The CLI exited with code {code}"),
                };
                (Failed, Some(message))
            }
        }
    }
}
