//! 代理设置: the agent levels (share, second-level share, upgrade conditions over the last 30 days), the agents
//! with their level, inviter and tree size, and the log of level changes. A section of the 代理审核 page; admins
//! only. JSON API under `/admin/api/agent-levels`, `/admin/api/agents` and `/admin/api/agent-level-changes`.

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::html::{self, esc, yuan};
use super::session::Admin;
use crate::http::AppState;
use crate::money::{Bps, Fen};
use crate::store::StoreError;
use crate::store::agent_levels::{Agent, AgentLevel, LevelChange, NewAgentLevel};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::{Form, Json};
use serde::Deserialize;
use std::fmt::Write as _;

const MAX_NAME_CHARS: usize = 20;
const MAX_TIER: i64 = 99;
const MAX_COUNT: i64 = 1_000_000;
/// ¥10,000,000 in 分.
const MAX_COMMISSION_FEN: i64 = 1_000_000_000;
const LIST_LIMIT: i64 = 200;

fn bad(m: &str) -> AdminError {
    AdminError::BadRequest(m.into())
}

/// A level as the form or the API sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LevelInput {
    pub name: String,
    /// 1..=99, higher is better; unique.
    pub tier: i64,
    /// The agent's share of its members' orders, basis points (100 = 1 %).
    pub share_bps: i64,
    /// The share earned on the orders of the members of agents it invited, basis points.
    pub second_bps: i64,
    #[serde(default)]
    pub min_invited: i64,
    #[serde(default)]
    pub min_orders: i64,
    #[serde(default)]
    pub min_commission_fen: i64,
}

impl LevelInput {
    fn checked(&self) -> Result<NewAgentLevel, AdminError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(bad("等级名称须为 1 到 20 个字"));
        }
        if !(1..=MAX_TIER).contains(&self.tier) {
            return Err(bad("等级序号须在 1 到 99 之间"));
        }
        for bps in [self.share_bps, self.second_bps] {
            if !(0..=10_000).contains(&bps) {
                return Err(bad("分成须在 0 到 10000 基点（0% 到 100%）之间"));
            }
        }
        for n in [self.min_invited, self.min_orders] {
            if !(0..=MAX_COUNT).contains(&n) {
                return Err(bad("升级条件须在 0 到 1000000 之间"));
            }
        }
        if !(0..=MAX_COMMISSION_FEN).contains(&self.min_commission_fen) {
            return Err(bad("佣金条件须在 0 到 1000 万元之间"));
        }
        Ok(NewAgentLevel {
            name: name.to_string(),
            tier: self.tier,
            share: Bps(self.share_bps),
            second: Bps(self.second_bps),
            min_invited: self.min_invited,
            min_orders: self.min_orders,
            min_commission: Fen(self.min_commission_fen),
        })
    }
}

fn store_error(e: StoreError) -> AdminError {
    match e {
        StoreError::Conflict(_) => bad("等级名称或序号已存在，或该等级已被使用"),
        StoreError::NotFound => bad("该等级不存在"),
        other => other.into(),
    }
}

/// Creates (`id` None) or changes a level; a change applies to orders booked from now on.
pub async fn save(st: &AppState, v: &Admin, id: Option<i64>, input: &LevelInput) -> Result<AgentLevel, AdminError> {
    let level = input.checked()?;
    let saved = st.store.save_agent_level(id, &level, st.clock.now_ms()).await.map_err(store_error)?;
    tracing::info!(level = saved.id, name = %saved.name, by = %v.username, "agent level saved");
    Ok(saved)
}

/// Deletes a level no agent ever held.
pub async fn delete(st: &AppState, v: &Admin, id: i64) -> Result<(), AdminError> {
    st.store.delete_agent_level(id).await.map_err(store_error)?;
    tracing::info!(level = id, by = %v.username, "agent level deleted");
    Ok(())
}

fn conditions(l: &AgentLevel) -> String {
    let mut parts = Vec::new();
    if l.min_invited > 0 {
        parts.push(format!("邀请 ≥ {} 人", l.min_invited));
    }
    if l.min_orders > 0 {
        parts.push(format!("订单 ≥ {} 笔", l.min_orders));
    }
    if l.min_commission > 0 {
        parts.push(format!("佣金 ≥ ¥{}", yuan(Fen(l.min_commission))));
    }
    if parts.is_empty() { "无（起始等级）".into() } else { parts.join("，") }
}

