//! When a plan posts to each of its groups: a pure function of the plan's schedule, the group's place in the
//! plan's target list and a time range, so it can be checked on any clock.
//!
//! A plan posts inside its daily windows (local time, `08:30-22:30`), either every `interval` minutes from the start
//! of each window or at fixed times of day. The groups of one plan are staggered evenly across the interval (group
//! k of n starts `k × interval / n` later), so a fan-out is spread out instead of bursting. A slot is dropped when it
//! falls in the do-not-disturb hours, or when the group already has `cap_per_hour` posts in the hour before it
//! (rolling) or `cap_per_day` posts that local day.

use super::text;
use crate::engine::limits::QuietHours;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;

/// A daily window in local minutes, `start` inclusive to `end` exclusive (`end` > `start`; no wrap past midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimeWindow {
    pub start_min: u16,
    pub end_min: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a time window looks like 9-22 or 08:30-22:30 (start before end, within one day)")]
pub struct BadWindow;

/// `9`, `09`, `9:30`, `09:30`, `9点`, `24` (end only) → minutes of the day.
fn minutes(t: &str) -> Result<u16, BadWindow> {
    let t = t.trim().trim_end_matches(text::HOUR_SUFFIX).replace(text::FULL_WIDTH_COLON, ":");
    let (h, m) = match t.split_once(':') {
        Some((h, m)) => (h.trim(), m.trim()),
        None => (t.as_str(), "0"),
    };
    let h: u16 = h.parse().map_err(|_| BadWindow)?;
    let m: u16 = m.parse().map_err(|_| BadWindow)?;
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(BadWindow);
    }
    Ok(h * 60 + m)
}

impl FromStr for TimeWindow {
    type Err = BadWindow;

    /// `9-22`, `08:30-22:30`, `9点-22点`, `9~22`, `9至22`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.trim().split_once(text::WINDOW_SEPARATORS).ok_or(BadWindow)?;
        let (start_min, end_min) = (minutes(a)?, minutes(b)?);
        if start_min >= end_min {
            return Err(BadWindow);
        }
        Ok(TimeWindow { start_min, end_min })
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start_min / 60,
            self.start_min % 60,
            self.end_min / 60,
            self.end_min % 60
        )
    }
}

/// How often a plan posts inside its windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every this many minutes from each window's start.
    EveryMinutes(u32),
    /// At these local minutes of the day (those inside a window).
    At(Vec<u16>),
    /// Whenever a deal arrives (a collection plan), within the windows and the caps; no slots of its own.
    AsTheyCome,
}

/// A plan's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Schedule {
    pub windows: Vec<TimeWindow>,
    pub cadence: Cadence,
    /// Most posts per group in any hour (0 = no cap).
    pub cap_per_hour: u32,
    /// Most posts per group per local day (0 = no cap).
    pub cap_per_day: u32,
}

/// Shortest interval a plan may have, minutes.
pub const MIN_INTERVAL_MINUTES: u32 = 5;
/// Longest interval, minutes.
pub const MAX_INTERVAL_MINUTES: u32 = 24 * 60;

/// Where and when: the group's place among the plan's targets, local time, do-not-disturb hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// This group's index among the plan's `of` target groups.
    pub index: usize,
    pub of: usize,
    pub utc_offset_hours: i64,
    pub dnd: Option<QuietHours>,
}

impl Schedule {
    /// True when local time `t` (unix seconds) falls inside one of the windows.
    pub fn in_window(&self, t: i64, utc_offset_hours: i64) -> bool {
        let minute = (t + utc_offset_hours * 3600).rem_euclid(DAY) / MINUTE;
        self.windows.iter().any(|w| i64::from(w.start_min) <= minute && minute < i64::from(w.end_min))
    }

    /// The start (unix seconds) of the local day of `t`.
    pub fn local_day_start(t: i64, utc_offset_hours: i64) -> i64 {
        let offset = utc_offset_hours * 3600;
        (t + offset).div_euclid(DAY) * DAY - offset
    }

    /// The instants (unix seconds) in `[from, until)` at which the plan posts to the group at `place`, caps and
    /// do-not-disturb applied. Caps count only slots of this schedule (history before `from` is the caller's).
    pub fn slots(&self, place: Placement, from: i64, until: i64) -> Vec<i64> {
        let offset = place.utc_offset_hours * 3600;
        let stagger = match &self.cadence {
            Cadence::EveryMinutes(m) if place.of > 1 => {
                i64::from(*m) * MINUTE * (place.index % place.of) as i64 / place.of as i64
            }
            _ => 0,
        };
        // Candidate instants, local day by local day (from the day before `from` so that caps see its end).
        let first_day = (from + offset).div_euclid(DAY) - 1;
        let last_day = (until + offset).div_euclid(DAY);
        let mut out: Vec<i64> = Vec::new();
        for day in first_day..=last_day {
            let day_start = day * DAY - offset;
            let mut day_count = 0u32;
            for t in self.day_candidates(day_start, stagger) {
                if t >= until {
                    break;
                }
                let quiet = place.dnd.and_then(|q| q.quiet_until(t * 1000, place.utc_offset_hours)).is_some();
                if quiet {
                    continue;
                }
                if self.cap_per_day > 0 && day_count >= self.cap_per_day {
                    break;
                }
                let in_last_hour = out.iter().rev().take_while(|p| **p > t - 3600).count() as u32;
                if self.cap_per_hour > 0 && in_last_hour >= self.cap_per_hour {
                    continue;
                }
                day_count += 1;
                out.push(t);
            }
        }
        out.retain(|t| *t >= from);
        out
    }

