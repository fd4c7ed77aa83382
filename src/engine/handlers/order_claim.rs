//! `绑定订单 <订单号>`: a member claims an order that came back without their member parameter, in the group the
//! order came through. The claim is checked (the order has no member yet and was made through this group) before
//! it counts; a claim on an order not synced yet is checked when it arrives.

use crate::engine::{Context, EngineError, text};
use crate::ledger::Ledger;
use crate::orders::claims::{self, ClaimOutcome};

/// The reply to a claim of `order_key` by `member_id` in this context's group.
pub async fn reply(cx: &Context<'_>, member_id: i64, order_key: &str) -> Result<String, EngineError> {
    let key = order_key.trim();
    let group = cx.group.as_ref().map(|g| g.id);
    if group.is_none() {
        return Ok(text::CLAIM_NOT_IN_GROUP.to_string());
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
        ClaimOutcome::Bound => text::CLAIM_BOUND,
        ClaimOutcome::AlreadyYours => text::CLAIM_ALREADY_YOURS,
        ClaimOutcome::Pending => text::CLAIM_PENDING,
        ClaimOutcome::Refused => text::CLAIM_REFUSED,
    }
    .to_string())
}
