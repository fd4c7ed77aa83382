//! The clock: system time plus an offset that tests move forward (stale messages, daily check-ins, expiry).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        crate::store::now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// How far this clock is ahead of the system time, milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Exponential backoff for retries: `base_ms × 2^(attempts-1)`, capped at `max_ms` (the outbox's sends and the
/// inbox's messages).
pub fn backoff_ms(base_ms: u64, max_ms: u64, attempts: i64) -> i64 {
    let exp = (attempts - 1).clamp(0, 30) as u32;
    let base = i64::try_from(base_ms).unwrap_or(i64::MAX);
    base.saturating_mul(1_i64 << exp).min(i64::try_from(max_ms).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_up_to_the_cap_without_overflow() {
        assert_eq!(backoff_ms(1000, 5000, 1), 1000);
        assert_eq!(backoff_ms(1000, 5000, 2), 2000);
        assert_eq!(backoff_ms(1000, 5000, 4), 5000);
        assert_eq!(backoff_ms(1000, 5000, 99), 5000);
        assert_eq!(backoff_ms(u64::MAX, u64::MAX, 9), i64::MAX);
    }
}
