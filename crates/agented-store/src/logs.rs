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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLine {
    /// The line.
    #[serde(flatten)]
    pub line: LogLine,
    /// Events parsed from it (never `raw`: the line itself is the raw form).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<AgentEvent>,
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
    StoredLine {
        line: LogLine {
            seq,
            timestamp: agented_domain::time::now_rfc3339(),
            stream: LogStream::System,
            content: content.into(),
            split: false,
        },
        events: Vec::new(),
    }
}
