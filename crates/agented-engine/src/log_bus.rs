//! The log bus: fans each run's lines out to live subscribers without ever blocking the run.
//!
//! Per running execution it keeps the lines not yet confirmed stored (bounded: the writer's
//! backpressure keeps it so) and a broadcast channel. A subscriber replays from the database, then
//! from the unconfirmed lines, then follows the broadcast — no line lost, none repeated. A
//! subscriber that falls behind the broadcast (it lagged) catches up from the database again, so a
//! slow browser never slows the run or the other subscribers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use agented_domain::ExecutionStatus;
use agented_store::{Store, StoredLine};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast;

/// Live items per run that a subscriber may fall behind by before it is switched back to reading
/// from the database.
const BROADCAST_CAPACITY: usize = 4096;
/// Lines read from the database per query while replaying.
const REPLAY_BATCH: usize = 2000;

/// The final facts of a run, sent as the SSE `complete` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completed {
    /// The terminal status.
    pub status: ExecutionStatus,
    /// The CLI's exit code.
    pub exit_code: Option<i64>,
    /// Why it did not succeed.
    pub error_message: Option<String>,
    /// Active duration in ms.
    pub duration_ms: Option<i64>,
    /// When it ended (RFC 3339 UTC).
    pub finished_at: Option<String>,
}

/// One item a subscriber receives.
#[derive(Debug, Clone)]
pub enum BusItem {
    /// A log line (with the agent events parsed from it).
    Line(Arc<StoredLine>),
    /// The run's status changed (running, paused, …).
    Status(ExecutionStatus),
    /// The run ended; nothing follows.
    Complete(Completed),
}

struct RunState {
    /// Lines published but not yet confirmed stored, oldest first.
    unflushed: VecDeque<Arc<StoredLine>>,
    /// Every line up to this sequence number is in the database.
    flushed_upto: u64,
}

/// The live side of one run.
struct RunChannel {
    state: Mutex<RunState>,
    tx: broadcast::Sender<BusItem>,
}

/// All live runs' channels. Cheap to share (`Arc`).
pub struct LogBus {
    runs: Mutex<HashMap<String, Arc<RunChannel>>>,
    /// Bumped whenever a run opens, so subscribers to a queued run wake when it starts.
    opened: tokio::sync::watch::Sender<u64>,
}

impl Default for LogBus {
    fn default() -> Self {
        LogBus {
            runs: Mutex::new(HashMap::new()),
            opened: tokio::sync::watch::channel(0).0,
        }
    }
}

impl LogBus {
    /// Opens the channel of a run that is starting.
    pub fn open(&self, execution_id: &str, flushed_upto: u64) {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let channel = Arc::new(RunChannel {
            state: Mutex::new(RunState {
                unflushed: VecDeque::new(),
                flushed_upto,
            }),
            tx,
        });
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(execution_id.to_owned(), channel);
        }
        self.opened.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn channel(&self, execution_id: &str) -> Option<Arc<RunChannel>> {
        self.runs
            .lock()
            .ok()
            .and_then(|r| r.get(execution_id).cloned())
    }

    /// Publishes a line: keeps it until stored and sends it to live subscribers. Never waits.
    pub fn publish_line(&self, execution_id: &str, line: Arc<StoredLine>) {
        if let Some(ch) = self.channel(execution_id) {
            if let Ok(mut st) = ch.state.lock() {
                st.unflushed.push_back(line.clone());
            }
            // No receivers is fine; a lagging receiver is handled on its side.
            let _ = ch.tx.send(BusItem::Line(line));
        }
    }

    /// Publishes a status change.
    pub fn publish_status(&self, execution_id: &str, status: ExecutionStatus) {
        if let Some(ch) = self.channel(execution_id) {
            let _ = ch.tx.send(BusItem::Status(status));
        }
    }

    /// Notes that every line up to `seq` is stored; they are dropped from memory.
    pub fn mark_flushed(&self, execution_id: &str, seq: u64) {
        if let Some(ch) = self.channel(execution_id) {
            if let Ok(mut st) = ch.state.lock() {
                st.flushed_upto = st.flushed_upto.max(seq);
                while st.unflushed.front().is_some_and(|l| l.line.seq <= seq) {
                    st.unflushed.pop_front();
                }
            }
        }
    }

    /// Ends a run's channel: subscribers get `complete`; later subscribers read the database.
    pub fn close(&self, execution_id: &str, completed: Completed) {
        let channel = self
            .runs
            .lock()
            .ok()
            .and_then(|mut r| r.remove(execution_id));
        if let Some(ch) = channel {
            let _ = ch.tx.send(BusItem::Complete(completed));
        }
    }

    /// Lines published but not yet stored, across all runs (for metrics and tests).
    pub fn unflushed_lines(&self) -> usize {
        let channels: Vec<_> = self
            .runs
            .lock()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default();
        channels
            .iter()
            .map(|c| c.state.lock().map(|s| s.unflushed.len()).unwrap_or(0))
            .sum()
    }

