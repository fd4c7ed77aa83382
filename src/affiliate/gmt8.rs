//! Time in GMT+8, the zone of every union's wire dates: `yyyy-MM-dd HH:mm:ss` both ways, and calendar dates.

use time::format_description::BorrowedFormatItem;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub const OFFSET: UtcOffset = offset!(+8);

/// `yyyy-MM-dd HH:mm:ss`.
const DATE_TIME: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Unix second `unix` as `yyyy-MM-dd HH:mm:ss`; empty when out of range.
pub fn format(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.to_offset(OFFSET).format(DATE_TIME).ok())
        .unwrap_or_default()
}

/// `yyyy-MM-dd HH:mm:ss` → unix seconds.
pub fn parse(s: &str) -> Option<i64> {
    PrimitiveDateTime::parse(s, DATE_TIME).ok().map(|t| t.assume_offset(OFFSET).unix_timestamp())
}

/// The calendar date of unix second `unix`.
pub fn date(unix: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(unix).map(|t| t.to_offset(OFFSET).date()).unwrap_or(Date::MIN)
}
