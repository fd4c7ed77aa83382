//! Which item a group gets next: the first candidate (in the plan's order) that the group has not been sent within
//! the de-duplication period, across all plans and the group's own replies.

use std::collections::HashMap;

/// What a group was sent: item key → the last time (unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupHistory {
    last_sent: HashMap<String, i64>,
}

impl GroupHistory {
    pub fn from_sent(sent: impl IntoIterator<Item = (String, i64)>) -> GroupHistory {
        let mut h = GroupHistory::default();
        for (key, at) in sent {
            h.record(&key, at);
        }
        h
    }

    pub fn record(&mut self, key: &str, at: i64) {
        let e = self.last_sent.entry(key.to_string()).or_insert(at);
        *e = (*e).max(at);
    }

    /// True when `key` went to the group within `period_secs` before `now`.
    pub fn recently_sent(&self, key: &str, now: i64, period_secs: i64) -> bool {
        self.last_sent.get(key).is_some_and(|at| now - at < period_secs)
    }
}

/// The candidates a group may get at `now`, in order: those not sent to it within `period_secs`.
pub fn eligible<'c, T>(
    candidates: &'c [T],
    key: impl Fn(&T) -> &str,
    history: &GroupHistory,
    now: i64,
    period_secs: i64,
) -> Vec<&'c T> {
    candidates.iter().filter(|c| !history.recently_sent(key(c), now, period_secs)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posting::schedule::{Cadence, Placement, Schedule};

    const DAY: i64 = 86_400;
    const DAY0: i64 = 1_772_380_800;

    #[test]
    fn over_two_days_no_group_gets_an_item_twice_within_the_period() {
        let schedule = Schedule {
            windows: vec!["9-22".parse().unwrap()],
            cadence: Cadence::EveryMinutes(30),
            cap_per_hour: 2,
            cap_per_day: 0,
        };
        let candidates: Vec<String> = (0..40).map(|i| format!("item{i:02}")).collect();
        let period = DAY;
        for g in 0..3 {
            let place = Placement { index: g, of: 3, utc_offset_hours: 8, dnd: None };
            let mut history = GroupHistory::default();
            let mut posts: Vec<(i64, String)> = Vec::new();
            for t in schedule.slots(place, DAY0, DAY0 + 2 * DAY) {
                if let Some(item) = eligible(&candidates, |c| c.as_str(), &history, t, period).first().copied() {
                    history.record(item, t);
                    posts.push((t, item.clone()));
                }
            }
            // 26 slots a day, 40 candidates, one-day period: every slot is served; items come back after a day.
            assert_eq!(posts.len(), 52);
            for (i, (t, item)) in posts.iter().enumerate() {
                for (t2, item2) in &posts[i + 1..] {
                    if item == item2 {
                        assert!(t2 - t >= period, "group {g}: {item} twice within a day");
                    }
                }
            }
            assert_eq!(posts[0].1, "item00");
            assert_eq!(posts[25].1, "item25");
            assert_eq!(posts[26].1, "item00", "a full period later the first item is due again");
        }
    }

    #[test]
    fn with_too_few_candidates_slots_stay_empty_rather_than_repeat() {
        let candidates = ["a", "b"];
        let mut history = GroupHistory::default();
        let mut sent = Vec::new();
        for t in [0, 1800, 3600, 5400] {
            if let Some(item) = eligible(&candidates, |c| c, &history, t, 7 * DAY).first().copied() {
                history.record(item, t);
                sent.push(*item);
            }
        }
        assert_eq!(sent, ["a", "b"]);
        let history = GroupHistory::from_sent([("a".to_string(), 0)]);
        assert!(history.recently_sent("a", DAY - 1, DAY));
        assert!(!history.recently_sent("a", DAY, DAY));
        assert!(!history.recently_sent("b", 0, DAY));
    }
}
