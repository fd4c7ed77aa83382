//! A settled adjustment of one member's money outside an order's split (a 免单 subsidy, points exchanged, an
//! invite bonus, and their clawbacks): a credit pays back debt first, a charge takes what is available and records
//! the rest as debt. Written as a ledger entry (idempotent by its key) inside the caller's transaction.

use super::ledger::{AccountKind, Movement, balance_for_update, post};
use super::{Dialect, StoreResult};
use crate::ledger::rules::adjustment;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

pub(super) struct MemberAdjustment<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub member_id: i64,
    pub order_id: Option<i64>,
    /// 分; negative for a charge.
    pub delta: i64,
    /// A clawback, for the operator's attention.
    pub flagged: bool,
}

/// Marks the paid reward of `order_id` in `table` (a 免单 payout, an invite reward) as clawed back, in `tx`: the
/// row's `returning` columns, or `None` when the order had no paid reward there.
pub(super) async fn mark_clawed_back(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    returning: &str,
    order_id: i64,
    now: i64,
) -> StoreResult<Option<AnyRow>> {
    let sql = format!(
        "UPDATE {table} SET status = 'clawed_back', updated_at = $1
         WHERE order_id = $2 AND status = 'paid' RETURNING {returning}"
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(order_id).fetch_optional(&mut **tx).await?)
}

/// Books `a`; false when its key was booked before.
pub(super) async fn adjust(
    tx: &mut Transaction<'_, Any>,
    dialect: Dialect,
    a: MemberAdjustment<'_>,
    now: i64,
) -> StoreResult<bool> {
    let account = (AccountKind::Member, a.member_id);
    let balance = balance_for_update(tx, dialect, account).await?;
    let m = Movement {
        key: a.key,
        account,
        kind: a.kind,
        order_id: a.order_id,
        withdrawal_id: None,
        delta: adjustment(true, balance, a.delta),
        flagged: a.flagged,
    };
    post(tx, &m, now).await
}
