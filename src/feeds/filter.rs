//! The operator's selection filter (global or per plan), one typed value the store turns into SQL.

use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde::{Deserialize, Serialize};

/// Which items of the library qualify. Empty lists and `None` mean "no condition".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FeedFilter {
    pub platforms: Vec<Platform>,
    /// Bounds of the price after coupon (inclusive).
    pub min_price: Option<Fen>,
    pub max_price: Option<Fen>,
    pub min_coupon: Option<Fen>,
    pub min_commission_rate: Option<Bps>,
    /// Minimum estimated commission per item.
    pub min_commission: Option<Fen>,
    pub min_sales: Option<i64>,
    /// Category names (any of).
    pub categories: Vec<String>,
    /// Every keyword must appear in the title (case-insensitive).
    pub keywords: Vec<String>,
    /// No keyword may appear in the title.
    pub exclude_keywords: Vec<String>,
    pub exclude_shops: Vec<String>,
    /// Only items a feed listed at or after this time (unix milliseconds).
    pub seen_since: Option<i64>,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedSort {
    /// Most recently seen first.
    #[default]
    Recent,
    /// Highest estimated commission first.
    Commission,
    /// Most sales first.
    Sales,
    /// Biggest coupon first.
    Coupon,
    /// Cheapest after coupon first.
    Price,
}

impl FeedSort {
    pub fn parse(s: &str) -> Option<FeedSort> {
        Some(match s {
            "recent" => FeedSort::Recent,
            "commission" => FeedSort::Commission,
            "sales" => FeedSort::Sales,
            "coupon" => FeedSort::Coupon,
            "price" => FeedSort::Price,
            _ => return None,
        })
    }
}

/// Longest keyword, category or shop name a filter keeps (characters); longer ones are cut.
pub const MAX_TERM_CHARS: usize = 40;
/// Most terms per list.
pub const MAX_TERMS: usize = 20;

impl FeedFilter {
    /// The filter with blank terms dropped, terms cut to [`MAX_TERM_CHARS`] and lists to [`MAX_TERMS`].
    pub fn bounded(mut self) -> FeedFilter {
        for list in [&mut self.categories, &mut self.keywords, &mut self.exclude_keywords, &mut self.exclude_shops] {
            let cleaned: Vec<String> = list
                .iter()
                .map(|t| t.trim().chars().take(MAX_TERM_CHARS).collect::<String>())
                .filter(|t| !t.is_empty())
                .take(MAX_TERMS)
                .collect();
            *list = cleaned;
        }
        self.platforms.sort();
        self.platforms.dedup();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_drops_blanks_and_cuts_long_terms() {
        let f = FeedFilter {
            keywords: vec![" 抽纸 ".into(), "".into(), "长".repeat(100)],
            exclude_shops: (0..50).map(|i| format!("店{i}")).collect(),
            ..FeedFilter::default()
        }
        .bounded();
        assert_eq!(f.keywords[0], "抽纸");
        assert_eq!(f.keywords.len(), 2);
        assert_eq!(f.keywords[1].chars().count(), MAX_TERM_CHARS);
        assert_eq!(f.exclude_shops.len(), MAX_TERMS);
        assert_eq!(FeedSort::parse("sales"), Some(FeedSort::Sales));
        assert_eq!(FeedSort::parse("x"), None);
    }
}
