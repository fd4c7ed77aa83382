//! Versioned rate rules (返利比例 / 分佣比例): which share (member rebate, partner, agent) a rule sets, at which
//! scope, and from when. A change never rewrites a rule: the version in force is ended and a new one added, so the
//! rule each order was booked with stays on record (`ledger_orders.*_rule_id`).
//!
//! Resolution for an order at time `at`: among the rules in force then, the most specific scope wins — member,
//! group, partner, platform, global — and the `[ledger]` default when none applies.

use super::ledger::{RateScope, Share};
use super::{Store, StoreError, StoreResult, col};
use crate::ledger::rules::Rates;
use crate::money::Bps;
use crate::order::OrderFacts;
use crate::platform::Platform;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// Scopes from the most specific to the most general.
pub const SCOPE_ORDER: [&str; 5] = ["member", "group", "partner", "platform", "global"];

/// One version of a rate rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRule {
    pub id: i64,
    pub share: Share,
    pub scope: RateScope,
    pub bps: Bps,
    /// Unix milliseconds.
    pub effective_from: i64,
    /// Unix milliseconds; `None` while open.
    pub ended_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

impl RateRule {
    /// Whether the rule applies to orders booked at `at` (unix ms).
    pub fn in_force(&self, at: i64) -> bool {
        self.effective_from <= at && self.ended_at.is_none_or(|end| end > at)
    }
}

/// Which rule set each share of an order; `None`: the `[ledger]` default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct AppliedRules {
    pub rebate: Option<i64>,
    pub partner: Option<i64>,
    pub agent: Option<i64>,
    pub agent2: Option<i64>,
}

/// A new rule version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRateRule {
    pub share: Share,
    pub scope: RateScope,
    pub bps: Bps,
    pub effective_from: i64,
}

const COLUMNS: &str = "id, share, scope, scope_key, bps, effective_from, ended_at, created_by, created_at";

fn rule_from_row(r: &AnyRow) -> StoreResult<RateRule> {
    let share: String = col(r, "share")?;
    let scope: String = col(r, "scope")?;
    let key: String = col(r, "scope_key")?;
    Ok(RateRule {
        id: col(r, "id")?,
        share: Share::from_code(&share).ok_or_else(|| StoreError::Corrupt(format!("rate share {share}")))?,
        scope: RateScope::from_parts(&scope, &key)
            .ok_or_else(|| StoreError::Corrupt(format!("rate scope {scope}:{key}")))?,
        bps: Bps(col(r, "bps")?),
        effective_from: col(r, "effective_from")?,
        ended_at: col(r, "ended_at")?,
        created_by: col(r, "created_by")?,
        created_at: col(r, "created_at")?,
    })
}

/// The keys an order matches at each scope (empty: the order has nothing at that scope).
struct OrderKeys {
    member: String,
    group: String,
    /// The order's partner for the rebate and partner shares, the agent for the agent share.
    partner: String,
    agent: String,
    /// The second-level agent, for its share.
    agent2: String,
    platform: &'static str,
}

