//! Private chat as a service channel: customer-service hand-overs (客服) with their messages, members known from
//! our groups (for the friend-request policy) and the per-day count of private messages left unanswered.

use super::{Store, StoreError, StoreResult, col};
use crate::outbox::NewOutbox;
use sqlx::any::AnyRow;

/// Why a conversation was handed to the admins.
pub mod reason {
    /// The member wrote 人工.
    pub const ASKED: &str = "asked";
    /// The robot found no answer twice in a day.
    pub const UNANSWERED: &str = "unanswered";
}

/// A member's message in a hand-over (`in`) or an admin's reply (`out`).
pub mod direction {
    pub const IN: &str = "in";
    pub const OUT: &str = "out";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConversation {
    pub id: i64,
    pub robot_id: i64,
    pub member_wxid: String,
    pub member_id: Option<i64>,
    /// `open` or `closed`.
    pub status: String,
    pub reason: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: String,
    pub body: String,
    pub sent_by: Option<String>,
    pub created_at: i64,
}

/// How a hand-over request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub conversation_id: i64,
    /// False when the member already had an open conversation (the admins were told then).
    pub new: bool,
}

const CONVERSATION_COLUMNS: &str = "id, robot_id, member_wxid, member_id, status, reason, created_at, updated_at";

fn conversation(r: &AnyRow) -> StoreResult<ServiceConversation> {
    Ok(ServiceConversation {
        id: col(r, "id")?,
        robot_id: col(r, "robot_id")?,
        member_wxid: col(r, "member_wxid")?,
        member_id: col(r, "member_id")?,
        status: col(r, "status")?,
        reason: col(r, "reason")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

impl Store {
    /// Whether the member belongs to one of the robot's groups (as seen from their messages or joins).
    pub async fn is_member_of_robot_groups(&self, robot_id: i64, wxid: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM group_members gm
             JOIN members m ON m.id = gm.member_id JOIN groups g ON g.id = gm.group_id
             WHERE m.wxid = $1 AND g.robot_id = $2",
        )
        .bind(wxid)
        .bind(robot_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    /// Counts one unanswered private message (`key`: its dedupe key; counting the same key again changes
    /// nothing) and returns the day's count.
    pub async fn count_private_miss(
        &self,
        robot_id: i64,
        wxid: &str,
        day: i64,
        key: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO private_chat_misses (robot_id, member_wxid, day, misses, last_key, created_at, updated_at)
             VALUES ($1, $2, $3, 1, $4, $5, $5)
             ON CONFLICT (robot_id, member_wxid, day) DO UPDATE SET
                 misses = private_chat_misses.misses
                     + CASE WHEN private_chat_misses.last_key = excluded.last_key THEN 0 ELSE 1 END,
                 last_key = excluded.last_key, updated_at = excluded.updated_at
             RETURNING misses",
        )
        .bind(robot_id)
        .bind(wxid)
        .bind(day)
        .bind(key)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "misses")
    }

    /// The member's open hand-over with this robot.
    pub async fn open_service_conversation(
        &self,
        robot_id: i64,
        wxid: &str,
    ) -> StoreResult<Option<ServiceConversation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM service_conversations
             WHERE robot_id = $1 AND member_wxid = $2 AND status = 'open'"
        )))
        .bind(robot_id)
        .bind(wxid)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(conversation).transpose()
    }

    /// Opens a hand-over for the member (or finds the open one) and records their message (`key`: its dedupe
    /// key).
    pub async fn hand_over(
        &self,
        robot_id: i64,
        wxid: &str,
        member_id: Option<i64>,
        why: &str,
        message: (&str, &str),
        now: i64,
    ) -> StoreResult<Opened> {
        let inserted = sqlx::query(
            "INSERT INTO service_conversations (robot_id, member_wxid, member_id, status, reason, created_at, updated_at)
             VALUES ($1, $2, $3, 'open', $4, $5, $5)
             ON CONFLICT (robot_id, member_wxid) WHERE status = 'open' DO NOTHING
             RETURNING id",
        )
        .bind(robot_id)
        .bind(wxid)
        .bind(member_id)
        .bind(why)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let opened = match inserted {
            Some(r) => Opened { conversation_id: col(&r, "id")?, new: true },
            None => {
                let open = self.open_service_conversation(robot_id, wxid).await?.ok_or(StoreError::NotFound)?;
                Opened { conversation_id: open.id, new: false }
            }
        };
        let (key, body) = message;
        self.add_service_message(opened.conversation_id, direction::IN, body, None, key, now).await?;
        Ok(opened)
    }

    /// Records one message of a hand-over; a second message with the same `source_key` is ignored. Returns
    /// whether it was new.
    pub async fn add_service_message(
        &self,
        conversation_id: i64,
        dir: &str,
        body: &str,
        sent_by: Option<&str>,
        source_key: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO service_messages (conversation_id, direction, body, sent_by, source_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_key) DO NOTHING",
        )
        .bind(conversation_id)
        .bind(dir)
        .bind(body)
        .bind(sent_by)
        .bind(source_key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE service_conversations SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(conversation_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Open hand-overs, the most recently active first.
    pub async fn open_service_conversations(&self, limit: i64) -> StoreResult<Vec<ServiceConversation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM service_conversations WHERE status = 'open'
             ORDER BY updated_at DESC, id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation).collect()
    }

    pub async fn service_conversation(&self, id: i64) -> StoreResult<ServiceConversation> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM service_conversations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(conversation).transpose()?.ok_or(StoreError::NotFound)
    }

    /// The conversation's last `limit` messages, oldest first.
    pub async fn service_messages(&self, conversation_id: i64, limit: i64) -> StoreResult<Vec<ServiceMessage>> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, direction, body, sent_by, created_at FROM service_messages
             WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(ServiceMessage {
                    id: col(r, "id")?,
                    conversation_id: col(r, "conversation_id")?,
                    direction: col(r, "direction")?,
                    body: col(r, "body")?,
                    sent_by: col(r, "sent_by")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// Records an admin's reply and queues its send in one transaction. Returns false (nothing done) when the
    /// conversation is not open.
    pub async fn service_reply(
        &self,
        conversation_id: i64,
        body: &str,
        by: &str,
        send: &NewOutbox,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let open = sqlx::query("UPDATE service_conversations SET updated_at = $1 WHERE id = $2 AND status = 'open'")
            .bind(now)
            .bind(conversation_id)
            .execute(&mut *tx)
            .await?;
        if open.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO service_messages (conversation_id, direction, body, sent_by, source_key, created_at)
             VALUES ($1, 'out', $2, $3, $4, $5)",
        )
        .bind(conversation_id)
        .bind(body)
        .bind(by)
        .bind(send.key())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        super::outbox::insert_outbox(&mut tx, send, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Closes an open hand-over; false when it was not open.
    pub async fn close_service_conversation(&self, id: i64, by: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE service_conversations SET status = 'closed', closed_by = $1, updated_at = $2
             WHERE id = $3 AND status = 'open'",
        )
        .bind(by)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
