//! Log storage: lines are stored as they arrive, in chunks (one row per batch of lines), which keeps
//! the row count — and the write cost — low enough for hundreds of chatty runs at once. Each chunk
//! also carries the normalized agent events parsed from its lines, and its text is indexed for
//! full-text search. Readers ask for "everything after sequence number N".

use agented_domain::agent_event::AgentEvent;
use agented_domain::{LogLine, LogStream};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// One line plus the agent events parsed from it, as stored and streamed.
///
/// Stored as one flat JSON object (`{seq, timestamp, stream, content, split?, events?}`), written by
/// hand rather than with `#[serde(flatten)]`, which buffers every field and made reading long logs
/// several times slower.
#[derive(Debug, Clone)]
pub struct StoredLine {
    /// The line.
    pub line: LogLine,
    /// Events parsed from it (never `raw`: the line itself is the raw form).
    pub events: Vec<AgentEvent>,
    /// The line's live-stream payload, rendered once and shared by every subscriber.
    wire: std::sync::OnceLock<String>,
}

impl StoredLine {
    /// A line with its events.
    pub fn new(line: LogLine, events: Vec<AgentEvent>) -> StoredLine {
        StoredLine {
            line,
            events,
            wire: std::sync::OnceLock::new(),
        }
    }

    /// `{"timestamp","stream","content"[,"split":true]}` — the SSE `log` event's data — rendered on
    /// first use and reused for every other subscriber of the line.
    pub fn wire_json(&self) -> &str {
        self.wire.get_or_init(|| {
            #[derive(Serialize)]
            struct Wire<'a> {
                timestamp: &'a str,
                stream: LogStream,
                content: &'a str,
                #[serde(skip_serializing_if = "std::ops::Not::not")]
                split: bool,
            }
            let l = &self.line;
            serde_json::to_string(&Wire {
                timestamp: &l.timestamp,
                stream: l.stream,
                content: &l.content,
                split: l.split,
            })
            .unwrap_or_default()
        })
    }
}

impl PartialEq for StoredLine {
    fn eq(&self, other: &Self) -> bool {
        self.line == other.line && self.events == other.events
    }
}

#[derive(Serialize)]
struct StoredRef<'a> {
    seq: u64,
    timestamp: &'a str,
    stream: LogStream,
    content: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    split: bool,
    #[serde(skip_serializing_if = "<[AgentEvent]>::is_empty")]
    events: &'a [AgentEvent],
}

#[derive(Deserialize)]
struct StoredOwned {
    seq: u64,
    timestamp: String,
    stream: LogStream,
    content: String,
    #[serde(default)]
    split: bool,
    #[serde(default)]
    events: Vec<AgentEvent>,
}

impl Serialize for StoredLine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let l = &self.line;
        StoredRef {
            seq: l.seq,
            timestamp: &l.timestamp,
            stream: l.stream,
            content: &l.content,
            split: l.split,
            events: &self.events,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StoredLine {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let o = StoredOwned::deserialize(d)?;
        Ok(StoredLine::new(
            LogLine {
                seq: o.seq,
                timestamp: o.timestamp,
                stream: o.stream,
                content: o.content,
                split: o.split,
            },
            o.events,
        ))
    }
}

/// A batch of consecutive lines of one run.
#[derive(Debug, Clone)]
pub struct LogChunk {
    /// The run.
    pub execution_id: String,
    /// The lines, with consecutive sequence numbers (shared with the live log bus, not copied).
    pub lines: Vec<std::sync::Arc<StoredLine>>,
}

