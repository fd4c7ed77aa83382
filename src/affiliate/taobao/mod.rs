//! Taobao 淘宝联盟 client over the Taobao Open Platform (TOP, affiliates spec §3).
//!
//! Every call is a signed form POST (`method, app_key, timestamp, format=json, v=2.0, sign_method, [session],
//! sign`; sign method `md5`, `hmac` or `hmac-sha256` from the settings) run under the platform's [`CallGuard`].
//! `session` is sent only to the `taobao.tbk.sc.*` methods that need it.
//!
//! Conversion: `taobao.tbk.dg.general.link.convert` (万能转链) turns the pasted material (URL or 淘口令) into our
//! links on the PID's adzone, with the member's `relation_id` / `special_id`; then `taobao.tbk.item.info.get` gives
//! the item and `taobao.tbk.tpwd.create` a fresh 淘口令 for the promotion link. Coupon and commission rate come from
//! the conversion answer. A failed 淘口令 does not fail the conversion (the link is still good).

mod registration;
#[cfg(test)]
mod tests;
mod wire;

pub use registration::MemberTag;

use super::feed::FeedPage;
use super::gmt8;
use super::guard::CallGuard;
use super::sign::{hmac_md5, hmac_sha256, md5_wrapped};
use super::transport::post_form;
use super::{AffiliateError, Attribution, Conversion, Product, Promotion};
use crate::config::TaobaoSettings;
use crate::links::ProductRef;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

const DG_CONVERT: &str = "taobao.tbk.dg.general.link.convert";
const TPWD_CREATE: &str = "taobao.tbk.tpwd.create";
const ITEM_INFO: &str = "taobao.tbk.item.info.get";
const ITEM_INFO_UPGRADE: &str = "taobao.tbk.item.info.upgrade.get";
const MATERIAL_OPTIONAL: &str = "taobao.tbk.dg.material.optional";
const DG_ORDERS: &str = "taobao.tbk.order.details.get";
const OPTIMUS_MATERIAL: &str = "taobao.tbk.dg.optimus.material";
const SC_ORDERS: &str = "taobao.tbk.sc.order.details.get";

/// Longest window `order.details.get` accepts (20 min during 618 / 双11 / 年货节).
pub const ORDER_WINDOW: Duration = Duration::from_secs(3 * 3600);
/// Largest `order.details.get` page.
pub const MAX_ORDER_PAGE_SIZE: u32 = 100;
/// Largest `material.optional` page.
pub const MAX_SEARCH_PAGE_SIZE: u32 = 100;

/// One `publisher_order_dto` (a sub-order), money in 分 and rates in basis points.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    /// 子订单号, the primary key.
    pub trade_id: String,
    pub trade_parent_id: String,
    pub item_id: String,
    pub item_title: String,
    pub item_num: i64,
    pub item_price: Fen,
    pub alipay_total_price: Fen,
    pub pay_price: Fen,
    /// 付款预估收入.
    pub pub_share_pre_fee: Fen,
    /// 结算预估收入 (zero until settled).
    pub pub_share_fee: Fen,
    pub total_commission_rate: Bps,
    pub income_rate: Bps,
    /// Raw `tk_status`: 12 paid, 13 closed, 14 received, 3 settled.
    pub tk_status: i64,
    /// 维权 (dispute) on this order.
    pub refund_tag: bool,
    pub adzone_id: String,
    pub site_id: String,
    pub relation_id: Option<String>,
    pub special_id: Option<String>,
    /// Unix seconds; `None` for `"--"`.
    pub tk_create_time: Option<i64>,
    pub tk_paid_time: Option<i64>,
    pub tk_earning_time: Option<i64>,
    pub modified_time: Option<i64>,
    /// The record exactly as received.
    pub raw: Value,
}

/// A page of orders. Echo `position_index` when asking for the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    pub has_next: bool,
    pub position_index: Option<String>,
}

#[derive(Clone)]
pub struct TaobaoClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: TaobaoSettings,
    http: reqwest::Client,
    guard: CallGuard,
}

/// The numbers of a PID `mm_<member>_<site>_<adzone>`.
struct Pid {
    site_id: String,
    adzone_id: String,
}

impl Pid {
    fn parse(pid: &str) -> Option<Pid> {
        let mut parts = pid.strip_prefix("mm_")?.split('_');
        let (member, site, adzone) = (parts.next()?, parts.next()?, parts.next()?);
        let numeric = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        (parts.next().is_none() && numeric(member) && numeric(site) && numeric(adzone))
            .then(|| Pid { site_id: site.to_string(), adzone_id: adzone.to_string() })
    }
}

