//! The money rules as pure functions: how a commission is split, which step an order status triggers, and how
//! each step moves money between the buckets of an account.
//!
//! Rounding rule: every share is `commission × rate` truncated toward zero ([`Fen::apply_rate`]), taken in the
//! order member rebate, partner, agent, second-level agent and capped at what is left; the operator gets the
//! remainder. The five shares therefore always add up to the commission exactly, and no share is negative.

use crate::money::{Bps, Fen};
use crate::order::Lifecycle;

/// The rates frozen for one order when it is first booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    pub rebate: Bps,
    pub partner: Bps,
    pub agent: Bps,
    /// The second-level agent's (the agent's inviter's) share.
    pub agent2: Bps,
}

/// Who takes a share of one order. `None` means nobody in that role: the share goes to the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holders {
    pub member: Option<i64>,
    pub partner: Option<i64>,
    pub agent: Option<i64>,
    /// The agent who invited `agent` (an agent too): earns the second-level share.
    pub agent2: Option<i64>,
}

/// One order's commission split; `rebate + partner + agent + agent2 + operator == commission`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub rebate: Fen,
    pub partner: Fen,
    pub agent: Fen,
    pub agent2: Fen,
    pub operator: Fen,
}

impl Split {
    pub fn total(&self) -> Fen {
        self.rebate + self.partner + self.agent + self.agent2 + self.operator
    }
}

/// Splits `commission` (negative commissions count as zero) by `rates` among `holders`.
pub fn split(commission: Fen, rates: Rates, holders: Holders) -> Split {
    let commission = Fen(commission.0.max(0));
    let mut left = commission;
    let mut take = |present: bool, rate: Bps| {
        if !present {
            return Fen::ZERO;
        }
        let share = commission.apply_rate(Bps(rate.0.clamp(0, 10_000))).min(left);
        left = left - share;
        share
    };
    let rebate = take(holders.member.is_some(), rates.rebate);
    let partner = take(holders.partner.is_some(), rates.partner);
    let agent = take(holders.agent.is_some(), rates.agent);
    let agent2 = take(holders.agent.is_some() && holders.agent2.is_some(), rates.agent2);
    Split { rebate, partner, agent, agent2, operator: left }
}

/// Where the ledger stands with one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Paid, not settled: the estimated shares are pending.
    Pending,
    /// Settled: the settled shares are available.
    Available,
    /// Invalid before settlement: pending shares reversed (or nothing was ever booked).
    Reversed,
    /// Invalid after settlement: available shares clawed back and the order flagged.
    ClawedBack,
}

impl Phase {
    pub fn code(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Available => "available",
            Phase::Reversed => "reversed",
            Phase::ClawedBack => "clawed_back",
        }
    }

    pub fn from_code(s: &str) -> Option<Phase> {
        [Phase::Pending, Phase::Available, Phase::Reversed, Phase::ClawedBack].into_iter().find(|p| p.code() == s)
    }
}

/// What a status report does to an order's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// First seen paid: book the estimated shares as pending.
    Book,
    /// Settled: release what is pending (if anything) and credit the settled shares as available.
    Settle,
    /// Invalid while pending: reverse the pending shares.
    Reverse,
    /// Invalid before anything was booked: remember it, so a late report cannot book it.
    Void,
    /// Invalid after settlement: take the settled shares back from the available balances.
    Clawback,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Book => "paid",
            Step::Settle => "settled",
            Step::Reverse => "reversed",
            Step::Void => "void",
            Step::Clawback => "clawback",
        }
    }

    /// The phase an order is in after this step.
    pub fn phase_after(self) -> Phase {
        match self {
            Step::Book => Phase::Pending,
            Step::Settle => Phase::Available,
            Step::Reverse | Step::Void => Phase::Reversed,
            Step::Clawback => Phase::ClawedBack,
        }
    }
}

