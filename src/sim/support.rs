//! Pieces shared by the simulated affiliate gateways: form decoding, a settable business clock, GMT+8 times,
//! call counters, an optional QPS throttle, a queue of injected faults, deterministic token generation and the
//! pieces of product links.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::RangeInclusive;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use url::Url;

/// China Standard Time, the zone of every platform timestamp.
pub const GMT8: UtcOffset = offset!(+8);

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The machine's wall clock in unix seconds.
pub fn wall_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `yyyy-MM-dd HH:mm:ss` in GMT+8.
pub fn format_gmt8(unix: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.to_offset(GMT8).format(&fmt).ok()).unwrap_or_default()
}

/// Parses `yyyy-MM-dd HH:mm:ss` (GMT+8), also with the `.SSS+0800` suffix JOS accepts.
pub fn parse_gmt8(s: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let (head, tail) = if s.len() > 19 && s.is_char_boundary(19) { s.split_at(19) } else { (s, "") };
    if !tail.is_empty() {
        let b = tail.as_bytes();
        let ok = b.len() == 9 && b[0] == b'.' && b[1..4].iter().all(u8::is_ascii_digit) && &b[4..] == b"+0800";
        if !ok {
            return None;
        }
    }
    PrimitiveDateTime::parse(head, &fmt).ok().map(|t| t.assume_offset(GMT8).unix_timestamp())
}

/// The calendar date of a unix time in GMT+8.
pub fn date_gmt8(unix: i64) -> Option<time::Date> {
    OffsetDateTime::from_unix_timestamp(unix).ok().map(|t| t.to_offset(GMT8).date())
}

/// Decodes `application/x-www-form-urlencoded` parameters from the query string and the body (body wins).
pub fn decode_form(query: Option<&str>, body: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(q) = query {
        out.extend(url::form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    out.extend(url::form_urlencoded::parse(body).into_owned());
    out
}

/// Largest accepted distance between a request's timestamp and the wall clock unless a test sets another.
const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(600);

/// A simulated union's clocks: the business clock, the wall clock shifted by an offset or a fixed instant, on
/// which order lifecycles and time windows run; and how far a request's timestamp may be from the wall clock (the
/// client signs with its own).
#[derive(Debug)]
pub struct SimClock {
    state: Mutex<ClockState>,
    max_skew_secs: AtomicU64,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock { state: Mutex::default(), max_skew_secs: AtomicU64::new(DEFAULT_MAX_SKEW.as_secs()) }
    }
}

#[derive(Debug, Clone, Copy)]
enum ClockState {
    Offset(i64),
    Fixed(i64),
}

impl Default for ClockState {
    fn default() -> Self {
        ClockState::Offset(0)
    }
}

impl SimClock {
    /// The business clock, unix seconds.
    pub fn now(&self) -> i64 {
        match *lock(&self.state) {
            ClockState::Offset(o) => wall_now() + o,
            ClockState::Fixed(t) => t,
        }
    }

    /// Freezes the business clock at `unix` seconds, or returns to the wall clock with `None`.
    pub fn set(&self, unix: Option<i64>) {
        *lock(&self.state) = match unix {
            Some(t) => ClockState::Fixed(t),
            None => ClockState::Offset(0),
        };
    }

    /// Moves the business clock forward.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 4);
        let mut s = lock(&self.state);
        *s = match *s {
            ClockState::Offset(o) => ClockState::Offset(o + secs),
            ClockState::Fixed(t) => ClockState::Fixed(t + secs),
        };
    }

    /// Largest accepted distance between a request's timestamp and the wall clock (default 10 min).
    pub fn set_max_skew(&self, skew: Duration) {
        self.max_skew_secs.store(skew.as_secs(), Ordering::SeqCst);
    }

    /// Whether a request's timestamp (unix seconds) is close enough to the wall clock.
    pub fn is_fresh(&self, timestamp: i64) -> bool {
        timestamp.abs_diff(wall_now()) <= self.max_skew_secs.load(Ordering::SeqCst)
    }
}

/// What every simulated union keeps for its gateway checks and its tests' controls ([`union_controls!`]).
pub struct Controls<F> {
    pub clock: SimClock,
    pub calls: CallCounter,
    pub throttle: Throttle,
    pub faults: FaultQueue<F>,
}

