//! A member's itemized statement (我的 / 订单): balances and recent orders with base amount, rate, status and the
//! expected settlement month, rendered in Chinese for the chat.

use super::rules::{Buckets, Phase};
use super::text;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use crate::store::ledger::LedgerOrder;

/// One order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub platform: String,
    pub order_key: String,
    pub phase: Phase,
    /// The commission the rebate is computed from: settled once settled, the estimate before.
    pub base: Fen,
    pub rate: Bps,
    pub rebate: Fen,
    /// `2026-10` for pending orders: the month after payment, when the unions settle; `None` otherwise.
    pub expected_settlement: Option<String>,
}

/// Balances and recent orders of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub balance: Buckets,
    pub lines: Vec<StatementLine>,
}

/// The month after the local month of `paid_at_secs`, as `YYYY-MM`.
pub fn expected_settlement_month(paid_at_secs: i64, utc_offset_hours: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(paid_at_secs + utc_offset_hours * 3600).ok()?;
    let (year, month) = match u8::from(t.month()) {
        12 => (t.year() + 1, 1),
        m => (t.year(), m + 1),
    };
    Some(format!("{year:04}-{month:02}"))
}

impl StatementLine {
    pub fn of(o: &LedgerOrder, utc_offset_hours: i64) -> StatementLine {
        StatementLine {
            platform: o.platform.clone(),
            order_key: o.order_key.clone(),
            phase: o.phase,
            base: o.commission_settled.unwrap_or(o.commission_estimated),
            rate: o.rates.rebate,
            rebate: o.split.rebate,
            expected_settlement: match (o.phase, o.paid_at) {
                (Phase::Pending, Some(paid)) => expected_settlement_month(paid, utc_offset_hours),
                _ => None,
            },
        }
    }
}

/// The statement as a chat reply.
pub fn render(s: &Statement) -> String {
    let mut out = text::balances(&s.balance);
    if s.balance.debt > 0 {
        out.push_str(&text::debt(Fen(s.balance.debt)));
    }
    if s.lines.is_empty() {
        out.push_str(text::NO_ORDERS);
    }
    for l in &s.lines {
        let platform = l.platform.parse::<Platform>().map(|p| p.display_name()).unwrap_or("");
        out.push_str(&text::order_line(platform, &l.order_key, l.base, l.rate, l.rebate, l.phase));
        if let Some(m) = &l.expected_settlement {
            out.push_str(&text::expected_settlement(m));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_orders_settle_the_month_after_payment() {
        // 2026-12-31 20:00 UTC is 2027-01-01 04:00 at UTC+8.
        let t = 1_798_747_200;
        assert_eq!(expected_settlement_month(t, 0).as_deref(), Some("2027-01"));
        assert_eq!(expected_settlement_month(t, 8).as_deref(), Some("2027-02"));
    }

    #[test]
    fn renders_balances_and_lines() {
        let s = Statement {
            balance: Buckets { pending: 499, available: 1200, ..Buckets::default() },
            lines: vec![StatementLine {
                platform: "pdd".into(),
                order_key: "sn-1".into(),
                phase: Phase::Pending,
                base: Fen(999),
                rate: Bps(5000),
                rebate: Fen(499),
                expected_settlement: Some("2026-10".into()),
            }],
        };
        assert_eq!(
            render(&s),
            "💰 待结算 ¥4.99｜可提现 ¥12.00｜提现中 ¥0.00｜已提现 ¥0.00\n拼多多 sn-1：佣金 ¥9.99 × 50% = 返利 ¥4.99，待结算，预计 2026-10 结算"
        );
    }
}
