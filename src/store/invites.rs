//! Invites (拉新): who brought whom into a group. The first inviter is kept and re-joins are counted; the
//! inviter's points are booked once per newcomer, in the same transaction. Newcomers who leave are noted (a
//! removal notice, or a member sync that no longer lists them): `left_at` while away, `first_left_at` for ever.

use std::collections::HashSet;

use sqlx::{Any, Transaction};

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
             ON CONFLICT (group_id, invitee_id) DO UPDATE SET joins = invites.joins + 1, left_at = NULL,
                 updated_at = excluded.updated_at
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

    /// The member `wxid` left or was removed from the group: noted on their invitation (if any) unless they are
    /// already away. True when noted.
    pub async fn record_leave(&self, group_id: i64, wxid: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE invites SET left_at = $3, first_left_at = COALESCE(first_left_at, $3), updated_at = $3
             WHERE group_id = $1 AND invitee_id = (SELECT id FROM members WHERE wxid = $2) AND left_at IS NULL",
        )
        .bind(group_id)
        .bind(wxid)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// When the member's invitation into the group was noted as left (while they are away), if ever.
    pub async fn invite_left_at(&self, group_id: i64, invitee_id: i64) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT left_at FROM invites WHERE group_id = $1 AND invitee_id = $2")
            .bind(group_id)
            .bind(invitee_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| col::<Option<i64>>(&r, "left_at")).transpose()?.flatten())
    }
}

/// A member list of the group synced at `now`: newcomers invited before it and missing from `present` are noted
/// as left; those listed again are back. An empty list (a gateway hiccup) notes nobody.
pub(super) async fn note_departures(
    tx: &mut Transaction<'_, Any>,
    group_id: i64,
    present: &HashSet<i64>,
    now: i64,
) -> StoreResult<()> {
    if present.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query("SELECT invitee_id, left_at FROM invites WHERE group_id = $1 AND created_at <= $2")
        .bind(group_id)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
    for r in &rows {
        let (invitee_id, left_at): (i64, Option<i64>) = (col(r, "invitee_id")?, col(r, "left_at")?);
        let sql = match (present.contains(&invitee_id), left_at) {
            (false, None) => {
                "UPDATE invites SET left_at = $3, first_left_at = COALESCE(first_left_at, $3), updated_at = $3
                 WHERE group_id = $1 AND invitee_id = $2"
            }
            (true, Some(_)) => {
                "UPDATE invites SET left_at = NULL, updated_at = $3 WHERE group_id = $1 AND invitee_id = $2"
            }
            _ => continue,
        };
        sqlx::query(sql).bind(group_id).bind(invitee_id).bind(now).execute(&mut **tx).await?;
    }
    Ok(())
}
