//! Posting plans, stored as one typed JSON document each (`posting::Plan`), plus the switch and the chat owner's
//! group for plans made from the chat.

use super::{Store, StoreError, StoreResult, col};
use crate::posting::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub id: i64,
    pub plan: Plan,
    /// Set for the plan an owner made from the chat for this group.
    pub chat_group_id: Option<i64>,
}

fn read(r: &sqlx::any::AnyRow) -> StoreResult<StoredPlan> {
    let spec: String = col(r, "spec")?;
    let mut plan: Plan = serde_json::from_str(&spec).map_err(|e| StoreError::Corrupt(format!("plan: {e}")))?;
    plan.enabled = col::<i64>(r, "enabled")? != 0;
    Ok(StoredPlan { id: col(r, "id")?, plan, chat_group_id: col(r, "chat_group_id")? })
}

fn spec_json(plan: &Plan) -> StoreResult<String> {
    serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(format!("plan: {e}")))
}

impl Store {
    /// The plan an owner made from the chat for `group_id`.
    pub async fn chat_plan(&self, group_id: i64) -> StoreResult<Option<StoredPlan>> {
        let row = sqlx::query("SELECT id, spec, enabled, chat_group_id FROM posting_plans WHERE chat_group_id = $1")
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(read).transpose()
    }

    /// Creates or replaces the chat plan of `group_id`; returns its id.
    pub async fn save_chat_plan(&self, group_id: i64, plan: &Plan, now: i64) -> StoreResult<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO posting_plans (name, spec, enabled, chat_group_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (chat_group_id) DO UPDATE SET name = excluded.name, spec = excluded.spec,
                enabled = excluded.enabled, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(&plan.name)
        .bind(spec_json(plan)?)
        .bind(i64::from(plan.enabled))
        .bind(group_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Every plan that is switched on.
    pub async fn enabled_plans(&self) -> StoreResult<Vec<StoredPlan>> {
        let rows =
            sqlx::query("SELECT id, spec, enabled, chat_group_id FROM posting_plans WHERE enabled = 1 ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(read).collect()
    }
}
