//! 财务日志 and monthly statements: the ledger's entries filtered by account, kind and time (each linked to its
//! order or withdrawal request), and one partner's (or agent's) month: their orders, shares, adjustments, payouts
//! and opening and closing balances, all summed from the same entries.

use super::ledger::{AccountKind, buckets_from_columns, buckets_from_row};
use super::{Store, StoreError, StoreResult, col};
use crate::ledger::rules::Buckets;
use sqlx::any::AnyRow;

/// Which entries to list. Times are unix ms, `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// One account (kind and id).
    pub account: Option<(AccountKind, i64)>,
    /// Only the partner and agent accounts of this partner (a partner's own view).
    pub partner: Option<i64>,
    /// The entry kind (`book`, `settle`, `withdrawal`, …).
    pub kind: Option<String>,
    /// The entries of one order (its split over the accounts).
    pub order_id: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// One ledger entry with what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub account_kind: AccountKind,
    pub account_id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    /// The order's platform key, when the entry is an order's.
    pub order_key: Option<String>,
    pub withdrawal_id: Option<i64>,
    pub delta: Buckets,
    pub flagged: bool,
    pub created_at: i64,
}

/// What one value of a filter binds.
enum Arg {
    Int(i64),
    Text(String),
}

impl EntryFilter {
    /// ` AND …` conditions on `e` (ledger_entries) with their arguments, numbered from `$1`.
    fn sql(&self) -> (String, Vec<Arg>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        let mut add = |cond: &str, a: Arg, args: &mut Vec<Arg>| {
            args.push(a);
            sql.push_str(&cond.replace('?', &format!("${}", args.len())));
        };
        if let Some((kind, id)) = self.account {
            add(" AND e.account_kind = ?", Arg::Text(kind.code().into()), &mut args);
            add(" AND e.account_id = ?", Arg::Int(id), &mut args);
        }
        if let Some(p) = self.partner {
            add(" AND e.account_kind IN ('partner', 'agent') AND e.account_id = ?", Arg::Int(p), &mut args);
        }
        if let Some(k) = &self.kind {
            add(" AND e.kind = ?", Arg::Text(k.clone()), &mut args);
        }
        if let Some(o) = self.order_id {
            add(" AND e.order_id = ?", Arg::Int(o), &mut args);
        }
        if let Some(t) = self.since {
            add(" AND e.created_at >= ?", Arg::Int(t), &mut args);
        }
        if let Some(t) = self.until {
            add(" AND e.created_at < ?", Arg::Int(t), &mut args);
        }
        (sql, args)
    }
}

fn entry_from_row(r: &AnyRow) -> StoreResult<EntryRow> {
    let kind: String = col(r, "account_kind")?;
    Ok(EntryRow {
        id: col(r, "id")?,
        account_kind: AccountKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("account {kind}")))?,
        account_id: col(r, "account_id")?,
        kind: col(r, "kind")?,
        order_id: col(r, "order_id")?,
        order_key: col(r, "order_key")?,
        withdrawal_id: col(r, "withdrawal_id")?,
        delta: buckets_from_columns(r, "_delta")?,
        flagged: col::<i64>(r, "flagged")? != 0,
        created_at: col(r, "created_at")?,
    })
}

/// One partner's (and agent's) month, for [`Store::monthly_statement`]. Times are unix ms, `until` exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    pub account_kind: AccountKind,
    /// The buckets at the month's start and end.
    pub opening: Buckets,
    pub closing: Buckets,
    /// The month's entries on orders, on nothing (adjustments) and the month's payouts.
    pub orders: Buckets,
    pub adjustments: Buckets,
    pub paid_out: i64,
}

/// An order of the partner's groups or of the agent's partners, paid in the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOrder {
    pub order_id: i64,
    pub platform: String,
    pub order_key: String,
    pub phase: String,
    pub paid_at: Option<i64>,
    /// Settled once settled, the estimate before.
    pub commission: i64,
    /// The partner's share when the partner's group's, else 0.
    pub partner_share: i64,
    /// The agent's share when the partner is this order's agent, plus the second-level share when the partner is
    /// its agent's inviter; else 0.
    pub agent_share: i64,
}

const SUMS: &str = "CAST(COALESCE(SUM(e.pending_delta), 0) AS BIGINT) AS pending,
    CAST(COALESCE(SUM(e.available_delta), 0) AS BIGINT) AS available,
    CAST(COALESCE(SUM(e.withdrawing_delta), 0) AS BIGINT) AS withdrawing,
    CAST(COALESCE(SUM(e.debt_delta), 0) AS BIGINT) AS debt,
    CAST(COALESCE(SUM(e.paid_out_delta), 0) AS BIGINT) AS paid_out";

