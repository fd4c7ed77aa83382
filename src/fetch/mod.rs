//! Product photos for posters, fetched without opening an SSRF hole.
//!
//! Photo URLs come from the affiliate APIs, which take them from product pages that anyone can edit, so they are
//! untrusted. Every fetch goes through these controls, in this order:
//!
//! 1. [`guard::Guard::check`], before any connection and again on every redirect hop: `http`/`https` only, no
//!    credentials, no IP literal in any notation, the host in the platform's CDN allow-list (`fetch.hosts`, by
//!    suffix on a label boundary), the scheme's default port unless `fetch.allowed_ports` names another.
//! 2. [`resolve::GuardedResolver`]: host names resolve through the system resolver and every non-public
//!    address is dropped ([`guard::is_public`]): private, loopback, link-local and metadata, CGNAT, multicast,
//!    unspecified, documentation, IPv4-mapped and other IPv6 forms embedding IPv4. The connector connects only
//!    to the addresses returned, so there is no rebinding gap.
//! 3. The client uses no proxy (a proxy would resolve names itself), follows no redirect by itself
//!    ([`download::Downloader`] follows at most `fetch.max_redirects`, checking each), sends no referer and
//!    keeps no cookies; connect and total timeouts bound every request and `fetch.timeout_ms` the whole fetch.
//! 4. The body is read chunk by chunk and refused past `fetch.max_bytes` (and upfront by Content-Length).
//! 5. [`decode::decode_and_fit`] sniffs the format (JPEG, PNG, WebP only) and decodes under dimension and
//!    allocation limits, so decompression bombs are refused, then scales the photo down to `fetch.fit_*`.
//!
//! **Simulators and tests.** The simulated CDN runs on this machine, which step 2 refuses by design. Rather
//! than an "allow loopback" switch, the operator's configuration may name trusted overrides
//! (`fetch.resolve = [{ host, addr }]`): an exact host name that connects to a fixed socket address instead of
//! being resolved. An override host is allowed for every platform, on the override's port only, and nothing
//! else changes: IP literals are still refused, every other name still goes through the allow-list and the
//! address policy, and the addresses come from the configuration, never from a URL or chat text. The demo
//! configures one for its own simulators; production configurations have none.
//!
//! Resized photos are cached in memory ([`moka`], weighed in bytes, with a time to live); concurrent requests
//! for one URL wait for a single fetch. Failures are not cached. The caller draws a placeholder on any
//! [`FetchError`].

pub mod decode;
pub mod download;
pub mod guard;
pub mod resolve;

use crate::config::FetchSettings;
use crate::platform::Platform;
use crate::telemetry::{Metrics, ResultLabel};
use decode::DecodePolicy;
use download::Downloader;
use guard::Guard;
use image::RgbImage;
use moka::future::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

/// Why a photo could not be had. Never contains a full URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not a valid photo URL")]
    InvalidUrl,
    #[error("URL scheme `{0}` is not allowed")]
    SchemeNotAllowed(String),
    #[error("URL names an IP address instead of a host")]
    IpLiteral,
    #[error("host `{host}` is not a {platform} photo CDN")]
    HostNotAllowed { platform: Platform, host: String },
    #[error("port {0} is not allowed")]
    PortNotAllowed(u16),
    #[error("host `{host}` resolves to no public address")]
    ForbiddenAddress { host: String },
    #[error("more than {0} redirects")]
    TooManyRedirects(u32),
    #[error("redirect without a usable Location")]
    BadRedirect,
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("photo larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("not a JPEG, PNG or WebP photo")]
    UnsupportedFormat,
    #[error("photo exceeds the decode limits")]
    DecodeLimit,
    #[error("photo cannot be decoded: {0}")]
    Decode(String),
    #[error("photo fetch timed out")]
    Timeout,
    #[error("photo transport error: {0}")]
    Transport(String),
}