fn level_fields(l: Option<&AgentLevel>) -> String {
    let val = |f: fn(&AgentLevel) -> i64, default: i64| l.map_or(default, f);
    format!(
        "<label>名称<input name=name required maxlength=20 size=6 value=\"{}\"></label>\
         <label>序号<input name=tier required inputmode=numeric size=2 value=\"{}\"></label>\
         <label>分成（基点）<input name=share_bps required inputmode=numeric size=5 value=\"{}\"></label>\
         <label>二级分成（基点）<input name=second_bps required inputmode=numeric size=5 value=\"{}\"></label>\
         <label>邀请人数<input name=min_invited inputmode=numeric size=4 value=\"{}\"></label>\
         <label>订单数<input name=min_orders inputmode=numeric size=4 value=\"{}\"></label>\
         <label>佣金（分）<input name=min_commission_fen inputmode=numeric size=7 value=\"{}\"></label>",
        esc(l.map_or("", |l| l.name.as_str())),
        val(|l| l.tier, 1),
        val(|l| l.share_bps, 0),
        val(|l| l.second_bps, 0),
        val(|l| l.min_invited, 0),
        val(|l| l.min_orders, 0),
        val(|l| l.min_commission, 0),
    )
}

/// The 代理设置 section of the 代理审核 page.
pub async fn section(st: &AppState, v: &Admin) -> Result<String, AdminError> {
    let offset = st.settings.chat.utc_offset_hours;
    let levels = st.store.agent_levels().await?;
    let mut b = String::from("<section id=agent-settings><h2>代理设置</h2>");
    b.push_str(
        "<p>代理分成按代理所在等级；二级分成归代理的邀请人（也是代理）。每天按近 30 天的邀请人数、订单数和佣金\
         自动升降级（满足全部条件的最高等级），变动只影响之后的新订单。100 基点 = 1%。</p>",
    );
    let rows: Vec<Vec<String>> = levels
        .iter()
        .map(|l| {
            let mut edit = html::form_open(v, &format!("/admin/agent-levels/{}", l.id), "inline edit-level");
            edit.push_str(&level_fields(Some(l)));
            let _ = write!(edit, "<button type=submit data-id={}>保存</button></form> ", l.id);
            edit.push_str(&html::form_open(v, &format!("/admin/agent-levels/{}/delete", l.id), "inline"));
            edit.push_str("<button type=submit class=link>删除</button></form>");
            vec![
                l.tier.to_string(),
                esc(&l.name),
                Bps(l.share_bps).percent_string(),
                Bps(l.second_bps).percent_string(),
                esc(&conditions(l)),
                edit,
            ]
        })
        .collect();
    b.push_str(&html::table(&["序号", "等级", "代理分成", "二级分成", "条件（近 30 天）", "修改"], &rows));
    b.push_str("<h3>新增等级</h3>");
    b.push_str(&html::form_open(v, "/admin/agent-levels", "card row new-level"));
    b.push_str(&level_fields(None));
    b.push_str("<button type=submit>新增</button></form>");

    b.push_str("<h3>代理</h3>");
    let agents = st.store.agents(LIST_LIMIT).await?;
    let rows: Vec<Vec<String>> = agents
        .iter()
        .map(|a| {
            vec![
                a.partner_id.to_string(),
                format!("<a href=\"/admin/members/{}\">{}</a>", a.member_id, esc(agent_name(a))),
                esc(&a.level),
                esc(&a.invite_code),
                a.inviter_id.map(|i| format!("#{i}")).unwrap_or_default(),
                a.members.to_string(),
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "代理", "等级", "邀请码", "上级代理", "下级会员"], &rows));

    b.push_str("<h3>等级变动</h3>");
    let changes = st.store.agent_level_changes(LIST_LIMIT).await?;
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                html::datetime(c.changed_at, offset),
                format!("#{} {}", c.partner_id, esc(&c.agent)),
                esc(c.from_level.as_deref().unwrap_or("—")),
                esc(&c.to_level),
                esc(&c.reason),
            ]
        })
        .collect();
    b.push_str(&html::table(&["时间", "代理", "原等级", "新等级", "原因"], &rows));
    b.push_str("</section>");
    Ok(b)
}

