//! Formatting of what the dashboard shows: money in 元 from 分, local times and days, filter query strings. The
//! markup itself is built by the templates ([`super::view`]).

use crate::money::Fen;

/// The query string of a filter form: the non-empty (trimmed) fields, in order.
pub fn filter_query(fields: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

/// 1234 分 → `12.34`.
pub fn yuan(f: Fen) -> String {
    let sign = if f.0 < 0 { "-" } else { "" };
    let a = f.0.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Unix ms → `2026-11-29 13:05` in the given UTC offset (hours).
pub fn datetime(ms: i64, utc_offset_hours: i64) -> String {
    let secs = ms.div_euclid(1000) + utc_offset_hours * 3600;
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()),
        Err(_) => "-".into(),
    }
}

/// Days since 1970-01-01 → `11-29`.
pub fn day_label(day: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(day * 86_400) {
        Ok(t) => format!("{:02}-{:02}", u8::from(t.month()), t.day()),
        Err(_) => day.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fen_as_yuan() {
        assert_eq!(yuan(Fen(123456)), "1234.56");
        assert_eq!(yuan(Fen(-5)), "-0.05");
        assert_eq!(yuan(Fen(0)), "0.00");
    }

    #[test]
    fn formats_local_times_and_days() {
        // 2026-11-29 05:00 UTC = 13:00 in UTC+8
        assert_eq!(datetime(1_795_928_400_000, 8), "2026-11-29 13:00");
        assert_eq!(day_label(20_786), "11-29");
    }
}
