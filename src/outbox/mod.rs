//! The outbox sender: one per robot. It takes due rows in order, keeps the pacing (a gap plus jitter between two
//! sends of the robot, a longer gap between two posts into one group), retries retryable failures with
//! exponential backoff and dead-letters a row with its reason after `max_attempts`.
//!
//! Every send goes through here; see `store::outbox` for the crash policy.

use crate::chat::gateway::GatewayClient;
use crate::chat::{Outbound, OutboundBody, SendRetry};
use crate::clock::Clock;
use crate::config::{OutboxSettings, RobotSettings};
use crate::robots::{Lifecycle, RobotState, account_down, error_text, text};
use crate::store::Store;
use crate::store::outbox::OutboxRow;
use crate::telemetry::Metrics;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

pub mod live_pacing;
pub use live_pacing::LivePacing;

/// A send for the outbox, made only by [`enqueue`] (or [`enqueue_parts`]) from a typed body. The store queues it,
/// alone (`Store::enqueue`) or in the transaction that decided it (an inbound message's outcome, a post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbox {
    robot_id: i64,
    outbound: Outbound,
    key: String,
    not_before: Option<i64>,
}

/// The send of `body` by robot `robot_id` into `conversation_id`, queued once per `key` (a second send with the
/// same key is ignored, e.g. `reply:<dedupe_key>:<n>`). It may go out at once unless [`NewOutbox::not_before`]
/// says otherwise.
pub fn enqueue(robot_id: i64, conversation_id: &str, body: OutboundBody, key: impl Into<String>) -> NewOutbox {
    NewOutbox {
        robot_id,
        outbound: Outbound { conversation_id: conversation_id.to_string(), body },
        key: key.into(),
        not_before: None,
    }
}

/// The parts of one message (a poster, then its text…), in order, keyed `<key>:<n>`, none before `not_before`.
pub fn enqueue_parts(
    robot_id: i64,
    conversation_id: &str,
    key: &str,
    bodies: impl IntoIterator<Item = OutboundBody>,
    not_before: i64,
) -> Vec<NewOutbox> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(n, body)| enqueue(robot_id, conversation_id, body, format!("{key}:{n}")).not_before(not_before))
        .collect()
}

impl NewOutbox {
    /// Not before this time (unix ms).
    pub fn not_before(self, at: i64) -> NewOutbox {
        NewOutbox { not_before: Some(at), ..self }
    }

    pub fn robot_id(&self) -> i64 {
        self.robot_id
    }

    pub fn conversation_id(&self) -> &str {
        &self.outbound.conversation_id
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    /// When it may go out: its `not_before`, else `now` (the time it is queued).
    pub fn due_at(&self, now: i64) -> i64 {
        self.not_before.unwrap_or(now)
    }
}

/// Pacing rules of one robot.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    pub min_interval_ms: i64,
    pub jitter_ms: i64,
    pub min_group_interval_ms: i64,
}

impl Pacing {
    pub fn of(robot: &RobotSettings) -> Pacing {
        // A WeCom webhook takes `sends_per_window` per window (20 a minute): never faster than an even spread.
        let limit_ms = match robot.gateway {
            crate::config::GatewayKind::WecomWebhook => robot.send_window_ms.div_ceil(robot.sends_per_window.max(1)),
            _ => 0,
        };
        Pacing {
            min_interval_ms: robot.min_send_interval_ms.max(limit_ms) as i64,
            jitter_ms: robot.send_jitter_ms as i64,
            min_group_interval_ms: robot.min_group_interval_ms as i64,
        }
    }
}

pub struct OutboxSender {
    pub robot_id: i64,
    /// This instance's id: it claims the robot and the rows it sends under it.
    pub instance: String,
    pub store: Store,
    pub client: GatewayClient,
    pub pacing: LivePacing,
    pub settings: OutboxSettings,
    pub clock: Clock,
    pub metrics: Metrics,
    /// Woken whenever rows are queued.
    pub wake: Arc<Notify>,
    /// The gateway said the account is offline: pause, probe `checkOnline`, try `reconnection`.
    pub offline: Arc<AtomicBool>,
    /// Records the account going down and coming back (state, alerts, last send time).
    pub lifecycle: Lifecycle,
}

/// The time before which the next row may not go out, while this instance holds the robot.
struct PaceState {
    held: bool,
    /// While the account is offline: when to ask the gateway again.
    next_probe: i64,
    /// When to read the account's state from the database again (another instance may have seen it change).
    next_refresh: i64,
    robot_next: i64,
    group_next: HashMap<String, i64>,
}