    /// The cadence's instants of one local day, sorted, inside the windows.
    fn day_candidates(&self, day_start: i64, stagger: i64) -> Vec<i64> {
        let mut out = Vec::new();
        for w in &self.windows {
            let (ws, we) = (day_start + i64::from(w.start_min) * MINUTE, day_start + i64::from(w.end_min) * MINUTE);
            match &self.cadence {
                Cadence::EveryMinutes(m) => {
                    let step = i64::from((*m).max(1)) * MINUTE;
                    let mut t = ws + stagger;
                    while t < we {
                        out.push(t);
                        t += step;
                    }
                }
                Cadence::At(times) => {
                    out.extend(
                        times.iter().map(|m| day_start + i64::from(*m) * MINUTE).filter(|t| *t >= ws && *t < we),
                    );
                }
                Cadence::AsTheyCome => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02 00:00 Beijing time.
    const DAY0: i64 = 1_772_380_800;

    fn at(day: i64, h: i64, m: i64) -> i64 {
        DAY0 + day * DAY + h * 3600 + m * 60
    }

    fn plan(cadence: Cadence, cap_per_hour: u32, cap_per_day: u32) -> Schedule {
        Schedule { windows: vec!["09:00-22:00".parse().unwrap()], cadence, cap_per_hour, cap_per_day }
    }

    fn place(index: usize, of: usize) -> Placement {
        Placement { index, of, utc_offset_hours: 8, dnd: None }
    }

    #[test]
    fn three_groups_every_30_minutes_cap_2_per_hour_over_two_days() {
        let s = plan(Cadence::EveryMinutes(30), 2, 0);
        for g in 0..3 {
            let got = s.slots(place(g, 3), DAY0, DAY0 + 2 * DAY);
            // Group g starts 10 × g minutes after 09:00, then every 30 minutes while before 22:00.
            let mut want = Vec::new();
            for day in 0..2 {
                let mut m = 9 * 60 + 10 * g as i64;
                while m < 22 * 60 {
                    want.push(at(day, 0, m));
                    m += 30;
                }
            }
            assert_eq!(got, want, "group {g}");
            assert_eq!(got.len(), 52, "26 posts a day");
            assert_eq!(got.first(), Some(&at(0, 9, 10 * g as i64)));
            assert_eq!(got.last(), Some(&at(1, 21, 30 + 10 * g as i64)));
            for w in got.windows(3) {
                assert!(w[2] - w[0] >= 3600, "never three posts within an hour");
            }
        }
    }

    #[test]
    fn the_hourly_cap_thins_a_dense_cadence() {
        let s = plan(Cadence::EveryMinutes(20), 2, 0);
        let got = s.slots(place(0, 1), DAY0, DAY0 + DAY);
        // 09:00, 09:20, (09:40 dropped), 10:00, 10:20, (10:40) …: two posts in every rolling hour.
        assert_eq!(&got[..4], &[at(0, 9, 0), at(0, 9, 20), at(0, 10, 0), at(0, 10, 20)]);
        assert_eq!(got.len(), 26);
        for w in got.windows(3) {
            assert!(w[2] - w[0] >= 3600);
        }
    }

    #[test]
    fn the_daily_cap_and_do_not_disturb_drop_slots() {
        let s = plan(Cadence::EveryMinutes(60), 0, 5);
        let got = s.slots(place(0, 1), DAY0, DAY0 + 2 * DAY);
        assert_eq!(
            got,
            [9, 10, 11, 12, 13]
                .iter()
                .flat_map(|h| [at(0, *h, 0)])
                .chain([9, 10, 11, 12, 13].iter().map(|h| at(1, *h, 0)))
                .collect::<Vec<_>>()
        );
        let quiet = Placement { dnd: Some(QuietHours { start: 12, end: 20 }), ..place(0, 1) };
        let s = plan(Cadence::EveryMinutes(60), 0, 0);
        let got = s.slots(quiet, DAY0, DAY0 + DAY);
        assert_eq!(got, [9, 10, 11, 20, 21].iter().map(|h| at(0, *h, 0)).collect::<Vec<_>>());
    }

    #[test]
    fn fixed_times_and_several_windows() {
        let s = Schedule {
            windows: vec!["08:30-12:00".parse().unwrap(), "18-22:30".parse().unwrap()],
            cadence: Cadence::At(vec![8 * 60, 8 * 60 + 30, 11 * 60 + 59, 12 * 60, 20 * 60, 22 * 60 + 30]),
            cap_per_hour: 0,
            cap_per_day: 0,
        };
        let got = s.slots(place(1, 3), DAY0 + 9 * 3600, DAY0 + DAY);
        // 08:30 is before `from`; 08:00, 12:00 and 22:30 are outside the windows; fixed times are not staggered.
        assert_eq!(got, vec![at(0, 11, 59), at(0, 20, 0)]);
    }

    #[test]
    fn windows_parse_and_print() {
        assert_eq!("9-22".parse::<TimeWindow>(), Ok(TimeWindow { start_min: 540, end_min: 1320 }));
        assert_eq!("08:30-22:30".parse::<TimeWindow>().map(|w| w.to_string()), Ok("08:30-22:30".into()));
        assert_eq!("9点至22点".parse::<TimeWindow>().map(|w| w.end_min), Ok(1320));
        assert_eq!("0-24".parse::<TimeWindow>().map(|w| w.end_min), Ok(1440));
        for bad in ["22-9", "9-9", "9", "25-26", "9:60-10", "a-b", "24:30-25"] {
            assert_eq!(bad.parse::<TimeWindow>(), Err(BadWindow), "{bad}");
        }
    }
}