fn key(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The most specific rule in force for `share`, given rules already filtered to the order and the time.
fn pick(rules: &[RateRule], share: Share, keys: &OrderKeys) -> Option<(i64, Bps)> {
    pick_in(rules, share, keys, &SCOPE_ORDER)
}

/// [`pick`] among `scopes` only.
fn pick_in(rules: &[RateRule], share: Share, keys: &OrderKeys, scopes: &[&str]) -> Option<(i64, Bps)> {
    let partner_key = match share {
        Share::Agent => &keys.agent,
        Share::Agent2 => &keys.agent2,
        Share::Rebate | Share::Partner => &keys.partner,
    };
    scopes.iter().find_map(|scope| {
        let wanted = match *scope {
            "member" => keys.member.as_str(),
            "group" => keys.group.as_str(),
            "partner" => partner_key.as_str(),
            "platform" => keys.platform,
            _ => "",
        };
        if wanted.is_empty() && *scope != "global" {
            return None;
        }
        // Rules come newest first: with overlapping versions the latest wins.
        rules
            .iter()
            .find(|r| {
                let (s, k) = r.scope.parts();
                r.share == share && s == *scope && k == wanted
            })
            .map(|r| (r.id, r.bps))
    })
}

/// An agent share's rule: member, group and partner (the agent) scopes, then the agent's level in force at the
/// booking, then platform and global; `None` for the rule id when the level (or nothing) applied.
fn pick_agent(rules: &[RateRule], share: Share, keys: &OrderKeys, level: Option<Bps>) -> Option<(Option<i64>, Bps)> {
    let specific = pick_in(rules, share, keys, &SCOPE_ORDER[..3]).map(|(id, b)| (Some(id), b));
    let general = || pick_in(rules, share, keys, &SCOPE_ORDER[3..]).map(|(id, b)| (Some(id), b));
    specific.or(level.map(|b| (None, b))).or_else(general)
}

/// The rates for an order booked at `at` (unix ms) whose agent is `agent` and second-level agent `agent2`, and the
/// rules they come from. Where no rule of the member, group or agent applies, the agent shares are those of the
/// agents' levels in force at `at`.
pub(super) async fn resolve(
    tx: &mut Transaction<'_, Any>,
    f: &OrderFacts,
    (agent, agent2): (Option<i64>, Option<i64>),
    defaults: Rates,
    at: i64,
) -> StoreResult<(Rates, AppliedRules)> {
    let keys = OrderKeys {
        member: key(f.member_id),
        group: key(f.group_id),
        partner: key(f.partner_id),
        agent: key(agent),
        agent2: key(agent2),
        platform: f.platform.code(),
    };
    let agent_level = super::agent_levels::level_at(tx, agent, at).await?.map(|l| l.0);
    let agent2_level = super::agent_levels::level_at(tx, agent2, at).await?.map(|l| l.1);
    let sql = format!(
        "SELECT {COLUMNS} FROM rate_rules
         WHERE effective_from <= $1 AND (ended_at IS NULL OR ended_at > $1)
           AND ((scope = 'platform' AND scope_key = $2) OR (scope = 'group' AND scope_key = $3)
             OR (scope = 'member' AND scope_key = $4) OR (scope = 'partner' AND scope_key IN ($5, $6, $7))
             OR scope = 'global')
         ORDER BY effective_from DESC, id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(at)
        .bind(keys.platform)
        .bind(&keys.group)
        .bind(&keys.member)
        .bind(&keys.partner)
        .bind(&keys.agent)
        .bind(&keys.agent2)
        .fetch_all(&mut **tx)
        .await?;
    let rules = rows.iter().map(rule_from_row).collect::<StoreResult<Vec<_>>>()?;
    let rebate = pick(&rules, Share::Rebate, &keys);
    let partner = pick(&rules, Share::Partner, &keys);
    let agent_rule = pick_agent(&rules, Share::Agent, &keys, agent_level);
    let agent2_rule = pick_agent(&rules, Share::Agent2, &keys, agent2_level);
    let rates = Rates {
        rebate: rebate.map_or(defaults.rebate, |r| r.1),
        partner: partner.map_or(defaults.partner, |r| r.1),
        agent: agent_rule.map_or(defaults.agent, |r| r.1),
        agent2: agent2_rule.map_or(defaults.agent2, |r| r.1),
    };
    Ok((
        rates,
        AppliedRules {
            rebate: rebate.map(|r| r.0),
            partner: partner.map(|r| r.0),
            agent: agent_rule.and_then(|r| r.0),
            agent2: agent2_rule.and_then(|r| r.0),
        },
    ))
}

/// Records which rules an order was booked with.
pub(super) async fn record_applied(
    tx: &mut Transaction<'_, Any>,
    order_id: i64,
    applied: AppliedRules,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE ledger_orders SET rebate_rule_id = $1, partner_rule_id = $2, agent_rule_id = $3, agent2_rule_id = $4
         WHERE order_id = $5",
    )
    .bind(applied.rebate)
    .bind(applied.partner)
    .bind(applied.agent)
    .bind(applied.agent2)
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Order facts standing for "an order at this scope", for checks and previews: a member's, a group's (with its
/// partner), a partner's or a platform's order.
pub fn sample_facts(scope: &RateScope, platform: Platform, group_partner: Option<i64>) -> OrderFacts {
    let mut f = OrderFacts {
        order_id: 0,
        platform,
        order_key: String::new(),
        lifecycle: crate::order::Lifecycle::Paid,
        commission: crate::money::Fen(0),
        paid_amount: crate::money::Fen(0),
        group_id: None,
        partner_id: None,
        member_id: None,
        paid_at: None,
    };
    match scope {
        RateScope::Member(id) => f.member_id = Some(*id),
        RateScope::Group(id) => (f.group_id, f.partner_id) = (Some(*id), group_partner),
        RateScope::Partner(id) => f.partner_id = Some(*id),
        RateScope::Platform(_) | RateScope::Global => {}
    }
    f
}

impl Store {
    /// Every rule version, the ones in force (or scheduled) first, then the ended ones, newest first.
    pub async fn rate_rules(&self, limit: i64) -> StoreResult<Vec<RateRule>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM rate_rules
             ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, scope, scope_key, share, effective_from DESC, id DESC
             LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(rule_from_row).collect()
    }

    pub async fn rate_rule(&self, id: i64) -> StoreResult<Option<RateRule>> {
        let sql = format!("SELECT {COLUMNS} FROM rate_rules WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| rule_from_row(&r)).transpose()
    }

    /// Adds a rule version effective from `r.effective_from`; the open version of the same share and scope ends
    /// then (a scheduled one that would start later is cancelled). Refused (`Conflict`) when the rates in force at
    /// that scope would then add up to more than 100 % on any platform, with the `[ledger]` `defaults`.
    pub async fn create_rate_rule(
        &self,
        r: &NewRateRule,
        defaults: Rates,
        actor: &str,
        now: i64,
    ) -> StoreResult<RateRule> {
        if !(0..=10_000).contains(&r.bps.0) {
            return Err(StoreError::Conflict(format!("rate {} bp is outside 0..=10000", r.bps.0)));
        }
        let (scope, key) = r.scope.parts();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE rate_rules SET ended_at = CASE WHEN effective_from > $1 THEN effective_from ELSE $1 END
             WHERE share = $2 AND scope = $3 AND scope_key = $4 AND ended_at IS NULL",
        )
        .bind(r.effective_from)
        .bind(r.share.code())
        .bind(scope)
        .bind(&key)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO rate_rules (share, scope, scope_key, bps, effective_from, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.share.code())
        .bind(scope)
        .bind(&key)
        .bind(r.bps.0)
        .bind(r.effective_from)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| sqlx::Row::try_get(&row, "id"))?;
        let group_partner = match r.scope {
            RateScope::Group(g) => sqlx::query("SELECT partner_id FROM groups WHERE id = $1")
                .bind(g)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| col::<Option<i64>>(&row, "partner_id"))
                .transpose()?
                .flatten(),
            _ => None,
        };
        for platform in Platform::ALL {
            if let RateScope::Platform(p) = &r.scope
                && p != platform.code()
            {
                continue;
            }
            let f = sample_facts(&r.scope, platform, group_partner);
            let agent = super::ledger::partner_parent(&mut tx, f.partner_id).await?;
            let agent2 = super::agent_levels::agent_inviter(&mut tx, agent).await?;
            let (rates, _) = resolve(&mut tx, &f, (agent, agent2), defaults, r.effective_from).await?;
            let total = rates.rebate.0 + rates.partner.0 + rates.agent.0 + rates.agent2.0;
            if total > 10_000 {
                return Err(StoreError::Conflict(format!("shares would add up to {total} bp on {}", platform.code())));
            }
        }
        tx.commit().await?;
        self.rate_rule(id).await?.ok_or(StoreError::NotFound)
    }

    /// Ends a rule at `at` (or at its start, when it has not started: it never applies). `NotFound` when there is
    /// no such rule or it has ended already.
    pub async fn end_rate_rule(&self, id: i64, at: i64) -> StoreResult<RateRule> {
        let done = sqlx::query(
            "UPDATE rate_rules SET ended_at = CASE WHEN effective_from > $1 THEN effective_from ELSE $1 END
             WHERE id = $2 AND (ended_at IS NULL OR ended_at > $1)",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.rate_rule(id).await?.ok_or(StoreError::NotFound)
    }

    /// The rules an order was booked with; `None` when the ledger has not booked it.
    pub async fn applied_rules(&self, order_id: i64) -> StoreResult<Option<AppliedRules>> {
        let row = sqlx::query(
            "SELECT rebate_rule_id, partner_rule_id, agent_rule_id, agent2_rule_id FROM ledger_orders WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(AppliedRules {
                rebate: col(&r, "rebate_rule_id")?,
                partner: col(&r, "partner_rule_id")?,
                agent: col(&r, "agent_rule_id")?,
                agent2: col(&r, "agent2_rule_id")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, share: Share, scope: RateScope, bps: i64) -> RateRule {
        RateRule {
            id,
            share,
            scope,
            bps: Bps(bps),
            effective_from: 0,
            ended_at: None,
            created_by: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn the_most_specific_scope_wins_and_the_agent_share_looks_at_the_agent() {
        let keys = OrderKeys {
            member: "5".into(),
            group: "7".into(),
            partner: "2".into(),
            agent: "3".into(),
            agent2: String::new(),
            platform: "pdd",
        };
        let rules = vec![
            rule(1, Share::Rebate, RateScope::Global, 1000),
            rule(2, Share::Rebate, RateScope::Platform("pdd".into()), 2000),
            rule(3, Share::Rebate, RateScope::Group(7), 3000),
            rule(4, Share::Agent, RateScope::Partner(2), 400),
            rule(5, Share::Agent, RateScope::Partner(3), 500),
            rule(6, Share::Partner, RateScope::Global, 900),
        ];
        assert_eq!(pick(&rules, Share::Rebate, &keys), Some((3, Bps(3000))));
        assert_eq!(pick(&rules, Share::Agent, &keys), Some((5, Bps(500))));
        assert_eq!(pick(&rules, Share::Partner, &keys), Some((6, Bps(900))));
        let no_group = OrderKeys { group: String::new(), ..keys };
        assert_eq!(pick(&rules, Share::Rebate, &no_group), Some((2, Bps(2000))));
    }

    #[test]
    fn a_rule_is_in_force_from_its_start_until_its_end() {
        let mut r = rule(1, Share::Rebate, RateScope::Global, 1000);
        r.effective_from = 100;
        r.ended_at = Some(200);
        assert!(!r.in_force(99));
        assert!(r.in_force(100));
        assert!(r.in_force(199));
        assert!(!r.in_force(200));
    }
}
