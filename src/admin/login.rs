//! Logging in and out. A successful login always starts a new session (a new id: a session id planted before login
//! is worthless) and login attempts are limited per user name and per client address (see [`super::ratelimit`]).

use super::error::{AdminError, PageError};
use super::password;
use super::ratelimit::{LimitError, LoginLimiter};
use super::session::{self, Authenticated, COOKIE, LOGIN_CSRF_COOKIE};
use super::text::{self as t, people as p};
use super::view;
use crate::http::AppState;
use axum::Form;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

fn login_page(st: &AppState, status: StatusCode, error: Option<&str>, username: &str) -> Response {
    let token = session::random_token();
    let body = html! {
        main.narrow {
            h1 { (t::BRAND) }
            @if let Some(e) = error {
                p.error role="alert" { (e) }
            }
            form #login.card method="post" action="/admin/login" {
                input type="hidden" name="_csrf" value=(token);
                label { (p::USERNAME) input name="username" autocomplete="username" required maxlength="64" value=(username); }
                label { (p::PASSWORD) input name="password" type="password" autocomplete="current-password" required maxlength="128"; }
                button type="submit" { (p::LOG_IN) }
            }
        }
    };
    let mut resp = (status, view::bare_page(p::LOG_IN, body)).into_response();
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
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let username = f.username.trim().chars().take(64).collect::<String>();
    let addr = client.map(|Extension(ConnectInfo(a))| a.ip());
    // The attempt is counted before the password is checked, so parallel guesses cannot overtake the limit.
    let admitted = match limiter.admit(&username, addr, st.clock.now_ms()).await {
        Ok(a) => a,
        Err(LimitError::Locked { retry_after_secs }) => {
            tracing::warn!(user = ?username, client = ?addr, "login refused: too many attempts");
            return Err(AdminError::TooManyRequests { retry_after_secs }.into());
        }
        Err(LimitError::Store(e)) => return Err(e.into()),
    };
    let user = st.store.user_by_name(&username).await?.filter(|u| !u.disabled);
    let ok = match password::verify_async(f.password, user.as_ref().map(|u| u.password_hash.clone())).await {
        Ok(ok) => ok,
        Err(e) => {
            limiter.not_checked(&admitted).await?;
            tracing::warn!(user = ?username, error = %e, "login not checked");
            return Err(AdminError::TooManyRequests { retry_after_secs: 1 }.into());
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(user = ?username, client = ?addr, "failed login");
        return Ok(login_page(&st, StatusCode::UNAUTHORIZED, Some(p::WRONG_PASSWORD), &username));
    };
    limiter.succeeded(&admitted).await?;
    if let Some(old) = session::cookie(&headers, COOKIE) {
        st.store.delete_session(&session::hash_id(old)).await?;
    }
    let id = session::start(&st, &user).await?;
    let pruned = st.store.prune_sessions(st.clock.now_ms()).await?;
    if pruned > 0 {
        tracing::debug!(sessions = pruned, "expired sessions pruned");
    }
    tracing::info!(user = ?user.username, "logged in");
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
