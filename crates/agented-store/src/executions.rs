//! Runs: the durable queue, compare-and-set status transitions, and the run record.
//!
//! The `executions` table is the queue: a run is inserted `queued` (with an optional `not_before`)
//! and claimed by a compare-and-set to `running`, so two dispatchers can never start the same run.
//! Every later status change is a compare-and-set too; a terminal status is never overwritten.

use agented_domain::{ExecutionStatus, Page, PageRequest};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// A run to enqueue.
#[derive(Debug, Clone, Default)]
pub struct NewExecution {
    /// `exec-…`.
    pub id: String,
    /// The bot that started it, if any.
    pub trigger_id: Option<String>,
    /// `webhook`, `github`, `scheduled`, `manual`, `replay` or `api`.
    pub trigger_type: String,
    /// The bot's configuration when the run was made (JSON), so history survives edits and deletes.
    pub trigger_snapshot: Option<serde_json::Value>,
    /// `claude`, `opencode`, `gemini` or `codex`.
    pub backend: String,
    /// The model, if chosen.
    pub model: Option<String>,
    /// The account it runs on, if any.
    pub account_id: Option<String>,
    /// The rendered prompt.
    pub prompt: String,
    /// The working directory asked for (inside the workspace root), or none for a temporary one.
    pub working_dir: Option<String>,
    /// The exact argv when it is fixed at enqueue time (replays); otherwise built at start.
    pub argv: Option<Vec<String>>,
    /// Do not start before this time (RFC 3339 UTC).
    pub not_before: Option<String>,
    /// The run this one replays.
    pub replay_of: Option<String>,
    /// Time limit in seconds.
    pub timeout_secs: i64,
    /// The key id that asked for it.
    pub created_by: Option<String>,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    /// `exec-…`.
    pub id: String,
    /// See [`NewExecution::trigger_id`].
    pub trigger_id: Option<String>,
    /// See [`NewExecution::trigger_type`].
    pub trigger_type: String,
    /// See [`NewExecution::trigger_snapshot`].
    pub trigger_snapshot: Option<serde_json::Value>,
    /// The backend.
    pub backend: String,
    /// The model.
    pub model: Option<String>,
    /// The account.
    pub account_id: Option<String>,
    /// The CLI's version, recorded at start.
    pub cli_version: Option<String>,
    /// The exact argv (JSON array), recorded at start.
    pub argv: Option<Vec<String>>,
    /// The prompt.
    pub prompt: String,
    /// The working directory.
    pub working_dir: Option<String>,
    /// Current status.
    pub status: ExecutionStatus,
    /// When it was queued.
    pub queued_at: String,
    /// Not before this time.
    pub not_before: Option<String>,
    /// When the process started.
    pub started_at: Option<String>,
    /// When it reached a terminal status.
    pub finished_at: Option<String>,
    /// Active (unpaused) duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// The CLI's exit code.
    pub exit_code: Option<i64>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache-read tokens.
    pub cache_read_tokens: i64,
    /// Cache-write tokens.
    pub cache_write_tokens: i64,
    /// Cost in USD, when known.
    pub total_cost_usd: Option<f64>,
    /// The CLI's session id.
    pub session_id: Option<String>,
    /// The run this one replays.
    pub replay_of: Option<String>,
    /// Time limit in seconds.
    pub timeout_secs: i64,
    /// Lines stored.
    pub log_lines: i64,
    /// Bytes stored.
    pub log_bytes: i64,
    /// True when storage stopped at the per-run cap.
    pub log_truncated: bool,
    /// Who asked for it.
    pub created_by: Option<String>,
}

/// The process of a running execution, recorded so a restart can end it safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The leader's pid.
    pub pid: i64,
    /// The process group id.
    pub pgid: i64,
    /// The leader's start time (clock ticks since boot), to tell a reused pid apart.
    pub start_time: i64,
}

/// What a finished run reports.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// The exit code, if the process exited.
    pub exit_code: Option<i64>,
    /// Why it did not succeed.
    pub error_message: Option<String>,
    /// Active duration.
    pub duration_ms: i64,
    /// Token and cost totals.
    pub usage: Usage,
    /// The CLI's session id.
    pub session_id: Option<String>,
    /// Lines and bytes stored, and whether storage stopped at the cap.
    pub log: LogTotals,
}

/// How much of a run's output was stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogTotals {
    /// Lines stored.
    pub lines: i64,
    /// Bytes stored.
    pub bytes: i64,
    /// True when storage stopped at the per-run cap.
    pub truncated: bool,
}

