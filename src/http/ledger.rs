//! Admin API of the ledger (bearer token, see `auth::require_admin`): withdrawal requests and their decisions,
//! the finance log and the orders clawed back after settlement.

use super::AppState;
use super::auth::require_admin;
use super::error::AppError;
use crate::ledger::{Ledger, LedgerError};
use crate::store::StoreError;
use crate::store::withdrawals::{FinanceLogEntry, Withdrawal, status};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Longest rejection reason, in characters.
const MAX_REASON_CHARS: usize = 200;
const LIST_LIMIT: i64 = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/withdrawals", get(list))
        .route("/admin/api/withdrawals/{id}/approve", post(approve))
        .route("/admin/api/withdrawals/{id}/reject", post(reject))
        .route("/admin/api/finance-log", get(finance_log))
}

fn ledger(st: &AppState) -> Ledger {
    Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours)
}

#[derive(Serialize)]
struct WithdrawalView {
    id: i64,
    member_id: i64,
    amount_fen: i64,
    status: String,
    reason: String,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    created_at: i64,
}

impl From<Withdrawal> for WithdrawalView {
    fn from(w: Withdrawal) -> Self {
        WithdrawalView {
            id: w.id,
            member_id: w.member_id,
            amount_fen: w.amount.0,
            status: w.status,
            reason: w.reason,
            decided_by: w.decided_by,
            decided_at: w.decided_at,
            created_at: w.created_at,
        }
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<WithdrawalView>>, AppError> {
    require_admin(&st, &headers)?;
    let wanted = q.status.as_deref().unwrap_or(status::OPEN);
    if ![status::OPEN, status::APPROVED, status::REJECTED].contains(&wanted) {
        return Err(AppError::BadRequest("status must be open, approved or rejected".into()));
    }
    let rows = st.store.withdrawals_with_status(wanted, LIST_LIMIT).await?;
    Ok(Json(rows.into_iter().map(WithdrawalView::from).collect()))
}

fn decision_error(e: LedgerError) -> AppError {
    match e {
        LedgerError::Store(StoreError::NotFound) => AppError::NotFound,
        LedgerError::Store(e) => e.into(),
    }
}

async fn approve(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<WithdrawalView>, AppError> {
    require_admin(&st, &headers)?;
    let w = ledger(&st).decide_withdrawal(id, true, "admin-api", "").await.map_err(decision_error)?;
    Ok(Json(w.into()))
}

#[derive(Deserialize)]
struct RejectBody {
    reason: String,
}

async fn reject(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<RejectBody>,
) -> Result<Json<WithdrawalView>, AppError> {
    require_admin(&st, &headers)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::BadRequest(format!("reason must be 1..={MAX_REASON_CHARS} characters")));
    }
    let w = ledger(&st).decide_withdrawal(id, false, "admin-api", reason).await.map_err(decision_error)?;
    Ok(Json(w.into()))
}

#[derive(Serialize)]
struct FinanceLogView {
    id: i64,
    withdrawal_id: i64,
    member_id: i64,
    action: String,
    amount_fen: i64,
    actor: String,
    reason: String,
    created_at: i64,
}

async fn finance_log(State(st): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<FinanceLogView>>, AppError> {
    require_admin(&st, &headers)?;
    let rows = st.store.finance_log(LIST_LIMIT).await?;
    Ok(Json(
        rows.into_iter()
            .map(|e: FinanceLogEntry| FinanceLogView {
                id: e.id,
                withdrawal_id: e.withdrawal_id,
                member_id: e.member_id,
                action: e.action,
                amount_fen: e.amount.0,
                actor: e.actor,
                reason: e.reason,
                created_at: e.created_at,
            })
            .collect(),
    ))
}
