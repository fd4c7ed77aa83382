//! Not annoying, not banned: per-member command cooldowns, a reply budget per group per minute, and
//! do-not-disturb hours per group. Calendar helpers for the configured local time live here too.
//!
//! Cooldowns are in memory: they protect the chat from bursts, and a restart forgetting them is harmless. The reply
//! budget is kept in the database (`store::reply_budgets`) so that it holds whichever instance handles a message;
//! its rule is [`spend_budget`].

use crate::config::DndPolicy;
use crate::engine::text;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
const MINUTE_MS: i64 = 60_000;
/// Past this many tracked keys, expired ones are pruned.
const PRUNE_AT: usize = 10_000;

/// The local calendar day (days since 1970-01-01) at `now_ms`.
pub fn local_day(now_ms: i64, utc_offset_hours: i64) -> i64 {
    (now_ms + utc_offset_hours * HOUR_MS).div_euclid(DAY_MS)
}

/// The instant (unix ms) the local day of `now_ms` began.
pub fn local_midnight_ms(now_ms: i64, utc_offset_hours: i64) -> i64 {
    local_day(now_ms, utc_offset_hours) * DAY_MS - utc_offset_hours * HOUR_MS
}

/// `MM-DD` of a unix-ms instant in local time.
pub fn local_month_day(at_ms: i64, utc_offset_hours: i64) -> String {
    let local_secs = (at_ms + utc_offset_hours * HOUR_MS).div_euclid(1000);
    match time::OffsetDateTime::from_unix_timestamp(local_secs) {
        Ok(t) => format!("{:02}-{:02}", u8::from(t.month()), t.day()),
        Err(_) => String::new(),
    }
}

/// Quiet hours in local time, `start` inclusive to `end` exclusive, wrapping past midnight when `start > end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuietHours {
    pub start: u8,
    pub end: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quiet hours look like 23-7 (hours 0 to 23, start and end differ)")]
pub struct BadQuietHours;

impl FromStr for QuietHours {
    type Err = BadQuietHours;

    /// `23-7`, `23:00-07:00`, `23点-7点`, `23~7`, `23至7`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (a, b) = s.split_once(text::HOURS_SEPARATORS).ok_or(BadQuietHours)?;
        let hour = |t: &str| -> Result<u8, BadQuietHours> {
            let t = t.trim().trim_end_matches(text::HOUR).trim_end_matches(":00").trim_end_matches(text::ON_THE_HOUR);
            let h: u8 = t.parse().map_err(|_| BadQuietHours)?;
            if h < 24 { Ok(h) } else { Err(BadQuietHours) }
        };
        let (start, end) = (hour(a)?, hour(b)?);
        if start == end {
            return Err(BadQuietHours);
        }
        Ok(QuietHours { start, end })
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl QuietHours {
    /// When `now_ms` falls in the quiet hours: the instant they end.
    pub fn quiet_until(&self, now_ms: i64, utc_offset_hours: i64) -> Option<i64> {
        let local = now_ms + utc_offset_hours * HOUR_MS;
        let day_start = local.div_euclid(DAY_MS) * DAY_MS;
        let hour = (local - day_start) / HOUR_MS;
        let (start, end) = (i64::from(self.start), i64::from(self.end));
        let quiet = if start < end { (start..end).contains(&hour) } else { hour >= start || hour < end };
        if !quiet {
            return None;
        }
        let end_local = if hour < end { day_start + end * HOUR_MS } else { day_start + DAY_MS + end * HOUR_MS };
        Some(end_local - utc_offset_hours * HOUR_MS)
    }
}

/// A group's effective do-not-disturb rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dnd {
    pub hours: QuietHours,
    pub policy: DndPolicy,
}

/// Whether replies may go out now, by the do-not-disturb rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// Not quiet: send now.
    No,
    /// Quiet hours: send at this instant.
    Until(i64),
    /// Quiet hours with the drop policy.
    Drop,
}

/// The do-not-disturb verdict at `now_ms`.
pub fn quiet(dnd: Option<Dnd>, now_ms: i64, utc_offset_hours: i64) -> Quiet {
    match dnd.and_then(|d| d.hours.quiet_until(now_ms, utc_offset_hours).map(|until| (d.policy, until))) {
        None => Quiet::No,
        Some((DndPolicy::Drop, _)) => Quiet::Drop,
        Some((_, until)) => Quiet::Until(until),
    }
}

/// Takes `n` replies from a conversation's budget of `per_minute` per sliding minute, `window` being the times of
/// its replies so far; false (taking nothing) when they do not fit.
pub fn spend_budget(window: &mut Vec<i64>, n: usize, per_minute: u32, now_ms: i64) -> bool {
    window.retain(|t| *t > now_ms - MINUTE_MS);
    if window.len() + n > per_minute as usize {
        return false;
    }
    window.extend(std::iter::repeat_n(now_ms, n));
    true
}

/// The answer of a cooldown check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cooldown {
    /// Go ahead.
    Ready,
    /// Still cooling down for `secs`; `notify` is true the first time in this cooldown only.
    Wait { secs: i64, notify: bool },
}

struct Cooling {
    until_ms: i64,
    notified: bool,
}

