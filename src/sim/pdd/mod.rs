//! Simulated Pinduoduo 多多进宝 gateway (affiliates spec §1, fidelity checklist §5).
//!
//! Routes (mounted at `/pdd`):
//! - `POST /api/router`: the gateway; JSON or form bodies, signature recomputed over the received string
//!   values, `client_id`, the timestamp (against the wall clock: the client signs with its own) and required
//!   parameters checked, answers in the platform's envelopes.
//! - `GET /open.html?response_type=code&client_id=…&redirect_uri=…&state=…`: the 多多客 authorize page; it
//!   approves at once and redirects to `redirect_uri?code=…&state=…`.
//! - `POST /sim/authorize_member` `{"pid":"…","uid":"…"}`: the member completed 备案 (test/demo control).
//!
//! Everything is deterministic: ids, codes and signatures come from a counter-seeded hash, and the business clock
//! (order lifecycles, token expiry, link dates) can be fixed ([`PddSim::set_now`]) so recorded answers replay
//! byte for byte.

mod goods;
mod links;
mod oauth;
mod orders;
mod wire;

pub use crate::sim::text::pdd::NOT_BOUND_MSG;

use super::SimCredentials;
use super::signature::{self, SignMethod};
use super::support::{Controls, GMT8, lock, union_controls, wall_now};
use crate::platform::Platform;
use crate::sim::catalog::{self, SimItem};
use crate::sim::feed;
use crate::sim::text::pdd as text;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use wire::ApiError;

/// Longest accepted `custom_parameters` (bytes).
const MAX_CUSTOM_PARAMETERS_BYTES: usize = 64;

/// What answers one API: the business body of its response, from the state and the request's parameters.
type Handler = fn(&mut State, &Params) -> Result<Value, ApiError>;

/// One simulated API: its `type`, its 多多客工具 (OAuth) `type`, the response's wrapper key and its handler.
/// Adding an API to the simulator is a row here and its handler.
struct Api {
    plain: &'static str,
    oauth: Option<&'static str>,
    wrapper: &'static str,
    handler: Handler,
}

const APIS: &[Api] = &[
    Api {
        plain: "pdd.ddk.goods.zs.unit.url.gen",
        oauth: Some("pdd.ddk.oauth.goods.zs.unit.url.gen"),
        wrapper: "goods_zs_unit_generate_response",
        handler: zs_unit_url_gen,
    },
    Api {
        plain: "pdd.ddk.goods.promotion.url.generate",
        oauth: Some("pdd.ddk.oauth.goods.prom.url.generate"),
        wrapper: "goods_promotion_url_generate_response",
        handler: promotion_url_generate,
    },
    Api {
        plain: "pdd.ddk.goods.detail",
        oauth: Some("pdd.ddk.oauth.goods.detail"),
        wrapper: "goods_detail_response",
        handler: goods_detail,
    },
    Api {
        plain: "pdd.ddk.goods.search",
        oauth: Some("pdd.ddk.oauth.goods.search"),
        wrapper: "goods_search_response",
        handler: goods_search,
    },
    Api {
        plain: "pdd.ddk.goods.pid.generate",
        oauth: Some("pdd.ddk.oauth.goods.pid.generate"),
        wrapper: "p_id_generate_response",
        handler: pid_generate,
    },
    Api {
        plain: "pdd.ddk.goods.pid.query",
        oauth: Some("pdd.ddk.oauth.goods.pid.query"),
        wrapper: "p_id_query_response",
        handler: pid_query,
    },
    Api {
        plain: "pdd.ddk.rp.prom.url.generate",
        oauth: Some("pdd.ddk.oauth.rp.prom.url.generate"),
        wrapper: "rp_promotion_url_generate_response",
        handler: rp_prom_url_generate,
    },
    Api {
        plain: "pdd.ddk.member.authority.query",
        oauth: Some("pdd.ddk.oauth.member.authority.query"),
        wrapper: "authority_query_response",
        handler: member_authority_query,
    },
    Api {
        plain: "pdd.ddk.order.list.increment.get",
        oauth: Some("pdd.ddk.oauth.order.list.increment.get"),
        wrapper: "order_list_get_response",
        handler: |s, p| s.order_list(p),
    },
    Api {
        plain: "pdd.pop.auth.token.create",
        oauth: None,
        wrapper: "pop_auth_token_create_response",
        handler: |s, p| s.token_create(required(p, "code")?),
    },
    Api {
        plain: "pdd.pop.auth.token.refresh",
        oauth: None,
        wrapper: "pop_auth_token_refresh_response",
        handler: |s, p| s.token_refresh(required(p, "refresh_token")?),
    },
    Api {
        plain: "pdd.ddk.goods.recommend.get",
        oauth: Some("pdd.ddk.oauth.goods.recommend.get"),
        wrapper: "goods_basic_detail_response",
        handler: recommend_get,
    },
];

