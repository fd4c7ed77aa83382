//! 代理审核: members' agent applications (申请代理 in chat). An admin approves with a level — the member becomes a
//! partner with a Pinduoduo PID made through `pid.generate` and an invite code — or rejects with a reason; either
//! way the applicant is told in chat. Admins only. JSON API under `/admin/api/agent-applications`.

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::html::{self, esc};
use super::session::Admin;
use crate::http::AppState;
use crate::notices::MemberNotice;
use crate::store::agents::{AgentApplication, AgentDecision, status};
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::{Form, Json};
use rand::Rng;
use serde::Deserialize;
use std::fmt::Write as _;

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
    let a = a.ok_or_else(|| bad("该申请不存在或已处理"))?;
    let now = st.clock.now_ms();
    let (decision, pid) = match d.action.as_str() {
        "approve" => {
            let levels = st.store.agent_levels().await?;
            let level = levels.into_iter().find(|l| l.name == d.level.trim()).ok_or_else(|| bad("请选择代理等级"))?;
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
                return Err(bad("驳回须填写原因"));
            }
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(bad("原因最多 200 字"));
            }
            (AgentDecision::Reject { reason: reason.into() }, None)
        }
        _ => return Err(bad("操作须为 approve 或 reject")),
    };
    let decided = st.store.decide_agent_application(id, &decision, &v.username, now).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => bad("该申请不存在或已处理"),
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

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<h2>待审核</h2>");
    let levels: String = st
        .store
        .agent_levels()
        .await?
        .iter()
        .map(|l| format!("<option value=\"{0}\">{0}</option>", esc(&l.name)))
        .collect();
    let rows: Vec<Vec<String>> = st
        .store
        .agent_applications(status::OPEN, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|a| {
            let action = format!("/admin/agents/{}", a.id);
            let mut cell = html::form_open(&v, &action, "inline approve");
            let _ = write!(
                cell,
                "<input type=hidden name=action value=approve><select name=level>{levels}</select>\
                 <button type=submit data-id={}>通过</button></form> ",
                a.id
            );
            cell.push_str(&html::form_open(&v, &action, "inline reject"));
            cell.push_str(
                "<input type=hidden name=action value=reject><input name=reason required maxlength=200 \
                 placeholder=驳回原因 size=10><button type=submit>驳回</button></form>",
            );
            vec![
                a.id.to_string(),
                html::datetime(a.created_at, offset),
                format!("<a href=\"/admin/members/{}\">{}</a>", a.member_id, esc(display_name(&a))),
                esc(&a.reason),
                cell,
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "申请时间", "会员", "理由", "审核"], &rows));
    b.push_str("<h2>已处理</h2>");
    let mut decided = Vec::new();
    for s in [status::APPROVED, status::REJECTED] {
        decided.extend(st.store.agent_applications(s, LIST_LIMIT).await?);
    }
    decided.sort_by(|a, b| b.decided_at.cmp(&a.decided_at).then(b.id.cmp(&a.id)));
    let rows: Vec<Vec<String>> = decided
        .into_iter()
        .map(|a| {
            let result = match (a.status.as_str(), a.partner_id) {
                (status::APPROVED, Some(p)) => format!(
                    "<b class=ok>已通过</b> {} · 邀请码 {} · <a href=\"/admin/partners/{p}\">合伙人与推广位</a>",
                    esc(a.level.as_deref().unwrap_or("")),
                    esc(a.invite_code.as_deref().unwrap_or(""))
                ),
                _ => format!("<b class=warn>已驳回</b> {}", esc(&a.decision_reason)),
            };
            vec![
                a.id.to_string(),
                a.decided_at.map(|t| html::datetime(t, offset)).unwrap_or_default(),
                format!("<a href=\"/admin/members/{}\">{}</a>", a.member_id, esc(display_name(&a))),
                esc(&a.reason),
                result,
                esc(a.decided_by.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "处理时间", "会员", "理由", "结果", "审核人"], &rows));
    b.push_str(&super::agent_levels::section(&st, &v).await?);
    Ok(html::page(&v, "/admin/agents", "代理审核", &b))
}

pub async fn decide_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Redirect, PageError> {
    let msg = match decide(&st, &v, id, &d).await {
        Ok(a) if a.status == status::APPROVED => {
            format!(
                "已通过 {} 号申请：{}，邀请码 {}",
                a.id,
                a.level.unwrap_or_default(),
                a.invite_code.unwrap_or_default()
            )
        }
        Ok(a) => format!("已驳回 {} 号申请", a.id),
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
    let wanted = q.status.as_deref().unwrap_or(status::OPEN);
    if ![status::OPEN, status::APPROVED, status::REJECTED].contains(&wanted) {
        return Err(bad("status 须为 open、approved 或 rejected").into());
    }
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
