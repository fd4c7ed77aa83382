//! Taking the next item that may go out: candidates in the plan's order, each re-checked through its union just
//! before sending; the ones that fail are skipped with their reason and the next is tried.

use super::validate::{Checked, Rules, SkipReason, check};
use crate::affiliate::Affiliates;
use crate::affiliate::feed::Recheck;
use crate::feeds::FeedItem;
use crate::platform::Platform;
use std::collections::HashMap;

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
    choose_with(affiliates, &mut Rechecks::default(), candidates, now, rules, max_tries).await
}

/// The union's answers for the items re-checked during one run, shared by every group of a fan-out: an item is
/// re-checked once per run however many groups it goes to.
#[derive(Debug, Default)]
pub struct Rechecks {
    known: HashMap<(Platform, String), Option<Recheck>>,
}

impl Rechecks {
    /// The item as its union reports it now: asked once, then remembered for the rest of the run.
    async fn get(&mut self, affiliates: &Affiliates, item: &FeedItem) -> Option<Recheck> {
        let key = (item.platform, item.key.clone());
        if let Some(known) = self.known.get(&key) {
            return known.clone();
        }
        let current = match affiliates.recheck(item.platform, &item.key).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(platform = %item.platform, key = %item.key, error = %e, "pre-send re-check failed");
                None
            }
        };
        self.known.insert(key, current.clone());
        current
    }
}

/// [`choose`] with the re-checks of the current run.
pub async fn choose_with<'a>(
    affiliates: &Affiliates,
    rechecks: &mut Rechecks,
    candidates: impl IntoIterator<Item = &'a FeedItem>,
    now: i64,
    rules: &Rules,
    max_tries: usize,
) -> Choice<'a> {
    let mut skipped = Vec::new();
    for item in candidates.into_iter().take(max_tries) {
        let current = rechecks.get(affiliates, item).await;
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
