//! Order sync for one platform: window by window over the update time, each order attributed and upserted, the
//! cursor persisted after each completed window, changes handed to the ledger.
//!
//! Crash safety: an upsert is one transaction; the cursor moves only after a window is complete; an order change
//! stays marked for the ledger (`revision` > `ledger_revision`) until the ledger has taken it. A process killed
//! anywhere re-reads at most the window it was in, and re-reading changes nothing.

use super::OrdersError;
use super::attribution::attribute;
use super::claims;
use super::lease::Lease;
use super::source::{OrderSource, windows};
use crate::clock::Clock;
use crate::config::OrdersSettings;
use crate::ledger::Ledger;
use crate::order::OrderFacts;
use crate::platform::Platform;
use crate::store::Store;
use crate::store::orders::Upserted;
use serde::Serialize;
use tracing::Instrument;

/// Orders handed to the ledger per batch.
const LEDGER_BATCH: i64 = 200;

/// What a sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub platform: String,
    pub from: i64,
    pub to: i64,
    pub windows: u64,
    pub fetched: u64,
    pub inserted: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub ledger_applied: u64,
}

#[derive(Clone)]
pub struct OrderSync {
    pub store: Store,
    pub source: OrderSource,
    pub ledger: Ledger,
    pub settings: OrdersSettings,
    pub clock: Clock,
}

impl OrderSync {
    pub fn platform(&self) -> Platform {
        self.source.platform()
    }

    /// The scheduled run: from the cursor minus the overlap (or the initial look-back) up to now.
    pub async fn run(&self, lease: &Lease) -> Result<SyncReport, OrdersError> {
        let now = self.clock.now_secs();
        let overlap = i64::try_from(self.settings.overlap_secs).unwrap_or(0);
        let from = match self.store.sync_cursor(self.platform()).await? {
            Some(until) => until - overlap,
            None => now - i64::try_from(self.settings.initial_lookback_secs).unwrap_or(86_400),
        };
        self.sync_range(from, now, lease).await
    }

    /// Syncs `[from, to]` (unix seconds) window by window. The lease is renewed after every window; a lost lease
    /// stops the run with [`OrdersError::LeaseLost`].
    pub async fn sync_range(&self, from: i64, to: i64, lease: &Lease) -> Result<SyncReport, OrdersError> {
        let platform = self.platform();
        let mut report = SyncReport { platform: platform.code().to_string(), from, to, ..SyncReport::default() };
        // Changes a killed run stored but did not hand over.
        report.ledger_applied += self.settle_ledger().await?;
        for (start, end) in windows(from, to, self.source.max_window_secs()) {
            let span = tracing::info_span!("order_window", %platform, start, end);
            self.sync_window(start, end, &mut report).instrument(span).await?;
            if !lease.renew().await? {
                return Err(OrdersError::LeaseLost);
            }
        }
        tracing::info!(
            %platform,
            windows = report.windows,
            fetched = report.fetched,
            inserted = report.inserted,
            changed = report.changed,
            "order sync done"
        );
        Ok(report)
    }

    /// One window: read, attribute and upsert every order, hand the changes to the ledger, then move the cursor.
    async fn sync_window(&self, start: i64, end: i64, report: &mut SyncReport) -> Result<(), OrdersError> {
        let platform = self.platform();
        let orders = self.source.fetch_window(start, end, self.clock.now_secs()).await?;
        report.fetched += orders.len() as u64;
        let window = i64::try_from(self.settings.heuristic_window_secs).unwrap_or(3_600);
        for o in &orders {
            let attr = attribute(&self.store, o, window).await?;
            match self.store.upsert_order(o, &attr, self.clock.now_ms()).await? {
                Upserted::Inserted => report.inserted += 1,
                Upserted::Changed => report.changed += 1,
                Upserted::Unchanged => report.unchanged += 1,
            }
            claims::apply_pending(&self.store, platform, &o.order_key, self.clock.now_ms()).await?;
        }
        report.ledger_applied += self.settle_ledger().await?;
        self.store.advance_sync_cursor(platform, end, self.clock.now_ms()).await?;
        report.windows += 1;
        Ok(())
    }

    /// Hands every order change the ledger has not taken yet to it; returns how many.
    pub async fn settle_ledger(&self) -> Result<u64, OrdersError> {
        settle_ledger(&self.store, &self.ledger).await
    }
}

/// Hands every order change the ledger has not taken yet to it (new states, and new holders after a claim or an
/// assignment); returns how many.
pub async fn settle_ledger(store: &Store, ledger: &Ledger) -> Result<u64, OrdersError> {
    let mut n = 0;
    loop {
        let batch = store.orders_awaiting_ledger(LEDGER_BATCH).await?;
        if batch.is_empty() {
            return Ok(n);
        }
        // The ledger applies each report once: handing a batch over again after a crash changes nothing.
        let facts: Vec<OrderFacts> = batch.iter().map(|o| o.facts()).collect();
        ledger.apply_all(&facts).await?;
        let notify = ledger.settings().member_notices;
        crate::campaigns::settle_orders(store, &batch, ledger.invite_reward(), notify, crate::store::now_ms()).await?;
        for o in &batch {
            store.mark_ledger_applied(o.id, o.revision).await?;
            n += 1;
        }
    }
}
