//! Rewards redeemed with points (兑换 <奖品>): the operator's reward list and uploaded codes; a redemption charges
//! the points and hands out one free code in one transaction, once per request key. On PostgreSQL concurrent
//! redemptions skip each other's locked codes, so no code is handed out twice and none is refused while free.

use super::points::{NewPoints, PointsOutcome, book_in};
use super::{Dialect, Store, StoreResult, col};

/// The points ledger kind of redemptions.
pub const POINTS_KIND: &str = "reward";

/// A reward with its stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    pub id: i64,
    pub name: String,
    pub points: i64,
    pub left: i64,
    pub claimed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    Done {
        code: String,
        points: i64,
        points_left: i64,
    },
    /// This request was served before: its code again.
    Duplicate {
        code: String,
    },
    UnknownReward,
    SoldOut,
    Insufficient {
        points: i64,
        balance: i64,
    },
}

impl Store {
    /// Creates (or re-prices) the reward `name` and adds `codes` (known codes are skipped); how many were added.
    pub async fn add_reward_codes(&self, name: &str, points: i64, codes: &[String], now: i64) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO rewards (name, points, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (name) DO UPDATE SET points = excluded.points, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(name)
        .bind(points)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        let mut added = 0;
        for code in codes {
            let done = sqlx::query(
                "INSERT INTO reward_codes (reward_id, code, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (reward_id, code) DO NOTHING",
            )
            .bind(id)
            .bind(code)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            added += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn rewards(&self) -> StoreResult<Vec<Reward>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.points,
                 (SELECT COUNT(*) FROM reward_codes c WHERE c.reward_id = r.id AND c.member_id IS NULL) AS free_codes,
                 (SELECT COUNT(*) FROM reward_codes c WHERE c.reward_id = r.id AND c.member_id IS NOT NULL) AS claimed
             FROM rewards r ORDER BY r.points, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Reward {
                    id: col(r, "id")?,
                    name: col(r, "name")?,
                    points: col(r, "points")?,
                    left: col(r, "free_codes")?,
                    claimed: col(r, "claimed")?,
                })
            })
            .collect()
    }

    /// Hands the member one free code of reward `name` for its points; `key` makes the request idempotent.
    pub async fn redeem_reward(
        &self,
        member_id: i64,
        name: &str,
        key: &str,
        group_id: Option<i64>,
        now: i64,
    ) -> StoreResult<RedeemOutcome> {
        let mut tx = self.pool.begin().await?;
        let served = sqlx::query("SELECT code FROM reward_codes WHERE claim_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = served {
            tx.rollback().await?;
            return Ok(RedeemOutcome::Duplicate { code: col(&r, "code")? });
        }
        let reward =
            sqlx::query("SELECT id, points FROM rewards WHERE name = $1").bind(name).fetch_optional(&mut *tx).await?;
        let Some(reward) = reward else {
            tx.rollback().await?;
            return Ok(RedeemOutcome::UnknownReward);
        };
        let (reward_id, points): (i64, i64) = (col(&reward, "id")?, col(&reward, "points")?);
        let pick = match self.dialect {
            Dialect::Sqlite => {
                "SELECT id FROM reward_codes WHERE reward_id = $4 AND member_id IS NULL ORDER BY id LIMIT 1"
            }
            Dialect::Postgres => {
                "SELECT id FROM reward_codes WHERE reward_id = $4 AND member_id IS NULL ORDER BY id LIMIT 1
                 FOR UPDATE SKIP LOCKED"
            }
        };
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE reward_codes SET member_id = $1, claim_key = $2, claimed_at = $3
             WHERE id = ({pick}) AND member_id IS NULL RETURNING code"
        )))
        .bind(member_id)
        .bind(key)
        .bind(now)
        .bind(reward_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(claimed) = claimed else {
            tx.rollback().await?;
            return Ok(RedeemOutcome::SoldOut);
        };
        let charge = NewPoints { member_id, kind: POINTS_KIND, source: key, delta: -points, group_id };
        match book_in(&mut tx, charge, now).await? {
            PointsOutcome::Applied { balance } => {
                tx.commit().await?;
                Ok(RedeemOutcome::Done { code: col(&claimed, "code")?, points, points_left: balance })
            }
            PointsOutcome::Duplicate | PointsOutcome::Insufficient => {
                tx.rollback().await?;
                Ok(RedeemOutcome::Insufficient { points, balance: self.points_balance(member_id).await? })
            }
        }
    }
}