/// The API of a `type`, and whether it was called as its OAuth variant (which needs an `access_token`).
fn lookup(type_name: &str) -> Option<(&'static Api, bool)> {
    APIS.iter().find_map(|api| {
        if api.plain == type_name {
            Some((api, false))
        } else if api.oauth == Some(type_name) {
            Some((api, true))
        } else {
            None
        }
    })
}

/// A failure to answer the next requests with (after the gateway checks passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PddFault {
    /// 52101 当前接口被限流，请稍后重试.
    Throttled,
    /// 70031 调用过于频繁，请调整调用频率.
    TooFrequent,
    /// 52102 当前接口暂时不可用.
    Unavailable,
    /// 52103 服务暂时不可用.
    ServiceUnavailable,
    /// 10019 access_token已过期.
    TokenExpired,
    /// A bare HTTP error status with a text body.
    HttpStatus(u16),
    /// HTTP 200 with a body that is not JSON.
    Garbled,
    /// 20004 签名验证失败 (as with a wrong client secret).
    BadSignature,
    /// 10000 参数错误:timestamp (as with a clock far off).
    ClockSkew,
    /// 50001 / 60001: the PID itself is not 备案.
    PidNotBound,
    /// The call is answered, but goods records lack `promotion_rate`.
    MissingCommission,
    /// 50001 `非法的source_url`: what PDD answers for a link that is no product.
    NotAProduct,
    /// 50001 `业务服务错误` with a message the client does not know.
    UnknownRefusal,
}

#[derive(Clone)]
pub struct PddSim {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    client_secret: String,
    controls: Controls<PddFault>,
    state: Mutex<State>,
}

struct Pid {
    pid: String,
    name: String,
    created: i64,
}

/// Mutable simulator state. Lock it briefly; never across an await.
struct State {
    cdn_base: String,
    /// The business clock when the lock was taken.
    now: i64,
    require_member_auth: bool,
    /// (pid, member) pairs that completed 备案.
    authorized: HashSet<(String, String)>,
    seq: u64,
    /// goods_sign → item.
    items: HashMap<String, SimItem>,
    /// short code → goods_sign.
    shorts: HashMap<String, String>,
    /// Short code → the promotion URL it redirects to (as `p.pinduoduo.com/<code>` does).
    short_targets: HashMap<String, String>,
    duo_id: u64,
    pids: Vec<Pid>,
    oauth: oauth::OAuth,
    orders: orders::Orders,
}

impl State {
    fn now(&self) -> i64 {
        self.now
    }

    /// The next value of the seeded id stream.
    fn next_digest(&mut self, label: &str) -> [u8; 32] {
        self.seq += 1;
        let mut h = Sha256::new();
        h.update(b"pdd-sim\0");
        h.update(label.as_bytes());
        h.update(self.seq.to_le_bytes());
        h.finalize().into()
    }

    fn request_id(&mut self) -> String {
        self.seq += 1;
        format!("{}{:07}", self.now(), self.seq % 10_000_000)
    }

    /// The 备案 check of a call carrying `custom_parameters`.
    fn check_bound(&self, pid: &str, custom: Option<&str>) -> Result<(), ApiError> {
        let Some(member) = member_key(custom)? else { return Ok(()) };
        if self.require_member_auth && !self.authorized.contains(&(pid.to_string(), member)) {
            return Err(ApiError::not_bound());
        }
        Ok(())
    }
}

