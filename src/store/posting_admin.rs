//! Posting plans as the dashboard manages them (list, create, edit, switch), the groups a plan's targets name,
//! recent deliveries, and what posts earned: orders come back with the attribution tag the post's link carried
//! (`m<member>_c<tag>` or `c<tag>`), and each queued delivery records that tag id.

use super::dashboard::scope_clause;
use super::posting::{StoredPlan, spec_json};
use super::{Store, StoreError, StoreResult, col};
use crate::posting::Plan;
use sqlx::any::AnyRow;

/// A plan with its times (unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub stored: StoredPlan,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A delivery as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryListRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub group_id: i64,
    pub group_name: String,
    pub robot_id: i64,
    pub platform: String,
    pub item_key: String,
    pub item_title: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub tag_id: Option<i64>,
    /// Unix seconds.
    pub slot_at: i64,
    /// Unix ms.
    pub created_at: i64,
}

/// Delivery counts of one (plan, group, status, reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCount {
    pub plan_id: i64,
    pub group_id: i64,
    pub status: String,
    pub reason: Option<String>,
    pub count: i64,
}

/// The orders one queued delivery brought (invalid orders left out). Money in 分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOrders {
    pub delivery_id: i64,
    pub plan_id: i64,
    pub group_id: i64,
    pub item_key: String,
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

/// Every order of a group (invalid ones left out), however it came: posts, members' conversions, mass posts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GroupOrders {
    pub group_id: i64,
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

