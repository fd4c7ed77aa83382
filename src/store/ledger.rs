//! The rebate ledger's tables: booked orders with their frozen split, append-only entries (idempotent by
//! `entry_key`), running balances per account, rate rules and the daily money rollup.
//!
//! One booking transaction per batch of orders. On PostgreSQL every booking transaction first takes one advisory
//! lock, so bookings run one at a time (they all touch the operator's account anyway) and can never deadlock;
//! balance rows are read `FOR UPDATE` so a concurrent withdrawal is never lost. SQLite has a single writer.

use super::agent_levels;
use super::rate_rules::{self, AppliedRules};
use super::{Dialect, Store, StoreError, StoreResult, col};
use crate::ledger::rules::{self, Buckets, Holders, Phase, Rates, Split, Step};
use crate::money::{Bps, Fen};
use crate::order::{Lifecycle, OrderFacts};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// Advisory lock key that serializes ledger bookings on PostgreSQL.
const BOOKING_LOCK: i64 = 0x6465_616c_6c65_6467;

/// Whose money an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    Member,
    Partner,
    /// A partner's share as the agent (parent) of another partner; id = the agent's partner id.
    Agent,
    /// The operator's remainder; id 0.
    Operator,
}

impl AccountKind {
    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Member => "member",
            AccountKind::Partner => "partner",
            AccountKind::Agent => "agent",
            AccountKind::Operator => "operator",
        }
    }

    pub const ALL: [AccountKind; 4] =
        [AccountKind::Member, AccountKind::Partner, AccountKind::Agent, AccountKind::Operator];

    pub fn from_code(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The account's name in the dashboard and in statements.
    pub fn label(self) -> &'static str {
        match self {
            AccountKind::Member => super::text::ACCOUNT_MEMBER,
            AccountKind::Partner => super::text::ACCOUNT_PARTNER,
            AccountKind::Agent => super::text::ACCOUNT_AGENT,
            AccountKind::Operator => super::text::ACCOUNT_OPERATOR,
        }
    }
}

/// Which share a rate rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    Rebate,
    Partner,
    Agent,
    /// The second-level agent's share (the agent's inviter); the partner scope keys the second-level agent.
    Agent2,
}

impl Share {
    pub fn code(self) -> &'static str {
        match self {
            Share::Rebate => "rebate",
            Share::Partner => "partner",
            Share::Agent => "agent",
            Share::Agent2 => "agent2",
        }
    }
    pub const ALL: [Share; 4] = [Share::Rebate, Share::Partner, Share::Agent, Share::Agent2];

    pub fn from_code(s: &str) -> Option<Share> {
        Share::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// What a rate rule applies to. The most specific wins: member, group, partner, platform, global.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateScope {
    Member(i64),
    Group(i64),
    /// For the rebate and partner shares the order's partner; for the agent share the agent.
    Partner(i64),
    Platform(String),
    /// Every order.
    Global,
}

impl RateScope {
    /// The scope's code and key as stored.
    pub fn parts(&self) -> (&'static str, String) {
        match self {
            RateScope::Member(id) => ("member", id.to_string()),
            RateScope::Group(id) => ("group", id.to_string()),
            RateScope::Partner(id) => ("partner", id.to_string()),
            RateScope::Platform(p) => ("platform", p.clone()),
            RateScope::Global => ("global", String::new()),
        }
    }

    /// The scope of a stored code and key; `None` when they do not name one.
    pub fn from_parts(scope: &str, key: &str) -> Option<RateScope> {
        let id = || key.parse::<i64>().ok().filter(|id| *id > 0);
        match scope {
            "member" => id().map(RateScope::Member),
            "group" => id().map(RateScope::Group),
            "partner" => id().map(RateScope::Partner),
            "platform" => key.parse::<crate::platform::Platform>().ok().map(|p| RateScope::Platform(p.code().into())),
            "global" if key.is_empty() => Some(RateScope::Global),
            _ => None,
        }
    }
}

/// Settings a booking needs from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingConfig {
    pub defaults: Rates,
    pub utc_offset_hours: i64,
}

/// An order as the ledger booked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerOrder {
    pub order_id: i64,
    pub platform: String,
    pub order_key: String,
    pub phase: Phase,
    pub lifecycle: Lifecycle,
    /// Local calendar day of payment (days since 1970-01-01).
    pub day: i64,
    /// Unix seconds of payment, when known.
    pub paid_at: Option<i64>,
    pub group_id: Option<i64>,
    pub holders: Holders,
    pub paid_amount: Fen,
    pub commission_estimated: Fen,
    pub commission_settled: Option<Fen>,
    pub rates: Rates,
    /// The split of the settled commission once settled, of the estimate before.
    pub split: Split,
    /// Clawed back after settlement: needs the operator's attention.
    pub flagged: bool,
}