/// Token and cost totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache-read tokens.
    pub cache_read_tokens: i64,
    /// Cache-write tokens.
    pub cache_write_tokens: i64,
    /// USD, when known.
    pub cost_usd: Option<f64>,
}

/// Filters of the run list.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    /// Only this status.
    pub status: Option<ExecutionStatus>,
    /// Only this bot.
    pub trigger_id: Option<String>,
    /// Only this backend.
    pub backend: Option<String>,
    /// Queued at or after (RFC 3339 UTC).
    pub date_from: Option<String>,
    /// Queued before (RFC 3339 UTC).
    pub date_to: Option<String>,
    /// Full-text match in the prompt or the log.
    pub q: Option<String>,
}

const COLUMNS: &str = "id, trigger_id, trigger_type, trigger_snapshot, backend, model, account_id, \
    cli_version, argv, prompt, working_dir, status, queued_at, not_before, started_at, finished_at, \
    duration_ms, exit_code, error_message, input_tokens, output_tokens, cache_read_tokens, \
    cache_write_tokens, total_cost_usd, session_id, replay_of, timeout_secs, log_lines, log_bytes, \
    log_truncated, created_by";

fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
            table: "executions",
            detail: format!("{col}: {e}"),
        })
    })
    .transpose()
}

fn from_row(row: &AnyRow) -> Result<ExecutionRecord> {
    let status: String = row.try_get("status")?;
    Ok(ExecutionRecord {
        id: row.try_get("id")?,
        trigger_id: row.try_get("trigger_id")?,
        trigger_type: row.try_get("trigger_type")?,
        trigger_snapshot: json_col(row, "trigger_snapshot")?,
        backend: row.try_get("backend")?,
        model: row.try_get("model")?,
        account_id: row.try_get("account_id")?,
        cli_version: row.try_get("cli_version")?,
        argv: json_col(row, "argv")?,
        prompt: row.try_get("prompt")?,
        working_dir: row.try_get("working_dir")?,
        status: status
            .parse()
            .map_err(
                |e: agented_domain::execution::UnknownStatus| StoreError::Corrupt {
                    table: "executions",
                    detail: e.to_string(),
                },
            )?,
        queued_at: row.try_get("queued_at")?,
        not_before: row.try_get("not_before")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        duration_ms: row.try_get("duration_ms")?,
        exit_code: row.try_get("exit_code")?,
        error_message: row.try_get("error_message")?,
        input_tokens: row.try_get("input_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
        cache_read_tokens: row.try_get("cache_read_tokens")?,
        cache_write_tokens: row.try_get("cache_write_tokens")?,
        total_cost_usd: row.try_get("total_cost_usd")?,
        session_id: row.try_get("session_id")?,
        replay_of: row.try_get("replay_of")?,
        timeout_secs: row.try_get("timeout_secs")?,
        log_lines: row.try_get("log_lines")?,
        log_bytes: row.try_get("log_bytes")?,
        log_truncated: row.try_get::<i64, _>("log_truncated")? != 0,
        created_by: row.try_get("created_by")?,
    })
}

/// Binds the list filters in the order the list's WHERE clause numbers them.
fn bind_filters<'a>(
    sql: &'a str,
    f: &'a ExecutionFilter,
    text: Option<&'a str>,
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>> {
    let mut query = sqlx::query(sql)
        .bind(f.status.map(|s| s.as_str()))
        .bind(f.trigger_id.as_deref())
        .bind(f.backend.as_deref())
        .bind(f.date_from.as_deref())
        .bind(f.date_to.as_deref());
    if let Some(t) = text {
        query = query.bind(t);
    }
    query
}

fn statuses_sql(from: &[ExecutionStatus]) -> String {
    // Statuses are our own fixed identifiers, never input, so they can be inlined.
    from.iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Inserts a queued run.
    pub async fn enqueue_execution(&self, new: NewExecution) -> Result<ExecutionRecord> {
        let argv = new
            .argv
            .as_ref()
            .map(|a| serde_json::Value::from(a.clone()).to_string());
        // RETURNING: the dispatcher may claim the run the moment it is committed; the caller gets
        // the row as inserted, not whatever state a second read happens to see.
        let sql = format!(
            "INSERT INTO executions (id, trigger_id, trigger_type, trigger_snapshot, backend, model, \
             account_id, argv, prompt, working_dir, status, queued_at, not_before, replay_of, \
             timeout_secs, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $13, $14, $15) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&new.id)
            .bind(&new.trigger_id)
            .bind(&new.trigger_type)
            .bind(new.trigger_snapshot.as_ref().map(|v| v.to_string()))
            .bind(&new.backend)
            .bind(&new.model)
            .bind(&new.account_id)
            .bind(argv)
            .bind(&new.prompt)
            .bind(&new.working_dir)
            .bind(agented_domain::time::now_rfc3339())
            .bind(&new.not_before)
            .bind(&new.replay_of)
            .bind(new.timeout_secs)
            .bind(&new.created_by)
            .fetch_one(&self.pool)
            .await?;
        from_row(&row)
    }

    /// One run.
    pub async fn execution(&self, id: &str) -> Result<ExecutionRecord> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM executions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("execution"))?;
        from_row(&row)
    }

    /// Queued runs whose `not_before` has passed, oldest first.
    pub async fn due_queued_executions(
        &self,
        now: &str,
        limit: i64,
    ) -> Result<Vec<ExecutionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM executions WHERE status = 'queued' \
             AND (not_before IS NULL OR not_before <= $1) ORDER BY queued_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The earliest `not_before` among queued runs that are not yet due, so the dispatcher can
    /// sleep exactly until then.
    pub async fn next_not_before(&self, now: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT MIN(not_before) AS t FROM executions WHERE status = 'queued' AND not_before > $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("t")?)
    }

    /// Runs that hold a slot (running or paused), per backend and account.
    pub async fn active_execution_counts(&self) -> Result<Vec<(String, Option<String>, i64)>> {
        let rows = sqlx::query(
            "SELECT backend, account_id, count(*) AS n FROM executions \
             WHERE status IN ('running', 'paused') GROUP BY backend, account_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("backend")?,
                    r.try_get("account_id")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Moves a run from one of `from` to `to`, if and only if it is still in one of `from`.
    /// Returns true when this call made the change (the compare-and-set won).
    pub async fn transition_execution(
        &self,
        id: &str,
        from: &[ExecutionStatus],
        to: ExecutionStatus,
    ) -> Result<bool> {
        let started = if to == ExecutionStatus::Running {
            ", started_at = COALESCE(started_at, $3)"
        } else {
            ""
        };
        let finished = if to.is_terminal() {
            ", finished_at = $3"
        } else {
            ""
        };
        let done = sqlx::query(&format!(
            "UPDATE executions SET status = $2{started}{finished} WHERE id = $1 AND status IN ({})",
            statuses_sql(from)
        ))
        .bind(id)
        .bind(to.as_str())
        .bind(agented_domain::time::now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how the run was started: the exact argv, the CLI version and the process.
    pub async fn record_execution_start(
        &self,
        id: &str,
        argv: &[String],
        cli_version: Option<&str>,
        working_dir: &str,
        process: ProcessInfo,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE executions SET argv = $2, cli_version = $3, working_dir = $4, pid = $5, pgid = $6, \
             proc_start_time = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(serde_json::Value::from(argv.to_vec()).to_string())
        .bind(cli_version)
        .bind(working_dir)
        .bind(process.pid)
        .bind(process.pgid)
        .bind(process.start_time)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores the running totals of a run while it streams (budgets read them mid-run).
    pub async fn record_execution_usage(
        &self,
        id: &str,
        usage: Usage,
        log: LogTotals,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE executions SET input_tokens = $2, output_tokens = $3, cache_read_tokens = $4, \
             cache_write_tokens = $5, total_cost_usd = $6, log_lines = $7, log_bytes = $8, \
             log_truncated = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(usage.input_tokens)
        .bind(usage.output_tokens)
        .bind(usage.cache_read_tokens)
        .bind(usage.cache_write_tokens)
        .bind(usage.cost_usd)
        .bind(log.lines)
        .bind(log.bytes)
        .bind(i64::from(log.truncated))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a run: compare-and-set from one of `from` to the terminal `to`, with its results.
    /// Returns false when another outcome already won.
    pub async fn finish_execution(
        &self,
        id: &str,
        from: &[ExecutionStatus],
        to: ExecutionStatus,
        done: &Completion,
    ) -> Result<bool> {
        debug_assert!(to.is_terminal());
        let result = sqlx::query(&format!(
            "UPDATE executions SET status = $2, finished_at = $3, exit_code = $4, error_message = $5, \
             duration_ms = $6, input_tokens = $7, output_tokens = $8, cache_read_tokens = $9, \
             cache_write_tokens = $10, total_cost_usd = $11, session_id = COALESCE($12, session_id), \
             log_lines = $13, log_bytes = $14, log_truncated = $15, \
             pid = NULL, pgid = NULL, proc_start_time = NULL \
             WHERE id = $1 AND status IN ({})",
            statuses_sql(from)
        ))
        .bind(id)
        .bind(to.as_str())
        .bind(agented_domain::time::now_rfc3339())
        .bind(done.exit_code)
        .bind(&done.error_message)
        .bind(done.duration_ms)
        .bind(done.usage.input_tokens)
        .bind(done.usage.output_tokens)
        .bind(done.usage.cache_read_tokens)
        .bind(done.usage.cache_write_tokens)
        .bind(done.usage.cost_usd)
        .bind(&done.session_id)
        .bind(done.log.lines)
        .bind(done.log.bytes)
        .bind(i64::from(done.log.truncated))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// At start-up: every run left `running` or `paused` by a crash becomes `interrupted`. Returns
    /// their ids and recorded processes, so the caller can end any process group still alive.
    pub async fn interrupt_orphaned_executions(
        &self,
    ) -> Result<Vec<(String, Option<ProcessInfo>)>> {
        let rows = sqlx::query(
            "SELECT id, pid, pgid, proc_start_time FROM executions WHERE status IN ('running', 'paused')",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let (pid, pgid, start): (Option<i64>, Option<i64>, Option<i64>) = (
                row.try_get("pid")?,
                row.try_get("pgid")?,
                row.try_get("proc_start_time")?,
            );
            let process = match (pid, pgid, start) {
                (Some(pid), Some(pgid), Some(start_time)) => Some(ProcessInfo {
                    pid,
                    pgid,
                    start_time,
                }),
                _ => None,
            };
            // Keep the totals gathered so far: finish_execution would zero them, so update in place.
            let changed = sqlx::query(
                "UPDATE executions SET status = 'interrupted', finished_at = $2, error_message = $3, \
                 pid = NULL, pgid = NULL, proc_start_time = NULL \
                 WHERE id = $1 AND status IN ('running', 'paused')",
            )
            .bind(&id)
            .bind(agented_domain::time::now_rfc3339())
            .bind("The server stopped while this run was in progress")
            .execute(&self.pool)
            .await?;
            if changed.rows_affected() == 1 {
                out.push((id, process));
            }
        }
        Ok(out)
    }

    /// One page of runs, newest first.
    pub async fn list_executions(
        &self,
        f: &ExecutionFilter,
        page: PageRequest,
    ) -> Result<Page<ExecutionRecord>> {
        let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let text_filter = match (q, self.dialect) {
            (None, _) => "",
            (Some(_), crate::Dialect::Sqlite) => {
                " AND (id IN (SELECT execution_id FROM execution_prompt_fts WHERE execution_prompt_fts MATCH $6) \
                  OR id IN (SELECT c.execution_id FROM execution_log_chunks c JOIN execution_log_fts f ON f.rowid = c.id \
                            WHERE execution_log_fts MATCH $6))"
            }
            (Some(_), crate::Dialect::Postgres) => {
                " AND (to_tsvector('simple', prompt) @@ plainto_tsquery('simple', $6) \
                  OR id IN (SELECT execution_id FROM execution_log_chunks \
                            WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $6)))"
            }
        };
        let where_clause = format!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) AND (CAST($2 AS TEXT) IS NULL OR trigger_id = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR backend = $3) AND (CAST($4 AS TEXT) IS NULL OR queued_at >= $4) \
             AND (CAST($5 AS TEXT) IS NULL OR queued_at < $5){text_filter}"
        );
        let query_text = q.map(|q| crate::search::match_expression(self.dialect, q));
        let count_sql = format!("SELECT count(*) AS n FROM executions {where_clause}");
        let total: i64 = bind_filters(&count_sql, f, query_text.as_deref())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let (limit_param, offset_param) = if query_text.is_some() {
            ("$7", "$8")
        } else {
            ("$6", "$7")
        };
        let page_sql = format!(
            "SELECT {COLUMNS} FROM executions {where_clause} ORDER BY queued_at DESC, id DESC \
             LIMIT {limit_param} OFFSET {offset_param}"
        );
        let rows = bind_filters(&page_sql, f, query_text.as_deref())
            .bind(i64::from(page.limit))
            .bind(page.offset as i64)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<Result<_>>()?,
            total_count: total as u64,
        })
    }

    /// Runs currently queued, running or paused, oldest first.
    pub async fn active_executions(&self) -> Result<Vec<ExecutionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM executions WHERE status IN ('queued', 'running', 'paused') \
             ORDER BY queued_at, id LIMIT 1000"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
