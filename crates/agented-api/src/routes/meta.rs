//! Meta routes: version, Prometheus metrics, the OpenAPI document and the interactive docs page.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The meta routes. `/openapi.json` is added by `crate::router`, which owns the document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(version))
        .routes(routes!(metrics))
        .routes(routes!(docs))
        .routes(routes!(docs_script))
}

/// `{"version": …}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Version {
    /// The server's version.
    pub version: &'static str,
}

/// The server's version.
#[utoipa::path(get, path = "/api/version", tag = "meta", responses((status = 200, body = Version)))]
async fn version() -> Json<Version> {
    Json(Version {
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "meta", responses((status = 200, content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    render_metrics(&state)
}

/// The metrics response, also served on `AGENTED_METRICS_BIND` without auth.
pub fn render_metrics(state: &AppState) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(state.store.pool_stats()),
    )
}

/// Interactive API documentation (reads `/openapi.json`).
#[utoipa::path(get, path = "/docs", tag = "meta", responses((status = 200, content_type = "text/html")))]
async fn docs() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../../assets/docs.html"),
    )
}

/// The docs page's script (a separate file so the Content-Security-Policy needs no inline script).
#[utoipa::path(get, path = "/docs/app.js", tag = "meta", responses((status = 200, content_type = "text/javascript")))]
async fn docs_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/docs.js"),
    )
}
