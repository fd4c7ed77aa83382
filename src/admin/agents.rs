//! 代理审核: members' agent applications (申请代理 in chat). An admin approves with a level — the member becomes a
//! partner with a Pinduoduo PID made through `pid.generate` and an invite code — or rejects with a reason; either
//! way the applicant is told in chat. Admins only. JSON API under `/admin/api/agent-applications`.

use super::error::{AdminError, ApiError, PageError};
use super::format;
use super::groups::urlenc;
use super::session::Admin;
use super::text::money as m;
use super::view;
use super::withdrawals::{approve_form, listed_status, reject_form};
use crate::http::AppState;
use crate::notices::MemberNotice;
use crate::store::agents::{AgentApplication, AgentDecision, status};
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use rand::Rng;
use serde::Deserialize;

const LIST_LIMIT: i64 = 200;
const MAX_REASON_CHARS: usize = 200;

fn bad(m: &str) -> AdminError {
    AdminError::BadRequest(m.into())
}

/// The applicant's nickname, or their WeChat id when they have none.
fn display_name(a: &AgentApplication) -> &str {
    if a.nickname.is_empty() { &a.wxid } else { &a.nickname }
}

/// An 8-character invite code from an alphabet without look-alikes (0/O, 1/I/L).
fn invite_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..8).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

async fn notify(st: &AppState, a: &AgentApplication, pid: Option<&str>) -> Result<(), AdminError> {
    let now = st.clock.now_ms();
    match st.store.notice_target(None, a.member_id).await? {
        Some(to) => {
            let notice = MemberNotice::AgentApplication { application: a, pid };
            let sends: Vec<_> = notice.send(&to).into_iter().collect();
            st.store.enqueue(&sends, now).await?;
        }
        None => tracing::warn!(application = a.id, member = a.member_id, "applicant unreachable: decision not sent"),
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// `approve` or `reject`.
    pub action: String,
    /// The name of a level (代理设置) when approving.
    #[serde(default)]
    pub level: String,
    /// Required when rejecting; sent to the applicant.
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(st: &AppState, v: &Admin, id: i64, d: &Decision) -> Result<AgentApplication, AdminError> {
    let a = st.store.agent_application(id).await?.filter(|a| a.status == status::OPEN);
    let a = a.ok_or_else(|| bad(m::NOT_FOUND_OR_DECIDED))?;
    let now = st.clock.now_ms();
    let (decision, pid) = match d.action.as_str() {
        "approve" => {
            let levels = st.store.agent_levels().await?;
            let level = levels.into_iter().find(|l| l.name == d.level.trim()).ok_or_else(|| bad(m::CHOOSE_LEVEL))?;
            let partner_id = st.store.ensure_partner(&a.wxid, display_name(&a), now).await?;
            let pid = super::partners::generate_pdd_pid(st, v, partner_id).await?;
            let approve = AgentDecision::Approve {
                level_id: level.id,
                level: level.name,
                partner_id,
                invite_code: invite_code(),
            };
            (approve, Some(pid))
        }
        "reject" => {
            let reason = d.reason.trim();
            if reason.is_empty() {
                return Err(bad(m::REASON_REQUIRED));
            }
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(bad(&m::reason_too_long(MAX_REASON_CHARS)));
            }
            (AgentDecision::Reject { reason: reason.into() }, None)
        }
        _ => return Err(bad(m::APPROVE_OR_REJECT)),
    };
    let decided = st.store.decide_agent_application(id, &decision, &v.username, now).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => bad(m::NOT_FOUND_OR_DECIDED),
        other => other.into(),
    })?;
    notify(st, &decided, pid.as_deref()).await?;
    tracing::info!(application = id, status = %decided.status, by = %v.username, "agent application decided");
    Ok(decided)
}