impl TaobaoClient {
    pub fn new(settings: TaobaoSettings, http: reqwest::Client) -> Self {
        let guard = CallGuard::new(Platform::Taobao, settings.qps, settings.max_attempts, Duration::from_millis(200));
        TaobaoClient { inner: Arc::new(Inner { settings, http, guard }) }
    }

    /// Converts a Taobao reference (item/short/union link or 淘口令) into our promotion link and 淘口令 on
    /// `attr.pid` (the configured default PID when empty), attributed to `attr.relation_id` / `attr.special_id`.
    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        self.ensure_configured()?;
        let pid = self.pid(&attr.pid)?;
        let params = [
            ("material_list", r.material()),
            ("adzone_id", pid.adzone_id.clone()),
            ("site_id", pid.site_id.clone()),
            ("relation_id", attr.relation_id.clone().unwrap_or_default()),
            ("special_id", attr.special_id.clone().unwrap_or_default()),
        ];
        let res = self.call(DG_CONVERT, &params).await?;
        let entries = wire::list(res.get("data").and_then(|d| d.get("material_url_list")), "material_url_list");
        let entry = entries.first().ok_or_else(|| AffiliateError::Decode("taobao convert: no result".into()))?;
        if let Some(code) = entry.get("code").and_then(wire::scalar_string).filter(|c| c != "0") {
            let msg = entry.get("msg").and_then(Value::as_str).unwrap_or_default();
            return Err(wire::material_error(&code, msg));
        }
        let link =
            entry.get("link_info_dto").ok_or_else(|| AffiliateError::Decode("taobao convert: no link".into()))?;
        let text = |k: &str| link.get(k).and_then(wire::scalar_string);
        let url = text("coupon_long_url")
            .or_else(|| text("cps_long_url"))
            .ok_or_else(|| AffiliateError::Decode("taobao convert: no promotion url".into()))?;
        let short_url = text("coupon_short_url").or_else(|| text("cps_short_url"));
        let item_id = match (text("material_id"), text("material_type").as_deref()) {
            (Some(id), None | Some("1")) => id,
            // Shops, event pages and the like are not products.
            _ => return Err(AffiliateError::NotFound),
        };
        let mut coupon = match entry.get("coupon_info_dto") {
            Some(c) => wire::coupon(c, "coupon_amount", "coupon_desc")?,
            None => None,
        };
        let mut rate = match entry
            .get("promotion_info_dto")
            .and_then(|p| p.get("commission_rate"))
            .and_then(wire::scalar_string)
        {
            Some(r) => Some(
                Bps::from_percent_str(&r)
                    .map_err(|_| AffiliateError::Decode(format!("taobao convert: bad commission_rate `{r}`")))?,
            ),
            None => None,
        };
        // Neither DTO is guaranteed: a missing rate, or a coupon link without its coupon, is completed from the
        // material search of the item (which carries both).
        let coupon_untold = coupon.is_none() && text("coupon_short_url").or_else(|| text("coupon_long_url")).is_some();
        if rate.is_none() || coupon_untold {
            let listed = self.listing(&pid, &item_id).await?;
            tracing::info!(item = %item_id, "taobao convert answer incomplete; completed from the material search");
            rate = rate.or(Some(listed.commission_rate));
            if coupon_untold {
                coupon = listed.coupon;
            }
        }
        let rate = rate.ok_or_else(|| AffiliateError::Decode("taobao convert: no commission rate".into()))?;
        let tpwd_url = short_url.clone().unwrap_or_else(|| url.clone());
        let (item, command) = futures::join!(self.item(&item_id), self.tpwd(&tpwd_url));
        let item = item?;
        let product = wire::item_product(&item, coupon, rate)?;
        let promotion = Promotion { url, short_url, command, expires_at: None };
        Ok(Conversion { product, promotion, member_dropped: false })
    }

    /// Keyword search (`taobao.tbk.dg.material.optional`) on the default PID's adzone; `page` from 1,
    /// `page_size` clamped to 1..=100.
    pub async fn search(&self, keyword: &str, page: u32, page_size: u32) -> Result<Vec<Product>, AffiliateError> {
        self.ensure_configured()?;
        let pid = self.pid("")?;
        let params = [
            ("adzone_id", pid.adzone_id),
            ("q", keyword.to_string()),
            ("page_no", page.max(1).to_string()),
            ("page_size", page_size.clamp(1, MAX_SEARCH_PAGE_SIZE).to_string()),
        ];
        let res = self.call(MATERIAL_OPTIONAL, &params).await?;
        Ok(wire::list(res.get("result_list"), "map_data")
            .iter()
            .filter_map(|v| {
                wire::search_product(v)
                    .map_err(|e| tracing::warn!(error = %e, "skipping a malformed Taobao search record"))
                    .ok()
            })
            .collect())
    }

    /// One page of `taobao.tbk.dg.optimus.material` (feeds spec §3.1) for a `material_id` on the default PID's
    /// adzone; `page` from 1, `page_size` clamped to 1..=100.
    pub async fn optimus(&self, material_id: u64, page: u32, page_size: u32) -> Result<FeedPage, AffiliateError> {
        self.ensure_configured()?;
        let pid = self.pid("")?;
        let params = [
            ("adzone_id", pid.adzone_id),
            ("material_id", material_id.to_string()),
            ("page_no", page.max(1).to_string()),
            ("page_size", page_size.clamp(1, MAX_SEARCH_PAGE_SIZE).to_string()),
        ];
        let res = self.call(OPTIMUS_MATERIAL, &params).await?;
        let entries = wire::list(res.get("result_list"), "map_data")
            .iter()
            .filter_map(|v| {
                wire::optimus_entry(v)
                    .map_err(|e| tracing::warn!(error = %e, "skipping a malformed Taobao feed record"))
                    .ok()
            })
            .collect();
        let total = res.get("total_count").and_then(wire::scalar_string).and_then(|t| t.parse().ok());
        Ok(FeedPage { entries, total, list_id: None })
    }

    /// One page of orders updated in `[start, end]` (unix seconds; at most [`ORDER_WINDOW`] apart), query_type 4.
    /// Page 1 takes no `position_index`; later pages echo the previous page's. `page_size` clamped to 1..=100.
    /// With a configured `session` the 服务商 variant (`taobao.tbk.sc.order.details.get`) is used. `order_scene`:
    /// 1 regular, 2 channel (`relation_id`), 3 member operations (`special_id`).
    pub async fn order_page(
        &self,
        start: i64,
        end: i64,
        page_no: u32,
        page_size: u32,
        position_index: Option<&str>,
        order_scene: u8,
    ) -> Result<OrderPage, AffiliateError> {
        self.ensure_configured()?;
        let method = if self.inner.settings.session.is_empty() { DG_ORDERS } else { SC_ORDERS };
        let params = [
            ("start_time", gmt8::format(start)),
            ("end_time", gmt8::format(end)),
            ("query_type", "4".to_string()),
            ("page_no", page_no.max(1).to_string()),
            ("page_size", page_size.clamp(1, MAX_ORDER_PAGE_SIZE).to_string()),
            ("position_index", position_index.unwrap_or_default().to_string()),
            ("jump_type", "1".to_string()),
            ("order_scene", order_scene.clamp(1, 3).to_string()),
        ];
        let res = self.call(method, &params).await?;
        let data = res.get("data").ok_or_else(|| AffiliateError::Decode("taobao orders: no data".into()))?;
        let rows = wire::list(data.get("results"), "publisher_order_dto")
            .iter()
            .map(wire::order_row)
            .collect::<Result<Vec<_>, _>>()?;
        let has_next = match data.get("has_next") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        Ok(OrderPage { rows, has_next, position_index: data.get("position_index").and_then(wire::scalar_string) })
    }

    /// The configured default PID (`mm_<member>_<site>_<adzone>`), empty when none.
    pub fn default_pid(&self) -> &str {
        &self.inner.settings.default_pid
    }

    fn ensure_configured(&self) -> Result<(), AffiliateError> {
        let s = &self.inner.settings;
        if s.app_key.is_empty() || s.app_secret.is_empty() || s.gateway_url.is_empty() {
            return Err(AffiliateError::NotConfigured(Platform::Taobao));
        }
        Ok(())
    }

    /// `pid`, or the configured default when empty.
    fn pid(&self, pid: &str) -> Result<Pid, AffiliateError> {
        let pid = if pid.is_empty() { self.inner.settings.default_pid.as_str() } else { pid };
        Pid::parse(pid).ok_or_else(|| AffiliateError::Rejected {
            code: "pid".into(),
            msg: format!("a Taobao PID looks like mm_<member>_<site>_<adzone>, got `{pid}`"),
        })
    }

    /// The material search's record of one item (commission rate and coupon), searched by its link on the PID's
    /// adzone. A missing record is a [`AffiliateError::Decode`]: the rate stays unknown, it is not zero.
    async fn listing(&self, pid: &Pid, item_id: &str) -> Result<Product, AffiliateError> {
        let params = [
            ("adzone_id", pid.adzone_id.clone()),
            ("q", format!("https://item.taobao.com/item.htm?id={item_id}")),
            ("page_no", "1".to_string()),
            ("page_size", "20".to_string()),
        ];
        let res = self.call(MATERIAL_OPTIONAL, &params).await?;
        wire::list(res.get("result_list"), "map_data")
            .iter()
            .filter(|v| v.get("item_id").and_then(wire::scalar_string).as_deref() == Some(item_id))
            .find_map(|v| wire::search_product(v).ok())
            .ok_or_else(|| AffiliateError::Decode(format!("taobao: no commission rate for item {item_id}")))
    }

    /// One item as the union promotes it now, from `item.info.upgrade.get` (feeds spec §3.5 step 1): the current
    /// price (`zk_final_price`), the coupon (the 商品券 entry of the 到手价 path, with its validity; none when the
    /// path has none) and the income rate; [`AffiliateError::NotFound`] when the union no longer lists it.
    pub async fn item_promotion(&self, item_id: &str) -> Result<Product, AffiliateError> {
        self.ensure_configured()?;
        let res = self.call(ITEM_INFO_UPGRADE, &[("item_id", item_id.to_string())]).await?;
        let details = wire::list(res.get("results"), "tbk_item_detail");
        let detail = details
            .iter()
            .find(|d| d.get("item_id").and_then(wire::scalar_string).as_deref() == Some(item_id))
            .or_else(|| details.first())
            .ok_or(AffiliateError::NotFound)?;
        wire::upgrade_product(detail)
    }

    /// The `n_tbk_item` record of one item.
    async fn item(&self, item_id: &str) -> Result<Value, AffiliateError> {
        let res = self.call(ITEM_INFO, &[("num_iids", item_id.to_string())]).await?;
        wire::list(res.get("results"), "n_tbk_item").first().cloned().ok_or(AffiliateError::NotFound)
    }

    /// A 淘口令 for `url`; `None` (logged) when the platform would not make one.
    async fn tpwd(&self, url: &str) -> Option<String> {
        match self.call(TPWD_CREATE, &[("url", url.to_string())]).await {
            Ok(res) => res.get("data").and_then(wire::command),
            Err(e) => {
                tracing::warn!(error = %e, "no {} for the promotion link", super::text::TAOBAO_TOKEN);
                None
            }
        }
    }

    /// A signed call under the guard; returns the object inside `<method>_response`.
    async fn call(&self, method: &str, params: &[(&str, String)]) -> Result<Map<String, Value>, AffiliateError> {
        self.inner.guard.run(|| self.call_once(method, params)).await
    }

    async fn call_once(&self, method: &str, business: &[(&str, String)]) -> Result<Map<String, Value>, AffiliateError> {
        self.call_with_session(method, None, business).await
    }

    /// One signed call; `taobao.tbk.sc.*` methods carry `session` (a member's), else the configured one.
    async fn call_with_session(
        &self,
        method: &str,
        session: Option<&str>,
        business: &[(&str, String)],
    ) -> Result<Map<String, Value>, AffiliateError> {
        let s = &self.inner.settings;
        let timestamp = gmt8::format(time::OffsetDateTime::now_utc().unix_timestamp());
        let sign_method = s.sign_method.as_str();
        let mut params: Vec<(&str, &str)> = vec![
            ("method", method),
            ("app_key", &s.app_key),
            ("timestamp", &timestamp),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", sign_method),
        ];
        if method.starts_with("taobao.tbk.sc.") {
            let session = session.unwrap_or(s.session.expose());
            if session.is_empty() {
                return Err(AffiliateError::TokenExpired);
            }
            params.push(("session", session));
        }
        // Empty parameters are never sent (nor signed).
        params.extend(business.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())));
        let secret = s.app_secret.expose();
        let sign = match sign_method {
            "md5" => md5_wrapped(secret, params.iter().copied()),
            "hmac" => hmac_md5(secret, params.iter().copied()),
            "hmac-sha256" => hmac_sha256(secret, params.iter().copied()),
            other => {
                return Err(AffiliateError::Rejected {
                    code: "sign_method".into(),
                    msg: format!("unknown sign_method `{other}` (md5, hmac or hmac-sha256)"),
                });
            }
        };
        params.push(("sign", &sign));
        let timeout = Duration::from_millis(s.timeout_ms);
        post_form(&self.inner.http, "taobao", method, &s.gateway_url, timeout, &params, |body| {
            wire::parse_response(method, body)
        })
        .await
    }
}