    /// Every line of a run after `after`, then live items until `complete`.
    ///
    /// For a finished run (no live channel) the stored log is replayed and `complete` is built from
    /// the stored record. `Lagged` items never surface: the stream re-reads the database instead.
    pub fn subscribe(
        self: &Arc<Self>,
        store: Store,
        execution_id: String,
        after: u64,
    ) -> impl Stream<Item = BusItem> + Send {
        let start = Cursor {
            bus: self.clone(),
            store,
            execution_id,
            sent: after,
            phase: Phase::Attach,
        };
        futures_util::stream::unfold(start, |mut cursor| async move {
            let item = cursor.next().await?;
            Some((item, cursor))
        })
    }
}

enum Phase {
    /// Look for a live channel and decide where to read from.
    Attach,
    /// Replay stored lines up to `upto`, then the `pending` (unstored) lines, then follow `live`.
    Replay {
        live: Option<broadcast::Receiver<BusItem>>,
        upto: u64,
        pending: VecDeque<Arc<StoredLine>>,
        batch: VecDeque<StoredLine>,
    },
    /// Follow the broadcast.
    Live(broadcast::Receiver<BusItem>),
    /// Done.
    Ended,
}

struct Cursor {
    bus: Arc<LogBus>,
    store: Store,
    execution_id: String,
    /// The last sequence number delivered.
    sent: u64,
    phase: Phase,
}

impl Cursor {
    async fn next(&mut self) -> Option<BusItem> {
        loop {
            match &mut self.phase {
                Phase::Ended => return None,
                Phase::Attach => {
                    if !self.attach().await {
                        return None;
                    }
                }
                Phase::Replay {
                    live,
                    upto,
                    pending,
                    batch,
                } => {
                    if let Some(line) = batch.pop_front() {
                        if line.line.seq > self.sent {
                            self.sent = line.line.seq;
                            return Some(BusItem::Line(Arc::new(line)));
                        }
                        continue;
                    }
                    if self.sent < *upto {
                        let lines = self
                            .store
                            .log_lines_after(&self.execution_id, self.sent, REPLAY_BATCH)
                            .await
                            .ok()?;
                        let before = batch.len();
                        batch.extend(lines.into_iter().filter(|l| l.line.seq <= *upto));
                        if batch.len() == before {
                            // Nothing more is stored (a finished run's log ends here).
                            *upto = self.sent;
                        }
                        continue;
                    }
                    if let Some(line) = pending.pop_front() {
                        if line.line.seq > self.sent {
                            self.sent = line.line.seq;
                            return Some(BusItem::Line(line));
                        }
                        continue;
                    }
                    match live.take() {
                        Some(rx) => self.phase = Phase::Live(rx),
                        None => {
                            self.phase = Phase::Ended;
                            return self.stored_completion().await;
                        }
                    }
                }
                Phase::Live(rx) => match rx.recv().await {
                    Ok(BusItem::Line(l)) if l.line.seq <= self.sent => continue,
                    Ok(BusItem::Line(l)) => {
                        self.sent = l.line.seq;
                        return Some(BusItem::Line(l));
                    }
                    Ok(BusItem::Complete(c)) => {
                        self.phase = Phase::Ended;
                        return Some(BusItem::Complete(c));
                    }
                    Ok(item) => return Some(item),
                    // Fell behind: catch up from storage and what is pending, then follow again.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.phase = Phase::Attach,
                    Err(broadcast::error::RecvError::Closed) => {
                        self.phase = Phase::Ended;
                        return self.stored_completion().await;
                    }
                },
            }
        }
    }

    /// Chooses where to read from. A live run: subscribe to its broadcast and snapshot its pending
    /// lines under the same lock, so every line is either stored, pending or in the receiver. A
    /// finished run: replay storage. A run that has not started yet: wait for a run to open.
    /// Returns false when the run does not exist.
    async fn attach(&mut self) -> bool {
        loop {
            let mut opened = self.bus.opened.subscribe();
            if let Some(ch) = self.bus.channel(&self.execution_id) {
                let Ok(st) = ch.state.lock() else {
                    return false;
                };
                let live = ch.tx.subscribe();
                let pending = st
                    .unflushed
                    .iter()
                    .filter(|l| l.line.seq > st.flushed_upto)
                    .cloned()
                    .collect();
                self.phase = Phase::Replay {
                    live: Some(live),
                    upto: st.flushed_upto,
                    pending,
                    batch: VecDeque::new(),
                };
                return true;
            }
            let Ok(rec) = self.store.execution(&self.execution_id).await else {
                return false;
            };
            if rec.status.is_terminal() {
                self.phase = Phase::Replay {
                    live: None,
                    upto: u64::MAX,
                    pending: VecDeque::new(),
                    batch: VecDeque::new(),
                };
                return true;
            }
            // Queued (or being claimed): wait until some run opens, then look again. The timeout
            // catches a queued run that is cancelled without ever opening.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), opened.changed()).await;
        }
    }

    async fn stored_completion(&self) -> Option<BusItem> {
        let rec = self.store.execution(&self.execution_id).await.ok()?;
        if !rec.status.is_terminal() {
            return None;
        }
        Some(BusItem::Complete(Completed {
            status: rec.status,
            exit_code: rec.exit_code,
            error_message: rec.error_message,
            duration_ms: rec.duration_ms,
            finished_at: rec.finished_at,
        }))
    }
}
