//! The feed catalogue the simulated unions list in their channels (feeds spec §1.7, §2.6, §3.6), and how those
//! items change with the simulator clock.
//!
//! Feed items are catalogue items ([`catalog::item_by_id`]) whose ids sit in their own range
//! ([`FEED_ID_BASE`]..): a pool of [`POOL`] items per platform, of which every channel lists [`PER_CHANNEL`] in
//! its own seeded order (channels overlap, as real feeds do). Unlike the rest of the catalogue they live on the
//! business clock, as a pure function of it ([`at`]):
//! - coupons run in cycles of 2–6 days (Beijing days): valid from 00:00:00 of the cycle's first day to 23:59:59 of
//!   its second-to-last day, absent on its last day, then a new coupon starts;
//! - the coupon stock falls linearly over its window; every fourth item's coupon runs out at 80 % of it;
//! - the price alternates between the catalogue price and 8 % more, switching every day at an item-specific hour;
//! - every twentieth item is off the promotion every fourth day (detail calls then find nothing).

use super::catalog::{self, SimItem};
use super::support::hash64;
use super::text::catalog::CATEGORIES;
use crate::platform::Platform;

/// First id of the feed range (13 digits: above 2^31 like real JD skus, apart from the key-derived ids).
pub const FEED_ID_BASE: u64 = 9_000_000_000_000;
/// Feed items per platform.
pub const POOL: u64 = 300;
/// Items each channel lists.
pub const PER_CHANNEL: usize = 60;
/// Coupon stock at the start of a coupon window.
pub const COUPON_TOTAL: i64 = 10_000;

const DAY: i64 = 86_400;
/// Seconds to add to unix time to get Beijing local time.
const GMT8_SECS: i64 = 8 * 3600;

/// Whether an id belongs to the feed range.
pub fn is_feed_id(id: u64) -> bool {
    (FEED_ID_BASE..FEED_ID_BASE + POOL).contains(&id)
}

/// The category of a feed (or any) item.
pub fn category(item: &SimItem) -> (u32, &'static str) {
    let h = hash64(&[b"feed-category", &item.id.to_le_bytes()]);
    CATEGORIES[(h % CATEGORIES.len() as u64) as usize]
}

/// The items one channel lists, in its order, at the catalogue's base state (apply [`at`] before rendering).
pub fn channel_items(platform: Platform, channel: u64) -> Vec<SimItem> {
    let mut ids: Vec<(u64, u64)> = (0..POOL)
        .map(|k| (hash64(&[b"feed-order", platform.code().as_bytes(), &channel.to_le_bytes(), &k.to_le_bytes()]), k))
        .collect();
    ids.sort_unstable();
    ids.into_iter().take(PER_CHANNEL).map(|(_, k)| catalog::item_by_id(platform, FEED_ID_BASE + k)).collect()
}

fn dynamics(item: &SimItem) -> u64 {
    hash64(&[b"feed-dynamics", item.platform.code().as_bytes(), &item.id.to_le_bytes()])
}

/// Beijing day number of a unix time.
fn day_of(now: i64) -> i64 {
    (now + GMT8_SECS).div_euclid(DAY)
}

/// Unix time of 00:00:00 Beijing time of a day number.
fn day_start(day: i64) -> i64 {
    day * DAY - GMT8_SECS
}

/// The item as the union reports it at `now`; `None` while it is off the promotion. Items outside the feed range
/// do not change.
pub fn at(item: &SimItem, now: i64) -> Option<SimItem> {
    if !is_feed_id(item.id) {
        return Some(item.clone());
    }
    let h = dynamics(item);
    let day = day_of(now);
    if h.is_multiple_of(20) && (day + (h >> 40) as i64).rem_euclid(4) == 3 {
        return None;
    }
    let mut it = item.clone();
    // Price: +8 % on alternate "price days" that begin at an item-specific hour.
    let switch_hour = ((h >> 8) % 24) as i64;
    let price_day = (now + GMT8_SECS - switch_hour * 3600).div_euclid(DAY);
    if (price_day + (h >> 16) as i64 % 2).rem_euclid(2) == 1 {
        it.price_fen = risen(item.price_fen);
        it.original_price_fen = it.original_price_fen.max(it.price_fen);
    }
    if let Some((start, end)) = coupon_window(item, now) {
        it.coupon_start = start;
        it.coupon_end = end;
    } else {
        it.coupon_fen = 0;
        it.coupon_threshold_fen = 0;
    }
    Some(it)
}

/// The 8 % higher price, still ending in .90.
fn risen(price_fen: i64) -> i64 {
    let up = price_fen + price_fen * 8 / 100;
    up - up.rem_euclid(100) + 90
}

