//! Daily tasks (每日任务): what a member did on one local day, counted from the rows the other features keep
//! (check-ins, conversions, invites, orders).

use super::{Store, StoreResult, col};

/// Counts of one member's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    pub checkins: i64,
    pub conversions: i64,
    pub invites: i64,
    /// 1 when the member's first valid order ever was paid this day.
    pub first_order: i64,
}

impl Store {
    /// The member's counts for local `day`, which runs `[from_ms, from_ms + 1 day)`.
    pub async fn day_counts(&self, member_id: i64, wxid: &str, day: i64, from_ms: i64) -> StoreResult<DayCounts> {
        let to_ms = from_ms + 86_400_000;
        let row = sqlx::query(
            "SELECT
                 (SELECT COUNT(*) FROM checkins WHERE member_id = $1 AND day = $2) AS checkins,
                 (SELECT COUNT(*) FROM conversions WHERE member_wxid = $3 AND created_at >= $4 AND created_at < $5)
                     AS conversions,
                 (SELECT COUNT(*) FROM invites WHERE inviter_id = $1 AND invitee_id <> $1
                     AND created_at >= $4 AND created_at < $5) AS invites,
                 (SELECT MIN(paid_at) FROM orders WHERE member_id = $1
                     AND lifecycle NOT IN ('invalid', 'unpaid', 'unknown')) AS first_paid",
        )
        .bind(member_id)
        .bind(day)
        .bind(wxid)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        let first_paid: Option<i64> = col(&row, "first_paid")?;
        Ok(DayCounts {
            checkins: col(&row, "checkins")?,
            conversions: col(&row, "conversions")?,
            invites: col(&row, "invites")?,
            first_order: i64::from(first_paid.is_some_and(|s| (from_ms..to_ms).contains(&(s * 1000)))),
        })
    }
}
