//! The check just before a post goes out (feeds spec §0.3): the item as the union reports it now against the
//! snapshot the plan picked. A post whose item is gone, whose coupon expired (or is about to, or ran out), whose
//! price rose beyond the tolerance or whose commission fell is skipped with the reason; otherwise it goes out with
//! the price the re-check returned, never the snapshot's.

use crate::affiliate::Coupon;
use crate::affiliate::feed::Recheck;
use crate::feeds::FeedItem;
use crate::money::{Bps, Fen};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a post was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The union no longer lists the item.
    Gone,
    /// The coupon is missing, not started, about to end, used up or above the price.
    Coupon,
    /// The price after coupon rose beyond the tolerance.
    PriceUp,
    /// The commission rate is zero or below the floor.
    Commission,
    /// The group was sent the item within the de-duplication period.
    Duplicate,
}

impl SkipReason {
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Gone => "gone",
            SkipReason::Coupon => "coupon",
            SkipReason::PriceUp => "price_up",
            SkipReason::Commission => "commission",
            SkipReason::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The tolerances of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// A coupon ending within this many seconds counts as ended.
    pub coupon_margin_secs: i64,
    /// Largest accepted rise of the price after coupon, basis points of the snapshot price…
    pub max_price_rise: Bps,
    /// …or this many 分, whichever is larger.
    pub max_price_rise_fen: Fen,
    /// Lowest accepted commission rate.
    pub commission_floor: Bps,
}

impl Default for Rules {
    /// The spec's defaults: 30 min coupon margin, 5 % or 100 分 price rise, any commission above zero.
    fn default() -> Self {
        Rules {
            coupon_margin_secs: 1_800,
            max_price_rise: Bps(500),
            max_price_rise_fen: Fen(100),
            commission_floor: Bps(1),
        }
    }
}

/// What goes out: the item with the re-checked price, coupon and commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub price: Fen,
    pub coupon: Option<Coupon>,
    pub final_price: Fen,
    pub commission_rate: Bps,
}

fn coupon_usable(c: &Coupon, price: Fen, now: i64, margin: i64) -> bool {
    c.amount.0 > 0
        && c.starts_at.is_none_or(|s| s <= now)
        && c.ends_at.is_none_or(|e| now < e - margin)
        && c.threshold <= price
}

