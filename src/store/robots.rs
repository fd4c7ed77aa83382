//! Robots (WeChat accounts behind a gateway), synced from the configuration at start-up.

use super::{Store, StoreResult, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Robot {
    pub id: i64,
    pub name: String,
    pub app_id: String,
    pub wxid: String,
    pub nickname: String,
}

impl Store {
    /// Inserts or updates the robot by name and returns its row.
    pub async fn upsert_robot(
        &self,
        name: &str,
        app_id: &str,
        wxid: &str,
        nickname: &str,
        now: i64,
    ) -> StoreResult<Robot> {
        let row = sqlx::query(
            "INSERT INTO robots (name, app_id, wxid, nickname, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (name) DO UPDATE SET app_id = excluded.app_id, wxid = excluded.wxid,
                 nickname = excluded.nickname, updated_at = excluded.updated_at
             RETURNING id, name, app_id, wxid, nickname",
        )
        .bind(name)
        .bind(app_id)
        .bind(wxid)
        .bind(nickname)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Robot {
            id: col(&row, "id")?,
            name: col(&row, "name")?,
            app_id: col(&row, "app_id")?,
            wxid: col(&row, "wxid")?,
            nickname: col(&row, "nickname")?,
        })
    }
}
