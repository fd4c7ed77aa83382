//! The rebate ledger: turns order status reports ([`OrderFacts`]) into money for the member (rebate), the group's
//! partner, the partner's agent and the operator, in integer 分.
//!
//! - Paid: the estimated shares become *pending*.
//! - Settled: pending is released and the shares of the *settled* commission become *available*.
//! - Invalid before settlement: pending is reversed. Invalid after settlement: the available shares are clawed back
//!   (what is not available any more becomes debt, repaid from later credits) and the order is flagged.
//! - Reports are applied once: a repeat or a report that would move an order backwards changes nothing.
//!
//! The split and its rounding rule are in [`rules`]; all SQL is in `store::ledger`.

pub mod rules;

use crate::config::LedgerSettings;
use crate::money::Bps;
use crate::order::OrderFacts;
use crate::store::ledger::{BookingConfig, LedgerOrder};
use crate::store::{Store, StoreError};
use rules::{Rates, Split, Step};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What applying one report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub order_id: i64,
    /// The step taken; `None` when nothing changed.
    pub step: Option<Step>,
    /// The order's current split (of the settled commission once settled); zero when never booked.
    pub split: Split,
}

impl Applied {
    pub fn changed(&self) -> bool {
        self.step.is_some()
    }
}

/// The ledger service.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Store,
    settings: LedgerSettings,
    utc_offset_hours: i64,
}

impl Ledger {
    /// A ledger with the default `[ledger]` settings and UTC+8 days.
    pub fn new(store: Store) -> Ledger {
        Ledger::with_settings(store, LedgerSettings::default(), 8)
    }

    /// A ledger with these settings; days (for statistics) are counted at UTC+`utc_offset_hours`.
    pub fn with_settings(store: Store, settings: LedgerSettings, utc_offset_hours: i64) -> Ledger {
        Ledger { store, settings, utc_offset_hours }
    }

    pub fn settings(&self) -> &LedgerSettings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn booking_config(&self) -> BookingConfig {
        BookingConfig {
            defaults: Rates {
                rebate: Bps(self.settings.rebate_bps),
                partner: Bps(self.settings.partner_bps),
                agent: Bps(self.settings.agent_bps),
            },
            utc_offset_hours: self.utc_offset_hours,
        }
    }

    /// Applies one order status report.
    #[tracing::instrument(skip_all, fields(order_id = facts.order_id, lifecycle = %facts.lifecycle))]
    pub async fn apply(&self, facts: &OrderFacts) -> Result<Applied, LedgerError> {
        let mut out = self.apply_all(std::slice::from_ref(facts)).await?;
        out.pop().ok_or_else(|| LedgerError::Store(StoreError::Batch("no result for the report".into())))
    }

    /// Applies reports in order in one transaction (a page of synced orders); one result per report.
    pub async fn apply_all(&self, facts: &[OrderFacts]) -> Result<Vec<Applied>, LedgerError> {
        let now = crate::store::now_ms();
        let booked = self.store.book_orders(facts, self.booking_config(), now).await?;
        Ok(facts
            .iter()
            .zip(booked)
            .map(|(f, b)| Applied {
                order_id: f.order_id,
                step: b.step,
                split: b.order.map(|o: LedgerOrder| o.split).unwrap_or_default(),
            })
            .collect())
    }
}
