//! Serving: the server takes its listener and its shutdown signal as arguments, so the binary
//! passes SIGTERM and tests pass whatever they like. On shutdown it stops accepting and lets
//! in-flight requests finish; the caller bounds how long that may take.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::Request;
use axum::routing::get;
use axum::ServiceExt;
use tokio::net::TcpListener;

use crate::state::AppState;

/// Serves the application on `listener` until `shutdown` resolves and in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::app(state);
    axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves only `/metrics`, without authentication, for `AGENTED_METRICS_BIND` (a port that only
/// the monitoring system can reach).
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let state = state.clone();
            async move { crate::routes::meta::render_metrics(&state) }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
