//! Affiliate platform clients (多多进宝, 京东联盟, 淘宝联盟) and the normalized product model.
//!
//! Each platform module speaks its own wire format and converts platform units (元, ‰, ‱, %) into
//! [`Fen`] and [`Bps`] at its border. The engine only sees [`Product`], [`Promotion`] and [`AffiliateError`].

pub mod authorization;
pub mod feed;
pub mod gmt8;
pub mod guard;
pub mod items;
pub mod jd;
pub mod orders;
pub mod pdd;
pub mod pid;
pub mod sign;
pub mod taobao;
pub mod text;
pub mod transport;

use crate::config::AffiliateSettings;
use crate::links::ProductRef;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// A coupon attached to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Coupon {
    pub amount: Fen,
    /// Minimum order amount for the coupon (满 X 可用); zero when unconditional.
    pub threshold: Fen,
    /// Unix seconds.
    pub starts_at: Option<i64>,
    /// Unix seconds.
    pub ends_at: Option<i64>,
}

/// A product, normalized across platforms. Money in 分, rates in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub platform: Platform,
    /// Item id, or Pinduoduo `goods_sign`.
    pub item_id: String,
    pub title: String,
    pub image_url: Option<String>,
    pub shop_name: Option<String>,
    /// Sales count when the platform gives a number.
    pub sales: Option<i64>,
    /// Sales as the platform words it (`10万+`), when it gives text.
    pub sales_text: Option<String>,
    /// Price before the coupon.
    pub price: Fen,
    pub coupon: Option<Coupon>,
    /// Price after the coupon (券后价).
    pub final_price: Fen,
    pub commission_rate: Bps,
    /// `final_price × commission_rate`, truncated.
    pub estimated_commission: Fen,
}

/// A promotion link tagged with our PID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub url: String,
    pub short_url: Option<String>,
    /// 淘口令 or JD command, when the platform made one.
    pub command: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

impl Promotion {
    /// The shortest stable link to show and encode.
    pub fn best_url(&self) -> &str {
        self.short_url.as_deref().unwrap_or(&self.url)
    }
}

/// Who a conversion is attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attribution {
    /// PDD pid, JD positionId, Taobao PID `mm_x_y_z`.
    pub pid: String,
    /// The member's stable id (`m42`): PDD `custom_parameters.uid`, the first part of JD `subUnionId`. On PDD a post
    /// without a member sends its PID owner's 备案 uid here instead (`p3`, see `orders::tag::Tag::owner_part`).
    pub member: Option<String>,
    /// This conversion's own tag (`c17`): PDD `custom_parameters.sid`, the last part of JD `subUnionId`.
    pub tag: Option<String>,
    /// Taobao `relation_id`, when the member has one.
    pub relation_id: Option<String>,
    /// Taobao `special_id`, when the member has one.
    pub special_id: Option<String>,
}

impl Attribution {
    pub fn pid_only(pid: impl Into<String>) -> Self {
        Attribution { pid: pid.into(), member: None, tag: None, relation_id: None, special_id: None }
    }

