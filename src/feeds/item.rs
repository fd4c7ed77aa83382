//! The normalized feed item (feeds spec §0.1) and how a union's feed entry becomes one.

use crate::affiliate::Coupon;
use crate::affiliate::feed::FeedEntry;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde::Serialize;

/// An item as a union's feed listed it. Money in 分, rates in basis points, coupon times in unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeedItem {
    pub platform: Platform,
    /// PDD `goods_sign`, JD `skuId`, Taobao `item_id`.
    pub key: String,
    pub title: String,
    pub short_title: Option<String>,
    pub image_url: Option<String>,
    /// Price before the coupon.
    pub price: Fen,
    /// Price after the coupon (券后价).
    pub final_price: Fen,
    pub coupon: Option<Coupon>,
    pub commission_rate: Bps,
    /// `final_price × commission_rate`, truncated.
    pub commission: Fen,
    /// Sales as a number (`10万+` counts as 100 000).
    pub sales: i64,
    /// Sales as the union words them, when it gives text.
    pub sales_text: Option<String>,
    pub shop: String,
    pub category: String,
    /// The feed it came from: `channel:5` (PDD), `elite:22` (JD), `material:3756` (Taobao).
    pub source: String,
}

impl FeedItem {
    pub fn from_entry(entry: FeedEntry, source: &str) -> FeedItem {
        let p = entry.product;
        let sales = p.sales.or_else(|| p.sales_text.as_deref().and_then(sales_number)).unwrap_or(0);
        FeedItem {
            platform: p.platform,
            key: p.item_id,
            title: p.title,
            short_title: entry.short_title.filter(|s| !s.is_empty()),
            image_url: p.image_url,
            price: p.price,
            final_price: p.final_price,
            coupon: p.coupon,
            commission_rate: p.commission_rate,
            commission: p.estimated_commission,
            sales,
            sales_text: p.sales_text,
            shop: p.shop_name.unwrap_or_default(),
            category: entry.category.unwrap_or_default(),
            source: source.to_string(),
        }
    }
}

/// A stored item: the latest snapshot plus when the library first and last saw it (unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredFeedItem {
    pub id: i64,
    #[serde(flatten)]
    pub item: FeedItem,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// Fuzzy sales as PDD words them: `856`, `2.3万`, `10万+` → 856, 23 000, 100 000.
pub fn sales_number(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('+');
    let (digits, scale) = match t.strip_suffix(super::text::TEN_THOUSAND) {
        Some(d) => (d, 10_000),
        None => (t, 1),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let whole: i64 = whole.parse().ok()?;
    let frac_value = match frac.chars().next() {
        Some(c) => i64::from(c.to_digit(10)?) * scale / 10,
        None => 0,
    };
    whole.checked_mul(scale)?.checked_add(frac_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_sales_read_as_numbers() {
        assert_eq!(sales_number("856"), Some(856));
        assert_eq!(sales_number("2.3万"), Some(23_000));
        assert_eq!(sales_number("10万+"), Some(100_000));
        assert_eq!(sales_number("很多"), None);
        assert_eq!(sales_number(""), None);
    }
}
