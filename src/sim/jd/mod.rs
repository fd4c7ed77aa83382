//! Simulated JD union gateway (JOS `POST /routerjson`, affiliates spec §2 and §5).
//!
//! It checks what JOS checks (system parameters, app key, the MD5 sign over the received values, the timestamp
//! against the wall clock, the method name) and answers in the wire envelope (`…_responce` with the `…Result` as a
//! JSON string) or, after [`JdSim::set_doc_form`], the documented one (`…_response` with an object).
//!
//! Methods: `jd.union.open.promotion.bysubunionid.get`, `jd.union.open.promotion.common.get`,
//! `jd.union.open.goods.query`, `jd.union.open.order.row.query` and `jd.union.open.position.query` (the account's
//! placements, see [`JdSim::add_position`]). Every conversion is remembered: its short link
//! and click token resolve back to the item, and it later produces an order row (see `orders`).
//!
//! Gateway error numbers other than 12 (sign) and 15 (method) are not documented publicly; the simulator uses
//! 11 (missing system parameter), 13 (app key), 16 (timestamp) and 19 (access token).

mod materials;
mod orders;

pub use orders::{Settlement, UNION_ID};

use super::SimCredentials;
use super::catalog::{self, SimItem};
use super::feed;
use super::signature::{self, SignMethod};
use super::support::{
    Controls, decode_form, hash64, lock, parse_gmt8, percent_number, token, union_controls, yuan_number,
};
use super::text::jd as text;
use crate::platform::Platform;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BYSUBUNIONID: &str = "jd.union.open.promotion.bysubunionid.get";
const COMMON: &str = "jd.union.open.promotion.common.get";
const GOODS_QUERY: &str = "jd.union.open.goods.query";
const ORDER_ROW_QUERY: &str = "jd.union.open.order.row.query";
const POSITION_QUERY: &str = "jd.union.open.position.query";
const JINGFEN_QUERY: &str = "jd.union.open.goods.jingfen.query";

/// One simulated API: its `method`, the business-object wrapper it expects inside `360buy_param_json`, and its
/// handler. Adding an API to the simulator is a row here and its handler.
struct Api {
    method: &'static str,
    request: &'static str,
    handler: fn(&JdSim, &Map<String, Value>) -> Biz,
}

const APIS: &[Api] = &[
    Api { method: BYSUBUNIONID, request: "promotionCodeReq", handler: |sim, r| sim.promotion(r, false) },
    Api { method: COMMON, request: "promotionCodeReq", handler: |sim, r| sim.promotion(r, true) },
    Api { method: GOODS_QUERY, request: "goodsReqDTO", handler: JdSim::goods_query },
    Api { method: ORDER_ROW_QUERY, request: "orderReq", handler: JdSim::order_rows },
    Api { method: POSITION_QUERY, request: "positionReq", handler: JdSim::positions },
    Api { method: JINGFEN_QUERY, request: "goodsReq", handler: JdSim::jingfen_query },
];

fn api(method: &str) -> Option<&'static Api> {
    APIS.iter().find(|a| a.method == method)
}

/// A failure to answer the next requests with (after the gateway checks passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JdFault {
    /// Business code 2001609 服务降级，请稍后重试！ (what JD answers when an app calls too often).
    Throttled,
    /// Business code 2002408 接口降级处理.
    Degraded,
    /// Business code 2002500 系统异常，请稍后重试.
    SystemError,
    /// Gateway code 19: invalid or expired access token.
    TokenExpired,
    /// A bare HTTP error status with a text body.
    HttpStatus(u16),
    /// HTTP 200 with a body that is not JSON.
    Garbled,
    /// Gateway code 16 无效的时间戳 (as with a clock far off).
    ClockSkew,
}

#[derive(Clone)]
pub struct JdSim {
    inner: Arc<Inner>,
}