/// In-memory cooldowns.
#[derive(Default)]
pub struct Limits {
    cooldowns: Mutex<HashMap<(String, &'static str), Cooling>>,
}

impl Limits {
    /// Whether `who` is still cooling down from `command`.
    pub fn check(&self, who: &str, command: &'static str, now_ms: i64) -> Cooldown {
        let mut map = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&(who.to_string(), command)) {
            Some(c) if c.until_ms > now_ms => {
                let notify = !c.notified;
                c.notified = true;
                Cooldown::Wait { secs: (c.until_ms - now_ms + 999) / 1000, notify }
            }
            _ => Cooldown::Ready,
        }
    }

    /// Starts `who`'s cooldown of `command`, `secs` long (none when `secs` is 0).
    pub fn start(&self, who: &str, command: &'static str, secs: i64, now_ms: i64) {
        if secs <= 0 {
            return;
        }
        let mut map = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > PRUNE_AT {
            map.retain(|_, c| c.until_ms > now_ms);
        }
        map.insert((who.to_string(), command), Cooling { until_ms: now_ms + secs * 1000, notified: false });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-01-06 00:00 in China (UTC+8), as unix ms.
    const MONDAY_CN: i64 = 1_736_092_800_000;

    #[test]
    fn local_days_turn_at_local_midnight() {
        assert_eq!(local_day(MONDAY_CN - 1, 8) + 1, local_day(MONDAY_CN, 8));
        assert_eq!(local_midnight_ms(MONDAY_CN + 5 * HOUR_MS, 8), MONDAY_CN);
        assert_eq!(local_month_day(MONDAY_CN, 8), "01-06");
        assert_eq!(local_month_day(MONDAY_CN - 1, 8), "01-05");
    }

    #[test]
    fn quiet_hours_parse_in_the_usual_spellings() {
        for s in ["23-7", "23:00-07:00", "23点-7点", "23~7", "23至7", " 23 - 7 "] {
            assert_eq!(s.parse::<QuietHours>(), Ok(QuietHours { start: 23, end: 7 }), "{s}");
        }
        for s in ["", "23", "7-7", "24-1", "a-b", "-1-3", "23-7-1"] {
            assert!(s.parse::<QuietHours>().is_err(), "{s}");
        }
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_end_at_the_end_hour() {
        let q = QuietHours { start: 23, end: 7 };
        assert_eq!(q.quiet_until(MONDAY_CN + 22 * HOUR_MS, 8), None);
        assert_eq!(q.quiet_until(MONDAY_CN + 23 * HOUR_MS, 8), Some(MONDAY_CN + DAY_MS + 7 * HOUR_MS));
        assert_eq!(q.quiet_until(MONDAY_CN + 3 * HOUR_MS, 8), Some(MONDAY_CN + 7 * HOUR_MS));
        assert_eq!(q.quiet_until(MONDAY_CN + 7 * HOUR_MS, 8), None);
        let day = QuietHours { start: 12, end: 14 };
        assert_eq!(day.quiet_until(MONDAY_CN + 13 * HOUR_MS, 8), Some(MONDAY_CN + 14 * HOUR_MS));
        assert_eq!(day.quiet_until(MONDAY_CN + 15 * HOUR_MS, 8), None);
    }

    #[test]
    fn a_cooldown_tells_once_then_stays_quiet_until_it_ends() {
        let l = Limits::default();
        assert_eq!(l.check("a", "签到", 0), Cooldown::Ready);
        l.start("a", "签到", 5, 0);
        assert_eq!(l.check("a", "签到", 1_000), Cooldown::Wait { secs: 4, notify: true });
        assert_eq!(l.check("a", "签到", 2_000), Cooldown::Wait { secs: 3, notify: false });
        assert_eq!(l.check("b", "签到", 2_000), Cooldown::Ready, "per member");
        assert_eq!(l.check("a", "积分", 2_000), Cooldown::Ready, "per command");
        assert_eq!(l.check("a", "签到", 5_000), Cooldown::Ready);
        l.start("a", "签到", 0, 5_001);
        assert_eq!(l.check("a", "签到", 5_002), Cooldown::Ready, "no cooldown of 0 seconds");
        l.start("a", "签到", 5, 6_000);
        assert_eq!(l.check("a", "签到", 7_000), Cooldown::Wait { secs: 4, notify: true }, "a new cooldown tells again");
    }

    #[test]
    fn the_budget_is_a_sliding_minute() {
        let mut g = Vec::new();
        assert!(spend_budget(&mut g, 2, 3, 0));
        assert!(!spend_budget(&mut g, 2, 3, 1_000), "all or nothing");
        assert!(spend_budget(&mut g, 1, 3, 1_000));
        assert!(!spend_budget(&mut g, 1, 3, 59_999));
        assert!(spend_budget(&mut Vec::new(), 3, 3, 59_999), "per group");
        assert!(spend_budget(&mut g, 2, 3, 60_000), "the first two left the window");
        assert_eq!(g, [1_000, 60_000, 60_000]);
    }

    #[test]
    fn quiet_hours_queue_or_drop() {
        let dnd = Dnd { hours: QuietHours { start: 23, end: 7 }, policy: DndPolicy::Queue };
        let night = MONDAY_CN + 2 * HOUR_MS;
        assert_eq!(quiet(Some(dnd), night, 8), Quiet::Until(MONDAY_CN + 7 * HOUR_MS));
        let drop = Dnd { policy: DndPolicy::Drop, ..dnd };
        assert_eq!(quiet(Some(drop), night, 8), Quiet::Drop);
        assert_eq!(quiet(Some(drop), night + 9 * HOUR_MS, 8), Quiet::No);
        assert_eq!(quiet(None, night, 8), Quiet::No);
    }
}
