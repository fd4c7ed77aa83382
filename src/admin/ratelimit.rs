//! Login rate limiting: at most `max_failures` wrong passwords per user name within a sliding window; beyond
//! that every attempt for the name (right password or not) is refused until the oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// More names than this are never tracked at once; the stalest entries are dropped first.
const MAX_KEYS: usize = 10_000;

#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        LoginLimiter { max_failures: max_failures.max(1) as usize, window, failures: Mutex::default() }
    }

    fn key(name: &str) -> String {
        name.trim().to_lowercase()
    }

    /// `Err(retry_after)` when `name` is locked out now.
    pub fn check(&self, name: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(q) = map.get_mut(&Self::key(name)) else { return Ok(()) };
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            let oldest = q.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1)));
        }
        Ok(())
    }

    pub fn record_failure(&self, name: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let q = map.entry(Self::key(name)).or_default();
        q.push_back(now);
        while q.len() > self.max_failures {
            q.pop_front();
        }
    }

    pub fn record_success(&self, name: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&Self::key(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_a_name_after_the_allowed_failures_and_only_that_name() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("Boss").is_ok());
            l.record_failure("boss");
        }
        let wait = l.check("BOSS ").unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(l.check("other").is_ok());
    }

    #[test]
    fn failures_leave_the_window_and_success_clears_them() {
        let l = LoginLimiter::new(2, Duration::from_millis(30));
        l.record_failure("a");
        l.record_failure("a");
        assert!(l.check("a").is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(l.check("a").is_ok());
        l.record_failure("b");
        l.record_success("b");
        l.record_failure("b");
        assert!(l.check("b").is_ok());
    }
}
