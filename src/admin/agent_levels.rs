//! 代理设置: the agent levels (share, second-level share, upgrade conditions over the last 30 days), the agents
//! with their level, inviter and tree size, and the log of level changes. A section of the 代理审核 page; admins
//! only. JSON API under `/admin/api/agent-levels`, `/admin/api/agents` and `/admin/api/agent-level-changes`.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::groups::urlenc;
use super::session::Admin;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::money::{Bps, Fen};
use crate::store::StoreError;
use crate::store::agent_levels::{Agent, AgentLevel, LevelChange, NewAgentLevel};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::Deserialize;

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
            return Err(bad(m::LEVEL_NAME_LENGTH));
        }
        if !(1..=MAX_TIER).contains(&self.tier) {
            return Err(bad(m::LEVEL_TIER_RANGE));
        }
        for bps in [self.share_bps, self.second_bps] {
            if !(0..=10_000).contains(&bps) {
                return Err(bad(m::LEVEL_SHARE_RANGE));
            }
        }
        for n in [self.min_invited, self.min_orders] {
            if !(0..=MAX_COUNT).contains(&n) {
                return Err(bad(m::LEVEL_COUNT_RANGE));
            }
        }
        if !(0..=MAX_COMMISSION_FEN).contains(&self.min_commission_fen) {
            return Err(bad(m::LEVEL_COMMISSION_RANGE));
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
        StoreError::Conflict(_) => bad(m::LEVEL_CONFLICT),
        StoreError::NotFound => bad(m::LEVEL_NOT_FOUND),
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
        parts.push(m::min_invited(l.min_invited));
    }
    if l.min_orders > 0 {
        parts.push(m::min_orders(l.min_orders));
    }
    if l.min_commission > 0 {
        parts.push(m::min_commission(&yuan(Fen(l.min_commission))));
    }
    if parts.is_empty() { m::NO_CONDITIONS.into() } else { parts.join(m::LIST_SEPARATOR) }
}

fn level_fields(l: Option<&AgentLevel>) -> Markup {
    let val = |f: fn(&AgentLevel) -> i64, default: i64| l.map_or(default, f);
    let name = l.map_or("", |l| l.name.as_str());
    html! {
        label { (m::LEVEL_NAME) input name="name" required maxlength=(MAX_NAME_CHARS) size="6" value=(name); }
        label { (m::LEVEL_TIER) input name="tier" required inputmode="numeric" size="2" value=(val(|l| l.tier, 1)); }
        label {
            (m::LEVEL_SHARE_BPS)
            input name="share_bps" required inputmode="numeric" size="5" value=(val(|l| l.share_bps, 0));
        }
        label {
            (m::LEVEL_SECOND_BPS)
            input name="second_bps" required inputmode="numeric" size="5" value=(val(|l| l.second_bps, 0));
        }
        label {
            (m::LEVEL_MIN_INVITED)
            input name="min_invited" inputmode="numeric" size="4" value=(val(|l| l.min_invited, 0));
        }
        label {
            (m::LEVEL_MIN_ORDERS) input name="min_orders" inputmode="numeric" size="4" value=(val(|l| l.min_orders, 0));
        }
        label {
            (m::LEVEL_MIN_COMMISSION)
            input name="min_commission_fen" inputmode="numeric" size="7" value=(val(|l| l.min_commission, 0));
        }
    }
}

/// The 代理设置 section of the 代理审核 page.
pub async fn section(st: &AppState, v: &Admin) -> Result<Markup, AdminError> {
    let offset = st.settings.chat.utc_offset_hours;
    let levels: Vec<Vec<Markup>> = st
        .store
        .agent_levels()
        .await?
        .iter()
        .map(|l| {
            let save = html! { (level_fields(Some(l))) button type="submit" data-id=(l.id) { (m::SAVE) } };
            let delete = html! { button.link type="submit" { (m::DELETE) } };
            vec![
                html! { (l.tier) },
                html! { (l.name) },
                html! { (Bps(l.share_bps).percent_string()) },
                html! { (Bps(l.second_bps).percent_string()) },
                html! { (conditions(l)) },
                html! {
                    (view::form(v, &format!("/admin/agent-levels/{}", l.id), "inline edit-level", save)) " "
                    (view::form(v, &format!("/admin/agent-levels/{}/delete", l.id), "inline", delete))
                },
            ]
        })
        .collect();
    let agents: Vec<Vec<Markup>> = st
        .store
        .agents(LIST_LIMIT)
        .await?
        .iter()
        .map(|a| {
            vec![
                html! { (a.partner_id) },
                html! { a href={ "/admin/members/" (a.member_id) } { (agent_name(a)) } },
                html! { (a.level) },
                html! { (a.invite_code) },
                html! { @if let Some(i) = a.inviter_id { "#" (i) } },
                html! { (a.members) },
            ]
        })
        .collect();
    let changes: Vec<Vec<Markup>> = st
        .store
        .agent_level_changes(LIST_LIMIT)
        .await?
        .iter()
        .map(|c| {
            vec![
                html! { (format::datetime(c.changed_at, offset)) },
                html! { "#" (c.partner_id) " " (c.agent) },
                html! { (c.from_level.as_deref().unwrap_or("—")) },
                html! { (c.to_level) },
                html! { (c.reason) },
            ]
        })
        .collect();
    let add = html! { (level_fields(None)) button type="submit" { (m::ADD) } };
    Ok(html! {
        section #agent-settings {
            h2 { (m::AGENT_SETTINGS) }
            p { (m::AGENT_SETTINGS_HELP) }
            (view::table(m::LEVEL_COLUMNS, &levels))
            h3 { (m::NEW_LEVEL) }
            (view::form(v, "/admin/agent-levels", "card row new-level", add))
            h3 { (m::AGENT) }
            (view::table(m::AGENT_COLUMNS, &agents))
            h3 { (m::LEVEL_CHANGES) }
            (view::table(m::LEVEL_CHANGE_COLUMNS, &changes))
        }
    })
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
    page_outcome(save(&st, &v, None, &input).await, |l| m::level_added(&l.name))
}

pub async fn change_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(input): Form<LevelInput>,
) -> Result<Redirect, PageError> {
    page_outcome(save(&st, &v, Some(id), &input).await, |l| m::level_saved(&l.name))
}

pub async fn delete_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    page_outcome(delete(&st, &v, id).await, |_| m::LEVEL_DELETED.to_string())
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
    responses((status = 200, body = Deleted)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_delete(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Json<Deleted>, ApiError> {
    delete(&st, &v, id).await?;
    Ok(Json(Deleted { deleted: id }))
}

/// The level that was deleted.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub deleted: i64,
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
