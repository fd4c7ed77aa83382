//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`, and the demo's `/playground` redirect.

use super::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/playground", get(playground))
}

async fn readyz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Reads counters and gauges only (the queue depths are refreshed by a periodic job), never the tables.
async fn metrics(State(st): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], st.metrics.encode())
        .into_response()
}

async fn playground(State(st): State<AppState>) -> Response {
    match &st.playground_url {
        Some(url) => Redirect::temporary(url).into_response(),
        None => (StatusCode::NOT_FOUND, "the playground runs only in `dealbot demo`").into_response(),
    }
}
