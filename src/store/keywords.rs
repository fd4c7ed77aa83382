//! Keyword auto-reply rules, per group and global (`group_id` 0), with hit counts.

use super::{Store, StoreResult, col};

/// Group id of rules that apply in every group.
pub const GLOBAL: i64 = 0;
/// The rule set of private chat (keyword rules and Q&A entries stored under this group id).
pub const PRIVATE: i64 = -1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordRow {
    pub id: i64,
    pub group_id: i64,
    /// `exact`, `contains` or `regex`.
    pub match_kind: String,
    pub pattern: String,
    /// `text` or `image`.
    pub reply_kind: String,
    pub reply: String,
    pub priority: i64,
    pub hits: i64,
}

/// A rule to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKeyword<'a> {
    pub group_id: i64,
    pub match_kind: &'a str,
    pub pattern: &'a str,
    pub reply_kind: &'a str,
    pub reply: &'a str,
    pub priority: i64,
}

impl Store {
    /// Saves a rule, replacing the group's rule of the same pattern. True when it replaced one.
    pub async fn upsert_keyword(&self, k: &NewKeyword<'_>, now: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "INSERT INTO keyword_rules (group_id, match_kind, pattern, reply_kind, reply, priority, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (group_id, pattern) DO UPDATE SET match_kind = excluded.match_kind,
                 reply_kind = excluded.reply_kind, reply = excluded.reply, priority = excluded.priority,
                 hits = 0, updated_at = excluded.updated_at
             RETURNING created_at",
        )
        .bind(k.group_id)
        .bind(k.match_kind)
        .bind(k.pattern)
        .bind(k.reply_kind)
        .bind(k.reply)
        .bind(k.priority)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let created: i64 = col(&row, "created_at")?;
        Ok(created != now)
    }

    /// Deletes the group's rule of this pattern; true when there was one.
    pub async fn delete_keyword(&self, group_id: i64, pattern: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM keyword_rules WHERE group_id = $1 AND pattern = $2")
            .bind(group_id)
            .bind(pattern)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The group's own rules and the global ones.
    pub async fn keyword_rules(&self, group_id: i64) -> StoreResult<Vec<KeywordRow>> {
        let rows = sqlx::query(
            "SELECT id, group_id, match_kind, pattern, reply_kind, reply, priority, hits FROM keyword_rules
             WHERE group_id = $1 OR group_id = 0 ORDER BY id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KeywordRow {
                    id: col(r, "id")?,
                    group_id: col(r, "group_id")?,
                    match_kind: col(r, "match_kind")?,
                    pattern: col(r, "pattern")?,
                    reply_kind: col(r, "reply_kind")?,
                    reply: col(r, "reply")?,
                    priority: col(r, "priority")?,
                    hits: col(r, "hits")?,
                })
            })
            .collect()
    }

    pub async fn count_keyword_hit(&self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE keyword_rules SET hits = hits + 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }
}
