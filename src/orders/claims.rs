//! Members' claims on orders (`绑定订单 <订单号>`), checked before they count.
//!
//! A claim on a synced order succeeds when the order has no member yet and was made through the claimer's group
//! (or a PID of no group). A claim on an order not synced yet is kept and checked when the order arrives.

use crate::platform::Platform;
use crate::store::orders::{AttributionKind, ClaimStatus};
use crate::store::{Store, StoreResult};

/// The outcome of a claim, as the member is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The order is now the member's.
    Bound,
    /// It already was.
    AlreadyYours,
    /// Not synced yet: checked when it arrives.
    Pending,
    /// Someone else's, or made in another group.
    Refused,
}

/// Longest order key accepted in a claim.
pub const MAX_KEY_LEN: usize = 64;

/// Whether `key` looks like an order number of any union (digits and `-`).
pub fn plausible_key(key: &str) -> bool {
    (6..=MAX_KEY_LEN).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && key.bytes().any(|b| b.is_ascii_digit())
}

pub async fn claim(
    store: &Store,
    order_key: &str,
    member_id: i64,
    group_id: Option<i64>,
    now: i64,
) -> StoreResult<ClaimOutcome> {
    let orders = store.orders_by_key(order_key).await?;
    let Some(order) = orders.first() else {
        let c = store.record_claim(order_key, member_id, group_id, ClaimStatus::Pending, now).await?;
        return Ok(if c.member_id == member_id { ClaimOutcome::Pending } else { ClaimOutcome::Refused });
    };
    if order.attribution.member_id == Some(member_id) {
        return Ok(ClaimOutcome::AlreadyYours);
    }
    let group_ok = order.attribution.group_id.is_none() || order.attribution.group_id == group_id;
    if order.attribution.member_id.is_some() || !group_ok {
        store.record_claim(order_key, member_id, group_id, ClaimStatus::Rejected, now).await?;
        return Ok(ClaimOutcome::Refused);
    }
    let c = store.record_claim(order_key, member_id, group_id, ClaimStatus::Applied, now).await?;
    if c.member_id != member_id {
        return Ok(ClaimOutcome::Refused);
    }
    if store.assign_order_member(order.id, member_id, AttributionKind::Claim, now).await? {
        Ok(ClaimOutcome::Bound)
    } else {
        store.set_claim_status(order_key, ClaimStatus::Rejected, now).await?;
        Ok(ClaimOutcome::Refused)
    }
}

/// Applies a pending claim on an order that has just been stored.
pub async fn apply_pending(store: &Store, platform: Platform, order_key: &str, now: i64) -> StoreResult<()> {
    let Some(c) = store.claim(order_key).await? else { return Ok(()) };
    if c.status != ClaimStatus::Pending {
        return Ok(());
    }
    let Some(order) = store.order_by_key(platform, order_key).await? else { return Ok(()) };
    let group_ok = order.attribution.group_id.is_none() || order.attribution.group_id == c.group_id;
    let bound = order.attribution.member_id.is_none()
        && group_ok
        && store.assign_order_member(order.id, c.member_id, AttributionKind::Claim, now).await?;
    let status = if bound || order.attribution.member_id == Some(c.member_id) {
        ClaimStatus::Applied
    } else {
        ClaimStatus::Rejected
    };
    store.set_claim_status(order_key, status, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_of_every_union_are_plausible() {
        assert!(plausible_key("190108-374476636970002"));
        assert!(plausible_key("280000000000001231"));
        assert!(plausible_key("2000000000000001042"));
        assert!(!plausible_key("12345"));
        assert!(!plausible_key("abc-def"));
        assert!(!plausible_key("------"));
        assert!(!plausible_key(&"1".repeat(65)));
    }
}
