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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// The rates the ledger booked the order with and the rules they came from; `None` until booked.
    pub booked: Option<BookedRates>,
}

/// The rates frozen for an order at its first booking, and which rule set each (`None`: the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BookedRates {
    pub rebate_bps: i64,
    pub partner_bps: i64,
    pub agent_bps: i64,
    pub agent2_bps: i64,
    pub rules: super::rate_rules::AppliedRules,
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
                p.name AS partner_name, o.member_id, m.nickname AS member_name, o.paid_at,
                lo.rebate_bps, lo.partner_bps, lo.agent_bps, lo.rebate_rule_id, lo.partner_rule_id, lo.agent_rule_id,
                lo.agent2_bps, lo.agent2_rule_id
             FROM orders o LEFT JOIN groups g ON g.id = o.group_id LEFT JOIN partners p ON p.id = o.partner_id
                LEFT JOIN members m ON m.id = o.member_id LEFT JOIN ledger_orders lo ON lo.order_id = o.id
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
        let rows = q.bind(limit).bind(offset).fetch_all(self.reader()).await?;
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
                    booked: booked_rates(r)?,
                })
            })
            .collect()
    }
}

fn booked_rates(r: &sqlx::any::AnyRow) -> StoreResult<Option<BookedRates>> {
    let Some(rebate_bps) = col::<Option<i64>>(r, "rebate_bps")? else { return Ok(None) };
    Ok(Some(BookedRates {
        rebate_bps,
        partner_bps: col(r, "partner_bps")?,
        agent_bps: col(r, "agent_bps")?,
        agent2_bps: col(r, "agent2_bps")?,
        rules: super::rate_rules::AppliedRules {
            rebate: col(r, "rebate_rule_id")?,
            partner: col(r, "partner_rule_id")?,
            agent: col(r, "agent_rule_id")?,
            agent2: col(r, "agent2_rule_id")?,
        },
    }))
}
