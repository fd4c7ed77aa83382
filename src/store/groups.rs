//! Groups (WeChat rooms) a robot serves, their switches and their owner.

use super::{Store, StoreResult, col};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub robot_id: i64,
    pub room_id: String,
    pub name: String,
    pub enabled: bool,
    pub partner_id: Option<i64>,
    pub poster_template: Option<String>,
    pub copy_template: Option<String>,
    /// Feature switches and other per-group settings as JSON text.
    pub settings: String,
}

fn group_from_row(row: &AnyRow) -> StoreResult<Group> {
    Ok(Group {
        id: col(row, "id")?,
        robot_id: col(row, "robot_id")?,
        room_id: col(row, "room_id")?,
        name: col(row, "name")?,
        enabled: col::<i64>(row, "enabled")? != 0,
        partner_id: col(row, "partner_id")?,
        poster_template: col(row, "poster_template")?,
        copy_template: col(row, "copy_template")?,
        settings: col(row, "settings")?,
    })
}

const GROUP_COLUMNS: &str =
    "id, robot_id, room_id, name, enabled, partner_id, poster_template, copy_template, settings";

impl Store {
    /// Returns the group, registering it (enabled or not) the first time it is seen.
    pub async fn ensure_group(
        &self,
        robot_id: i64,
        room_id: &str,
        enabled_if_new: bool,
        now: i64,
    ) -> StoreResult<Group> {
        sqlx::query(
            "INSERT INTO groups (robot_id, room_id, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (robot_id, room_id) DO NOTHING",
        )
        .bind(robot_id)
        .bind(room_id)
        .bind(i64::from(enabled_if_new))
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GROUP_COLUMNS} FROM groups WHERE robot_id = $1 AND room_id = $2"
        )))
        .bind(robot_id)
        .bind(room_id)
        .fetch_one(&self.pool)
        .await?;
        group_from_row(&row)
    }

    pub async fn set_group_enabled(&self, group_id: i64, enabled: bool, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(enabled))
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_group_partner(&self, group_id: i64, partner_id: Option<i64>, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET partner_id = $1, updated_at = $2 WHERE id = $3")
            .bind(partner_id)
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_partner(
        &self,
        name: &str,
        wxid: Option<&str>,
        parent_id: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO partners (name, wxid, parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(name)
        .bind(wxid)
        .bind(parent_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "id")
    }
}
