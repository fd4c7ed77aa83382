//! 免单 at settlement: an order of a campaign item, converted by the member through the robot while the campaign
//! ran, gets the campaign's subsidy when it settles and passes the campaign's rules; a refund after payout takes
//! the subsidy back. Every step is idempotent: an order handed over twice is paid once.

use crate::money::Fen;
use crate::order::Lifecycle;
use crate::platform::Platform;
use crate::store::campaigns::{PayoutOutcome, PayoutRequest};
use crate::store::orders::StoredOrder;
use crate::store::{Store, StoreResult};

/// What the campaigns need to know of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignOrder {
    pub order_id: i64,
    pub platform: Platform,
    pub item_id: String,
    pub member_id: Option<i64>,
    pub lifecycle: Lifecycle,
    pub paid_amount: Fen,
    /// Unix seconds.
    pub paid_at: Option<i64>,
}

impl From<&StoredOrder> for CampaignOrder {
    fn from(o: &StoredOrder) -> CampaignOrder {
        CampaignOrder {
            order_id: o.id,
            platform: o.platform,
            item_id: o.item_id.clone(),
            member_id: o.attribution.member_id,
            lifecycle: o.lifecycle,
            paid_amount: o.paid_amount,
            paid_at: o.paid_at,
        }
    }
}

/// What settling one order did for the campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Paid {
        campaign_id: i64,
        amount: Fen,
    },
    ClawedBack {
        amount: Fen,
    },
    /// A campaign order the rules or the budget refused.
    Refused,
    /// Not a campaign order (or nothing new).
    None,
}

/// Pays or takes back one order's subsidy.
#[tracing::instrument(skip_all, fields(order_id = o.order_id, lifecycle = %o.lifecycle.code()))]
pub async fn settle_order(store: &Store, o: &CampaignOrder, now: i64) -> StoreResult<Decision> {
    if o.lifecycle == Lifecycle::Invalid {
        return Ok(match store.claw_back_campaign_subsidy(o.order_id, now).await? {
            Some((member_id, amount)) => {
                tracing::info!(member_id, amount = amount.0, "free-order subsidy clawed back after a refund");
                Decision::ClawedBack { amount }
            }
            None => Decision::None,
        });
    }
    let (Lifecycle::Settled, Some(member_id), Some(paid_at)) = (o.lifecycle, o.member_id, o.paid_at) else {
        return Ok(Decision::None);
    };
    if o.item_id.is_empty() {
        return Ok(Decision::None);
    }
    let candidates = store.campaign_candidates(o.platform, &o.item_id, member_id, paid_at * 1000).await?;
    if candidates.is_empty() {
        return Ok(Decision::None);
    }
    for c in candidates {
        let Some(campaign) = store.campaign(c.campaign_id).await? else { continue };
        if campaign.limits.new_members_only && store.member_has_earlier_order(member_id, o.order_id, paid_at).await? {
            tracing::info!(campaign_id = campaign.id, member_id, "free order refused: not the member's first order");
            continue;
        }
        let amount = campaign.subsidy.for_paid(o.paid_amount);
        if amount.0 <= 0 {
            continue;
        }
        let request = PayoutRequest {
            campaign_id: campaign.id,
            order_id: o.order_id,
            member_id,
            item_id: &o.item_id,
            conversion_id: c.conversion_id,
            limits: campaign.limits,
            amount,
        };
        match store.pay_campaign_subsidy(&request, now).await? {
            PayoutOutcome::Paid => {
                tracing::info!(campaign_id = campaign.id, member_id, amount = amount.0, "free-order subsidy paid");
                return Ok(Decision::Paid { campaign_id: campaign.id, amount });
            }
            PayoutOutcome::AlreadyPaid => return Ok(Decision::None),
            outcome @ (PayoutOutcome::LimitReached | PayoutOutcome::BudgetExhausted) => {
                tracing::info!(campaign_id = campaign.id, member_id, ?outcome, "free order refused");
            }
        }
    }
    Ok(Decision::Refused)
}
