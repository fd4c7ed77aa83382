//! Simulated Taobao Open Platform gateway (TOP `POST /router/rest`, affiliates spec §3 and §5).
//!
//! It checks what TOP checks: system parameters, the app key, the sign in all three methods (`md5`, `hmac`,
//! `hmac-sha256`) over the received values, the timestamp against the wall clock (±10 min), the version, the
//! method name, the `session` of `taobao.tbk.sc.*` methods and required business arguments (40/41). Answers use the
//! non-simplified JSON shapes (`<method>_response`, lists wrapped as `map_data`, `n_tbk_item`,
//! `publisher_order_dto`, `string`) and `"--"` for empty order times.
//!
//! Methods: `taobao.tbk.dg.general.link.convert` (and its `sc` twin), `taobao.tbk.tpwd.create`,
//! `taobao.tbk.item.info.get`, `taobao.tbk.dg.material.optional`, `taobao.tbk.order.details.get` (and its `sc`
//! twin), `taobao.tbk.sc.publisher.info.save` with the member's OAuth consent (see `publisher`), plus
//! `taobao.item.seller.get`, the method of the official sign vector. Every conversion is remembered:
//! its links and 淘口令 resolve back to the item, and it later produces an order (see `orders`).
//!
//! Not publicly documented, so chosen here: a material that cannot be promoted answers code 15 with sub_code
//! `30002` "该商品不支持推广"; a window over 3 h answers code 15 with sub_code `isv.invalid-parameter`.

mod materials;
mod orders;
mod publisher;

pub use orders::PUB_ID;
pub use publisher::{CHANNEL_INVITE_CODE, MEMBER_INVITE_CODE};

use super::SimCredentials;
use super::catalog::{self, SimItem};
use super::feed;
use super::signature::{self, SignMethod};
use super::support::{
    Controls, decode_form, format_gmt8, hash64, lock, parse_gmt8, percent_string, token, union_controls, yuan_compact,
    yuan_string,
};
use super::text::catalog::TAG_END;
use super::text::taobao as text;
use crate::platform::Platform;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// A session the simulator accepts from the start (the demo configures it).
pub const DEMO_SESSION: &str = "sim-taobao-session";

const DG_CONVERT: &str = "taobao.tbk.dg.general.link.convert";
const SC_CONVERT: &str = "taobao.tbk.sc.general.link.convert";
const TPWD_CREATE: &str = "taobao.tbk.tpwd.create";
const ITEM_INFO: &str = "taobao.tbk.item.info.get";
const ITEM_INFO_UPGRADE: &str = "taobao.tbk.item.info.upgrade.get";
const MATERIAL_OPTIONAL: &str = "taobao.tbk.dg.material.optional";
const DG_ORDERS: &str = "taobao.tbk.order.details.get";
const SC_ORDERS: &str = "taobao.tbk.sc.order.details.get";
const SELLER_ITEM: &str = "taobao.item.seller.get";
const PUBLISHER_SAVE: &str = "taobao.tbk.sc.publisher.info.save";
const OPTIMUS_MATERIAL: &str = "taobao.tbk.dg.optimus.material";
/// The simulated APIs and their handlers: adding an API to the simulator is a row here and its handler.
const APIS: &[(&str, Handler)] = &[
    (DG_CONVERT, TaobaoSim::convert),
    (SC_CONVERT, TaobaoSim::convert),
    (TPWD_CREATE, TaobaoSim::tpwd_create),
    (ITEM_INFO, TaobaoSim::item_info),
    (ITEM_INFO_UPGRADE, TaobaoSim::item_info_upgrade),
    (MATERIAL_OPTIONAL, TaobaoSim::material_optional),
    (DG_ORDERS, TaobaoSim::order_details),
    (SC_ORDERS, TaobaoSim::order_details),
    (SELLER_ITEM, TaobaoSim::seller_item),
    (PUBLISHER_SAVE, TaobaoSim::publisher_info_save),
    (OPTIMUS_MATERIAL, TaobaoSim::optimus_material),
];

/// What answers one API, from the request's parameters.
type Handler = fn(&TaobaoSim, &BTreeMap<String, String>) -> Answer;

fn api(method: &str) -> Option<Handler> {
    APIS.iter().find(|(name, _)| *name == method).map(|(_, handler)| *handler)
}
/// `material_id`s of `optimus.material` the simulator lists (feeds spec §3.1: 好券直播, 大额券, 高佣榜).
const MATERIAL_IDS: [u64; 8] = [3756, 3761, 3767, 27446, 27451, 13366, 4094, 31362];

/// Longest `order.details.get` window.
const ORDER_WINDOW_SECS: i64 = 3 * 3600;

/// A failure to answer the next requests with (after the gateway checks passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaobaoFault {
    /// Code 7 App Call Limited, "This ban will last for N more seconds".
    Throttled { ban_secs: u32 },
    /// Code 15 with an `isp.` sub_code: the service behind the gateway failed.
    RemoteError,
    /// A bare HTTP error status with a text body.
    HttpStatus(u16),
    /// HTTP 200 with a body that is not JSON.
    Garbled,
    /// Code 25 Invalid signature (as with a wrong app secret).
    BadSignature,
}

