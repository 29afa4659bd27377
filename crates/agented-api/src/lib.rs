//! Agented's HTTP edge.
//!
//! [`router`] builds the whole application from an [`AppState`]: the routes (one module per area
//! under `routes/`), the one auth gate (`auth::gate`) over all of them, CORS, the observe
//! middleware (request id, access log, metrics, security headers, panics, error bodies) and the
//! OpenAPI document. The HTTP layer depends on the store (and later the engine); nothing below
//! depends on it.

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod state;
mod stream_slots;
pub mod ui;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Router};
use tower::Layer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::{ApiConfig, RateLimitConfig, SecretKey};
pub use error::{ApiError, ApiResult};
pub use state::AppState;

/// The application as served: the router behind trailing-slash normalization, so every path
/// matches with and without a trailing slash.
pub type App = NormalizePath<Router>;

/// The serialized OpenAPI document, shared by the `/openapi.json` handler.
#[derive(Clone)]
struct OpenApiJson(Arc<String>);

/// Every route with its OpenAPI annotations, before the document is finished.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::health::routes())
        .merge(routes::auth::routes())
        .merge(routes::rbac::routes())
        .merge(routes::audit::routes())
        .merge(routes::meta::routes())
        .merge(routes::executions::routes())
        .merge(routes::stream::routes())
        .routes(routes!(openapi_json))
}

/// The finished OpenAPI document.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = api_routes().split_for_parts();
    openapi::finish(doc, &auth::policy::PolicyMap::new())
}

/// Builds the router with every middleware, ready to serve.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = api_routes().split_for_parts();
    let doc = openapi::finish(doc, &state.policy);
    let json = OpenApiJson(Arc::new(doc.to_json().unwrap_or_else(|_| "{}".to_owned())));
    Router::new()
        .merge(routes)
        .fallback(ui::fallback)
        .layer(Extension(json))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::gate::gate,
        ))
        .layer(middleware::cors::layer(&state.config.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe::observe,
        ))
        .with_state(state)
}

/// [`router`] behind trailing-slash normalization.
pub fn app(state: AppState) -> App {
    NormalizePathLayer::trim_trailing_slash().layer(router(state))
}

/// The OpenAPI 3.1 document of this server.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, content_type = "application/json")))]
async fn openapi_json(Extension(json): Extension<OpenApiJson>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.0.as_str().to_owned(),
    )
}
