//! The engine handle: what the HTTP layer (and later triggers) use to start, control, watch and
//! recover runs. It owns the dispatcher, the log writer and one runner task per running execution.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use agented_domain::{Backend, ErrorKind, ExecutionStatus};
use agented_store::{ExecutionRecord, NewExecution, Store, StoreError};
use futures_util::Stream;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::config::EngineConfig;
use crate::log_bus::{BusItem, LogBus};
use crate::log_writer::LogWriter;
use crate::process::{kill_orphan_group, ControlError, OrphanKill, ProcessRecord, WorkDirSpec};
use crate::runner::{self, Command, RunContext};

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request is invalid (bad backend, working directory outside the workspace, …).
    #[error("{message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The run is in a status where this is not possible (e.g. pausing a finished run).
    #[error("{0}")]
    Conflict(String),
    /// The server is shutting down and starts nothing new.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    /// How the HTTP edge should answer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Invalid { .. } => ErrorKind::Invalid,
            EngineError::Conflict(_) => ErrorKind::Conflict,
            EngineError::ShuttingDown => ErrorKind::Unavailable,
            EngineError::Store(e) => e.kind(),
        }
    }
}

/// A run to start.
#[derive(Debug, Clone)]
pub struct StartRequest {
    /// The CLI.
    pub backend: Backend,
    /// The model, if any.
    pub model: Option<String>,
    /// The prompt (one argv element, never split or passed through a shell).
    pub prompt: String,
    /// A directory inside the workspace root, or `None` for a fresh temporary one.
    pub working_dir: Option<String>,
    /// The bot that started it.
    pub trigger_id: Option<String>,
    /// What started it (`api`, `manual`, `webhook`, …).
    pub trigger_type: String,
    /// The bot's configuration at this moment.
    pub trigger_snapshot: Option<serde_json::Value>,
    /// A fixed argv (replays); otherwise the adapter builds one at start.
    pub argv: Option<Vec<String>>,
    /// The run this replays.
    pub replay_of: Option<String>,
    /// Time limit; the configured default when `None`.
    pub timeout: Option<Duration>,
    /// The key id that asked.
    pub created_by: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) ctx: Arc<RunContext>,
    pub(crate) wake: Notify,
    active: Mutex<HashMap<String, mpsc::Sender<(Command, runner::Reply)>>>,
    shutting_down: AtomicBool,
    runs: Mutex<tokio::task::JoinSet<()>>,
}

impl Inner {
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Starts the runner task of a claimed run.
    pub(crate) fn launch(self: &Arc<Self>, rec: ExecutionRecord) {
        let (tx, rx) = mpsc::channel(8);
        if let Ok(mut active) = self.active.lock() {
            active.insert(rec.id.clone(), tx);
        }
        let inner = self.clone();
        let task = async move {
            let id = rec.id.clone();
            runner::run(inner.ctx.clone(), rec, rx).await;
            if let Ok(mut active) = inner.active.lock() {
                active.remove(&id);
            }
            // A slot is free: let the dispatcher start the next queued run.
            inner.wake.notify_one();
        };
        if let Ok(mut runs) = self.runs.lock() {
            runs.spawn(task);
        }
    }
}

/// The engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// What start-up recovery found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Runs marked `interrupted`.
    pub interrupted: Vec<String>,
    /// Of those, how many still had live processes that were killed.
    pub killed_groups: usize,
}

impl Engine {
    /// Builds the engine and starts its log writer. Call [`Engine::start`] to recover and dispatch.
    pub fn new(store: Store, config: EngineConfig) -> Engine {
        let bus = Arc::new(LogBus::default());
        let (writer, _task) = LogWriter::spawn(store.clone(), bus.clone());
        let ctx = Arc::new(RunContext {
            store,
            bus,
            writer,
            config: Arc::new(config),
            versions: Arc::new(RwLock::new(HashMap::new())),
        });
        Engine {
            inner: Arc::new(Inner {
                ctx,
                wake: Notify::new(),
                active: Mutex::new(HashMap::new()),
                shutting_down: AtomicBool::new(false),
                runs: Mutex::new(tokio::task::JoinSet::new()),
            }),
        }
    }

