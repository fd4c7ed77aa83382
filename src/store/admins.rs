//! Operator admins kept in the database (besides the wxids in the configuration).

use super::{Store, StoreResult};

impl Store {
    pub async fn is_admin(&self, wxid: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT wxid FROM admins WHERE wxid = $1").bind(wxid).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Adds an admin; true when they were not one yet.
    pub async fn add_admin(&self, wxid: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO admins (wxid, created_at) VALUES ($1, $2) ON CONFLICT (wxid) DO NOTHING")
            .bind(wxid)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