#[derive(Debug, Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn member_link(a: &AgentApplication) -> Markup {
    html! { a href={ "/admin/members/" (a.member_id) } { (display_name(a)) } }
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let levels = st.store.agent_levels().await?;
    let level_select = html! { select name="level" { @for l in &levels { option value=(l.name) { (l.name) } } } };
    let open: Vec<Vec<Markup>> = st
        .store
        .agent_applications(status::OPEN, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|a| {
            let action = format!("/admin/agents/{}", a.id);
            vec![
                html! { (a.id) },
                html! { (format::datetime(a.created_at, offset)) },
                member_link(&a),
                html! { (a.reason) },
                html! { (approve_form(&v, &action, a.id, level_select.clone())) " " (reject_form(&v, &action)) },
            ]
        })
        .collect();
    let mut decided = Vec::new();
    for s in [status::APPROVED, status::REJECTED] {
        decided.extend(st.store.agent_applications(s, LIST_LIMIT).await?);
    }
    decided.sort_by(|a, b| b.decided_at.cmp(&a.decided_at).then(b.id.cmp(&a.id)));
    let decided: Vec<Vec<Markup>> = decided
        .into_iter()
        .map(|a| {
            let result = match (a.status.as_str(), a.partner_id) {
                (status::APPROVED, Some(p)) => html! {
                    b.ok { (m::APPROVED) } " " (a.level.as_deref().unwrap_or("")) " · " (m::INVITE_CODE) " "
                    (a.invite_code.as_deref().unwrap_or("")) " · "
                    a href={ "/admin/partners/" (p) } { (m::PARTNER_AND_PIDS) }
                },
                _ => html! { b.warn { (m::STATUS_REJECTED) } " " (a.decision_reason) },
            };
            vec![
                html! { (a.id) },
                html! { (a.decided_at.map(|t| format::datetime(t, offset)).unwrap_or_default()) },
                member_link(&a),
                html! { (a.reason) },
                result,
                html! { (a.decided_by.as_deref().unwrap_or("")) },
            ]
        })
        .collect();
    let settings = super::agent_levels::section(&st, &v).await?;
    let body = html! {
        (view::notice(q.msg.as_deref()))
        h2 { (m::STATUS_OPEN) }
        (view::table(m::APPLICATION_COLUMNS, &open))
        h2 { (m::DONE) }
        (view::table(m::DECIDED_APPLICATION_COLUMNS, &decided))
        (settings)
    };
    Ok(view::page(&v, "/admin/agents", m::AGENTS, body))
}

pub async fn decide_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Redirect, PageError> {
    let msg = match decide(&st, &v, id, &d).await {
        Ok(a) if a.status == status::APPROVED => {
            m::application_approved(a.id, &a.level.unwrap_or_default(), &a.invite_code.unwrap_or_default())
        }
        Ok(a) => m::application_rejected(a.id),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/agents?msg={}", urlenc(&msg))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
}

/// Agent applications (status open, approved or rejected, open by default).
#[utoipa::path(
    get,
    path = "/admin/api/agent-applications",
    tag = "agents",
    params(ListQuery),
    responses((status = 200, body = Vec<AgentApplication>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_list(
    State(st): State<AppState>,
    _v: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<AgentApplication>>, ApiError> {
    let allowed = [status::OPEN, status::APPROVED, status::REJECTED];
    let wanted = listed_status(q.status.as_deref(), status::OPEN, &allowed, m::APPLICATION_STATUS_FILTER)?;
    let rows = st.store.agent_applications(wanted, LIST_LIMIT).await?;
    Ok(Json(rows))
}

/// Decides an agent application: approve with a level (makes a PDD PID and an invite code), or reject with a
/// reason.
#[utoipa::path(
    post,
    path = "/admin/api/agent-applications/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = Decision, example = json!({"action": "reject", "reason": super::text::api::AGENT_REJECT_REASON})),
    responses((status = 200, body = AgentApplication)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_decide(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(d): Json<Decision>,
) -> Result<Json<AgentApplication>, ApiError> {
    Ok(Json(decide(&st, &v, id, &d).await?))
}
