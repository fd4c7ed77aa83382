//! Pinduoduo 多多进宝 client (affiliates spec §1): link conversion, goods detail and search, PIDs, 备案
//! (member authority), order sync pages and the 多多客 OAuth tokens.
//!
//! Every call goes through the [`CallGuard`] (token bucket at `qps`, breaker, retries of retryable codes only)
//! with a per-request timeout. A client made with [`PddClient::with_access_token`] calls the token-needing
//! `pdd.ddk.oauth.*` variants of the same APIs.

mod model;
mod wire;

pub use model::{OrderPage, PddOrder, PddTokens, PidInfo, PidPage, SearchPage};

use super::feed::FeedPage;
use super::guard::CallGuard;
use super::items::ItemCache;
use super::{AffiliateError, Attribution, Conversion, Product, Promotion};
use crate::config::{PddSettings, Secret};
use crate::links::{ProductRef, RefKind};
use crate::platform::Platform;
use model::{GoodsRecord, TokenRecord};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wire::{Common, Params, flag, opt_i64};

/// First retry delay; doubles per attempt.
const BASE_BACKOFF: Duration = Duration::from_millis(200);

/// One API: its `type`, its 多多客工具 variant (when it has one) and its response wrapper (spec §1.5).
struct Api {
    name: &'static str,
    oauth: Option<&'static str>,
    wrapper: &'static str,
}

/// A `pdd.ddk.<path>` API whose 多多客工具 variant is `pdd.ddk.oauth.<path>` (or `pdd.ddk.oauth.<oauth path>`
/// where PDD names it differently).
macro_rules! ddk {
    ($path:literal, $wrapper:literal) => {
        ddk!($path, $path, $wrapper)
    };
    ($path:literal, $oauth:literal, $wrapper:literal) => {
        Api { name: concat!("pdd.ddk.", $path), oauth: Some(concat!("pdd.ddk.oauth.", $oauth)), wrapper: $wrapper }
    };
}

const ZS_UNIT_URL_GEN: Api = ddk!("goods.zs.unit.url.gen", "goods_zs_unit_generate_response");
const PROMOTION_URL_GENERATE: Api =
    ddk!("goods.promotion.url.generate", "goods.prom.url.generate", "goods_promotion_url_generate_response");
const GOODS_DETAIL: Api = ddk!("goods.detail", "goods_detail_response");
const GOODS_SEARCH: Api = ddk!("goods.search", "goods_search_response");
const PID_GENERATE: Api = ddk!("goods.pid.generate", "p_id_generate_response");
const PID_QUERY: Api = ddk!("goods.pid.query", "p_id_query_response");
const RP_PROM_URL_GENERATE: Api = ddk!("rp.prom.url.generate", "rp_promotion_url_generate_response");
const MEMBER_AUTHORITY_QUERY: Api = ddk!("member.authority.query", "authority_query_response");
const ORDER_LIST_INCREMENT: Api = ddk!("order.list.increment.get", "order_list_get_response");
const RECOMMEND_GET: Api = ddk!("goods.recommend.get", "goods_basic_detail_response");
const TOKEN_CREATE: Api =
    Api { name: "pdd.pop.auth.token.create", oauth: None, wrapper: "pop_auth_token_create_response" };
const TOKEN_REFRESH: Api =
    Api { name: "pdd.pop.auth.token.refresh", oauth: None, wrapper: "pop_auth_token_refresh_response" };

#[derive(Clone)]
pub struct PddClient {
    inner: Arc<Inner>,
    /// Set on a 多多客工具 client: calls use the `pdd.ddk.oauth.*` variants.
    access_token: Option<Secret>,
}

struct Inner {
    settings: PddSettings,
    http: reqwest::Client,
    guard: CallGuard,
    items: ItemCache,
}

/// The links of one conversion, plus the goods_sign when the answer reveals it.
struct Links {
    url: String,
    short_url: Option<String>,
    goods_sign: Option<String>,
}

#[derive(Deserialize)]
struct UrlRecord {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    short_url: Option<String>,
    #[serde(default)]
    mobile_url: Option<String>,
    #[serde(default)]
    mobile_short_url: Option<String>,
}

