//! Members' claims on orders (`绑定订单 <订单号>`), checked before they count, and admins' assignments.
//!
//! A claim on a synced order succeeds when the order has no member yet and came through the group the claim is
//! made in (by its tag or the group's PID). Orders of no group cannot be claimed by members: an admin assigns
//! them on the dashboard, with a reason that is logged. A claim on an order not synced yet is kept and checked
//! when the order arrives. Either way the ledger re-splits an order it has booked already
//! ([`settle_ledger`]): the operator's provisional share moves to the member (and partner, agent).

pub use super::sync::settle_ledger;
use super::{OrdersError, text};
use crate::ledger::Ledger;
use crate::platform::Platform;
use crate::store::orders::{AttributionKind, ClaimStatus};
use crate::store::{Store, StoreError, StoreResult};

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
    let group_ok = order.attribution.group_id.is_some() && order.attribution.group_id == group_id;
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
    let group_ok = order.attribution.group_id.is_some() && order.attribution.group_id == c.group_id;
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

/// Why an admin's assignment was refused.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("{}", text::NO_ORDER)]
    NoOrder,
    #[error("{}", text::NO_MEMBER)]
    NoMember,
    #[error("{}", text::REASON_REQUIRED)]
    Reason,
    #[error(transparent)]
    Orders(#[from] OrdersError),
}

impl From<StoreError> for AssignError {
    fn from(e: StoreError) -> Self {
        AssignError::Orders(e.into())
    }
}

/// An admin gives order `order_id` to `member_id` (any order, also one of no group or another member's), with
/// `reason`; the assignment is logged and the ledger re-splits the order at once.
pub async fn assign(
    store: &Store,
    ledger: &Ledger,
    order_id: i64,
    member_id: i64,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<(), AssignError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AssignError::Reason);
    }
    if !store.member_exists(member_id).await? {
        return Err(AssignError::NoMember);
    }
    if !store.assign_order_by_admin(order_id, member_id, actor, reason, now).await? {
        return Err(AssignError::NoOrder);
    }
    tracing::info!(order_id, member_id, by = ?actor, reason = ?reason, "order assigned by an admin");
    settle_ledger(store, ledger).await?;
    Ok(())
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
