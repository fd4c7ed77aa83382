//! The guard in front of every route of the dashboard's table ([`super::table`]): authenticates the request once (see [`super::session`]) and refuses
//! state-changing requests that carry a session cookie but not the session's CSRF token (form field `_csrf` or
//! header `X-CSRF-Token`). The login form is protected with a double-submit cookie. Bearer-token clients send
//! no cookie, so there is nothing to forge and no token to check.

use super::error::AdminError;
use super::session::{self, Authenticated, CSRF_HEADER, LOGIN_CSRF_COOKIE, Refused};
use crate::http::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn refuse(path: &str, e: AdminError) -> Response {
    Refused::at(path, e).into_response()
}

pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let viewer = match session::authenticate(&st, &parts.headers).await {
        Ok(v) => v,
        Err(e) => return refuse(&path, e),
    };
    let mut body = body;
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let expected = if parts.uri.path() == "/admin/login" {
            Some(session::cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or("").to_string())
        } else {
            viewer.as_ref().and_then(|v| v.csrf.clone())
        };
        if let Some(expected) = expected {
            let from_header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
            let given = match from_header {
                Some(t) => t,
                None => {
                    let is_form = parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
                    let bytes = match axum::body::to_bytes(body, st.settings.server.body_limit_bytes).await {
                        Ok(b) => b,
                        Err(_) => {
                            return refuse(&path, AdminError::BadRequest(super::text::people::BODY_TOO_LARGE.into()));
                        }
                    };
                    let token = if is_form {
                        url::form_urlencoded::parse(&bytes)
                            .find(|(k, _)| k == "_csrf")
                            .map(|(_, v)| v.into_owned())
                            .unwrap_or_default()
                    } else {
                        String::new()
                    };
                    body = Body::from(bytes);
                    token
                }
            };
            if expected.is_empty() || !session::same(&expected, &given) {
                tracing::warn!(path = %parts.uri.path(), "refused a request without a valid CSRF token");
                return refuse(&path, AdminError::CsrfRejected);
            }
        }
    }
    parts.extensions.insert(Authenticated(viewer));
    next.run(Request::from_parts(parts, body)).await
}