struct Inner {
    creds: SimCredentials,
    cdn_base: String,
    controls: Controls<JdFault>,
    doc_form: AtomicBool,
    bysubunionid_allowed: AtomicBool,
    /// Extra latency of every `order.row.query` answer.
    order_delay_ms: AtomicU64,
    /// Whether every conversion makes an order by itself (else only [`JdSim::buy`] does).
    automatic_orders: AtomicBool,
    settlement: Mutex<orders::Settlement>,
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    seq: u64,
    /// Short codes and click tokens issued by conversions → sku.
    issued: HashMap<String, u64>,
    /// Short codes and click tokens → the conversion (index in `clicks`) they came from.
    links: HashMap<String, usize>,
    clicks: Vec<orders::Click>,
    /// The account's placements (positionId, name), as `position.query` lists them.
    positions: Vec<(u64, String)>,
}

/// A business answer: the `…Result` object.
struct Biz {
    code: u32,
    message: String,
    fields: Map<String, Value>,
}

impl Biz {
    fn ok(fields: Map<String, Value>) -> Biz {
        Biz { code: 200, message: "success".into(), fields }
    }

    fn err(code: u32, message: impl Into<String>) -> Biz {
        Biz { code, message: message.into(), fields: Map::new() }
    }
}

impl JdSim {
    pub fn new(creds: &SimCredentials, cdn_base: &str) -> Self {
        JdSim {
            inner: Arc::new(Inner {
                creds: creds.clone(),
                cdn_base: cdn_base.trim_end_matches('/').to_string(),
                controls: Controls::default(),
                doc_form: AtomicBool::new(false),
                bysubunionid_allowed: AtomicBool::new(true),
                order_delay_ms: AtomicU64::new(0),
                automatic_orders: AtomicBool::new(true),
                settlement: Mutex::new(orders::Settlement::Monthly),
                state: Mutex::new(SimState::default()),
            }),
        }
    }

    /// `/routerjson` (GET or form POST); mount it at `/jd`.
    pub fn router(&self) -> Router {
        Router::new().route("/routerjson", get(gateway).post(gateway)).with_state(self.clone())
    }

    union_controls!(JdFault, "2001609");

    /// Answer in the documented envelope (`…_response`, `…Result` object, string codes) instead of the wire one.
    pub fn set_doc_form(&self, on: bool) {
        self.inner.doc_form.store(on, Ordering::SeqCst);
    }

    /// Whether the app may call bysubunionid.get (false: it answers 2002403 and clients fall back to common.get).
    pub fn set_bysubunionid_permission(&self, allowed: bool) {
        self.inner.bysubunionid_allowed.store(allowed, Ordering::SeqCst);
    }

