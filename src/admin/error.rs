//! Failures of dashboard requests, rendered as a Chinese HTML page for the pages and as JSON for the API.

use super::text as t;
use super::view;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not logged in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    CsrfRejected,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("upstream: {0}")]
    Upstream(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for AdminError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::NotFound => AdminError::NotFound,
            crate::store::StoreError::Conflict(m) => AdminError::BadRequest(m),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl AdminError {
    fn status(&self) -> StatusCode {
        match self {
            AdminError::Unauthorized => StatusCode::UNAUTHORIZED,
            AdminError::Forbidden | AdminError::CsrfRejected => StatusCode::FORBIDDEN,
            AdminError::NotFound => StatusCode::NOT_FOUND,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AdminError::Upstream(_) => StatusCode::BAD_GATEWAY,
            AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Chinese message shown to the operator; internals are logged, not shown.
    fn message(&self) -> String {
        match self {
            AdminError::Unauthorized => t::people::LOG_IN_FIRST.into(),
            AdminError::Forbidden => t::people::FORBIDDEN.into(),
            AdminError::CsrfRejected => t::people::CSRF_REJECTED.into(),
            AdminError::NotFound => t::people::NOT_FOUND.into(),
            AdminError::BadRequest(m) => m.clone(),
            AdminError::TooManyRequests { retry_after_secs } => {
                t::people::too_many_attempts(retry_after_secs.div_ceil(60).max(1))
            }
            AdminError::Upstream(m) => t::people::upstream(m),
            AdminError::Internal(m) => {
                tracing::error!(error = %m, "admin request failed");
                t::people::INTERNAL.into()
            }
        }
    }

    fn with_retry_after(&self, mut resp: Response) -> Response {
        if let AdminError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// An error answered with an HTML page (a redirect to the login page when not logged in).
#[derive(Debug)]
pub struct PageError(pub AdminError);

impl<E: Into<AdminError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if matches!(e, AdminError::Unauthorized) {
            return Redirect::to("/admin/login").into_response();
        }
        let body = view::bare_page(
            t::people::ERROR_TITLE,
            html! {
                main.narrow {
                    h1 { (e.message()) }
                    p { a href="/admin" { (t::people::BACK_HOME) } }
                }
            },
        );
        e.with_retry_after((e.status(), body).into_response())
    }
}

/// An error answered with `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError(pub AdminError);

impl<E: Into<AdminError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.with_retry_after((e.status(), Json(json!({ "error": e.message() }))).into_response())
    }
}
