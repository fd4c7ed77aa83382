//! A posting plan (发单计划): which groups, which items, when, and whether it runs. Plans made on the dashboard and
//! plans owners make from the chat share this type and its validation.

use super::schedule::{Cadence, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, Schedule, TimeWindow};
use super::text;
use crate::feeds::FeedFilter;
use serde::{Deserialize, Serialize};

/// Which groups a plan posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Targets {
    Groups(Vec<i64>),
    /// Every group of a partner.
    Partner(i64),
    /// Every enabled group.
    AllEnabled,
}

/// Where a plan's items come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The selection library, filtered, best commission first.
    Selection(Box<FeedFilter>),
    /// Items picked by hand (library ids), in this order.
    Items(Vec<i64>),
    /// The deals collection forwards to the plan's groups (微信群采集): the plan paces them, on its schedule or
    /// as they come within its caps.
    Collection,
}

/// What a plan's post looks like: its poster and copy templates (the group's own when unset) and how many items
/// one post shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Content {
    /// A loaded poster template's name.
    #[serde(default)]
    pub poster_template: Option<String>,
    /// A copy template with placeholders (`engine::copy`).
    #[serde(default)]
    pub copy_template: Option<String>,
    /// 1: a single item; 3–5: a list post (one poster listing the items, one text with each item's own link).
    #[serde(default = "one")]
    pub items: u8,
}

fn one() -> u8 {
    1
}

impl Default for Content {
    fn default() -> Self {
        Content { poster_template: None, copy_template: None, items: 1 }
    }
}

/// The most items a list post shows.
pub const MAX_LIST_ITEMS: u8 = 5;
/// The fewest items a list post shows.
pub const MIN_LIST_ITEMS: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    pub name: String,
    pub targets: Targets,
    pub source: Source,
    pub schedule: Schedule,
    pub enabled: bool,
    #[serde(default)]
    pub content: Content,
}

/// Why a plan is refused (Chinese, shown to the owner or on the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{}", text::plan_interval())]
    Interval,
    #[error("{}", text::PLAN_NO_WINDOW)]
    NoWindow,
    #[error("{}", text::PLAN_OVERLAP)]
    Overlap,
    #[error("{}", text::PLAN_NO_TARGET)]
    NoTarget,
    #[error("{}", text::PLAN_NAME)]
    Name,
    #[error("{}", text::plan_items())]
    Items,
    #[error("{}", text::plan_copy_template(.0))]
    CopyTemplate(String),
    #[error("{}", text::PLAN_AS_THEY_COME)]
    AsTheyCome,
    #[error("{}", text::plan_poster_template(.0, .1))]
    PosterTemplate(String, String),
}

impl Plan {
    /// A group owner's plan from the chat: the selection library, 09:00–22:00 every 30 minutes, at most 2 posts an
    /// hour, off until switched on.
    pub fn for_chat(group_id: i64) -> Plan {
        Plan {
            name: text::chat_plan_name(group_id),
            targets: Targets::Groups(vec![group_id]),
            source: Source::Selection(Box::default()),
            schedule: Schedule {
                windows: vec![TimeWindow { start_min: 9 * 60, end_min: 22 * 60 }],
                cadence: Cadence::EveryMinutes(30),
                cap_per_hour: 2,
                cap_per_day: 0,
            },
            enabled: false,
            content: Content::default(),
        }
    }

    /// [`Plan::validate`], and the poster template must be one of `templates` (the loaded ones).
    pub fn validate_with(&self, templates: &[String]) -> Result<(), PlanError> {
        self.validate()?;
        match &self.content.poster_template {
            Some(t) if !templates.contains(t) => {
                Err(PlanError::PosterTemplate(t.clone(), templates.join(text::LIST_SEPARATOR)))
            }
            _ => Ok(()),
        }
    }

    pub fn validate(&self) -> Result<(), PlanError> {
        let name_chars = self.name.trim().chars().count();
        if name_chars == 0 || name_chars > 30 {
            return Err(PlanError::Name);
        }
        if let Cadence::EveryMinutes(m) = self.schedule.cadence
            && !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&m)
        {
            return Err(PlanError::Interval);
        }
        if self.schedule.cadence == Cadence::AsTheyCome && self.source != Source::Collection {
            return Err(PlanError::AsTheyCome);
        }
        let mut windows = self.schedule.windows.clone();
        if windows.is_empty() {
            return Err(PlanError::NoWindow);
        }
        windows.sort_by_key(|w| w.start_min);
        if windows.windows(2).any(|p| p[1].start_min < p[0].end_min) {
            return Err(PlanError::Overlap);
        }
        if matches!(&self.targets, Targets::Groups(g) if g.is_empty()) {
            return Err(PlanError::NoTarget);
        }
        let items = self.content.items;
        if items != 1 && !(MIN_LIST_ITEMS..=MAX_LIST_ITEMS).contains(&items) {
            return Err(PlanError::Items);
        }
        if let Some(t) = &self.content.copy_template {
            crate::engine::copy::validate(t).map_err(|e| PlanError::CopyTemplate(e.reason()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chat_default_is_valid_and_bad_plans_are_refused() {
        let p = Plan::for_chat(7);
        assert_eq!(p.validate(), Ok(()));
        let mut bad = p.clone();
        bad.schedule.cadence = Cadence::EveryMinutes(2);
        assert_eq!(bad.validate(), Err(PlanError::Interval));
        let mut bad = p.clone();
        bad.schedule.windows = vec!["9-12".parse().unwrap(), "11-14".parse().unwrap()];
        assert_eq!(bad.validate(), Err(PlanError::Overlap));
        let mut bad = p.clone();
        bad.schedule.windows.clear();
        assert_eq!(bad.validate(), Err(PlanError::NoWindow));
        let mut bad = p.clone();
        bad.targets = Targets::Groups(Vec::new());
        assert_eq!(bad.validate(), Err(PlanError::NoTarget));
        let mut bad = p.clone();
        bad.name = " ".into();
        assert_eq!(bad.validate(), Err(PlanError::Name));
    }

    #[test]
    fn content_is_a_single_item_or_a_list_of_3_to_5_with_valid_templates() {
        let mut p = Plan::for_chat(7);
        for (items, ok) in [(0, false), (1, true), (2, false), (3, true), (5, true), (6, false)] {
            p.content.items = items;
            assert_eq!(p.validate().is_ok(), ok, "{items}");
        }
        p.content.items = 4;
        p.content.copy_template = Some("{标题} 只要{券后价}".into());
        assert!(matches!(p.validate(), Err(PlanError::CopyTemplate(_))), "no way to buy");
        p.content.copy_template = Some("{标题} {价格} {链接}".into());
        assert!(matches!(p.validate(), Err(PlanError::CopyTemplate(_))), "unknown placeholder");
        p.content.copy_template = Some("{标题} 券后{券后价} 抢：{链接}".into());
        let loaded = vec!["classic".to_string(), "red".to_string()];
        assert_eq!(p.validate_with(&loaded), Ok(()));
        p.content.poster_template = Some("gold".into());
        assert_eq!(p.validate_with(&loaded), Err(PlanError::PosterTemplate("gold".into(), "classic、red".into())));
        p.content.poster_template = Some("red".into());
        assert_eq!(p.validate_with(&loaded), Ok(()));
        // Plans stored before content existed read as single-item posts with the group's templates.
        let mut old = serde_json::to_value(Plan::for_chat(7)).unwrap();
        old.as_object_mut().unwrap().remove("content");
        assert_eq!(serde_json::from_value::<Plan>(old).unwrap().content, Content::default());
    }
}