impl UrlRecord {
    fn into_links(self, goods_sign: Option<String>) -> Result<Links, AffiliateError> {
        let goods_sign = goods_sign
            .or_else(|| self.url.as_deref().and_then(goods_sign_in))
            .or_else(|| self.mobile_url.as_deref().and_then(goods_sign_in));
        let url = self
            .url
            .or(self.mobile_url)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| AffiliateError::Decode("conversion without url".into()))?;
        let short_url = self.short_url.or(self.mobile_short_url).filter(|u| !u.is_empty());
        Ok(Links { url, short_url, goods_sign })
    }
}

#[derive(Deserialize)]
struct PromotionUrlList {
    #[serde(default)]
    goods_promotion_url_list: Vec<UrlRecord>,
}

#[derive(Deserialize)]
struct RpUrlList {
    #[serde(default)]
    url_list: Vec<UrlRecord>,
}

#[derive(Deserialize)]
struct GoodsDetails {
    #[serde(default)]
    goods_details: Vec<GoodsRecord>,
}

#[derive(Deserialize)]
struct GoodsList {
    #[serde(default)]
    goods_list: Vec<GoodsRecord>,
    #[serde(default)]
    list_id: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    total_count: Option<i64>,
}

#[derive(Deserialize)]
struct RecommendList {
    #[serde(default)]
    list: Vec<GoodsRecord>,
    #[serde(default)]
    list_id: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    total: Option<i64>,
}

#[derive(Deserialize)]
struct PidList {
    #[serde(default)]
    p_id_list: Vec<PidInfo>,
    #[serde(default, deserialize_with = "opt_i64")]
    total_count: Option<i64>,
}

#[derive(Deserialize)]
struct Authority {
    #[serde(default, deserialize_with = "flag")]
    bind: bool,
}

#[derive(Deserialize)]
struct OrderList {
    #[serde(default)]
    order_list: Vec<Box<RawValue>>,
    #[serde(default, deserialize_with = "opt_i64")]
    total_count: Option<i64>,
}

impl PddClient {
    pub fn new(settings: PddSettings, http: reqwest::Client) -> Self {
        let guard = CallGuard::new(Platform::Pdd, settings.qps, settings.max_attempts, BASE_BACKOFF);
        PddClient { inner: Arc::new(Inner { settings, http, guard, items: ItemCache::default() }), access_token: None }
    }

    /// The same client (sharing its throttle and breaker) calling the 多多客工具 `pdd.ddk.oauth.*` variants with
    /// this token.
    pub fn with_access_token(&self, token: Secret) -> PddClient {
        PddClient { inner: Arc::clone(&self.inner), access_token: Some(token) }
    }

