//! The ceiling for the webhook benchmark: a bare axum POST endpoint that reads the body and answers the same
//! JSON as dealbot's webhook, with no parsing and no database. `cargo run --release --example bare_axum -- PORT`
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8090);
    let app = Router::new().route(
        "/{*path}",
        post(|body: Bytes| async move {
            let _ = body.len();
            axum::Json(serde_json::json!({"ret": 200, "msg": "success", "result": "accepted"}))
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await
}
