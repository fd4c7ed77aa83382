//! Counts the chat replies show (我的).

use super::{Store, StoreResult, col};

impl Store {
    /// Conversions made for the member since `since` (unix ms).
    pub async fn count_member_conversions(&self, wxid: &str, since: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM conversions WHERE member_wxid = $1 AND created_at >= $2")
            .bind(wxid)
            .bind(since)
            .fetch_one(self.reader())
            .await?;
        col(&row, "n")
    }
}
