//! Orders: sync per platform (windows, paging, cursors, a lease), the common lifecycle, attribution, members'
//! claims and reconciliation. Money rules live in the ledger; this module only hands it [`crate::order::OrderFacts`].

pub mod attribution;
pub mod claims;
pub mod lease;
pub mod reconcile;
pub mod source;
pub mod sync;
pub mod tag;
pub mod taobao_registration;
pub mod text;

use crate::affiliate::{AffiliateError, Affiliates};
use crate::clock::Clock;
use crate::config::Settings;
use crate::ledger::{Ledger, LedgerError};
use crate::platform::Platform;
use crate::store::{Store, StoreError};
use lease::Lease;
use source::OrderSource;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use sync::OrderSync;
use tokio::sync::{Notify, watch};

#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    #[error("{0} is not enabled")]
    NotEnabled(Platform),
    #[error("union: {0}")]
    Affiliate(#[from] AffiliateError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    #[error("another instance holds the sync lease")]
    LeaseHeld,
    #[error("the sync lease was lost to another instance")]
    LeaseLost,
    #[error("the {0} order sync did not catch up in time")]
    SyncTimeout(Platform),
}

impl OrderSync {
    /// The sync of `platform` with its configured client, handing changes to the ledger as configured.
    pub fn for_platform(
        store: &Store,
        affiliates: &Affiliates,
        platform: Platform,
        settings: &Settings,
        clock: &Clock,
    ) -> Result<OrderSync, OrdersError> {
        let source =
            OrderSource::of(affiliates, platform, &settings.orders).ok_or(OrdersError::NotEnabled(platform))?;
        let ledger = Ledger::with_settings(store.clone(), settings.ledger.clone(), settings.chat.utc_offset_hours)
            .with_invite_reward(crate::campaigns::invites::reward(&settings.campaigns));
        Ok(OrderSync { store: store.clone(), source, ledger, settings: settings.orders.clone(), clock: clock.clone() })
    }

    /// The lease this sync runs under, held by `holder`.
    pub fn lease(&self, holder: &str) -> Lease {
        let ttl_ms = i64::try_from(self.settings.lease_ttl_secs).unwrap_or(120).saturating_mul(1000);
        Lease::new(self.store.clone(), self.clock.clone(), Lease::name_for(self.platform()), holder, ttl_ms)
    }

    /// The scheduled interval of this platform.
    pub fn interval(&self) -> Duration {
        let s = &self.settings;
        let secs = match self.platform() {
            Platform::Pdd => s.pdd_interval_secs,
            Platform::Jd => s.jd_interval_secs,
            Platform::Taobao => s.taobao_interval_secs,
        };
        Duration::from_secs(secs.max(1))
    }
}

/// Wakes the background syncs ahead of their schedule and tells how far they have read (the demo's 快进).
#[derive(Clone, Default)]
pub struct SyncNow {
    slots: Arc<[SyncSlot; 3]>,
}

#[derive(Default)]
struct SyncSlot {
    running: AtomicBool,
    wake: Notify,
    /// The end (unix seconds of the sync's clock) of the last completed run.
    synced_to: watch::Sender<Option<i64>>,
}

impl SyncNow {
    fn slot(&self, platform: Platform) -> &SyncSlot {
        match platform {
            Platform::Pdd => &self.slots[0],
            Platform::Jd => &self.slots[1],
            Platform::Taobao => &self.slots[2],
        }
    }

    /// Wakes the background sync of every platform that has one and waits, at most `patience`, until each has
    /// completed a run up to `until` (unix seconds of the sync's clock). Returns the platforms synced.
    pub async fn sync_until(&self, until: i64, patience: Duration) -> Result<Vec<Platform>, OrdersError> {
        let running: Vec<Platform> =
            Platform::ALL.into_iter().filter(|p| self.slot(*p).running.load(Ordering::SeqCst)).collect();
        for p in &running {
            self.slot(*p).wake.notify_one();
        }
        let deadline = tokio::time::Instant::now() + patience;
        for p in &running {
            let mut rx = self.slot(*p).synced_to.subscribe();
            let caught_up = rx.wait_for(|to| to.is_some_and(|to| to >= until));
            match tokio::time::timeout_at(deadline, caught_up).await {
                Ok(Ok(_)) => {}
                _ => return Err(OrdersError::SyncTimeout(*p)),
            }
        }
        Ok(running)
    }
}

