//! The outbox: every send is a durable row, claimed by the robot's sender, paced, retried with backoff and
//! dead-lettered with its reason after too many attempts.
//!
//! Crash policy (at-least-once, gateway response recorded): a row is marked `sending` before the gateway call
//! and `sent` with the gateway's response after it. A row still `sending` when the process starts again was
//! interrupted mid-call; it goes back to `queued` and is sent again. The duplicate window is one message per
//! robot, and only when the process dies between the gateway accepting the call and the row being marked sent.

use super::{Store, StoreResult, col};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const DEAD: &str = "dead";
}

/// A send to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbox {
    pub robot_id: i64,
    pub conversation_id: String,
    /// Unique per logical send, e.g. `reply:<dedupe_key>:<n>`; a second insert with the same key is ignored.
    pub idempotency_key: String,
    /// The `chat::Outbound` as JSON.
    pub body: String,
    /// Not before this time (unix ms).
    pub not_before: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub robot_id: i64,
    pub conversation_id: String,
    pub idempotency_key: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

fn outbox_from_row(r: &AnyRow) -> StoreResult<OutboxRow> {
    Ok(OutboxRow {
        id: col(r, "id")?,
        robot_id: col(r, "robot_id")?,
        conversation_id: col(r, "conversation_id")?,
        idempotency_key: col(r, "idempotency_key")?,
        body: col(r, "body")?,
        status: col(r, "status")?,
        attempts: col(r, "attempts")?,
        next_attempt_at: col(r, "next_attempt_at")?,
        last_error: col(r, "last_error")?,
    })
}

const OUTBOX_COLUMNS: &str =
    "id, robot_id, conversation_id, idempotency_key, body, status, attempts, next_attempt_at, last_error";

pub(super) async fn insert_outbox(tx: &mut Transaction<'_, Any>, s: &NewOutbox, now: i64) -> StoreResult<u64> {
    let r = sqlx::query(
        "INSERT INTO outbox (robot_id, conversation_id, idempotency_key, body, status, attempts, next_attempt_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(s.robot_id)
    .bind(&s.conversation_id)
    .bind(&s.idempotency_key)
    .bind(&s.body)
    .bind(s.not_before)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

impl Store {
    /// Enqueues sends outside an inbound transaction (notices, broadcasts). Returns how many were new.
    pub async fn enqueue(&self, sends: &[NewOutbox], now: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut n = 0;
        for s in sends {
            n += insert_outbox(&mut tx, s, now).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Queued rows of a robot that are due at `now`, in order.
    pub async fn due_outbox(&self, robot_id: i64, now: i64, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox
             WHERE robot_id = $1 AND status = 'queued' AND next_attempt_at <= $2 ORDER BY id LIMIT $3"
        )))
        .bind(robot_id)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// The earliest `next_attempt_at` of the robot's queued rows.
    pub async fn next_outbox_due(&self, robot_id: i64) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT MIN(next_attempt_at) AS t FROM outbox WHERE robot_id = $1 AND status = 'queued'")
            .bind(robot_id)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "t")
    }

    /// Claims a queued row for sending. Returns false when another sender took it first.
    pub async fn mark_sending(&self, id: i64, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = $1
             WHERE id = $2 AND status = 'queued'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn mark_sent(&self, id: i64, gateway_response: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', gateway_response = $1, last_error = NULL, sent_at = $2, updated_at = $2
             WHERE id = $3",
        )
        .bind(gateway_response)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mark_retry(&self, id: i64, error: &str, next_attempt_at: i64, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = $1, next_attempt_at = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(next_attempt_at)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mark_dead(&self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET status = 'dead', last_error = $1, updated_at = $2 WHERE id = $3")
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts a claimed row back in the queue without counting the attempt: the account could not send at all
    /// (it is offline), so the row waits for it rather than moving toward the dead letters.
    pub async fn hold_send(&self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'queued', attempts = attempts - 1, last_error = $1, next_attempt_at = $2,
                 updated_at = $2
             WHERE id = $3 AND status = 'sending'",
        )
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Start-up recovery: rows left `sending` by a dead process go back to the queue (at-least-once).
    pub async fn requeue_interrupted(&self, robot_id: i64, now: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = 'interrupted while sending', next_attempt_at = $1,
                 updated_at = $1
             WHERE robot_id = $2 AND status = 'sending'",
        )
        .bind(now)
        .bind(robot_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Number of rows with `status`.
    pub async fn outbox_count(&self, status: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = $1")
            .bind(status)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }

    pub async fn outbox_row(&self, id: i64) -> StoreResult<OutboxRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(super::StoreError::NotFound)?;
        outbox_from_row(&row)
    }

    /// All rows of a conversation in id order (for tests and the admin view).
    pub async fn outbox_for(&self, conversation_id: &str) -> StoreResult<Vec<OutboxRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE conversation_id = $1 ORDER BY id"
        )))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }
}
