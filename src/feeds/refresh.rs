//! Pulling one union's configured feed channels into the library (feeds spec §0.4): page until an empty page,
//! the union's page limit or its reported total, de-duplicate by item key across pages and channels, upsert.

use super::FeedItem;
use crate::affiliate::feed::FeedPage;
use crate::affiliate::{AffiliateError, Affiliates};
use crate::clock::Clock;
use crate::config::FeedsSettings;
use crate::orders::lease::Lease;
use crate::platform::Platform;
use crate::store::{Store, StoreError};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum FeedsError {
    #[error("{0} is not configured")]
    NotConfigured(Platform),
    #[error("union: {0}")]
    Union(#[from] AffiliateError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RefreshReport {
    pub pages: u32,
    /// Distinct items stored.
    pub items: usize,
    /// Items the library had not seen before.
    pub new: usize,
    /// Channels that failed (the others were still stored).
    pub failed_channels: Vec<String>,
}

/// The refresh of one union's feeds.
#[derive(Clone)]
pub struct FeedRefresh {
    pub platform: Platform,
    store: Store,
    affiliates: Affiliates,
    settings: FeedsSettings,
    clock: Clock,
}

impl FeedRefresh {
    /// The refresh of `platform`, or [`FeedsError::NotConfigured`] when its client is off or it has no channels.
    pub fn for_platform(
        store: &Store,
        affiliates: &Affiliates,
        platform: Platform,
        settings: &FeedsSettings,
        clock: &Clock,
    ) -> Result<FeedRefresh, FeedsError> {
        let (configured, channels) = match platform {
            Platform::Pdd => (affiliates.pdd.is_some(), settings.pdd_channels.len()),
            Platform::Jd => (affiliates.jd.is_some(), settings.jd_elite_ids.len()),
            Platform::Taobao => (affiliates.taobao.is_some(), settings.taobao_material_ids.len()),
        };
        if !configured || channels == 0 {
            return Err(FeedsError::NotConfigured(platform));
        }
        Ok(FeedRefresh {
            platform,
            store: store.clone(),
            affiliates: affiliates.clone(),
            settings: settings.clone(),
            clock: clock.clone(),
        })
    }

    fn channels(&self) -> Vec<(u64, String)> {
        match self.platform {
            Platform::Pdd => {
                self.settings.pdd_channels.iter().map(|c| (u64::from(*c), format!("channel:{c}"))).collect()
            }
            Platform::Jd => self.settings.jd_elite_ids.iter().map(|c| (u64::from(*c), format!("elite:{c}"))).collect(),
            Platform::Taobao => {
                self.settings.taobao_material_ids.iter().map(|c| (*c, format!("material:{c}"))).collect()
            }
        }
    }

    /// Page `page` (from 0) of a channel; `list_id` is PDD's paging token.
    async fn page(&self, channel: u64, page: u32, list_id: Option<&str>) -> Result<FeedPage, FeedsError> {
        let size = self.settings.page_size.max(1);
        let not_configured = || FeedsError::NotConfigured(self.platform);
        let channel32 = u32::try_from(channel).map_err(|_| not_configured())?;
        Ok(match self.platform {
            Platform::Pdd => {
                self.affiliates
                    .pdd
                    .as_ref()
                    .ok_or_else(not_configured)?
                    .recommend(channel32, page, size, list_id)
                    .await?
            }
            Platform::Jd => {
                self.affiliates.jd.as_ref().ok_or_else(not_configured)?.jingfen(channel32, page + 1, size).await?
            }
            Platform::Taobao => {
                self.affiliates.taobao.as_ref().ok_or_else(not_configured)?.optimus(channel, page + 1, size).await?
            }
        })
    }

    /// Pulls every configured channel and stores what they list. A failing channel is logged and reported; the
    /// others still count.
    #[tracing::instrument(name = "feeds.refresh", skip(self), fields(platform = %self.platform))]
    pub async fn run(&self) -> Result<RefreshReport, FeedsError> {
        let mut report = RefreshReport::default();
        let mut seen: HashSet<String> = HashSet::new();
        for (channel, source) in self.channels() {
            let mut list_id: Option<String> = None;
            let mut listed = 0i64;
            for page in 0..self.settings.pages {
                let result = match self.page(channel, page, list_id.as_deref()).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(source = %source, error = %e, "feed channel failed");
                        report.failed_channels.push(source.clone());
                        break;
                    }
                };
                report.pages += 1;
                if result.entries.is_empty() {
                    break;
                }
                listed += result.entries.len() as i64;
                list_id = result.list_id.or(list_id);
                let fresh: Vec<FeedItem> = result
                    .entries
                    .into_iter()
                    .map(|e| FeedItem::from_entry(e, &source))
                    .filter(|it| seen.insert(it.key.clone()))
                    .collect();
                report.items += fresh.len();
                report.new += self.store.upsert_feed_items(&fresh, self.clock.now_ms()).await?;
                if result.total.is_some_and(|t| listed >= t) {
                    break;
                }
            }
        }
        tracing::info!(pages = report.pages, items = report.items, new = report.new, "feeds refreshed");
        Ok(report)
    }

    fn lease(&self, holder: &str) -> Lease {
        let ttl_ms = i64::try_from(self.settings.lease_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Lease::new(
            self.store.clone(),
            self.clock.clone(),
            format!("feeds-refresh:{}", self.platform.code()),
            holder,
            ttl_ms,
        )
    }
}

/// Refreshes one union's feeds now and then every `interval_secs`, under a lease so that of several instances one
/// refreshes at a time, until shutdown.
pub async fn worker(refresh: FeedRefresh, holder: String, mut shutdown: watch::Receiver<bool>) {
    let lease = refresh.lease(&holder);
    let interval = Duration::from_secs(refresh.settings.interval_secs.max(60));
    loop {
        match lease.acquire().await {
            Ok(true) => {
                if let Err(e) = refresh.run().await {
                    tracing::warn!(platform = %refresh.platform, error = %e, "feed refresh failed");
                }
            }
            Ok(false) => tracing::debug!(platform = %refresh.platform, "another instance refreshes the feeds"),
            Err(e) => tracing::warn!(platform = %refresh.platform, error = %e, "feed lease check failed"),
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(interval) => false,
            _ = shutdown.wait_for(|v| *v) => true,
        };
        if stop {
            let _ = lease.release().await;
            return;
        }
    }
}
