//! `/admin/executions/*`: runs — start, list, inspect with logs, control, replay — and
//! `/admin/execution-search`. The live log stream is in `routes::stream`.

use agented_domain::{Backend, ExecutionStatus};
use agented_engine::StartRequest;
use agented_store::{AuditEntry, ExecutionFilter, ExecutionRecord, StoredLine};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, RequestId};
use crate::extract::{time_param, ApiJson, ApiQuery, Pagination};
use crate::state::AppState;

/// The run routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_executions, start_execution))
        .routes(routes!(queue))
        .routes(routes!(bulk_cancel))
        .routes(routes!(get_execution, delete_execution))
        .routes(routes!(cancel))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(replay))
        .routes(routes!(comparison))
        .routes(routes!(search))
}

/// A run as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExecutionView {
    /// `exec-…`.
    pub execution_id: String,
    /// The bot that started it.
    pub trigger_id: Option<String>,
    /// `api`, `manual`, `webhook`, `github`, `scheduled`, `replay`.
    pub trigger_type: String,
    /// The bot's configuration when the run was made.
    pub trigger_snapshot: Option<serde_json::Value>,
    /// The CLI.
    pub backend: String,
    /// The model.
    pub model: Option<String>,
    /// The account.
    pub account_id: Option<String>,
    /// The CLI's version.
    pub cli_version: Option<String>,
    /// The exact command line, as a JSON array.
    pub argv: Option<Vec<String>>,
    /// The prompt.
    pub prompt: String,
    /// Where it ran.
    pub working_dir: Option<String>,
    /// Current status.
    pub status: ExecutionStatus,
    /// When it was queued.
    pub queued_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Active duration in ms.
    pub duration_ms: Option<i64>,
    /// The CLI's exit code.
    pub exit_code: Option<i64>,
    /// Why it did not succeed.
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
    /// The CLI's session id (to resume).
    pub session_id: Option<String>,
    /// The run this one replays.
    pub replay_of: Option<String>,
    /// Time limit in seconds.
    pub timeout_secs: i64,
    /// Lines stored.
    pub log_lines: i64,
    /// True when storage stopped at the per-run cap.
    pub log_truncated: bool,
}

impl From<ExecutionRecord> for ExecutionView {
    fn from(r: ExecutionRecord) -> Self {
        ExecutionView {
            execution_id: r.id,
            trigger_id: r.trigger_id,
            trigger_type: r.trigger_type,
            trigger_snapshot: r.trigger_snapshot,
            backend: r.backend,
            model: r.model,
            account_id: r.account_id,
            cli_version: r.cli_version,
            argv: r.argv,
            prompt: r.prompt,
            working_dir: r.working_dir,
            status: r.status,
            queued_at: r.queued_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            exit_code: r.exit_code,
            error_message: r.error_message,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cache_read_tokens: r.cache_read_tokens,
            cache_write_tokens: r.cache_write_tokens,
            total_cost_usd: r.total_cost_usd,
            session_id: r.session_id,
            replay_of: r.replay_of,
            timeout_secs: r.timeout_secs,
            log_lines: r.log_lines,
            log_truncated: r.log_truncated,
        }
    }
}

/// A page of runs.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExecutionList {
    /// Newest first.
    pub executions: Vec<ExecutionView>,
    /// How many match in all.
    pub total_count: u64,
}

/// Filters of the run list.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<ExecutionStatus>,
    /// Only this bot.
    pub trigger_id: Option<String>,
    /// Only this backend.
    pub backend: Option<Backend>,
    /// Queued at or after this RFC 3339 time.
    pub date_from: Option<String>,
    /// Queued before this RFC 3339 time.
    pub date_to: Option<String>,
    /// Full-text search in prompts and logs.
    pub q: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<u64>,
}

/// Lists runs.
#[utoipa::path(get, path = "/admin/executions", tag = "executions", params(ListQuery),
    responses((status = 200, body = ExecutionList)))]
