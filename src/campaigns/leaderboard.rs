//! The monthly leaderboards (排行榜): check-in days and newcomers brought in, per group, this local month.

use crate::store::leaderboards::Ranked;
use crate::store::{Store, StoreResult};
use time::{Date, Duration, Month};

/// The local days `[first, next_first)` of the month holding local day `day` (days since 1970-01-01).
pub fn month_of(day: i64) -> (i64, i64) {
    let epoch = Date::from_calendar_date(1970, Month::January, 1).unwrap_or(Date::MIN);
    let date = epoch.checked_add(Duration::days(day)).unwrap_or(epoch);
    let first = date.replace_day(1).unwrap_or(date);
    let next = first
        .replace_day(1)
        .ok()
        .and_then(|d| d.checked_add(Duration::days(31)))
        .and_then(|d| d.replace_day(1).ok())
        .unwrap_or(first);
    let since_epoch = |d: Date| (d - epoch).whole_days();
    (since_epoch(first), since_epoch(next))
}

/// The month's two boards for a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boards {
    pub checkins: Vec<Ranked>,
    pub invites: Vec<Ranked>,
}

pub async fn boards(
    store: &Store,
    group_id: Option<i64>,
    today: i64,
    utc_offset_hours: i64,
    size: i64,
    min_stay_ms: i64,
) -> StoreResult<Boards> {
    let (first, next) = month_of(today);
    let checkins = store.checkin_board(group_id, first, next, size).await?;
    let from_ms = (first * 86_400 - utc_offset_hours * 3600) * 1000;
    let to_ms = (next * 86_400 - utc_offset_hours * 3600) * 1000;
    let invites = store.invite_board(group_id, from_ms, to_ms, size, min_stay_ms).await?;
    Ok(Boards { checkins, invites })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_day_to_the_next_months_first_day() {
        // 2026-02-14 is day 20498; February 2026 has 28 days.
        let feb14 = 20_498;
        let (first, next) = month_of(feb14);
        assert_eq!((first, next), (feb14 - 13, feb14 - 13 + 28));
        // December rolls into January of the next year.
        let dec31_2026 = 20_818;
        assert_eq!(month_of(dec31_2026), (dec31_2026 - 30, dec31_2026 + 1));
        assert_eq!(month_of(dec31_2026 + 1).0, dec31_2026 + 1);
    }
}