    /// Converts a pasted reference into a promotion link tagged with `attr`, then reads the goods detail.
    ///
    /// 备案: when PDD refuses the member parameter (50001/60001), converts again with the PID only and marks the
    /// conversion `member_dropped`. An item without commission is [`AffiliateError::NoCommission`].
    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        let pid = self.pid_for(attr)?;
        let custom = custom_parameters_of(attr);
        let (links, member_dropped) = match self.generate_links(r, &pid, custom.as_deref()).await {
            Err(AffiliateError::MemberNotAuthorized) if custom.is_some() => {
                tracing::info!(pid = %pid, "member not {} on pdd; converting with the pid only", super::text::FILING);
                (self.generate_links(r, &pid, None).await?, true)
            }
            other => (other?, false),
        };
        let goods_sign = match links.goods_sign {
            Some(sign) => sign,
            None => self.goods_sign_by_search(&source_url(r)).await?,
        };
        // The goods detail does not depend on the member: shared by every conversion of the item.
        let product = self.inner.items.get_or_fetch(&goods_sign, self.detail(&goods_sign)).await?;
        if product.commission_rate.0 <= 0 {
            return Err(AffiliateError::NoCommission);
        }
        Ok(Conversion {
            product,
            promotion: Promotion { url: links.url, short_url: links.short_url, command: None, expires_at: None },
            member_dropped,
        })
    }

    /// `pdd.ddk.goods.detail` by goods_sign, always asked (pre-send validation); the answer is kept for the
    /// conversions that follow.
    pub async fn detail_fresh(&self, goods_sign: &str) -> Result<Product, AffiliateError> {
        let product = self.detail(goods_sign).await?;
        self.inner.items.remember(goods_sign, product.clone()).await;
        Ok(product)
    }

    /// `pdd.ddk.goods.detail` by goods_sign.
    pub async fn detail(&self, goods_sign: &str) -> Result<Product, AffiliateError> {
        let params = Params::new().set("goods_sign", goods_sign).set("pid", self.inner.settings.default_pid.as_str());
        let details: GoodsDetails = self.call(&GOODS_DETAIL, &params).await?;
        details.goods_details.into_iter().next().ok_or(AffiliateError::NotFound)?.into_product()
    }

    /// `pdd.ddk.goods.search`. The keyword may also be a goods id or a PDD link. Falls back to the PID alone
    /// when the member is not 备案.
    pub async fn search(
        &self,
        keyword: &str,
        page: u32,
        page_size: u32,
        attr: &Attribution,
    ) -> Result<SearchPage, AffiliateError> {
        let pid = self.pid_for(attr)?;
        let params = Params::new()
            .set("keyword", keyword)
            .set("page", page.max(1).to_string())
            .set("page_size", page_size.to_string())
            .set("pid", pid);
        let list: GoodsList = match custom_parameters_of(attr) {
            Some(custom) => match self.call(&GOODS_SEARCH, &params.clone().set("custom_parameters", custom)).await {
                Err(AffiliateError::MemberNotAuthorized) => self.call(&GOODS_SEARCH, &params).await?,
                other => other?,
            },
            None => self.call(&GOODS_SEARCH, &params).await?,
        };
        let mut items = Vec::with_capacity(list.goods_list.len());
        for record in list.goods_list {
            match record.into_product() {
                Ok(p) => items.push(p),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable pdd search record"),
            }
        }
        Ok(SearchPage { total: list.total_count.unwrap_or(items.len() as i64), items, list_id: list.list_id })
    }

    /// One page of `pdd.ddk.goods.recommend.get` (feeds spec §1.1) on the default PID: `channel_type` 1, 4, 5 or
    /// 6; `page` from 0 (`offset` = page × `limit`, whole pages only); echo the previous page's `list_id`.
    pub async fn recommend(
        &self,
        channel_type: u32,
        page: u32,
        limit: u32,
        list_id: Option<&str>,
    ) -> Result<FeedPage, AffiliateError> {
        let limit = limit.clamp(1, 100);
        let params = Params::new()
            .set("channel_type", channel_type.to_string())
            .set("limit", limit.to_string())
            .set("offset", (page * limit).to_string())
            .opt("list_id", list_id)
            .set("pid", self.inner.settings.default_pid.as_str());
        let list: RecommendList = self.call(&RECOMMEND_GET, &params).await?;
        let mut entries = Vec::with_capacity(list.list.len());
        for record in list.list {
            match record.into_feed_entry() {
                Ok(e) => entries.push(e),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable pdd feed record"),
            }
        }
        Ok(FeedPage { entries, total: list.total, list_id: list.list_id })
    }

    /// `pdd.ddk.goods.pid.generate`: one 推广位 per name.
    pub async fn generate_pids(&self, names: &[String]) -> Result<Vec<PidInfo>, AffiliateError> {
        let params = Params::new().set("number", names.len().to_string()).json("p_id_name_list", &names);
        let list: PidList = self.call(&PID_GENERATE, &params).await?;
        Ok(list.p_id_list)
    }

    /// `pdd.ddk.goods.pid.query`.
    pub async fn query_pids(&self, page: u32, page_size: u32) -> Result<PidPage, AffiliateError> {
        let params = Params::new().set("page", page.max(1).to_string()).set("page_size", page_size.to_string());
        let list: PidList = self.call(&PID_QUERY, &params).await?;
        Ok(PidPage { total: list.total_count.unwrap_or(list.p_id_list.len() as i64), pids: list.p_id_list })
    }

    /// Whether `pid` is one of the account's 推广位 (`pdd.ddk.goods.pid.query` filtered by `pid_list`).
    pub async fn owns_pid(&self, pid: &str) -> Result<bool, AffiliateError> {
        let params = Params::new().set("page", "1").set("page_size", "10").json("pid_list", &[pid]);
        let list: PidList = self.call(&PID_QUERY, &params).await?;
        Ok(list.p_id_list.iter().any(|p| p.pid == pid))
    }

    /// The 备案 link (`pdd.ddk.rp.prom.url.generate`, `channel_type=10`) a member opens to bind `uid` to `pid`.
    pub async fn authority_url(&self, pid: &str, uid: &str) -> Result<String, AffiliateError> {
        let params = Params::new()
            .set("channel_type", "10")
            .json("p_id_list", &[pid])
            .set("custom_parameters", custom_parameters(uid));
        let list: RpUrlList = self.call(&RP_PROM_URL_GENERATE, &params).await?;
        let first = list.url_list.into_iter().next().ok_or_else(|| AffiliateError::Decode("empty url_list".into()))?;
        Ok(first.into_links(None)?.url)
    }

    /// `pdd.ddk.member.authority.query`: whether (`pid`, `uid`) is 备案.
    pub async fn member_authorized(&self, pid: &str, uid: &str) -> Result<bool, AffiliateError> {
        let params = Params::new().set("pid", pid).set("custom_parameters", custom_parameters(uid));
        let answer: Authority = self.call(&MEMBER_AUTHORITY_QUERY, &params).await?;
        Ok(answer.bind)
    }

    /// One page of `pdd.ddk.order.list.increment.get` over `[start, end]` (unix seconds, ≤ 24 h). Sync callers
    /// page backwards (last page first), as PDD requires.
    pub async fn order_page(
        &self,
        start: i64,
        end: i64,
        page: u32,
        page_size: u32,
        return_count: bool,
    ) -> Result<OrderPage, AffiliateError> {
        let params = Params::new()
            .set("start_update_time", start.to_string())
            .set("end_update_time", end.to_string())
            .set("page", page.max(1).to_string())
            .set("page_size", page_size.to_string())
            .set("return_count", return_count.to_string());
        let list: OrderList = self.call(&ORDER_LIST_INCREMENT, &params).await?;
        let orders = list.order_list.iter().map(|raw| PddOrder::from_raw(raw)).collect::<Result<Vec<_>, _>>()?;
        Ok(OrderPage { orders, total: list.total_count })
    }

    /// `pdd.pop.auth.token.create`: trades the authorization `code` for tokens.
    pub async fn token_create(&self, code: &str) -> Result<PddTokens, AffiliateError> {
        let record: TokenRecord = self.call(&TOKEN_CREATE, &Params::new().set("code", code)).await?;
        record.into_tokens(unix_now())
    }

    /// `pdd.pop.auth.token.refresh`.
    pub async fn token_refresh(&self, refresh_token: &Secret) -> Result<PddTokens, AffiliateError> {
        let params = Params::new().set("refresh_token", refresh_token.expose());
        let record: TokenRecord = self.call(&TOKEN_REFRESH, &params).await?;
        record.into_tokens(unix_now())
    }

    fn pid_for(&self, attr: &Attribution) -> Result<String, AffiliateError> {
        let pid = if attr.pid.is_empty() { &self.inner.settings.default_pid } else { &attr.pid };
        if pid.is_empty() {
            return Err(AffiliateError::NotConfigured(Platform::Pdd));
        }
        Ok(pid.clone())
    }

    /// A goods_sign key converts through `promotion.url.generate`; anything else through `zs.unit.url.gen`.
    async fn generate_links(&self, r: &ProductRef, pid: &str, custom: Option<&str>) -> Result<Links, AffiliateError> {
        if r.kind != RefKind::Short && is_goods_sign(&r.key) {
            let params = Params::new()
                .set("p_id", pid)
                .json("goods_sign_list", &[r.key.as_str()])
                .opt("custom_parameters", custom)
                .set("generate_short_url", "true");
            let list: PromotionUrlList = self.call(&PROMOTION_URL_GENERATE, &params).await?;
            let first = list
                .goods_promotion_url_list
                .into_iter()
                .next()
                .ok_or_else(|| AffiliateError::Decode("empty goods_promotion_url_list".into()))?;
            first.into_links(Some(r.key.clone()))
        } else {
            let params =
                Params::new().set("pid", pid).set("source_url", source_url(r)).opt("custom_parameters", custom);
            let record: UrlRecord = self.call(&ZS_UNIT_URL_GEN, &params).await?;
            record.into_links(None)
        }
    }

    /// When a conversion answer does not reveal the goods_sign, `goods.search` resolves the pasted link.
    async fn goods_sign_by_search(&self, source: &str) -> Result<String, AffiliateError> {
        let params = Params::new()
            .set("keyword", source)
            .set("page_size", "10")
            .set("pid", self.inner.settings.default_pid.as_str());
        let list: GoodsList = self.call(&GOODS_SEARCH, &params).await?;
        let first = list.goods_list.into_iter().next().ok_or(AffiliateError::NotFound)?;
        Ok(first.into_product()?.item_id)
    }

    /// Signs and sends one call under the guard, decoding the wrapper's object into `T`.
    async fn call<T: DeserializeOwned>(&self, api: &Api, params: &Params) -> Result<T, AffiliateError> {
        let (type_name, token) = match (&self.access_token, api.oauth) {
            (Some(token), Some(oauth)) => (oauth, Some(token.expose())),
            _ => (api.name, None),
        };
        let inner = &*self.inner;
        let timeout = Duration::from_millis(inner.settings.timeout_ms.max(1));
        inner
            .guard
            .run(|| async move {
                let common = Common {
                    type_name,
                    client_id: &inner.settings.client_id,
                    client_secret: inner.settings.client_secret.expose(),
                    timestamp: unix_now(),
                    access_token: token,
                };
                let body = wire::signed_body(&common, params);
                let started = Instant::now();
                let result = async {
                    let resp = inner
                        .http
                        .post(&inner.settings.gateway_url)
                        .timeout(timeout)
                        .json(&body)
                        .send()
                        .await
                        .map_err(transport)?;
                    let status = resp.status();
                    let text = resp.text().await.map_err(transport)?;
                    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                        return Err(AffiliateError::RateLimited { retry_after: None });
                    }
                    if status.is_server_error() {
                        return Err(AffiliateError::Unavailable {
                            code: status.as_u16().to_string(),
                            msg: "HTTP error".into(),
                        });
                    }
                    wire::decode::<T>(&text, api.wrapper)
                }
                .await;
                let elapsed_ms = started.elapsed().as_millis() as u64;
                match &result {
                    Ok(_) => tracing::debug!(platform = "pdd", api = type_name, elapsed_ms, "platform call ok"),
                    Err(e) => tracing::info!(platform = "pdd", api = type_name, elapsed_ms, error = %e, "platform call failed"),
                }
                result
            })
            .await
    }
}

