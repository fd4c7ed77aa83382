//! The outbox: every send is a durable row, claimed by the robot's sender, paced, retried with backoff and
//! dead-lettered with its reason after too many attempts.
//!
//! Crash policy (at-least-once, gateway response recorded): a row is claimed (`sending`, `claimed_by` the instance,
//! `lease_until`) before the gateway call and marked `sent` with the gateway's response after it. The claim's
//! lease is renewed while the call runs. A row still `sending` whose lease expired was interrupted mid-call (its
//! instance died); it goes back to `queued` and is sent again by whichever instance holds the robot. The duplicate
//! window is one message per robot, and only when an instance dies between the gateway accepting the call and the
//! row being marked sent.
//!
//! Several instances: one instance at a time sends for a robot. It holds the robot's row in `outbox_robots` (a
//! lease taken by one conditional UPDATE), which also keeps the robot's `next_send_at`, so the minimum gap and
//! the order of a conversation's rows hold whichever instance sends.

use super::{Store, StoreResult, col};
use crate::outbox::NewOutbox;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const DEAD: &str = "dead";
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
    let body = super::to_json_text("outbox body", s.outbound())?;
    let r = sqlx::query(
        "INSERT INTO outbox (robot_id, conversation_id, idempotency_key, body, status, attempts, next_attempt_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(s.robot_id())
    .bind(s.conversation_id())
    .bind(s.key())
    .bind(body)
    .bind(s.due_at(now))
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

    /// The robot's rows that may go out at `now`, in order: due, and the head of their conversation (no earlier row
    /// of the conversation is still queued or being sent, so the parts of a reply never overtake each other, even
    /// when an earlier one waits for a retry or another instance is sending it).
    pub async fn due_outbox(&self, robot_id: i64, now: i64, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox o
             WHERE robot_id = $1 AND status = 'queued' AND next_attempt_at <= $2
               AND NOT EXISTS (
                   SELECT 1 FROM outbox p WHERE p.robot_id = o.robot_id AND p.conversation_id = o.conversation_id
                       AND p.id < o.id AND p.status IN ('queued', 'sending'))
             ORDER BY id LIMIT $3"
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

    /// Claims a queued row for sending by `holder` until `lease_until`. False when the row is no longer queued or
    /// `holder` does not hold the robot (another instance took it over).
    pub async fn claim_send(&self, id: i64, holder: &str, lease_until: i64, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = $1, lease_until = $2,
                 updated_at = $3
             WHERE id = $4 AND status = 'queued' AND EXISTS (
                 SELECT 1 FROM outbox_robots r WHERE r.robot_id = outbox.robot_id AND r.holder = $1
                     AND r.lease_until > $3)",
        )
        .bind(holder)
        .bind(lease_until)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Extends the claim of a row being sent (the gateway call is slow).
    pub async fn renew_send(&self, id: i64, holder: &str, lease_until: i64, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET lease_until = $1, updated_at = $2 WHERE id = $3 AND status = 'sending' AND claimed_by = $4",
        )
        .bind(lease_until)
        .bind(now)
        .bind(id)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Takes or keeps the robot for `holder` until `now + ttl_ms`. Returns the robot's `next_send_at` when
    /// `holder` has it (it was free, expired, or already `holder`'s); `None` when another live instance has it.
    pub async fn take_robot(&self, robot_id: i64, holder: &str, ttl_ms: i64, now: i64) -> StoreResult<Option<i64>> {
        sqlx::query(
            "INSERT INTO outbox_robots (robot_id, holder, lease_until, next_send_at, created_at, updated_at)
             VALUES ($1, '', 0, 0, $2, $2) ON CONFLICT (robot_id) DO NOTHING",
        )
        .bind(robot_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "UPDATE outbox_robots SET holder = $1, lease_until = $2, updated_at = $3
             WHERE robot_id = $4 AND (holder = $1 OR lease_until < $3) RETURNING next_send_at",
        )
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .bind(robot_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| col(&r, "next_send_at")).transpose()
    }

    /// Records when the robot's next send may start (and renews `holder`'s lease). False when `holder` lost it.
    pub async fn set_robot_next_send(
        &self,
        robot_id: i64,
        holder: &str,
        next_send_at: i64,
        ttl_ms: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE outbox_robots SET next_send_at = $1, lease_until = $2, updated_at = $3
             WHERE robot_id = $4 AND holder = $5",
        )
        .bind(next_send_at)
        .bind(now + ttl_ms)
        .bind(now)
        .bind(robot_id)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives the robot up (a clean stop), keeping its `next_send_at`.
    pub async fn release_robot(&self, robot_id: i64, holder: &str) -> StoreResult<()> {
        sqlx::query("UPDATE outbox_robots SET lease_until = 0 WHERE robot_id = $1 AND holder = $2")
            .bind(robot_id)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When each conversation of the robot last received a send at or after `since` (group pacing for a new
    /// holder of the robot).
    pub async fn last_sends(&self, robot_id: i64, since: i64) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT conversation_id, MAX(sent_at) AS t FROM outbox
             WHERE robot_id = $1 AND status = 'sent' AND sent_at >= $2 GROUP BY conversation_id",
        )
        .bind(robot_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "conversation_id")?, col(r, "t")?))).collect()
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

    /// The gateway call timed out: the gateway may still deliver the message. The row waits until `next_attempt_at`
    /// for the gateway's echo of it (see [`Store::confirm_echoed`]) before it is sent again. `since`: when the call
    /// started (an echo older than the first unconfirmed call is not this row's).
    pub async fn await_echo(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
        since: i64,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = $1, next_attempt_at = $2,
                 unconfirmed_at = COALESCE(unconfirmed_at, $3), updated_at = $4
             WHERE id = $5 AND status = 'sending'",
        )
        .bind(error)
        .bind(next_attempt_at)
        .bind(since)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The head row of the conversation when it waits for the gateway's echo of a timed-out send, with when that
    /// send started.
    pub async fn unconfirmed_head(
        &self,
        robot_id: i64,
        conversation_id: &str,
    ) -> StoreResult<Option<(OutboxRow, i64)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS}, unconfirmed_at FROM outbox
             WHERE robot_id = $1 AND conversation_id = $2 AND status IN ('queued', 'sending') ORDER BY id LIMIT 1"
        )))
        .bind(robot_id)
        .bind(conversation_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(since) = col::<Option<i64>>(&row, "unconfirmed_at")? else { return Ok(None) };
        Ok(Some((outbox_from_row(&row)?, since)))
    }

    /// The gateway echoed a send that timed out: it was delivered after all. Marks the row sent unless it is being
    /// sent again right now. True when it was marked.
    pub async fn confirm_echoed(&self, id: i64, echo: &str, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE outbox SET status = 'sent', gateway_response = $1, last_error = NULL, sent_at = $2, updated_at = $2
             WHERE id = $3 AND status = 'queued' AND unconfirmed_at IS NOT NULL",
        )
        .bind(echo)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
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

    /// Recovery: rows left `sending` by an instance that died (their lease expired) go back to the queue
    /// (at-least-once). Rows other live instances are sending keep their claim.
    pub async fn requeue_interrupted(&self, robot_id: i64, now: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = 'interrupted while sending', next_attempt_at = $1,
                 claimed_by = NULL, updated_at = $1
             WHERE robot_id = $2 AND status = 'sending' AND lease_until < $1",
        )
        .bind(now)
        .bind(robot_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Retention: deletes sent rows sent before `before` (unix ms), `batch` at a time so no statement holds the
    /// table for long. Returns how many went.
    pub async fn prune_outbox(&self, before: i64, batch: i64) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let r = sqlx::query(
                "DELETE FROM outbox WHERE id IN (
                     SELECT id FROM outbox WHERE status = 'sent' AND sent_at < $1 ORDER BY sent_at LIMIT $2)",
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

    /// Number of rows with `status`.
    pub async fn outbox_count(&self, status: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = $1")
            .bind(status)
            .fetch_one(self.reader())
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
