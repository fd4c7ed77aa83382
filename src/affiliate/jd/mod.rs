//! JD 京东联盟 client over the JOS gateway (affiliates spec §2).
//!
//! Every call is a signed form POST (`method, app_key, timestamp, format, v, sign_method, 360buy_param_json,
//! sign`) run under the platform's [`CallGuard`]. Envelopes are accepted in the wire spelling (`…_responce`, the
//! `…Result` as JSON text) and the documented one (`…_response`, an object).
//!
//! Conversion: `promotion.bysubunionid.get` (chainType 3: short and long link), falling back to
//! `promotion.common.get` with the configured siteId when the app lacks the bysubunionid permission. The product
//! comes from `goods.query`: by `skuIds` when the reference names a sku, otherwise by `keyword` = the short link just
//! made (goods.query accepts union links as keywords), so short links, coupon and union links get full details too.

#[cfg(test)]
mod item_tests;
#[cfg(test)]
mod tests;
mod wire;

use super::feed::{FeedEntry, FeedPage};
use super::gmt8;
use super::guard::CallGuard;
use super::items::ItemCache;
use super::sign::md5_wrapped;
use super::transport::post_form;
use super::{AffiliateError, Attribution, Conversion, Product, Promotion};
use crate::config::JdSettings;
use crate::links::{ProductRef, RefKind};
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

const BYSUBUNIONID: &str = "jd.union.open.promotion.bysubunionid.get";
const COMMON: &str = "jd.union.open.promotion.common.get";
const GOODS_QUERY: &str = "jd.union.open.goods.query";
const ORDER_ROW_QUERY: &str = "jd.union.open.order.row.query";
const POSITION_QUERY: &str = "jd.union.open.position.query";
/// `position.query` page size, and how many pages are read at most.
const POSITION_PAGE_SIZE: u64 = 100;
const MAX_POSITION_PAGES: u64 = 50;
const JINGFEN_QUERY: &str = "jd.union.open.goods.jingfen.query";
/// Largest `goods.jingfen.query` page.
pub const MAX_JINGFEN_PAGE_SIZE: u32 = 50;

/// Longest window `order.row.query` accepts.
pub const ORDER_WINDOW: Duration = Duration::from_secs(3600);
/// Largest `order.row.query` page.
pub const MAX_ORDER_PAGE_SIZE: u32 = 500;
/// Largest `goods.query` page.
pub const MAX_SEARCH_PAGE_SIZE: u32 = 30;
/// How long a `u.jd.com` short link stays valid.
const SHORT_LINK_LIFETIME_SECS: i64 = 60 * 86_400;

/// One `order.row.query` row (order + sku), money in 分 and rates in basis points.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    /// `id`, the primary key (order + sku row).
    pub id: String,
    pub order_id: String,
    /// `0` when the order was not split.
    pub parent_id: String,
    pub sku_id: String,
    pub sku_name: String,
    pub sku_num: i64,
    pub sku_return_num: i64,
    /// Unit price.
    pub price: Fen,
    pub commission_rate: Bps,
    /// The publisher's share of the commission (`finalRate`).
    pub final_rate: Bps,
    pub estimate_cos_price: Fen,
    pub estimate_fee: Fen,
    pub actual_cos_price: Fen,
    pub actual_fee: Fen,
    /// Raw `validCode` (16 paid, 17 finished, 15 unpaid, 2–14 and 19–30 invalid, -1 unknown).
    pub valid_code: i64,
    pub position_id: String,
    pub site_id: String,
    pub sub_union_id: Option<String>,
    /// Unix seconds.
    pub order_time: Option<i64>,
    pub finish_time: Option<i64>,
    pub modify_time: Option<i64>,
    /// Settlement date (`payMonth`); `None` while JD reports `0`.
    pub pay_month: Option<time::Date>,
    /// The row exactly as received.
    pub raw: Value,
}

/// A page of order rows.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    pub has_more: bool,
}

#[derive(Clone)]
pub struct JdClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: JdSettings,
    http: reqwest::Client,
    guard: CallGuard,
    items: ItemCache,
}