impl FetchError {
    /// A short stable name, for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl => "invalid_url",
            FetchError::SchemeNotAllowed(_) => "scheme_not_allowed",
            FetchError::IpLiteral => "ip_literal",
            FetchError::HostNotAllowed { .. } => "host_not_allowed",
            FetchError::PortNotAllowed(_) => "port_not_allowed",
            FetchError::ForbiddenAddress { .. } => "forbidden_address",
            FetchError::TooManyRedirects(_) => "too_many_redirects",
            FetchError::BadRedirect => "bad_redirect",
            FetchError::Status(_) => "status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::UnsupportedFormat => "unsupported_format",
            FetchError::DecodeLimit => "decode_limit",
            FetchError::Decode(_) => "decode",
            FetchError::Timeout => "timeout",
            FetchError::Transport(_) => "transport",
        }
    }
}

/// The photo fetcher and its cache. Cheap to clone.
#[derive(Clone)]
pub struct Photos {
    inner: Arc<Inner>,
}

struct Inner {
    guard: Arc<Guard>,
    downloader: Downloader,
    policy: DecodePolicy,
    deadline: Duration,
    cache: Cache<String, Arc<RgbImage>>,
    /// Bounds concurrent decodes (CPU work off the async runtime).
    decode_slots: Semaphore,
    metrics: Metrics,
}

impl Photos {
    pub fn from_settings(settings: &FetchSettings, metrics: Metrics) -> Result<Photos, FetchError> {
        let guard = Arc::new(Guard::new(settings));
        let downloader = Downloader::new(settings, guard.clone())?;
        let cache = Cache::builder()
            .max_capacity(settings.cache_max_bytes)
            .weigher(|url: &String, img: &Arc<RgbImage>| {
                u32::try_from(img.as_raw().len() + url.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(Duration::from_secs(settings.cache_ttl_secs))
            .build();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Photos {
            inner: Arc::new(Inner {
                guard,
                downloader,
                policy: DecodePolicy {
                    max_width: settings.max_image_width,
                    max_height: settings.max_image_height,
                    max_alloc: settings.max_decode_bytes,
                    fit_width: settings.fit_width,
                    fit_height: settings.fit_height,
                },
                deadline: Duration::from_millis(settings.timeout_ms),
                cache,
                decode_slots: Semaphore::new(cores),
                metrics,
            }),
        })
    }

    /// The photo at `url`, decoded and fit in the configured box; from the cache when it is there.
    pub async fn get(&self, platform: Platform, url: &str) -> Result<Arc<RgbImage>, FetchError> {
        let url = Guard::parse(url)?;
        self.inner.guard.check(platform, &url)?;
        let span = tracing::info_span!("photo", %platform, host = url.host_str(), path = url.path());
        let load = self.clone().load(platform, url.clone());
        self.inner.cache.try_get_with(url.into(), load).instrument(span).await.map_err(|e| (*e).clone())
    }

    /// One fetch, decode and resize (runs once per URL however many callers wait for it).
    async fn load(self, platform: Platform, url: Url) -> Result<Arc<RgbImage>, FetchError> {
        let inner = &self.inner;
        let started = Instant::now();
        let result = async {
            let bytes = tokio::time::timeout(inner.deadline, inner.downloader.download(platform, url))
                .await
                .map_err(|_| FetchError::Timeout)??;
            let size = bytes.len();
            let _slot = inner.decode_slots.acquire().await.map_err(|e| FetchError::Decode(e.to_string()))?;
            let policy = inner.policy;
            let image = tokio::task::spawn_blocking(move || decode::decode_and_fit(&bytes, &policy))
                .await
                .map_err(|e| FetchError::Decode(e.to_string()))??;
            Ok::<_, FetchError>((size, Arc::new(image)))
        }
        .await;
        let elapsed = started.elapsed();
        inner.metrics.photo_fetch_seconds.observe(elapsed.as_secs_f64());
        let label = ResultLabel { result: result.as_ref().map_or_else(|e| e.kind(), |_| "ok") };
        inner.metrics.photo_fetches.get_or_create(&label).inc();
        match result {
            Ok((bytes, image)) => {
                tracing::info!(
                    bytes,
                    width = image.width(),
                    height = image.height(),
                    ms = elapsed.as_millis() as u64,
                    "photo fetched"
                );
                Ok(image)
            }
            Err(e) => {
                tracing::warn!(error = %e, kind = e.kind(), ms = elapsed.as_millis() as u64, "photo not fetched");
                Err(e)
            }
        }
    }
}
