//! Taking the next item that may go out: candidates in the plan's order, each re-checked through its union just
//! before sending; the ones that fail are skipped with their reason and the next is tried.

use super::validate::{Checked, Rules, SkipReason, check};
use crate::affiliate::Affiliates;
use crate::feeds::FeedItem;

/// The outcome of one choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<'a> {
    /// The first candidate that passed, with its re-checked values.
    pub chosen: Option<(&'a FeedItem, Checked)>,
    /// The candidates tried before it, with why they were skipped.
    pub skipped: Vec<(&'a FeedItem, SkipReason)>,
}

/// Tries `candidates` in order at `now` (unix seconds), at most `max_tries` of them (one union call each). A
/// failing union call counts as `gone` for that item (feeds spec §0.3 step 1).
pub async fn choose<'a>(
    affiliates: &Affiliates,
    candidates: impl IntoIterator<Item = &'a FeedItem>,
    now: i64,
    rules: &Rules,
    max_tries: usize,
) -> Choice<'a> {
    let mut skipped = Vec::new();
    for item in candidates.into_iter().take(max_tries) {
        let current = match affiliates.recheck(item.platform, &item.key).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(platform = %item.platform, key = %item.key, error = %e, "pre-send re-check failed");
                None
            }
        };
        match check(item, current.as_ref(), now, rules) {
            Ok(checked) => return Choice { chosen: Some((item, checked)), skipped },
            Err(reason) => {
                tracing::info!(platform = %item.platform, key = %item.key, %reason, "post skipped");
                skipped.push((item, reason));
            }
        }
    }
    Choice { chosen: None, skipped }
}
