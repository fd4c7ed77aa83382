//! Per-group ordering: one bounded queue and one worker per active group, groups in parallel.
//!
//! The webhook reserves a queue slot before recording a message; with a slot the row is born `processing` and
//! goes straight to the group's worker, without one (queue full) it is recorded `pending` and the recovery sweep
//! claims it later. A full queue is back-pressure into the database, never memory growth. Workers exit when their
//! group has been idle for a while.
//!
//! Several instances may share the database, and the gateway's callbacks may reach any of them: before handling a
//! message, a worker waits while another live instance still handles an earlier message of the same group, so a
//! group's replies go out in the order the database received its messages.

use super::Engine;
use crate::chat::Inbound;
use crate::store::inbound::status;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// A recorded message to handle.
#[derive(Debug)]
pub struct Job {
    pub inbound_id: i64,
    pub robot_id: i64,
    pub msg: Inbound,
    /// Earlier attempts that failed transiently.
    pub attempts: i64,
}

/// A reserved place in a group's queue.
pub type Slot = mpsc::OwnedPermit<Job>;

#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    queues: Mutex<HashMap<String, mpsc::Sender<Job>>>,
    capacity: usize,
    idle: Duration,
    /// Set at shutdown: workers finish the message in hand and take no more. Queued messages stay recorded as
    /// `processing` and are handled after the next start.
    stopping: AtomicBool,
    /// Messages being handled right now.
    active: AtomicUsize,
}

impl Dispatcher {
    pub fn new(engine: Arc<Engine>) -> Dispatcher {
        let capacity = engine.settings.engine.group_queue_capacity.max(1);
        Dispatcher {
            inner: Arc::new(Inner {
                engine,
                queues: Mutex::new(HashMap::new()),
                capacity,
                idle: Duration::from_secs(30),
                stopping: AtomicBool::new(false),
                active: AtomicUsize::new(0),
            }),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    /// Stops taking messages and waits (up to `grace`) for the ones in hand.
    pub async fn stop(&self, grace: Duration) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + grace;
        while self.inner.active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Reserves a place in the conversation's queue, starting its worker when needed. `None` when full or
    /// stopping.
    pub fn reserve(&self, conversation_id: &str) -> Option<Slot> {
        if self.inner.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let mut queues = self.inner.queues.lock().unwrap_or_else(|e| e.into_inner());
        let tx = match queues.get(conversation_id) {
            Some(tx) if !tx.is_closed() => tx.clone(),
            _ => {
                let (tx, rx) = mpsc::channel(self.inner.capacity);
                queues.insert(conversation_id.to_string(), tx.clone());
                self.inner.engine.metrics.group_queues.set(queues.len() as i64);
                tokio::spawn(worker(self.clone(), conversation_id.to_string(), rx));
                tx
            }
        };
        tx.try_reserve_owned().ok()
    }

    /// Claims pending messages (queue was full, or left by a previous process) and queues them. Returns how many
    /// were queued.
    pub async fn sweep(&self) -> usize {
        let store = &self.inner.engine.store;
        let mut after = 0;
        let mut queued = 0;
        loop {
            let rows = match store.pending_inbound(after, 200).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "sweep: cannot read pending messages");
                    return queued;
                }
            };
            let Some(last) = rows.last() else { return queued };
            after = last.id;
            let now = self.inner.engine.clock.now_ms();
            for row in rows.into_iter().filter(|r| r.next_attempt_at <= now) {
                let Some(slot) = self.reserve(&row.conversation_id) else { continue };
                match store.claim_inbound(row.id, self.inner.engine.clock.now_ms()).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "sweep: claim failed");
                        continue;
                    }
                }
                match serde_json::from_str::<Inbound>(&row.payload) {
                    Ok(msg) => {
                        slot.send(Job { inbound_id: row.id, robot_id: row.robot_id, msg, attempts: row.attempts });
                        queued += 1;
                    }
                    Err(e) => {
                        tracing::error!(id = row.id, error = %e, "sweep: unreadable payload");
                        let now = self.inner.engine.clock.now_ms();
                        let _ = store.finish_inbound(row.id, status::FAILED, &[], &[], now).await;
                    }
                }
            }
        }
    }
}

