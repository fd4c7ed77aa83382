//! Counts the chat replies show (我的).

use super::{Store, StoreResult, col};

impl Store {
    /// Conversions made for the member since `since` (unix ms).
    pub async fn count_member_conversions(&self, wxid: &str, since: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM conversions WHERE member_wxid = $1 AND created_at >= $2")
            .bind(wxid)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }

    /// The member's id, when registered.
    pub async fn member_id(&self, wxid: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT id FROM members WHERE wxid = $1").bind(wxid).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, "id")).transpose()
    }
}
