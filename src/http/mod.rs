//! HTTP: one router per area, merged here. Handlers hold no business logic and no SQL.

pub mod auth;
pub mod error;
pub mod media;
pub mod ops;
pub mod taobao;
pub mod text;
pub mod webhook;
pub mod wecom;

use crate::clock::Clock;
use crate::config::Settings;
use crate::engine::dispatch::Dispatcher;
use crate::store::Store;
use crate::telemetry::Metrics;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub dispatcher: Dispatcher,
    pub metrics: Metrics,
    pub clock: Clock,
    /// The running robots (found by their name in the webhook path).
    pub robots: crate::robots::Robots,
    /// Starts robots added on the dashboard.
    pub launcher: crate::startup::RobotLauncher,
    /// Where `/playground` redirects (demo only).
    pub playground_url: Option<String>,
}

/// The whole router, with body limits (the image upload has its own, larger one) and a request timeout.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.server.body_limit_bytes;
    let timeout = Duration::from_millis(state.settings.server.request_timeout_ms.max(1));
    Router::new()
        .merge(webhook::router())
        .merge(media::router())
        .merge(ops::router())
        .merge(auth::router())
        .merge(taobao::router())
        .merge(wecom::router())
        .merge(crate::admin::router(&state))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .merge(crate::admin::upload_router(&state))
        .with_state(state)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
}
