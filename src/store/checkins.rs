//! Daily check-ins (签到): one per member per local day, streaks, and their points booked in the same
//! transaction.

use super::points::{NewPoints, PointsOutcome, book_in, kind};
use super::{Store, StoreResult, col};

/// How many points a check-in earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckinRule {
    pub points: i64,
    /// Every this many consecutive days (0 = never) earn `bonus_points` more.
    pub bonus_every: i64,
    pub bonus_points: i64,
}

/// A check-in request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCheckin<'a> {
    pub member_id: i64,
    /// Local calendar day (days since 1970-01-01).
    pub day: i64,
    pub group_id: Option<i64>,
    /// The message asking; a re-handled message gets its original answer.
    pub message_key: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkin {
    /// True when this request checked in (or is the same message handled again).
    pub new: bool,
    /// Consecutive days including today.
    pub streak: i64,
    /// Points earned today, bonus included.
    pub points: i64,
    pub bonus: i64,
    pub balance: i64,
}

impl Store {
    /// Checks the member in for `c.day` unless they already did.
    pub async fn check_in(&self, c: NewCheckin<'_>, rule: CheckinRule, now: i64) -> StoreResult<Checkin> {
        let mut tx = self.pool.begin().await?;
        let existing =
            sqlx::query("SELECT streak, points, message_key FROM checkins WHERE member_id = $1 AND day = $2")
                .bind(c.member_id)
                .bind(c.day)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(r) = existing {
            tx.commit().await?;
            let key: String = col(&r, "message_key")?;
            let streak: i64 = col(&r, "streak")?;
            let points: i64 = col(&r, "points")?;
            let bonus = if bonus_day(streak, rule) { rule.bonus_points.min(points) } else { 0 };
            let balance = self.points_balance(c.member_id).await?;
            return Ok(Checkin { new: key == c.message_key, streak, points, bonus, balance });
        }
        let previous = sqlx::query("SELECT streak FROM checkins WHERE member_id = $1 AND day = $2")
            .bind(c.member_id)
            .bind(c.day - 1)
            .fetch_optional(&mut *tx)
            .await?;
        let streak = match previous {
            Some(r) => col::<i64>(&r, "streak")? + 1,
            None => 1,
        };
        let bonus = if bonus_day(streak, rule) { rule.bonus_points } else { 0 };
        let points = rule.points + bonus;
        let inserted = sqlx::query(
            "INSERT INTO checkins (member_id, day, streak, points, group_id, message_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (member_id, day) DO NOTHING RETURNING day",
        )
        .bind(c.member_id)
        .bind(c.day)
        .bind(streak)
        .bind(points)
        .bind(c.group_id)
        .bind(c.message_key)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_none() {
            // Another instance checked them in a moment ago.
            tx.rollback().await?;
            let balance = self.points_balance(c.member_id).await?;
            return Ok(Checkin { new: false, streak, points, bonus, balance });
        }
        let source = format!("{}:{}", c.member_id, c.day);
        let mut balance = self.points_balance_in(&mut tx, c.member_id).await?;
        for (k, delta) in [(kind::CHECKIN, rule.points), (kind::STREAK_BONUS, bonus)] {
            if delta <= 0 {
                continue;
            }
            let p = NewPoints { member_id: c.member_id, kind: k, source: &source, delta, group_id: c.group_id };
            if let PointsOutcome::Applied { balance: b } = book_in(&mut tx, p, now).await? {
                balance = b;
            }
        }
        tx.commit().await?;
        Ok(Checkin { new: true, streak, points, bonus, balance })
    }

    async fn points_balance_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, member_id: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT balance FROM points_balances WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&mut **tx)
            .await?;
        row.map(|r| col(&r, "balance")).transpose().map(Option::unwrap_or_default)
    }

    /// The member's current streak: consecutive days up to `today` (or up to yesterday when not yet today).
    pub async fn checkin_streak(&self, member_id: i64, today: i64) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT streak FROM checkins WHERE member_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC LIMIT 1",
        )
        .bind(member_id)
        .bind(today - 1)
        .bind(today)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| col(&r, "streak")).transpose().map(Option::unwrap_or_default)
    }
}

fn bonus_day(streak: i64, rule: CheckinRule) -> bool {
    rule.bonus_every > 0 && rule.bonus_points > 0 && streak % rule.bonus_every == 0
}
