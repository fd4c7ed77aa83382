//! Writes of a group's owner-controlled settings: the settings JSON and the copy and poster templates.

use super::{Store, StoreResult};

impl Store {
    pub async fn set_group_settings(&self, group_id: i64, settings_json: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET settings = $1, updated_at = $2 WHERE id = $3")
            .bind(settings_json)
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `None` restores the default copy text.
    pub async fn set_copy_template(&self, group_id: i64, template: Option<&str>, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET copy_template = $1, updated_at = $2 WHERE id = $3")
            .bind(template)
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `None` restores the default poster template.
    pub async fn set_poster_template(&self, group_id: i64, name: Option<&str>, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET poster_template = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