/// Decides one post at `now` (unix seconds): `snapshot` is what the plan picked, `current` what the union's
/// detail call says now (`None`: not listed any more).
pub fn check(snapshot: &FeedItem, current: Option<&Recheck>, now: i64, rules: &Rules) -> Result<Checked, SkipReason> {
    let current = current.ok_or(SkipReason::Gone)?;
    let price = current.price;
    let coupon = match (&snapshot.coupon, &current.coupon) {
        // The union reports coupons: the current one must be usable when the snapshot promised one.
        (Some(_), Some(Some(c))) if coupon_usable(c, price, now, rules.coupon_margin_secs) => Some(c.clone()),
        (Some(_), Some(_)) => return Err(SkipReason::Coupon),
        // The detail call does not report coupons: the snapshot's coupon must still be in its window.
        (Some(c), None) if coupon_usable(c, price, now, rules.coupon_margin_secs) => Some(c.clone()),
        (Some(_), None) => return Err(SkipReason::Coupon),
        (None, Some(Some(c))) if coupon_usable(c, price, now, rules.coupon_margin_secs) => Some(c.clone()),
        (None, _) => None,
    };
    let final_price = coupon.as_ref().map_or(price, |c| price.saturating_sub(c.amount).max(Fen::ZERO));
    let tolerance = snapshot.final_price.apply_rate(rules.max_price_rise).max(rules.max_price_rise_fen);
    if final_price.0 - snapshot.final_price.0 > tolerance.0 {
        return Err(SkipReason::PriceUp);
    }
    let commission_rate = current.commission_rate.unwrap_or(snapshot.commission_rate);
    if commission_rate.0 <= 0 || commission_rate < rules.commission_floor {
        return Err(SkipReason::Commission);
    }
    Ok(Checked { price, coupon, final_price, commission_rate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Platform;

    const NOW: i64 = 1_767_578_400;

    fn coupon(amount: i64, end: i64) -> Coupon {
        Coupon { amount: Fen(amount), threshold: Fen(0), starts_at: Some(NOW - 3600), ends_at: Some(end) }
    }

    fn snapshot(price: i64, c: Option<Coupon>) -> FeedItem {
        let final_price = Fen(price - c.as_ref().map_or(0, |c| c.amount.0));
        FeedItem {
            platform: Platform::Pdd,
            key: "k".into(),
            title: "t".into(),
            short_title: None,
            image_url: None,
            price: Fen(price),
            final_price,
            coupon: c,
            commission_rate: Bps(1500),
            commission: final_price.apply_rate(Bps(1500)),
            sales: 0,
            sales_text: None,
            shop: String::new(),
            category: String::new(),
            source: "channel:5".into(),
        }
    }

    fn now_reports(price: i64, c: Option<Coupon>, rate: i64) -> Recheck {
        Recheck { price: Fen(price), coupon: Some(c), commission_rate: Some(Bps(rate)) }
    }

    #[test]
    fn unchanged_items_pass_with_the_rechecked_values() {
        let c = coupon(1000, NOW + 86_400);
        let s = snapshot(2990, Some(c.clone()));
        let got = check(&s, Some(&now_reports(2890, Some(c.clone()), 1500)), NOW, &Rules::default()).unwrap();
        assert_eq!(
            got,
            Checked { price: Fen(2890), coupon: Some(c), final_price: Fen(1890), commission_rate: Bps(1500) }
        );
    }

    #[test]
    fn each_reason_is_told_apart() {
        let r = Rules::default();
        let c = coupon(1000, NOW + 86_400);
        let s = snapshot(2990, Some(c.clone()));
        assert_eq!(check(&s, None, NOW, &r), Err(SkipReason::Gone));
        assert_eq!(check(&s, Some(&now_reports(2990, None, 1500)), NOW, &r), Err(SkipReason::Coupon), "coupon gone");
        let ending = coupon(1000, NOW + 1_000);
        assert_eq!(
            check(&s, Some(&now_reports(2990, Some(ending), 1500)), NOW, &r),
            Err(SkipReason::Coupon),
            "within the margin"
        );
        let later = Coupon { starts_at: Some(NOW + 60), ..c.clone() };
        assert_eq!(
            check(&s, Some(&now_reports(2990, Some(later), 1500)), NOW, &r),
            Err(SkipReason::Coupon),
            "not started"
        );
        let above = Coupon { threshold: Fen(5000), ..c.clone() };
        assert_eq!(
            check(&s, Some(&now_reports(2990, Some(above), 1500)), NOW, &r),
            Err(SkipReason::Coupon),
            "threshold"
        );
        // 1 990 → +100 分 is the tolerance (5 % is only 99 分): 2 090 passes, 2 091 does not.
        assert!(check(&s, Some(&now_reports(3090, Some(c.clone()), 1500)), NOW, &r).is_ok());
        assert_eq!(check(&s, Some(&now_reports(3091, Some(c.clone()), 1500)), NOW, &r), Err(SkipReason::PriceUp));
        // On a dear item 5 % is the larger tolerance.
        let dear = snapshot(100_000, None);
        assert!(check(&dear, Some(&now_reports(105_000, None, 1500)), NOW, &r).is_ok());
        assert_eq!(check(&dear, Some(&now_reports(105_001, None, 1500)), NOW, &r), Err(SkipReason::PriceUp));
        assert_eq!(check(&s, Some(&now_reports(2990, Some(c.clone()), 0)), NOW, &r), Err(SkipReason::Commission));
        let floor = Rules { commission_floor: Bps(2000), ..r };
        assert_eq!(check(&s, Some(&now_reports(2990, Some(c), 1500)), NOW, &floor), Err(SkipReason::Commission));
    }

    #[test]
    fn without_coupon_data_the_snapshot_window_decides_and_prices_may_fall() {
        let r = Rules::default();
        let s = snapshot(2990, Some(coupon(1000, NOW + 600)));
        let price_only = Recheck { price: Fen(2990), coupon: None, commission_rate: None };
        assert_eq!(check(&s, Some(&price_only), NOW, &r), Err(SkipReason::Coupon));
        let s = snapshot(2990, Some(coupon(1000, NOW + 86_400)));
        let cheaper = Recheck { price: Fen(2490), coupon: None, commission_rate: None };
        let got = check(&s, Some(&cheaper), NOW, &r).unwrap();
        assert_eq!(got.final_price, Fen(1490), "a lower price goes out as the re-check returned it");
        assert_eq!(got.commission_rate, Bps(1500), "the snapshot's rate when the call reports none");
    }
}
