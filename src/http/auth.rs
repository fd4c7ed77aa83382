//! `/auth/pdd/callback`: the jinbao authorize page sends the admin back here. Starting the authorization
//! (`/auth/pdd/start`) and its status (`/auth/pdd/status`) are admin routes ([`crate::admin::authorization`]).

use super::AppState;
use super::error::AppError;
use crate::admin::text::people as x;
use crate::affiliate::authorization::AuthError;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/pdd/callback", get(callback))
}

fn auth_error(e: AuthError) -> AppError {
    match e {
        AuthError::NotConfigured => AppError::NotFound,
        AuthError::BadState => AppError::BadRequest(x::AUTH_LINK_EXPIRED.into()),
        AuthError::NotAuthorized | AuthError::Lapsed => AppError::Unprocessable(e.to_string()),
        AuthError::Platform(p) => AppError::Internal(p.to_string()),
        AuthError::Store(s) => AppError::Internal(s.to_string()),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

async fn callback(State(st): State<AppState>, Query(q): Query<CallbackQuery>) -> Result<Response, AppError> {
    let auth = st.dispatcher.engine().pdd_auth.as_ref().ok_or(AppError::NotFound)?;
    let (Some(code), Some(state)) = (q.code.filter(|c| !c.is_empty()), q.state.filter(|s| !s.is_empty())) else {
        return Err(AppError::BadRequest(x::CODE_OR_STATE_MISSING.into()));
    };
    let status = auth.callback(&code, &state).await.map_err(auth_error)?;
    let who = status.owner_name.unwrap_or_default();
    let page = html! {
        (DOCTYPE)
        meta charset="utf-8";
        title { (x::AUTHORIZED) }
        p { (x::authorized_as(&who)) }
    };
    Ok(page.into_response())
}
