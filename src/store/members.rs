//! Group members, registered on their first message; nicknames kept current.

use super::{Store, StoreResult, col};

impl Store {
    /// Registers the member (and their membership of the group) or refreshes the nickname; returns the member id.
    pub async fn touch_member(
        &self,
        wxid: &str,
        nickname: Option<&str>,
        group_id: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO members (wxid, nickname, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (wxid) DO UPDATE SET
                 nickname = CASE WHEN excluded.nickname = '' THEN members.nickname ELSE excluded.nickname END,
                 updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(wxid)
        .bind(nickname.unwrap_or(""))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let id: i64 = col(&row, "id")?;
        if let Some(g) = group_id {
            sqlx::query(
                "INSERT INTO group_members (group_id, member_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (group_id, member_id) DO NOTHING",
            )
            .bind(g)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        }
        Ok(id)
    }

    /// The member's last known nickname.
    pub async fn member_nickname(&self, wxid: &str) -> StoreResult<Option<String>> {
        let row =
            sqlx::query("SELECT nickname FROM members WHERE wxid = $1").bind(wxid).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => {
                let n: String = col(&r, "nickname")?;
                Ok(if n.is_empty() { None } else { Some(n) })
            }
            None => Ok(None),
        }
    }
}

impl Store {
    /// The member's id, if they are registered.
    pub async fn member_id(&self, wxid: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT id FROM members WHERE wxid = $1").bind(wxid).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, "id")).transpose()
    }
}
