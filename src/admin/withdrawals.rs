//! 提现审核: the queue of open withdrawal requests, approve or reject (with a reason) through the ledger, and the
//! decided ones. Only admins decide; partners see the requests of their own groups' members, read-only. Machine
//! clients use the ledger's API (`/admin/api/withdrawals`, `/admin/api/withdrawals/{id}/approve|reject`).

use super::error::{AdminError, PageError};
use super::groups::urlenc;
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::ledger::{Ledger, LedgerError};
use crate::money::Fen;
use crate::store::withdrawals::{Withdrawal, status};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

const LIST_LIMIT: i64 = 200;

#[derive(Debug, Serialize)]
pub struct WithdrawalView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub amount: Fen,
    pub status: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Serialize)]
pub struct WithdrawalsView {
    /// Open requests, oldest first.
    pub queue: Vec<WithdrawalView>,
    /// Decided requests, newest first.
    pub decided: Vec<WithdrawalView>,
}

/// The rows the viewer may see, with member names.
async fn visible(st: &AppState, v: &Viewer, list: Vec<Withdrawal>) -> Result<Vec<WithdrawalView>, AdminError> {
    let mut out = Vec::new();
    for w in list {
        let Some(m) = st.store.member_summary(w.member_id, v.scope()).await? else { continue };
        out.push(WithdrawalView {
            id: w.id,
            member_id: w.member_id,
            member_name: if m.nickname.is_empty() { m.wxid } else { m.nickname },
            amount: w.amount,
            status: w.status,
            reason: w.reason,
            decided_by: w.decided_by,
            decided_at: w.decided_at,
            created_at: w.created_at,
        });
    }
    Ok(out)
}

pub async fn data(st: &AppState, v: &Viewer) -> Result<WithdrawalsView, AdminError> {
    let queue = visible(st, v, st.store.withdrawals_with_status(status::OPEN, LIST_LIMIT).await?).await?;
    let mut decided = Vec::new();
    for s in [status::APPROVED, status::REJECTED] {
        decided.extend(visible(st, v, st.store.withdrawals_with_status(s, LIST_LIMIT).await?).await?);
    }
    decided.sort_by(|a, b| b.decided_at.cmp(&a.decided_at).then(b.id.cmp(&a.id)));
    decided.truncate(LIST_LIMIT as usize);
    Ok(WithdrawalsView { queue, decided })
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    /// `approve` or `reject`.
    pub action: String,
    /// Required when rejecting; shown to the member.
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(st: &AppState, v: &Viewer, id: i64, d: &Decision) -> Result<Withdrawal, AdminError> {
    v.require_admin()?;
    let approve = match d.action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AdminError::BadRequest("操作须为 approve 或 reject".into())),
    };
    let reason = d.reason.trim();
    if !approve && reason.is_empty() {
        return Err(AdminError::BadRequest("驳回须填写原因".into()));
    }
    if reason.chars().count() > 200 {
        return Err(AdminError::BadRequest("原因最多 200 字".into()));
    }
    let ledger = Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours);
    let w = ledger.decide_withdrawal(id, approve, &v.username, reason).await.map_err(|e| match e {
        LedgerError::Store(crate::store::StoreError::NotFound) => AdminError::BadRequest("该申请不存在或已处理".into()),
        LedgerError::Store(s) => s.into(),
    })?;
    tracing::info!(withdrawal = id, approve, by = %v.username, "withdrawal decided");
    Ok(w)
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let d = data(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<h2>待审核</h2>");
    let rows: Vec<Vec<String>> = d
        .queue
        .iter()
        .map(|w| {
            let mut r = vec![
                w.id.to_string(),
                html::datetime(w.created_at, offset),
                format!("<a href=\"/admin/members/{}\">{}</a>", w.member_id, esc(&w.member_name)),
                yuan(w.amount),
            ];
            if v.is_admin() {
                let action = format!("/admin/withdrawals/{}", w.id);
                let mut cell = html::form_open(&v, &action, "inline approve");
                let _ = write!(
                    cell,
                    "<input type=hidden name=action value=approve><button type=submit data-id={}>通过</button></form> ",
                    w.id
                );
                cell.push_str(&html::form_open(&v, &action, "inline reject"));
                cell.push_str(
                    "<input type=hidden name=action value=reject><input name=reason required maxlength=200 \
                     placeholder=驳回原因 size=10><button type=submit>驳回</button></form>",
                );
                r.push(cell);
            }
            r
        })
        .collect();
    let mut headers = vec!["编号", "申请时间", "会员", "金额（元）"];
    if v.is_admin() {
        headers.push("审核");
    }
    b.push_str(&html::table(&headers, &rows));
    b.push_str("<h2>已处理</h2>");
    let rows: Vec<Vec<String>> = d
        .decided
        .iter()
        .map(|w| {
            vec![
                w.id.to_string(),
                w.decided_at.map(|t| html::datetime(t, offset)).unwrap_or_default(),
                format!("<a href=\"/admin/members/{}\">{}</a>", w.member_id, esc(&w.member_name)),
                yuan(w.amount),
                if w.status == status::APPROVED {
                    "<b class=ok>已通过</b>".into()
                } else {
                    "<b class=warn>已驳回</b>".into()
                },
                esc(&w.reason),
                esc(w.decided_by.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "处理时间", "会员", "金额（元）", "结果", "原因", "审核人"], &rows));
    Ok(html::page(&v, "/admin/withdrawals", "提现审核", &b))
}

pub async fn decide_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Redirect, PageError> {
    let msg = match decide(&st, &v, id, &d).await {
        Ok(w) if w.status == status::APPROVED => format!("已通过 {} 号提现（{} 元）", w.id, yuan(w.amount)),
        Ok(w) => format!("已驳回 {} 号提现", w.id),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/withdrawals?msg={}", urlenc(&msg))))
}
