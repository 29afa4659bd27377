//! The log writer: one task that stores every run's log chunks, grouping whatever is waiting into a
//! single transaction. SQLite commits ~19k small transactions a second here but ~140k rows a second
//! when they are grouped, so one writer for all runs is what lets hundreds of runs log at once.
//!
//! Its queue is bounded: when storage falls behind, runners wait to hand over chunks, their output
//! channels fill, and the CLIs block on their pipes — memory stays bounded instead of growing.

use std::sync::Arc;
use std::time::Duration;

use agented_store::{LogChunk, Store};
use tokio::sync::{mpsc, oneshot};

use crate::log_bus::LogBus;

/// Chunks waiting to be written, across all runs.
const QUEUE: usize = 64;
/// Most chunks in one transaction.
const GROUP: usize = 256;

enum Message {
    Chunk(LogChunk),
    /// Answered once everything sent before it is stored.
    Barrier(oneshot::Sender<()>),
}

/// A handle to the writer task. Cheap to clone.
#[derive(Clone)]
pub(crate) struct LogWriter {
    tx: mpsc::Sender<Message>,
}

impl LogWriter {
    /// Starts the writer task.
    pub(crate) fn spawn(
        store: Store,
        bus: Arc<LogBus>,
    ) -> (LogWriter, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_loop(store, bus, rx));
        (LogWriter { tx }, task)
    }

    /// Queues a chunk; waits only when the writer is behind (backpressure).
    pub(crate) async fn write(&self, chunk: LogChunk) {
        if self.tx.send(Message::Chunk(chunk)).await.is_err() {
            tracing::error!("log writer is gone; a log chunk was not stored");
        }
    }

    /// Waits until everything queued so far is stored.
    pub(crate) async fn barrier(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Barrier(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(store: Store, bus: Arc<LogBus>, mut rx: mpsc::Receiver<Message>) {
    let mut chunks = Vec::with_capacity(GROUP);
    let mut barriers = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Message::Chunk(c) => chunks.push(c),
                Message::Barrier(b) => barriers.push(b),
            }
            if chunks.len() < GROUP {
                next = rx.try_recv().ok();
            }
        }
        if !chunks.is_empty() {
            store_with_retry(&store, &chunks).await;
            for c in &chunks {
                if let Some(last) = c.lines.last() {
                    bus.mark_flushed(&c.execution_id, last.line.seq);
                }
            }
            chunks.clear();
        }
        for b in barriers.drain(..) {
            let _ = b.send(());
        }
    }
}

/// Stores a group, retrying with capped backoff until the database takes it. Lines are never
/// dropped: while storage is down the bounded queue fills and runs wait on their pipes (a server
/// stop meanwhile marks them `interrupted`). Chunks are idempotent (keyed by run and first sequence
/// number), so a retry never duplicates.
async fn store_with_retry(store: &Store, chunks: &[LogChunk]) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1u64.. {
        match store.append_log_chunks(chunks).await {
            Ok(()) => return,
            Err(e) => {
                if attempt < 5 {
                    tracing::warn!(error = %e, attempt, "storing log lines failed; retrying");
                } else {
                    tracing::error!(error = %e, attempt, chunks = chunks.len(), "storing log lines keeps failing; runs wait until it succeeds");
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