impl Store {
    /// Entries matching `f`, newest first, a page of `limit` from `offset`.
    pub async fn ledger_entries(&self, f: &EntryFilter, limit: i64, offset: i64) -> StoreResult<Vec<EntryRow>> {
        let (cond, args) = f.sql();
        let n = args.len();
        let sql = format!(
            "SELECT e.id, e.account_kind, e.account_id, e.kind, e.order_id, o.order_key, e.withdrawal_id,
                    e.pending_delta, e.available_delta, e.withdrawing_delta, e.debt_delta, e.paid_out_delta,
                    e.flagged, e.created_at
             FROM ledger_entries e LEFT JOIN ledger_orders o ON o.order_id = e.order_id
             WHERE 1 = 1{cond} ORDER BY e.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in args {
            q = match a {
                Arg::Int(i) => q.bind(i),
                Arg::Text(t) => q.bind(t),
            };
        }
        let rows = q.bind(limit).bind(offset).fetch_all(self.reader()).await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The entry kinds written so far, for the finance log's filter.
    pub async fn ledger_entry_kinds(&self) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT DISTINCT kind FROM ledger_entries ORDER BY kind").fetch_all(self.reader()).await?;
        rows.iter().map(|r| col(r, "kind")).collect()
    }

    /// The sums of one account's entries between `since` and `until` (ms, `until` exclusive; `None`: unbounded),
    /// restricted by `what`: `""` all, `" AND e.order_id IS NOT NULL"` and the like.
    async fn entry_sums(
        &self,
        account: (AccountKind, i64),
        since: Option<i64>,
        until: i64,
        what: &str,
    ) -> StoreResult<Buckets> {
        let sql = format!(
            "SELECT {SUMS} FROM ledger_entries e
             WHERE e.account_kind = $1 AND e.account_id = $2 AND e.created_at >= $3 AND e.created_at < $4{what}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.0.code())
            .bind(account.1)
            .bind(since.unwrap_or(i64::MIN))
            .bind(until)
            .fetch_one(self.reader())
            .await?;
        buckets_from_row(&row)
    }

    /// The month's figures of one account (`since`..`until` in ms).
    pub async fn month_figures(
        &self,
        account: (AccountKind, i64),
        since: i64,
        until: i64,
    ) -> StoreResult<MonthFigures> {
        let opening = self.entry_sums(account, None, since, "").await?;
        let closing = self.entry_sums(account, None, until, "").await?;
        let orders = self.entry_sums(account, Some(since), until, " AND e.order_id IS NOT NULL").await?;
        let adjustments =
            self.entry_sums(account, Some(since), until, " AND e.order_id IS NULL AND e.withdrawal_id IS NULL").await?;
        let paid_out = self.entry_sums(account, Some(since), until, " AND e.withdrawal_id IS NOT NULL").await?.paid_out;
        Ok(MonthFigures { account_kind: account.0, opening, closing, orders, adjustments, paid_out })
    }

    /// Orders paid on local days `first_day..end_day` whose partner, agent or second-level agent is `partner_id`,
    /// oldest first.
    pub async fn statement_orders(
        &self,
        partner_id: i64,
        first_day: i64,
        end_day: i64,
        limit: i64,
    ) -> StoreResult<Vec<StatementOrder>> {
        let rows = sqlx::query(
            "SELECT order_id, platform, order_key, phase, paid_at,
                    COALESCE(commission_settled, commission_estimated) AS commission,
                    CASE WHEN partner_id = $1 THEN partner_share ELSE 0 END AS partner_share,
                    CASE WHEN agent_id = $1 THEN agent_share ELSE 0 END
                      + CASE WHEN agent2_id = $1 THEN agent2_share ELSE 0 END AS agent_share
             FROM ledger_orders
             WHERE (partner_id = $1 OR agent_id = $1 OR agent2_id = $1) AND day >= $2 AND day < $3
             ORDER BY day, order_id LIMIT $4",
        )
        .bind(partner_id)
        .bind(first_day)
        .bind(end_day)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatementOrder {
                    order_id: col(r, "order_id")?,
                    platform: col(r, "platform")?,
                    order_key: col(r, "order_key")?,
                    phase: col(r, "phase")?,
                    paid_at: col(r, "paid_at")?,
                    commission: col(r, "commission")?,
                    partner_share: col(r, "partner_share")?,
                    agent_share: col(r, "agent_share")?,
                })
            })
            .collect()
    }
}