    /// Answers every `order.row.query` this much later (a slow union, for interrupting a sync mid-way).
    pub fn set_order_delay(&self, delay: Duration) {
        self.inner.order_delay_ms.store(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Whether every conversion makes an order a few minutes later by itself (default), or only buyers who pay
    /// through a link on purpose ([`JdSim::buy`]) make orders.
    pub fn set_automatic_orders(&self, on: bool) {
        self.inner.automatic_orders.store(on, Ordering::SeqCst);
    }

    /// When finished orders settle (default: the 20th of the following month).
    pub fn set_settlement(&self, settlement: orders::Settlement) {
        *lock(&self.inner.settlement) = settlement;
    }

    /// A buyer pays through the promotion link found in `text` (a `u.jd.com` short link or a `union-click` URL
    /// this simulator issued), now: one more order of that conversion, paid at once and finished a day later.
    /// Returns the order row's `id` (its key), or `None` when `text` holds no link of this simulator.
    pub fn buy(&self, text: &str) -> Option<String> {
        let mut st = lock(&self.inner.state);
        let index = link_codes(text).find_map(|code| st.links.get(code).copied())?;
        let mut click = st.clicks.get(index)?.clone();
        st.seq += 1;
        click.seq = st.seq;
        click.at = self.inner.controls.clock.now();
        click.bought = true;
        let row = orders::row_at(&click, click.at, &self.inner.cdn_base, orders::Settlement::Monthly)?;
        st.clicks.push(click);
        Some(row.id.to_string())
    }

    /// The account gains a placement (as if made in the union console): `position.query` lists it.
    pub fn add_position(&self, position_id: u64, name: &str) {
        let mut st = lock(&self.inner.state);
        if !st.positions.iter().any(|(id, _)| *id == position_id) {
            st.positions.push((position_id, name.to_string()));
        }
    }

    fn handle(&self, p: &BTreeMap<String, String>) -> Response {
        let method = p.get("method").map(String::as_str).unwrap_or_default();
        if !method.is_empty() {
            self.inner.controls.calls.record(method);
        }
        if let Err(e) = self.check_gateway(p, method) {
            return e.into_response();
        }
        match self.inner.controls.faults.next() {
            Some(JdFault::Throttled) => return self.business(method, Biz::err(2_001_609, text::THROTTLED)),
            Some(JdFault::Degraded) => return self.business(method, Biz::err(2_002_408, text::DEGRADED)),
            Some(JdFault::SystemError) => return self.business(method, Biz::err(2_002_500, text::SYSTEM_ERROR)),
            Some(JdFault::TokenExpired) => {
                return GatewayError::new("19", text::INVALID_ACCESS_TOKEN, Some("Invalid access_token".into()))
                    .into_response();
            }
            Some(JdFault::HttpStatus(s)) => {
                let status = StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY);
                return (status, "upstream error").into_response();
            }
            Some(JdFault::Garbled) => return json_text("<html>502 Bad Gateway</html>".to_string()),
            Some(JdFault::ClockSkew) => {
                return GatewayError::new("16", text::INVALID_TIMESTAMP, Some("Invalid timestamp".into()))
                    .into_response();
            }
            None => {}
        }
        if !self.inner.controls.throttle.allow() {
            return self.business(method, Biz::err(2_001_609, text::THROTTLED));
        }
        let biz = match p.get("360buy_param_json").map(|s| serde_json::from_str::<Value>(s)) {
            Some(Ok(Value::Object(params))) => self.dispatch(method, &params),
            _ => Biz::err(2_002_400, text::param_error("360buy_param_json")),
        };
        self.business(method, biz)
    }

    fn check_gateway(&self, p: &BTreeMap<String, String>, method: &str) -> Result<(), GatewayError> {
        for name in ["method", "app_key", "timestamp", "v", "sign", "360buy_param_json"] {
            if p.get(name).is_none_or(|v| v.is_empty()) {
                return Err(GatewayError::new(
                    "11",
                    text::missing_system_param(name),
                    Some(format!("Missing system parameter: {name}")),
                ));
            }
        }
        if p.get("app_key").map(String::as_str) != Some(self.inner.creds.jd_app_key.as_str()) {
            return Err(GatewayError::new("13", text::INVALID_APP_KEY, Some("Invalid app_key".into())));
        }
        let sign_method_ok = p.get("sign_method").is_none_or(|m| m.eq_ignore_ascii_case("md5"));
        let given = p.get("sign").map(String::as_str).unwrap_or_default();
        if !sign_method_ok || !signature::verify(SignMethod::Md5, &self.inner.creds.jd_app_secret, p, given) {
            return Err(GatewayError::new("12", text::INVALID_SIGN, None));
        }
        let fresh =
            p.get("timestamp").and_then(|t| parse_gmt8(t)).is_some_and(|t| self.inner.controls.clock.is_fresh(t));
        if !fresh {
            return Err(GatewayError::new("16", text::INVALID_TIMESTAMP, Some("Invalid timestamp".into())));
        }
        if api(method).is_none() {
            return Err(GatewayError::new("15", text::INVALID_METHOD, Some("Invalid Method".into())));
        }
        Ok(())
    }

    fn dispatch(&self, method: &str, params: &Map<String, Value>) -> Biz {
        let Some(api) = api(method) else { return Biz::err(2_002_400, text::PARAM_ERROR) };
        let Some(r) = params.get(api.request).and_then(Value::as_object) else {
            return Biz::err(2_002_400, text::param_error(api.request));
        };
        (api.handler)(self, r)
    }

    /// promotion.bysubunionid.get (`common` = false) and promotion.common.get.
    fn promotion(&self, r: &Map<String, Value>, common: bool) -> Biz {
        if !common && !self.inner.bysubunionid_allowed.load(Ordering::SeqCst) {
            return Biz::err(2_002_403, text::NO_PERMISSION);
        }
        let Some(material) = str_field(r, "materialId").filter(|m| !m.is_empty()) else {
            return Biz::err(2_001_212, text::param_missing("materialId"));
        };
        let site_id = match num_field(r, "siteId") {
            Some(Some(s)) => s,
            Some(None) => return Biz::err(2_001_212, text::param_error("siteId")),
            None if common => return Biz::err(2_001_212, text::param_missing("siteId")),
            None => 0,
        };
        let position_id = match num_field(r, "positionId") {
            Some(Some(p)) => p,
            Some(None) => return Biz::err(2_001_213, text::POSITION_ID_ERROR),
            None => 0,
        };
        let sub_union_id = str_field(r, "subUnionId").filter(|s| !s.is_empty());
        if let Some(s) = &sub_union_id {
            let ok = s.len() <= 80 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Biz::err(2_001_208, text::SUB_UNION_ID_MALFORMED);
            }
            if str_field(r, "pid").is_some_and(|p| !p.is_empty()) {
                return Biz::err(2_001_214, text::PID_AND_SUB_UNION_ID);
            }
        }
        let chain_type = match num_field(r, "chainType") {
            None => 2,
            Some(Some(c @ 1..=3)) => c,
            Some(_) => return Biz::err(2_001_212, text::param_error("chainType")),
        };

        let mut st = lock(&self.inner.state);
        let Some(sku) = materials::resolve(&material, &st.issued) else {
            return Biz::err(2_001_212, text::MATERIAL_INVALID);
        };
        if catalog::item_by_id(Platform::Jd, sku).commission_bps == 0 {
            return Biz::err(2_001_212, text::NOT_IN_PROMOTION);
        }
        st.seq += 1;
        let seq = st.seq;
        let seed = [b"jd-link".as_slice(), &seq.to_le_bytes(), material.as_bytes(), &position_id.to_le_bytes()];
        let code = token(&[&seed[..], &[b"short"]].concat(), 7);
        let p = token(&[&seed[..], &[b"click"]].concat(), 32);
        st.issued.insert(code.clone(), sku);
        st.issued.insert(p.clone(), sku);
        let index = st.clicks.len();
        st.links.insert(code.clone(), index);
        st.links.insert(p.clone(), index);
        st.clicks.push(orders::Click {
            seq,
            at: self.inner.controls.clock.now(),
            sku,
            position_id,
            site_id,
            sub_union_id: sub_union_id.clone(),
            bought: false,
        });
        drop(st);

        let click_url = format!("https://union-click.jd.com/jdc?e=&p={p}");
        let short_url = format!("https://u.jd.com/{code}");
        let mut data = Map::new();
        if common || chain_type != 2 {
            data.insert("clickURL".into(), json!(click_url));
        }
        if !common && chain_type != 1 {
            data.insert("shortURL".into(), json!(short_url));
        }
        let mut fields = Map::new();
        fields.insert("data".into(), Value::Object(data));
        Biz::ok(fields)
    }

