//! Cross-cutting protection for outbound platform calls: a token bucket per app (QPS), a circuit breaker per
//! platform, and the retry-with-backoff policy for retryable errors only.

use super::{AffiliateError, RetryClass};
use crate::platform::Platform;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `qps` tokens per second, bursting up to `qps` (at least 1).
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(qps: u32) -> Self {
        let rate = f64::from(qps.max(1));
        TokenBucket { rate, capacity: rate, state: Mutex::new((rate, Instant::now())) }
    }

    /// Waits until a token is available, then takes it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
                s.0 = (s.0 + refill).min(self.capacity);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.0) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

/// A circuit breaker: opens after `threshold` consecutive platform failures, lets one probe through after
/// `cool_down`, closes again on success.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    state: Mutex<(u32, Option<Instant>)>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker { threshold: threshold.max(1), cool_down, state: Mutex::new((0, None)) }
    }

    pub fn state(&self) -> BreakerState {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match s.1 {
            None => BreakerState::Closed,
            Some(opened) if opened.elapsed() >= self.cool_down => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        }
    }

    /// True when a call may go out now.
    pub fn allow(&self) -> bool {
        self.state() != BreakerState::Open
    }

    pub fn record_success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *s = (0, None);
    }

    pub fn record_failure(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 += 1;
        if s.0 >= self.threshold {
            s.1 = Some(Instant::now());
        }
    }
}

/// Throttle, breaker and retry policy for one platform client.
#[derive(Debug)]
pub struct CallGuard {
    pub platform: Platform,
    pub bucket: TokenBucket,
    pub breaker: CircuitBreaker,
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    pub base_backoff: Duration,
}

impl CallGuard {
    pub fn new(platform: Platform, qps: u32, max_attempts: u32, base_backoff: Duration) -> Self {
        CallGuard {
            platform,
            bucket: TokenBucket::new(qps),
            breaker: CircuitBreaker::new(5, Duration::from_secs(30)),
            max_attempts: max_attempts.max(1),
            base_backoff,
        }
    }

    /// Runs `call` under the bucket and the breaker, retrying [`RetryClass::Backoff`] errors with exponential
    /// backoff (or the platform's own `retry_after`). Other errors return at once.
    pub async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, AffiliateError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AffiliateError>>,
    {
        let mut attempt = 0;
        loop {
            if !self.breaker.allow() {
                return Err(AffiliateError::CircuitOpen(self.platform));
            }
            self.bucket.acquire().await;
            attempt += 1;
            match call().await {
                Ok(v) => {
                    self.breaker.record_success();
                    return Ok(v);
                }
                Err(e) if e.retry_class() == RetryClass::Backoff => {
                    // Throttling means "slow down", not "the platform is down": it backs off without
                    // counting towards the breaker.
                    if !matches!(e, AffiliateError::RateLimited { .. }) {
                        self.breaker.record_failure();
                    }
                    if attempt >= self.max_attempts {
                        return Err(e);
                    }
                    let backoff = match &e {
                        AffiliateError::RateLimited { retry_after: Some(d) } => *d,
                        _ => self.base_backoff * 2u32.saturating_pow(attempt - 1),
                    };
                    tracing::warn!(platform = %self.platform, attempt, error = %e, ?backoff, "retrying platform call");
                    tokio::time::sleep(backoff.min(Duration::from_secs(10))).await;
                }
                Err(e) => {
                    // A business answer proves the platform is up.
                    self.breaker.record_success();
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn breaker_opens_after_threshold_and_half_opens_after_cool_down() {
        let b = CircuitBreaker::new(2, Duration::from_millis(0));
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Closed);
        b.record_failure();
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let b = CircuitBreaker::new(1, Duration::from_secs(60));
        b.record_failure();
        assert!(!b.allow());
        b.record_success();
        assert!(b.allow());
    }

    #[tokio::test]
    async fn retries_only_retryable_errors() {
        let g = CallGuard::new(Platform::Pdd, 1000, 3, Duration::from_millis(1));
        let n = AtomicU32::new(0);
        let r: Result<(), _> = g
            .run(|| async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(AffiliateError::Unavailable { code: "52103".into(), msg: "x".into() })
            })
            .await;
        assert!(r.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 3);

        let n = AtomicU32::new(0);
        let r: Result<(), _> = g
            .run(|| async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(AffiliateError::Rejected { code: "10000".into(), msg: "参数错误".into() })
            })
            .await;
        assert!(r.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn throttling_backs_off_without_opening_the_breaker() {
        let g = CallGuard::new(Platform::Pdd, 1000, 2, Duration::from_millis(1));
        for _ in 0..5 {
            let r: Result<(), _> = g.run(|| async { Err(AffiliateError::RateLimited { retry_after: None }) }).await;
            assert!(matches!(r, Err(AffiliateError::RateLimited { .. })));
        }
        assert_eq!(g.breaker.state(), BreakerState::Closed);
        for _ in 0..3 {
            let _: Result<(), _> =
                g.run(|| async { Err(AffiliateError::Unavailable { code: "52103".into(), msg: "x".into() }) }).await;
        }
        assert_eq!(g.breaker.state(), BreakerState::Open);
    }
}