#[derive(Clone)]
pub struct TaobaoSim {
    inner: Arc<Inner>,
}

struct Inner {
    creds: SimCredentials,
    cdn_base: String,
    controls: Controls<TaobaoFault>,
    state: Mutex<SimState>,
}

struct SimState {
    seq: u64,
    tpwd_count: u64,
    /// Short codes, `e` tokens, tb.cn codes and 淘口令 issued by the simulator → item id.
    issued: HashMap<String, u64>,
    /// Link codes, `e` tokens and 淘口令 → the conversion (index in `clicks`) they came from.
    links: HashMap<String, usize>,
    clicks: Vec<orders::Click>,
    /// Whether every conversion makes an order by itself (else only [`TaobaoSim::buy`] does).
    automatic_orders: bool,
    /// Session → still valid.
    sessions: HashMap<String, bool>,
    publishers: publisher::Publishers,
    /// link.convert leaves out `promotion_info_dto` and `coupon_info_dto` (their presence is not guaranteed).
    sparse_convert: bool,
}

/// A TOP error answer.
struct TopError {
    code: i64,
    msg: &'static str,
    sub_code: Option<String>,
    sub_msg: Option<String>,
}

impl TopError {
    fn new(code: i64, msg: &'static str) -> Self {
        TopError { code, msg, sub_code: None, sub_msg: None }
    }

    fn sub(mut self, sub_code: impl Into<String>, sub_msg: impl Into<String>) -> Self {
        self.sub_code = Some(sub_code.into());
        self.sub_msg = Some(sub_msg.into());
        self
    }

    fn missing(name: &str) -> Self {
        TopError::new(40, "Missing required arguments")
            .sub(format!("isv.missing-parameter:{name}"), text::missing_parameter(name))
    }

    fn invalid(name: &str) -> Self {
        TopError::new(41, "Invalid arguments")
            .sub(format!("isv.invalid-parameter:{name}"), text::invalid_parameter(name))
    }

    fn business(sub_code: &str, sub_msg: &str) -> Self {
        TopError::new(15, "Remote service error").sub(sub_code, sub_msg)
    }
}

/// A successful answer: the fields inside `<method>_response`.
struct Reply {
    body: Map<String, Value>,
    /// False for the one 淘口令 era captured without a `request_id`.
    with_request_id: bool,
}

impl Reply {
    fn new(body: Map<String, Value>) -> Self {
        Reply { body, with_request_id: true }
    }
}

type Answer = Result<Reply, TopError>;

impl TaobaoSim {
    pub fn new(creds: &SimCredentials, cdn_base: &str) -> Self {
        let mut sessions = HashMap::new();
        sessions.insert(DEMO_SESSION.to_string(), true);
        TaobaoSim {
            inner: Arc::new(Inner {
                creds: creds.clone(),
                cdn_base: cdn_base.trim_end_matches('/').to_string(),
                controls: Controls::default(),
                state: Mutex::new(SimState {
                    seq: 0,
                    tpwd_count: 0,
                    issued: HashMap::new(),
                    links: HashMap::new(),
                    clicks: Vec::new(),
                    automatic_orders: true,
                    sessions,
                    publishers: publisher::Publishers::default(),
                    sparse_convert: false,
                }),
            }),
        }
    }

