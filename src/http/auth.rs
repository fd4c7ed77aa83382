//! Pinduoduo authorization routes: `/auth/pdd/start` (admin: redirects to the jinbao authorize page),
//! `/auth/pdd/callback` (the page sends the admin back here) and `/auth/pdd/status` (admin, JSON).

use super::AppState;
use super::error::AppError;
use crate::affiliate::authorization::AuthError;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/pdd/start", get(start))
        .route("/auth/pdd/callback", get(callback))
        .route("/auth/pdd/status", get(status))
}

/// The admin API token, compared in constant time. An empty configured token disables the API.
pub fn require_admin(st: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let expected = st.settings.admin.api_token.expose();
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(AppError::Unauthorized);
    }
    Ok(())
}

fn auth_error(e: AuthError) -> AppError {
    match e {
        AuthError::NotConfigured => AppError::NotFound,
        AuthError::BadState => AppError::BadRequest("授权链接已失效，请重新发起授权".into()),
        AuthError::NotAuthorized | AuthError::Lapsed => AppError::Unprocessable(e.to_string()),
        AuthError::Platform(p) => AppError::Internal(p.to_string()),
        AuthError::Store(s) => AppError::Internal(s.to_string()),
    }
}

async fn start(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    require_admin(&st, &headers)?;
    let auth = st.dispatcher.engine().pdd_auth.as_ref().ok_or(AppError::NotFound)?;
    let url = auth.start().await.map_err(auth_error)?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

async fn callback(State(st): State<AppState>, Query(q): Query<CallbackQuery>) -> Result<Response, AppError> {
    let auth = st.dispatcher.engine().pdd_auth.as_ref().ok_or(AppError::NotFound)?;
    let (Some(code), Some(state)) = (q.code.filter(|c| !c.is_empty()), q.state.filter(|s| !s.is_empty())) else {
        return Err(AppError::BadRequest("缺少 code 或 state".into()));
    };
    let status = auth.callback(&code, &state).await.map_err(auth_error)?;
    let who = status.owner_name.unwrap_or_default();
    Ok(Html(format!(
        "<!doctype html><meta charset=utf-8><title>授权成功</title><p>多多进宝授权成功（{}）。可以关闭此页面。</p>",
        html_escape(&who)
    ))
    .into_response())
}

async fn status(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    require_admin(&st, &headers)?;
    let auth = st.dispatcher.engine().pdd_auth.as_ref().ok_or(AppError::NotFound)?;
    Ok(Json(auth.status().await.map_err(auth_error)?).into_response())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