/// Where a notice to a member goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeTarget {
    pub robot_id: i64,
    /// The member's wxid (private chat) or a group's room id.
    pub conversation_id: String,
    /// In a group: the member to @-mention (wxid, nickname).
    pub mention: Option<(String, String)>,
}

/// The result of booking one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    /// The step taken; `None` when the report changed nothing (a repeat, a late or an unpaid report).
    pub step: Option<Step>,
    /// The order as booked after this report; `None` when the ledger has never booked it.
    pub order: Option<LedgerOrder>,
}

const ORDER_COLUMNS: &str = "order_id, platform, order_key, phase, lifecycle, day, paid_at, group_id, partner_id, \
    agent_id, member_id, paid_amount, commission_estimated, commission_settled, rebate_bps, partner_bps, agent_bps, \
    rebate, partner_share, agent_share, operator_share, flagged, agent2_id, agent2_bps, agent2_share";

fn order_from_row(r: &AnyRow) -> StoreResult<LedgerOrder> {
    let phase: String = col(r, "phase")?;
    let lifecycle: String = col(r, "lifecycle")?;
    Ok(LedgerOrder {
        order_id: col(r, "order_id")?,
        platform: col(r, "platform")?,
        order_key: col(r, "order_key")?,
        phase: Phase::from_code(&phase).ok_or_else(|| StoreError::Corrupt(format!("ledger phase {phase}")))?,
        lifecycle: lifecycle.parse().map_err(|_| StoreError::Corrupt(format!("lifecycle {lifecycle}")))?,
        day: col(r, "day")?,
        paid_at: col(r, "paid_at")?,
        group_id: col(r, "group_id")?,
        holders: Holders {
            member: col(r, "member_id")?,
            partner: col(r, "partner_id")?,
            agent: col(r, "agent_id")?,
            agent2: col(r, "agent2_id")?,
        },
        paid_amount: Fen(col(r, "paid_amount")?),
        commission_estimated: Fen(col(r, "commission_estimated")?),
        commission_settled: col::<Option<i64>>(r, "commission_settled")?.map(Fen),
        rates: Rates {
            rebate: Bps(col(r, "rebate_bps")?),
            partner: Bps(col(r, "partner_bps")?),
            agent: Bps(col(r, "agent_bps")?),
            agent2: Bps(col(r, "agent2_bps")?),
        },
        split: Split {
            rebate: Fen(col(r, "rebate")?),
            partner: Fen(col(r, "partner_share")?),
            agent: Fen(col(r, "agent_share")?),
            agent2: Fen(col(r, "agent2_share")?),
            operator: Fen(col(r, "operator_share")?),
        },
        flagged: col::<i64>(r, "flagged")? != 0,
    })
}

/// Buckets from the columns `pending`, `available`, `withdrawing`, `debt`, `paid_out` of a row.
pub(super) fn buckets_from_row(r: &AnyRow) -> StoreResult<Buckets> {
    buckets_from_columns(r, "")
}

/// Buckets from the columns `pending{suffix}`, `available{suffix}`, … of a row.
pub(super) fn buckets_from_columns(r: &AnyRow, suffix: &str) -> StoreResult<Buckets> {
    let bucket = |name: &str| col::<i64>(r, &format!("{name}{suffix}"));
    Ok(Buckets {
        pending: bucket("pending")?,
        available: bucket("available")?,
        withdrawing: bucket("withdrawing")?,
        debt: bucket("debt")?,
        paid_out: bucket("paid_out")?,
    })
}

/// A money movement on one account, written as an entry and added to the balance (unless the key exists).
pub(super) struct Movement<'a> {
    pub key: &'a str,
    pub account: (AccountKind, i64),
    pub kind: &'a str,
    pub order_id: Option<i64>,
    pub withdrawal_id: Option<i64>,
    pub delta: Buckets,
    pub flagged: bool,
}

