//! Q&A entries (智能问答), per group and global (`group_id` 0), with hit counts.

use super::{Store, StoreResult, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqRow {
    pub id: i64,
    pub group_id: i64,
    pub question: String,
    pub answer: String,
    pub hits: i64,
}

impl Store {
    /// Saves an entry, replacing the group's entry of the same question. True when it replaced one.
    pub async fn upsert_faq(&self, group_id: i64, question: &str, answer: &str, now: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "INSERT INTO faq_entries (group_id, question, answer, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (group_id, question) DO UPDATE SET answer = excluded.answer, hits = 0,
                 updated_at = excluded.updated_at
             RETURNING created_at",
        )
        .bind(group_id)
        .bind(question)
        .bind(answer)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let created: i64 = col(&row, "created_at")?;
        Ok(created != now)
    }

    /// Deletes the group's entry of this question; true when there was one.
    pub async fn delete_faq(&self, group_id: i64, question: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM faq_entries WHERE group_id = $1 AND question = $2")
            .bind(group_id)
            .bind(question)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The group's own entries and the global ones, the group's first.
    pub async fn faq_entries(&self, group_id: i64) -> StoreResult<Vec<FaqRow>> {
        let rows = sqlx::query(
            "SELECT id, group_id, question, answer, hits FROM faq_entries WHERE group_id = $1 OR group_id = 0
             ORDER BY CASE WHEN group_id = 0 THEN 1 ELSE 0 END, id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FaqRow {
                    id: col(r, "id")?,
                    group_id: col(r, "group_id")?,
                    question: col(r, "question")?,
                    answer: col(r, "answer")?,
                    hits: col(r, "hits")?,
                })
            })
            .collect()
    }

    pub async fn count_faq_hit(&self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE faq_entries SET hits = hits + 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }
}
