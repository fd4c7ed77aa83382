//! The inbox: every inbound message is recorded once by its dedupe key before anything acts on it, and the
//! outcome of handling it (outbox rows, conversions) is committed in the same transaction that marks it done.

use super::conversions::NewConversion;
use super::outbox::NewOutbox;
use super::{Store, StoreResult, col};

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
    /// Handling failed permanently.
    pub const FAILED: &str = "failed";
}

#[derive(Debug, Clone)]
pub struct PendingInbound {
    pub id: i64,
    pub robot_id: i64,
    pub conversation_id: String,
    pub payload: String,
}

impl Store {
    /// Records the message if its dedupe key is new. Returns the row id, or `None` for a duplicate.
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
        let row = sqlx::query(
            "INSERT INTO inbound (dedupe_key, robot_id, conversation_id, sender_id, status, payload, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING id",
        )
        .bind(dedupe_key)
        .bind(robot_id)
        .bind(conversation_id)
        .bind(sender_id)
        .bind(status)
        .bind(payload)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| col(&r, "id")).transpose()
    }

    /// Claims a pending message for handling. False when it is not pending (another worker has it, or done).
    pub async fn claim_inbound(&self, id: i64, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE inbound SET status = 'processing', updated_at = $1 WHERE id = $2 AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Start-up recovery: messages a dead process was handling become pending again.
    pub async fn reset_processing(&self, now: i64) -> StoreResult<u64> {
        let r = sqlx::query("UPDATE inbound SET status = 'pending', updated_at = $1 WHERE status = 'processing'")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Pending messages in arrival order, oldest first.
    pub async fn pending_inbound(&self, after_id: i64, limit: i64) -> StoreResult<Vec<PendingInbound>> {
        let rows = sqlx::query(
            "SELECT id, robot_id, conversation_id, payload FROM inbound
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
                })
            })
            .collect()
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

    /// Forgets dedupe keys older than `before` (unix ms). Pending rows are kept.
    pub async fn prune_inbound(&self, before: i64) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM inbound WHERE created_at < $1 AND status <> 'pending'")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Count of inbound rows with `status`.
    pub async fn count_inbound(&self, status: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM inbound WHERE status = $1")
            .bind(status)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }
}