fn read_plan(r: &AnyRow) -> StoreResult<PlanRow> {
    Ok(PlanRow {
        stored: super::posting::read(r)?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// Count, GMV and commissions of the orders `o`: the columns `n`, `gmv`, `est`, `settled`.
const ORDER_SUMS: &str = "CAST(COUNT(o.id) AS BIGINT) AS n,
    CAST(COALESCE(SUM(o.paid_amount_fen), 0) AS BIGINT) AS gmv,
    CAST(COALESCE(SUM(o.estimated_commission_fen), 0) AS BIGINT) AS est,
    CAST(COALESCE(SUM(o.settled_commission_fen), 0) AS BIGINT) AS settled";

/// The [`ORDER_SUMS`] columns of a row: (orders, GMV, estimated, settled commission).
fn order_sums(r: &AnyRow) -> StoreResult<(i64, i64, i64, i64)> {
    Ok((col(r, "n")?, col(r, "gmv")?, col(r, "est")?, col(r, "settled")?))
}

const PLAN_COLUMNS: &str = "id, spec, enabled, chat_group_id, created_at, updated_at";

impl Store {
    /// Every plan, oldest first.
    pub async fn posting_plans(&self) -> StoreResult<Vec<PlanRow>> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM posting_plans ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.reader()).await?;
        rows.iter().map(read_plan).collect()
    }

    pub async fn posting_plan(&self, id: i64) -> StoreResult<PlanRow> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM posting_plans WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.reader()).await?;
        row.as_ref().map(read_plan).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Stores a new plan (not a chat plan); returns its id.
    pub async fn create_plan(&self, plan: &Plan, now: i64) -> StoreResult<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO posting_plans (name, spec, enabled, chat_group_id, created_at, updated_at)
             VALUES ($1, $2, $3, NULL, $4, $4) RETURNING id",
        )
        .bind(&plan.name)
        .bind(spec_json(plan)?)
        .bind(i64::from(plan.enabled))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Replaces a plan's document and switch.
    pub async fn update_plan(&self, id: i64, plan: &Plan, now: i64) -> StoreResult<()> {
        let done =
            sqlx::query("UPDATE posting_plans SET name = $1, spec = $2, enabled = $3, updated_at = $4 WHERE id = $5")
                .bind(&plan.name)
                .bind(spec_json(plan)?)
                .bind(i64::from(plan.enabled))
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The enabled groups, or the enabled groups of one partner, by id.
    pub async fn enabled_group_ids(&self, partner: Option<i64>) -> StoreResult<Vec<i64>> {
        let sql =
            format!("SELECT id FROM groups WHERE enabled = 1{} ORDER BY id", scope_clause(partner, "partner_id", 1));
        let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
        if let Some(p) = partner {
            q = q.bind(p);
        }
        Ok(q.fetch_all(&self.pool).await?.into_iter().map(|(id,)| id).collect())
    }

    /// The newest deliveries (of one plan when given), into the partner's groups when scoped.
    pub async fn recent_deliveries(
        &self,
        partner: Option<i64>,
        plan_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryListRow>> {
        let mut n = 2;
        let mut filter = String::new();
        if partner.is_some() {
            filter.push_str(&scope_clause(partner, "g.partner_id", n));
            n += 1;
        }
        if plan_id.is_some() {
            filter.push_str(&format!(" AND d.plan_id = ${n}"));
        }
        let sql = format!(
            "SELECT d.id, d.plan_id, p.name AS plan_name, d.group_id, g.name AS group_name, d.robot_id, d.platform,
                d.item_key, f.title AS item_title, d.status, d.reason, d.tag_id, d.slot_at, d.created_at
             FROM posting_deliveries d JOIN posting_plans p ON p.id = d.plan_id JOIN groups g ON g.id = d.group_id
             LEFT JOIN feed_items f ON f.platform = d.platform AND f.item_key = d.item_key
             WHERE 1 = 1{filter} ORDER BY d.id DESC LIMIT $1"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        if let Some(p) = plan_id {
            q = q.bind(p);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryListRow {
                    id: col(r, "id")?,
                    plan_id: col(r, "plan_id")?,
                    plan_name: col(r, "plan_name")?,
                    group_id: col(r, "group_id")?,
                    group_name: col(r, "group_name")?,
                    robot_id: col(r, "robot_id")?,
                    platform: col(r, "platform")?,
                    item_key: col(r, "item_key")?,
                    item_title: col(r, "item_title")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    tag_id: col(r, "tag_id")?,
                    slot_at: col(r, "slot_at")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Delivery counts by (plan, group, status, reason), into the partner's groups when scoped.
    pub async fn delivery_counts(&self, partner: Option<i64>) -> StoreResult<Vec<DeliveryCount>> {
        let sql = format!(
            "SELECT d.plan_id, d.group_id, d.status, d.reason, CAST(COUNT(*) AS BIGINT) AS n
             FROM posting_deliveries d JOIN groups g ON g.id = d.group_id
             WHERE 1 = 1{} GROUP BY d.plan_id, d.group_id, d.status, d.reason",
            scope_clause(partner, "g.partner_id", 1)
        );
        let rows = self.partner_scoped_rows(sql, partner).await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryCount {
                    plan_id: col(r, "plan_id")?,
                    group_id: col(r, "group_id")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    count: col(r, "n")?,
                })
            })
            .collect()
    }

    /// For every queued delivery that brought orders: their count, GMV and commission (invalid orders left out).
    /// An order belongs to the delivery whose tag it carries, on the same platform.
    pub async fn delivery_orders(&self, partner: Option<i64>) -> StoreResult<Vec<DeliveryOrders>> {
        let sql = format!(
            "SELECT d.id, d.plan_id, d.group_id, d.item_key, {ORDER_SUMS}
             FROM posting_deliveries d JOIN groups g ON g.id = d.group_id
             JOIN orders o ON o.platform = d.platform AND o.lifecycle <> 'invalid'
                AND (o.member_tag = 'c' || CAST(d.tag_id AS TEXT)
                     OR o.member_tag LIKE ('%\\_c' || CAST(d.tag_id AS TEXT)) ESCAPE '\\')
             WHERE d.status = 'queued' AND d.tag_id IS NOT NULL{}
             GROUP BY d.id, d.plan_id, d.group_id, d.item_key ORDER BY d.id",
            scope_clause(partner, "g.partner_id", 1)
        );
        let rows = self.partner_scoped_rows(sql, partner).await?;
        rows.iter()
            .map(|r| {
                let (orders, gmv_fen, estimated_fen, settled_fen) = order_sums(r)?;
                Ok(DeliveryOrders {
                    delivery_id: col(r, "id")?,
                    plan_id: col(r, "plan_id")?,
                    group_id: col(r, "group_id")?,
                    item_key: col(r, "item_key")?,
                    orders,
                    gmv_fen,
                    estimated_fen,
                    settled_fen,
                })
            })
            .collect()
    }
}

impl Store {
    /// Per group: every order attributed to it (invalid ones left out), into the partner's groups when scoped.
    pub async fn group_orders(&self, partner: Option<i64>) -> StoreResult<Vec<GroupOrders>> {
        let sql = format!(
            "SELECT o.group_id, {ORDER_SUMS}
             FROM orders o JOIN groups g ON g.id = o.group_id
             WHERE o.lifecycle <> 'invalid'{} GROUP BY o.group_id ORDER BY o.group_id",
            scope_clause(partner, "g.partner_id", 1)
        );
        let rows = self.partner_scoped_rows(sql, partner).await?;
        rows.iter()
            .map(|r| {
                let (orders, gmv_fen, estimated_fen, settled_fen) = order_sums(r)?;
                Ok(GroupOrders { group_id: col(r, "group_id")?, orders, gmv_fen, estimated_fen, settled_fen })
            })
            .collect()
    }
}
