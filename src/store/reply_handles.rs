//! Reply handles: where a gateway wants the replies to a message (WeCom 智能机器人 `response_url`), read from the
//! recorded inbound messages of a conversation.

use super::{Store, StoreResult, col};

#[derive(serde::Deserialize)]
struct Handle {
    #[serde(default)]
    reply_handle: Option<String>,
}

impl Store {
    /// The reply handle of the latest message of `conversation_id` recorded for `robot_id` since `since` (ms).
    pub async fn latest_reply_handle(
        &self,
        robot_id: i64,
        conversation_id: &str,
        since: i64,
    ) -> StoreResult<Option<String>> {
        let rows = sqlx::query(
            "SELECT payload FROM inbound WHERE robot_id = $1 AND conversation_id = $2 AND created_at >= $3
             ORDER BY id DESC LIMIT 10",
        )
        .bind(robot_id)
        .bind(conversation_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let payload: String = col(&row, "payload")?;
            if let Ok(Handle { reply_handle: Some(h) }) = serde_json::from_str(&payload) {
                return Ok(Some(h));
            }
        }
        Ok(None)
    }
}
