//! Invites (拉新): who brought whom into a group. The first inviter is kept and re-joins are counted; the
//! inviter's points are booked once per newcomer, in the same transaction.

use super::points::{NewPoints, PointsOutcome, book_in, kind};
use super::{Store, StoreResult, col};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewJoin {
    pub group_id: i64,
    pub invitee_id: i64,
    pub inviter_id: Option<i64>,
    /// Points for the inviter (0 for none).
    pub points: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinOutcome {
    /// How often the newcomer joined this group, this time included.
    pub joins: i64,
    /// The inviter's balance when points were booked now.
    pub inviter_balance: Option<i64>,
}

impl Store {
    pub async fn record_join(&self, j: NewJoin, now: i64) -> StoreResult<JoinOutcome> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO invites (group_id, invitee_id, inviter_id, joins, created_at, updated_at)
             VALUES ($1, $2, $3, 1, $4, $4)
             ON CONFLICT (group_id, invitee_id) DO UPDATE SET joins = invites.joins + 1, updated_at = excluded.updated_at
             RETURNING joins",
        )
        .bind(j.group_id)
        .bind(j.invitee_id)
        .bind(j.inviter_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let joins: i64 = col(&row, "joins")?;
        let mut inviter_balance = None;
        if let Some(inviter) = j.inviter_id.filter(|i| *i != j.invitee_id && j.points > 0) {
            // Once per newcomer, whichever group and however often they join.
            let source = j.invitee_id.to_string();
            let p = NewPoints {
                member_id: inviter,
                kind: kind::INVITE,
                source: &source,
                delta: j.points,
                group_id: Some(j.group_id),
            };
            if let PointsOutcome::Applied { balance } = book_in(&mut tx, p, now).await? {
                inviter_balance = Some(balance);
            }
        }
        tx.commit().await?;
        Ok(JoinOutcome { joins, inviter_balance })
    }

    /// Newcomers the member brought into any group.
    pub async fn count_invites_by(&self, inviter_id: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM invites WHERE inviter_id = $1")
            .bind(inviter_id)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }
}
