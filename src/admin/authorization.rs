//! 联盟授权: the Pinduoduo 多多客 authorization with days left, the warning in force and a re-authorize button
//! (which starts the same flow as `/auth/pdd/start`). Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::overview::card;
use super::session::Admin;
use super::text::people as x;
use super::view;
use crate::affiliate::authorization::{AuthError, AuthStatus, WARN_DAYS};
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::Redirect;
use maud::{Markup, html};

fn auth_error(e: AuthError) -> AdminError {
    match e {
        AuthError::NotConfigured => AdminError::BadRequest(x::PDD_NOT_CONFIGURED.into()),
        AuthError::Store(s) => s.into(),
        other => AdminError::Upstream(other.to_string()),
    }
}

/// `None` when Pinduoduo is not enabled.
pub async fn data(st: &AppState, _v: &Admin) -> Result<Option<AuthStatus>, AdminError> {
    match st.dispatcher.engine().pdd_auth.as_ref() {
        Some(auth) => Ok(Some(auth.status().await.map_err(auth_error)?)),
        None => Ok(None),
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "ok" => x::NORMAL,
        "expiring" => x::EXPIRING,
        "lapsed" => x::LAPSED,
        _ => x::UNAUTHORIZED,
    }
}

pub async fn page(State(st): State<AppState>, v: Admin) -> Result<Markup, PageError> {
    let body = match data(&st, &v).await? {
        None => html! { p.muted { (x::PDD_NOT_ENABLED) } },
        Some(s) => {
            let cls = match s.state {
                "ok" => "ok",
                _ => "warn",
            };
            let days = s.days_left.map(|d| d.max(0).to_string()).unwrap_or_else(|| "-".into());
            let warn_days = WARN_DAYS.iter().map(i64::to_string).collect::<Vec<_>>().join(x::LIST_SEPARATOR);
            html! {
                div.cards {
                    div.card { span { (x::PDD_AUTHORIZATION) } b class=(cls) id="auth-state" { (state_label(s.state)) } }
                    div.card { span { (x::DAYS_LEFT) } b #auth-days { (days) } }
                    (card(x::AUTHORIZED_ACCOUNT, s.owner_name.as_deref().unwrap_or("-")))
                }
                p class={ "notice " (cls) } { (s.message) }
                p.muted { (x::warn_days(&warn_days)) }
                (view::form(&v, "/admin/authorization/start", "card row", html! {
                    span { (x::REAUTHORIZE_HINT) }
                    button type="submit" { (x::REAUTHORIZE) }
                }))
            }
        }
    };
    Ok(view::page(&v, "/admin/authorization", x::AUTHORIZATION, body))
}

pub async fn start(State(st): State<AppState>, _v: Admin) -> Result<Redirect, PageError> {
    let auth = st.dispatcher.engine().pdd_auth.as_ref().ok_or(AdminError::NotFound)?;
    let url = auth.start().await.map_err(auth_error)?;
    Ok(Redirect::to(&url))
}

/// PDD authorization status (null when PDD is off).
#[utoipa::path(
    get,
    path = "/admin/api/authorization",
    tag = "platforms",
    responses((status = 200, body = Option<AuthStatus>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api(State(st): State<AppState>, v: Admin) -> Result<Json<Option<AuthStatus>>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