impl OutboxSender {
    /// Runs until `shutdown` turns true. Of several instances, the one holding the robot's lease sends; the others
    /// wait to take it over. Rows left `sending` by an instance that died are requeued once their lease expired.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut pace =
            PaceState { held: false, next_probe: 0, next_refresh: 0, robot_next: 0, group_next: HashMap::new() };
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = match self.step(&mut pace).await {
                Ok(Some(wait)) => wait,
                Ok(None) => Duration::ZERO,
                Err(e) => {
                    tracing::error!(error = %e, "outbox step failed");
                    Duration::from_secs(1)
                }
            };
            if wait.is_zero() {
                continue;
            }
            // Back before the robot's lease runs out, to renew it.
            let wait = wait.min(Duration::from_millis((self.lease_ms() / 3) as u64));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
        if pace.held
            && let Err(e) = self.store.release_robot(self.robot_id, &self.instance).await
        {
            tracing::warn!(robot = self.robot_id, error = %e, "cannot release the robot's sends");
        }
    }

    fn lease_ms(&self) -> i64 {
        self.settings.lease_ms.max(1_000) as i64
    }

    /// Takes or renews the robot. False when another instance holds it.
    async fn hold_robot(&self, pace: &mut PaceState, now: i64) -> Result<bool, crate::store::StoreError> {
        let Some(next_send_at) = self.store.take_robot(self.robot_id, &self.instance, self.lease_ms(), now).await?
        else {
            pace.held = false;
            return Ok(false);
        };
        if !pace.held {
            // Just taken (at start or from an instance that stopped): its pacing comes from the database.
            pace.held = true;
            pace.robot_next = next_send_at;
            pace.next_refresh = 0;
            pace.group_next.clear();
            let group_gap = self.pacing.get().min_group_interval_ms;
            if group_gap > 0 {
                for (conversation, at) in self.store.last_sends(self.robot_id, now - group_gap).await? {
                    pace.group_next.insert(conversation, at + group_gap);
                }
            }
            tracing::info!(robot = self.robot_id, instance = %self.instance, "sending for the robot");
        }
        match self.store.requeue_interrupted(self.robot_id, now).await {
            Ok(n) if n > 0 => {
                tracing::warn!(robot = self.robot_id, rows = n, "requeued sends interrupted by a stopped instance")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot requeue interrupted sends"),
        }
        Ok(true)
    }

    /// While offline: ask the gateway whether the account is back; when not, ask it to reconnect and check again.
    /// A failed reconnection means an operator must log the account in again.
    async fn probe_online(&self) -> Duration {
        let wait = Duration::from_millis(self.settings.offline_probe_ms.max(1));
        match self.client.check_online().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(robot = self.robot_id, "account offline; asking the gateway to reconnect");
                if let Err(e) = self.client.reconnect().await {
                    tracing::warn!(robot = self.robot_id, error = %e, "reconnection failed");
                    let reason = text::reconnect_failed(&error_text(&e));
                    self.lifecycle.went_down(self.robot_id, RobotState::NeedsLogin, &reason).await;
                    return wait;
                }
                if !matches!(self.client.check_online().await, Ok(true)) {
                    return wait;
                }
            }
            Err(e) => {
                tracing::warn!(robot = self.robot_id, error = %e, "cannot check whether the account is online");
                return wait;
            }
        }
        self.lifecycle.came_back(self.robot_id).await;
        Duration::ZERO
    }

    /// Sends at most one row. Returns how long to wait before the next step (`None`: go on at once).
    async fn step(&self, pace: &mut PaceState) -> Result<Option<Duration>, crate::store::StoreError> {
        let now = self.clock.now_ms();
        if !self.hold_robot(pace, now).await? {
            return Ok(Some(Duration::from_millis((self.lease_ms() / 4).clamp(250, 2_000) as u64)));
        }
        if now >= pace.next_refresh {
            pace.next_refresh = now + self.lease_ms() / 3;
            if let Err(e) = self.lifecycle.refresh(self.robot_id).await {
                tracing::warn!(robot = self.robot_id, error = %e, "cannot read the robot's state");
            }
        }
        if self.offline.load(Ordering::SeqCst) {
            if now < pace.next_probe {
                return Ok(Some(Duration::from_millis((pace.next_probe - now) as u64)));
            }
            let wait = self.probe_online().await;
            pace.next_probe = self.clock.now_ms() + wait.as_millis() as i64;
            return Ok(Some(wait));
        }
        let rows = self.store.due_outbox(self.robot_id, now, 100).await?;
        if rows.is_empty() {
            let next = self.store.next_outbox_due(self.robot_id).await?;
            let wait = next.map_or(1_000, |t| (t - now).clamp(1, 1_000));
            return Ok(Some(Duration::from_millis(wait as u64)));
        }
        // Each row is the head of its conversation (per-group order); take the first whose group may post now.
        let mut earliest = i64::MAX;
        let mut pick: Option<&OutboxRow> = None;
        for row in &rows {
            let allowed_at = pace.group_next.get(&row.conversation_id).copied().unwrap_or(0);
            if allowed_at <= now {
                pick = Some(row);
                break;
            }
            earliest = earliest.min(allowed_at);
        }
        let Some(row) = pick else {
            return Ok(Some(Duration::from_millis((earliest - now).clamp(1, 60_000) as u64)));
        };
        if pace.robot_next > now {
            return Ok(Some(Duration::from_millis((pace.robot_next - now) as u64)));
        }
        if !self.store.claim_send(row.id, &self.instance, now + self.lease_ms(), now).await? {
            return Ok(None);
        }
        let attempts = row.attempts + 1;
        let outbound: Outbound = match serde_json::from_str(&row.body) {
            Ok(o) => o,
            Err(e) => {
                self.store.mark_dead(row.id, &format!("unreadable body: {e}"), now).await?;
                self.metrics.sends_dead.inc();
                return Ok(None);
            }
        };
        let started = std::time::Instant::now();
        let span =
            tracing::info_span!("send", robot = self.robot_id, outbox_id = row.id, conversation = %row.conversation_id);
        let result = {
            let _enter = span.enter();
            let timeout = Duration::from_millis(self.settings.send_timeout_ms.max(1));
            let send = tokio::time::timeout(timeout, self.client.send(&outbound));
            tokio::pin!(send);
            // The claims on the robot and on the row are renewed while the call runs.
            let mut renew = tokio::time::interval(Duration::from_millis((self.lease_ms() / 3) as u64));
            renew.tick().await;
            loop {
                tokio::select! {
                    r = &mut send => break r.unwrap_or(Err(crate::chat::SendError::Timeout)),
                    _ = renew.tick() => {
                        let t = self.clock.now_ms();
                        let until = t + self.lease_ms();
                        if let Err(e) = self.store.renew_send(row.id, &self.instance, until, t).await {
                            tracing::warn!(error = %e, "cannot renew the send's claim");
                        }
                        if let Err(e) = self.store.take_robot(self.robot_id, &self.instance, self.lease_ms(), t).await {
                            tracing::warn!(error = %e, "cannot renew the robot's claim");
                        }
                    }
                }
            }
        };
        self.metrics.send_seconds.observe(started.elapsed().as_secs_f64());
        let done = self.clock.now_ms();
        let pacing = self.pacing.get();
        let jitter = if pacing.jitter_ms > 0 { rand::random_range(0..pacing.jitter_ms) } else { 0 };
        pace.robot_next = done + pacing.min_interval_ms + jitter;
        match result {
            Ok(receipt) => {
                // The message is out: an unrecorded row would go out again once its lease expires.
                let record = || self.store.mark_sent(row.id, &receipt.raw, done);
                crate::store::through_outage("recording a delivered send", record).await?;
                self.lifecycle.touch_out(self.robot_id).await;
                self.metrics.replies_sent.inc();
                pace.group_next.insert(row.conversation_id.clone(), done + pacing.min_group_interval_ms);
                tracing::info!(parent: &span, "sent");
            }
            Err(e) => {
                self.metrics.send_failures.inc();
                let reason = e.to_string();
                if let Some(state) = account_down(&e) {
                    // Not this message's fault: it waits for the account, whatever its attempt count.
                    tracing::warn!(parent: &span, error = %reason, "account down; the send is held");
                    self.store.hold_send(row.id, &reason, done).await?;
                    self.lifecycle.went_down(self.robot_id, state, &error_text(&e)).await;
                } else if matches!(e, crate::chat::SendError::Timeout) && attempts < self.settings.max_attempts {
                    // The gateway may still deliver it: its echo marks the row sent; without one, it goes again.
                    let wait = self.settings.echo_wait_ms as i64;
                    tracing::warn!(parent: &span, attempts, wait_ms = wait, "send timed out; awaiting the gateway's echo");
                    self.store.await_echo(row.id, &reason, done + wait, now, done).await?;
                    // Its echo may have come in before the call gave up.
                    confirm_from_recorded_echoes(&self.store, row, now, done).await?;
                } else if e.retry() == SendRetry::Retry && attempts < self.settings.max_attempts {
                    let backoff = backoff_ms(&self.settings, attempts);
                    tracing::warn!(parent: &span, error = %reason, attempts, backoff_ms = backoff, "send failed; will retry");
                    self.store.mark_retry(row.id, &reason, done + backoff, done).await?;
                } else {
                    tracing::error!(parent: &span, error = %reason, attempts, "send failed; dead-lettered");
                    self.store.mark_dead(row.id, &reason, done).await?;
                    self.metrics.sends_dead.inc();
                }
            }
        }
        // The robot's next send may start after the gap, whichever instance makes it.
        if !self
            .store
            .set_robot_next_send(self.robot_id, &self.instance, pace.robot_next, self.lease_ms(), done)
            .await?
        {
            // Held too long (a stalled process): another instance has the robot now; it reads the pacing afresh.
            pace.held = false;
        }
        Ok(None)
    }
}

