//! Resolving what clients send (goods_sign, goods_id, `source_url` in every links-spec §5.1 shape, short codes)
//! to catalogue items, and rendering items as PDD goods records (分 and ‰).

use super::State;
use super::wire::ApiError;
use crate::platform::Platform;
use crate::sim::catalog::{self, SimItem};
use crate::sim::feed;
use crate::sim::text::pdd as text;
use serde_json::{Value, json};

/// `[A-Za-z0-9_-]`, 20–64 characters, not all digits.
pub fn is_goods_sign(s: &str) -> bool {
    (20..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !s.bytes().all(|b| b.is_ascii_digit())
}

fn is_code(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl State {
    /// Registers an item under its goods_sign so later calls (detail, orders) find it.
    pub fn remember(&mut self, item: SimItem) -> SimItem {
        self.items.entry(item.goods_sign.clone()).or_insert(item).clone()
    }

    /// A goods_sign the simulator handed out, else any well-formed one: an item derived from the sign itself
    /// (carrying that sign).
    pub fn item_by_sign(&mut self, sign: &str) -> Option<SimItem> {
        if let Some(item) = self.items.get(sign) {
            return Some(item.clone());
        }
        if !is_goods_sign(sign) {
            return None;
        }
        let mut item = catalog::item_for_key(Platform::Pdd, sign);
        item.goods_sign = sign.to_string();
        Some(self.remember(item))
    }

    pub fn item_by_goods_id(&mut self, id: u64) -> SimItem {
        self.remember(catalog::item_by_id(Platform::Pdd, id))
    }

    /// Resolves a `source_url` (or search keyword link) to an item; anything else is `非法的source_url`.
    pub fn resolve_source(&mut self, source: &str) -> Result<SimItem, ApiError> {
        let illegal = || ApiError::illegal("source_url");
        let url = url::Url::parse(source.trim()).map_err(|_| illegal())?;
        match url.scheme() {
            "http" | "https" => {}
            "pinduoduo" if url.host_str() == Some("com.xunmeng.pinduoduo") => return self.resolve_page(&url, 0),
            _ => return Err(illegal()),
        }
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        if host == "p.pinduoduo.com" {
            let code = url.path().trim_matches('/');
            if !is_code(code, 6..=12) {
                return Err(illegal());
            }
            if let Some(sign) = self.shorts.get(code).cloned() {
                return self.item_by_sign(&sign).ok_or_else(illegal);
            }
            return Ok(self.remember(catalog::item_for_key(Platform::Pdd, code)));
        }
        let base = ["yangkeduo.com", "pinduoduo.com"].into_iter().find(|b| host.ends_with(b)).ok_or_else(illegal)?;
        let sub = host.strip_suffix(base).unwrap_or("");
        if !matches!(sub, "" | "mobile." | "m." | "www.") {
            return Err(illegal());
        }
        self.resolve_page(&url, 0)
    }

    /// A product page: `goods[0-9]?.html`, `duo_coupon_landing.html`, or `app.html` with a `launch_url`.
    fn resolve_page(&mut self, url: &url::Url, depth: u8) -> Result<SimItem, ApiError> {
        let illegal = || ApiError::illegal("source_url");
        let page = url.path().trim_start_matches('/');
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if param("__page").is_some() {
            // a 备案 (auth) page is not a product
            return Err(illegal());
        }
        if page == "app.html" {
            let launch = param("launch_url").filter(|_| depth == 0).ok_or_else(illegal)?;
            let inner = url::Url::parse("https://mobile.yangkeduo.com/").and_then(|b| b.join(launch));
            return self.resolve_page(&inner.map_err(|_| illegal())?, depth + 1);
        }
        let product_page = page == "duo_coupon_landing.html"
            || page
                .strip_prefix("goods")
                .and_then(|r| r.strip_suffix(".html"))
                .is_some_and(|d| d.is_empty() || (d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit())));
        if !product_page {
            return Err(illegal());
        }
        if let Some(sign) = param("goods_sign").filter(|s| is_goods_sign(s)) {
            return self.item_by_sign(sign).ok_or_else(illegal);
        }
        if let Some(id) = param("goods_id").and_then(|s| s.parse::<u64>().ok()).filter(|id| *id > 0) {
            return Ok(self.item_by_goods_id(id));
        }
        if let Some(ps) = param("ps").filter(|s| is_code(s, 6..=16)) {
            return Ok(self.remember(catalog::item_for_key(Platform::Pdd, ps)));
        }
        Err(illegal())
    }
}

/// The goods record of an item as the union reports it at `now` (feed items change with the clock, feeds spec
/// §1.7); `None` while the item is off the promotion.
pub fn goods_json_at(item: &SimItem, now: i64, cdn_base: &str) -> Option<Value> {
    let current = feed::at(item, now)?;
    let mut g = goods_json(&current, cdn_base);
    if feed::is_feed_id(item.id) {
        let (cat_id, cat_name) = feed::category(item);
        g["coupon_total_quantity"] = json!(if current.coupon_fen > 0 { feed::COUPON_TOTAL } else { 0 });
        g["coupon_remain_quantity"] = json!(feed::coupon_remain(&current, now));
        g["cat_id"] = json!(cat_id);
        g["opt_id"] = json!(cat_id / 100);
        g["opt_name"] = json!(cat_name);
    }
    Some(g)
}

/// A goods record of `goods.detail` / `goods.search` (spec §1.5.3): 分, ‰, unix seconds.
pub fn goods_json(item: &SimItem, cdn_base: &str) -> Value {
    let image = format!("{cdn_base}{}", item.image_path);
    let has_coupon = item.coupon_fen > 0;
    let mall_id = 600_000_000 + item.id % 100_000_000;
    let tags: Vec<String> = if has_coupon { vec![text::coupon_tag(item.coupon_fen / 100)] } else { Vec::new() };
    json!({
        "goods_sign": item.goods_sign,
        "goods_name": item.title,
        "goods_desc": item.title,
        "goods_image_url": image,
        "goods_thumbnail_url": image,
        "goods_gallery_urls": [image],
        "min_group_price": item.price_fen,
        "min_normal_price": item.original_price_fen,
        "has_coupon": has_coupon,
        "coupon_discount": item.coupon_fen,
        "coupon_min_order_amount": item.coupon_threshold_fen,
        "coupon_start_time": if has_coupon { Value::from(item.coupon_start) } else { Value::Null },
        "coupon_end_time": if has_coupon { Value::from(item.coupon_end) } else { Value::Null },
        "coupon_total_quantity": if has_coupon { 50_000 } else { 0 },
        "coupon_remain_quantity": if has_coupon { 50_000 - item.sales % 50_000 } else { 0 },
        "promotion_rate": item.commission_bps / 10,
        "sales_tip": text::sales_tip(item.sales),
        "mall_id": mall_id,
        "mall_name": item.shop,
        "merchant_type": 3,
        "desc_txt": text::SCORE_HIGH,
        "serv_txt": text::SCORE_HIGH,
        "lgst_txt": text::SCORE_HIGH,
        "unified_tags": tags,
        "plan_type": 2,
        "is_multi_group": false,
    })
}