    /// `position.query`: the account's placements, paged (`pageSize` 1..=100). The documented request also carries
    /// `unionId` and `key`; the simulator serves the app's own account and does not require them (a guess).
    fn positions(&self, r: &Map<String, Value>) -> Biz {
        let (page_index, page_size) = match paging(r, 100) {
            Ok(p) => p,
            Err(e) => return e,
        };
        if !matches!(num_field(r, "unionType"), Some(Some(1 | 2))) {
            return Biz::err(2_001_212, text::param_error("unionType"));
        }
        let st = lock(&self.inner.state);
        let skip = usize::try_from((page_index - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let result: Vec<Value> = st
            .positions
            .iter()
            .skip(skip)
            .take(page_size as usize)
            .map(|(id, name)| json!({ "id": id, "siteId": 0, "spaceName": name, "type": 4 }))
            .collect();
        let data =
            json!({ "pageNo": page_index, "pageSize": page_size, "total": st.positions.len(), "result": result });
        let mut fields = Map::new();
        fields.insert("data".into(), data);
        Biz::ok(fields)
    }

    fn goods_query(&self, r: &Map<String, Value>) -> Biz {
        let (page_index, page_size) = match paging(r, 30) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let items: Vec<SimItem> = if let Some(skus) = r.get("skuIds").and_then(Value::as_array) {
            if skus.len() > 20 {
                return Biz::err(2_002_499, text::TOO_MANY_SKUS);
            }
            let mut ids = Vec::new();
            for v in skus {
                match scalar_u64(v) {
                    Some(id) => ids.push(id),
                    None => return Biz::err(2_001_212, text::param_error("skuIds")),
                }
            }
            let now = self.inner.controls.clock.now();
            ids.into_iter().filter_map(|id| feed::at(&catalog::item_by_id(Platform::Jd, id), now)).collect()
        } else {
            let keyword = str_field(r, "keyword").unwrap_or_default();
            if keyword.contains("://") {
                let st = lock(&self.inner.state);
                materials::resolve(&keyword, &st.issued)
                    .map(|sku| catalog::item_by_id(Platform::Jd, sku))
                    .into_iter()
                    .collect()
            } else {
                catalog::search(Platform::Jd, &keyword)
            }
        };
        // Items without commission are not "in promotion": JD leaves them out.
        let items: Vec<SimItem> = items.into_iter().filter(|i| i.commission_bps > 0).collect();
        let total = items.len();
        let start = usize::try_from((page_index - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let page: Vec<Value> = items
            .iter()
            .skip(start)
            .take(usize::try_from(page_size).unwrap_or(30))
            .map(|i| self.goods_json(i))
            .collect();
        let mut fields = Map::new();
        if !page.is_empty() {
            fields.insert("data".into(), Value::Array(page));
        }
        fields.insert("totalCount".into(), json!(total));
        Biz::ok(fields)
    }

    /// `jd.union.open.goods.jingfen.query` (feeds spec §2.1, §2.6): the channel's items at the business clock,
    /// `pageSize` ≤ 50 (else 401), a page past the end of a non-empty list → 202, `resourceInfo` per item.
    fn jingfen_query(&self, r: &Map<String, Value>) -> Biz {
        let elite_id = match num_field(r, "eliteId") {
            Some(Some(e)) => e,
            _ => return Biz::err(401, text::param_missing("eliteId")),
        };
        let page_index = match num_field(r, "pageIndex") {
            None => 1,
            Some(Some(p)) if p >= 1 => p,
            Some(_) => return Biz::err(401, text::param_error("pageIndex")),
        };
        let page_size = match num_field(r, "pageSize") {
            None => 20,
            Some(Some(s @ 1..=50)) => s,
            Some(_) => return Biz::err(401, text::param_error("pageSize")),
        };
        let now = self.inner.controls.clock.now();
        let Some((_, elite_name)) = text::ELITE_IDS.iter().find(|(id, _)| *id == elite_id) else {
            let mut fields = Map::new();
            fields.insert("totalCount".into(), json!(0));
            return Biz::ok(fields);
        };
        let items: Vec<SimItem> = feed::channel_items(Platform::Jd, elite_id)
            .iter()
            .filter_map(|i| feed::at(i, now))
            .filter(|i| i.commission_bps > 0)
            .collect();
        let start = usize::try_from((page_index - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        if start >= items.len() && page_index > 1 {
            return Biz::err(202, text::PAGE_LIMIT);
        }
        let page: Vec<Value> = items
            .iter()
            .skip(start)
            .take(usize::try_from(page_size).unwrap_or(50))
            .map(|i| {
                let mut v = self.goods_json(i);
                v["resourceInfo"] = json!({"eliteId": elite_id, "eliteName": elite_name});
                v
            })
            .collect();
        let mut fields = Map::new();
        fields.insert("totalCount".into(), json!(items.len()));
        fields.insert("data".into(), Value::Array(page));
        Biz::ok(fields)
    }

    fn goods_json(&self, item: &SimItem) -> Value {
        let has_coupon = item.coupon_applies();
        let final_fen = item.final_price_fen();
        let mut price_info = json!({
            "price": yuan_number(item.price_fen),
            "lowestPrice": yuan_number(item.price_fen),
            "lowestPriceType": 1,
            "historyPriceDay": 180,
        });
        let mut coupons = Vec::new();
        if has_coupon {
            price_info["lowestCouponPrice"] = yuan_number(final_fen);
            coupons.push(json!({
                "bindType": 1,
                "discount": yuan_number(item.coupon_fen),
                "quota": yuan_number(item.coupon_threshold_fen),
                "link": format!("https://coupon.m.jd.com/coupons/show.action?key={}", token(&[b"jd-coupon", &item.id.to_le_bytes()], 32)),
                "getStartTime": item.coupon_start * 1000,
                "getEndTime": item.coupon_end * 1000,
                "useStartTime": item.coupon_start * 1000,
                "useEndTime": item.coupon_end * 1000,
                "isBest": 1,
                "hotValue": 0,
                "platformType": 0,
            }));
        }
        json!({
            "skuId": item.id,
            "skuName": item.title,
            "spuid": item.id,
            "owner": if item.id.is_multiple_of(3) { "g" } else { "p" },
            "materialUrl": format!("item.jd.com/{}.html", item.id),
            "priceInfo": price_info,
            "couponInfo": {"couponList": coupons},
            "commissionInfo": {
                "commission": yuan_number(item.price_fen * item.commission_bps / 10_000),
                "commissionShare": percent_number(item.commission_bps),
                "couponCommission": yuan_number(final_fen * item.commission_bps / 10_000),
                "plusCommissionShare": percent_number(item.commission_bps),
                "isLock": 0,
            },
            "imageInfo": {"imageList": [{"url": format!("{}{}", self.inner.cdn_base, item.image_path)}]},
            "shopInfo": {"shopName": item.shop, "shopId": 1_000_000 + item.id % 1_000_000, "shopLevel": 4.8},
            "inOrderCount30Days": item.sales,
            "comments": item.sales / 3,
            "goodCommentsShare": 98.0,
            "brandName": item.shop,
            "isOversea": 0,
            "categoryInfo": {
                "cid1": feed::category(item).0,
                "cid1Name": feed::category(item).1,
            },
        })
    }

    fn order_rows(&self, r: &Map<String, Value>) -> Biz {
        let page_index = match num_field(r, "pageIndex") {
            None => 1,
            Some(Some(p)) if p >= 1 => p,
            Some(_) => return Biz::err(2_001_212, text::param_error("pageIndex")),
        };
        let page_size = match num_field(r, "pageSize") {
            None => 20,
            Some(Some(s @ 1..=500)) => s,
            Some(_) => return Biz::err(2_002_400, text::page_size_over(500)),
        };
        let Some(Some(kind @ 1..=3)) = num_field(r, "type") else {
            return Biz::err(2_001_212, text::param_error("type"));
        };
        let time = |name: &str| str_field(r, name).and_then(|s| parse_gmt8(&s));
        let (Some(start), Some(end)) = (time("startTime"), time("endTime")) else {
            return Biz::err(2_001_212, text::param_error("startTime/endTime"));
        };
        if end < start {
            return Biz::err(2_001_212, text::START_AFTER_END);
        }
        if end - start > 3_600 {
            return Biz::err(2_002_453, text::WINDOW_TOO_LONG);
        }
        let now = self.inner.controls.clock.now();
        let clicks = lock(&self.inner.state).clicks.clone();
        let automatic = self.inner.automatic_orders.load(Ordering::SeqCst);
        let settlement = *lock(&self.inner.settlement);
        let mut rows: Vec<(i64, orders::Row)> = clicks
            .iter()
            .filter(|c| automatic || c.bought)
            .filter_map(|c| orders::row_at(c, now, &self.inner.cdn_base, settlement))
            .filter_map(|row| {
                let t = match kind {
                    1 => Some(row.order_time),
                    2 => row.finish_time,
                    _ => Some(row.modify_time),
                }?;
                (start..=end).contains(&t).then_some((t, row))
            })
            .collect();
        rows.sort_by_key(|(t, row)| (*t, row.id));
        let skip = usize::try_from((page_index - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let take = usize::try_from(page_size).unwrap_or(500);
        let has_more = rows.len() > skip.saturating_add(take);
        let data: Vec<Value> = rows.into_iter().skip(skip).take(take).map(|(_, row)| row.json).collect();
        let mut fields = Map::new();
        fields.insert("hasMore".into(), json!(has_more));
        if !data.is_empty() {
            fields.insert("data".into(), Value::Array(data));
        }
        Biz::ok(fields)
    }

    /// Wraps a business answer in the wire or the doc envelope.
    fn business(&self, method: &str, biz: Biz) -> Response {
        let n = hash64(&[b"jd-request", method.as_bytes(), &self.inner.controls.calls.get(method).to_le_bytes()]);
        let request_id =
            format!("o_0b{:06x}_{}_{}", n & 0xff_ffff, token(&[&n.to_le_bytes()], 8).to_lowercase(), n % 10_000_000);
        let base = method.replace('.', "_");
        let result_key = format!("{}Result", method.rsplit('.').next().unwrap_or_default());
        let doc = self.inner.doc_form.load(Ordering::SeqCst);
        let mut inner = Map::new();
        if doc {
            inner.insert("code".into(), json!(biz.code.to_string()));
            let key = if biz.code == 200 { "message" } else { "errorMessage" };
            inner.insert(key.into(), json!(biz.message));
        } else {
            inner.insert("code".into(), json!(biz.code));
            inner.insert("message".into(), json!(biz.message));
        }
        inner.insert("requestId".into(), json!(request_id));
        inner.extend(biz.fields);
        let body = if doc {
            json!({ format!("{base}_response"): { result_key: Value::Object(inner) } })
        } else {
            json!({ format!("{base}_responce"): { "code": "0", result_key: Value::Object(inner).to_string() } })
        };
        json_body(&body)
    }
}

/// The codes of the JD promotion links in `text`: `u.jd.com/<code>` and `union-click.jd.com/jdc?…p=<token>`.
fn link_codes(text: &str) -> impl Iterator<Item = &str> {
    let short = text.split("u.jd.com/").skip(1);
    let click = text.split("union-click.jd.com/jdc?").skip(1).filter_map(|rest| {
        let query = rest.split(|c: char| c.is_whitespace() || c == '#').next().unwrap_or_default();
        query.split('&').find_map(|kv| kv.strip_prefix("p="))
    });
    short
        .map(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or_default())
        .chain(click.map(|p| p.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or_default()))
        .filter(|code| !code.is_empty())
}

async fn gateway(State(sim): State<JdSim>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let params = decode_form(query.as_deref(), &body);
    let delay = sim.inner.order_delay_ms.load(Ordering::SeqCst);
    if delay > 0 && params.get("method").map(String::as_str) == Some(ORDER_ROW_QUERY) {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    sim.handle(&params)
}

/// A gateway-level refusal: `{"error_response":{"code":"12","zh_desc":text::INVALID_SIGN}}` (string codes).
struct GatewayError {
    code: &'static str,
    zh: String,
    en: Option<String>,
}

impl GatewayError {
    fn new(code: &'static str, zh: impl Into<String>, en: Option<String>) -> Self {
        GatewayError { code, zh: zh.into(), en }
    }

    fn into_response(self) -> Response {
        let mut err = Map::new();
        err.insert("code".into(), json!(self.code));
        err.insert("zh_desc".into(), json!(self.zh));
        if let Some(en) = self.en {
            err.insert("en_desc".into(), json!(en));
        }
        json_body(&json!({ "error_response": err }))
    }
}

fn json_body(v: &Value) -> Response {
    json_text(v.to_string())
}

fn json_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response()
}

/// `pageIndex` (from 1, default 1) and `pageSize` (1..=`max`, default 20) of a request.
fn paging(r: &Map<String, Value>, max: u64) -> Result<(u64, u64), Biz> {
    let page_index = match num_field(r, "pageIndex") {
        None => 1,
        Some(Some(p)) if p >= 1 => p,
        Some(_) => return Err(Biz::err(2_001_212, text::param_error("pageIndex"))),
    };
    let page_size = match num_field(r, "pageSize") {
        None => 20,
        Some(Some(s)) if (1..=max).contains(&s) => s,
        Some(_) => return Err(Biz::err(2_001_212, text::page_size_over(max))),
    };
    Ok((page_index, page_size))
}

fn str_field(r: &Map<String, Value>, name: &str) -> Option<String> {
    match r.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `None`: absent or null; `Some(None)`: present but not a non-negative integer.
fn num_field(r: &Map<String, Value>, name: &str) -> Option<Option<u64>> {
    match r.get(name)? {
        Value::Null => None,
        v => Some(scalar_u64(v)),
    }
}

fn scalar_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