/// The current coupon window `(start, end)` (end = 23:59:59 Beijing time), when the item has a coupon now.
pub fn coupon_window(item: &SimItem, now: i64) -> Option<(i64, i64)> {
    if item.coupon_fen <= 0 {
        return None;
    }
    if !is_feed_id(item.id) {
        return Some((item.coupon_start, item.coupon_end));
    }
    let h = dynamics(item);
    let period = 2 + (h >> 24) as i64 % 5;
    let shifted = day_of(now) + (h >> 32) as i64 % period;
    let pos = shifted.rem_euclid(period);
    if pos == period - 1 {
        return None;
    }
    let first_day = day_of(now) - pos;
    Some((day_start(first_day), day_start(first_day + period - 1) - 1))
}

/// Coupons left at `now` (0 when the item has no coupon now).
pub fn coupon_remain(item: &SimItem, now: i64) -> i64 {
    let Some((start, end)) = coupon_window(item, now) else { return 0 };
    if !is_feed_id(item.id) {
        return COUPON_TOTAL;
    }
    let span = (end - start).max(1);
    let elapsed = (now - start).clamp(0, span);
    if dynamics(item).is_multiple_of(4) && elapsed * 10 >= span * 8 {
        return 0;
    }
    (COUPON_TOTAL - COUPON_TOTAL * elapsed / span).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_225_600; // 2026-01-01 08:00 Beijing

    #[test]
    fn channels_are_deterministic_overlapping_and_in_the_feed_range() {
        let a = channel_items(Platform::Pdd, 5);
        assert_eq!(a, channel_items(Platform::Pdd, 5));
        assert_eq!(a.len(), PER_CHANNEL);
        assert!(a.iter().all(|i| is_feed_id(i.id)));
        let b = channel_items(Platform::Pdd, 1);
        assert_ne!(a, b);
        assert!(a.iter().any(|i| b.contains(i)), "channels share items");
        assert!(!is_feed_id(catalog::listed(Platform::Pdd)[0].id));
    }

    #[test]
    fn coupons_expire_at_beijing_midnight_and_come_back() {
        let items = channel_items(Platform::Jd, 22);
        let with_coupon: Vec<&SimItem> = items.iter().filter(|i| i.coupon_fen > 0).collect();
        assert!(!with_coupon.is_empty());
        for item in with_coupon {
            let mut saw_gap = false;
            let mut saw_coupon = false;
            for d in 0..8 {
                let now = T0 + d * DAY;
                match coupon_window(item, now) {
                    Some((start, end)) => {
                        saw_coupon = true;
                        assert!(start <= now && now <= end);
                        assert_eq!((end + 1 + GMT8_SECS) % DAY, 0, "ends at 23:59:59 Beijing time");
                        let at_end = at(item, end).map(|i| i.coupon_fen);
                        if at(item, end).is_some() {
                            assert_eq!(at_end, Some(item.coupon_fen));
                        }
                        assert!(coupon_window(item, end + 1).is_none_or(|w| w.0 == end + 1), "a new coupon or none");
                    }
                    None => saw_gap = true,
                }
            }
            assert!(saw_gap && saw_coupon, "every cycle has a day without coupon");
        }
    }

    #[test]
    fn prices_change_and_stock_runs_out() {
        let items = channel_items(Platform::Taobao, 3756);
        let item = &items[0];
        let prices: std::collections::BTreeSet<i64> =
            (0..48).filter_map(|h| at(item, T0 + h * 3600)).map(|i| i.price_fen).collect();
        assert_eq!(prices.len(), 2, "{prices:?}");
        assert!(prices.iter().all(|p| p % 100 == 90));
        let runs_out = channel_items(Platform::Pdd, 5)
            .into_iter()
            .find(|i| i.coupon_fen > 0 && dynamics(i).is_multiple_of(4))
            .expect("an item whose coupon runs out");
        let remains: Vec<i64> = (0..24 * 7).map(|h| coupon_remain(&runs_out, T0 + h * 3600)).collect();
        assert!(remains.contains(&0) && remains.iter().any(|r| *r > 0));
        let gone = (0..POOL)
            .map(|k| catalog::item_by_id(Platform::Pdd, FEED_ID_BASE + k))
            .any(|i| (0..4).any(|d| at(&i, T0 + d * DAY).is_none()));
        assert!(gone, "some items leave the promotion");
        let plain = catalog::listed(Platform::Pdd).remove(0);
        assert_eq!(at(&plain, T0), Some(plain));
    }
}