    /// `/router/rest` (GET or form POST); mount it at `/taobao`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/router/rest", get(gateway).post(gateway))
            .route("/oauth/authorize", get(publisher::authorize))
            .route("/oauth/token", axum::routing::post(publisher::token_exchange))
            .with_state(self.clone())
    }

    union_controls!(TaobaoFault, "code 7 with a 1 s ban");

    /// Accepts `session` on `taobao.tbk.sc.*` calls.
    pub fn add_session(&self, session: &str) {
        lock(&self.inner.state).sessions.insert(session.to_string(), true);
    }

    /// From now on link.convert answers without `promotion_info_dto` and `coupon_info_dto` (`on`), or with them.
    pub fn set_sparse_convert(&self, on: bool) {
        lock(&self.inner.state).sparse_convert = on;
    }

    /// Makes `session` answer code 27 from now on.
    pub fn expire_session(&self, session: &str) {
        lock(&self.inner.state).sessions.insert(session.to_string(), false);
    }

    /// Whether every conversion makes an order a few minutes later by itself (default), or only buyers who pay
    /// through a link on purpose ([`TaobaoSim::buy`]) make orders.
    pub fn set_automatic_orders(&self, on: bool) {
        lock(&self.inner.state).automatic_orders = on;
    }

    /// A buyer pays through the promotion link or 淘口令 found in `text` (one this simulator issued), now: one
    /// more order of that conversion, paid at once, received a day later and settled the day after. Returns the
    /// order's `trade_id`, or `None` when `text` holds no link of this simulator.
    pub fn buy(&self, text: &str) -> Option<String> {
        let mut st = lock(&self.inner.state);
        let index = st.links.iter().find(|(code, _)| text.contains(code.as_str())).map(|(_, i)| *i)?;
        let mut click = st.clicks.get(index)?.clone();
        st.seq += 1;
        click.seq = st.seq;
        click.at = self.inner.controls.clock.now();
        click.bought = true;
        let app_key = self.inner.creds.taobao_app_key.as_str();
        let trade_id = orders::row_at(&click, click.at, app_key, &self.inner.cdn_base)?.trade_id;
        st.clicks.push(click);
        Some(trade_id.to_string())
    }

    fn app_key(&self) -> &str {
        &self.inner.creds.taobao_app_key
    }

    fn app_secret(&self) -> &str {
        &self.inner.creds.taobao_app_secret
    }

    fn handle(&self, p: &BTreeMap<String, String>) -> Response {
        let method = p.get("method").map(String::as_str).unwrap_or_default();
        if !method.is_empty() {
            self.inner.controls.calls.record(method);
        }
        let request_id = self.request_id(method);
        let handler = match self.check_gateway(p, method) {
            Ok(handler) => handler,
            Err(e) => return error_body(e, &request_id),
        };
        let answer = match self.inner.controls.faults.next() {
            Some(TaobaoFault::Throttled { ban_secs }) => Err(throttled(ban_secs)),
            Some(TaobaoFault::RemoteError) => {
                Err(TopError::business("isp.remote-service-error", text::REMOTE_SERVICE_ERROR))
            }
            Some(TaobaoFault::HttpStatus(s)) => {
                let status = StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY);
                return (status, "upstream error").into_response();
            }
            Some(TaobaoFault::Garbled) => return json_text("<html>502 Bad Gateway</html>".into()),
            Some(TaobaoFault::BadSignature) => Err(TopError::new(25, "Invalid signature")),
            None if !self.inner.controls.throttle.allow() => Err(throttled(1)),
            None => handler(self, p),
        };
        match answer {
            Ok(mut reply) => {
                if reply.with_request_id {
                    reply.body.insert("request_id".into(), json!(request_id));
                }
                let key = format!("{}_response", method.strip_prefix("taobao.").unwrap_or(method).replace('.', "_"));
                json_body(&json!({ key: Value::Object(reply.body) }))
            }
            Err(e) => error_body(e, &request_id),
        }
    }

    fn request_id(&self, method: &str) -> String {
        let n = hash64(&[b"tb-request", method.as_bytes(), &self.inner.controls.calls.get(method).to_le_bytes()]);
        token(&[&n.to_le_bytes()], 13).to_lowercase()
    }

    /// What TOP checks before any API runs; the API's handler when all passed.
    fn check_gateway(&self, p: &BTreeMap<String, String>, method: &str) -> Result<Handler, TopError> {
        let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
        if method.is_empty() {
            return Err(TopError::new(21, "Missing Method"));
        }
        let Some(app_key) = get("app_key") else { return Err(TopError::new(28, "Missing App Key")) };
        if app_key != self.inner.creds.taobao_app_key {
            return Err(TopError::new(29, "Invalid App Key"));
        }
        let Some(given) = get("sign") else { return Err(TopError::new(24, "Missing Signature")) };
        let secret = self.inner.creds.taobao_app_secret.as_str();
        let Some(sign_method) = SignMethod::from_top(get("sign_method").unwrap_or("md5")) else {
            return Err(TopError::invalid("sign_method"));
        };
        if !signature::verify(sign_method, secret, p, given) {
            return Err(TopError::new(25, "Invalid signature"));
        }
        let Some(ts) = get("timestamp") else { return Err(TopError::new(30, "Missing Timestamp")) };
        if parse_gmt8(ts).is_none_or(|t| !self.inner.controls.clock.is_fresh(t)) {
            return Err(TopError::new(31, "Invalid Timestamp"));
        }
        match get("v") {
            None => return Err(TopError::new(32, "Missing Version")),
            Some("2.0") => {}
            Some(_) => return Err(TopError::new(34, "Unsupported Version")),
        }
        if get("format") != Some("json") {
            return Err(TopError::new(23, "Invalid Format"));
        }
        let Some(handler) = api(method) else { return Err(TopError::new(22, "Invalid Method")) };
        if method.starts_with("taobao.tbk.sc.") || method == SELLER_ITEM {
            let valid = get("session").is_some_and(|s| lock(&self.inner.state).sessions.get(s) == Some(&true));
            if !valid {
                return Err(TopError::new(27, "Invalid session").sub("invalid-sessionkey", text::SESSION_INVALID));
            }
        }
        Ok(handler)
    }

    fn convert(&self, p: &BTreeMap<String, String>) -> Answer {
        let adzone_id = required_u64(p, "adzone_id")?;
        let site_id = optional_u64(p, "site_id")?.unwrap_or(0);
        let relation_id = optional_u64(p, "relation_id")?;
        let special_id = optional_u64(p, "special_id")?;
        let list = p
            .get("material_list")
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| TopError::missing("material_list"))?;
        let materials: Vec<&str> = list.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
        if materials.len() > 20 {
            return Err(TopError::invalid("material_list"));
        }
        let now = self.inner.controls.clock.now();
        let mut st = lock(&self.inner.state);
        let mut results = Vec::new();
        let mut first_failure = None;
        for m in &materials {
            let resolved = materials::resolve(m, &st.issued).map(|id| catalog::item_by_id(Platform::Taobao, id));
            let item = match resolved {
                None => {
                    first_failure.get_or_insert(("30001", text::MATERIAL_INVALID));
                    results.push(json!({"input_material_url": m, "code": 30001, "msg": text::MATERIAL_INVALID}));
                    continue;
                }
                Some(item) if item.commission_bps == 0 => {
                    first_failure.get_or_insert(("30002", text::NOT_PROMOTABLE));
                    results.push(json!({"input_material_url": m, "code": 30002, "msg": text::NOT_PROMOTABLE}));
                    continue;
                }
                Some(item) => item,
            };
            st.seq += 1;
            let seq = st.seq;
            let tok = |what: &[u8], len| token(&[b"tb-link", &seq.to_le_bytes(), m.as_bytes(), what], len);
            let cps_code = tok(b"cps-short", 7);
            let cps_e = tok(b"cps-long", 40);
            let pid = format!("mm_{PUB_ID}_{site_id}_{adzone_id}");
            let mut cps_long = format!(
                "https://s.click.taobao.com/t?e=m%3D2%26s%3D{cps_e}&union_lens=lensId%3AOPT%40{now}%40{}",
                tok(b"lens", 24).to_lowercase()
            );
            if let Some(r) = relation_id {
                cps_long.push_str(&format!("&relationId={r}"));
            }
            st.issued.insert(cps_code.clone(), item.id);
            st.issued.insert(format!("m=2&s={cps_e}"), item.id);
            let click = st.clicks.len();
            st.links.insert(format!("s.click.taobao.com/{cps_code}"), click);
            st.links.insert(cps_e.clone(), click);
            let mut link = json!({
                "material_id": item.id.to_string(),
                "material_type": 1,
                "cps_short_url": format!("https://s.click.taobao.com/{cps_code}"),
                "cps_long_url": cps_long,
            });
            if let Some(token) = materials::find_token(m) {
                link["tk_biz_type"] = json!(1);
                link["tpwd_origin_url"] =
                    json!(format!("https://s.click.taobao.com/t?e=m%3D2%26s%3D{}", tok(token.as_bytes(), 40)));
            }
            let mut entry = json!({"input_material_url": m});
            if item.coupon_fen > 0 {
                let coupon_code = tok(b"coupon-short", 7);
                let coupon_e = tok(b"coupon-long", 40);
                st.issued.insert(coupon_code.clone(), item.id);
                st.issued.insert(coupon_e.clone(), item.id);
                st.links.insert(format!("s.click.taobao.com/{coupon_code}"), click);
                st.links.insert(coupon_e.clone(), click);
                link["coupon_short_url"] = json!(format!("https://s.click.taobao.com/{coupon_code}"));
                link["coupon_long_url"] =
                    json!(format!("https://uland.taobao.com/coupon/edetail?e={coupon_e}&pid={pid}"));
                if !st.sparse_convert {
                    entry["coupon_info_dto"] = coupon_info(&item);
                }
            }
            entry["link_info_dto"] = link;
            if !st.sparse_convert {
                entry["promotion_info_dto"] =
                    json!({"commission_rate": percent_string(item.commission_bps), "commission_type": "COMMON"});
            }
            results.push(entry);
            st.clicks.push(orders::Click {
                seq,
                at: now,
                item_id: item.id,
                adzone_id,
                site_id,
                relation_id,
                special_id,
                bought: false,
            });
        }
        // Every material failed: the call fails as a whole.
        if let Some((code, msg)) = first_failure.filter(|_| results.iter().all(|r| r.get("code").is_some())) {
            return Err(TopError::business(code, msg));
        }
        let mut out = Map::new();
        out.insert("data".into(), json!({"material_url_list": {"material_url_list": results}}));
        Ok(Reply::new(out))
    }

    fn tpwd_create(&self, p: &BTreeMap<String, String>) -> Answer {
        let url = p.get("url").filter(|u| !u.is_empty()).ok_or_else(|| TopError::missing("url"))?;
        let official = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        if !matches!(official.as_deref(), Some("s.click.taobao.com" | "uland.taobao.com")) {
            return Err(TopError::business("20000", text::TPWD_URL_UNSUPPORTED));
        }
        let mut st = lock(&self.inner.state);
        st.tpwd_count += 1;
        let n = st.tpwd_count;
        let mut body = token(&[b"tpwd", &n.to_le_bytes(), url.as_bytes()], 11);
        if !body.bytes().any(|b| b.is_ascii_alphabetic()) {
            body.replace_range(..1, "T");
        }
        let h_code = format!("h.{}", token(&[b"tpwd-h", &n.to_le_bytes(), url.as_bytes()], 7));
        let item = materials::resolve(url, &st.issued);
        if let Some(id) = item {
            st.issued.insert(body.clone(), id);
            st.issued.insert(h_code.clone(), id);
        }
        if let Some(click) = st.links.iter().find(|(code, _)| url.contains(code.as_str())).map(|(_, i)| *i) {
            st.links.insert(body.clone(), click);
            st.links.insert(h_code.clone(), click);
        }
        drop(st);
        let title = item.map(|id| catalog::item_by_id(Platform::Taobao, id).title).unwrap_or_default();
        let share_code = format!("CZ{:04}", n % 10_000);
        let mut out = Map::new();
        match n % 3 {
            1 => {
                out.insert("data".into(), json!({"model": text::tpwd(&body)}));
            }
            2 => {
                let model = text::tpwd_share(10 + n % 90, &share_code, &body, &h_code, &title);
                out.insert("data".into(), json!({"model": model}));
            }
            _ => {
                let model = text::tpwd_long(&body, &h_code, &title);
                out.insert("data".into(), json!({"model": model, "password_simple": text::tpwd(&body)}));
                return Ok(Reply { body: out, with_request_id: false });
            }
        }
        Ok(Reply::new(out))
    }

    fn item_info(&self, p: &BTreeMap<String, String>) -> Answer {
        let now = self.inner.controls.clock.now();
        let items: Vec<Value> = requested_items(p, "num_iids", 40, now)?
            .into_iter()
            .map(|(input, item)| {
                let mut v = self.item_json(&item);
                v["input_num_iid"] = json!(input);
                v
            })
            .collect();
        let mut out = Map::new();
        out.insert("results".into(), json!({"n_tbk_item": items}));
        Ok(Reply::new(out))
    }

    /// `taobao.tbk.item.info.upgrade.get` (feeds spec §3.5 step 1, §3.3): up to 20 `item_id`s; each item the union
    /// still promotes at the simulator's now as a `tbk_item_detail` with its 预估到手价 and, while its coupon is
    /// usable (in its window, not run out, threshold reached), the 商品券 entry of the price path, its times as
    /// 13-digit millisecond strings (the field's format is unverified: the client reads all three §0.2 formats);
    /// `publish_info.income_rate` in %. Items off the promotion are left out.
    fn item_info_upgrade(&self, p: &BTreeMap<String, String>) -> Answer {
        let now = self.inner.controls.clock.now();
        let details: Vec<Value> = requested_items(p, "item_id", 20, now)?
            .into_iter()
            .filter(|(_, item)| item.commission_bps > 0)
            .map(|(input, item)| {
                let pict = format!("{}{}", self.inner.cdn_base, item.image_path);
                let usable = item.coupon_applies() && feed::coupon_remain(&item, now) > 0;
                let mut path = Vec::new();
                let mut final_fen = item.price_fen;
                if usable {
                    let coupon = coupon_info(&item);
                    final_fen -= item.coupon_fen;
                    path.push(json!({
                        "promotion_title": text::ITEM_COUPON,
                        "promotion_desc": coupon["coupon_desc"],
                        "promotion_fee": yuan_compact(item.coupon_fen),
                        "promotion_start_time": (item.coupon_start * 1000).to_string(),
                        "promotion_end_time": (item.coupon_end * 1000).to_string(),
                        "promotion_id": coupon["activity_id"],
                    }));
                }
                json!({
                    "item_id": item.id.to_string(),
                    "input_item_iid": input,
                    "item_basic_info": {
                        "title": item.title,
                        "pict_url": pict,
                        "volume": item.sales,
                        "user_type": i64::from(item.id.is_multiple_of(2)),
                        "shop_title": item.shop,
                    },
                    "price_promotion_info": {
                        "reserve_price": yuan_string(item.original_price_fen),
                        "zk_final_price": yuan_string(item.price_fen),
                        "final_promotion_price": yuan_string(final_fen),
                        "final_promotion_path_list": {"final_promotion_path_map_data": path},
                    },
                    "publish_info": {
                        "income_rate": format!("{}.{:02}", item.commission_bps / 100, item.commission_bps % 100),
                    },
                })
            })
            .collect();
        let mut out = Map::new();
        out.insert("results".into(), json!({"tbk_item_detail": details}));
        Ok(Reply::new(out))
    }

    fn item_json(&self, item: &SimItem) -> Value {
        let pict = format!("{}{}", self.inner.cdn_base, item.image_path);
        json!({
            "num_iid": item.id.to_string(),
            "title": item.title,
            "pict_url": pict,
            "small_images": {"string": [pict]},
            "reserve_price": yuan_string(item.original_price_fen),
            "zk_final_price": yuan_string(item.price_fen),
            "user_type": i64::from(item.id.is_multiple_of(2)),
            "provcity": text::PROVINCE_CITY,
            "item_url": format!("https://item.taobao.com/item.htm?id={}", item.id),
            "seller_id": 2_650_000_000 + item.id % 1_000_000,
            "volume": item.sales,
            "nick": item.shop,
            "cat_name": text::CATEGORY_NAME,
            "cat_leaf_name": text::LEAF_CATEGORY_NAME,
            "free_shipment": true,
            "shop_dsr": 49_000,
        })
    }

    /// `taobao.tbk.dg.optimus.material` (feeds spec §3.1, §3.6): the flat item shape with `coupon_amount` a number
    /// in 元, `commission_rate` a % string, coupon times as millisecond strings, `seller_id` above 2^53,
    /// protocol-relative links, `is_default` a string; an unknown `material_id` → 15 非法的物料id.
    fn optimus_material(&self, p: &BTreeMap<String, String>) -> Answer {
        let adzone_id = required_u64(p, "adzone_id")?;
        let material_id = required_u64(p, "material_id")?;
        let (page_no, page_size) = paging(p)?;
        if !MATERIAL_IDS.contains(&material_id) {
            return Err(TopError::business("isv.invalid-parameter", text::MATERIAL_INVALID));
        }
        let now = self.inner.controls.clock.now();
        let items: Vec<SimItem> = feed::channel_items(Platform::Taobao, material_id)
            .iter()
            .filter_map(|i| feed::at(i, now))
            .filter(|i| i.commission_bps > 0)
            .collect();
        let skip = usize::try_from((page_no - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let mut st = lock(&self.inner.state);
        let list: Vec<Value> = items
            .iter()
            .skip(skip)
            .take(usize::try_from(page_size).unwrap_or(100))
            .map(|item| {
                let e = token(&[b"tb-optimus", &item.id.to_le_bytes(), &adzone_id.to_le_bytes()], 40);
                st.issued.insert(format!("m=2&s={e}"), item.id);
                let pict = format!("{}{}", self.inner.cdn_base, item.image_path);
                let (category_id, category_name) = feed::category(item);
                let mut v = json!({
                    "item_id": item.id.to_string(),
                    "title": item.title,
                    "short_title": item.title.rsplit(TAG_END).next().unwrap_or_default().trim(),
                    "sub_title": item.title,
                    "item_description": "",
                    "pict_url": pict,
                    "small_images": {"string": [pict]},
                    "reserve_price": yuan_string(item.original_price_fen),
                    "zk_final_price": yuan_string(item.price_fen),
                    "click_url": format!("//s.click.taobao.com/t?e=m%3D2%26s%3D{e}"),
                    "commission_rate": format!("{}.{}", item.commission_bps / 100, item.commission_bps % 100 / 10),
                    "volume": item.sales,
                    "user_type": i64::from(item.id.is_multiple_of(2)),
                    "seller_id": 109_000_000_000_000_000u64 + item.id % 1_000_000,
                    "shop_title": item.shop,
                    "nick": item.shop,
                    "category_id": category_id,
                    "category_name": category_name,
                    "level_one_category_id": category_id,
                    "level_one_category_name": category_name,
                });
                if item.coupon_fen > 0 {
                    v["coupon_amount"] =
                        serde_json::Number::from_f64(item.coupon_fen as f64 / 100.0).map_or(Value::Null, Value::Number);
                    v["coupon_start_fee"] = json!(yuan_compact(item.coupon_threshold_fen));
                    v["coupon_start_time"] = json!((item.coupon_start * 1000).to_string());
                    v["coupon_end_time"] = json!((item.coupon_end * 1000).to_string());
                    v["coupon_total_count"] = json!(feed::COUPON_TOTAL);
                    v["coupon_remain_count"] = json!(feed::coupon_remain(item, now));
                    v["coupon_share_url"] = json!(format!("//uland.taobao.com/coupon/edetail?e={e}"));
                    st.issued.insert(e.clone(), item.id);
                }
                v
            })
            .collect();
        let mut out = Map::new();
        out.insert("is_default".into(), json!("false"));
        out.insert("total_count".into(), json!(items.len()));
        out.insert("result_list".into(), json!({"map_data": list}));
        Ok(Reply::new(out))
    }

    fn material_optional(&self, p: &BTreeMap<String, String>) -> Answer {
        let adzone_id = required_u64(p, "adzone_id")?;
        let q = p.get("q").map(String::as_str).unwrap_or_default();
        if q.is_empty() && p.get("cat").is_none_or(|c| c.is_empty()) {
            return Err(TopError::missing("q"));
        }
        let (page_no, page_size) = paging(p)?;
        // An item link (or a bare item id) as `q` finds that item; a guess at the live behaviour, which accepts
        // links in the search box.
        let by_link = {
            let st = lock(&self.inner.state);
            materials::resolve(q, &st.issued).or_else(|| q.parse::<u64>().ok().filter(|_| q.len() >= 6))
        };
        let found = match by_link {
            Some(id) => vec![catalog::item_by_id(Platform::Taobao, id)],
            None => catalog::search(Platform::Taobao, q),
        };
        let items: Vec<SimItem> = found.into_iter().filter(|i| i.commission_bps > 0).collect();
        let skip = usize::try_from((page_no - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let page: Vec<&SimItem> = items.iter().skip(skip).take(usize::try_from(page_size).unwrap_or(100)).collect();
        let mut st = lock(&self.inner.state);
        let list: Vec<Value> = page
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let e = token(&[b"tb-search", &item.id.to_le_bytes(), &adzone_id.to_le_bytes()], 40);
                st.issued.insert(format!("m=2&s={e}"), item.id);
                let pict = format!("{}{}", self.inner.cdn_base, item.image_path);
                let mut v = json!({
                    // Item ids come as numbers and as strings.
                    "item_id": if i % 2 == 0 { json!(item.id) } else { json!(item.id.to_string()) },
                    "title": item.title,
                    "short_title": item.title.chars().take(12).collect::<String>(),
                    "pict_url": pict,
                    "small_images": {"string": [pict]},
                    "reserve_price": yuan_string(item.original_price_fen),
                    "zk_final_price": yuan_string(item.price_fen),
                    "url": format!("https://s.click.taobao.com/t?e=m%3D2%26s%3D{e}"),
                    "item_url": format!("https://item.taobao.com/item.htm?id={}", item.id),
                    "commission_rate": item.commission_bps.to_string(),
                    "commission_type": "COMMON",
                    "volume": item.sales,
                    "tk_total_sales": (item.sales / 2).to_string(),
                    "user_type": i64::from(item.id.is_multiple_of(2)),
                    "shop_title": item.shop,
                    "seller_id": 2_650_000_000 + item.id % 1_000_000,
                    "nick": item.shop,
                    "provcity": text::PROVINCE_CITY,
                });
                if item.coupon_fen > 0 {
                    let coupon = coupon_info(item);
                    v["coupon_id"] = coupon["activity_id"].clone();
                    v["coupon_amount"] = json!(yuan_compact(item.coupon_fen));
                    v["coupon_info"] = coupon["coupon_desc"].clone();
                    v["coupon_start_fee"] = json!(yuan_compact(item.coupon_threshold_fen));
                    v["coupon_start_time"] = json!(date_text(item.coupon_start));
                    v["coupon_end_time"] = json!(date_text(item.coupon_end));
                    v["coupon_total_count"] = json!(50_000);
                    v["coupon_remain_count"] = coupon["coupon_remain_count"].clone();
                    v["coupon_share_url"] =
                        json!(format!("https://uland.taobao.com/coupon/edetail?e={e}&pid=mm_{PUB_ID}_0_{adzone_id}"));
                    st.issued.insert(e.clone(), item.id);
                }
                v
            })
            .collect();
        let mut out = Map::new();
        out.insert("total_results".into(), json!(items.len()));
        out.insert("result_list".into(), json!({"map_data": list}));
        Ok(Reply::new(out))
    }

    fn order_details(&self, p: &BTreeMap<String, String>) -> Answer {
        let time = |name: &str| match p.get(name).filter(|s| !s.is_empty()) {
            None => Err(TopError::missing(name)),
            Some(s) => parse_gmt8(s).ok_or_else(|| TopError::invalid(name)),
        };
        let (start, end) = (time("start_time")?, time("end_time")?);
        if end < start {
            return Err(TopError::invalid("end_time"));
        }
        if end - start > ORDER_WINDOW_SECS {
            return Err(TopError::business("isv.invalid-parameter", text::ORDER_WINDOW_TOO_LONG));
        }
        let query_type = optional_u64(p, "query_type")?.unwrap_or(1);
        if !(1..=4).contains(&query_type) {
            return Err(TopError::invalid("query_type"));
        }
        let (page_no, page_size) = paging(p)?;
        let position = p.get("position_index").filter(|s| !s.is_empty());
        if page_no > 1 && position.is_none() {
            return Err(TopError::missing("position_index"));
        }
        let backwards = p.get("jump_type").map(String::as_str) == Some("-1");
        let status_filter = optional_u64(p, "tk_status")?;
        // 1 (default) every order, 2 channel orders (relation_id), 3 member-operation orders (special_id).
        let scene = optional_u64(p, "order_scene")?.unwrap_or(1);
        if !(1..=3).contains(&scene) {
            return Err(TopError::invalid("order_scene"));
        }

        let now = self.inner.controls.clock.now();
        let (clicks, automatic) = {
            let st = lock(&self.inner.state);
            (st.clicks.clone(), st.automatic_orders)
        };
        let app_key = self.inner.creds.taobao_app_key.as_str();
        let mut rows: Vec<((i64, u64), Value)> = clicks
            .iter()
            .filter(|c| automatic || c.bought)
            .filter_map(|c| orders::row_at(c, now, app_key, &self.inner.cdn_base))
            .filter(|r| status_filter.is_none_or(|s| i64::try_from(s).ok() == Some(r.tk_status)))
            .filter(|r| match scene {
                2 => r.json.get("relation_id").is_some(),
                3 => r.json.get("special_id").is_some(),
                _ => true,
            })
            .filter_map(|r| {
                let t = match query_type {
                    1 => Some(r.created),
                    2 => Some(r.paid),
                    3 => r.earned,
                    _ => Some(r.modified),
                }?;
                (start..=end).contains(&t).then_some(((t, r.trade_id), r.json))
            })
            .collect();
        rows.sort_by_key(|(k, _)| *k);
        let size = usize::try_from(page_size).unwrap_or(100);
        // The cursor: `<time>_<trade_id>` of the first and last row of the previous page.
        let cursor = |part: usize| -> Option<(i64, u64)> {
            let s = position?.split('|').nth(part)?;
            let (t, id) = s.split_once('_')?;
            Some((t.parse().ok()?, id.parse().ok()?))
        };
        let (from, to) = match (page_no > 1, backwards) {
            (false, _) => (0, size.min(rows.len())),
            (true, false) => {
                let last = cursor(1).ok_or_else(|| TopError::invalid("position_index"))?;
                let from = rows.iter().position(|(k, _)| *k > last).unwrap_or(rows.len());
                (from, (from + size).min(rows.len()))
            }
            (true, true) => {
                let first = cursor(0).ok_or_else(|| TopError::invalid("position_index"))?;
                let to = rows.iter().position(|(k, _)| *k >= first).unwrap_or(rows.len());
                (to.saturating_sub(size), to)
            }
        };
        let position_index = match (rows.get(from), to.checked_sub(1).and_then(|i| rows.get(i))) {
            (Some((a, _)), Some((b, _))) if from < to => format!("{}_{}|{}_{}", a.0, a.1, b.0, b.1),
            _ => position.cloned().unwrap_or_default(),
        };
        let has_next = to < rows.len();
        let has_pre = from > 0;
        let page: Vec<Value> = rows.drain(from..to).map(|(_, v)| v).collect();
        let mut data = json!({
            "has_pre": has_pre,
            "has_next": has_next,
            "page_no": page_no,
            "page_size": page_size,
            "position_index": position_index,
        });
        if !page.is_empty() {
            data["results"] = json!({"publisher_order_dto": page});
        }
        let mut out = Map::new();
        out.insert("data".into(), data);
        Ok(Reply::new(out))
    }

    /// `taobao.item.seller.get`, the method of the official sign vector TB-1: the requested `fields` of an item.
    fn seller_item(&self, p: &BTreeMap<String, String>) -> Answer {
        let fields = p.get("fields").filter(|f| !f.is_empty()).ok_or_else(|| TopError::missing("fields"))?;
        let id = required_u64(p, "num_iid")?;
        let item = catalog::item_by_id(Platform::Taobao, id);
        let mut v = Map::new();
        for f in fields.split(',').map(str::trim) {
            let value = match f {
                "num_iid" => json!(item.id),
                "title" => json!(item.title),
                "nick" => json!(item.shop),
                "price" => json!(yuan_string(item.price_fen)),
                "num" => json!(item.sales % 1_000 + 1),
                _ => continue,
            };
            v.insert(f.to_string(), value);
        }
        let mut out = Map::new();
        out.insert("item".into(), Value::Object(v));
        Ok(Reply::new(out))
    }
}

async fn gateway(State(sim): State<TaobaoSim>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    sim.handle(&decode_form(query.as_deref(), &body))
}

fn error_body(e: TopError, request_id: &str) -> Response {
    let mut err = Map::new();
    err.insert("code".into(), json!(e.code));
    err.insert("msg".into(), json!(e.msg));
    if let Some(s) = e.sub_code {
        err.insert("sub_code".into(), json!(s));
    }
    if let Some(s) = e.sub_msg {
        err.insert("sub_msg".into(), json!(s));
    }
    err.insert("request_id".into(), json!(request_id));
    json_body(&json!({ "error_response": err }))
}

fn throttled(ban_secs: u32) -> TopError {
    TopError::new(7, "App Call Limited")
        .sub("accesscontrol.limited-by-api-access-count", format!("This ban will last for {ban_secs} more seconds"))
}

/// The items of the comma-separated id list `name` (at most `max` ids) as they are at `now`, each with its id as
/// the request wrote it; ids that are no number or whose item is off the promotion are left out.
fn requested_items<'a>(
    p: &'a BTreeMap<String, String>,
    name: &str,
    max: usize,
    now: i64,
) -> Result<Vec<(&'a str, SimItem)>, TopError> {
    let list = p.get(name).filter(|s| !s.is_empty()).ok_or_else(|| TopError::missing(name))?;
    let ids: Vec<&str> = list.split(',').map(str::trim).collect();
    if ids.len() > max {
        return Err(TopError::invalid(name));
    }
    Ok(ids
        .into_iter()
        .filter_map(|input| input.parse::<u64>().ok().map(|id| (input, id)))
        .filter_map(|(input, id)| feed::at(&catalog::item_by_id(Platform::Taobao, id), now).map(|i| (input, i)))
        .collect())
}