/// Writes the entry and adds it to the balance. Returns false when the entry was booked before.
pub(super) async fn post(tx: &mut Transaction<'_, Any>, m: &Movement<'_>, now: i64) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO ledger_entries (entry_key, account_kind, account_id, kind, order_id, withdrawal_id,
             pending_delta, available_delta, withdrawing_delta, debt_delta, paid_out_delta, flagged, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (entry_key) DO NOTHING RETURNING id",
    )
    .bind(m.key)
    .bind(m.account.0.code())
    .bind(m.account.1)
    .bind(m.kind)
    .bind(m.order_id)
    .bind(m.withdrawal_id)
    .bind(m.delta.pending)
    .bind(m.delta.available)
    .bind(m.delta.withdrawing)
    .bind(m.delta.debt)
    .bind(m.delta.paid_out)
    .bind(i64::from(m.flagged))
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    // The proposed row of an upsert is checked against the CHECK constraints before the conflict is seen, so a
    // negative delta cannot be written as an upsert: make sure the row exists, then add.
    sqlx::query(
        "INSERT INTO ledger_balances (account_kind, account_id, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_kind, account_id) DO NOTHING",
    )
    .bind(m.account.0.code())
    .bind(m.account.1)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE ledger_balances SET pending = pending + $1, available = available + $2,
             withdrawing = withdrawing + $3, debt = debt + $4, paid_out = paid_out + $5, updated_at = $6
         WHERE account_kind = $7 AND account_id = $8",
    )
    .bind(m.delta.pending)
    .bind(m.delta.available)
    .bind(m.delta.withdrawing)
    .bind(m.delta.debt)
    .bind(m.delta.paid_out)
    .bind(now)
    .bind(m.account.0.code())
    .bind(m.account.1)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The account's balance inside `tx`, locked on PostgreSQL until the transaction ends.
pub(super) async fn balance_for_update(
    tx: &mut Transaction<'_, Any>,
    dialect: Dialect,
    account: (AccountKind, i64),
) -> StoreResult<Buckets> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "SELECT pending, available, withdrawing, debt, paid_out FROM ledger_balances
             WHERE account_kind = $1 AND account_id = $2"
        }
        Dialect::Postgres => {
            "SELECT pending, available, withdrawing, debt, paid_out FROM ledger_balances
             WHERE account_kind = $1 AND account_id = $2 FOR UPDATE"
        }
    };
    let row = sqlx::query(sql).bind(account.0.code()).bind(account.1).fetch_optional(&mut **tx).await?;
    row.map(|r| buckets_from_row(&r)).transpose().map(Option::unwrap_or_default)
}

async fn order_for_update(
    tx: &mut Transaction<'_, Any>,
    dialect: Dialect,
    order_id: i64,
) -> StoreResult<Option<LedgerOrder>> {
    let lock = if dialect == Dialect::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {ORDER_COLUMNS} FROM ledger_orders WHERE order_id = $1{lock}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(order_id).fetch_optional(&mut **tx).await?;
    row.map(|r| order_from_row(&r)).transpose()
}

/// Who takes which share of an order and at which rates: the agent is the agent whose tree the member belongs to,
/// else the partner's parent; the second-level agent is the agent's inviter; the rates the most specific rules
/// (or the agents' levels) in force. The one plan behind both the booking and the preview members are shown before they buy.
/// `at` (unix ms) is when the order was first booked: the rules in force then apply.
async fn plan(
    tx: &mut Transaction<'_, Any>,
    f: &OrderFacts,
    defaults: Rates,
    at: i64,
) -> StoreResult<(Holders, Rates, AppliedRules)> {
    let agent = match agent_levels::tree_agent(tx, f.member_id).await? {
        Some(a) => Some(a),
        None => partner_parent(tx, f.partner_id).await?,
    };
    let agent2 = agent_levels::agent_inviter(tx, agent).await?;
    let holders = Holders { member: f.member_id, partner: f.partner_id, agent, agent2 };
    let (rates, applied) = rate_rules::resolve(tx, f, (agent, agent2), defaults, at).await?;
    Ok((holders, rates, applied))
}

pub(super) async fn partner_parent(tx: &mut Transaction<'_, Any>, partner_id: Option<i64>) -> StoreResult<Option<i64>> {
    let Some(p) = partner_id else { return Ok(None) };
    let row = sqlx::query("SELECT parent_id FROM partners WHERE id = $1").bind(p).fetch_optional(&mut **tx).await?;
    Ok(row.map(|r| col::<Option<i64>>(&r, "parent_id")).transpose()?.flatten().filter(|a| *a != p))
}