async fn worker(d: Dispatcher, conversation_id: String, mut rx: mpsc::Receiver<Job>) {
    loop {
        if d.inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        match tokio::time::timeout(d.inner.idle, rx.recv()).await {
            Ok(Some(job)) => {
                if d.inner.stopping.load(Ordering::SeqCst) {
                    break;
                }
                d.inner.active.fetch_add(1, Ordering::SeqCst);
                handle(&d, job).await;
                d.inner.active.fetch_sub(1, Ordering::SeqCst);
            }
            Ok(None) => break,
            Err(_idle) => {
                let mut queues = d.inner.queues.lock().unwrap_or_else(|e| e.into_inner());
                // Leave only when nothing is queued and no reserved slot is outstanding.
                let unused = queues.get(&conversation_id).is_some_and(|tx| tx.strong_count() == 1);
                if unused && rx.is_empty() {
                    queues.remove(&conversation_id);
                    d.inner.engine.metrics.group_queues.set(queues.len() as i64);
                    break;
                }
            }
        }
    }
}

/// Handles one message. A transient failure (the database) puts it back as pending for the sweep, with
/// exponential backoff, until `engine.max_attempts`; any other failure, or the last attempt, marks it failed.
async fn handle(d: &Dispatcher, job: Job) {
    let engine = &d.inner.engine;
    wait_for_earlier(d, &job).await;
    let Err(e) = engine.process(job.inbound_id, job.robot_id, &job.msg).await else { return };
    let attempts = job.attempts + 1;
    let now = engine.clock.now_ms();
    let s = &engine.settings.engine;
    if e.is_transient() && attempts < s.max_attempts {
        let backoff = crate::clock::backoff_ms(s.retry_backoff_base_ms, s.retry_backoff_max_ms, attempts);
        tracing::warn!(id = job.inbound_id, error = %e, attempts, backoff_ms = backoff, "handling failed; will retry");
        // Until this is recorded the message stays claimed by this instance, which renews the claim while it runs.
        let schedule = || engine.store.retry_inbound(job.inbound_id, attempts, now + backoff, now);
        if let Err(e) = crate::store::through_outage("scheduling a message's retry", schedule).await {
            tracing::error!(id = job.inbound_id, error = %e, "cannot schedule the retry; resumed at the next start");
        }
        return;
    }
    tracing::error!(id = job.inbound_id, error = %e, attempts, "handling failed");
    let _ = engine.store.finish_inbound(job.inbound_id, status::FAILED, &[], &[], now).await;
}

/// Across instances sharing a database: while another live instance handles an earlier message of this group, wait
/// for it (at most until its lease would expire, after which that instance is taken for dead). Only PostgreSQL is
/// shared by instances; on SQLite the one instance's group worker already handles a group's messages one by one.
async fn wait_for_earlier(d: &Dispatcher, job: &Job) {
    let engine = &d.inner.engine;
    if engine.store.dialect() != crate::store::Dialect::Postgres {
        return;
    }
    let give_up = engine.clock.now_ms() + engine.store.claim_lease_ms();
    let mut pause = Duration::from_millis(5);
    loop {
        let now = engine.clock.now_ms();
        match engine.store.earlier_in_hand_elsewhere(&job.msg.conversation_id, job.inbound_id, now).await {
            Ok(false) => return,
            Ok(true) if now < give_up && !d.inner.stopping.load(Ordering::SeqCst) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Ok(true) => {
                tracing::warn!(
                    id = job.inbound_id,
                    "an earlier message of this group is still in another instance's hand"
                );
                return;
            }
            Err(e) => {
                tracing::warn!(id = job.inbound_id, error = %e, "cannot check for earlier messages of this group");
                return;
            }
        }
    }
}