    /// The member and conversion parts joined the way orders carry them back (and JD `subUnionId` is sent):
    /// `m42_c17`, `m42` or `c17`.
    pub fn joined_tag(&self) -> Option<String> {
        match (self.member.as_deref(), self.tag.as_deref()) {
            (Some(m), Some(c)) => Some(format!("{m}_{c}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
            (None, None) => None,
        }
    }
}

/// The result of converting a reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    pub product: Product,
    pub promotion: Promotion,
    /// True when the member parameter was dropped (PDD 备案 missing) and the link carries the PID only.
    pub member_dropped: bool,
}

/// Whether and how an error may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Do not retry: the request is wrong or the item is not promotable.
    Never,
    /// Retry after backing off.
    Backoff,
    /// Refresh the OAuth token, then retry once.
    AfterRefresh,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AffiliateError {
    #[error("{0} is not configured")]
    NotConfigured(Platform),
    #[error("throttled by the platform")]
    RateLimited { retry_after: Option<Duration> },
    #[error("platform temporarily unavailable: {code} {msg}")]
    Unavailable { code: String, msg: String },
    #[error("access token expired")]
    TokenExpired,
    #[error("member parameter not authorized ({})", text::FILING)]
    MemberNotAuthorized,
    #[error("the item has no commission")]
    NoCommission,
    #[error("item not found or not promotable")]
    NotFound,
    #[error("rejected: {code} {msg}")]
    Rejected { code: String, msg: String },
    /// The operator's configuration is wrong (signature, app key, clock skew): no call can succeed until fixed.
    #[error("misconfigured: {code} {msg}")]
    Misconfigured { code: String, msg: String },
    #[error("circuit open for {0}")]
    CircuitOpen(Platform),
    #[error("transport: {0}")]
    Transport(String),
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl AffiliateError {
    pub fn retry_class(&self) -> RetryClass {
        match self {
            AffiliateError::RateLimited { .. } | AffiliateError::Unavailable { .. } | AffiliateError::Transport(_) => {
                RetryClass::Backoff
            }
            AffiliateError::TokenExpired => RetryClass::AfterRefresh,
            _ => RetryClass::Never,
        }
    }

    /// The union's code when the operator must act (wrong signature, app key or clock; authorization revoked or
    /// lapsed; a PID not 备案): admins are alerted.
    pub fn operator_code(&self) -> Option<String> {
        match self {
            AffiliateError::Misconfigured { code, .. } => Some(code.clone()),
            AffiliateError::TokenExpired => Some("token".into()),
            AffiliateError::MemberNotAuthorized => Some("60001".into()),
            _ => None,
        }
    }

    /// True when the platform (not the item) is the problem: the member is told to try later.
    pub fn is_platform_trouble(&self) -> bool {
        matches!(
            self,
            AffiliateError::RateLimited { .. }
                | AffiliateError::Unavailable { .. }
                | AffiliateError::Transport(_)
                | AffiliateError::Decode(_)
                | AffiliateError::CircuitOpen(_)
                | AffiliateError::TokenExpired
                | AffiliateError::NotConfigured(_)
                | AffiliateError::Misconfigured { .. }
        )
    }
}

/// Conversion cache TTL when the setting is 0.
const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(600);
/// Most conversions kept in the cache.
const CACHE_CAPACITY: u64 = 10_000;

/// (platform, reference key, attribution).
type CacheKey = (Platform, String, Attribution);

/// All configured platform clients, behind a conversion cache.
#[derive(Clone)]
pub struct Affiliates {
    pub pdd: Option<pdd::PddClient>,
    pub jd: Option<jd::JdClient>,
    pub taobao: Option<taobao::TaobaoClient>,
    cache: moka::future::Cache<CacheKey, Conversion>,
}

impl Affiliates {
    /// Wraps the given clients; conversions are cached for `cache_ttl`.
    pub fn new(
        pdd: Option<pdd::PddClient>,
        jd: Option<jd::JdClient>,
        taobao: Option<taobao::TaobaoClient>,
        cache_ttl: Duration,
    ) -> Self {
        let cache = moka::future::Cache::builder().max_capacity(CACHE_CAPACITY).time_to_live(cache_ttl).build();
        Affiliates { pdd, jd, taobao, cache }
    }

    /// Builds the clients whose `enabled` is set; `cache_ttl_secs` 0 means 600 s.
    pub fn from_settings(settings: &AffiliateSettings, http: reqwest::Client) -> Self {
        let ttl = match settings.cache_ttl_secs {
            0 => DEFAULT_CACHE_TTL,
            secs => Duration::from_secs(secs),
        };
        Affiliates::new(
            settings.pdd.enabled.then(|| pdd::PddClient::new(settings.pdd.clone(), http.clone())),
            settings.jd.enabled.then(|| jd::JdClient::new(settings.jd.clone(), http.clone())),
            settings.taobao.enabled.then(|| taobao::TaobaoClient::new(settings.taobao.clone(), http)),
            ttl,
        )
    }

    /// Converts a recognized reference into a PID-tagged promotion plus product details.
    ///
    /// Conversions are cached per (platform, key, attribution); identical concurrent requests share one upstream
    /// conversion. A conversion whose member was dropped (PDD 备案 missing) is not kept, so a 备案 completed
    /// later takes effect on the next paste. Errors are never cached.
    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        let key: CacheKey = (r.platform, r.key.clone(), attr.clone());
        let conversion =
            self.cache.try_get_with(key.clone(), self.convert_uncached(r, attr)).await.map_err(Arc::unwrap_or_clone)?;
        if conversion.member_dropped {
            self.cache.invalidate(&key).await;
        }
        Ok(conversion)
    }

    async fn convert_uncached(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        match r.platform {
            Platform::Pdd => {
                self.pdd.as_ref().ok_or(AffiliateError::NotConfigured(Platform::Pdd))?.convert(r, attr).await
            }
            Platform::Jd => self.jd.as_ref().ok_or(AffiliateError::NotConfigured(Platform::Jd))?.convert(r, attr).await,
            Platform::Taobao => {
                self.taobao.as_ref().ok_or(AffiliateError::NotConfigured(Platform::Taobao))?.convert(r, attr).await
            }
        }
    }

    /// Keyword search on one platform; `page` from 1.
    pub async fn search(
        &self,
        platform: Platform,
        keyword: &str,
        page: u32,
        page_size: u32,
    ) -> Result<Vec<Product>, AffiliateError> {
        match platform {
            Platform::Pdd => {
                let client = self.pdd.as_ref().ok_or(AffiliateError::NotConfigured(Platform::Pdd))?;
                Ok(client.search(keyword, page, page_size, &Attribution::pid_only("")).await?.items)
            }
            Platform::Jd => {
                self.jd
                    .as_ref()
                    .ok_or(AffiliateError::NotConfigured(Platform::Jd))?
                    .search(keyword, page, page_size)
                    .await
            }
            Platform::Taobao => {
                let client = self.taobao.as_ref().ok_or(AffiliateError::NotConfigured(Platform::Taobao))?;
                client.search(keyword, page, page_size).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PddSettings;

    #[tokio::test]
    async fn from_settings_builds_only_enabled_clients() {
        let settings =
            AffiliateSettings { pdd: PddSettings { enabled: true, ..PddSettings::default() }, ..Default::default() };
        let a = Affiliates::from_settings(&settings, reqwest::Client::new());
        assert!(a.pdd.is_some() && a.jd.is_none() && a.taobao.is_none());
        assert_eq!(a.cache.policy().time_to_live(), Some(DEFAULT_CACHE_TTL));
        let r = crate::links::ProductRef {
            platform: Platform::Jd,
            kind: crate::links::RefKind::Url,
            key: "100012043978".into(),
            url: None,
            token: None,
            tk: None,
            title: None,
            source: crate::links::RefSource::Text,
            raw: String::new(),
        };
        let err = a.convert(&r, &Attribution::pid_only("1")).await.unwrap_err();
        assert!(matches!(err, AffiliateError::NotConfigured(Platform::Jd)));
    }
}
