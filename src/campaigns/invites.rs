//! Invitations that pay (拉新): the inviter of a newcomer is rewarded at the newcomer's first valid settled order
//! (points and/or money, `[campaigns] invite_order_*`), once ever per newcomer; re-joiners, members known
//! before their invitation and newcomers who left within `invite_min_stay_hours` do not count; a refund of the
//! rewarded order takes the money back.

use super::free_order::CampaignOrder;
use crate::config::CampaignSettings;
use crate::money::Fen;
use crate::order::Lifecycle;
use crate::store::invite_rewards::{InviteOutcome, InviteReward};
use crate::store::{Store, StoreResult};

/// The configured reward.
pub fn reward(s: &CampaignSettings) -> InviteReward {
    InviteReward { points: s.invite_order_points, fen: Fen(s.invite_order_fen), min_stay_ms: min_stay_ms(s) }
}

/// How long a newcomer must stay in the group to count (`[campaigns] invite_min_stay_hours`).
pub fn min_stay_ms(s: &CampaignSettings) -> i64 {
    s.invite_min_stay_hours.max(0).saturating_mul(3_600_000)
}

/// Rewards or takes back for one order; true when something changed.
pub async fn settle_order(store: &Store, o: &CampaignOrder, reward: InviteReward, now: i64) -> StoreResult<bool> {
    match (o.lifecycle, o.member_id) {
        (Lifecycle::Invalid, _) => Ok(store.claw_back_invite_reward(o.order_id, now).await?.is_some()),
        (Lifecycle::Settled, Some(invitee)) if !reward.is_zero() => {
            let outcome = store.reward_inviter(invitee, o.order_id, reward, now).await?;
            if let InviteOutcome::Rewarded { inviter_id } = outcome {
                tracing::info!(inviter_id, invitee, order_id = o.order_id, "inviter rewarded for a newcomer's order");
            }
            Ok(matches!(outcome, InviteOutcome::Rewarded { .. }))
        }
        _ => Ok(false),
    }
}
