//! Item details shared across conversions: converting one item for 30 members (or for every group of a fan-out)
//! makes one conversion each but one item lookup, because the product part of a conversion does not depend on
//! who it is for. Concurrent lookups of the same item share one upstream call; errors are not kept. Pre-send
//! validation reads the item fresh and leaves its reading here.

use super::{AffiliateError, Product};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long a looked-up item is reused: short, so that a changed price or coupon shows within a minute.
pub const ITEM_TTL: Duration = Duration::from_secs(60);
const CAPACITY: u64 = 10_000;

/// Item details per item key of one platform.
#[derive(Clone)]
pub struct ItemCache(moka::future::Cache<String, Product>);

impl Default for ItemCache {
    fn default() -> Self {
        ItemCache(moka::future::Cache::builder().max_capacity(CAPACITY).time_to_live(ITEM_TTL).build())
    }
}

impl ItemCache {
    /// The item under `key`, looked up with `fetch` unless known (or being looked up by another caller).
    pub async fn get_or_fetch(
        &self,
        key: &str,
        fetch: impl Future<Output = Result<Product, AffiliateError>>,
    ) -> Result<Product, AffiliateError> {
        self.0.try_get_with(key.to_string(), fetch).await.map_err(Arc::unwrap_or_clone)
    }

    /// A fresh reading of the item (pre-send validation): later conversions show what was validated.
    pub async fn remember(&self, key: &str, product: Product) {
        self.0.insert(key.to_string(), product).await;
    }
}
