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

/// A circuit breaker: opens after `threshold` consecutive platform failures; after `cool_down` it lets exactly
/// one probe through (every other caller is refused until the probe reports), closes again on the probe's success
/// and re-opens on its failure. A probe that never reports (its caller was dropped) is replaced after another
/// `cool_down`.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    state: Mutex<BreakerInner>,
}

#[derive(Debug, Default)]
struct BreakerInner {
    failures: u32,
    opened: Option<Instant>,
    /// When the current half-open probe went out.
    probe: Option<Instant>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker { threshold: threshold.max(1), cool_down, state: Mutex::new(BreakerInner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerInner> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn state(&self) -> BreakerState {
        let s = self.lock();
        match s.opened {
            None => BreakerState::Closed,
            Some(opened) if opened.elapsed() >= self.cool_down => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        }
    }

    /// True when a call may go out now. Half-open, only the first caller gets `true` (it becomes the probe).
    pub fn allow(&self) -> bool {
        let mut s = self.lock();
        let Some(opened) = s.opened else { return true };
        if opened.elapsed() < self.cool_down {
            return false;
        }
        match s.probe {
            Some(sent) if sent.elapsed() < self.cool_down.max(Duration::from_millis(1)) => false,
            _ => {
                s.probe = Some(Instant::now());
                true
            }
        }
    }

    pub fn record_success(&self) {
        *self.lock() = BreakerInner::default();
    }

    pub fn record_failure(&self) {
        let mut s = self.lock();
        s.failures += 1;
        if s.failures >= self.threshold || s.probe.is_some() {
            s.opened = Some(Instant::now());
            s.probe = None;
        }
    }

    /// The call neither proved nor disproved the platform (throttled): a half-open breaker lets the next probe
    /// through.
    pub fn record_inconclusive(&self) {
        self.lock().probe = None;
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
                    if matches!(e, AffiliateError::RateLimited { .. }) {
                        self.breaker.record_inconclusive();
                    } else {
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

    #[test]
    fn half_open_lets_exactly_one_probe_through() {
        let b = CircuitBreaker::new(1, Duration::from_secs(30));
        let cool_down_over = |b: &CircuitBreaker| b.lock().opened = Some(Instant::now() - Duration::from_secs(31));
        b.record_failure();
        assert_eq!((0..50).filter(|_| b.allow()).count(), 0, "open: nobody");
        cool_down_over(&b);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert_eq!((0..50).filter(|_| b.allow()).count(), 1, "one probe, the other callers refused");
        // The probe fails: open again, then one new probe after the cool-down.
        b.record_failure();
        assert_eq!(b.state(), BreakerState::Open);
        cool_down_over(&b);
        assert_eq!((0..50).filter(|_| b.allow()).count(), 1);
        // A throttled probe proves nothing: the next caller probes.
        b.record_inconclusive();
        assert_eq!((0..50).filter(|_| b.allow()).count(), 1);
        // The probe succeeds: closed, everybody through.
        b.record_success();
        assert_eq!((0..50).filter(|_| b.allow()).count(), 50);
    }

    #[tokio::test]
    async fn concurrent_callers_after_the_cool_down_send_one_probe() {
        let g = std::sync::Arc::new(CallGuard::new(Platform::Jd, 1000, 1, Duration::from_millis(1)));
        for _ in 0..5 {
            let _: Result<(), _> =
                g.run(|| async { Err(AffiliateError::Unavailable { code: "2002500".into(), msg: "x".into() }) }).await;
        }
        assert_eq!(g.breaker.state(), BreakerState::Open);
        // Pretend the cool-down is over.
        g.breaker.lock().opened = Some(Instant::now() - Duration::from_secs(31));
        let calls = std::sync::Arc::new(AtomicU32::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (g, calls, gate) = (g.clone(), calls.clone(), gate.clone());
            tasks.spawn(async move {
                g.run(|| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let mut gate = gate.clone();
                    async move {
                        let _ = gate.wait_for(|open| *open).await;
                        Ok::<(), AffiliateError>(())
                    }
                })
                .await
            });
        }
        // Everybody but the probe is answered at once; the probe waits for the gate.
        let mut refused = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while refused < 19 {
            match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                Ok(Some(r)) => {
                    assert!(matches!(r.unwrap(), Err(AffiliateError::CircuitOpen(_))));
                    refused += 1;
                }
                _ => break,
            }
        }
        let _ = release.send(true);
        let mut through = 0;
        while let Some(r) = tasks.join_next().await {
            through += usize::from(r.unwrap().is_ok());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "exactly one probe reached the platform");
        assert_eq!((refused, through), (19, 1));
        assert_eq!(g.breaker.state(), BreakerState::Closed);
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