fn agent_name(a: &Agent) -> &str {
    if a.nickname.is_empty() { &a.wxid } else { &a.nickname }
}

fn back(msg: &str) -> Redirect {
    Redirect::to(&format!("/admin/agents?msg={}#agent-settings", urlenc(msg)))
}

fn page_outcome<T>(r: Result<T, AdminError>, ok: impl FnOnce(T) -> String) -> Result<Redirect, PageError> {
    match r {
        Ok(t) => Ok(back(&ok(t))),
        Err(AdminError::BadRequest(m)) => Ok(back(&m)),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Admin,
    Form(input): Form<LevelInput>,
) -> Result<Redirect, PageError> {
    page_outcome(save(&st, &v, None, &input).await, |l| format!("已新增等级 {}", l.name))
}

pub async fn change_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(input): Form<LevelInput>,
) -> Result<Redirect, PageError> {
    page_outcome(save(&st, &v, Some(id), &input).await, |l| format!("已保存等级 {}", l.name))
}

pub async fn delete_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    page_outcome(delete(&st, &v, id).await, |_| "已删除等级".to_string())
}

// ---- JSON API ----

/// Agent levels: share, second-level share and the 30-day promotion thresholds.
#[utoipa::path(
    get,
    path = "/admin/api/agent-levels",
    tag = "agents",
    responses((status = 200, body = Vec<AgentLevel>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_list(State(st): State<AppState>, _v: Admin) -> Result<Json<Vec<AgentLevel>>, ApiError> {
    Ok(Json(st.store.agent_levels().await?))
}

/// Adds an agent level: unique name (at most 20 characters), unique tier 1–99, share_bps and second_bps 0–10000,
/// min_invited, min_orders, min_commission_fen.
#[utoipa::path(
    post,
    path = "/admin/api/agent-levels",
    tag = "agents",
    request_body(content = LevelInput, example = json!({"name": super::text::api::AGENT_LEVEL_NEW, "tier": 4, "share_bps": 1200, "second_bps": 600, "min_invited": 100, "min_orders": 500, "min_commission_fen": 0})),
    responses((status = 200, body = AgentLevel)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_create(
    State(st): State<AppState>,
    v: Admin,
    Json(input): Json<LevelInput>,
) -> Result<Json<AgentLevel>, ApiError> {
    Ok(Json(save(&st, &v, None, &input).await?))
}

/// Changes an agent level (for new orders).
#[utoipa::path(
    post,
    path = "/admin/api/agent-levels/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "Level id")),
    request_body(content = LevelInput, example = json!({"name": super::text::api::AGENT_LEVEL_BASIC, "tier": 1, "share_bps": 600, "second_bps": 200})),
    responses((status = 200, body = AgentLevel)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_change(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(input): Json<LevelInput>,
) -> Result<Json<AgentLevel>, ApiError> {
    Ok(Json(save(&st, &v, Some(id), &input).await?))
}

/// Deletes an agent level that was never used.
#[utoipa::path(
    post,
    path = "/admin/api/agent-levels/{id}/delete",
    tag = "agents",
    params(("id" = i64, Path, description = "Level id")),
    responses((status = 200, body = Object)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_delete(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    delete(&st, &v, id).await?;
    Ok(Json(serde_json::json!({ "deleted": id })))
}

/// Agents: level, invite code, inviting agent and members invited.
#[utoipa::path(
    get,
    path = "/admin/api/agents",
    tag = "agents",
    responses((status = 200, body = Vec<Agent>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_agents(State(st): State<AppState>, _v: Admin) -> Result<Json<Vec<Agent>>, ApiError> {
    Ok(Json(st.store.agents(LIST_LIMIT).await?))
}

/// Agent level changes (approvals, daily promotions and demotions).
#[utoipa::path(
    get,
    path = "/admin/api/agent-level-changes",
    tag = "agents",
    responses((status = 200, body = Vec<LevelChange>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_changes(State(st): State<AppState>, _v: Admin) -> Result<Json<Vec<LevelChange>>, ApiError> {
    Ok(Json(st.store.agent_level_changes(LIST_LIMIT).await?))
}