/// The step a report of `status` triggers for an order in `phase` (`None`: never booked). Phases only move
/// forward, so a repeated or late report changes nothing: `None` is returned.
pub fn step(phase: Option<Phase>, status: Lifecycle) -> Option<Step> {
    use Lifecycle as L;
    match (phase, status) {
        (_, L::Unknown | L::Unpaid) => None,
        (None, L::Paid | L::Received | L::Verified) => Some(Step::Book),
        (None | Some(Phase::Pending), L::Settled) => Some(Step::Settle),
        (None, L::Invalid) => Some(Step::Void),
        (Some(Phase::Pending), L::Invalid) => Some(Step::Reverse),
        (Some(Phase::Available), L::Invalid) => Some(Step::Clawback),
        _ => None,
    }
}

/// One account's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Buckets {
    pub pending: i64,
    pub available: i64,
    pub withdrawing: i64,
    pub debt: i64,
    pub paid_out: i64,
}

impl Buckets {
    pub fn plus(self, d: Buckets) -> Buckets {
        Buckets {
            pending: self.pending + d.pending,
            available: self.available + d.available,
            withdrawing: self.withdrawing + d.withdrawing,
            debt: self.debt + d.debt,
            paid_out: self.paid_out + d.paid_out,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Buckets::default()
    }

    pub fn is_non_negative(&self) -> bool {
        self.pending >= 0 && self.available >= 0 && self.withdrawing >= 0 && self.debt >= 0 && self.paid_out >= 0
    }
}

/// How `step` moves one account's money, given its balance now, the share booked as pending (`booked`, zero when
/// nothing was) and the settled share (`settled`). A credit pays back clawback debt first; a clawback takes what
/// is available and records the rest as debt, so no bucket ever goes negative.
pub fn movement(step: Step, now: Buckets, booked: Fen, settled: Fen) -> Buckets {
    let credit = |amount: i64| {
        let repay = amount.min(now.debt);
        Buckets { available: amount - repay, debt: -repay, ..Buckets::default() }
    };
    match step {
        Step::Book => Buckets { pending: booked.0, ..Buckets::default() },
        Step::Settle => Buckets { pending: -booked.0.min(now.pending), ..credit(settled.0) },
        Step::Reverse => Buckets { pending: -booked.0.min(now.pending), ..Buckets::default() },
        Step::Void => Buckets::default(),
        Step::Clawback => {
            let take = settled.0.min(now.available);
            Buckets { available: -take, debt: settled.0 - take, ..Buckets::default() }
        }
    }
}

/// How a re-split moves `delta` of one account's share of an order (given its balance now): in the pending bucket
/// while the order is pending; once `settled`, a credit pays back debt first and a charge takes what is available
/// and records the rest as debt. No bucket goes negative.
pub fn adjustment(settled: bool, now: Buckets, delta: i64) -> Buckets {
    match (settled, delta >= 0) {
        (false, true) => Buckets { pending: delta, ..Buckets::default() },
        (false, false) => Buckets { pending: delta.max(-now.pending), ..Buckets::default() },
        (true, true) => {
            let repay = delta.min(now.debt);
            Buckets { available: delta - repay, debt: -repay, ..Buckets::default() }
        }
        (true, false) => {
            let take = (-delta).min(now.available);
            Buckets { available: -take, debt: -delta - take, ..Buckets::default() }
        }
    }
}

/// Days since 1970-01-01 in the local time zone `utc_offset_hours` of a unix-seconds instant.
pub fn local_day(unix_secs: i64, utc_offset_hours: i64) -> i64 {
    (unix_secs + utc_offset_hours * 3600).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Holders = Holders { member: Some(1), partner: Some(2), agent: Some(3), agent2: None };

    #[test]
    fn shares_floor_and_the_operator_takes_the_remainder() {
        let r = Rates { rebate: Bps(5000), partner: Bps(1000), agent: Bps(500), agent2: Bps(300) };
        let s = split(Fen(999), r, ALL);
        assert_eq!(s, Split { rebate: Fen(499), partner: Fen(99), agent: Fen(49), agent2: Fen(0), operator: Fen(352) });
        assert_eq!(s.total(), Fen(999));
        let two = Holders { agent2: Some(4), ..ALL };
        let s = split(Fen(999), r, two);
        assert_eq!(
            s,
            Split { rebate: Fen(499), partner: Fen(99), agent: Fen(49), agent2: Fen(29), operator: Fen(323) }
        );
        assert_eq!(s.total(), Fen(999));
        // A second-level agent without a first-level one takes nothing.
        let s = split(Fen(999), r, Holders { agent: None, ..two });
        assert_eq!((s.agent2, s.total()), (Fen(0), Fen(999)));
    }

    #[test]
    fn missing_holders_leave_their_share_to_the_operator() {
        let r = Rates { rebate: Bps(5000), partner: Bps(1000), agent: Bps(500), agent2: Bps(300) };
        let s = split(Fen(1000), r, Holders { member: Some(1), ..Holders::default() });
        assert_eq!(s, Split { rebate: Fen(500), operator: Fen(500), ..Split::default() });
    }

    #[test]
    fn rates_over_100_percent_are_capped_at_the_commission() {
        let r = Rates { rebate: Bps(8000), partner: Bps(8000), agent: Bps(20000), agent2: Bps(9000) };
        let s = split(Fen(101), r, Holders { agent2: Some(4), ..ALL });
        assert_eq!(s, Split { rebate: Fen(80), partner: Fen(21), ..Split::default() });
        assert_eq!(split(Fen(-5), r, ALL).total(), Fen(0));
    }

    #[test]
    fn steps_only_move_forward() {
        use Lifecycle as L;
        assert_eq!(step(None, L::Paid), Some(Step::Book));
        assert_eq!(step(None, L::Unpaid), None);
        assert_eq!(step(Some(Phase::Pending), L::Received), None);
        assert_eq!(step(Some(Phase::Pending), L::Settled), Some(Step::Settle));
        assert_eq!(step(None, L::Settled), Some(Step::Settle));
        assert_eq!(step(Some(Phase::Available), L::Settled), None);
        assert_eq!(step(Some(Phase::Available), L::Paid), None);
        assert_eq!(step(Some(Phase::Pending), L::Invalid), Some(Step::Reverse));
        assert_eq!(step(Some(Phase::Available), L::Invalid), Some(Step::Clawback));
        assert_eq!(step(None, L::Invalid), Some(Step::Void));
        assert_eq!(step(Some(Phase::Reversed), L::Paid), None);
        assert_eq!(step(Some(Phase::ClawedBack), L::Settled), None);
        for p in [Phase::Pending, Phase::Available, Phase::Reversed, Phase::ClawedBack] {
            assert_eq!(Phase::from_code(p.code()), Some(p));
        }
    }

    #[test]
    fn credits_repay_debt_and_clawbacks_never_overdraw() {
        let now = Buckets { available: 30, debt: 0, ..Buckets::default() };
        let m = movement(Step::Clawback, now, Fen(0), Fen(50));
        assert_eq!(m, Buckets { available: -30, debt: 20, ..Buckets::default() });
        let after = now.plus(m);
        assert!(after.is_non_negative());
        let m = movement(Step::Settle, Buckets { pending: 40, ..after }, Fen(40), Fen(45));
        assert_eq!(m, Buckets { pending: -40, available: 25, debt: -20, ..Buckets::default() });
    }

    #[test]
    fn re_splits_never_overdraw() {
        let now = Buckets { pending: 30, available: 10, debt: 5, ..Buckets::default() };
        assert_eq!(adjustment(false, now, 20), Buckets { pending: 20, ..Buckets::default() });
        assert_eq!(adjustment(false, now, -50), Buckets { pending: -30, ..Buckets::default() });
        assert_eq!(adjustment(true, now, 20), Buckets { available: 15, debt: -5, ..Buckets::default() });
        assert_eq!(adjustment(true, now, -25), Buckets { available: -10, debt: 15, ..Buckets::default() });
        for d in [-100, -1, 0, 1, 100] {
            for settled in [false, true] {
                assert!(now.plus(adjustment(settled, now, d)).is_non_negative());
            }
        }
    }

    #[test]
    fn local_days_follow_the_offset() {
        assert_eq!(local_day(0, 8), 0);
        assert_eq!(local_day(16 * 3600, 8), 1);
        assert_eq!(local_day(-1, 0), -1);
    }
}