async fn list_executions(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ExecutionList>> {
    let page = Pagination {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let filter = ExecutionFilter {
        status: q.status,
        trigger_id: q.trigger_id.filter(|t| !t.is_empty()),
        backend: q.backend.map(|b| b.as_str().to_owned()),
        date_from: time_param("date_from", q.date_from)?,
        date_to: time_param("date_to", q.date_to)?,
        q: q.q,
    };
    let runs = state.store.list_executions(&filter, page).await?;
    Ok(Json(ExecutionList {
        executions: runs.items.into_iter().map(Into::into).collect(),
        total_count: runs.total_count,
    }))
}

/// `POST /admin/executions` body: an ad-hoc run (the playground and tests use it).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// `claude`, `opencode`, `gemini` or `codex`.
    pub backend: Backend,
    /// The model, in the CLI's naming.
    pub model: Option<String>,
    /// The prompt.
    pub prompt: String,
    /// A directory inside the workspace root; a fresh temporary directory when omitted.
    pub working_dir: Option<String>,
    /// Time limit in seconds (1 to 86400; default from the server's configuration).
    pub timeout_secs: Option<u64>,
}

/// `{execution_id, status}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The new run.
    pub execution_id: String,
    /// `queued` (it starts as soon as the concurrency limits allow).
    pub status: ExecutionStatus,
}

/// Starts an ad-hoc run; answers at once with the queued run's id.
#[utoipa::path(post, path = "/admin/executions", tag = "executions", request_body = StartBody,
    responses((status = 202, body = Started), (status = 422, body = crate::error::ErrorBody)))]
async fn start_execution(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    if body.prompt.trim().is_empty() {
        return Err(ApiError::validation(
            "prompt must not be empty",
            [("prompt", "required")],
        ));
    }
    if body.prompt.len() > 1_000_000 {
        return Err(ApiError::validation(
            "prompt is too long",
            [("prompt", "at most 1,000,000 bytes")],
        ));
    }
    if let Some(t) = body.timeout_secs {
        if t == 0 || t > 86_400 {
            return Err(ApiError::validation(
                "Invalid timeout",
                [("timeout_secs", "1 to 86400")],
            ));
        }
    }
    let rec = state
        .engine
        .submit(StartRequest {
            backend: body.backend,
            model: body.model.filter(|m| !m.is_empty()),
            prompt: body.prompt,
            working_dir: body.working_dir.filter(|d| !d.is_empty()),
            trigger_id: None,
            trigger_type: "api".into(),
            trigger_snapshot: None,
            argv: None,
            replay_of: None,
            timeout: body.timeout_secs.map(std::time::Duration::from_secs),
            created_by: Some(actor.key_id.clone()),
        })
        .await
        .map_err(engine_error)?;
    audit(&state, "execution.start", &rec.id, &actor, &request_id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Started {
            execution_id: rec.id,
            status: rec.status,
        }),
    ))
}

/// Maps an engine failure, naming the field for validation errors.
pub(crate) fn engine_error(e: agented_engine::EngineError) -> ApiError {
    match &e {
        agented_engine::EngineError::Invalid { field, message } => {
            ApiError::validation(message.clone(), [(*field, message.clone())])
        }
        _ => ApiError::from_kind(e.kind(), e.to_string()),
    }
}

/// The queue: what is queued, running and paused.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueView {
    /// Oldest first.
    pub executions: Vec<ExecutionView>,
    /// How many are queued.
    pub queued: usize,
    /// How many are running or paused.
    pub running: usize,
    /// The global limit.
    pub max_concurrent_runs: usize,
}

/// The queue.
#[utoipa::path(get, path = "/admin/executions/queue", tag = "executions", responses((status = 200, body = QueueView)))]
async fn queue(State(state): State<AppState>) -> ApiResult<Json<QueueView>> {
    let active = state.store.active_executions().await?;
    let queued = active
        .iter()
        .filter(|r| r.status == ExecutionStatus::Queued)
        .count();
    Ok(Json(QueueView {
        running: active.len() - queued,
        queued,
        executions: active.into_iter().map(Into::into).collect(),
        max_concurrent_runs: state.engine.config().max_concurrent_runs,
    }))
}

