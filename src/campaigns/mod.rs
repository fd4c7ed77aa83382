//! Marketing (营销活动): 免单 campaigns paid at settlement, invitations that pay, points exchanged for rebate
//! balance, daily tasks and the monthly leaderboards. Money moves only through the ledger's bookings in `store`
//! (entry kinds of their own); the rules deciding who gets what are pure functions here.

pub mod announce;
pub mod exchange;
pub mod free_order;
pub mod invites;
pub mod leaderboard;
pub mod tasks;

pub use exchange::{ExchangeRefusal, ExchangeRule};

use crate::money::Fen;
use crate::notices::MemberNotice;
use crate::store::invite_rewards::InviteReward;
use crate::store::orders::StoredOrder;
use crate::store::{Store, StoreResult};
use free_order::{CampaignOrder, Decision};

/// What the campaigns did with one batch of orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettleReport {
    pub subsidies_paid: u64,
    pub subsidies_clawed_back: u64,
    pub subsidies_refused: u64,
    pub invites_changed: u64,
}

/// The campaign side of a batch of orders the ledger has just taken (called by order sync's hand-over): 免单
/// subsidies and invite rewards paid at settlement, taken back after a refund. Idempotent. With `notify` (the
/// ledger's `member_notices`), a member whose subsidy was paid is told so, once per order.
pub async fn settle_orders(
    store: &Store,
    orders: &[StoredOrder],
    invite: InviteReward,
    notify: bool,
    now: i64,
) -> StoreResult<SettleReport> {
    let mut report = SettleReport::default();
    for stored in orders {
        let o = CampaignOrder::from(stored);
        match free_order::settle_order(store, &o, now).await? {
            Decision::Paid { amount, .. } => {
                report.subsidies_paid += 1;
                if let (true, Some(member)) = (notify, o.member_id) {
                    tell_subsidy(store, stored, member, amount, now).await?;
                }
            }
            Decision::ClawedBack { .. } => report.subsidies_clawed_back += 1,
            Decision::Refused => report.subsidies_refused += 1,
            Decision::None => {}
        }
        if invites::settle_order(store, &o, invite, now).await? {
            report.invites_changed += 1;
        }
    }
    Ok(report)
}

async fn tell_subsidy(store: &Store, o: &StoredOrder, member: i64, amount: Fen, now: i64) -> StoreResult<()> {
    match store.notice_target(None, member).await? {
        Some(to) => {
            let notice =
                MemberNotice::Subsidy { platform: o.platform, order_id: o.id, order_key: &o.order_key, amount };
            let sends: Vec<_> = notice.send(&to).into_iter().collect();
            store.enqueue(&sends, now).await?;
        }
        None => tracing::warn!(order_id = o.id, member, "member unreachable: subsidy notice not sent"),
    }
    Ok(())
}
