//! 提现日志: every request and decision on a withdrawal (who asked or decided, when, how much, why), newest first.
//! Admin only; JSON at `/admin/api/finance-log`.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::session::Admin;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use maud::{Markup, html};
use serde::Serialize;

const SHOWN: i64 = 200;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogLine {
    pub id: i64,
    pub withdrawal_id: i64,
    pub account_kind: &'static str,
    pub account_id: i64,
    /// `requested`, `approved`, `paid` or `rejected`.
    pub action: String,
    pub amount_fen: i64,
    pub actor: String,
    pub reason: String,
    pub created_at: i64,
}

pub async fn data(st: &AppState, _v: &Admin) -> Result<Vec<LogLine>, AdminError> {
    let rows = st.store.finance_log(SHOWN).await?;
    Ok(rows
        .into_iter()
        .map(|e| LogLine {
            id: e.id,
            withdrawal_id: e.withdrawal_id,
            account_kind: e.account_kind.code(),
            account_id: e.account_id,
            action: e.action,
            amount_fen: e.amount.0,
            actor: e.actor,
            reason: e.reason,
            created_at: e.created_at,
        })
        .collect())
}

fn action_label(action: &str) -> &str {
    match action {
        "requested" => m::ACTION_REQUESTED,
        "approved" => m::ACTION_APPROVED,
        "paid" => m::ACTION_PAID,
        "rejected" => m::ACTION_REJECTED,
        other => other,
    }
}

pub async fn page(State(st): State<AppState>, v: Admin) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let rows: Vec<Vec<Markup>> = data(&st, &v)
        .await?
        .into_iter()
        .map(|l| {
            let kind = crate::store::ledger::AccountKind::from_code(l.account_kind).map_or("", |k| k.label());
            vec![
                html! { (format::datetime(l.created_at, offset)) },
                html! { a href={ "/admin/withdrawals#w" (l.withdrawal_id) } { "#" (l.withdrawal_id) } },
                html! { (kind) " " (l.account_id) },
                html! { (action_label(&l.action)) },
                html! { (yuan(crate::money::Fen(l.amount_fen))) },
                html! { (l.actor) },
                html! { (l.reason) },
            ]
        })
        .collect();
    let body = view::table(m::WITHDRAWAL_LOG_COLUMNS, &rows);
    Ok(view::page(&v, "/admin/withdrawal-log", m::WITHDRAWAL_LOG, body))
}

/// Withdrawal log: every request and decision on withdrawals, newest first.
#[utoipa::path(
    get,
    path = "/admin/api/finance-log",
    tag = "withdrawals",
    responses((status = 200, body = Vec<LogLine>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api(State(st): State<AppState>, v: Admin) -> Result<Json<Vec<LogLine>>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
