//! Dialogs: a command waiting for a missing argument from one member in one conversation, until it expires.

use super::{Store, StoreResult, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// The command's table name.
    pub command: String,
    /// The arguments given so far.
    pub args: Vec<String>,
    pub expires_at: i64,
}

/// Whose dialog: robot, conversation and member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogKey<'a> {
    pub robot_id: i64,
    pub conversation_id: &'a str,
    pub member_wxid: &'a str,
}

impl Store {
    /// The member's open dialog (expired ones included: the caller decides).
    pub async fn dialog(&self, k: DialogKey<'_>) -> StoreResult<Option<Dialog>> {
        let row = sqlx::query(
            "SELECT command, args, expires_at FROM dialogs
             WHERE robot_id = $1 AND conversation_id = $2 AND member_wxid = $3",
        )
        .bind(k.robot_id)
        .bind(k.conversation_id)
        .bind(k.member_wxid)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let args: String = col(&r, "args")?;
        let args = super::from_json_text("dialog args", &args)?;
        Ok(Some(Dialog { command: col(&r, "command")?, args, expires_at: col(&r, "expires_at")? }))
    }

    /// Opens (or replaces) the member's dialog.
    pub async fn save_dialog(&self, k: DialogKey<'_>, d: &Dialog, now: i64) -> StoreResult<()> {
        let args = super::to_json_text("dialog args", &d.args)?;
        sqlx::query(
            "INSERT INTO dialogs (robot_id, conversation_id, member_wxid, command, args, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (robot_id, conversation_id, member_wxid) DO UPDATE SET command = excluded.command,
                 args = excluded.args, expires_at = excluded.expires_at, created_at = excluded.created_at",
        )
        .bind(k.robot_id)
        .bind(k.conversation_id)
        .bind(k.member_wxid)
        .bind(&d.command)
        .bind(args)
        .bind(d.expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_dialog(&self, k: DialogKey<'_>) -> StoreResult<()> {
        sqlx::query("DELETE FROM dialogs WHERE robot_id = $1 AND conversation_id = $2 AND member_wxid = $3")
            .bind(k.robot_id)
            .bind(k.conversation_id)
            .bind(k.member_wxid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes dialogs that expired before `now`.
    pub async fn prune_dialogs(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM dialogs WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
