//! The inbox: every inbound message is recorded once by its dedupe key before anything acts on it, and the
//! outcome of handling it (outbox rows, conversions) is committed in the same transaction that marks it done.

use super::batch::Batcher;
use super::conversions::NewConversion;
use super::{Store, StoreResult, col};
use crate::outbox::NewOutbox;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::Arc;

/// The instance a store claims messages for, and how long a claim lasts without renewal.
#[derive(Debug, Clone)]
pub(super) struct Claims {
    instance: Arc<str>,
    lease_ms: i64,
}

impl Claims {
    pub(super) fn new() -> Claims {
        let instance = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        Claims { instance: instance.into(), lease_ms: 10_000 }
    }
}

/// Inbound status values.
pub mod status {
    /// Recorded, to be handled (by the recovery sweep when no queue took it).
    pub const PENDING: &str = "pending";
    /// Claimed by a worker.
    pub const PROCESSING: &str = "processing";
    /// Handled.
    pub const DONE: &str = "done";
    /// Recorded for dedupe only (self echo, stale, ignorable sender).
    pub const SKIPPED: &str = "skipped";
    /// Handling failed permanently (or transiently, too many times).
    pub const FAILED: &str = "failed";
}

/// One message to record.
#[derive(Debug, Clone)]
pub struct NewInbound {
    pub dedupe_key: String,
    pub robot_id: i64,
    pub conversation_id: String,
    pub sender_id: Option<String>,
    pub status: String,
    pub payload: String,
    pub now: i64,
    /// For a message born `processing`: the instance handling it and until when.
    pub claimed_by: Option<String>,
    pub lease_until: i64,
}

/// The group-committed writes of the inbox.
#[derive(Debug, Clone)]
pub(super) struct InboxWrites {
    record: Batcher<NewInbound, Option<i64>>,
    finish: Batcher<(i64, String, i64), ()>,
}

impl InboxWrites {
    pub(super) fn spawn(pool: AnyPool) -> InboxWrites {
        let p = pool.clone();
        let record = Batcher::spawn(200, move |rows| insert_batch(p.clone(), rows));
        let finish = Batcher::spawn(500, move |items| finish_batch(pool.clone(), items));
        InboxWrites { record, finish }
    }
}

/// Inserts many messages in one statement. A key seen twice in one batch is recorded for its first caller only.
async fn insert_batch(pool: AnyPool, rows: Vec<NewInbound>) -> StoreResult<Vec<Option<i64>>> {
    let mut sql = String::from(
        "INSERT INTO inbound (dedupe_key, robot_id, conversation_id, sender_id, status, payload, created_at, updated_at,
             claimed_by, lease_until) VALUES ",
    );
    for i in 0..rows.len() {
        let b = i * 9;
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 7,
            b + 8,
            b + 9
        ));
    }
    sql.push_str(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for r in &rows {
        q = q
            .bind(r.dedupe_key.clone())
            .bind(r.robot_id)
            .bind(r.conversation_id.clone())
            .bind(r.sender_id.clone())
            .bind(r.status.clone())
            .bind(r.payload.clone())
            .bind(r.now)
            .bind(r.claimed_by.clone())
            .bind(r.lease_until);
    }
    let inserted = q.fetch_all(&pool).await?;
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        ids.insert(col(row, "dedupe_key")?, col(row, "id")?);
    }
    Ok(rows.iter().map(|r| ids.remove(&r.dedupe_key)).collect())
}

