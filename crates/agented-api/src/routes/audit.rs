//! `GET /admin/audit`: the audit trail, newest first, filterable by action and time.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiResult;
use crate::extract::{time_param, ApiQuery, Pagination};
use crate::state::AppState;

/// The audit routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// One audit event.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    /// Increasing id.
    pub id: i64,
    /// Dotted action, e.g. `api_key.revoke`.
    pub action: String,
    /// The kind of thing acted on.
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// The acting key id, `env`, `setup` or `system`.
    pub actor: String,
    /// Extra facts.
    pub details: Option<serde_json::Value>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// A page of events.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub events: Vec<AuditEventView>,
    /// How many match in all.
    pub total_count: u64,
}

/// Filters.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An action, or a prefix ending in `.` (e.g. `api_key.`).
    pub action: Option<String>,
    /// Events at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Events before this RFC 3339 time.
    pub until: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<u64>,
}

/// Lists audit events.
#[utoipa::path(get, path = "/admin/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let page = Pagination {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let filter = agented_store::AuditFilter {
        action: q.action.filter(|a| !a.is_empty()),
        since: time_param("since", q.since)?,
        until: time_param("until", q.until)?,
    };
    let events = state.store.list_audit(&filter, page).await?;
    Ok(Json(AuditList {
        events: events
            .items
            .into_iter()
            .map(|e| AuditEventView {
                id: e.id,
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                outcome: e.outcome,
                actor: e.actor,
                details: e.details,
                request_id: e.request_id,
                created_at: e.created_at,
            })
            .collect(),
        total_count: events.total_count,
    }))
}
