//! Leaderboards (排行榜): members ranked by check-in days and by newcomers brought in over a period.

use super::{Store, StoreResult, col};

/// One line of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub member_id: i64,
    pub nickname: String,
    pub count: i64,
}

fn ranked(rows: &[sqlx::any::AnyRow]) -> StoreResult<Vec<Ranked>> {
    rows.iter()
        .map(|r| Ok(Ranked { member_id: col(r, "member_id")?, nickname: col(r, "nickname")?, count: col(r, "n")? }))
        .collect()
}

impl Store {
    /// Members by check-in days in `[first_day, next_day)`, in `group_id` (`None`: every group); ties by who
    /// reached the count first.
    pub async fn checkin_board(
        &self,
        group_id: Option<i64>,
        first_day: i64,
        next_day: i64,
        size: i64,
    ) -> StoreResult<Vec<Ranked>> {
        let rows = sqlx::query(
            "SELECT c.member_id, COALESCE(m.nickname, '') AS nickname, COUNT(*) AS n, MAX(c.created_at) AS last_at
             FROM checkins c LEFT JOIN members m ON m.id = c.member_id
             WHERE c.day >= $1 AND c.day < $2 AND ($3 = 0 OR c.group_id = $3)
             GROUP BY c.member_id, m.nickname ORDER BY n DESC, last_at ASC, c.member_id ASC LIMIT $4",
        )
        .bind(first_day)
        .bind(next_day)
        .bind(group_id.unwrap_or(0))
        .bind(size)
        .fetch_all(self.reader())
        .await?;
        ranked(&rows)
    }

    /// Inviters by newcomers who first joined in `[from_ms, to_ms)`, in `group_id` (`None`: every group). A
    /// newcomer counts once for their first inviter: re-joins (whoever brings them back) do not count, nor do
    /// newcomers who left within `min_stay_ms` of joining.
    pub async fn invite_board(
        &self,
        group_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
        size: i64,
        min_stay_ms: i64,
    ) -> StoreResult<Vec<Ranked>> {
        let rows = sqlx::query(
            "SELECT i.inviter_id AS member_id, COALESCE(m.nickname, '') AS nickname, COUNT(DISTINCT i.invitee_id) AS n,
                 MAX(i.created_at) AS last_at
             FROM invites i LEFT JOIN members m ON m.id = i.inviter_id
             WHERE i.inviter_id IS NOT NULL AND i.inviter_id <> i.invitee_id
               AND i.created_at >= $1 AND i.created_at < $2 AND ($3 = 0 OR i.group_id = $3)
               AND (i.first_left_at IS NULL OR i.first_left_at >= i.created_at + $5)
             GROUP BY i.inviter_id, m.nickname ORDER BY n DESC, last_at ASC, i.inviter_id ASC LIMIT $4",
        )
        .bind(from_ms)
        .bind(to_ms)
        .bind(group_id.unwrap_or(0))
        .bind(size)
        .bind(min_stay_ms)
        .fetch_all(self.reader())
        .await?;
        ranked(&rows)
    }
}