/// The daily rollup's change for one step.
#[derive(Debug, Default)]
struct RollupDelta {
    orders: i64,
    invalid_orders: i64,
    gmv: i64,
    commission_estimated: i64,
    commission_settled: i64,
    rebate_estimated: i64,
    rebate_settled: i64,
}

fn rollup_delta(step: Step, before: Option<&LedgerOrder>, after: &LedgerOrder) -> RollupDelta {
    let settled = after.commission_settled.unwrap_or_default().0;
    match step {
        Step::Book => RollupDelta {
            orders: 1,
            gmv: after.paid_amount.0,
            commission_estimated: after.commission_estimated.0,
            rebate_estimated: after.split.rebate.0,
            ..RollupDelta::default()
        },
        Step::Settle => match before {
            Some(_) => RollupDelta {
                commission_settled: settled,
                rebate_settled: after.split.rebate.0,
                ..RollupDelta::default()
            },
            None => RollupDelta {
                orders: 1,
                gmv: after.paid_amount.0,
                commission_estimated: after.commission_estimated.0,
                rebate_estimated: after.split.rebate.0,
                commission_settled: settled,
                rebate_settled: after.split.rebate.0,
                ..RollupDelta::default()
            },
        },
        Step::Void => RollupDelta { invalid_orders: 1, ..RollupDelta::default() },
        Step::Reverse => RollupDelta {
            invalid_orders: 1,
            commission_estimated: -after.commission_estimated.0,
            rebate_estimated: -after.split.rebate.0,
            ..RollupDelta::default()
        },
        Step::Clawback => {
            let estimated_rebate = rules::split(after.commission_estimated, after.rates, after.holders).rebate;
            RollupDelta {
                invalid_orders: 1,
                commission_estimated: -after.commission_estimated.0,
                rebate_estimated: -estimated_rebate.0,
                commission_settled: -settled,
                rebate_settled: -after.split.rebate.0,
                ..RollupDelta::default()
            }
        }
    }
}

async fn add_rollup(tx: &mut Transaction<'_, Any>, o: &LedgerOrder, d: &RollupDelta) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO money_daily (day, platform, group_id, partner_id, member_id, orders, invalid_orders, gmv,
             commission_estimated, commission_settled, rebate_estimated, rebate_settled, rebate_paid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)
         ON CONFLICT (day, platform, group_id, partner_id, member_id) DO UPDATE SET
             orders = money_daily.orders + excluded.orders,
             invalid_orders = money_daily.invalid_orders + excluded.invalid_orders,
             gmv = money_daily.gmv + excluded.gmv,
             commission_estimated = money_daily.commission_estimated + excluded.commission_estimated,
             commission_settled = money_daily.commission_settled + excluded.commission_settled,
             rebate_estimated = money_daily.rebate_estimated + excluded.rebate_estimated,
             rebate_settled = money_daily.rebate_settled + excluded.rebate_settled",
    )
    .bind(o.day)
    .bind(&o.platform)
    .bind(o.group_id.unwrap_or(0))
    .bind(o.holders.partner.unwrap_or(0))
    .bind(o.holders.member.unwrap_or(0))
    .bind(d.orders)
    .bind(d.invalid_orders)
    .bind(d.gmv)
    .bind(d.commission_estimated)
    .bind(d.commission_settled)
    .bind(d.rebate_estimated)
    .bind(d.rebate_settled)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Binds, in this order, who an order's shares go to, at which rates and how it was split: `group_id`, `partner_id`,
/// `agent_id`, `member_id`, `agent2_id`, `rebate_bps`, `partner_bps`, `agent_bps`, `agent2_bps`, `rebate`,
/// `partner_share`, `agent_share`, `agent2_share`, `operator_share`, `flagged` (15 values, after the query's own).
fn bind_attribution<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    o: &LedgerOrder,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    q.bind(o.group_id)
        .bind(o.holders.partner)
        .bind(o.holders.agent)
        .bind(o.holders.member)
        .bind(o.holders.agent2)
        .bind(o.rates.rebate.0)
        .bind(o.rates.partner.0)
        .bind(o.rates.agent.0)
        .bind(o.rates.agent2.0)
        .bind(o.split.rebate.0)
        .bind(o.split.partner.0)
        .bind(o.split.agent.0)
        .bind(o.split.agent2.0)
        .bind(o.split.operator.0)
        .bind(i64::from(o.flagged))
}

