//! `绑定订单 <订单号>`: a member claims an order that came back without their member parameter, in the group the
//! order came through. The claim is checked (the order has no member yet and was made through this group) before
//! it counts; a claim on an order not synced yet is checked when it arrives.

use crate::engine::{Context, EngineError};
use crate::ledger::Ledger;
use crate::orders::claims::{self, ClaimOutcome};

const BOUND: &str = "订单已绑定到你名下，返利会在订单结算后到账～";
const ALREADY: &str = "这笔订单已经是你的了～";
const PENDING: &str = "收到！订单同步后会自动核对并绑定，请稍后用「我的」查看";
const REFUSED: &str = "这笔订单已归属其他人或不是在本群下单的，无法绑定。如有疑问请联系群主";
const NOT_IN_GROUP: &str = "请在下单时所在的群里发送「绑定订单 订单号」～";

/// The reply to a claim of `order_key` by `member_id` in this context's group.
pub async fn reply(cx: &Context<'_>, member_id: i64, order_key: &str) -> Result<String, EngineError> {
    let key = order_key.trim();
    let group = cx.group.as_ref().map(|g| g.id);
    if group.is_none() {
        return Ok(NOT_IN_GROUP.to_string());
    }
    let e = cx.engine;
    let outcome = claims::claim(&e.store, key, member_id, group, cx.now_ms).await?;
    if outcome == ClaimOutcome::Bound {
        // An order the ledger has booked already is re-split at once: the member's share becomes theirs.
        let ledger =
            Ledger::with_settings(e.store.clone(), e.settings.ledger.clone(), e.settings.chat.utc_offset_hours)
                .with_invite_reward(crate::campaigns::invites::reward(&e.settings.campaigns));
        if let Err(err) = claims::settle_ledger(&e.store, &ledger).await {
            tracing::warn!(error = %err, "re-splitting a claimed order failed; the next sync retries");
        }
    }
    Ok(match outcome {
        ClaimOutcome::Bound => BOUND,
        ClaimOutcome::AlreadyYours => ALREADY,
        ClaimOutcome::Pending => PENDING,
        ClaimOutcome::Refused => REFUSED,
    }
    .to_string())
}
