//! Logging in and out. A successful login always starts a new session (a new id: a session id planted before login
//! is worthless) and failed logins are rate limited per user name.

use super::error::{AdminError, PageError};
use super::html::{self, esc};
use super::password;
use super::ratelimit::LoginLimiter;
use super::session::{self, Authenticated, COOKIE, LOGIN_CSRF_COOKIE};
use crate::http::AppState;
use axum::Form;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

fn login_page(st: &AppState, status: StatusCode, error: Option<&str>, username: &str) -> Response {
    let token = session::random_token();
    let err = error.map(|e| format!("<p class=error role=alert>{}</p>", esc(e))).unwrap_or_default();
    let body = format!(
        "<main class=narrow><h1>dealbot 管理后台</h1>{err}\
         <form method=post action=\"/admin/login\" class=card id=login>\
         <input type=hidden name=_csrf value=\"{token}\">\
         <label>用户名<input name=username autocomplete=username required maxlength=64 value=\"{}\"></label>\
         <label>密码<input name=password type=password autocomplete=current-password required maxlength=128></label>\
         <button type=submit>登录</button></form></main>",
        esc(username)
    );
    let mut resp = (status, html::bare_page("登录", &body)).into_response();
    resp.headers_mut().append(header::SET_COOKIE, session::set_cookie(st, LOGIN_CSRF_COOKIE, &token, 3600));
    resp
}

pub async fn show(State(st): State<AppState>, Extension(auth): Extension<Authenticated>) -> Response {
    if auth.0.is_some() {
        return Redirect::to("/admin").into_response();
    }
    login_page(&st, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(st): State<AppState>,
    Extension(limiter): Extension<Arc<LoginLimiter>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let username = f.username.trim().chars().take(64).collect::<String>();
    if let Err(wait) = limiter.check(&username) {
        tracing::warn!(user = %username, "login refused: too many failures");
        return Err(AdminError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) }.into());
    }
    let user = st.store.user_by_name(&username).await?.filter(|u| !u.disabled);
    let ok = password::verify_async(f.password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let Some(user) = user.filter(|_| ok) else {
        limiter.record_failure(&username);
        tracing::info!(user = %username, "failed login");
        return Ok(login_page(&st, StatusCode::UNAUTHORIZED, Some("用户名或密码错误"), &username));
    };
    limiter.record_success(&username);
    if let Some(old) = session::cookie(&headers, COOKIE) {
        st.store.delete_session(&session::hash_id(old)).await?;
    }
    let id = session::start(&st, &user).await?;
    let pruned = st.store.prune_sessions(st.clock.now_ms()).await?;
    if pruned > 0 {
        tracing::debug!(sessions = pruned, "expired sessions pruned");
    }
    tracing::info!(user = %user.username, "logged in");
    let mut resp = Redirect::to("/admin").into_response();
    let ttl = st.settings.admin.session_ttl_secs.max(60);
    resp.headers_mut().append(header::SET_COOKIE, session::set_cookie(&st, COOKIE, &id, ttl));
    resp.headers_mut().append(header::SET_COOKIE, session::set_cookie(&st, LOGIN_CSRF_COOKIE, "", 0));
    Ok(resp)
}

pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(id) = session::cookie(&headers, COOKIE) {
        st.store.delete_session(&session::hash_id(id)).await?;
    }
    let mut resp = Redirect::to("/admin/login").into_response();
    resp.headers_mut().append(header::SET_COOKIE, session::set_cookie(&st, COOKIE, "", 0));
    Ok(resp)
}
