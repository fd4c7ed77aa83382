//! What the unions' feeds list (feeds spec §0.1): a [`Product`] plus the fields only feeds carry, normalized at
//! each client's border. The selection library (`crate::feeds`) stores them.

use super::Product;

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