/// A run with its log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExecutionDetail {
    /// The run.
    #[serde(flatten)]
    pub execution: ExecutionView,
    /// Log lines (filtered by `q` when given), with the agent events parsed from each.
    #[schema(value_type = Vec<Object>)]
    pub logs: Vec<StoredLine>,
    /// Set when more lines follow: pass it as `log_after` to read on.
    pub next_log_after: Option<u64>,
}

/// `?q=&log_after=&log_limit=`.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DetailQuery {
    /// Only lines containing this text (case-insensitive).
    pub q: Option<String>,
    /// Only lines after this sequence number.
    pub log_after: Option<u64>,
    /// At most this many lines (1 to 100000, default 10000).
    pub log_limit: Option<usize>,
}

/// One run with its log lines.
#[utoipa::path(get, path = "/admin/executions/{id}", tag = "executions", params(("id" = String, Path), DetailQuery),
    responses((status = 200, body = ExecutionDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn get_execution(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> ApiResult<Json<ExecutionDetail>> {
    let rec = state.store.execution(&id).await?;
    let limit = q.log_limit.unwrap_or(10_000);
    if limit == 0 || limit > 100_000 {
        return Err(ApiError::validation(
            "Invalid log_limit",
            [("log_limit", "1 to 100000")],
        ));
    }
    let needle = q.q.map(|s| s.to_lowercase()).filter(|s| !s.is_empty());
    let mut after = q.log_after.unwrap_or(0);
    let mut logs = Vec::new();
    let mut next = None;
    loop {
        let batch = state.store.log_lines_after(&id, after, 5000).await?;
        let Some(last) = batch.last().map(|l| l.line.seq) else {
            break;
        };
        for line in batch {
            if logs.len() >= limit {
                next = Some(after);
                break;
            }
            after = line.line.seq;
            if needle
                .as_ref()
                .is_none_or(|n| line.line.content.to_lowercase().contains(n))
            {
                logs.push(line);
            }
        }
        if next.is_some() || after < last {
            break;
        }
    }
    Ok(Json(ExecutionDetail {
        execution: rec.into(),
        logs,
        next_log_after: next,
    }))
}

/// `{message, execution_id, status}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ControlAnswer {
    /// What happened.
    pub message: String,
    /// The run.
    pub execution_id: String,
    /// Its status when asked (a stop completes asynchronously; watch the stream).
    pub status: ExecutionStatus,
}

async fn do_cancel(
    state: &AppState,
    id: &str,
    actor: &Principal,
    request_id: &RequestId,
) -> ApiResult<Json<ControlAnswer>> {
    let was = state.engine.cancel(id).await.map_err(engine_error)?;
    audit(state, "execution.cancel", id, actor, request_id).await?;
    let message = if was == ExecutionStatus::Queued {
        "Run cancelled before it started"
    } else {
        "Cancelling: the run is being stopped"
    };
    let status = state.store.execution(id).await?.status;
    Ok(Json(ControlAnswer {
        message: message.into(),
        execution_id: id.to_owned(),
        status,
    }))
}

/// Cancels a run (queued: never starts; running: SIGTERM to its process group, SIGKILL after the grace period).
#[utoipa::path(post, path = "/admin/executions/{id}/cancel", tag = "executions", params(("id" = String, Path)),
    responses((status = 200, body = ControlAnswer), (status = 409, body = crate::error::ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> ApiResult<Json<ControlAnswer>> {
    do_cancel(&state, &id, &actor, &request_id).await
}

/// Cancels a run (the original's `DELETE`; the record and its log are kept).
#[utoipa::path(delete, path = "/admin/executions/{id}", tag = "executions", params(("id" = String, Path)),
    responses((status = 200, body = ControlAnswer), (status = 409, body = crate::error::ErrorBody)))]
async fn delete_execution(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> ApiResult<Json<ControlAnswer>> {
    do_cancel(&state, &id, &actor, &request_id).await
}

/// Pauses a running run (SIGSTOP to its group; paused time does not count toward the timeout).
#[utoipa::path(post, path = "/admin/executions/{id}/pause", tag = "executions", params(("id" = String, Path)),
    responses((status = 200, body = ControlAnswer), (status = 409, body = crate::error::ErrorBody)))]
async fn pause(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> ApiResult<Json<ControlAnswer>> {
    state.engine.pause(&id).await.map_err(engine_error)?;
    audit(&state, "execution.pause", &id, &actor, &request_id).await?;
    Ok(Json(ControlAnswer {
        message: "Paused".into(),
        execution_id: id,
        status: ExecutionStatus::Paused,
    }))
}

/// Resumes a paused run (SIGCONT).
#[utoipa::path(post, path = "/admin/executions/{id}/resume", tag = "executions", params(("id" = String, Path)),
    responses((status = 200, body = ControlAnswer), (status = 409, body = crate::error::ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> ApiResult<Json<ControlAnswer>> {
    state.engine.resume(&id).await.map_err(engine_error)?;
    audit(&state, "execution.resume", &id, &actor, &request_id).await?;
    Ok(Json(ControlAnswer {
        message: "Resumed".into(),
        execution_id: id,
        status: ExecutionStatus::Running,
    }))
}

/// `POST /admin/executions/bulk-cancel` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCancel {
    /// Up to 500 run ids.
    pub execution_ids: Vec<String>,
}

/// What bulk cancel did per run.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkCancelled {
    /// Runs being cancelled.
    pub cancelled: Vec<String>,
    /// Runs that could not be cancelled, with why.
    pub failed: Vec<BulkFailure>,
}

/// One refused id.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkFailure {
    /// The run.
    pub execution_id: String,
    /// Why.
    pub error: String,
}

/// Cancels several runs.
#[utoipa::path(post, path = "/admin/executions/bulk-cancel", tag = "executions", request_body = BulkCancel,
    responses((status = 200, body = BulkCancelled)))]
