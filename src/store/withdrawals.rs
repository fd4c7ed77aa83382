//! Withdrawals (提现): a member asks, an admin approves or rejects with a reason; every step is written to the
//! finance log.
//!
//! A request moves the amount from `available` to `withdrawing` with one conditional UPDATE
//! (`… WHERE available >= amount`), so a balance can never be overdrawn, also under concurrent requests; a
//! partial unique index allows one open request per member.

use super::ledger::{AccountKind, Movement, post};
use super::{Store, StoreError, StoreResult, col};
use crate::ledger::rules::Buckets;
use crate::money::Fen;
use sqlx::any::AnyRow;

pub mod status {
    pub const OPEN: &str = "open";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
}

/// The outcome of a withdrawal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithdrawalRequest {
    /// Recorded; the member's available balance after it.
    Accepted {
        id: i64,
        available: Fen,
    },
    /// The member already has an open request.
    AlreadyOpen,
    /// More than the available balance: nothing changed.
    Insufficient {
        available: Fen,
    },
    /// Outside the configured limits (checked by the ledger before the store is asked).
    BelowMinimum {
        min: Fen,
    },
    AboveMaximum {
        max: Fen,
    },
}

/// A withdrawal request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub id: i64,
    pub member_id: i64,
    pub amount: Fen,
    pub status: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// One line of the finance log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceLogEntry {
    pub id: i64,
    pub withdrawal_id: i64,
    pub member_id: i64,
    /// `requested`, `approved` or `rejected`.
    pub action: String,
    pub amount: Fen,
    pub actor: String,
    pub reason: String,
    pub created_at: i64,
}

fn withdrawal_from_row(r: &AnyRow) -> StoreResult<Withdrawal> {
    Ok(Withdrawal {
        id: col(r, "id")?,
        member_id: col(r, "member_id")?,
        amount: Fen(col(r, "amount")?),
        status: col(r, "status")?,
        reason: col(r, "reason")?,
        decided_by: col(r, "decided_by")?,
        decided_at: col(r, "decided_at")?,
        created_at: col(r, "created_at")?,
    })
}

const WITHDRAWAL_COLUMNS: &str = "id, member_id, amount, status, reason, decided_by, decided_at, created_at";

