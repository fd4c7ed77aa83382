//! A lease row per periodic job, so that of several instances sharing one database only one runs it at a time.
//!
//! Taking and renewing are one conditional UPDATE (`holder` is us, or the lease has expired), which SQLite and
//! PostgreSQL both decide atomically. A holder that dies simply stops renewing; the lease expires after its TTL.

use crate::clock::Clock;
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct Lease {
    store: Store,
    clock: Clock,
    name: String,
    holder: String,
    ttl_ms: i64,
}

impl Lease {
    /// `holder` identifies this process (random per start).
    pub fn new(store: Store, clock: Clock, name: impl Into<String>, holder: impl Into<String>, ttl_ms: i64) -> Self {
        Lease { store, clock, name: name.into(), holder: holder.into(), ttl_ms: ttl_ms.max(1_000) }
    }

    /// The sync lease of one platform.
    pub fn name_for(platform: crate::platform::Platform) -> String {
        format!("orders-sync:{}", platform.code())
    }

    /// A random holder id for this process.
    pub fn random_holder() -> String {
        format!("{}-{:016x}", std::process::id(), rand::random::<u64>())
    }

    /// Takes the lease (or keeps it, when already ours). False when another live holder has it.
    pub async fn acquire(&self) -> StoreResult<bool> {
        self.store.try_lease(&self.name, &self.holder, self.ttl_ms, self.clock.now_ms()).await
    }

    /// Extends a lease we hold. False when it expired and another holder took it.
    pub async fn renew(&self) -> StoreResult<bool> {
        self.acquire().await
    }

    pub async fn release(&self) -> StoreResult<()> {
        self.store.release_lease(&self.name, &self.holder).await
    }
}