impl JdClient {
    pub fn new(settings: JdSettings, http: reqwest::Client) -> Self {
        let guard = CallGuard::new(Platform::Jd, settings.qps, settings.max_attempts, Duration::from_millis(200));
        JdClient { inner: Arc::new(Inner { settings, http, guard, items: ItemCache::default() }) }
    }

    /// Converts a JD reference into a promotion link on `attr.pid` (positionId; the configured default when
    /// empty) with the joined attribution tag ([`Attribution::joined_tag`]) as subUnionId, plus the product. A tag
    /// that is not a valid subUnionId (`[A-Za-z0-9_-]`, at most 80) is left out and the conversion says
    /// `member_dropped`.
    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        self.ensure_configured()?;
        let pid = if attr.pid.is_empty() { self.inner.settings.default_pid.as_str() } else { attr.pid.as_str() };
        let position_id: u64 = pid.parse().map_err(|_| AffiliateError::Rejected {
            code: "positionId".into(),
            msg: format!("a JD positionId is numeric, got `{pid}`"),
        })?;
        let tag = attr.joined_tag();
        let (member, member_dropped) = match tag.as_deref() {
            Some(m) if is_sub_union_id(m) => (Some(m), false),
            Some(_) => {
                tracing::warn!("member id is not a valid JD subUnionId; converting with the positionId only");
                (None, true)
            }
            None => (None, false),
        };
        let material = r.material();
        let (promotion, product) = match sku_of(r) {
            Some(sku) => {
                // The goods record does not depend on the member: shared by every conversion of the sku.
                let key = sku.to_string();
                let goods = self.inner.items.get_or_fetch(&key, self.goods_by_sku(sku));
                let (p, g) = futures::join!(self.promotion(&material, position_id, member), goods);
                (p?, g?)
            }
            None => {
                let promotion = self.promotion(&material, position_id, member).await?;
                let product = self.goods_by_link(promotion.best_url()).await?;
                (promotion, product)
            }
        };
        Ok(Conversion { product, promotion, member_dropped })
    }

    /// Keyword search (`goods.query`); `page` from 1, `page_size` clamped to 1..=30.
    pub async fn search(&self, keyword: &str, page: u32, page_size: u32) -> Result<Vec<Product>, AffiliateError> {
        self.ensure_configured()?;
        let req = json!({"goodsReqDTO": {
            "keyword": keyword,
            "pageIndex": page.max(1),
            "pageSize": page_size.clamp(1, MAX_SEARCH_PAGE_SIZE),
        }});
        let res = self.call(GOODS_QUERY, &req).await?;
        Ok(goods_list(&res)
            .iter()
            .filter_map(|g| {
                wire::product(g).map_err(|e| tracing::warn!(error = %e, "skipping a malformed JD goods record")).ok()
            })
            .collect())
    }

    /// One page of `goods.jingfen.query` (feeds spec §2.1) for an `eliteId`; `page` from 1, `page_size` clamped to
    /// 1..=50. The page-limit code 202 is an empty last page.
    pub async fn jingfen(&self, elite_id: u32, page: u32, page_size: u32) -> Result<FeedPage, AffiliateError> {
        self.ensure_configured()?;
        let req = json!({"goodsReq": {
            "eliteId": elite_id,
            "pageIndex": page.max(1),
            "pageSize": page_size.clamp(1, MAX_JINGFEN_PAGE_SIZE),
        }});
        let res = match self.call(JINGFEN_QUERY, &req).await {
            Err(AffiliateError::Rejected { code, .. }) if code == "202" => return Ok(FeedPage::default()),
            other => other?,
        };
        let entries = goods_list(&res)
            .iter()
            .filter_map(|g| {
                let product = wire::product(g)
                    .map_err(|e| tracing::warn!(error = %e, "skipping a malformed JD feed record"))
                    .ok()?;
                let category = ["/categoryInfo/cid1Name", "/categoryInfo/cid3Name"]
                    .iter()
                    .find_map(|p| g.pointer(p).and_then(Value::as_str).filter(|s| !s.is_empty()))
                    .map(str::to_string);
                Some(FeedEntry { product, short_title: None, category })
            })
            .collect();
        Ok(FeedPage { entries, total: res.get("totalCount").and_then(Value::as_i64), list_id: None })
    }

    /// One page of orders updated in `[start, end]` (unix seconds; at most [`ORDER_WINDOW`] apart) with
    /// `order.row.query` type 3. `page` from 1; `page_size` clamped to 1..=500. Page while `has_more`.
    pub async fn order_page(
        &self,
        start: i64,
        end: i64,
        page: u32,
        page_size: u32,
    ) -> Result<OrderPage, AffiliateError> {
        self.ensure_configured()?;
        let req = json!({"orderReq": {
            "pageIndex": page.max(1),
            "pageSize": page_size.clamp(1, MAX_ORDER_PAGE_SIZE),
            "type": 3,
            "startTime": gmt8::format(start),
            "endTime": gmt8::format(end),
        }});
        let res = self.call(ORDER_ROW_QUERY, &req).await?;
        let rows = match res.get("data") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list.iter().map(wire::order_row).collect::<Result<_, _>>()?,
            Some(_) => return Err(AffiliateError::Decode("jd orders: data is not a list".into())),
        };
        let has_more = match res.get("hasMore") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        Ok(OrderPage { rows, has_more })
    }

    /// Whether `position_id` is one of the account's placements (`position.query`, 聊天工具推广位 first, paged).
    ///
    /// The request shape (`positionReq{unionType, pageIndex, pageSize}`, the answer's `data.result[].id`) follows the
    /// union's documentation of the method; the `unionId` and `key` it also names are left out, as the app's own
    /// account is meant (a guess, easy to change here).
    pub async fn owns_position(&self, position_id: u64) -> Result<bool, AffiliateError> {
        self.ensure_configured()?;
        for page in 1..=MAX_POSITION_PAGES {
            let req = json!({"positionReq": {"unionType": 1, "pageIndex": page, "pageSize": POSITION_PAGE_SIZE}});
            let res = self.call(POSITION_QUERY, &req).await?;
            let data = res.get("data");
            let list =
                data.and_then(|d| d.get("result")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            if list
                .iter()
                .any(|p| p.get("id").and_then(wire::scalar_string).as_deref() == Some(&position_id.to_string()))
            {
                return Ok(true);
            }
            let total = data.and_then(|d| d.get("total")).and_then(Value::as_u64).unwrap_or(0);
            if list.is_empty() || page * POSITION_PAGE_SIZE >= total {
                break;
            }
        }
        Ok(false)
    }

    fn ensure_configured(&self) -> Result<(), AffiliateError> {
        let s = &self.inner.settings;
        if s.app_key.is_empty() || s.app_secret.is_empty() || s.gateway_url.is_empty() {
            return Err(AffiliateError::NotConfigured(Platform::Jd));
        }
        Ok(())
    }

    async fn promotion(
        &self,
        material: &str,
        position_id: u64,
        member: Option<&str>,
    ) -> Result<Promotion, AffiliateError> {
        let mut req = json!({"materialId": material, "positionId": position_id, "chainType": 3});
        if let Some(m) = member {
            req["subUnionId"] = json!(m);
        }
        let res = match self.call(BYSUBUNIONID, &json!({ "promotionCodeReq": req })).await {
            Err(AffiliateError::Rejected { code, msg })
                if wire::NO_PERMISSION.contains(&code.as_str()) && !self.inner.settings.site_id.is_empty() =>
            {
                tracing::info!(code, msg, "no bysubunionid permission; converting with promotion.common.get");
                let mut req = json!({
                    "materialId": material,
                    "siteId": self.inner.settings.site_id,
                    "positionId": position_id,
                });
                if let Some(m) = member {
                    req["subUnionId"] = json!(m);
                }
                self.call(COMMON, &json!({ "promotionCodeReq": req })).await?
            }
            other => other?,
        };
        let data = res.get("data").ok_or_else(|| AffiliateError::Decode("jd promotion: no data".into()))?;
        let text = |k: &str| data.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        let short_url = text("shortURL");
        let url = text("clickURL")
            .or_else(|| short_url.clone())
            .ok_or_else(|| AffiliateError::Decode("jd promotion: neither clickURL nor shortURL".into()))?;
        let expires_at =
            short_url.as_ref().map(|_| time::OffsetDateTime::now_utc().unix_timestamp() + SHORT_LINK_LIFETIME_SECS);
        Ok(Promotion { url, short_url, command: text("jCommand").or_else(|| text("jShortCommand")), expires_at })
    }

    /// One item by sku (`goods.query` skuIds, feeds spec §2.5); [`AffiliateError::NotFound`] when JD no longer
    /// lists it.
    pub async fn goods(&self, sku: &str) -> Result<Product, AffiliateError> {
        let sku: u64 = sku.parse().map_err(|_| AffiliateError::NotFound)?;
        let res = self.call(GOODS_QUERY, &json!({"goodsReqDTO": {"skuIds": [sku]}})).await?;
        let product = goods_list(&res).first().map(wire::product).unwrap_or(Err(AffiliateError::NotFound))?;
        // A fresh reading (pre-send validation): the conversions that follow show what was validated.
        self.inner.items.remember(&sku.to_string(), product.clone()).await;
        Ok(product)
    }

    async fn goods_by_sku(&self, sku: u64) -> Result<Product, AffiliateError> {
        self.single_goods(json!({"goodsReqDTO": {"skuIds": [sku]}})).await
    }

    async fn goods_by_link(&self, link: &str) -> Result<Product, AffiliateError> {
        self.single_goods(json!({"goodsReqDTO": {"keyword": link, "pageIndex": 1, "pageSize": 1}})).await
    }

    /// The first record of a goods.query answer. JD leaves items out that are not in promotion.
    async fn single_goods(&self, req: Value) -> Result<Product, AffiliateError> {
        let res = self.call(GOODS_QUERY, &req).await?;
        goods_list(&res).first().map(wire::product).unwrap_or(Err(AffiliateError::NoCommission))
    }

    /// A signed call under the guard; returns the `…Result` object.
    async fn call(&self, method: &str, business: &Value) -> Result<Map<String, Value>, AffiliateError> {
        let param_json = business.to_string();
        self.inner.guard.run(|| self.call_once(method, &param_json)).await
    }

    async fn call_once(&self, method: &str, param_json: &str) -> Result<Map<String, Value>, AffiliateError> {
        let s = &self.inner.settings;
        let timestamp = gmt8::format(time::OffsetDateTime::now_utc().unix_timestamp());
        let mut params: Vec<(&str, &str)> = vec![
            ("method", method),
            ("app_key", &s.app_key),
            ("timestamp", &timestamp),
            ("format", "json"),
            ("v", "1.0"),
            ("sign_method", "md5"),
            ("360buy_param_json", param_json),
        ];
        let sign = md5_wrapped(s.app_secret.expose(), params.iter().copied());
        params.push(("sign", &sign));
        let timeout = Duration::from_millis(s.timeout_ms);
        post_form(&self.inner.http, "jd", method, &s.gateway_url, timeout, &params, |body| {
            wire::parse_envelope(method, body)
        })
        .await
    }
}

/// The sku of a reference that names one (item page links), else `None` (short, coupon and union links).
fn sku_of(r: &ProductRef) -> Option<u64> {
    let digits = (4..=20).contains(&r.key.len()) && r.key.bytes().all(|b| b.is_ascii_digit());
    if r.platform == Platform::Jd && r.kind == RefKind::Url && digits { r.key.parse().ok() } else { None }
}

/// subUnionId: at most 80 characters of `[A-Za-z0-9_-]`.
fn is_sub_union_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 80 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn goods_list(res: &Map<String, Value>) -> &[Value] {
    res.get("data").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}