impl<F> Default for Controls<F> {
    fn default() -> Self {
        Controls {
            clock: SimClock::default(),
            calls: CallCounter::default(),
            throttle: Throttle::default(),
            faults: FaultQueue::default(),
        }
    }
}

/// The controls every simulated union gives its tests: the business clock, the timestamp tolerance, a QPS budget,
/// injected faults and call counts. Expands inside the sim's `impl`, delegating to its `inner.controls`
/// ([`Controls`]); `$fault` is the union's fault type and `$throttled` what it answers calls over the budget with.
macro_rules! union_controls {
    ($fault:ty, $throttled:literal) => {
        /// The business clock (order lifecycles, query windows, token expiry), unix seconds.
        pub fn now(&self) -> i64 {
            self.inner.controls.clock.now()
        }

        /// Freezes the business clock at `unix` seconds; `None` follows the wall clock.
        pub fn set_now(&self, unix: Option<i64>) {
            self.inner.controls.clock.set(unix);
        }

        /// Moves the business clock forward.
        pub fn advance(&self, by: std::time::Duration) {
            self.inner.controls.clock.advance(by);
        }

        /// Largest accepted distance between a request's timestamp and the wall clock (default 10 min).
        pub fn set_max_skew(&self, skew: std::time::Duration) {
            self.inner.controls.clock.set_max_skew(skew);
        }

        #[doc = concat!("Per-app QPS budget; over it calls answer ", $throttled, ". `None` (default) never throttles.")]
        pub fn set_qps_limit(&self, qps: Option<u32>) {
            self.inner.controls.throttle.set_qps(qps);
        }

        /// Answers the next `times` requests that pass the gateway checks with `fault`.
        pub fn inject(&self, fault: $fault, times: u32) {
            self.inner.controls.faults.push(fault, times);
        }

        /// Drops the injected faults not used yet.
        pub fn clear_faults(&self) {
            self.inner.controls.faults.clear();
        }

        /// Requests received for this API (its `method` or `type` parameter), accepted or not.
        pub fn calls(&self, api: &str) -> u64 {
            self.inner.controls.calls.get(api)
        }
    };
}
pub(crate) use union_controls;

/// Requests seen per `method` parameter.
#[derive(Debug, Default)]
pub struct CallCounter {
    counts: Mutex<HashMap<String, u64>>,
}

impl CallCounter {
    pub fn record(&self, method: &str) {
        *lock(&self.counts).entry(method.to_string()).or_insert(0) += 1;
    }

    pub fn get(&self, method: &str) -> u64 {
        lock(&self.counts).get(method).copied().unwrap_or(0)
    }
}

/// An optional per-app token bucket: `qps` calls per second, bursting to `qps`.
#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<Option<(f64, f64, Instant)>>,
}

impl Throttle {
    pub fn set_qps(&self, qps: Option<u32>) {
        *lock(&self.state) = qps.map(|q| {
            let q = f64::from(q.max(1));
            (q, q, Instant::now())
        });
    }

