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

async fn metrics(State(st): State<AppState>) -> Response {
    if let Ok(n) = st.store.count_inbound(crate::store::inbound::status::PENDING).await {
        st.metrics.inbound_pending.set(n);
    }
    if let Ok(n) = st.store.outbox_count(crate::store::outbox::status::QUEUED).await {
        st.metrics.outbox_queued.set(n);
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], st.metrics.encode())
        .into_response()
}

async fn playground(State(st): State<AppState>) -> Response {
    match &st.playground_url {
        Some(url) => Redirect::temporary(url).into_response(),
        None => (StatusCode::NOT_FOUND, "the playground runs only in `dealbot demo`").into_response(),
    }
}
