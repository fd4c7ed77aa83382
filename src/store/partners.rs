//! Partners (合伙人) who own groups, looked up and registered by wxid.

use super::{Store, StoreResult, col};

impl Store {
    /// The partner's wxid, when they have one.
    pub async fn partner_wxid(&self, partner_id: i64) -> StoreResult<Option<String>> {
        let row =
            sqlx::query("SELECT wxid FROM partners WHERE id = $1").bind(partner_id).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => col(&r, "wxid"),
            None => Ok(None),
        }
    }

    /// The partner with this wxid, registered (named `name`) when new.
    pub async fn ensure_partner(&self, wxid: &str, name: &str, now: i64) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO partners (name, wxid, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (wxid) DO UPDATE SET updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(name)
        .bind(wxid)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "id")
    }
}
