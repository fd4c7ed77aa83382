//! Cross-cutting protection for outbound platform calls: a token bucket per app (QPS), a circuit breaker per
//! platform, and the retry-with-backoff policy for retryable errors only.

use super::{AffiliateError, RetryClass};
use crate::platform::Platform;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Who is waiting for a platform call, most urgent first: a member waiting for a reply goes before pre-send
/// validation and per-group conversions of posts, which go before feed refreshes, which go before order sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Member,
    Posting,
    FeedRefresh,
    OrderSync,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Member, Priority::Posting, Priority::FeedRefresh, Priority::OrderSync];

    fn index(self) -> usize {
        self as usize
    }
}

tokio::task_local! {
    static CALL_PRIORITY: Priority;
}

/// Runs `fut` with every platform call it makes (on this task) queued at `priority`. Background workers wrap
/// their loops in this; calls made outside any scope are [`Priority::Member`] (the reply path).
pub async fn with_priority<F: Future>(priority: Priority, fut: F) -> F::Output {
    CALL_PRIORITY.scope(priority, fut).await
}

/// The priority of platform calls made by the current task.
pub fn current_priority() -> Priority {
    CALL_PRIORITY.try_with(|p| *p).unwrap_or(Priority::Member)
}

/// A token bucket: `qps` tokens per second, bursting up to `qps` (at least 1). Waiters are served by
/// [`Priority`]: a token goes to a lower-priority waiter only while nobody of a higher priority waits.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    last: Instant,
    /// Callers waiting in `acquire`, per priority.
    waiting: [u32; 4],
}

/// Counts a caller as waiting for as long as it is inside `acquire` (also when its future is dropped).
struct Waiting<'a> {
    bucket: &'a TokenBucket,
    priority: Priority,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut s = self.bucket.lock();
        let n = &mut s.waiting[self.priority.index()];
        *n = n.saturating_sub(1);
    }
}

impl TokenBucket {
    pub fn new(qps: u32) -> Self {
        let rate = f64::from(qps.max(1));
        TokenBucket {
            rate,
            capacity: rate,
            state: Mutex::new(BucketState { tokens: rate, last: Instant::now(), waiting: [0; 4] }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BucketState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Callers waiting for a token at `priority`.
    pub fn waiting(&self, priority: Priority) -> u32 {
        self.lock().waiting[priority.index()]
    }

    /// Waits until a token is available and no caller of a higher priority waits, then takes it.
    pub async fn acquire(&self, priority: Priority) {
        self.lock().waiting[priority.index()] += 1;
        let _waiting = Waiting { bucket: self, priority };
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                let refill = now.duration_since(s.last).as_secs_f64() * self.rate;
                s.tokens = (s.tokens + refill).min(self.capacity);
                s.last = now;
                let outranked = s.waiting[..priority.index()].iter().any(|n| *n > 0);
                if s.tokens >= 1.0 && !outranked {
                    s.tokens -= 1.0;
                    return;
                }
                if s.tokens >= 1.0 {
                    // A more urgent caller is about to take this token; look again one token later.
                    Duration::from_secs_f64(1.0 / self.rate)
                } else {
                    Duration::from_secs_f64((1.0 - s.tokens) / self.rate)
                }
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

    /// Runs `call` under the bucket (at the task's [`current_priority`]) and the breaker, retrying [`RetryClass::Backoff`] errors with exponential
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
            self.bucket.acquire(current_priority()).await;
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

    /// Spawns one waiter per priority (least urgent first) on a drained one-token bucket and returns the order
    /// in which they got their tokens.
    async fn served_order(arrival: &[Priority]) -> Vec<Priority> {
        let bucket = std::sync::Arc::new(TokenBucket::new(1));
        bucket.acquire(Priority::Member).await;
        let served = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = tokio::task::JoinSet::new();
        for &p in arrival {
            let (b, served) = (bucket.clone(), served.clone());
            tasks.spawn(async move {
                b.acquire(p).await;
                served.lock().unwrap().push(p);
            });
            // Each waiter is queued before the next arrives (time is paused: no token refills meanwhile).
            while bucket.waiting(p) == 0 {
                tokio::task::yield_now().await;
            }
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
        served.lock().unwrap().clone()
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_member_call_goes_before_waiting_background_calls() {
        let arrival = [Priority::OrderSync, Priority::FeedRefresh, Priority::Posting, Priority::Member];
        assert_eq!(served_order(&arrival).await, Priority::ALL.to_vec());
        let arrival = [Priority::FeedRefresh, Priority::OrderSync, Priority::Member, Priority::OrderSync];
        assert_eq!(
            served_order(&arrival).await,
            vec![Priority::Member, Priority::FeedRefresh, Priority::OrderSync, Priority::OrderSync]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_call_priority_comes_from_the_task_scope() {
        assert_eq!(current_priority(), Priority::Member);
        let inner = with_priority(Priority::OrderSync, async { current_priority() }).await;
        assert_eq!(inner, Priority::OrderSync);
        // A guarded call made inside the scope waits behind a member call made outside it.
        let g = std::sync::Arc::new(CallGuard::new(Platform::Pdd, 1, 1, Duration::from_millis(1)));
        g.bucket.acquire(Priority::Member).await;
        let served = std::sync::Arc::new(Mutex::new(Vec::new()));
        let background = {
            let (g, served) = (g.clone(), served.clone());
            tokio::spawn(with_priority(Priority::OrderSync, async move {
                g.run(|| async { Ok::<(), AffiliateError>(()) }).await.unwrap();
                served.lock().unwrap().push("order sync");
            }))
        };
        while g.bucket.waiting(Priority::OrderSync) == 0 {
            tokio::task::yield_now().await;
        }
        let member = {
            let (g, served) = (g.clone(), served.clone());
            tokio::spawn(async move {
                g.run(|| async { Ok::<(), AffiliateError>(()) }).await.unwrap();
                served.lock().unwrap().push("member");
            })
        };
        background.await.unwrap();
        member.await.unwrap();
        assert_eq!(*served.lock().unwrap(), vec!["member", "order sync"]);
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
