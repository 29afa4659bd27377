//! Full-text search over prompts and logs: SQLite FTS5, or PostgreSQL's text search.

use sqlx::Row;

use crate::{Dialect, Result, Store};

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The run.
    pub execution_id: String,
    /// `prompt` or `log`.
    pub source: &'static str,
    /// The matching text around the terms, with matches in `[` `]`.
    pub snippet: String,
}

/// Turns what a user typed into a safe match expression: every word is quoted (FTS5 syntax
/// characters in user input would otherwise be errors or operators).
pub fn match_expression(dialect: Dialect, input: &str) -> String {
    match dialect {
        Dialect::Sqlite => input
            .split_whitespace()
            .take(16)
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" "),
        // plainto_tsquery already treats its input as plain words.
        Dialect::Postgres => input
            .split_whitespace()
            .take(16)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

impl Store {
    /// Runs whose prompt or log matches `q`, newest first, with snippets.
    pub async fn search_executions(&self, q: &str, limit: i64) -> Result<Vec<SearchHit>> {
        let expr = match_expression(self.dialect, q);
        if expr.is_empty() {
            return Ok(Vec::new());
        }
        let (prompt_sql, log_sql) = match self.dialect {
            Dialect::Sqlite => (
                "SELECT execution_id, snippet(execution_prompt_fts, 1, '[', ']', '…', 12) AS snippet \
                 FROM execution_prompt_fts WHERE execution_prompt_fts MATCH $1 ORDER BY rank LIMIT $2",
                "SELECT c.execution_id AS execution_id, snippet(execution_log_fts, 0, '[', ']', '…', 12) AS snippet \
                 FROM execution_log_fts JOIN execution_log_chunks c ON c.id = execution_log_fts.rowid \
                 WHERE execution_log_fts MATCH $1 ORDER BY c.id DESC LIMIT $2",
            ),
            Dialect::Postgres => (
                "SELECT id AS execution_id, ts_headline('simple', prompt, plainto_tsquery('simple', $1), \
                 'StartSel=[, StopSel=], MaxWords=24, MinWords=6') AS snippet FROM executions \
                 WHERE to_tsvector('simple', prompt) @@ plainto_tsquery('simple', $1) ORDER BY queued_at DESC LIMIT $2",
                "SELECT execution_id, ts_headline('simple', body, plainto_tsquery('simple', $1), \
                 'StartSel=[, StopSel=], MaxWords=24, MinWords=6') AS snippet FROM execution_log_chunks \
                 WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $1) ORDER BY id DESC LIMIT $2",
            ),
        };
        let mut hits = Vec::new();
        for (sql, source) in [(prompt_sql, "prompt"), (log_sql, "log")] {
            let rows = sqlx::query(sql)
                .bind(&expr)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
            for row in rows {
                hits.push(SearchHit {
                    execution_id: row.try_get("execution_id")?,
                    source,
                    snippet: row.try_get("snippet")?,
                });
            }
        }
        hits.truncate(limit as usize);
        Ok(hits)
    }
}