async fn bulk_cancel(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    ApiJson(body): ApiJson<BulkCancel>,
) -> ApiResult<Json<BulkCancelled>> {
    if body.execution_ids.is_empty() || body.execution_ids.len() > 500 {
        return Err(ApiError::validation(
            "Give 1 to 500 ids",
            [("execution_ids", "1 to 500 ids")],
        ));
    }
    let mut out = BulkCancelled {
        cancelled: Vec::new(),
        failed: Vec::new(),
    };
    for id in body.execution_ids {
        match state.engine.cancel(&id).await {
            Ok(_) => {
                audit(&state, "execution.cancel", &id, &actor, &request_id).await?;
                out.cancelled.push(id);
            }
            Err(e) => out.failed.push(BulkFailure {
                execution_id: id,
                error: e.to_string(),
            }),
        }
    }
    Ok(Json(out))
}

/// The replay that was queued.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Replayed {
    /// The id of the comparison of the two runs (the replay's id; see `…/comparison`).
    pub comparison_id: String,
    /// The run replayed.
    pub original_execution_id: String,
    /// The new run.
    pub replay_execution_id: String,
}

/// Re-runs the stored argv and trigger snapshot as a new run linked to the original.
#[utoipa::path(post, path = "/admin/executions/{id}/replay", tag = "executions", params(("id" = String, Path)),
    responses((status = 201, body = Replayed), (status = 404, body = crate::error::ErrorBody)))]
async fn replay(
    State(state): State<AppState>,
    Extension(actor): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Replayed>)> {
    let rec = state
        .engine
        .replay(&id, Some(actor.key_id.clone()))
        .await
        .map_err(engine_error)?;
    audit(&state, "execution.replay", &rec.id, &actor, &request_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Replayed {
            comparison_id: rec.id.clone(),
            original_execution_id: id,
            replay_execution_id: rec.id,
        }),
    ))
}

/// One side of a comparison.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ComparedRun {
    /// The run.
    pub execution: ExecutionView,
    /// Its final answer (the CLI's result), when it gave one.
    pub result: Option<String>,
    /// Its stdout lines (at most 5,000).
    pub output: Vec<String>,
}

