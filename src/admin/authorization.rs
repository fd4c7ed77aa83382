//! 联盟授权: the Pinduoduo 多多客 authorization with days left, the warning in force and a re-authorize button
//! (which starts the same flow as `/auth/pdd/start`). Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc};
use super::session::Admin;
use crate::affiliate::authorization::{AuthError, AuthStatus, WARN_DAYS};
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, Redirect};
use std::fmt::Write as _;

fn auth_error(e: AuthError) -> AdminError {
    match e {
        AuthError::NotConfigured => AdminError::BadRequest("未配置拼多多".into()),
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

pub async fn page(State(st): State<AppState>, v: Admin) -> Result<Html<String>, PageError> {
    let mut b = String::new();
    match data(&st, &v).await? {
        None => b.push_str("<p class=muted>未启用拼多多联盟。</p>"),
        Some(s) => {
            let cls = match s.state {
                "ok" => "ok",
                _ => "warn",
            };
            let days = s.days_left.map(|d| d.max(0).to_string()).unwrap_or_else(|| "-".into());
            let _ = write!(
                b,
                "<div class=cards><div class=card><span>拼多多授权</span><b class={cls} id=auth-state>{}</b></div>\
                 <div class=card><span>剩余天数</span><b id=auth-days>{days}</b></div>\
                 <div class=card><span>授权账号</span><b>{}</b></div></div><p class=\"notice {cls}\">{}</p>",
                match s.state {
                    "ok" => "正常",
                    "expiring" => "即将过期",
                    "lapsed" => "已过期",
                    _ => "未授权",
                },
                esc(s.owner_name.as_deref().unwrap_or("-")),
                esc(&s.message)
            );
            let _ = write!(
                b,
                "<p class=muted>授权到期前 {} 天会在私聊提醒管理员（admin.wxids），过期时再提醒一次。转链不依赖授权。</p>",
                WARN_DAYS.iter().map(i64::to_string).collect::<Vec<_>>().join("、")
            );
            b.push_str(&html::form_open(&v, "/admin/authorization/start", "card row"));
            b.push_str(
                "<span>跳转到多多进宝授权页面，完成后自动返回</span><button type=submit>重新授权</button></form>",
            );
        }
    }
    Ok(html::page(&v, "/admin/authorization", "联盟授权", &b))
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