/// The member identity inside `custom_parameters`: `uid` of the JSON object, or a legacy plain string.
fn member_key(custom: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(custom) = custom else { return Ok(None) };
    if custom.len() > MAX_CUSTOM_PARAMETERS_BYTES {
        return Err(ApiError::param("custom_parameters"));
    }
    match serde_json::from_str::<Value>(custom) {
        Ok(Value::Object(map)) => match map.get("uid") {
            Some(Value::String(uid)) if !uid.is_empty() => Ok(Some(uid.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            _ => Err(ApiError::param("custom_parameters")),
        },
        _ => Ok(Some(custom.to_string())),
    }
}

/// `yyMMdd` in Beijing time.
fn yymmdd(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH).to_offset(GMT8);
    format!("{:02}{:02}{:02}", t.year().rem_euclid(100), u8::from(t.month()), t.day())
}

/// A pid `<duoId>_<number>`.
fn is_pid(s: &str) -> bool {
    s.split_once('_').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
    })
}

type Params = BTreeMap<String, String>;

/// Whole seconds of a duration, saturating far beyond any clock in use.
fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    p.get(name).map(String::as_str).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::param(name))
}

fn int_param(p: &Params, name: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, ApiError> {
    let v = match p.get(name) {
        Some(v) => v.parse::<i64>().map_err(|_| ApiError::param(name))?,
        None => default,
    };
    if range.contains(&v) { Ok(v) } else { Err(ApiError::param(name)) }
}

/// A parameter holding a JSON list of strings (`["a","b"]`).
fn string_list(p: &Params, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    p.get(name).map(|v| serde_json::from_str::<Vec<String>>(v).map_err(|_| ApiError::param(name))).transpose()
}

impl PddSim {
    pub fn new(creds: &SimCredentials, cdn_base: &str) -> Self {
        let digest = Sha256::digest(creds.pdd_client_id.as_bytes());
        let mut w = [0u8; 8];
        w.copy_from_slice(&digest[..8]);
        let duo_id = 10_000_000 + u64::from_le_bytes(w) % 90_000_000;
        let mut state = State {
            cdn_base: cdn_base.trim_end_matches('/').to_string(),
            now: wall_now(),
            require_member_auth: true,
            authorized: HashSet::new(),
            seq: 0,
            items: HashMap::new(),
            shorts: HashMap::new(),
            short_targets: HashMap::new(),
            duo_id,
            pids: Vec::new(),
            oauth: oauth::OAuth::default(),
            orders: orders::Orders::default(),
        };
        for item in catalog::listed(Platform::Pdd) {
            state.remember(item);
        }
        for k in 0..feed::POOL {
            state.remember(catalog::item_by_id(Platform::Pdd, feed::FEED_ID_BASE + k));
        }
        PddSim {
            inner: Arc::new(Inner {
                client_id: creds.pdd_client_id.clone(),
                client_secret: creds.pdd_client_secret.clone(),
                controls: Controls::default(),
                state: Mutex::new(state),
            }),
        }
    }

    /// The state, with its `now` set from the business clock.
    fn state(&self) -> MutexGuard<'_, State> {
        let mut s = lock(&self.inner.state);
        s.now = self.inner.controls.clock.now();
        s
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/router", post(gateway))
            .route("/open.html", get(authorize_page))
            .route("/sim/authorize_member", post(authorize_member))
            .route("/sim/orders/generate", post(generate_orders))
            .route("/sim/orders/status", post(order_status))
            .with_state(self.clone())
    }

    union_controls!(PddFault, "70031");

    /// Whether (pid, uid) pairs must be 备案 (default true; the demo turns it off).
    pub fn set_require_member_auth(&self, on: bool) {
        self.state().require_member_auth = on;
    }

    /// The member opened the 备案 link and authorized: `member.authority.query` answers `bind:1` from now on.
    pub fn authorize_member(&self, pid: &str, uid: &str) {
        self.state().authorized.insert((pid.to_string(), uid.to_string()));
    }

    /// The account gains a 推广位 (as if made in the jinbao console): `pid.query` lists it.
    pub fn add_pid(&self, pid: &str, name: &str) {
        let mut s = self.state();
        if !s.pids.iter().any(|p| p.pid == pid) {
            let created = s.now();
            s.pids.push(Pid { pid: pid.to_string(), name: name.to_string(), created });
        }
    }

    /// Where a short link this simulator issued redirects: the PID-tagged promotion URL.
    pub fn resolve_short(&self, short_url: &str) -> Option<String> {
        let code = short_url.strip_prefix("https://p.pinduoduo.com/")?;
        self.state().short_targets.get(code).cloned()
    }

    /// Lifetimes of issued access and refresh tokens (defaults: one day, 31 days).
    pub fn set_token_lifetimes(&self, access: Duration, refresh: Duration) {
        let mut s = self.state();
        s.oauth.access_ttl = secs(access);
        s.oauth.refresh_ttl = secs(refresh);
    }

    /// A fresh authorization code, as the authorize page would hand out.
    pub fn issue_auth_code(&self) -> String {
        self.state().issue_code()
    }

    /// Typical time between two order lifecycle steps after 成团 (default one hour); shorten it to see orders
    /// settle quickly on the wall clock (demo).
    pub fn set_order_stage(&self, stage: Duration) {
        self.state().orders.stage_secs = secs(stage).max(1);
    }

    /// Makes `count` orders from the conversions made so far (round robin: same `p_id`, verbatim
    /// `custom_parameters`), paid at even steps over the last `spread` of the business clock. Returns their
    /// `order_sn`s (none before the first conversion).
    pub fn generate_orders(&self, count: usize, spread: Duration) -> Vec<String> {
        self.state().generate_orders(count, secs(spread))
    }

    /// A buyer pays now through the promotion link found in `text` (one this simulator issued): one order of that
    /// conversion that settles. Returns its `order_sn`, or `None` when `text` holds no link of this simulator.
    pub fn buy(&self, text: &str) -> Option<String> {
        self.state().buy(text)
    }

    /// From `at` (unix seconds, the business clock) on, the order is in `status` (`order_status` 0–5 or 10), its
    /// `order_modify_at` = `at`. False for an unknown order, status or a time before payment.
    pub fn set_order_status(&self, order_sn: &str, status: i64, at: i64) -> bool {
        self.state().set_order_status(order_sn, status, at)
    }

    fn handle(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let answer = match wire::parse_params(content_type, body) {
            Ok(p) => match self.gateway_checks(&p) {
                Ok(route) => match self.inner.controls.faults.next() {
                    Some(PddFault::HttpStatus(code)) => {
                        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
                        return (status, "upstream error").into_response();
                    }
                    Some(PddFault::Garbled) => return json_text("<html>502 Bad Gateway</html>".into()),
                    Some(PddFault::Throttled) => Err(ApiError::platform(52101)),
                    Some(PddFault::TooFrequent) => Err(ApiError::platform(70031)),
                    Some(PddFault::Unavailable) => Err(ApiError::platform(52102)),
                    Some(PddFault::ServiceUnavailable) => Err(ApiError::platform(52103)),
                    Some(PddFault::TokenExpired) => Err(ApiError::token_expired()),
                    Some(PddFault::BadSignature) => Err(ApiError::sign()),
                    Some(PddFault::ClockSkew) => Err(ApiError::param("timestamp")),
                    Some(PddFault::PidNotBound) => Err(ApiError::not_bound()),
                    Some(PddFault::NotAProduct) => Err(ApiError::illegal("source_url")),
                    Some(PddFault::UnknownRefusal) => Err(ApiError::business(text::CAMPAIGN_ENDED)),
                    Some(PddFault::MissingCommission) => self
                        .dispatch(&mut self.state(), &p, route)
                        .map(|(wrapper, body)| (wrapper, without_rates(body))),
                    None => self.dispatch(&mut self.state(), &p, route),
                },
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let mut s = self.state();
        let request_id = s.request_id();
        let text = match answer {
            Ok((wrapper, mut inner)) => {
                if let Value::Object(map) = &mut inner {
                    map.insert("request_id".into(), Value::String(request_id));
                }
                let mut top = serde_json::Map::new();
                top.insert(wrapper.to_string(), inner);
                Value::Object(top).to_string()
            }
            Err(e) => e.to_json(&request_id),
        };
        json_text(text)
    }

    /// What the gateway checks before any API runs: type, client, sign, timestamp, throttle.
    fn gateway_checks(&self, p: &Params) -> Result<(&'static Api, bool), ApiError> {
        let type_name = required(p, "type")?;
        self.inner.controls.calls.record(type_name);
        let client_id = required(p, "client_id")?;
        let sign = required(p, "sign")?;
        if client_id != self.inner.client_id {
            return Err(ApiError::param("client_id"));
        }
        if !signature::verify(SignMethod::Md5, &self.inner.client_secret, p, sign) {
            return Err(ApiError::sign());
        }
        let ts = required(p, "timestamp")?.parse::<i64>().map_err(|_| ApiError::param("timestamp"))?;
        if !self.inner.controls.clock.is_fresh(ts) {
            return Err(ApiError::param("timestamp"));
        }
        let route = lookup(type_name).ok_or_else(|| ApiError::param("type"))?;
        if !self.inner.controls.throttle.allow() {
            return Err(ApiError::platform(70031));
        }
        Ok(route)
    }

    fn dispatch(
        &self,
        s: &mut State,
        p: &Params,
        (api, oauth): (&'static Api, bool),
    ) -> Result<(&'static str, Value), ApiError> {
        if oauth {
            s.check_access(p.get("access_token").map(String::as_str))?;
        }
        Ok((api.wrapper, (api.handler)(s, p)?))
    }
}

/// `body` with `promotion_rate` removed from every goods record.
fn without_rates(mut body: Value) -> Value {
    for list in ["goods_details", "goods_list"] {
        if let Some(Value::Array(items)) = body.get_mut(list) {
            for item in items {
                if let Value::Object(m) = item {
                    m.remove("promotion_rate");
                }
            }
        }
    }
    body
}

fn json_text(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json;charset=UTF-8")], text).into_response()
}

fn convert(s: &mut State, item: SimItem, pid: &str, custom: Option<&str>) -> Value {
    let links = s.issue_links(&item, pid, custom).to_json();
    let urls = links.as_object().into_iter().flat_map(|o| o.values()).filter_map(Value::as_str);
    s.orders.conversions.push(orders::ConversionRecord {
        pid: pid.to_string(),
        custom: custom.map(str::to_string),
        goods_sign: item.goods_sign.clone(),
        links: urls.filter(|u| u.starts_with("http")).map(str::to_string).collect(),
    });
    links
}

fn zs_unit_url_gen(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let pid = required(p, "pid")?;
    let source = required(p, "source_url")?;
    if !is_pid(pid) {
        return Err(ApiError::param("pid"));
    }
    let custom = p.get("custom_parameters").map(String::as_str);
    s.check_bound(pid, custom)?;
    let item = s.resolve_source(source)?;
    Ok(convert(s, item, pid, custom))
}

fn promotion_url_generate(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let pid = required(p, "p_id")?;
    if !is_pid(pid) {
        return Err(ApiError::param("p_id"));
    }
    let signs: Vec<String> = match p.get("goods_gen_url_param_list") {
        Some(list) => serde_json::from_str::<Vec<Value>>(list)
            .map_err(|_| ApiError::param("goods_gen_url_param_list"))?
            .iter()
            .map(|o| o.get("goods_sign").and_then(Value::as_str).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::param("goods_gen_url_param_list"))?,
        None => string_list(p, "goods_sign_list")?.ok_or_else(|| ApiError::param("goods_sign_list"))?,
    };
    if signs.is_empty() {
        return Err(ApiError::param("goods_sign_list"));
    }
    let custom = p.get("custom_parameters").map(String::as_str);
    s.check_bound(pid, custom)?;
    let mut list = Vec::with_capacity(signs.len());
    for sign in &signs {
        let item = s.item_by_sign(sign).ok_or_else(|| ApiError::illegal("goods_sign"))?;
        list.push(convert(s, item, pid, custom));
    }
    Ok(json!({ "goods_promotion_url_list": list }))
}

fn goods_detail(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let Some(sign) = p.get("goods_sign").filter(|v| !v.is_empty()) else {
        if p.contains_key("goods_id") {
            return Err(ApiError::business(text::GOODS_ID_RETIRED));
        }
        return Err(ApiError::param("goods_sign"));
    };
    if let Some(pid) = p.get("pid") {
        s.check_bound(pid, p.get("custom_parameters").map(String::as_str))?;
    }
    let item = s.item_by_sign(sign).ok_or_else(|| ApiError::illegal("goods_sign"))?;
    // An item off the promotion: an empty list (feeds spec §1.5 leaves error vs empty open).
    let details: Vec<Value> = goods::goods_json_at(&item, s.now, &s.cdn_base).into_iter().collect();
    Ok(json!({ "goods_details": details }))
}

fn goods_search(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let page = int_param(p, "page", 1, 1..=10_000)?;
    let page_size = int_param(p, "page_size", 100, 1..=100)?;
    if let Some(pid) = p.get("pid") {
        s.check_bound(pid, p.get("custom_parameters").map(String::as_str))?;
    }
    let keyword = p.get("keyword").map(|k| k.trim()).unwrap_or("");
    let items: Vec<SimItem> = if let Some(signs) = string_list(p, "goods_sign_list")? {
        signs.iter().filter_map(|sign| s.item_by_sign(sign)).collect()
    } else if keyword.contains("://") {
        vec![s.resolve_source(keyword)?]
    } else if let Some(id) = keyword.parse::<u64>().ok().filter(|_| keyword.len() >= 6) {
        vec![s.item_by_goods_id(id)]
    } else {
        catalog::search(Platform::Pdd, keyword)
    };
    let total = items.len();
    let list_id = match p.get("list_id") {
        Some(id) => id.clone(),
        None => hex::encode(&s.next_digest("list_id")[..8]),
    };
    let search_id = hex::encode(&s.next_digest("search_id")[..12]);
    let skip = usize::try_from((page - 1) * page_size).unwrap_or(usize::MAX);
    let goods: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(page_size as usize)
        .filter_map(|it| goods::goods_json_at(it, s.now, &s.cdn_base))
        .map(|mut g| {
            g["search_id"] = json!(search_id);
            g["goods_labels"] = json!([]);
            g["has_material"] = json!(false);
            g
        })
        .collect();
    Ok(json!({ "goods_list": goods, "list_id": list_id, "search_id": search_id, "total_count": total }))
}

fn pid_generate(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let number = int_param(p, "number", 0, 1..=100)?;
    let names = string_list(p, "p_id_name_list")?;
    if names.as_ref().is_some_and(|n| n.len() as i64 != number) {
        return Err(ApiError::param("p_id_name_list"));
    }
    let now = s.now();
    let mut made = Vec::new();
    for i in 0..number as usize {
        let pid = format!("{}_{}", s.duo_id, 300_000_000 + s.pids.len() as u64 * 7 + 11);
        let name = names.as_ref().and_then(|n| n.get(i)).cloned().unwrap_or_default();
        made.push(json!({ "create_time": now, "media_id": 0, "pid_name": name, "p_id": pid }));
        s.pids.push(Pid { pid, name, created: now });
    }
    Ok(json!({ "p_id_list": made, "remain_pid_count": 500_000 - s.pids.len() as i64 }))
}

fn pid_query(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let page = int_param(p, "page", 1, 1..=10_000)?;
    let page_size = int_param(p, "page_size", 100, 1..=100)?;
    let filter = string_list(p, "pid_list")?;
    let status = int_param(p, "status", 0, 0..=1)?;
    let matching: Vec<&Pid> =
        s.pids.iter().filter(|x| status == 0 && filter.as_ref().is_none_or(|f| f.contains(&x.pid))).collect();
    let skip = usize::try_from((page - 1) * page_size).unwrap_or(usize::MAX);
    let list: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(page_size as usize)
        .map(|x| json!({ "create_time": x.created, "media_id": 0, "pid_name": x.name, "p_id": x.pid, "status": 0 }))
        .collect();
    Ok(json!({ "p_id_list": list, "total_count": matching.len() }))
}

fn member_authority_query(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let pid = required(p, "pid")?;
    let member = member_key(Some(required(p, "custom_parameters")?))?.unwrap_or_default();
    Ok(json!({ "bind": i32::from(s.authorized.contains(&(pid.to_string(), member))) }))
}

fn rp_prom_url_generate(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let channel = int_param(p, "channel_type", -1, -1..=1_000)?;
    if channel != 10 {
        // only the 备案 channel is simulated
        return Err(ApiError::param("channel_type"));
    }
    let pids = string_list(p, "p_id_list")?.ok_or_else(|| ApiError::param("p_id_list"))?;
    let [pid] = pids.as_slice() else { return Err(ApiError::param("p_id_list")) };
    if !is_pid(pid) {
        return Err(ApiError::param("p_id_list"));
    }
    let custom = required(p, "custom_parameters")?;
    member_key(Some(custom))?;
    Ok(json!({ "url_list": [s.auth_link(pid, custom)] }))
}

async fn gateway(AxState(sim): AxState<PddSim>, headers: HeaderMap, body: Bytes) -> Response {
    sim.handle(&headers, &body)
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// The jinbao authorize page: approves at once and sends the browser back with `code` and `state`.
async fn authorize_page(AxState(sim): AxState<PddSim>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type.as_deref() != Some("code") || q.client_id.as_deref() != Some(sim.inner.client_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "invalid response_type or client_id").into_response();
    }
    let Some(mut target) = q.redirect_uri.as_deref().and_then(|u| url::Url::parse(u).ok()) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    if !matches!(target.scheme(), "http" | "https") {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    }
    let code = sim.issue_auth_code();
    {
        let mut pairs = target.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(state) = q.state.as_deref() {
            pairs.append_pair("state", state);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

#[derive(Deserialize)]
struct MemberBody {
    pid: String,
    uid: String,
}

async fn authorize_member(AxState(sim): AxState<PddSim>, Json(body): Json<MemberBody>) -> StatusCode {
    sim.authorize_member(&body.pid, &body.uid);
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct GenerateBody {
    count: usize,
    #[serde(default)]
    spread_secs: u64,
}

/// `POST /sim/orders/generate {"count": N, "spread_secs": S}`: [`PddSim::generate_orders`] over HTTP; answers the
/// new `order_sn`s.
async fn generate_orders(AxState(sim): AxState<PddSim>, Json(body): Json<GenerateBody>) -> Json<Vec<String>> {
    Json(sim.generate_orders(body.count.min(10_000), Duration::from_secs(body.spread_secs)))
}

#[derive(serde::Deserialize)]
struct StatusBody {
    order_sn: String,
    order_status: i64,
    /// Unix seconds; the business clock's now when absent.
    at: Option<i64>,
}

/// `POST /sim/orders/status {"order_sn": "…", "order_status": 4, "at": …}`: [`PddSim::set_order_status`].
async fn order_status(AxState(sim): AxState<PddSim>, Json(body): Json<StatusBody>) -> StatusCode {
    let at = body.at.unwrap_or_else(|| sim.now());
    if sim.set_order_status(&body.order_sn, body.order_status, at) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Channels of `goods.recommend.get` the simulator serves (feeds spec §1.1: the ones the current doc lists).
const RECOMMEND_CHANNELS: [i64; 5] = [1, 3, 4, 5, 6];

/// `pdd.ddk.goods.recommend.get` (feeds spec §1.1, §1.7): whole-page paging by `offset`, `list_id` echoed, string
/// `cat_id`/`opt_id`/`merchant_type`, channel 3 needs `goods_sign_list`, unknown channels list nothing.
fn recommend_get(s: &mut State, p: &Params) -> Result<Value, ApiError> {
    let channel = int_param(p, "channel_type", 5, 0..=1_000)?;
    let limit = int_param(p, "limit", 20, 1..=100)?;
    let offset = int_param(p, "offset", 0, 0..=1_000_000)?;
    if offset % limit != 0 {
        return Err(ApiError::param("offset"));
    }
    if let Some(pid) = p.get("pid") {
        s.check_bound(pid, p.get("custom_parameters").map(String::as_str))?;
    }
    if channel == 3 && string_list(p, "goods_sign_list")?.is_none_or(|l| l.is_empty()) {
        return Err(ApiError::param("goods_sign_list"));
    }
    let cat = p.get("cat_id").map(|c| c.parse::<u32>().map_err(|_| ApiError::param("cat_id"))).transpose()?;
    let items: Vec<SimItem> = if RECOMMEND_CHANNELS.contains(&channel) {
        feed::channel_items(Platform::Pdd, channel as u64)
            .into_iter()
            .filter(|it| channel != 4 || cat.is_none_or(|c| feed::category(it).0 == c))
            .filter(|it| feed::at(it, s.now).is_some())
            .collect()
    } else {
        Vec::new()
    };
    let list_id = match p.get("list_id") {
        Some(id) => id.clone(),
        None => hex::encode(&s.next_digest("list_id")[..8]),
    };
    let search_id = hex::encode(&s.next_digest("search_id")[..12]);
    let list: Vec<Value> = items
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(100))
        .filter_map(|it| goods::goods_json_at(it, s.now, &s.cdn_base))
        .map(|mut g| {
            for field in ["cat_id", "opt_id", "merchant_type"] {
                if let Some(v) = g.get(field).filter(|v| v.is_number()).map(Value::to_string) {
                    g[field] = json!(v);
                }
            }
            g["search_id"] = json!(search_id);
            g["coupon_price"] = json!(0);
            g["realtime_sales_tip"] = g["sales_tip"].clone();
            g
        })
        .collect();
    Ok(json!({ "list": list, "list_id": list_id, "search_id": search_id, "total": items.len() }))
}

#[cfg(test)]
mod tests;
