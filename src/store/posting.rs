//! Posting plans, stored as one typed JSON document each (`posting::Plan`), plus the switch and the chat owner's
//! group for plans made from the chat.

use super::{Store, StoreResult, col};
use crate::posting::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub id: i64,
    pub plan: Plan,
    /// Set for the plan an owner made from the chat for this group.
    pub chat_group_id: Option<i64>,
}

pub(super) fn read(r: &sqlx::any::AnyRow) -> StoreResult<StoredPlan> {
    let mut plan: Plan = super::from_json_text("plan", &col::<String>(r, "spec")?)?;
    plan.enabled = col::<i64>(r, "enabled")? != 0;
    Ok(StoredPlan { id: col(r, "id")?, plan, chat_group_id: col(r, "chat_group_id")? })
}

pub(super) fn spec_json(plan: &Plan) -> StoreResult<String> {
    super::to_json_text("plan", plan)
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

/// A post a plan made or skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery<'a> {
    pub plan_id: i64,
    pub group_id: i64,
    pub robot_id: i64,
    /// Unix seconds.
    pub slot_at: i64,
    pub platform: crate::platform::Platform,
    pub item_key: &'a str,
    /// `queued`, `skipped` or `failed`.
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub outbox_key: Option<&'a str>,
    pub promotion_url: Option<&'a str>,
    /// The attribution tag (`attribution_tags.id`) the post's link carries.
    pub tag_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub plan_id: i64,
    pub group_id: i64,
    pub slot_at: i64,
    pub platform: String,
    pub item_key: String,
    pub status: String,
    pub reason: Option<String>,
    pub promotion_url: Option<String>,
}

impl Store {
    /// Records a delivery; a second record of the same (plan, group, slot, item) is ignored.
    pub async fn record_delivery(&self, d: &NewDelivery<'_>, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        insert_delivery(&mut tx, d, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a post's sends and records its `queued` delivery rows (one per item: a list post has several) in
    /// one transaction: after a crash either all are there or none is, so a slot is never marked posted without
    /// its sends, nor sent without its rows. Returns how many sends were new (keys already queued are ignored).
    pub async fn queue_post(
        &self,
        sends: &[crate::outbox::NewOutbox],
        rows: &[NewDelivery<'_>],
        now: i64,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut n = 0;
        for s in sends {
            n += super::outbox::insert_outbox(&mut tx, s, now).await?;
        }
        for d in rows {
            insert_delivery(&mut tx, d, now).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// True when the plan already posted to the group for this slot.
    pub async fn slot_posted(&self, plan_id: i64, group_id: i64, slot_at: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM posting_deliveries
             WHERE plan_id = $1 AND group_id = $2 AND slot_at = $3 AND status = 'queued'",
        )
        .bind(plan_id)
        .bind(group_id)
        .bind(slot_at)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The items a group was sent since `since` (unix seconds): (item key, unix seconds). By any plan, by
    /// collection (its reference key and its item id) and in the group's own replies (likewise), so one
    /// de-duplication period holds across all of them.
    pub async fn posted_to_group(&self, group_id: i64, since: i64) -> StoreResult<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT item_key, slot_at FROM posting_deliveries
             WHERE group_id = $1 AND status = 'queued' AND slot_at >= $2
             UNION ALL
             SELECT item_key, CAST(not_before / 1000 AS BIGINT) FROM collect_deliveries
             WHERE group_id = $1 AND not_before >= $2 * 1000 AND item_key <> ''
             UNION ALL
             SELECT item_id, CAST(not_before / 1000 AS BIGINT) FROM collect_deliveries
             WHERE group_id = $1 AND not_before >= $2 * 1000 AND item_id IS NOT NULL
             UNION ALL
             SELECT item_key, CAST(created_at / 1000 AS BIGINT) FROM conversions
             WHERE group_id = $1 AND created_at >= $2 * 1000
             UNION ALL
             SELECT item_id, CAST(created_at / 1000 AS BIGINT) FROM conversions
             WHERE group_id = $1 AND created_at >= $2 * 1000",
        )
        .bind(group_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A plan's deliveries, newest first.
    pub async fn plan_deliveries(&self, plan_id: i64, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
        let rows = sqlx::query(
            "SELECT id, plan_id, group_id, slot_at, platform, item_key, status, reason, promotion_url
             FROM posting_deliveries WHERE plan_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(plan_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryRow {
                    id: col(r, "id")?,
                    plan_id: col(r, "plan_id")?,
                    group_id: col(r, "group_id")?,
                    slot_at: col(r, "slot_at")?,
                    platform: col(r, "platform")?,
                    item_key: col(r, "item_key")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    promotion_url: col(r, "promotion_url")?,
                })
            })
            .collect()
    }
}

pub(super) async fn insert_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: &NewDelivery<'_>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO posting_deliveries (plan_id, group_id, robot_id, slot_at, platform, item_key, status, reason,
                outbox_key, promotion_url, created_at, tag_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (plan_id, group_id, slot_at, item_key) DO NOTHING",
    )
    .bind(d.plan_id)
    .bind(d.group_id)
    .bind(d.robot_id)
    .bind(d.slot_at)
    .bind(d.platform.code())
    .bind(d.item_key)
    .bind(d.status)
    .bind(d.reason)
    .bind(d.outbox_key)
    .bind(d.promotion_url)
    .bind(now)
    .bind(d.tag_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
