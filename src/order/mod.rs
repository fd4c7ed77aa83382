//! The common shape of an affiliate order, shared by order sync (`orders`) and the rebate ledger (`ledger`).
//!
//! Each union reports its own status codes and units; the union clients map them at their border into
//! [`Lifecycle`] and integer 分 (see the order lifecycle table of the affiliates spec). Sync stores an order and
//! hands the ledger an [`OrderFacts`]; the ledger never looks at platform-specific fields.

pub mod text;

use crate::money::Fen;
use crate::platform::Platform;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The common order lifecycle: `Unpaid → Paid → Received → (Verified) → Settled`, with `Invalid` reachable from
/// any state (after `Settled` it is a refund the ledger claws back), and `Unknown` for codes the mapping does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Unknown,
    Unpaid,
    Paid,
    Received,
    Verified,
    Settled,
    Invalid,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 7] = [
        Lifecycle::Unknown,
        Lifecycle::Unpaid,
        Lifecycle::Paid,
        Lifecycle::Received,
        Lifecycle::Verified,
        Lifecycle::Settled,
        Lifecycle::Invalid,
    ];

    /// Stable lower-case code used in the database and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Lifecycle::Unknown => "unknown",
            Lifecycle::Unpaid => "unpaid",
            Lifecycle::Paid => "paid",
            Lifecycle::Received => "received",
            Lifecycle::Verified => "verified",
            Lifecycle::Settled => "settled",
            Lifecycle::Invalid => "invalid",
        }
    }

    /// Chinese label for chat replies and the dashboard.
    pub fn display_name(self) -> &'static str {
        match self {
            Lifecycle::Unknown => text::UNKNOWN,
            Lifecycle::Unpaid => text::UNPAID,
            Lifecycle::Paid => text::PAID,
            Lifecycle::Received => text::RECEIVED,
            Lifecycle::Verified => text::VERIFIED,
            Lifecycle::Settled => text::SETTLED,
            Lifecycle::Invalid => text::INVALID,
        }
    }

    /// Progress rank along the happy path; `None` for `Unknown` and `Invalid`.
    fn rank(self) -> Option<u8> {
        match self {
            Lifecycle::Unpaid => Some(0),
            Lifecycle::Paid => Some(1),
            Lifecycle::Received => Some(2),
            Lifecycle::Verified => Some(3),
            Lifecycle::Settled => Some(4),
            Lifecycle::Unknown | Lifecycle::Invalid => None,
        }
    }

    /// Whether a stored order in state `self` may move to `next` when a sync reports it. States never move
    /// backwards, except into `Invalid` (refund, risk control), also from `Settled`. `Unknown` never
    /// replaces a known state; a known state always replaces `Unknown`.
    pub fn may_become(self, next: Lifecycle) -> bool {
        if self == next {
            return false;
        }
        match (self, next) {
            (_, Lifecycle::Unknown) => false,
            (Lifecycle::Unknown, _) => true,
            // A refund after settlement: the ledger claws the available rebate back and flags the order.
            (Lifecycle::Settled, next) => next == Lifecycle::Invalid,
            (Lifecycle::Invalid, _) => false,
            (_, Lifecycle::Invalid) => true,
            (a, b) => a.rank() < b.rank(),
        }
    }

    /// Whether commission for this state counts as earned-but-pending (paid and not yet settled).
    pub fn is_pending(self) -> bool {
        matches!(self, Lifecycle::Paid | Lifecycle::Received | Lifecycle::Verified)
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown order state `{0}`")]
pub struct UnknownLifecycle(pub String);

impl FromStr for Lifecycle {
    type Err = UnknownLifecycle;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lifecycle::ALL.into_iter().find(|l| l.code() == s).ok_or_else(|| UnknownLifecycle(s.to_string()))
    }
}

/// What the ledger needs to know about one order after sync stored it and attributed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// Row id of the stored order (`orders.id`).
    pub order_id: i64,
    pub platform: Platform,
    /// The platform's primary key (`order_sn`, JD row `id`, Taobao `trade_id`).
    pub order_key: String,
    pub lifecycle: Lifecycle,
    /// Commission to distribute: the platform's estimate until settled, then the settled value.
    pub commission: Fen,
    /// Paid amount (GMV) of the order.
    pub paid_amount: Fen,
    /// Attribution; `None` where it could not be determined.
    pub group_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub member_id: Option<i64>,
    /// Unix seconds of payment, when known.
    pub paid_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_only_move_forward_or_into_invalid() {
        use Lifecycle::*;
        assert!(Unpaid.may_become(Paid));
        assert!(Paid.may_become(Settled));
        assert!(Received.may_become(Invalid));
        assert!(!Received.may_become(Paid));
        assert!(Settled.may_become(Invalid));
        assert!(!Settled.may_become(Received));
        assert!(!Invalid.may_become(Paid));
        assert!(!Paid.may_become(Unknown));
        assert!(Unknown.may_become(Paid));
        assert!(!Paid.may_become(Paid));
        for l in Lifecycle::ALL {
            assert_eq!(l.code().parse::<Lifecycle>().unwrap(), l);
        }
    }
}
