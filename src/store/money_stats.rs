//! Money figures the dashboard needs besides the ledger's money report (`stats_money`): partners ranked by booked
//! commission (from the ledger's rollup `money_daily`) and what members are owed (from `ledger_balances`).

use super::{Store, StoreResult, col};
use crate::money::Fen;
use serde::Serialize;

/// One partner's booked money over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PartnerMoney {
    pub partner_id: i64,
    pub name: String,
    pub orders: i64,
    pub estimated_commission: Fen,
}

/// What members are owed, summed over their ledger accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RebatesOwed {
    /// Booked for orders not settled yet.
    pub pending: Fen,
    /// Settled; members may withdraw it.
    pub available: Fen,
    /// Asked for, waiting for approval.
    pub withdrawing: Fen,
    pub paid_out: Fen,
}

fn sum(column: &str) -> String {
    format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")
}

impl Store {
    /// Partners by booked estimated commission from `first_day` on, largest first.
    pub async fn top_partners(&self, only: Option<i64>, first_day: i64, limit: i64) -> StoreResult<Vec<PartnerMoney>> {
        let scope = if only.is_some() { " AND d.partner_id = $3" } else { "" };
        let sql = format!(
            "SELECT d.partner_id, p.name, {} AS orders, {} AS estimated
             FROM money_daily d JOIN partners p ON p.id = d.partner_id
             WHERE d.day >= $1 AND d.platform <> ''{scope}
             GROUP BY d.partner_id, p.name ORDER BY estimated DESC, d.partner_id LIMIT $2",
            sum("d.orders"),
            sum("d.commission_estimated"),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first_day).bind(limit);
        if let Some(p) = only {
            q = q.bind(p);
        }
        let rows = q.fetch_all(self.reader()).await?;
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

    /// Members' balances summed; with `partner`, only members of that partner's groups.
    pub async fn rebates_owed(&self, partner: Option<i64>) -> StoreResult<RebatesOwed> {
        let scope = if partner.is_some() {
            " AND b.account_id IN (SELECT gm.member_id FROM group_members gm JOIN groups g ON g.id = gm.group_id
                 WHERE g.partner_id = $1)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} AS pending, {} AS available, {} AS withdrawing, {} AS paid_out
             FROM ledger_balances b WHERE b.account_kind = 'member'{scope}",
            sum("b.pending"),
            sum("b.available"),
            sum("b.withdrawing"),
            sum("b.paid_out"),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(p) = partner {
            q = q.bind(p);
        }
        let r = q.fetch_one(self.reader()).await?;
        Ok(RebatesOwed {
            pending: Fen(col(&r, "pending")?),
            available: Fen(col(&r, "available")?),
            withdrawing: Fen(col(&r, "withdrawing")?),
            paid_out: Fen(col(&r, "paid_out")?),
        })
    }
}
