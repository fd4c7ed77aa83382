//! `/auth/pdd/callback`: the jinbao authorize page sends the admin back here. Starting the authorization
//! (`/auth/pdd/start`) and its status (`/auth/pdd/status`) are admin routes ([`crate::admin::authorization`]).

use super::AppState;
use super::error::AppError;
use crate::affiliate::authorization::AuthError;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/pdd/callback", get(callback))
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
        crate::admin::html::esc(&who)
    ))
    .into_response())
}