/// The robot's own message came back as a self-sent callback. When it is the message of a send that timed out
/// (the head of its conversation, waiting for this echo), that row was delivered after all and is marked sent, so
/// it is not sent again. True when a row was confirmed.
pub async fn confirm_echo(
    store: &Store,
    robot_id: i64,
    echo: &crate::chat::Inbound,
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    let Some((row, _since)) = store.unconfirmed_head(robot_id, &echo.conversation_id).await? else {
        return Ok(false);
    };
    confirm_if_echoed(store, &row, std::slice::from_ref(echo), now).await
}

/// A send of `row` that started at `since` timed out: when its echo already arrived (the gateway delivered it and
/// echoed it before answering), the row is marked sent.
async fn confirm_from_recorded_echoes(
    store: &Store,
    row: &OutboxRow,
    since: i64,
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    let echoes: Vec<crate::chat::Inbound> = store
        .skipped_since(row.robot_id, &row.conversation_id, since, 20)
        .await?
        .iter()
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect();
    confirm_if_echoed(store, row, &echoes, now).await
}

async fn confirm_if_echoed(
    store: &Store,
    row: &OutboxRow,
    echoes: &[crate::chat::Inbound],
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    let Ok(out) = serde_json::from_str::<Outbound>(&row.body) else { return Ok(false) };
    let Some(echo) = echoes.iter().find(|e| e.is_self && echo_matches(&out.body, e)) else { return Ok(false) };
    let confirmed = store.confirm_echoed(row.id, &format!("echo:{}", echo.native_id), now).await?;
    if confirmed {
        tracing::info!(robot = row.robot_id, outbox_id = row.id, "a timed-out send was delivered: its echo arrived");
    }
    Ok(confirmed)
}

