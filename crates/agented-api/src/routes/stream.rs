//! `GET /admin/executions/{id}/stream`: the live log over Server-Sent Events.
//!
//! Named events: `log` (`id:` = the line's sequence number), `agent` (a normalized event parsed from
//! that line), `status`, and `complete`, after which the stream ends; a heartbeat comment every 15 s.
//! `Last-Event-ID` or `?after=N` resumes exactly after line N. A finished run streams its whole log
//! from the database, then `complete`. Streams are capped per key by concurrent connections, and end
//! cleanly when the server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use agented_engine::BusItem;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The stream route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// `?after=N`.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this line (like `Last-Event-ID`).
    pub after: Option<u64>,
    /// A stream token from `POST /auth/stream-token` (for clients that cannot send headers).
    pub token: Option<String>,
}

/// Streams a run's log live (SSE). Unknown id → 404 JSON before the stream starts.
#[utoipa::path(get, path = "/admin/executions/{id}/stream", tag = "executions",
    params(("id" = String, Path), StreamQuery, ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this line")),
    responses((status = 200, content_type = "text/event-stream"), (status = 404, body = crate::error::ErrorBody)))]
async fn stream(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> ApiResult<Response> {
    state.store.execution(&id).await?;
    let after = match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        Some(v) => v.trim().parse::<u64>().map_err(|_| {
            ApiError::validation(
                "Invalid Last-Event-ID",
                [("Last-Event-ID", "a line sequence number")],
            )
        })?,
        None => q.after.unwrap_or(0),
    };
    let Some(slot) = state
        .stream_slots
        .acquire(&principal.key_id, state.config.rate_limits.streams_per_key)
    else {
        return Err(ApiError::rate_limited(5));
    };
    let mut shutdown = state.shutdown.clone();
    let ended = async move {
        // Resolves when the server starts shutting down (or the sender is gone).
        let _ = shutdown.wait_for(|stopping| *stopping).await;
    };
    let events = state
        .engine
        .subscribe(&id, after)
        .flat_map(|item| futures_util::stream::iter(to_events(item)))
        .take_until(ended)
        .map(move |e| {
            // The slot is released when the stream (and with it this closure) is dropped.
            let _hold = &slot;
            Ok::<Event, Infallible>(e)
        });
    let sse = Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("heartbeat"),
    );
    let mut response = sse.into_response();
    // Proxies (nginx) must not buffer the stream.
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    Ok(response)
}

/// A named event whose data is `value` as JSON.
fn json_event<T: serde::Serialize>(name: &str, value: &T) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned()))
}

fn to_events(item: BusItem) -> Vec<Event> {
    match item {
        BusItem::Line(line) => {
            // The payload is rendered once per line and shared by every subscriber.
            let mut out = vec![Event::default()
                .event("log")
                .id(line.line.seq.to_string())
                .data(line.wire_json())];
            for e in &line.events {
                out.push(json_event("agent", e));
            }
            out
        }
        BusItem::Status(s) => vec![Event::default()
            .event("status")
            .data(serde_json::json!({"status": s}).to_string())],
        BusItem::Complete(c) => vec![json_event("complete", &c)],
    }
}
