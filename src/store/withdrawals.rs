//! Withdrawals (提现) of any ledger account that earns money: a member's rebate, a partner's share, an agent's
//! share. The account holder asks; an admin approves (in batches) or rejects with a reason; the request is paid
//! only when its payment (method and transfer reference) is recorded. Every step is written to the finance log.
//!
//! A request moves the amount from `available` to `withdrawing` with one conditional UPDATE
//! (`… WHERE available >= amount`), so a balance can never be overdrawn, also under concurrent requests; a
//! partial unique index allows one open request per account. Each decision is one conditional UPDATE on the
//! request's status, so a double click or two admins at once decide once.

use super::ledger::{AccountKind, Movement, post};
use super::{Store, StoreError, StoreResult, col};
use crate::ledger::rules::Buckets;
use crate::money::Fen;
use sqlx::any::AnyRow;

pub mod status {
    pub const OPEN: &str = "open";
    /// Approved, not paid yet: the money is still `withdrawing`.
    pub const APPROVED: &str = "approved";
    /// The payment is recorded: the money is `paid_out`.
    pub const PAID: &str = "paid";
    pub const REJECTED: &str = "rejected";
    pub const ALL: [&str; 4] = [OPEN, APPROVED, PAID, REJECTED];
}

/// The outcome of a withdrawal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithdrawalRequest {
    /// Recorded; the account's available balance after it.
    Accepted {
        id: i64,
        available: Fen,
    },
    /// The account already has an open request.
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
    /// Member, partner or agent.
    pub account_kind: AccountKind,
    /// The member's id, or the partner's id for partner and agent accounts.
    pub account_id: i64,
    pub amount: Fen,
    pub status: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub payment_method: Option<String>,
    pub payment_ref: Option<String>,
    pub paid_by: Option<String>,
    pub paid_at: Option<i64>,
    pub created_at: i64,
}

impl Withdrawal {
    /// The member, for a member's request.
    pub fn member_id(&self) -> Option<i64> {
        (self.account_kind == AccountKind::Member).then_some(self.account_id)
    }

    /// The partner (or agent), for a partner's or agent's request.
    pub fn partner_id(&self) -> Option<i64> {
        (self.account_kind != AccountKind::Member).then_some(self.account_id)
    }
}

/// One line of the finance log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceLogEntry {
    pub id: i64,
    pub withdrawal_id: i64,
    pub account_kind: AccountKind,
    pub account_id: i64,
    /// `requested`, `approved`, `paid` or `rejected`.
    pub action: String,
    pub amount: Fen,
    pub actor: String,
    pub reason: String,
    pub created_at: i64,
}

fn kind_of(code: &str) -> StoreResult<AccountKind> {
    AccountKind::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("account kind {code}")))
}

fn withdrawal_from_row(r: &AnyRow) -> StoreResult<Withdrawal> {
    Ok(Withdrawal {
        id: col(r, "id")?,
        account_kind: kind_of(&col::<String>(r, "account_kind")?)?,
        account_id: col(r, "account_id")?,
        amount: Fen(col(r, "amount")?),
        status: col(r, "status")?,
        reason: col(r, "reason")?,
        decided_by: col(r, "decided_by")?,
        decided_at: col(r, "decided_at")?,
        payment_method: col(r, "payment_method")?,
        payment_ref: col(r, "payment_ref")?,
        paid_by: col(r, "paid_by")?,
        paid_at: col(r, "paid_at")?,
        created_at: col(r, "created_at")?,
    })
}

const WITHDRAWAL_COLUMNS: &str = "id, account_kind, account_id, amount, status, reason, decided_by, decided_at, \
    payment_method, payment_ref, paid_by, paid_at, created_at";

/// A decision's conditional `UPDATE withdrawals SET {set_where}`, returning the request as decided.
fn decision_sql(set_where: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("UPDATE withdrawals SET {set_where} RETURNING {WITHDRAWAL_COLUMNS}"))
}

/// Runs a decision ([`decision_sql`]) in `tx`: the request as decided, or `NotFound` when no request was in the
/// status the decision requires (the transaction then rolls back when dropped).
async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    update: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
) -> StoreResult<Withdrawal> {
    let row = update.fetch_optional(&mut **tx).await?;
    row.as_ref().map(withdrawal_from_row).transpose()?.ok_or(StoreError::NotFound)
}