/// A run and the run it replays, side by side.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The replayed run.
    pub original: ComparedRun,
    /// The replay.
    pub replay: ComparedRun,
    /// True when both final answers are identical.
    pub same_result: bool,
}

async fn compared(state: &AppState, rec: ExecutionRecord) -> ApiResult<ComparedRun> {
    let mut output = Vec::new();
    let mut result = None;
    let mut after = 0;
    while output.len() < 5000 {
        let batch = state.store.log_lines_after(&rec.id, after, 2000).await?;
        let Some(last) = batch.last().map(|l| l.line.seq) else {
            break;
        };
        for l in batch {
            for e in &l.events {
                if let agented_domain::agent_event::AgentEvent::Result { text, .. } = e {
                    result = Some(text.clone());
                }
            }
            if l.line.stream == agented_domain::LogStream::Stdout && output.len() < 5000 {
                output.push(l.line.content);
            }
        }
        after = last;
    }
    Ok(ComparedRun {
        execution: rec.into(),
        result,
        output,
    })
}

/// Compares a replay with the run it replayed (`id` may be either one; for an original with
/// several replays, the newest replay is used).
#[utoipa::path(get, path = "/admin/executions/{id}/comparison", tag = "executions", params(("id" = String, Path)),
    responses((status = 200, body = Comparison), (status = 404, body = crate::error::ErrorBody)))]
async fn comparison(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Comparison>> {
    let rec = state.store.execution(&id).await?;
    let (original, replay) = match &rec.replay_of {
        Some(orig) => (state.store.execution(orig).await?, rec),
        None => {
            let filter = ExecutionFilter::default();
            let newest = state
                .store
                .list_executions(
                    &filter,
                    agented_domain::PageRequest {
                        limit: 500,
                        offset: 0,
                    },
                )
                .await?
                .items
                .into_iter()
                .find(|r| r.replay_of.as_deref() == Some(id.as_str()))
                .ok_or_else(|| ApiError::not_found("This run has no replay to compare with"))?;
            (rec, newest)
        }
    };
    let original = compared(&state, original).await?;
    let replay = compared(&state, replay).await?;
    let same_result = original.result.is_some() && original.result == replay.result;
    Ok(Json(Comparison {
        original,
        replay,
        same_result,
    }))
}

/// Search results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Hits, prompts first, then log lines (newest first).
    pub results: Vec<SearchHitView>,
    /// How many.
    pub total_count: usize,
}

/// One hit.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchHitView {
    /// The run.
    pub execution_id: String,
    /// `prompt` or `log`.
    pub source: String,
    /// The matching text, terms in `[…]`.
    pub snippet: String,
}

/// `?q=&limit=`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find.
    pub q: String,
    /// At most this many hits (1 to 500, default 50).
    pub limit: Option<u32>,
}

/// Full-text search over prompts and logs, with snippets.
#[utoipa::path(get, path = "/admin/execution-search", tag = "executions", params(SearchQuery),
    responses((status = 200, body = SearchResults)))]
async fn search(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let limit = Pagination {
        limit: q.limit,
        offset: None,
    }
    .page()?
    .limit;
    if q.q.trim().is_empty() {
        return Err(ApiError::validation(
            "q must not be empty",
            [("q", "one or more words")],
        ));
    }
    let hits = state
        .store
        .search_executions(&q.q, i64::from(limit))
        .await?;
    let results: Vec<_> = hits
        .into_iter()
        .map(|h| SearchHitView {
            execution_id: h.execution_id,
            source: h.source.to_owned(),
            snippet: h.snippet,
        })
        .collect();
    Ok(Json(SearchResults {
        total_count: results.len(),
        results,
    }))
}

async fn audit(
    state: &AppState,
    action: &str,
    id: &str,
    actor: &Principal,
    request_id: &RequestId,
) -> ApiResult<()> {
    state
        .store
        .record_audit(AuditEntry {
            action: action.into(),
            entity_type: Some("execution".into()),
            entity_id: Some(id.into()),
            outcome: "success".into(),
            actor: actor.key_id.clone(),
            details: None,
            request_id: Some(request_id.0.clone()),
        })
        .await?;
    Ok(())
}