    /// Recovers from a crash (runs left running become `interrupted`, their surviving process
    /// groups are killed — never a process that merely reused a PID), then starts dispatching;
    /// queued runs start as the limits allow. CLI versions are detected in the background.
    pub async fn start(&self) -> Result<Recovery, EngineError> {
        let mut recovery = Recovery::default();
        for (id, process) in self.inner.ctx.store.interrupt_orphaned_executions().await? {
            if let Some(p) = process {
                let record = ProcessRecord {
                    pid: p.pid as i32,
                    pgid: p.pgid as i32,
                    start_time: p.start_time as u64,
                };
                match kill_orphan_group(&record) {
                    Ok(OrphanKill::Killed) => recovery.killed_groups += 1,
                    Ok(OrphanKill::PidReused | OrphanKill::AlreadyGone) => {}
                    Err(e) => {
                        tracing::warn!(execution_id = %id, error = %e, "could not end an orphaned process group")
                    }
                }
            }
            tracing::warn!(execution_id = %id, "run was interrupted by a server stop");
            recovery.interrupted.push(id);
        }
        tokio::spawn(crate::dispatcher::dispatch_loop(self.inner.clone()));
        let versions = self.inner.ctx.versions.clone();
        let executables = self.inner.ctx.config.executables.clone();
        tokio::spawn(async move {
            for backend in Backend::ALL {
                let configured = executables.get(backend.as_str()).map(|p| p.as_path());
                let found = crate::adapters::adapter_for(backend)
                    .detect(configured)
                    .await;
                if let (Some(v), Ok(mut map)) = (found.version, versions.write()) {
                    map.insert(backend, v);
                }
            }
        });
        Ok(recovery)
    }

    /// The store the engine writes to.
    pub fn store(&self) -> &Store {
        &self.inner.ctx.store
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.ctx.config
    }

    /// Validates and queues a run; the dispatcher starts it as soon as the limits allow.
    pub async fn submit(&self, req: StartRequest) -> Result<ExecutionRecord, EngineError> {
        if self.inner.is_shutting_down() {
            return Err(EngineError::ShuttingDown);
        }
        if req.prompt.trim().is_empty() && req.argv.is_none() {
            return Err(EngineError::Invalid {
                field: "prompt",
                message: "prompt must not be empty".into(),
            });
        }
        if let Some(dir) = &req.working_dir {
            self.check_working_dir(dir)?;
        }
        let timeout = req.timeout.unwrap_or(self.inner.ctx.config.default_timeout);
        let rec = self
            .inner
            .ctx
            .store
            .enqueue_execution(NewExecution {
                id: agented_domain::id::new_id("exec", 12),
                trigger_id: req.trigger_id,
                trigger_type: req.trigger_type,
                trigger_snapshot: req.trigger_snapshot,
                backend: req.backend.as_str().to_owned(),
                model: req.model,
                account_id: None,
                prompt: req.prompt,
                working_dir: req.working_dir,
                argv: req.argv,
                not_before: None,
                replay_of: req.replay_of,
                timeout_secs: timeout.as_secs().max(1) as i64,
                created_by: req.created_by,
            })
            .await?;
        self.inner.wake.notify_one();
        Ok(rec)
    }

    /// Refuses a working directory outside the workspace root (`..`, absolute paths elsewhere,
    /// symlinks pointing out) before anything is queued.
    pub fn check_working_dir(&self, dir: &str) -> Result<(), EngineError> {
        let spec = WorkDirSpec::InWorkspace {
            root: self.inner.ctx.config.workspace_root.clone(),
            path: Path::new(dir).into(),
        };
        spec.prepare().map(drop).map_err(|e| EngineError::Invalid {
            field: "working_dir",
            message: e.to_string(),
        })
    }

    /// Queues a new run with the stored argv and trigger snapshot of `id`.
    pub async fn replay(
        &self,
        id: &str,
        created_by: Option<String>,
    ) -> Result<ExecutionRecord, EngineError> {
        let original = self.inner.ctx.store.execution(id).await?;
        let backend = original
            .backend
            .parse::<Backend>()
            .map_err(|e| EngineError::Invalid {
                field: "backend",
                message: e.to_string(),
            })?;
        self.submit(StartRequest {
            backend,
            model: original.model,
            prompt: original.prompt,
            // A temporary directory is gone after its run; only a workspace directory is reused.
            working_dir: original
                .working_dir
                .filter(|d| self.check_working_dir(d).is_ok()),
            trigger_id: original.trigger_id,
            trigger_type: "replay".into(),
            trigger_snapshot: original.trigger_snapshot,
            argv: original.argv,
            replay_of: Some(original.id),
            timeout: Some(Duration::from_secs(original.timeout_secs.max(1) as u64)),
            created_by,
        })
        .await
    }

