//! A deterministic, seeded product catalogue shared by the simulated platforms.
//!
//! Listed items (for search) are generated from a fixed seed; any other well-formed key (item id, goods_sign,
//! short code, 淘口令) resolves to an item derived from the key's hash, so any real-looking link converts.
//! Amounts are in 分 and basis points here; each platform simulator renders them in its own units.

use super::text::catalog::{BRANDS, NOUNS, SHOPS, TAGS};
use crate::platform::Platform;
use sha2::{Digest, Sha256};

/// How many items each platform lists for keyword search.
pub const LISTED_PER_PLATFORM: usize = 240;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimItem {
    pub platform: Platform,
    /// Numeric item id (PDD goods_id, JD sku, Taobao num_iid).
    pub id: u64,
    /// PDD goods_sign (derived from the id).
    pub goods_sign: String,
    pub title: String,
    pub shop: String,
    /// Price before coupon, 分.
    pub price_fen: i64,
    /// List/original price, 分 (≥ price).
    pub original_price_fen: i64,
    /// 0 when the item has no coupon.
    pub coupon_fen: i64,
    pub coupon_threshold_fen: i64,
    /// Commission rate in basis points; 0 for items without commission.
    pub commission_bps: i64,
    pub sales: i64,
    /// Photo path on the simulated CDN, e.g. `/pdd/386512047723.jpg`.
    pub image_path: String,
    /// Coupon validity, unix seconds.
    pub coupon_start: i64,
    pub coupon_end: i64,
}

impl SimItem {
    /// Whether the item has a coupon and its price reaches the coupon's threshold.
    pub fn coupon_applies(&self) -> bool {
        self.coupon_fen > 0 && self.price_fen >= self.coupon_threshold_fen
    }

    /// The price a buyer pays, 分: after the coupon when it applies.
    pub fn final_price_fen(&self) -> i64 {
        if self.coupon_applies() { self.price_fen - self.coupon_fen } else { self.price_fen }
    }
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    h.finalize().into()
}

fn word(d: &[u8; 32], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[i * 8..i * 8 + 8]);
    u64::from_le_bytes(b)
}

/// A goods_sign-shaped string (`[A-Za-z0-9_-]`, 38 chars) derived from an id.
pub fn goods_sign_for(id: u64) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let d = digest(&[b"goods_sign", &id.to_le_bytes()]);
    let d2 = digest(&[b"goods_sign2", &id.to_le_bytes()]);
    d.iter().chain(d2.iter()).take(38).map(|b| ALPHA[usize::from(*b) % 64] as char).collect()
}

fn build(platform: Platform, id: u64, d: &[u8; 32]) -> SimItem {
    let w0 = word(d, 0);
    let w1 = word(d, 1);
    let w2 = word(d, 2);
    let w3 = word(d, 3);
    let brand = BRANDS[(w0 % BRANDS.len() as u64) as usize];
    let noun = NOUNS[((w0 >> 8) % NOUNS.len() as u64) as usize];
    let tag = TAGS[((w0 >> 16) % TAGS.len() as u64) as usize];
    let shop = format!("{brand}{}", SHOPS[((w0 >> 24) % SHOPS.len() as u64) as usize]);
    // 5.90 .. 899.90 元, ending in .90
    let price_fen = ((w1 % 894) as i64 + 5) * 100 + 90;
    let original_price_fen = price_fen + ((w1 >> 16) % 50) as i64 * 100;
    let has_coupon = !w2.is_multiple_of(4);
    let coupon_fen =
        if has_coupon { (((w2 >> 8) % 5) as i64 + 1) * 100 * if price_fen > 5000 { 5 } else { 1 } } else { 0 };
    let coupon_fen = coupon_fen.min(price_fen / 2);
    let coupon_threshold_fen = if has_coupon { (coupon_fen * 5).min(price_fen) } else { 0 };
    // 1 % .. 50 %, in whole per-mille so every platform unit can express it exactly; every 23rd item has none.
    let commission_bps = if (w2 >> 24).is_multiple_of(23) { 0 } else { (((w2 >> 32) % 50) as i64 + 1) * 100 };
    let sales = ((w3 % 200_000) as i64) + 3;
    let coupon_start = 1_735_689_600 + ((w3 >> 20) % 86_400) as i64;
    SimItem {
        platform,
        id,
        goods_sign: goods_sign_for(id),
        title: format!("{tag}{brand} {noun}"),
        shop,
        price_fen,
        original_price_fen,
        coupon_fen,
        coupon_threshold_fen,
        commission_bps,
        sales,
        image_path: format!("/{}/{}.jpg", platform.code(), id),
        coupon_start,
        coupon_end: coupon_start + 365 * 86_400 * 5,
    }
}

/// The item a given id resolves to (stable across runs).
pub fn item_by_id(platform: Platform, id: u64) -> SimItem {
    let d = digest(&[platform.code().as_bytes(), &id.to_le_bytes()]);
    build(platform, id, &d)
}

/// The item any other key (goods_sign, short code, token, URL) resolves to: an id derived from the key.
pub fn item_for_key(platform: Platform, key: &str) -> SimItem {
    let d = digest(&[b"key", platform.code().as_bytes(), key.as_bytes()]);
    // 12-digit ids like real ones
    let id = 100_000_000_000 + word(&d, 0) % 900_000_000_000;
    item_by_id(platform, id)
}

/// The listed items of a platform (seeded), for keyword search.
pub fn listed(platform: Platform) -> Vec<SimItem> {
    (0..LISTED_PER_PLATFORM as u64)
        .map(|i| {
            let d = digest(&[b"listed", platform.code().as_bytes(), &i.to_le_bytes()]);
            let id = 100_000_000_000 + word(&d, 0) % 900_000_000_000;
            item_by_id(platform, id)
        })
        .collect()
}

/// Listed items whose title contains every whitespace-separated word of `keyword`.
pub fn search(platform: Platform, keyword: &str) -> Vec<SimItem> {
    let words: Vec<&str> = keyword.split_whitespace().collect();
    listed(platform).into_iter().filter(|it| words.iter().all(|w| it.title.contains(w))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_deterministic_and_sane() {
        let a = item_for_key(Platform::Pdd, "Kx82LmQe");
        let b = item_for_key(Platform::Pdd, "Kx82LmQe");
        assert_eq!(a, b);
        assert_ne!(a, item_for_key(Platform::Pdd, "Kx82LmQf"));
        for it in listed(Platform::Jd) {
            assert!(it.price_fen > 0 && it.original_price_fen >= it.price_fen);
            assert!(it.coupon_fen <= it.price_fen / 2);
            assert!(it.commission_bps % 10 == 0, "PDD per-mille must express the rate exactly");
            assert_eq!(it.goods_sign.len(), 38);
        }
        assert_eq!(listed(Platform::Taobao).len(), LISTED_PER_PLATFORM);
    }

    #[test]
    fn catalogue_has_rare_characters_and_searchable_titles() {
        let all = listed(Platform::Pdd);
        assert!(all.iter().any(|i| i.title.contains('焗') || i.title.contains('堃') || i.title.contains('喆')));
        assert!(!search(Platform::Pdd, "抽纸").is_empty());
        assert!(search(Platform::Pdd, "不存在的东西").is_empty());
    }
}
