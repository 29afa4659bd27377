//! A bare axum hello-world with no middleware: the baseline the foundation benchmark compares
//! `/health/liveness` against (see `bench/http.sh`). Run: `cargo run --release -p agented-api --example hello -- 127.0.0.1:20999`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:20999".to_owned());
    let app =
        axum::Router::new().route("/", axum::routing::get(|| async { "{\"status\":\"ok\"}" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
