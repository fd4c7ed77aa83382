//! The dashboard's order list: orders with their group, partner and member names, filtered and paged.

use super::{Store, StoreError, StoreResult, col};
use crate::money::Fen;
use crate::order::Lifecycle;
use crate::platform::Platform;
use serde::Serialize;

/// Which orders to list. `paid_from` / `paid_until` are unix seconds (inclusive / exclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub platform: Option<Platform>,
    pub lifecycle: Option<Lifecycle>,
    pub group_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub member_id: Option<i64>,
    pub paid_from: Option<i64>,
    pub paid_until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderListRow {
    pub id: i64,
    pub platform: Platform,
    pub order_key: String,
    pub item_title: String,
    pub paid_amount: Fen,
    pub estimated_commission: Fen,
    pub settled_commission: Fen,
    pub lifecycle: Lifecycle,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub partner_id: Option<i64>,
    pub partner_name: Option<String>,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    /// Unix seconds.
    pub paid_at: Option<i64>,
}

/// Order money of one local day of payment. Invalid orders count for nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DayMoney {
    /// Days since 1970-01-01, local.
    pub day: i64,
    pub orders: i64,
    pub gmv: Fen,
    pub estimated_commission: Fen,
    /// Commission of settled orders.
    pub settled_commission: Fen,
}

/// One partner's orders over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerMoney {
    pub partner_id: i64,
    pub name: String,
    pub orders: i64,
    pub estimated_commission: Fen,
}

enum Arg {
    Int(i64),
    Text(String),
}

impl Store {
    /// Orders matching `f`, newest payment first.
    pub async fn order_list(&self, f: &OrderFilter, limit: i64, offset: i64) -> StoreResult<Vec<OrderListRow>> {
        let mut conds = Vec::new();
        let mut args = Vec::new();
        let mut add = |cond: &str, arg: Arg| {
            args.push(arg);
            conds.push(cond.replace('?', &format!("${}", args.len())));
        };
        if let Some(p) = f.platform {
            add("o.platform = ?", Arg::Text(p.code().into()));
        }
        if let Some(l) = f.lifecycle {
            add("o.lifecycle = ?", Arg::Text(l.code().into()));
        }
        if let Some(g) = f.group_id {
            add("o.group_id = ?", Arg::Int(g));
        }
        if let Some(p) = f.partner_id {
            add("o.partner_id = ?", Arg::Int(p));
        }
        if let Some(m) = f.member_id {
            add("o.member_id = ?", Arg::Int(m));
        }
        if let Some(t) = f.paid_from {
            add("o.paid_at >= ?", Arg::Int(t));
        }
        if let Some(t) = f.paid_until {
            add("o.paid_at < ?", Arg::Int(t));
        }
        let filter = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
        let sql = format!(
            "SELECT o.id, o.platform, o.order_key, o.item_title, o.paid_amount_fen, o.estimated_commission_fen,
                o.settled_commission_fen, o.lifecycle, o.group_id, g.name AS group_name, o.partner_id,
                p.name AS partner_name, o.member_id, m.nickname AS member_name, o.paid_at
             FROM orders o LEFT JOIN groups g ON g.id = o.group_id LEFT JOIN partners p ON p.id = o.partner_id
                LEFT JOIN members m ON m.id = o.member_id
             {filter} ORDER BY COALESCE(o.paid_at, o.modified_at) DESC, o.id DESC LIMIT ${} OFFSET ${}",
            args.len() + 1,
            args.len() + 2
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in args {
            q = match a {
                Arg::Int(i) => q.bind(i),
                Arg::Text(s) => q.bind(s),
            };
        }
        let rows = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let platform: String = col(r, "platform")?;
                let lifecycle: String = col(r, "lifecycle")?;
                Ok(OrderListRow {
                    id: col(r, "id")?,
                    platform: platform.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    order_key: col(r, "order_key")?,
                    item_title: col(r, "item_title")?,
                    paid_amount: Fen(col(r, "paid_amount_fen")?),
                    estimated_commission: Fen(col(r, "estimated_commission_fen")?),
                    settled_commission: Fen(col(r, "settled_commission_fen")?),
                    lifecycle: lifecycle.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    group_id: col(r, "group_id")?,
                    group_name: col(r, "group_name")?,
                    partner_id: col(r, "partner_id")?,
                    partner_name: col(r, "partner_name")?,
                    member_id: col(r, "member_id")?,
                    member_name: col(r, "member_name")?,
                    paid_at: col(r, "paid_at")?,
                })
            })
            .collect()
    }

    /// Order money per local day of payment since `since` (unix seconds), optionally of one partner's orders.
    pub async fn order_money_per_day(
        &self,
        partner: Option<i64>,
        since: i64,
        utc_offset_secs: i64,
    ) -> StoreResult<Vec<DayMoney>> {
        let scope = if partner.is_some() { " AND partner_id = $3" } else { "" };
        let sql = format!(
            "SELECT (paid_at + $1) / 86400 AS day, COUNT(*) AS orders,
                CAST(COALESCE(SUM(paid_amount_fen), 0) AS BIGINT) AS gmv,
                CAST(COALESCE(SUM(estimated_commission_fen), 0) AS BIGINT) AS estimated,
                CAST(COALESCE(SUM(CASE WHEN lifecycle = 'settled' THEN settled_commission_fen ELSE 0 END), 0) AS BIGINT)
                    AS settled
             FROM orders WHERE paid_at >= $2 AND lifecycle <> 'invalid'{scope}
             GROUP BY day ORDER BY day"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(utc_offset_secs).bind(since);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(DayMoney {
                    day: col(r, "day")?,
                    orders: col(r, "orders")?,
                    gmv: Fen(col(r, "gmv")?),
                    estimated_commission: Fen(col(r, "estimated")?),
                    settled_commission: Fen(col(r, "settled")?),
                })
            })
            .collect()
    }

    /// Partners by estimated commission of their orders paid since `since` (unix seconds), largest first.
    pub async fn top_partners(&self, only: Option<i64>, since: i64, limit: i64) -> StoreResult<Vec<PartnerMoney>> {
        let scope = if only.is_some() { " AND o.partner_id = $3" } else { "" };
        let sql = format!(
            "SELECT o.partner_id, p.name, COUNT(*) AS orders,
                CAST(COALESCE(SUM(o.estimated_commission_fen), 0) AS BIGINT) AS estimated
             FROM orders o JOIN partners p ON p.id = o.partner_id
             WHERE o.paid_at >= $1 AND o.lifecycle <> 'invalid'{scope}
             GROUP BY o.partner_id, p.name ORDER BY estimated DESC, o.partner_id LIMIT $2"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since).bind(limit);
        if let Some(p) = only {
            q = q.bind(p);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(PartnerMoney {
                    partner_id: col(r, "partner_id")?,
                    name: col(r, "name")?,
                    orders: col(r, "orders")?,
                    estimated_commission: Fen(col(r, "estimated")?),
                })
            })
            .collect()
    }
}