/// The background sync of one platform: every interval (or when [`SyncNow`] wakes it), when this instance takes
/// the lease, a run from the cursor; the lease is released after each run. Errors are logged and the next run retries. `now` knows of the
/// worker from this call on, before it is first polled.
pub fn worker(
    sync: OrderSync,
    holder: String,
    now: SyncNow,
    shutdown: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send {
    now.slot(sync.platform()).running.store(true, Ordering::SeqCst);
    run_worker(sync, holder, now, shutdown)
}

async fn run_worker(sync: OrderSync, holder: String, now: SyncNow, mut shutdown: watch::Receiver<bool>) {
    let lease = sync.lease(&holder);
    let slot = now.slot(sync.platform());
    loop {
        match lease.acquire().await {
            Ok(true) => {
                match sync.run(&lease).await {
                    Ok(report) => {
                        slot.synced_to.send_replace(Some(report.to));
                    }
                    Err(e) => tracing::warn!(platform = %sync.platform(), error = %e, "order sync failed"),
                }
                // Held during a run only: between runs a `dealbot orders sync` backfill (or another instance)
                // takes it at once instead of waiting for this process to stop.
                if let Err(e) = lease.release().await {
                    tracing::warn!(platform = %sync.platform(), error = %e, "order sync lease release failed");
                }
            }
            Ok(false) => tracing::debug!(platform = %sync.platform(), "another instance is syncing orders"),
            Err(e) => tracing::warn!(platform = %sync.platform(), error = %e, "order sync lease check failed"),
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(sync.interval()) => false,
            _ = slot.wake.notified() => false,
            _ = shutdown.wait_for(|v| *v) => true,
        };
        if stop {
            slot.running.store(false, Ordering::SeqCst);
            let _ = lease.release().await;
            return;
        }
    }
}

/// Runs `sync` over `[since, now]` under its lease (a command-line backfill). Waits up to one lease lifetime for
/// another holder (a killed run's lease expires) before giving up with [`OrdersError::LeaseHeld`].
pub async fn backfill(sync: &OrderSync, since: i64) -> Result<sync::SyncReport, OrdersError> {
    let lease = sync.lease(&Lease::random_holder());
    let patience = Duration::from_secs(sync.settings.lease_ttl_secs.saturating_add(5));
    let started = std::time::Instant::now();
    while !lease.acquire().await? {
        if started.elapsed() > patience {
            return Err(OrdersError::LeaseHeld);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let result = sync.sync_range(since, sync.clock.now_secs(), &lease).await;
    lease.release().await?;
    result
}

/// A point in time on the command line: unix seconds, `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss` (Beijing time, as
/// the unions count).
pub fn parse_time_arg(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    let full = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let day = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(t) = time::PrimitiveDateTime::parse(s, full) {
        return Some(t.assume_offset(offset).unix_timestamp());
    }
    let d = time::Date::parse(s, day).ok()?;
    Some(d.midnight().assume_offset(offset).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_arguments_are_unix_seconds_or_beijing_dates() {
        assert_eq!(parse_time_arg("1700000000"), Some(1_700_000_000));
        // 2024-01-01 00:00 +08:00
        assert_eq!(parse_time_arg("2024-01-01"), Some(1_704_038_400));
        assert_eq!(parse_time_arg("2024-01-01 12:00:00"), Some(1_704_081_600));
        assert_eq!(parse_time_arg("yesterday"), None);
    }
}
