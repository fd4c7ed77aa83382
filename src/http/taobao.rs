//! `/taobao/registered`: where Taobao sends a member back after consenting to the registration (see
//! [`crate::orders::taobao_registration`]). Answers a small page in Chinese.

use super::AppState;
use super::error::AppError;
use super::text;
use crate::orders::taobao_registration::{self, RegistrationError};
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

/// Longest `code` and `state` accepted.
const MAX_PARAM_LEN: usize = 256;

pub fn router() -> Router<AppState> {
    Router::new().route("/taobao/registered", get(registered))
}

#[derive(Deserialize)]
struct Back {
    code: Option<String>,
    state: Option<String>,
}

fn page(message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width";
                title { (text::TAOBAO_PAGE_TITLE) }
            }
            body { p { (message) } }
        }
    }
}

async fn registered(State(st): State<AppState>, Query(q): Query<Back>) -> Result<Markup, AppError> {
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return Err(AppError::BadRequest(text::TAOBAO_LINK_INCOMPLETE.into()));
    };
    if code.len() > MAX_PARAM_LEN || state.len() > MAX_PARAM_LEN {
        return Err(AppError::BadRequest(text::TAOBAO_LINK_INCOMPLETE.into()));
    }
    let engine = st.dispatcher.engine();
    let client = engine.affiliates.taobao.as_ref().ok_or(AppError::NotFound)?;
    let base = &st.settings.server.public_base_url;
    match taobao_registration::complete(&st.store, client, base, &code, &state, st.clock.now_ms()).await {
        Ok(_) => Ok(page(text::TAOBAO_REGISTERED)),
        Err(RegistrationError::UnknownState) => Err(AppError::BadRequest(text::TAOBAO_LINK_EXPIRED.into())),
        Err(e) => {
            tracing::warn!(error = %e, "taobao member registration failed");
            Err(AppError::Internal(e.to_string()))
        }
    }
}
