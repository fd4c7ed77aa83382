//! Invitations that pay (拉新奖励): an inviter is rewarded once ever per newcomer, at the newcomer's first valid
//! settled order, in points and/or money (a ledger entry of its own kind), all in one transaction. A newcomer who
//! re-joined, or who was known before the invitation, earns nothing; a refund of the rewarded order takes the
//! money back, and the points as far as the inviter has not spent them (a points balance never goes negative).
//! A newcomer who left the group within `min_stay_ms` of the invitation never counts; one still within it counts
//! only once they have stayed that long (a later settled order).

use super::ledger::lock_bookings;
use super::member_money::{MemberAdjustment, adjust, mark_clawed_back};
use super::points::{NewPoints, book_in};
use super::{Store, StoreResult, col};
use crate::money::Fen;

/// Entry kinds: the points line, the money entry and its clawback.
pub mod entry_kind {
    pub const POINTS: &str = "invite_order";
    pub const MONEY: &str = "invite_bonus";
    pub const MONEY_CLAWBACK: &str = "invite_bonus_clawback";
    pub const POINTS_CLAWBACK: &str = "invite_order_clawback";
}

/// What an inviter gets per newcomer who orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InviteReward {
    pub points: i64,
    pub fen: Fen,
    /// The newcomer must stay in the group this long after the invitation (0: no condition).
    pub min_stay_ms: i64,
}

impl InviteReward {
    pub fn is_zero(&self) -> bool {
        self.points <= 0 && self.fen.0 <= 0
    }
}

/// A newcomer known this long before their invitation was not new (an existing member re-invited).
const KNOWN_BEFORE_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteOutcome {
    Rewarded {
        inviter_id: i64,
    },
    /// Rewarded for this newcomer before.
    AlreadyRewarded,
    /// Nobody invited them, they re-joined, or they were known before.
    NotEligible,
}

impl Store {
    /// Rewards the inviter of `invitee_id` for the order `order_id` (settled), once ever per newcomer.
    pub async fn reward_inviter(
        &self,
        invitee_id: i64,
        order_id: i64,
        reward: InviteReward,
        now: i64,
    ) -> StoreResult<InviteOutcome> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let invite = sqlx::query(
            "SELECT i.group_id, i.inviter_id, i.joins, i.created_at AS invited_at, i.first_left_at,
                 m.created_at AS known_at
             FROM invites i JOIN members m ON m.id = i.invitee_id
             WHERE i.invitee_id = $1 AND i.inviter_id IS NOT NULL AND i.inviter_id <> i.invitee_id
             ORDER BY i.created_at, i.group_id LIMIT 1",
        )
        .bind(invitee_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = invite else {
            tx.rollback().await?;
            return Ok(InviteOutcome::NotEligible);
        };
        let (group_id, inviter_id, joins): (i64, i64, i64) =
            (col(&r, "group_id")?, col(&r, "inviter_id")?, col(&r, "joins")?);
        let (invited_at, known_at): (i64, i64) = (col(&r, "invited_at")?, col(&r, "known_at")?);
        let first_left_at: Option<i64> = col(&r, "first_left_at")?;
        let stayed_until = first_left_at.unwrap_or(now);
        if joins > 1 || known_at < invited_at - KNOWN_BEFORE_MS || stayed_until - invited_at < reward.min_stay_ms {
            tx.rollback().await?;
            return Ok(InviteOutcome::NotEligible);
        }
        let inserted = sqlx::query(
            "INSERT INTO invite_rewards (invitee_id, inviter_id, group_id, order_id, points, fen, status, created_at,
                 updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'paid', $7, $7) ON CONFLICT DO NOTHING RETURNING invitee_id",
        )
        .bind(invitee_id)
        .bind(inviter_id)
        .bind(group_id)
        .bind(order_id)
        .bind(reward.points.max(0))
        .bind(reward.fen.0.max(0))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_none() {
            tx.rollback().await?;
            return Ok(InviteOutcome::AlreadyRewarded);
        }
        let source = invitee_id.to_string();
        if reward.points > 0 {
            let p = NewPoints {
                member_id: inviter_id,
                kind: entry_kind::POINTS,
                source: &source,
                delta: reward.points,
                group_id: Some(group_id),
            };
            book_in(&mut tx, p, now).await?;
        }
        if reward.fen.0 > 0 {
            let key = format!("i{invitee_id}:{}", entry_kind::MONEY);
            let a = MemberAdjustment {
                key: &key,
                kind: entry_kind::MONEY,
                member_id: inviter_id,
                order_id: Some(order_id),
                delta: reward.fen.0,
                flagged: false,
            };
            adjust(&mut tx, self.dialect, a, now).await?;
        }
        tx.commit().await?;
        Ok(InviteOutcome::Rewarded { inviter_id })
    }

    /// Takes back the invite reward paid for `order_id` when the order is refunded: the money, and the points up to
    /// the inviter's points balance.
    pub async fn claw_back_invite_reward(&self, order_id: i64, now: i64) -> StoreResult<Option<(i64, Fen)>> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let returning = "invitee_id, inviter_id, group_id, fen, points";
        let Some(r) = mark_clawed_back(&mut tx, "invite_rewards", returning, order_id, now).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let (invitee_id, inviter_id, fen): (i64, i64, i64) =
            (col(&r, "invitee_id")?, col(&r, "inviter_id")?, col(&r, "fen")?);
        let (group_id, points): (i64, i64) = (col(&r, "group_id")?, col(&r, "points")?);
        if points > 0 {
            let balance = sqlx::query("SELECT balance FROM points_balances WHERE member_id = $1")
                .bind(inviter_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|b| col::<i64>(&b, "balance"))
                .transpose()?
                .unwrap_or(0);
            let take = points.min(balance);
            if take > 0 {
                let source = invitee_id.to_string();
                let p = NewPoints {
                    member_id: inviter_id,
                    kind: entry_kind::POINTS_CLAWBACK,
                    source: &source,
                    delta: -take,
                    group_id: Some(group_id),
                };
                book_in(&mut tx, p, now).await?;
            }
        }
        if fen > 0 {
            let key = format!("i{invitee_id}:{}", entry_kind::MONEY_CLAWBACK);
            let a = MemberAdjustment {
                key: &key,
                kind: entry_kind::MONEY_CLAWBACK,
                member_id: inviter_id,
                order_id: Some(order_id),
                delta: -fen,
                flagged: true,
            };
            adjust(&mut tx, self.dialect, a, now).await?;
        }
        tx.commit().await?;
        Ok(Some((inviter_id, Fen(fen))))
    }
}