fn coupon_info(item: &SimItem) -> Value {
    json!({
        "activity_id": token(&[b"tb-coupon", &item.id.to_le_bytes()], 32).to_lowercase(),
        "coupon_amount": yuan_compact(item.coupon_fen),
        "coupon_desc": text::coupon_desc(&yuan_compact(item.coupon_threshold_fen), &yuan_compact(item.coupon_fen)),
        "coupon_start_time": format_gmt8(item.coupon_start),
        "coupon_end_time": format_gmt8(item.coupon_end),
        "coupon_remain_count": 10_000 + item.sales % 30_000,
        "coupon_type": 1,
    })
}

/// `yyyy-MM-dd` in GMT+8.
fn date_text(unix: i64) -> String {
    format_gmt8(unix).chars().take(10).collect()
}

/// `page_no` (from 1, default 1) and `page_size` (1..=100, default 20).
fn paging(p: &BTreeMap<String, String>) -> Result<(u64, u64), TopError> {
    let page_no = optional_u64(p, "page_no")?.unwrap_or(1);
    let page_size = optional_u64(p, "page_size")?.unwrap_or(20);
    if page_no == 0 {
        return Err(TopError::invalid("page_no"));
    }
    if !(1..=100).contains(&page_size) {
        return Err(TopError::invalid("page_size"));
    }
    Ok((page_no, page_size))
}

fn required_u64(p: &BTreeMap<String, String>, name: &str) -> Result<u64, TopError> {
    optional_u64(p, name)?.ok_or_else(|| TopError::missing(name))
}

fn optional_u64(p: &BTreeMap<String, String>, name: &str) -> Result<Option<u64>, TopError> {
    match p.get(name).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| TopError::invalid(name)),
    }
}

fn json_body(v: &Value) -> Response {
    json_text(v.to_string())
}

fn json_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests;
