//! A group's own settings (feature switches, welcome text, do-not-disturb hours), kept as JSON text in
//! `groups.settings`. Unknown or damaged JSON reads as the defaults, so a bad row never silences a group.

use crate::config::{ChatSettings, DndPolicy};
use crate::engine::limits::{Dnd, QuietHours};
use crate::engine::text;
use serde::{Deserialize, Serialize};

/// A feature an owner switches on or off per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// 转链: product links are converted.
    Convert,
    /// 签到.
    Checkin,
    /// 查券.
    Search,
    /// 欢迎语: newcomers are welcomed.
    Welcome,
    /// 自动回复: keyword replies and Q&A.
    AutoReply,
}

impl Feature {
    pub const ALL: [Feature; 5] =
        [Feature::Convert, Feature::Checkin, Feature::Search, Feature::Welcome, Feature::AutoReply];

    /// The name owners type.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Convert => text::FEATURE_CONVERT,
            Feature::Checkin => text::FEATURE_CHECKIN,
            Feature::Search => text::FEATURE_SEARCH,
            Feature::Welcome => text::FEATURE_WELCOME,
            Feature::AutoReply => text::FEATURE_AUTO_REPLY,
        }
    }

    pub fn from_name(s: &str) -> Option<Feature> {
        let s = s.trim();
        Feature::ALL.into_iter().find(|f| f.name() == s).or(match s {
            s if text::FEATURE_WELCOME_ALIASES.contains(&s) => Some(Feature::Welcome),
            s if text::FEATURE_AUTO_REPLY_ALIASES.contains(&s) => Some(Feature::AutoReply),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Features {
    pub convert: bool,
    pub checkin: bool,
    pub search: bool,
    pub welcome: bool,
    pub auto_reply: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features { convert: true, checkin: true, search: true, welcome: true, auto_reply: true }
    }
}

/// A group's do-not-disturb choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum DndSetting {
    /// The configured default.
    #[default]
    Inherit,
    /// Never quiet.
    Off,
    /// Quiet during these hours.
    Hours { hours: QuietHours, policy: DndPolicy },
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GroupSettings {
    pub features: Features,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welcome_text: Option<String>,
    pub dnd: DndSetting,
    /// The group's own streak reward for 签到 (`None`: the configured one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streak: Option<StreakReward>,
}

/// Every `every_days` consecutive check-ins earn `bonus_points` more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StreakReward {
    pub every_days: i64,
    pub bonus_points: i64,
}

impl GroupSettings {
    /// Reads `groups.settings`; damaged JSON reads as the defaults (and is logged).
    pub fn parse(json: &str) -> GroupSettings {
        if json.trim().is_empty() {
            return GroupSettings::default();
        }
        serde_json::from_str(json).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable group settings; using the defaults");
            GroupSettings::default()
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    pub fn enabled(&self, f: Feature) -> bool {
        let s = &self.features;
        match f {
            Feature::Convert => s.convert,
            Feature::Checkin => s.checkin,
            Feature::Search => s.search,
            Feature::Welcome => s.welcome,
            Feature::AutoReply => s.auto_reply,
        }
    }

    pub fn set(&mut self, f: Feature, on: bool) {
        let s = &mut self.features;
        let slot = match f {
            Feature::Convert => &mut s.convert,
            Feature::Checkin => &mut s.checkin,
            Feature::Search => &mut s.search,
            Feature::Welcome => &mut s.welcome,
            Feature::AutoReply => &mut s.auto_reply,
        };
        *slot = on;
    }

    /// The streak reward in force: the group's own, else the configured one.
    pub fn streak_reward(&self, chat: &ChatSettings) -> StreakReward {
        self.streak
            .unwrap_or(StreakReward { every_days: chat.streak_bonus_days, bonus_points: chat.streak_bonus_points })
    }

    /// The do-not-disturb rule in force: the group's own, else the configured default.
    pub fn dnd(&self, chat: &ChatSettings) -> Option<Dnd> {
        match self.dnd {
            DndSetting::Off => None,
            DndSetting::Hours { hours, policy } => Some(Dnd { hours, policy }),
            DndSetting::Inherit => {
                chat.dnd_hours.parse::<QuietHours>().ok().map(|hours| Dnd { hours, policy: chat.dnd_policy })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_damaged_json_reads_as_defaults() {
        let mut s = GroupSettings::default();
        assert!(Feature::ALL.iter().all(|f| s.enabled(*f)));
        s.set(Feature::Search, false);
        s.welcome_text = Some("欢迎{新人}".into());
        s.dnd = DndSetting::Hours { hours: QuietHours { start: 23, end: 7 }, policy: DndPolicy::Drop };
        assert_eq!(GroupSettings::parse(&s.to_json()), s);
        assert_eq!(GroupSettings::parse("{}"), GroupSettings::default());
        assert_eq!(GroupSettings::parse(""), GroupSettings::default());
        assert_eq!(GroupSettings::parse("{not json"), GroupSettings::default());
        assert!(!GroupSettings::parse(r#"{"features":{"checkin":false},"extra":1}"#).enabled(Feature::Checkin));
    }

    #[test]
    fn the_configured_default_applies_unless_the_group_chose() {
        let chat = ChatSettings { dnd_hours: "22-8".into(), ..ChatSettings::default() };
        let mut s = GroupSettings::default();
        assert_eq!(s.dnd(&chat).map(|d| d.hours), Some(QuietHours { start: 22, end: 8 }));
        s.dnd = DndSetting::Off;
        assert_eq!(s.dnd(&chat), None);
        assert_eq!(GroupSettings::default().dnd(&ChatSettings::default()), None);
    }

    #[test]
    fn feature_names() {
        for f in Feature::ALL {
            assert_eq!(Feature::from_name(f.name()), Some(f));
        }
        assert_eq!(Feature::from_name("飞行"), None);
    }
}
