//! Money statistics from the daily rollup (`money_daily`, maintained by the ledger in its booking transaction)
//! and the conversions table: per day × platform for a group, a partner, a member or everything.
//!
//! The rollup is keyed by (day, platform, group, partner, member) and indexed by group, partner and member, so a
//! 30-day report reads at most 30 days of one owner's rows, however many orders there are (see
//! docs/benchmarks.md).

use super::{Store, StoreResult, col};
use crate::money::Fen;

/// Whose figures a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyScope {
    All,
    Group(i64),
    Partner(i64),
    Member(i64),
}

/// One day × platform line of a report. Withdrawals paid are member-level: they appear under platform `""` in
/// member and all-scope reports only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyRow {
    pub day: i64,
    pub platform: String,
    pub conversions: i64,
    pub orders: i64,
    pub invalid_orders: i64,
    pub gmv: Fen,
    pub commission_estimated: Fen,
    pub commission_settled: Fen,
    pub rebate_estimated: Fen,
    pub rebate_settled: Fen,
    pub rebate_paid: Fen,
}

impl Store {
    /// Days `from_day..=to_day` (local days since 1970-01-01 at UTC+`utc_offset_hours`), ordered by day and
    /// platform.
    pub async fn money_report(
        &self,
        scope: MoneyScope,
        from_day: i64,
        to_day: i64,
        utc_offset_hours: i64,
    ) -> StoreResult<Vec<MoneyRow>> {
        let (filter, id) = match scope {
            MoneyScope::All => ("$1 = $1", 0),
            MoneyScope::Group(id) => ("group_id = $1", id),
            MoneyScope::Partner(id) => ("partner_id = $1", id),
            MoneyScope::Member(id) => ("member_id = $1", id),
        };
        let sql = format!(
            "SELECT day, platform,
                    CAST(SUM(orders) AS BIGINT) AS orders,
                    CAST(SUM(invalid_orders) AS BIGINT) AS invalid_orders,
                    CAST(SUM(gmv) AS BIGINT) AS gmv,
                    CAST(SUM(commission_estimated) AS BIGINT) AS commission_estimated,
                    CAST(SUM(commission_settled) AS BIGINT) AS commission_settled,
                    CAST(SUM(rebate_estimated) AS BIGINT) AS rebate_estimated,
                    CAST(SUM(rebate_settled) AS BIGINT) AS rebate_settled,
                    CAST(SUM(rebate_paid) AS BIGINT) AS rebate_paid
             FROM money_daily WHERE {filter} AND day >= $2 AND day <= $3
             GROUP BY day, platform ORDER BY day, platform"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(from_day).bind(to_day).fetch_all(self.reader()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(MoneyRow {
                day: col(r, "day")?,
                platform: col(r, "platform")?,
                conversions: 0,
                orders: col(r, "orders")?,
                invalid_orders: col(r, "invalid_orders")?,
                gmv: Fen(col(r, "gmv")?),
                commission_estimated: Fen(col(r, "commission_estimated")?),
                commission_settled: Fen(col(r, "commission_settled")?),
                rebate_estimated: Fen(col(r, "rebate_estimated")?),
                rebate_settled: Fen(col(r, "rebate_settled")?),
                rebate_paid: Fen(col(r, "rebate_paid")?),
            });
        }
        // Conversions (link replies) per day and platform, from the conversions table's time indexes.
        let conv_filter = match scope {
            MoneyScope::All => "$1 = $1",
            MoneyScope::Group(_) => "group_id = $1",
            MoneyScope::Member(_) => "member_wxid = (SELECT wxid FROM members WHERE id = $1)",
            MoneyScope::Partner(_) => "group_id IN (SELECT id FROM groups WHERE partner_id = $1)",
        };
        let offset_ms = utc_offset_hours * 3_600_000;
        let sql = format!(
            "SELECT (created_at + $2) / 86400000 AS day, platform, COUNT(*) AS n FROM conversions
             WHERE {conv_filter} AND created_at >= $3 AND created_at < $4
             GROUP BY (created_at + $2) / 86400000, platform"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(offset_ms)
            .bind(from_day * 86_400_000 - offset_ms)
            .bind((to_day + 1) * 86_400_000 - offset_ms)
            .fetch_all(self.reader())
            .await?;
        for r in &rows {
            let (day, platform, n): (i64, String, i64) = (col(r, "day")?, col(r, "platform")?, col(r, "n")?);
            match out.iter_mut().find(|m| m.day == day && m.platform == platform) {
                Some(m) => m.conversions = n,
                None => out.push(MoneyRow { day, platform, conversions: n, ..MoneyRow::default() }),
            }
        }
        out.sort_by(|a, b| (a.day, &a.platform).cmp(&(b.day, &b.platform)));
        Ok(out)
    }
}
