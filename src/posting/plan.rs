//! A posting plan (发单计划): which groups, which items, when, and whether it runs. Plans made on the dashboard and
//! plans owners make from the chat share this type and its validation.

use super::schedule::{Cadence, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, Schedule, TimeWindow};
use crate::feeds::FeedFilter;
use serde::{Deserialize, Serialize};

/// Which groups a plan posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Targets {
    Groups(Vec<i64>),
    /// Every group of a partner.
    Partner(i64),
    /// Every enabled group.
    AllEnabled,
}

/// Where a plan's items come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The selection library, filtered, best commission first.
    Selection(Box<FeedFilter>),
    /// Items picked by hand (library ids), in this order.
    Items(Vec<i64>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    pub targets: Targets,
    pub source: Source,
    pub schedule: Schedule,
    pub enabled: bool,
}

/// Why a plan is refused (Chinese, shown to the owner or on the dashboard).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("发单间隔要在 {MIN_INTERVAL_MINUTES} 到 {MAX_INTERVAL_MINUTES} 分钟之间")]
    Interval,
    #[error("至少要有一个发单时段")]
    NoWindow,
    #[error("发单时段不能重叠")]
    Overlap,
    #[error("至少要有一个目标群")]
    NoTarget,
    #[error("计划名不能为空，最多 30 个字")]
    Name,
}

impl Plan {
    /// A group owner's plan from the chat: the selection library, 09:00–22:00 every 30 minutes, at most 2 posts an
    /// hour, off until switched on.
    pub fn for_chat(group_id: i64) -> Plan {
        Plan {
            name: format!("群{group_id}发单"),
            targets: Targets::Groups(vec![group_id]),
            source: Source::Selection(Box::default()),
            schedule: Schedule {
                windows: vec![TimeWindow { start_min: 9 * 60, end_min: 22 * 60 }],
                cadence: Cadence::EveryMinutes(30),
                cap_per_hour: 2,
                cap_per_day: 0,
            },
            enabled: false,
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
        let mut bad = p;
        bad.name = " ".into();
        assert_eq!(bad.validate(), Err(PlanError::Name));
    }
}