async fn finish_batch(pool: AnyPool, items: Vec<(i64, String, i64)>) -> StoreResult<Vec<()>> {
    let n = items.len();
    let mut by_status: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for (id, status, now) in &items {
        by_status.entry(status.as_str()).or_default().push((*id, *now));
    }
    // Usually one status: one auto-committed statement. Several: one transaction.
    let mut tx = if by_status.len() > 1 { Some(pool.begin().await?) } else { None };
    for (status, rows) in by_status {
        let now = rows.iter().map(|r| r.1).max().unwrap_or_default();
        let placeholders: Vec<String> = (0..rows.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!("UPDATE inbound SET status = $1, updated_at = $2 WHERE id IN ({})", placeholders.join(","));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(status.to_string()).bind(now);
        for (id, _) in rows {
            q = q.bind(id);
        }
        match tx.as_mut() {
            Some(tx) => q.execute(&mut **tx).await?,
            None => q.execute(&pool).await?,
        };
    }
    if let Some(tx) = tx {
        tx.commit().await?;
    }
    Ok(vec![(); n])
}

#[derive(Debug, Clone)]
pub struct PendingInbound {
    pub id: i64,
    pub robot_id: i64,
    pub conversation_id: String,
    pub payload: String,
    /// Handling attempts that failed transiently so far.
    pub attempts: i64,
    /// Unix ms before which a retry must not start.
    pub next_attempt_at: i64,
}

impl Store {
    /// Claims messages in the name of `instance`, each for `lease_ms` unless renewed (see `renew_inbound_claims`).
    pub fn with_claims(mut self, instance: &str, lease_ms: i64) -> Store {
        self.claims = Claims { instance: instance.into(), lease_ms: lease_ms.max(1_000) };
        self
    }

    /// The instance this store claims work for.
    pub fn instance(&self) -> &str {
        &self.claims.instance
    }

    /// Records the message if its dedupe key is new. Returns the row id, or `None` for a duplicate.
    /// Concurrent calls are committed together (group commit).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_inbound(
        &self,
        dedupe_key: &str,
        robot_id: i64,
        conversation_id: &str,
        sender_id: Option<&str>,
        status: &str,
        payload: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let row = NewInbound {
            dedupe_key: dedupe_key.to_string(),
            robot_id,
            conversation_id: conversation_id.to_string(),
            sender_id: sender_id.map(str::to_string),
            status: status.to_string(),
            payload: payload.to_string(),
            now,
            claimed_by: (status == self::status::PROCESSING).then(|| self.claims.instance.to_string()),
            lease_until: if status == self::status::PROCESSING { now + self.claims.lease_ms } else { 0 },
        };
        self.writes.record.submit(row).await
    }

    /// Claims a pending message for handling, or one whose handler's lease expired (its instance died). False
    /// when another worker has it, or it is done.
    pub async fn claim_inbound(&self, id: i64, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE inbound SET status = 'processing', claimed_by = $1, lease_until = $2, updated_at = $3
             WHERE id = $4 AND (status = 'pending' OR (status = 'processing' AND lease_until < $3))",
        )
        .bind(self.claims.instance.to_string())
        .bind(now + self.claims.lease_ms)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Whether another live instance is handling an earlier message of the conversation (a lower id, claimed by
    /// someone else, lease not expired). A worker waits for it so that a group's messages are answered in the order
    /// the database received them, whichever instance the gateway's callbacks reached.
    pub async fn earlier_in_hand_elsewhere(&self, conversation_id: &str, id: i64, now: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT id FROM inbound
             WHERE conversation_id = $1 AND id < $2 AND status = 'processing' AND claimed_by <> $3 AND lease_until >= $4
             LIMIT 1",
        )
        .bind(conversation_id.to_string())
        .bind(id)
        .bind(self.claims.instance.to_string())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Extends the claims of every message this instance is handling or has queued. One statement, run well
    /// within the lease.
    pub async fn renew_inbound_claims(&self, now: i64) -> StoreResult<u64> {
        let r = sqlx::query("UPDATE inbound SET lease_until = $1 WHERE status = 'processing' AND claimed_by = $2")
            .bind(now + self.claims.lease_ms)
            .bind(self.claims.instance.to_string())
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// A clean stop: the messages this instance had queued but not handled become pending at once, for whichever
    /// instance runs next (instead of waiting for their claims to expire).
    pub async fn release_inbound_claims(&self, now: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE inbound SET status = 'pending', claimed_by = NULL, lease_until = 0, updated_at = $1
             WHERE status = 'processing' AND claimed_by = $2",
        )
        .bind(now)
        .bind(self.claims.instance.to_string())
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// How long a claim lives unless renewed.
    pub fn claim_lease_ms(&self) -> i64 {
        self.claims.lease_ms
    }

    /// How often claims must be renewed to stay alive.
    pub fn claim_renewal_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis((self.claims.lease_ms / 3).max(100) as u64)
    }

    /// Recovery: messages whose handler's lease expired (its instance died) become pending again. Messages other
    /// live instances are handling keep their claim.
    pub async fn reset_processing(&self, now: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE inbound SET status = 'pending', claimed_by = NULL, updated_at = $1
             WHERE status = 'processing' AND lease_until < $1",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Pending messages in arrival order, oldest first.
    pub async fn pending_inbound(&self, after_id: i64, limit: i64) -> StoreResult<Vec<PendingInbound>> {
        let rows = sqlx::query(
            "SELECT id, robot_id, conversation_id, payload, attempts, next_attempt_at FROM inbound
             WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingInbound {
                    id: col(r, "id")?,
                    robot_id: col(r, "robot_id")?,
                    conversation_id: col(r, "conversation_id")?,
                    payload: col(r, "payload")?,
                    attempts: col(r, "attempts")?,
                    next_attempt_at: col(r, "next_attempt_at")?,
                })
            })
            .collect()
    }

    /// A handling attempt failed transiently: the message becomes pending again, for a retry not before
    /// `next_attempt_at`, with `attempts` recorded.
    pub async fn retry_inbound(&self, id: i64, attempts: i64, next_attempt_at: i64, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inbound SET status = 'pending', attempts = $1, next_attempt_at = $2, updated_at = $3
             WHERE id = $4 AND status = 'processing'",
        )
        .bind(attempts)
        .bind(next_attempt_at)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Commits the outcome of handling one message: its outbox rows (idempotent by key), conversions, and the
    /// final status, atomically. Returns how many outbox rows were new.
    pub async fn finish_inbound(
        &self,
        inbound_id: i64,
        final_status: &str,
        sends: &[NewOutbox],
        conversions: &[NewConversion],
        now: i64,
    ) -> StoreResult<u64> {
        if sends.is_empty() && conversions.is_empty() {
            // Most messages end with nothing to send: their status updates are committed together.
            self.writes.finish.submit((inbound_id, final_status.to_string(), now)).await?;
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for s in sends {
            inserted += super::outbox::insert_outbox(&mut tx, s, now).await?;
        }
        for c in conversions {
            super::conversions::insert_conversion(&mut tx, inbound_id, c, now).await?;
        }
        sqlx::query("UPDATE inbound SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(final_status)
            .bind(now)
            .bind(inbound_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Forgets dedupe keys older than `before` (unix ms), `batch` at a time. Messages still to be handled (pending
    /// or in hand) are kept.
    pub async fn prune_inbound(&self, before: i64, batch: i64) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let r = sqlx::query(
                "DELETE FROM inbound WHERE id IN (
                     SELECT id FROM inbound WHERE created_at < $1 AND status NOT IN ('pending', 'processing')
                     ORDER BY id LIMIT $2)",
            )
            .bind(before)
            .bind(batch.max(1))
            .execute(&self.pool)
            .await?;
            total += r.rows_affected();
            if r.rows_affected() < batch.max(1) as u64 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Payloads of the messages recorded as skipped (self echoes among them) in a conversation at or after `since`
    /// (unix ms), oldest first, at most `limit`.
    pub async fn skipped_since(
        &self,
        robot_id: i64,
        conversation_id: &str,
        since: i64,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT payload FROM inbound
             WHERE robot_id = $1 AND conversation_id = $2 AND status = 'skipped' AND created_at >= $3
             ORDER BY created_at LIMIT $4",
        )
        .bind(robot_id)
        .bind(conversation_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| col(r, "payload")).collect()
    }

    /// Count of inbound rows with `status`.
    pub async fn count_inbound(&self, status: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM inbound WHERE status = $1")
            .bind(status)
            .fetch_one(self.reader())
            .await?;
        col(&row, "n")
    }

    /// Whether the reply to a message is complete: the message was handled (not pending or processing) and no send
    /// of the robot to its conversation is still waiting in the outbox. Unknown messages are not settled.
    pub async fn reply_settled(&self, robot_id: i64, dedupe_key: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT status, conversation_id FROM inbound WHERE robot_id = $1 AND dedupe_key = $2")
            .bind(robot_id)
            .bind(dedupe_key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let handled: String = col(&row, "status")?;
        if handled == status::PENDING || handled == status::PROCESSING {
            return Ok(false);
        }
        let conversation: String = col(&row, "conversation_id")?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox WHERE robot_id = $1 AND conversation_id = $2 AND status NOT IN ('sent', 'dead')",
        )
        .bind(robot_id)
        .bind(conversation)
        .fetch_one(&self.pool)
        .await?;
        Ok(col::<i64>(&row, "n")? == 0)
    }
}