async fn log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    w: &Withdrawal,
    action: &str,
    actor: &str,
    reason: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO finance_log (withdrawal_id, member_id, action, amount, actor, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(w.id)
    .bind(w.member_id)
    .bind(action)
    .bind(w.amount.0)
    .bind(actor)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a request of `amount` (> 0) by the member, moving it from available to withdrawing.
    pub async fn request_withdrawal(&self, member_id: i64, amount: Fen, now: i64) -> StoreResult<WithdrawalRequest> {
        if amount.0 <= 0 {
            return Err(StoreError::Conflict("a withdrawal must be positive".into()));
        }
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO withdrawals (member_id, amount, status, created_at, updated_at)
             VALUES ($1, $2, 'open', $3, $3)
             ON CONFLICT (member_id) WHERE status = 'open' DO NOTHING RETURNING id",
        )
        .bind(member_id)
        .bind(amount.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(WithdrawalRequest::AlreadyOpen);
        };
        let id: i64 = col(&row, "id")?;
        let taken = sqlx::query(
            "UPDATE ledger_balances SET available = available - $1, withdrawing = withdrawing + $1, updated_at = $2
             WHERE account_kind = 'member' AND account_id = $3 AND available >= $1 RETURNING available",
        )
        .bind(amount.0)
        .bind(now)
        .bind(member_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(taken) = taken else {
            tx.rollback().await?;
            let available = self.ledger_balance(AccountKind::Member, member_id).await?.available;
            return Ok(WithdrawalRequest::Insufficient { available: Fen(available) });
        };
        let available: i64 = col(&taken, "available")?;
        sqlx::query(
            "INSERT INTO ledger_entries (entry_key, account_kind, account_id, kind, withdrawal_id, available_delta,
                 withdrawing_delta, created_at)
             VALUES ($1, 'member', $2, 'withdrawal', $3, $4, $5, $6)",
        )
        .bind(format!("w{id}:requested"))
        .bind(member_id)
        .bind(id)
        .bind(-amount.0)
        .bind(amount.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let w = Withdrawal {
            id,
            member_id,
            amount,
            status: status::OPEN.into(),
            reason: String::new(),
            decided_by: None,
            decided_at: None,
            created_at: now,
        };
        log(&mut tx, &w, "requested", &format!("member:{member_id}"), "", now).await?;
        tx.commit().await?;
        Ok(WithdrawalRequest::Accepted { id, available: Fen(available) })
    }

    /// Approves (paid out) or rejects (back to available) an open request. `NotFound` when there is no such open
    /// request; a decided request is never decided again.
    pub async fn decide_withdrawal(
        &self,
        id: i64,
        approve: bool,
        actor: &str,
        reason: &str,
        day: i64,
        now: i64,
    ) -> StoreResult<Withdrawal> {
        let new_status = if approve { status::APPROVED } else { status::REJECTED };
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE withdrawals SET status = $1, reason = $2, decided_by = $3, decided_at = $4, updated_at = $4
             WHERE id = $5 AND status = 'open' RETURNING {WITHDRAWAL_COLUMNS}"
        )))
        .bind(new_status)
        .bind(reason)
        .bind(actor)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let w = withdrawal_from_row(&row)?;
        let delta = if approve {
            Buckets { withdrawing: -w.amount.0, paid_out: w.amount.0, ..Buckets::default() }
        } else {
            Buckets { withdrawing: -w.amount.0, available: w.amount.0, ..Buckets::default() }
        };
        let key = format!("w{id}:{new_status}");
        let m = Movement {
            key: &key,
            account: (AccountKind::Member, w.member_id),
            kind: "withdrawal",
            order_id: None,
            withdrawal_id: Some(id),
            delta,
            flagged: false,
        };
        post(&mut tx, &m, now).await?;
        if approve {
            sqlx::query(
                "INSERT INTO money_daily (day, platform, group_id, partner_id, member_id, rebate_paid)
                 VALUES ($1, '', 0, 0, $2, $3)
                 ON CONFLICT (day, platform, group_id, partner_id, member_id) DO UPDATE SET
                     rebate_paid = money_daily.rebate_paid + excluded.rebate_paid",
            )
            .bind(day)
            .bind(w.member_id)
            .bind(w.amount.0)
            .execute(&mut *tx)
            .await?;
        }
        log(&mut tx, &w, new_status, actor, reason, now).await?;
        tx.commit().await?;
        Ok(w)
    }

    pub async fn withdrawal(&self, id: i64) -> StoreResult<Withdrawal> {
        let sql = format!("SELECT {WITHDRAWAL_COLUMNS} FROM withdrawals WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| withdrawal_from_row(&r)).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Withdrawals with this status, oldest first.
    pub async fn withdrawals_with_status(&self, status: &str, limit: i64) -> StoreResult<Vec<Withdrawal>> {
        let sql = format!("SELECT {WITHDRAWAL_COLUMNS} FROM withdrawals WHERE status = $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(status).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(withdrawal_from_row).collect()
    }

    /// The finance log, newest first.
    pub async fn finance_log(&self, limit: i64) -> StoreResult<Vec<FinanceLogEntry>> {
        let rows = sqlx::query(
            "SELECT id, withdrawal_id, member_id, action, amount, actor, reason, created_at FROM finance_log
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FinanceLogEntry {
                    id: col(r, "id")?,
                    withdrawal_id: col(r, "withdrawal_id")?,
                    member_id: col(r, "member_id")?,
                    action: col(r, "action")?,
                    amount: Fen(col(r, "amount")?),
                    actor: col(r, "actor")?,
                    reason: col(r, "reason")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }
}
