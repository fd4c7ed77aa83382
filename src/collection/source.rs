//! A source group's rules: who counts as a poster, what is cleaned away, what is filtered out, where deals go and
//! how fast. Stored as one JSON document per source (`collect_sources.spec`).

use super::text;
use crate::money::Fen;
use crate::platform::Platform;
use crate::posting::queue::Pace;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Most cleaning rules, keywords, senders and targets of one source.
pub const MAX_LIST: usize = 50;
/// Longest cleaning pattern or keyword, in characters.
pub const MAX_PATTERN_CHARS: usize = 200;

/// What a cleaning rule matches; the match (to the end of its line for a keyword) is removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "pattern", rename_all = "snake_case")]
pub enum CleanRule {
    /// Removes the line that contains this text ("加微信", "群号").
    Line(String),
    /// Removes every match of this regular expression.
    Regex(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SourceSpec {
    /// Only these senders (wxids) count; empty: everyone in the group.
    pub senders: Vec<String>,
    /// Senders whose messages without any product (announcements) are forwarded too.
    pub announcers: Vec<String>,
    /// Target groups (ids) that receive the deals.
    pub targets: Vec<i64>,
    pub rules: Vec<CleanRule>,
    /// A deal must mention one of these (empty: no requirement).
    pub include: Vec<String>,
    /// A deal mentioning any of these is dropped.
    pub exclude: Vec<String>,
    /// Only deals of these platforms (empty: all).
    pub platforms: Vec<Platform>,
    /// Minimums on the headline (first) item, from the conversion result; zero: none.
    pub min_price: Fen,
    pub min_coupon: Fen,
    pub min_commission: Fen,
    /// An image and a text of the same sender this close together (seconds) are one deal.
    pub pair_window_secs: u32,
    /// The same item is forwarded once within this many hours, whichever source posts it.
    pub dedup_hours: u32,
    /// At least this many seconds between two forwarded deals in one target group ("as they come", paced).
    pub gap_secs: u32,
    /// At most this many forwarded deals per target group in any hour; more wait in the posting queue.
    pub cap_per_hour: u32,
    /// At most this many forwarded deals per target group per local day (0: no cap).
    pub cap_per_day: u32,
    /// A deal still waiting for its turn in a target group after this many minutes is skipped there.
    pub max_wait_mins: u32,
    /// Forward the source's own picture paired with a deal as it is, when a QR scan of it finds no code (off: our
    /// poster always replaces it).
    pub keep_images: bool,
}

impl Default for SourceSpec {
    fn default() -> Self {
        SourceSpec {
            senders: Vec::new(),
            announcers: Vec::new(),
            targets: Vec::new(),
            rules: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            platforms: Vec::new(),
            min_price: Fen::ZERO,
            min_coupon: Fen::ZERO,
            min_commission: Fen::ZERO,
            pair_window_secs: 5,
            dedup_hours: 6,
            gap_secs: 120,
            cap_per_hour: 12,
            cap_per_day: 0,
            max_wait_mins: 60,
            keep_images: false,
        }
    }
}

/// Why a source's rules are refused (shown on the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{}", text::spec_regex(.0))]
    Regex(String),
    #[error("{}", text::spec_too_many(MAX_LIST))]
    TooMany,
    #[error("{}", text::spec_pattern(MAX_PATTERN_CHARS))]
    Pattern,
    #[error("{}", text::SPEC_WINDOW)]
    Window,
    #[error("{}", text::SPEC_SELF_TARGET)]
    SelfTarget,
}

impl SourceSpec {
    /// Checks the rules of the source `group_id`.
    pub fn validate(&self, group_id: i64) -> Result<(), SpecError> {
        let lists = [self.senders.len(), self.announcers.len(), self.targets.len(), self.rules.len()];
        if lists.into_iter().chain([self.include.len(), self.exclude.len()]).any(|n| n > MAX_LIST) {
            return Err(SpecError::TooMany);
        }
        let words = self.include.iter().chain(&self.exclude).chain(self.rules.iter().map(|r| match r {
            CleanRule::Line(p) | CleanRule::Regex(p) => p,
        }));
        for w in words {
            let n = w.trim().chars().count();
            if n == 0 || n > MAX_PATTERN_CHARS {
                return Err(SpecError::Pattern);
            }
        }
        for rule in &self.rules {
            if let CleanRule::Regex(p) = rule {
                Regex::new(p).map_err(|e| SpecError::Regex(e.to_string()))?;
            }
        }
        if self.pair_window_secs > 60
            || !(1..=168).contains(&self.dedup_hours)
            || !(1..=1440).contains(&self.max_wait_mins)
        {
            return Err(SpecError::Window);
        }
        if self.targets.contains(&group_id) {
            return Err(SpecError::SelfTarget);
        }
        Ok(())
    }

    /// True when `sender` counts as a poster of this source.
    pub fn counts(&self, sender: &str) -> bool {
        self.senders.is_empty() || self.senders.iter().any(|s| s == sender)
    }

    pub fn announces(&self, sender: &str) -> bool {
        self.announcers.iter().any(|s| s == sender)
    }

    /// How the source's deals go out to a target group that no collection plan paces.
    pub fn pace(&self) -> Pace {
        Pace { gap_secs: self.gap_secs, cap_per_hour: self.cap_per_hour, cap_per_day: self.cap_per_day }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_what_is_wrong() {
        let ok = SourceSpec { targets: vec![2, 3], ..SourceSpec::default() };
        assert_eq!(ok.validate(1), Ok(()));
        assert_eq!(ok.validate(2), Err(SpecError::SelfTarget));
        let bad_regex = SourceSpec { rules: vec![CleanRule::Regex("加微信(".into())], ..ok.clone() };
        assert!(matches!(bad_regex.validate(1), Err(SpecError::Regex(_))));
        let empty = SourceSpec { exclude: vec![" ".into()], ..ok.clone() };
        assert_eq!(empty.validate(1), Err(SpecError::Pattern));
        let many = SourceSpec { targets: (10..70).collect(), ..ok.clone() };
        assert_eq!(many.validate(1), Err(SpecError::TooMany));
        assert_eq!(SourceSpec { dedup_hours: 0, ..ok }.validate(1), Err(SpecError::Window));
    }

    #[test]
    fn an_empty_sender_list_counts_everyone() {
        let all = SourceSpec::default();
        assert!(all.counts("wxid_any"));
        let one = SourceSpec { senders: vec!["wxid_poster".into()], ..SourceSpec::default() };
        assert!(one.counts("wxid_poster") && !one.counts("wxid_chatter"));
    }
}
