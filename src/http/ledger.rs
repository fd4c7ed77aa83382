//! Admin API of the ledger (bearer token, see `auth::require_admin`): the finance log of withdrawal requests and
//! decisions. The withdrawals themselves are decided on the dashboard stack (`admin::withdrawals`).

use super::AppState;
use super::auth::require_admin;
use super::error::AppError;
use crate::store::withdrawals::FinanceLogEntry;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

const LIST_LIMIT: i64 = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/api/finance-log", get(finance_log))
}

#[derive(Serialize)]
struct FinanceLogView {
    id: i64,
    withdrawal_id: i64,
    account_kind: &'static str,
    account_id: i64,
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
                account_kind: e.account_kind.code(),
                account_id: e.account_id,
                action: e.action,
                amount_fen: e.amount.0,
                actor: e.actor,
                reason: e.reason,
                created_at: e.created_at,
            })
            .collect(),
    ))
}
