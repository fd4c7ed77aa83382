//! The points ledger: append-only entries, idempotent by `(kind, source)`, and a running balance per member
//! that never goes negative (checked when spending, and by a CHECK constraint).

use super::{Store, StoreResult, col};
use sqlx::{Any, Transaction};

/// Ledger entry kinds.
pub mod kind {
    pub const CHECKIN: &str = "checkin";
    pub const STREAK_BONUS: &str = "streak_bonus";
    pub const INVITE: &str = "invite";
}

/// What happened to an award or a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsOutcome {
    /// Booked; the member's balance now.
    Applied { balance: i64 },
    /// This `(kind, source)` was booked before: nothing changed.
    Duplicate,
    /// A charge larger than the balance: nothing changed.
    Insufficient,
}

/// One ledger line, for 积分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsEntry {
    pub kind: String,
    pub source: String,
    pub delta: i64,
    pub created_at: i64,
}

/// An entry to book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPoints<'a> {
    pub member_id: i64,
    pub kind: &'a str,
    pub source: &'a str,
    pub delta: i64,
    pub group_id: Option<i64>,
}

/// Books `p` inside `tx`. On [`PointsOutcome::Insufficient`] the ledger line was written: the caller must roll
/// back (see [`Store::book_points`]).
pub(super) async fn book_in(tx: &mut Transaction<'_, Any>, p: NewPoints<'_>, now: i64) -> StoreResult<PointsOutcome> {
    let inserted = sqlx::query(
        "INSERT INTO points_ledger (member_id, kind, source, delta, group_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (kind, source) DO NOTHING RETURNING id",
    )
    .bind(p.member_id)
    .bind(p.kind)
    .bind(p.source)
    .bind(p.delta)
    .bind(p.group_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if inserted.is_none() {
        return Ok(PointsOutcome::Duplicate);
    }
    if p.delta < 0 {
        let row = sqlx::query(
            "UPDATE points_balances SET balance = balance + $1, updated_at = $2
             WHERE member_id = $3 AND balance + $1 >= 0 RETURNING balance",
        )
        .bind(p.delta)
        .bind(now)
        .bind(p.member_id)
        .fetch_optional(&mut **tx)
        .await?;
        return match row {
            Some(r) => Ok(PointsOutcome::Applied { balance: col(&r, "balance")? }),
            None => Ok(PointsOutcome::Insufficient),
        };
    }
    let row = sqlx::query(
        "INSERT INTO points_balances (member_id, balance, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (member_id) DO UPDATE SET balance = points_balances.balance + excluded.balance,
             updated_at = excluded.updated_at
         RETURNING balance",
    )
    .bind(p.member_id)
    .bind(p.delta)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(PointsOutcome::Applied { balance: col(&row, "balance")? })
}

impl Store {
    /// Books an award (positive) or a charge (negative) once per `(kind, source)`.
    pub async fn book_points(&self, p: NewPoints<'_>, now: i64) -> StoreResult<PointsOutcome> {
        let mut tx = self.pool.begin().await?;
        let outcome = book_in(&mut tx, p, now).await?;
        match outcome {
            PointsOutcome::Applied { .. } => tx.commit().await?,
            PointsOutcome::Duplicate | PointsOutcome::Insufficient => tx.rollback().await?,
        }
        Ok(outcome)
    }

    pub async fn points_balance(&self, member_id: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT balance FROM points_balances WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "balance")).transpose().map(Option::unwrap_or_default)
    }

    /// The member's latest ledger lines, newest first.
    pub async fn recent_points(&self, member_id: i64, limit: i64) -> StoreResult<Vec<PointsEntry>> {
        let rows = sqlx::query(
            "SELECT kind, source, delta, created_at FROM points_ledger WHERE member_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(member_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PointsEntry {
                    kind: col(r, "kind")?,
                    source: col(r, "source")?,
                    delta: col(r, "delta")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// The ledger's sum for the member: equals [`Store::points_balance`] (checked by tests).
    pub async fn points_ledger_sum(&self, member_id: i64) -> StoreResult<i64> {
        // PostgreSQL sums BIGINT into NUMERIC: cast back.
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS total FROM points_ledger WHERE member_id = $1",
        )
        .bind(member_id)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "total")
    }
}
