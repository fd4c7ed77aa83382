//! 机器人: each robot with its gateway status (online, or offline as the gateway last reported), outbox depth,
//! last send and failures. Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc};
use super::session::Viewer;
use crate::http::AppState;
use crate::store::dashboard::RobotSummary;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use std::sync::atomic::Ordering;

#[derive(Debug, Serialize)]
pub struct RobotView {
    #[serde(flatten)]
    pub robot: RobotSummary,
    /// `online`, `offline` (the gateway said the account is logged out) or `unconfigured`.
    pub gateway: &'static str,
    pub gateway_url: Option<String>,
}

pub async fn data(st: &AppState, v: &Viewer) -> Result<Vec<RobotView>, AdminError> {
    v.require_admin()?;
    let engine = st.dispatcher.engine();
    Ok(st
        .store
        .robots_overview()
        .await?
        .into_iter()
        .map(|r| {
            let ctx = engine.robots.get(&r.id);
            let gateway = match ctx {
                Some(c) if c.offline.load(Ordering::Relaxed) => "offline",
                Some(_) => "online",
                None => "unconfigured",
            };
            RobotView { gateway, gateway_url: ctx.map(|c| c.settings.base_url.clone()), robot: r }
        })
        .collect())
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let rows: Vec<Vec<String>> = data(&st, &v)
        .await?
        .iter()
        .map(|r| {
            let g = match r.gateway {
                "online" => "<b class=ok>在线</b>",
                "offline" => "<b class=warn>离线</b>",
                _ => "<span class=muted>未配置</span>",
            };
            vec![
                esc(&r.robot.name),
                esc(&r.robot.nickname),
                esc(&r.robot.wxid),
                g.to_string(),
                r.robot.groups.to_string(),
                r.robot.queued.to_string(),
                r.robot.sent.to_string(),
                r.robot.dead.to_string(),
                r.robot.last_sent_at.map(|t| html::datetime(t, offset)).unwrap_or_else(|| "-".into()),
                esc(r.robot.last_error.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    let body =
        html::table(&["名称", "昵称", "wxid", "网关", "群", "待发送", "已发送", "失败", "最近发送", "最近错误"], &rows);
    Ok(html::page(&v, "/admin/robots", "机器人", &body))
}

pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<RobotView>>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