/// Whether `echo` (a self-sent callback) is the gateway's echo of `sent`. Texts must match exactly; an image echo
/// carries no URL, so any image echo of the conversation matches an image (only the conversation's head row waits
/// for one, and only echoes from after its send started are considered).
fn echo_matches(sent: &OutboundBody, echo: &crate::chat::Inbound) -> bool {
    use crate::chat::InboundKind;
    match (sent, &echo.kind) {
        (OutboundBody::Text { content, .. }, InboundKind::Text) => {
            echo.raw_text.trim() == content.trim() || echo.text.trim() == content.trim()
        }
        (OutboundBody::Image { .. }, InboundKind::Image) => true,
        (OutboundBody::Link { title, .. }, InboundKind::Link { title: echoed, .. }) => title == echoed,
        _ => false,
    }
}

/// `base × 2^(attempts-1)`, capped.
pub fn backoff_ms(s: &OutboxSettings, attempts: i64) -> i64 {
    crate::clock::backoff_ms(s.backoff_base_ms, s.backoff_max_ms, attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = OutboxSettings { backoff_base_ms: 1000, backoff_max_ms: 5000, ..OutboxSettings::default() };
        assert_eq!(backoff_ms(&s, 1), 1000);
        assert_eq!(backoff_ms(&s, 2), 2000);
        assert_eq!(backoff_ms(&s, 3), 4000);
        assert_eq!(backoff_ms(&s, 4), 5000);
        assert_eq!(backoff_ms(&s, 60), 5000);
    }

    #[test]
    fn a_wecom_webhook_is_paced_no_faster_than_its_limit_allows() {
        let webhook = |min_send_interval_ms| RobotSettings {
            gateway: crate::config::GatewayKind::WecomWebhook,
            min_send_interval_ms,
            ..RobotSettings::default()
        };
        assert_eq!(Pacing::of(&webhook(0)).min_interval_ms, 3_000, "20 a minute");
        assert_eq!(Pacing::of(&webhook(5_000)).min_interval_ms, 5_000);
        let gewe = RobotSettings { min_send_interval_ms: 0, ..RobotSettings::default() };
        assert_eq!(Pacing::of(&gewe).min_interval_ms, 0);
    }
}