async fn log(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    w: &Withdrawal,
    action: &str,
    actor: &str,
    reason: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO finance_log (withdrawal_id, account_kind, account_id, action, amount, actor, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(w.id)
    .bind(w.account_kind.code())
    .bind(w.account_id)
    .bind(action)
    .bind(w.amount.0)
    .bind(actor)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a decided request's money on its account (entry key `w<id>:<status>`, so once).
async fn move_money(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    w: &Withdrawal,
    delta: Buckets,
    now: i64,
) -> StoreResult<()> {
    let key = format!("w{}:{}", w.id, w.status);
    let m = Movement {
        key: &key,
        account: (w.account_kind, w.account_id),
        kind: "withdrawal",
        order_id: None,
        withdrawal_id: Some(w.id),
        delta,
        flagged: false,
    };
    post(tx, &m, now).await?;
    Ok(())
}

/// How a payment was made: method (e.g. 银行转账, 支付宝, 微信) and the transfer's reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment<'a> {
    pub method: &'a str,
    pub reference: &'a str,
}

impl Store {
    /// Records a request of `amount` (> 0) on the account, moving it from available to withdrawing.
    pub async fn request_withdrawal(
        &self,
        account: (AccountKind, i64),
        amount: Fen,
        now: i64,
    ) -> StoreResult<WithdrawalRequest> {
        if amount.0 <= 0 {
            return Err(StoreError::Conflict("a withdrawal must be positive".into()));
        }
        if account.0 == AccountKind::Operator {
            return Err(StoreError::Conflict("the operator's remainder is not withdrawn".into()));
        }
        let (kind, account_id) = (account.0.code(), account.1);
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO withdrawals (account_kind, account_id, amount, status, created_at, updated_at)
             VALUES ($1, $2, $3, 'open', $4, $4)
             ON CONFLICT (account_kind, account_id) WHERE status = 'open' DO NOTHING RETURNING id",
        )
        .bind(kind)
        .bind(account_id)
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
             WHERE account_kind = $3 AND account_id = $4 AND available >= $1 RETURNING available",
        )
        .bind(amount.0)
        .bind(now)
        .bind(kind)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(taken) = taken else {
            tx.rollback().await?;
            let available = self.ledger_balance(account.0, account_id).await?.available;
            return Ok(WithdrawalRequest::Insufficient { available: Fen(available) });
        };
        let available: i64 = col(&taken, "available")?;
        sqlx::query(
            "INSERT INTO ledger_entries (entry_key, account_kind, account_id, kind, withdrawal_id, available_delta,
                 withdrawing_delta, created_at)
             VALUES ($1, $2, $3, 'withdrawal', $4, $5, $6, $7)",
        )
        .bind(format!("w{id}:requested"))
        .bind(kind)
        .bind(account_id)
        .bind(id)
        .bind(-amount.0)
        .bind(amount.0)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let w = Withdrawal {
            id,
            account_kind: account.0,
            account_id,
            amount,
            status: status::OPEN.into(),
            reason: String::new(),
            decided_by: None,
            decided_at: None,
            payment_method: None,
            payment_ref: None,
            paid_by: None,
            paid_at: None,
            created_at: now,
        };
        log(&mut tx, &w, "requested", &format!("{kind}:{account_id}"), "", now).await?;
        tx.commit().await?;
        Ok(WithdrawalRequest::Accepted { id, available: Fen(available) })
    }

    /// Approves an open request: the money stays `withdrawing` until its payment is recorded. `NotFound` when
    /// there is no such open request.
    pub async fn approve_withdrawal(&self, id: i64, actor: &str, now: i64) -> StoreResult<Withdrawal> {
        let mut tx = self.pool.begin().await?;
        let sql = decision_sql(
            "status = 'approved', decided_by = $1, decided_at = $2, updated_at = $2 WHERE id = $3 AND status = 'open'",
        );
        let w = decide(&mut tx, sqlx::query(sql).bind(actor).bind(now).bind(id)).await?;
        log(&mut tx, &w, status::APPROVED, actor, "", now).await?;
        tx.commit().await?;
        Ok(w)
    }

    /// Rejects an open or approved (unpaid) request with a reason: the money goes back to available. `NotFound`
    /// when there is no such request.
    pub async fn reject_withdrawal(&self, id: i64, actor: &str, reason: &str, now: i64) -> StoreResult<Withdrawal> {
        let mut tx = self.pool.begin().await?;
        let sql = decision_sql(
            "status = 'rejected', reason = $1, decided_by = $2, decided_at = $3, updated_at = $3
             WHERE id = $4 AND status IN ('open', 'approved')",
        );
        let w = decide(&mut tx, sqlx::query(sql).bind(reason).bind(actor).bind(now).bind(id)).await?;
        let delta = Buckets { withdrawing: -w.amount.0, available: w.amount.0, ..Buckets::default() };
        move_money(&mut tx, &w, delta, now).await?;
        log(&mut tx, &w, status::REJECTED, actor, reason, now).await?;
        tx.commit().await?;
        Ok(w)
    }

    /// Records the payment of an approved request: the money moves from withdrawing to paid out (a member's on
    /// `day` of the daily rollup). `NotFound` when there is no such approved request.
    pub async fn record_payment(
        &self,
        id: i64,
        payment: &Payment<'_>,
        actor: &str,
        day: i64,
        now: i64,
    ) -> StoreResult<Withdrawal> {
        let mut tx = self.pool.begin().await?;
        let sql = decision_sql(
            "status = 'paid', payment_method = $1, payment_ref = $2, paid_by = $3, paid_at = $4, updated_at = $4
             WHERE id = $5 AND status = 'approved'",
        );
        let update = sqlx::query(sql).bind(payment.method).bind(payment.reference).bind(actor).bind(now).bind(id);
        let w = decide(&mut tx, update).await?;
        let delta = Buckets { withdrawing: -w.amount.0, paid_out: w.amount.0, ..Buckets::default() };
        move_money(&mut tx, &w, delta, now).await?;
        if let Some(member_id) = w.member_id() {
            sqlx::query(
                "INSERT INTO money_daily (day, platform, group_id, partner_id, member_id, rebate_paid)
                 VALUES ($1, '', 0, 0, $2, $3)
                 ON CONFLICT (day, platform, group_id, partner_id, member_id) DO UPDATE SET
                     rebate_paid = money_daily.rebate_paid + excluded.rebate_paid",
            )
            .bind(day)
            .bind(member_id)
            .bind(w.amount.0)
            .execute(&mut *tx)
            .await?;
        }
        let note = format!("{} {}", payment.method, payment.reference);
        log(&mut tx, &w, status::PAID, actor, &note, now).await?;
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

    /// The account's withdrawals, newest first.
    pub async fn account_withdrawals(&self, account: (AccountKind, i64), limit: i64) -> StoreResult<Vec<Withdrawal>> {
        let sql = format!(
            "SELECT {WITHDRAWAL_COLUMNS} FROM withdrawals WHERE account_kind = $1 AND account_id = $2
             ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.0.code())
            .bind(account.1)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(withdrawal_from_row).collect()
    }

    /// The finance log, newest first.
    pub async fn finance_log(&self, limit: i64) -> StoreResult<Vec<FinanceLogEntry>> {
        let rows = sqlx::query(
            "SELECT id, withdrawal_id, account_kind, account_id, action, amount, actor, reason, created_at
             FROM finance_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FinanceLogEntry {
                    id: col(r, "id")?,
                    withdrawal_id: col(r, "withdrawal_id")?,
                    account_kind: kind_of(&col::<String>(r, "account_kind")?)?,
                    account_id: col(r, "account_id")?,
                    action: col(r, "action")?,
                    amount: Fen(col(r, "amount")?),
                    actor: col(r, "actor")?,
                    reason: col(r, "reason")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Where to tell an account holder about their withdrawal: the member, or the member row of the partner's
    /// wxid (see [`Store::notice_target`]).
    pub async fn account_notice_target(
        &self,
        account: (AccountKind, i64),
    ) -> StoreResult<Option<super::ledger::NoticeTarget>> {
        let member = match account.0 {
            AccountKind::Member => Some(account.1),
            AccountKind::Partner | AccountKind::Agent => sqlx::query(
                "SELECT m.id FROM members m JOIN partners p ON p.wxid = m.wxid WHERE p.id = $1 ORDER BY m.id LIMIT 1",
            )
            .bind(account.1)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| col::<i64>(&r, "id"))
            .transpose()?,
            AccountKind::Operator => None,
        };
        match member {
            Some(m) => self.notice_target(None, m).await,
            None => Ok(None),
        }
    }
}