fn transport(e: reqwest::Error) -> AffiliateError {
    if e.is_timeout() {
        AffiliateError::Transport("timed out".into())
    } else {
        AffiliateError::Transport(e.without_url().to_string())
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `{"uid":"<member>"}`, compact.
fn custom_parameters(member: &str) -> String {
    serde_json::json!({ "uid": member }).to_string()
}

/// The `custom_parameters` of a conversion: the member as `uid` (what the 备案 binds) and the conversion's tag as
/// `sid`; none without a member (`uid` is required).
fn custom_parameters_of(attr: &Attribution) -> Option<String> {
    let uid = attr.member.as_deref()?;
    Some(match attr.tag.as_deref() {
        Some(sid) => serde_json::json!({ "uid": uid, "sid": sid }).to_string(),
        None => custom_parameters(uid),
    })
}

/// goods_sign: `[A-Za-z0-9_-]`, about 38–44 characters (spec §1.6); never all digits (that is a goods_id).
fn is_goods_sign(key: &str) -> bool {
    (20..=64).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !key.bytes().all(|b| b.is_ascii_digit())
}

/// What `zs.unit.url.gen` receives: the pasted URL, else a link rebuilt from the key.
fn source_url(r: &ProductRef) -> String {
    if let Some(url) = &r.url {
        return url.clone();
    }
    if r.kind == RefKind::Short {
        format!("https://p.pinduoduo.com/{}", r.key)
    } else if r.key.bytes().all(|b| b.is_ascii_digit()) {
        format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", r.key)
    } else {
        format!("https://mobile.yangkeduo.com/goods1.html?ps={}", r.key)
    }
}

/// The `goods_sign` query value of a landing link, also inside an encoded `launch_url`.
fn goods_sign_in(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    let mut launch = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "goods_sign" if is_goods_sign(&v) => return Some(v.into_owned()),
            "launch_url" => launch = Some(v.into_owned()),
            _ => {}
        }
    }
    let inner = url.join(&launch?).ok()?;
    inner.query_pairs().find(|(k, v)| k == "goods_sign" && is_goods_sign(v)).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod item_tests;
#[cfg(test)]
mod tests;
