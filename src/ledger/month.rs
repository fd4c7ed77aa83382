//! Monthly statements (月度对账单) of a partner or agent: the calendar month in the app's local time, and the
//! month's orders, shares, adjustments, payouts and opening and closing balances from the ledger's entries.

use super::rules::Buckets;
use crate::store::finance::{MonthFigures, StatementOrder};
use crate::store::ledger::AccountKind;
use crate::store::{Store, StoreResult};

const DAY_MS: i64 = 86_400_000;
/// Most orders listed in one statement.
pub const MAX_ORDERS: i64 = 5_000;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    /// `2026-12` (years 2000..=2100).
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        let (year, month) = (y.parse::<i32>().ok()?, m.parse::<u8>().ok()?);
        ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The local month of an instant (unix ms).
    pub fn of(at_ms: i64, utc_offset_hours: i64) -> Month {
        let day = (at_ms + utc_offset_hours * 3_600_000).div_euclid(DAY_MS);
        match time::Date::from_julian_day((day + 2_440_588) as i32) {
            Ok(d) => Month { year: d.year(), month: u8::from(d.month()) },
            Err(_) => Month { year: 1970, month: 1 },
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    /// Days since 1970-01-01 of the month's first day.
    pub fn first_day(self) -> i64 {
        let month = time::Month::try_from(self.month).unwrap_or(time::Month::January);
        time::Date::from_calendar_date(self.year, month, 1)
            .map(|d| i64::from(d.to_julian_day()) - 2_440_588)
            .unwrap_or(0)
    }

    /// The local days `[first, end)` of the month.
    pub fn days(self) -> (i64, i64) {
        (self.first_day(), self.next().first_day())
    }

    /// The month as unix ms `[since, until)` at UTC+`utc_offset_hours`.
    pub fn range_ms(self, utc_offset_hours: i64) -> (i64, i64) {
        let (a, b) = self.days();
        let shift = utc_offset_hours * 3_600_000;
        (a * DAY_MS - shift, b * DAY_MS - shift)
    }

    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// What the operator owes on an account: pending, available and being withdrawn, less debt.
pub fn balance(b: &Buckets) -> i64 {
    b.pending + b.available + b.withdrawing - b.debt
}

/// One partner's month: their share as partner and as agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyStatement {
    pub partner_id: i64,
    pub month: Month,
    /// The partner account, then the agent account.
    pub accounts: [MonthFigures; 2],
    pub orders: Vec<StatementOrder>,
}

impl MonthlyStatement {
    pub async fn load(store: &Store, partner_id: i64, month: Month, utc_offset_hours: i64) -> StoreResult<Self> {
        let (since, until) = month.range_ms(utc_offset_hours);
        let (first, end) = month.days();
        Ok(MonthlyStatement {
            partner_id,
            month,
            accounts: [
                store.month_figures((AccountKind::Partner, partner_id), since, until).await?,
                store.month_figures((AccountKind::Agent, partner_id), since, until).await?,
            ],
            orders: store.statement_orders(partner_id, first, end, MAX_ORDERS).await?,
        })
    }

    /// The month's commission of the listed orders.
    pub fn commission(&self) -> i64 {
        self.orders.iter().map(|o| o.commission).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_bound_in_local_time() {
        assert_eq!(Month::parse("2026-12"), Some(Month { year: 2026, month: 12 }));
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("abc"), None);
        let m = Month { year: 2026, month: 12 };
        assert_eq!(m.next(), Month { year: 2027, month: 1 });
        // 2026-12-01 00:00 at UTC+8 is 2026-11-30 16:00 UTC.
        let (since, until) = m.range_ms(8);
        assert_eq!(since, 1_796_083_200_000 - 8 * 3_600_000);
        assert_eq!(until - since, 31 * 86_400_000);
        assert_eq!(Month::of(since, 8), m);
        assert_eq!(Month::of(since - 1, 8), Month { year: 2026, month: 11 });
        assert_eq!(Month::of(since, 0), Month { year: 2026, month: 11 });
    }
}
