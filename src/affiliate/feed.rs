//! What the unions' feeds list (feeds spec §0.1): a [`Product`] plus the fields only feeds carry, normalized at
//! each client's border. The selection library (`crate::feeds`) stores them.

use super::{AffiliateError, Product};
use crate::platform::Platform;

/// One item of a feed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub product: Product,
    pub short_title: Option<String>,
    /// The union's category name (PDD `opt_name`, JD `cid1Name`, Taobao `level_one_category_name`).
    pub category: Option<String>,
}

/// One page of a feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    /// The total the union reports, when it reports one.
    pub total: Option<i64>,
    /// PDD's `list_id`: echo it when asking for the next page.
    pub list_id: Option<String>,
}

/// What a union says about one item now, for the check just before a post goes out (feeds spec §0.3, §4). Fields a
/// union's detail call does not report are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    pub price: crate::money::Fen,
    /// `None`: the call does not report coupons (Taobao `item.info.get`); `Some(None)`: no coupon now.
    pub coupon: Option<Option<super::Coupon>>,
    pub commission_rate: Option<crate::money::Bps>,
}

impl super::Affiliates {
    /// The item as its union reports it now, through the detail call (PDD `goods.detail`, JD `goods.query` by sku,
    /// Taobao `item.info.upgrade.get`); `Ok(None)` when the union no longer lists it. Each reports the coupon as it
    /// stands now: Taobao's is the 商品券 entry of the 到手价 path (feeds spec §3.5 step 1), absent once the coupon
    /// ended or ran out.
    pub async fn recheck(&self, platform: Platform, key: &str) -> Result<Option<Recheck>, AffiliateError> {
        let found = match platform {
            Platform::Pdd => self.pdd.as_ref().ok_or(AffiliateError::NotConfigured(platform))?.detail_fresh(key).await,
            Platform::Jd => self.jd.as_ref().ok_or(AffiliateError::NotConfigured(platform))?.goods(key).await,
            Platform::Taobao => {
                self.taobao.as_ref().ok_or(AffiliateError::NotConfigured(platform))?.item_promotion(key).await
            }
        };
        match found {
            Ok(p) => {
                Ok(Some(Recheck { price: p.price, coupon: Some(p.coupon), commission_rate: Some(p.commission_rate) }))
            }
            Err(AffiliateError::NotFound | AffiliateError::NoCommission) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
