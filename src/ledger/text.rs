//! The ledger's chat texts: a member's statement (我的 / 订单).

use super::rules::{Buckets, Phase};
use crate::money::{Bps, Fen};

pub fn phase(p: Phase) -> &'static str {
    match p {
        Phase::Pending => "待结算",
        Phase::Available => "已结算",
        Phase::Reversed => "已失效",
        Phase::ClawedBack => "已退款扣回",
    }
}

/// The statement's first line: the balances.
pub fn balances(b: &Buckets) -> String {
    format!(
        "💰 待结算 ¥{}｜可提现 ¥{}｜提现中 ¥{}｜已提现 ¥{}",
        Fen(b.pending).yuan_string(),
        Fen(b.available).yuan_string(),
        Fen(b.withdrawing).yuan_string(),
        Fen(b.paid_out).yuan_string()
    )
}

/// Refunds still to be deducted from future rebates.
pub fn debt(debt: Fen) -> String {
    format!("\n退款待抵扣 ¥{}", debt.yuan_string())
}

pub const NO_ORDERS: &str = "\n暂无订单";

/// One order: `platform` is its display name.
pub fn order_line(platform: &str, order_key: &str, base: Fen, rate: Bps, rebate: Fen, phase: Phase) -> String {
    format!(
        "\n{platform} {order_key}：佣金 ¥{} × {} = 返利 ¥{}，{}",
        base.yuan_string(),
        rate.percent_string(),
        rebate.yuan_string(),
        self::phase(phase)
    )
}

/// A pending order's expected settlement month (`2026-10`).
pub fn expected_settlement(month: &str) -> String {
    format!("，预计 {month} 结算")
}