    /// Cancels a run: a queued run never starts; a running or paused one is stopped (SIGTERM to its
    /// group, SIGKILL after the grace period). Returns the status it had when asked.
    pub async fn cancel(&self, id: &str) -> Result<ExecutionStatus, EngineError> {
        let rec = self.inner.ctx.store.execution(id).await?;
        match rec.status {
            ExecutionStatus::Queued => {
                if self
                    .inner
                    .ctx
                    .store
                    .transition_execution(
                        id,
                        &[ExecutionStatus::Queued],
                        ExecutionStatus::Cancelled,
                    )
                    .await?
                {
                    return Ok(ExecutionStatus::Queued);
                }
                // It was claimed meanwhile: cancel the running process instead.
                self.command(id, Command::Cancel { shutdown: false })
                    .await?;
                Ok(ExecutionStatus::Running)
            }
            ExecutionStatus::Running | ExecutionStatus::Paused => {
                self.command(id, Command::Cancel { shutdown: false })
                    .await?;
                Ok(rec.status)
            }
            s => Err(EngineError::Conflict(format!(
                "the run has already ended ({s})"
            ))),
        }
    }

    /// Pauses a running run (SIGSTOP to its group; its time limit stops counting).
    pub async fn pause(&self, id: &str) -> Result<(), EngineError> {
        self.require(id, ExecutionStatus::Running, "pause").await?;
        self.command(id, Command::Pause).await
    }

    /// Resumes a paused run (SIGCONT).
    pub async fn resume(&self, id: &str) -> Result<(), EngineError> {
        self.require(id, ExecutionStatus::Paused, "resume").await?;
        self.command(id, Command::Resume).await
    }

    async fn require(
        &self,
        id: &str,
        status: ExecutionStatus,
        what: &str,
    ) -> Result<(), EngineError> {
        let rec = self.inner.ctx.store.execution(id).await?;
        if rec.status != status {
            return Err(EngineError::Conflict(format!(
                "cannot {what} a run that is {}",
                rec.status
            )));
        }
        Ok(())
    }

    async fn command(&self, id: &str, command: Command) -> Result<(), EngineError> {
        let tx = self
            .inner
            .active
            .lock()
            .ok()
            .and_then(|a| a.get(id).cloned());
        // Between the claim and the runner registering, or on another server: wait briefly.
        let tx = match tx {
            Some(tx) => tx,
            None => {
                let mut found = None;
                for _ in 0..50 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    found = self
                        .inner
                        .active
                        .lock()
                        .ok()
                        .and_then(|a| a.get(id).cloned());
                    if found.is_some() {
                        break;
                    }
                }
                found.ok_or_else(|| {
                    EngineError::Conflict("the run is not running on this server".into())
                })?
            }
        };
        let (reply, answer) = oneshot::channel();
        tx.send((command, reply))
            .await
            .map_err(|_| EngineError::Conflict("the run has already ended".into()))?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(ControlError::Finished)) | Err(_) => {
                Err(EngineError::Conflict("the run has already ended".into()))
            }
            Ok(Err(e)) => Err(EngineError::Conflict(e.to_string())),
        }
    }

    /// Every line of a run after `after`, then live items until `complete`.
    pub fn subscribe(&self, id: &str, after: u64) -> impl Stream<Item = BusItem> + Send + 'static {
        self.inner
            .ctx
            .bus
            .subscribe(self.inner.ctx.store.clone(), id.to_owned(), after)
    }

    /// Runs currently supervised by this server.
    pub fn running_count(&self) -> usize {
        self.inner.active.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// Wakes the dispatcher (after something was queued outside [`Engine::submit`]).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Stops starting runs, tells every running run to stop (they end `interrupted`), and waits for
    /// them — at most `deadline` — so their last lines are stored.
    pub async fn shutdown(&self, deadline: Duration) {
        self.inner.shutting_down.store(true, Ordering::Release);
        self.inner.wake.notify_one();
        let senders: Vec<_> = self
            .inner
            .active
            .lock()
            .map(|a| a.values().cloned().collect())
            .unwrap_or_default();
        for tx in senders {
            let (reply, _answer) = oneshot::channel();
            let _ = tx.send((Command::Cancel { shutdown: true }, reply)).await;
        }
        let mut runs = match self.inner.runs.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(_) => return,
        };
        let drained = tokio::time::timeout(deadline, async {
            while runs.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("some runs did not stop before the shutdown deadline; they will be marked interrupted at the next start");
        }
    }
}
