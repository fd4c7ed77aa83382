//! 代理系统: the daily level review. Once per local day (driven by the app's clock, claimed in the database so one
//! instance runs it) every agent's figures over the last 30 days — members invited into its tree, its orders and
//! their commission — put it at the highest level whose conditions it meets all of (the lowest level is the
//! floor). A level is never lowered within 30 days of when it was given (approval, upgrade). Each change is logged with its reason and applies to orders booked from then on: booked orders keep
//! their frozen split.

use crate::clock::Clock;
use crate::ledger::rules::local_day;
use crate::store::agent_levels::{AgentFigures, AgentLevel};
use crate::store::{Store, StoreResult};
use std::time::Duration;
use tokio::sync::watch;

pub mod text;

/// The window of the conditions.
pub const WINDOW_MS: i64 = 30 * 86_400_000;

/// Whether `f` meets every condition of `l` (a zero condition is none).
pub fn meets(l: &AgentLevel, f: &AgentFigures) -> bool {
    f.invited >= l.min_invited && f.orders >= l.min_orders && f.commission.0 >= l.min_commission
}

/// The level an agent with figures `f` belongs at: the highest tier whose conditions it meets, else the lowest.
pub fn deserved<'a>(levels: &'a [AgentLevel], f: &AgentFigures) -> Option<&'a AgentLevel> {
    let lowest = levels.iter().min_by_key(|l| l.tier);
    levels.iter().filter(|l| meets(l, f)).max_by_key(|l| l.tier).or(lowest)
}

/// What one review did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Review {
    pub agents: i64,
    pub changes: i64,
}

/// Reviews every agent's level at `now` (unix ms), unless the review of that local day was done: `None` then.
#[tracing::instrument(skip(store))]
pub async fn review_due(store: &Store, now: i64, utc_offset_hours: i64) -> StoreResult<Option<Review>> {
    let day = local_day(now.div_euclid(1000), utc_offset_hours);
    if !store.claim_agent_review(day, now).await? {
        return Ok(None);
    }
    let review = review(store, now).await?;
    store.finish_agent_review(day, review.agents, review.changes).await?;
    tracing::info!(day, agents = review.agents, changes = review.changes, "agent levels reviewed");
    Ok(Some(review))
}

/// Reviews every agent's level at `now` (unix ms).
pub async fn review(store: &Store, now: i64) -> StoreResult<Review> {
    let levels = store.agent_levels().await?;
    let mut out = Review::default();
    for agent in store.agents(i64::MAX).await? {
        out.agents += 1;
        let figures = store.agent_figures(agent.partner_id, now - WINDOW_MS).await?;
        let Some(target) = deserved(&levels, &figures) else { continue };
        if target.id == agent.level_id {
            continue;
        }
        let up = levels.iter().find(|l| l.id == agent.level_id).is_none_or(|current| target.tier > current.tier);
        if !up && now - agent.level_since < WINDOW_MS {
            // A level holds for a full window after it was given: an agent approved or upgraded yesterday is not
            // judged on figures from before.
            continue;
        }
        if store.change_agent_level(agent.partner_id, target.id, &text::level_change(up, &figures), now).await? {
            tracing::info!(agent = agent.partner_id, from = %agent.level, to = %target.name, "agent level changed");
            out.changes += 1;
        }
    }
    Ok(out)
}

/// Runs the review when a new local day begins (checked every minute) until shutdown.
pub async fn worker(store: Store, clock: Clock, utc_offset_hours: i64, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = review_due(&store, clock.now_ms(), utc_offset_hours).await {
            tracing::warn!(error = %e, "agent level review failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.wait_for(|v| *v) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;

    fn level(id: i64, tier: i64, invited: i64, orders: i64, commission: i64) -> AgentLevel {
        AgentLevel {
            id,
            name: format!("L{tier}"),
            tier,
            share_bps: 0,
            second_bps: 0,
            min_invited: invited,
            min_orders: orders,
            min_commission: commission,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_highest_level_whose_conditions_are_all_met_is_deserved_and_the_lowest_is_the_floor() {
        let levels = vec![level(3, 3, 50, 200, 100_000), level(1, 1, 0, 0, 0), level(2, 2, 10, 30, 0)];
        let f = |invited, orders, commission| AgentFigures { invited, orders, commission: Fen(commission) };
        assert_eq!(deserved(&levels, &f(0, 0, 0)).map(|l| l.id), Some(1));
        assert_eq!(deserved(&levels, &f(10, 29, 0)).map(|l| l.id), Some(1), "all conditions, not any");
        assert_eq!(deserved(&levels, &f(10, 30, 0)).map(|l| l.id), Some(2));
        assert_eq!(deserved(&levels, &f(50, 200, 99_999)).map(|l| l.id), Some(2));
        assert_eq!(deserved(&levels, &f(50, 200, 100_000)).map(|l| l.id), Some(3));
        let strict = vec![level(5, 1, 1, 0, 0), level(6, 2, 5, 0, 0)];
        assert_eq!(deserved(&strict, &f(0, 0, 0)).map(|l| l.id), Some(5), "the lowest level is the floor");
        assert_eq!(deserved(&[], &f(0, 0, 0)), None);
    }

    #[test]
    fn reasons_name_the_direction_and_the_figures() {
        let r = text::level_change(true, &AgentFigures { invited: 12, orders: 31, commission: Fen(12_345) });
        assert_eq!(r, "升级：近 30 天邀请 12 人、订单 31 笔、佣金 ¥123.45");
    }
}
