//! Points exchanged for rebate balance (积分兑换): the points charge, the day's running total (the daily cap is a
//! conditional update) and the member's ledger credit, in one transaction and once per request key.

use super::ledger::lock_bookings;
use super::member_money::{MemberAdjustment, adjust};
use super::points::{NewPoints, PointsOutcome, book_in};
use super::{Store, StoreResult, col};
use crate::money::Fen;

/// Kinds of the paired entries: the points ledger's charge and the money ledger's credit.
pub mod entry_kind {
    pub const POINTS_OUT: &str = "exchange";
    pub const MONEY_IN: &str = "points_exchange";
}

/// One exchange to book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewExchange<'a> {
    pub member_id: i64,
    pub points: i64,
    pub fen: Fen,
    /// Local calendar day (days since 1970-01-01).
    pub day: i64,
    /// The most points a member may exchange per day.
    pub daily_cap: i64,
    /// Makes the request idempotent (the chat message asking).
    pub key: &'a str,
    pub group_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeOutcome {
    /// Booked; the points left and the points exchanged today.
    Done {
        points_left: i64,
        today: i64,
    },
    /// This request was booked before: nothing changed.
    Duplicate,
    Insufficient {
        balance: i64,
    },
    /// Today's exchanges would pass the cap; `today` already exchanged.
    OverDailyCap {
        today: i64,
    },
}

impl Store {
    pub async fn exchange_points(&self, x: NewExchange<'_>, now: i64) -> StoreResult<ExchangeOutcome> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let charge = NewPoints {
            member_id: x.member_id,
            kind: entry_kind::POINTS_OUT,
            source: x.key,
            delta: -x.points,
            group_id: x.group_id,
        };
        let points_left = match book_in(&mut tx, charge, now).await? {
            PointsOutcome::Applied { balance } => balance,
            PointsOutcome::Duplicate => {
                tx.rollback().await?;
                return Ok(ExchangeOutcome::Duplicate);
            }
            PointsOutcome::Insufficient => {
                tx.rollback().await?;
                return Ok(ExchangeOutcome::Insufficient { balance: self.points_balance(x.member_id).await? });
            }
        };
        let today = sqlx::query(
            "INSERT INTO points_exchanges (member_id, day, points, fen, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, $5 WHERE $3 <= $6
             ON CONFLICT (member_id, day) DO UPDATE SET points = points_exchanges.points + excluded.points,
                 fen = points_exchanges.fen + excluded.fen, updated_at = excluded.updated_at
             WHERE points_exchanges.points + excluded.points <= $6
             RETURNING points",
        )
        .bind(x.member_id)
        .bind(x.day)
        .bind(x.points)
        .bind(x.fen.0)
        .bind(now)
        .bind(x.daily_cap)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(today) = today else {
            tx.rollback().await?;
            return Ok(ExchangeOutcome::OverDailyCap { today: self.points_exchanged_on(x.member_id, x.day).await? });
        };
        let key = format!("x{}:{}", x.member_id, x.key);
        let a = MemberAdjustment {
            key: &key,
            kind: entry_kind::MONEY_IN,
            member_id: x.member_id,
            order_id: None,
            delta: x.fen.0,
            flagged: false,
        };
        adjust(&mut tx, self.dialect, a, now).await?;
        tx.commit().await?;
        Ok(ExchangeOutcome::Done { points_left, today: col(&today, "points")? })
    }

    /// Points the member exchanged on `day`.
    pub async fn points_exchanged_on(&self, member_id: i64, day: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT points FROM points_exchanges WHERE member_id = $1 AND day = $2")
            .bind(member_id)
            .bind(day)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "points")).transpose().map(Option::unwrap_or_default)
    }
}