async fn insert_order(tx: &mut Transaction<'_, Any>, o: &LedgerOrder, now: i64) -> StoreResult<()> {
    let q = sqlx::query(
        "INSERT INTO ledger_orders (order_id, platform, order_key, phase, lifecycle, day, paid_at, paid_amount,
             commission_estimated, commission_settled, created_at, updated_at, group_id, partner_id, agent_id,
             member_id, agent2_id, rebate_bps, partner_bps, agent_bps, agent2_bps, rebate, partner_share,
             agent_share, agent2_share, operator_share, flagged)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
             $22, $23, $24, $25, $26)
         ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
    )
    .bind(o.order_id)
    .bind(&o.platform)
    .bind(&o.order_key)
    .bind(o.phase.code())
    .bind(o.lifecycle.code())
    .bind(o.day)
    .bind(o.paid_at)
    .bind(o.paid_amount.0)
    .bind(o.commission_estimated.0)
    .bind(o.commission_settled.map(|f| f.0))
    .bind(now);
    let inserted = bind_attribution(q, o).fetch_optional(&mut **tx).await?;
    if inserted.is_none() {
        return Err(StoreError::Conflict(format!("ledger order {} booked concurrently", o.order_id)));
    }
    Ok(())
}

async fn update_order(tx: &mut Transaction<'_, Any>, o: &LedgerOrder, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE ledger_orders SET phase = $1, lifecycle = $2, commission_settled = $3, rebate = $4,
             partner_share = $5, agent_share = $6, operator_share = $7, flagged = $8, updated_at = $9,
             agent2_share = $11
         WHERE order_id = $10",
    )
    .bind(o.phase.code())
    .bind(o.lifecycle.code())
    .bind(o.commission_settled.map(|f| f.0))
    .bind(o.split.rebate.0)
    .bind(o.split.partner.0)
    .bind(o.split.agent.0)
    .bind(o.split.operator.0)
    .bind(i64::from(o.flagged))
    .bind(now)
    .bind(o.order_id)
    .bind(o.split.agent2.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The accounts of an order with each one's share of `split`.
fn shares(holders: Holders, split: Split) -> Vec<((AccountKind, i64), Fen)> {
    let mut out = Vec::with_capacity(5);
    if let Some(m) = holders.member {
        out.push(((AccountKind::Member, m), split.rebate));
    }
    if let Some(p) = holders.partner {
        out.push(((AccountKind::Partner, p), split.partner));
    }
    if let Some(a) = holders.agent {
        out.push(((AccountKind::Agent, a), split.agent));
    }
    if let Some(a) = holders.agent2 {
        out.push(((AccountKind::Agent, a), split.agent2));
    }
    out.push(((AccountKind::Operator, 0), split.operator));
    out
}

async fn book_one(
    tx: &mut Transaction<'_, Any>,
    dialect: Dialect,
    f: &OrderFacts,
    cfg: BookingConfig,
    now: i64,
) -> StoreResult<Booked> {
    let before = match order_for_update(tx, dialect, f.order_id).await? {
        Some(o) if holders_changed(&o, f) => Some(resplit(tx, dialect, o, f, cfg, now).await?),
        other => other,
    };
    let Some(step) = rules::step(before.as_ref().map(|o| o.phase), f.lifecycle) else {
        return Ok(Booked { step: None, order: before });
    };
    let mut applied = None;
    let mut after = match &before {
        Some(o) => o.clone(),
        None => {
            let (holders, rates, rules_applied) = plan(tx, f, cfg.defaults, now).await?;
            applied = Some(rules_applied);
            let paid_secs = f.paid_at.unwrap_or(now.div_euclid(1000));
            LedgerOrder {
                order_id: f.order_id,
                platform: f.platform.code().to_string(),
                order_key: f.order_key.clone(),
                phase: step.phase_after(),
                lifecycle: f.lifecycle,
                day: rules::local_day(paid_secs, cfg.utc_offset_hours),
                paid_at: f.paid_at,
                group_id: f.group_id,
                holders,
                paid_amount: f.paid_amount,
                commission_estimated: Fen(f.commission.0.max(0)),
                commission_settled: None,
                rates,
                split: rules::split(f.commission, rates, holders),
                flagged: false,
            }
        }
    };
    // What was pending before this step, and what becomes available (or is taken back).
    let booked = match (step, &before) {
        (Step::Book, _) => after.split,
        (Step::Settle | Step::Reverse, Some(o)) if o.phase == Phase::Pending => o.split,
        _ => Split::default(),
    };
    let settled = match step {
        Step::Settle => rules::split(f.commission, after.rates, after.holders),
        Step::Clawback => after.split,
        _ => Split::default(),
    };
    after.phase = step.phase_after();
    after.lifecycle = f.lifecycle;
    if step == Step::Settle {
        after.commission_settled = Some(Fen(f.commission.0.max(0)));
        after.split = settled;
    }
    if step == Step::Clawback {
        after.flagged = true;
    }
    let booked_shares = shares(after.holders, booked);
    let settled_shares = shares(after.holders, settled);
    for ((account, booked_share), (_, settled_share)) in booked_shares.into_iter().zip(settled_shares) {
        let balance = match step {
            Step::Book | Step::Void => Buckets::default(),
            _ => balance_for_update(tx, dialect, account).await?,
        };
        let delta = rules::movement(step, balance, booked_share, settled_share);
        if delta.is_zero() {
            continue;
        }
        let key = format!("o{}:{}:{}:{}", f.order_id, step.code(), account.0.code(), account.1);
        let m = Movement {
            key: &key,
            account,
            kind: step.code(),
            order_id: Some(f.order_id),
            withdrawal_id: None,
            delta,
            flagged: step == Step::Clawback,
        };
        post(tx, &m, now).await?;
    }
    match &before {
        Some(_) => update_order(tx, &after, now).await?,
        None => insert_order(tx, &after, now).await?,
    }
    if let Some(applied) = applied {
        rate_rules::record_applied(tx, f.order_id, applied).await?;
    }
    add_rollup(tx, &after, &rollup_delta(step, before.as_ref(), &after)).await?;
    Ok(Booked { step: Some(step), order: Some(after) })
}

/// Whether the order's attribution moved since it was booked (a claim, an admin's assignment, a late tag) while
/// money is still held for it.
fn holders_changed(o: &LedgerOrder, f: &OrderFacts) -> bool {
    matches!(o.phase, Phase::Pending | Phase::Available)
        && (o.group_id, o.holders.member, o.holders.partner) != (f.group_id, f.member_id, f.partner_id)
}

/// What a booked order adds to the daily rollup in its phase (reversed orders are left where they are).
fn contribution(o: &LedgerOrder) -> RollupDelta {
    match o.phase {
        Phase::Pending => RollupDelta {
            orders: 1,
            gmv: o.paid_amount.0,
            commission_estimated: o.commission_estimated.0,
            rebate_estimated: o.split.rebate.0,
            ..RollupDelta::default()
        },
        Phase::Available => RollupDelta {
            orders: 1,
            gmv: o.paid_amount.0,
            commission_estimated: o.commission_estimated.0,
            rebate_estimated: rules::split(o.commission_estimated, o.rates, o.holders).rebate.0,
            commission_settled: o.commission_settled.unwrap_or_default().0,
            rebate_settled: o.split.rebate.0,
            ..RollupDelta::default()
        },
        Phase::Reversed | Phase::ClawedBack => RollupDelta::default(),
    }
}

impl RollupDelta {
    fn negated(self) -> RollupDelta {
        RollupDelta {
            orders: -self.orders,
            invalid_orders: -self.invalid_orders,
            gmv: -self.gmv,
            commission_estimated: -self.commission_estimated,
            commission_settled: -self.commission_settled,
            rebate_estimated: -self.rebate_estimated,
            rebate_settled: -self.rebate_settled,
        }
    }
}

/// Splits a booked order again for its new holders (same commission, the rates of the new holders) and moves the
/// difference between the accounts with correcting entries: pending money while the order is pending, available
/// money once settled (then the order is flagged for the operator). A share taken back is taken from what the
/// account holds; any rest becomes debt, so no balance goes negative. The daily rollup follows.
async fn resplit(
    tx: &mut Transaction<'_, Any>,
    dialect: Dialect,
    booked: LedgerOrder,
    f: &OrderFacts,
    cfg: BookingConfig,
    now: i64,
) -> StoreResult<LedgerOrder> {
    // The rules in force when the order was first booked apply to its new holders too.
    let booked_at: i64 = sqlx::query("SELECT created_at FROM ledger_orders WHERE order_id = $1")
        .bind(booked.order_id)
        .fetch_one(&mut **tx)
        .await
        .and_then(|r| sqlx::Row::try_get(&r, "created_at"))?;
    let (holders, rates, applied) = plan(tx, f, cfg.defaults, booked_at).await?;
    let settled = booked.phase == Phase::Available;
    let basis = if settled { booked.commission_settled.unwrap_or_default() } else { booked.commission_estimated };
    let mut after = booked.clone();
    after.group_id = f.group_id;
    after.holders = holders;
    after.rates = rates;
    after.split = rules::split(basis, rates, holders);
    after.flagged |= settled;
    let mut deltas: Vec<((AccountKind, i64), i64)> = Vec::new();
    let moves = shares(booked.holders, booked.split).into_iter().map(|(a, s)| (a, -s.0));
    for (account, d) in moves.chain(shares(holders, after.split).into_iter().map(|(a, s)| (a, s.0))) {
        match deltas.iter_mut().find(|(a, _)| *a == account) {
            Some((_, sum)) => *sum += d,
            None => deltas.push((account, d)),
        }
    }
    // Take before giving, so the operator's provisional share is released before it is handed on.
    deltas.sort_by_key(|(_, d)| *d);
    for (account, d) in deltas {
        if d == 0 {
            continue;
        }
        let balance = balance_for_update(tx, dialect, account).await?;
        let delta = rules::adjustment(settled, balance, d);
        let key = format!("o{}:resplit:{now}:{}:{}", f.order_id, account.0.code(), account.1);
        let m = Movement {
            key: &key,
            account,
            kind: "resplit",
            order_id: Some(f.order_id),
            withdrawal_id: None,
            delta,
            flagged: settled,
        };
        post(tx, &m, now).await?;
    }
    let q = sqlx::query(
        "UPDATE ledger_orders SET updated_at = $1, group_id = $3, partner_id = $4, agent_id = $5, member_id = $6,
             agent2_id = $7, rebate_bps = $8, partner_bps = $9, agent_bps = $10, agent2_bps = $11, rebate = $12,
             partner_share = $13, agent_share = $14, agent2_share = $15, operator_share = $16, flagged = $17
         WHERE order_id = $2",
    )
    .bind(now)
    .bind(after.order_id);
    bind_attribution(q, &after).execute(&mut **tx).await?;
    rate_rules::record_applied(tx, after.order_id, applied).await?;
    add_rollup(tx, &booked, &contribution(&booked).negated()).await?;
    add_rollup(tx, &after, &contribution(&after)).await?;
    tracing::info!(order_id = f.order_id, settled, "order re-split for its new holders");
    Ok(after)
}

/// Takes the booking lock of this transaction (PostgreSQL; SQLite has one writer).
pub(super) async fn lock_bookings(tx: &mut Transaction<'_, Any>, dialect: Dialect) -> StoreResult<()> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(BOOKING_LOCK).execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Books status reports of orders, in order, in one transaction; one result per report.
    pub async fn book_orders(&self, facts: &[OrderFacts], cfg: BookingConfig, now: i64) -> StoreResult<Vec<Booked>> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let mut out = Vec::with_capacity(facts.len());
        for f in facts {
            out.push(book_one(&mut tx, self.dialect, f, cfg, now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The split an order with these facts would be booked with now: what a member is shown before buying.
    pub async fn preview_split(&self, f: &OrderFacts, defaults: Rates) -> StoreResult<Split> {
        Ok(self.preview_booking(f, defaults, super::now_ms()).await?.0)
    }

    /// The split, rates and rules an order with these facts would be booked with at `at` (unix ms).
    pub async fn preview_booking(
        &self,
        f: &OrderFacts,
        defaults: Rates,
        at: i64,
    ) -> StoreResult<(Split, Rates, AppliedRules)> {
        let mut tx = self.pool.begin().await?;
        let (holders, rates, applied) = plan(&mut tx, f, defaults, at).await?;
        tx.rollback().await?;
        Ok((rules::split(f.commission, rates, holders), rates, applied))
    }

    /// The ledger's view of one order.
    pub async fn ledger_order(&self, order_id: i64) -> StoreResult<Option<LedgerOrder>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM ledger_orders WHERE order_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(order_id).fetch_optional(&self.pool).await?;
        row.map(|r| order_from_row(&r)).transpose()
    }

    /// The member's latest booked orders, newest first.
    pub async fn member_ledger_orders(&self, member_id: i64, limit: i64) -> StoreResult<Vec<LedgerOrder>> {
        let sql =
            format!("SELECT {ORDER_COLUMNS} FROM ledger_orders WHERE member_id = $1 ORDER BY order_id DESC LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(member_id).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Orders clawed back after settlement, for the operator to follow up; newest first.
    pub async fn flagged_ledger_orders(&self, limit: i64) -> StoreResult<Vec<LedgerOrder>> {
        let sql =
            format!("SELECT {ORDER_COLUMNS} FROM ledger_orders WHERE flagged = 1 ORDER BY order_id DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(order_from_row).collect()
    }

    /// The account's balance (zero when it never had an entry).
    pub async fn ledger_balance(&self, kind: AccountKind, id: i64) -> StoreResult<Buckets> {
        let row = sqlx::query(
            "SELECT pending, available, withdrawing, debt, paid_out FROM ledger_balances
             WHERE account_kind = $1 AND account_id = $2",
        )
        .bind(kind.code())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| buckets_from_row(&r)).transpose().map(Option::unwrap_or_default)
    }

    /// The part of a member's balance that comes from orders of `partner_id`'s groups: the sum of the member's
    /// entries on those orders. Withdrawals belong to no group and are left out.
    pub async fn member_balance_from_partner(&self, member_id: i64, partner_id: i64) -> StoreResult<Buckets> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(e.pending_delta), 0) AS BIGINT) AS pending,
                    CAST(COALESCE(SUM(e.available_delta), 0) AS BIGINT) AS available,
                    CAST(COALESCE(SUM(e.withdrawing_delta), 0) AS BIGINT) AS withdrawing,
                    CAST(COALESCE(SUM(e.debt_delta), 0) AS BIGINT) AS debt,
                    CAST(COALESCE(SUM(e.paid_out_delta), 0) AS BIGINT) AS paid_out
             FROM ledger_entries e JOIN ledger_orders o ON o.order_id = e.order_id
             WHERE e.account_kind = $1 AND e.account_id = $2 AND o.partner_id = $3",
        )
        .bind(AccountKind::Member.code())
        .bind(member_id)
        .bind(partner_id)
        .fetch_one(&self.pool)
        .await?;
        buckets_from_row(&row)
    }

    /// The sum of the account's entries: equals [`Store::ledger_balance`] (checked by tests).
    pub async fn ledger_entries_sum(&self, kind: AccountKind, id: i64) -> StoreResult<Buckets> {
        // PostgreSQL sums BIGINT into NUMERIC: cast back.
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(pending_delta), 0) AS BIGINT) AS pending,
                    CAST(COALESCE(SUM(available_delta), 0) AS BIGINT) AS available,
                    CAST(COALESCE(SUM(withdrawing_delta), 0) AS BIGINT) AS withdrawing,
                    CAST(COALESCE(SUM(debt_delta), 0) AS BIGINT) AS debt,
                    CAST(COALESCE(SUM(paid_out_delta), 0) AS BIGINT) AS paid_out
             FROM ledger_entries WHERE account_kind = $1 AND account_id = $2",
        )
        .bind(kind.code())
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        buckets_from_row(&row)
    }

    /// Where to tell a member about their money: in private chat when the member has written to the robot there
    /// (a contact), else in the group where they last converted, else in the order's group. `None` when the
    /// member cannot be reached at all.
    pub async fn notice_target(&self, group_id: Option<i64>, member_id: i64) -> StoreResult<Option<NoticeTarget>> {
        let Some(row) = sqlx::query("SELECT wxid, nickname FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let wxid: String = col(&row, "wxid")?;
        let nickname: String = col(&row, "nickname")?;
        let group = match group_id {
            Some(g) => sqlx::query("SELECT robot_id, room_id FROM groups WHERE id = $1")
                .bind(g)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| Ok::<_, StoreError>((col::<i64>(&r, "robot_id")?, col::<String>(&r, "room_id")?)))
                .transpose()?,
            None => None,
        };
        let last = self.last_conversion_group(&wxid).await?;
        let last_private = sqlx::query(
            "SELECT robot_id FROM inbound WHERE conversation_id = $1 AND sender_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(&wxid)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| col::<i64>(&r, "robot_id"))
        .transpose()?;
        let robots = [group.as_ref().map(|g| g.0), last.as_ref().map(|l| l.0), last_private];
        for robot_id in robots.into_iter().flatten() {
            if self.is_private_contact(robot_id, &wxid).await? {
                return Ok(Some(NoticeTarget { robot_id, conversation_id: wxid, mention: None }));
            }
        }
        let mention =
            Some((wxid, if nickname.is_empty() { super::text::MEMBER_FALLBACK_NAME.to_string() } else { nickname }));
        Ok(last.or(group).map(|(robot_id, room)| NoticeTarget { robot_id, conversation_id: room, mention }))
    }
}
