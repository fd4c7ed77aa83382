//! Reconciliation of one platform over a period: the orders the union reports for it against the orders stored.
//!
//! Lost: reported but not stored. Extra: stored (updated in the period) but not reported. Changed: both, but with
//! another state or commission. Unattributed: stored in the period without a member. Ledger: the commission the
//! ledger holds for the stored orders (pending or available), and the paid orders it has no record of.

use super::OrdersError;
use super::source::{OrderSource, windows};
use crate::affiliate::orders::SyncedOrder;
use crate::ledger::rules::Phase;
use crate::money::Fen;
use crate::order::Lifecycle;
use crate::store::Store;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChangedOrder {
    pub order_key: String,
    pub union_lifecycle: Lifecycle,
    pub stored_lifecycle: Lifecycle,
    pub union_commission: Fen,
    pub stored_commission: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub platform: String,
    pub since: i64,
    pub until: i64,
    pub union_orders: u64,
    pub stored_orders: u64,
    /// Commission of the union's orders that are not invalid.
    pub union_commission: Fen,
    /// Commission of the stored orders that are not invalid (what the ledger distributes).
    pub stored_commission: Fen,
    /// Commission the ledger holds (pending or available) for the stored orders.
    pub ledger_commission: Fen,
    /// Stored paid orders the ledger has not booked.
    pub missing_in_ledger: Vec<String>,
    pub lost: Vec<String>,
    pub extra: Vec<String>,
    pub changed: Vec<ChangedOrder>,
    pub unattributed: Vec<String>,
}

/// Reconciles `[since, until]` (unix seconds, platform update time). `now` decides JD settlement.
pub async fn reconcile(
    store: &Store,
    source: &OrderSource,
    since: i64,
    until: i64,
    now: i64,
) -> Result<Reconciliation, OrdersError> {
    let platform = source.platform();
    let mut reported: HashMap<String, SyncedOrder> = HashMap::new();
    for (start, end) in windows(since, until, source.max_window_secs()) {
        for o in source.fetch_window(start, end, now).await? {
            let keep = reported.get(&o.order_key).is_none_or(|p| p.modified_at <= o.modified_at);
            if keep {
                reported.insert(o.order_key.clone(), o);
            }
        }
    }
    let stored = store.orders_modified_between(platform, since, until).await?;
    let mut r = Reconciliation {
        platform: platform.code().to_string(),
        since,
        until,
        union_orders: reported.len() as u64,
        stored_orders: stored.len() as u64,
        union_commission: Fen(0),
        stored_commission: Fen(0),
        ledger_commission: Fen(0),
        missing_in_ledger: Vec::new(),
        lost: Vec::new(),
        extra: Vec::new(),
        changed: Vec::new(),
        unattributed: Vec::new(),
    };
    for o in reported.values() {
        if o.lifecycle != Lifecycle::Invalid {
            r.union_commission = r.union_commission + o.commission();
        }
    }
    let stored_keys: HashMap<&str, ()> = stored.iter().map(|o| (o.order_key.as_str(), ())).collect();
    for s in &stored {
        if s.lifecycle != Lifecycle::Invalid {
            r.stored_commission = r.stored_commission + s.commission();
        }
        if s.attribution.member_id.is_none() {
            r.unattributed.push(s.order_key.clone());
        }
        match store.ledger_order(s.id).await? {
            Some(l) if matches!(l.phase, Phase::Pending | Phase::Available) => {
                r.ledger_commission = r.ledger_commission + l.split.total();
            }
            Some(_) => {}
            None if !matches!(s.lifecycle, Lifecycle::Unknown | Lifecycle::Unpaid) => {
                r.missing_in_ledger.push(s.order_key.clone())
            }
            None => {}
        }
        if !reported.contains_key(&s.order_key) {
            r.extra.push(s.order_key.clone());
        }
    }
    for (key, o) in &reported {
        if stored_keys.contains_key(key.as_str()) {
            continue;
        }
        match store.order_by_key(platform, key).await? {
            None => r.lost.push(key.clone()),
            Some(s) if s.lifecycle != o.lifecycle || s.commission() != o.commission() => r.changed.push(ChangedOrder {
                order_key: key.clone(),
                union_lifecycle: o.lifecycle,
                stored_lifecycle: s.lifecycle,
                union_commission: o.commission(),
                stored_commission: s.commission(),
            }),
            Some(_) => {}
        }
    }
    for s in &stored {
        if let Some(o) = reported.get(&s.order_key)
            && (s.lifecycle != o.lifecycle || s.commission() != o.commission())
        {
            r.changed.push(ChangedOrder {
                order_key: s.order_key.clone(),
                union_lifecycle: o.lifecycle,
                stored_lifecycle: s.lifecycle,
                union_commission: o.commission(),
                stored_commission: s.commission(),
            });
        }
    }
    r.lost.sort();
    r.extra.sort();
    r.unattributed.sort();
    r.missing_in_ledger.sort();
    r.changed.sort_by(|a, b| a.order_key.cmp(&b.order_key));
    Ok(r)
}