impl Store {
    /// Appends chunks (of any runs) in one transaction: grouping commits is what lets SQLite keep up
    /// with many runs at once. Chunks that were already stored (same run and first sequence number)
    /// are skipped, so a retried batch never duplicates lines.
    pub async fn append_log_chunks(&self, chunks: &[LogChunk]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for chunk in chunks.iter().filter(|c| !c.lines.is_empty()) {
            let first = chunk.lines.first().map(|l| l.line.seq).unwrap_or(0);
            let last = chunk.lines.last().map(|l| l.line.seq).unwrap_or(0);
            let refs: Vec<&StoredLine> = chunk.lines.iter().map(|l| &**l).collect();
            let json = serde_json::to_string(&refs).map_err(|e| StoreError::Corrupt {
                table: "execution_log_chunks",
                detail: e.to_string(),
            })?;
            let body = chunk
                .lines
                .iter()
                .map(|l| l.line.content.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            sqlx::query(
                "INSERT INTO execution_log_chunks (execution_id, first_seq, last_seq, lines, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (execution_id, first_seq) DO NOTHING",
            )
            .bind(&chunk.execution_id)
            .bind(first as i64)
            .bind(last as i64)
            .bind(json)
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `max_lines` stored lines of a run with sequence numbers greater than `after`, in order.
    ///
    /// Sequence numbers are consecutive, so only chunks starting at or before `after + max_lines` can
    /// hold the wanted lines: memory stays bounded by `max_lines` plus one chunk, whatever the chunk
    /// sizes are.
    pub async fn log_lines_after(
        &self,
        execution_id: &str,
        after: u64,
        max_lines: usize,
    ) -> Result<Vec<StoredLine>> {
        let upto = after
            .saturating_add(max_lines.max(1) as u64)
            .min(i64::MAX as u64);
        let rows = sqlx::query(
            "SELECT lines FROM execution_log_chunks WHERE execution_id = $1 AND last_seq > $2 \
             AND first_seq <= $3 ORDER BY first_seq",
        )
        .bind(execution_id)
        .bind(after as i64)
        .bind(upto as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let text: String = row.try_get("lines")?;
            let lines: Vec<StoredLine> =
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    table: "execution_log_chunks",
                    detail: e.to_string(),
                })?;
            out.extend(
                lines
                    .into_iter()
                    .filter(|l| l.line.seq > after && l.line.seq <= upto),
            );
        }
        Ok(out)
    }

    /// The highest stored sequence number of a run (0 when none).
    pub async fn last_log_seq(&self, execution_id: &str) -> Result<u64> {
        let row = sqlx::query("SELECT COALESCE(MAX(last_seq), 0) AS n FROM execution_log_chunks WHERE execution_id = $1")
            .bind(execution_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
    }
}

/// A system line (written by Agented itself), e.g. the truncation marker.
pub fn system_line(seq: u64, content: impl Into<String>) -> StoredLine {
    StoredLine::new(
        LogLine {
            seq,
            timestamp: agented_domain::time::now_rfc3339(),
            stream: LogStream::System,
            content: content.into(),
            split: false,
        },
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_line_is_one_flat_object_and_round_trips() {
        let line = StoredLine::new(
            LogLine {
                seq: 7,
                timestamp: "2026-11-27T00:00:00.000Z".into(),
                stream: LogStream::Stderr,
                content: "oops \"q\"".into(),
                split: true,
            },
            vec![AgentEvent::Error {
                message: "bad".into(),
            }],
        );
        let json = serde_json::to_value(&line).expect("serialize");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["stream"], "stderr");
        assert_eq!(json["split"], true);
        assert_eq!(json["events"][0]["type"], "error");
        let back: StoredLine = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, line);
        let wire: serde_json::Value = serde_json::from_str(line.wire_json()).expect("wire");
        assert_eq!(
            wire,
            serde_json::json!({"timestamp": "2026-11-27T00:00:00.000Z", "stream": "stderr", "content": "oops \"q\"", "split": true})
        );
        let plain = StoredLine::new(
            LogLine {
                split: false,
                ..line.line.clone()
            },
            Vec::new(),
        );
        let json = serde_json::to_value(&plain).expect("serialize");
        assert!(
            json.get("split").is_none() && json.get("events").is_none(),
            "{json}"
        );
    }
}