    /// Takes a token; false when the caller is over its budget.
    pub fn allow(&self) -> bool {
        let mut s = lock(&self.state);
        let Some((rate, tokens, last)) = s.as_mut() else { return true };
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * *rate).min(*rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Faults to answer the next requests with, in order.
#[derive(Debug)]
pub struct FaultQueue<F> {
    queue: Mutex<VecDeque<F>>,
}

impl<F> Default for FaultQueue<F> {
    fn default() -> Self {
        FaultQueue { queue: Mutex::new(VecDeque::new()) }
    }
}

impl<F: Clone> FaultQueue<F> {
    pub fn push(&self, fault: F, times: u32) {
        let mut q = lock(&self.queue);
        for _ in 0..times {
            q.push_back(fault.clone());
        }
    }

    pub fn next(&self) -> Option<F> {
        lock(&self.queue).pop_front()
    }

    pub fn clear(&self) {
        lock(&self.queue).clear();
    }
}

const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` base-62 characters derived from `parts` (deterministic; up to 64 characters).
pub fn token(parts: &[&[u8]], len: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    let a: [u8; 32] = h.finalize().into();
    let b: [u8; 32] = Sha256::digest(a).into();
    a.iter().chain(b.iter()).take(len).map(|x| BASE62[usize::from(*x) % 62] as char).collect()
}

/// A deterministic 64-bit value derived from `parts`.
pub fn hash64(parts: &[&[u8]]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    let d: [u8; 32] = h.finalize().into();
    let mut w = [0u8; 8];
    w.copy_from_slice(&d[..8]);
    u64::from_le_bytes(w)
}

/// `text` as an `http`/`https` URL.
pub fn web_url(text: &str) -> Option<Url> {
    Url::parse(text).ok().filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// The value of the query parameter `name`.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The only segment of a URL path, with or without a trailing slash: `/Qm7Zt2K/` → `Qm7Zt2K`.
pub fn single_segment(path: &str) -> Option<&str> {
    let seg = path.strip_prefix('/')?;
    let seg = seg.strip_suffix('/').unwrap_or(seg);
    if seg.is_empty() || seg.contains('/') { None } else { Some(seg) }
}

/// A numeric id of `digits` decimal digits.
pub fn numeric_id(s: &str, digits: RangeInclusive<usize>) -> Option<u64> {
    if digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

/// Whether `s` is `len` ASCII letters and digits.
pub fn alphanumeric(s: &str, len: RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// 分 as a JSON number in 元 (the JD wire unit). Two-decimal values print exactly through their shortest form.
pub fn yuan_number(fen: i64) -> serde_json::Value {
    serde_json::Number::from_f64(fen as f64 / 100.0).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// Basis points as a JSON number in percent (the JD wire unit).
pub fn percent_number(bps: i64) -> serde_json::Value {
    serde_json::Number::from_f64(bps as f64 / 100.0).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// 分 as a `"12.90"` 元 string (the Taobao wire unit). The simulators format money themselves, not through the
/// clients' `money` module, so a unit bug there cannot cancel out against its own parser.
pub fn yuan_string(fen: i64) -> String {
    hundredths(fen)
}

/// 分 as `"12.9"` / `"13"` 元: the Taobao coupon fields, trailing zeros dropped.
pub fn yuan_compact(fen: i64) -> String {
    let s = hundredths(fen);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Basis points as a `"15.50"` percent string (Taobao orders).
pub fn percent_string(bps: i64) -> String {
    hundredths(bps)
}

/// An integer count of hundredths as a decimal string with two places: `-1290` → `"-12.90"`.
fn hundredths(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let a = n.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt8_round_trips_and_accepts_the_millisecond_form() {
        let t = 1_704_081_600; // 2024-01-01 12:00:00 +08:00
        assert_eq!(format_gmt8(t), "2024-01-01 12:00:00");
        assert_eq!(parse_gmt8("2024-01-01 12:00:00"), Some(t));
        assert_eq!(parse_gmt8("2024-01-01 12:00:00.683+0800"), Some(t));
        assert_eq!(parse_gmt8("2024-01-01 12:00:00+0900"), None);
        assert_eq!(parse_gmt8("yesterday"), None);
        assert_eq!(parse_gmt8("2024-01-01 12:00:00.6８3+0800"), None);
    }

    #[test]
    fn clock_can_be_frozen_and_advanced() {
        let c = SimClock::default();
        c.set(Some(100));
        c.advance(Duration::from_secs(50));
        assert_eq!(c.now(), 150);
        c.set(None);
        c.advance(Duration::from_secs(3600));
        assert!((c.now() - wall_now() - 3600).abs() <= 1);
    }

    #[test]
    fn throttle_refuses_over_budget_and_units_render_exactly() {
        let t = Throttle::default();
        assert!(t.allow());
        t.set_qps(Some(2));
        assert!(t.allow() && t.allow());
        assert!(!t.allow());
        assert_eq!(yuan_number(1290).to_string(), "12.9");
        assert_eq!(yuan_number(6900).to_string(), "69.0");
        assert_eq!(percent_number(500).to_string(), "5.0");
        assert_eq!(percent_string(135), "1.35");
        assert_eq!(yuan_string(-1290), "-12.90");
        assert_eq!(yuan_string(5), "0.05");
        assert_eq!(yuan_compact(1290), "12.9");
        assert_eq!(yuan_compact(1300), "13");
        assert_eq!(yuan_compact(1), "0.01");
        assert_eq!(token(&[b"a"], 7).len(), 7);
        assert_eq!(token(&[b"a"], 7), token(&[b"a"], 7));
    }
}
