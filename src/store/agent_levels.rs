//! Agent levels (代理设置), the agents themselves (approved applicants with their level and invite code), the log of
//! level changes and the invite tree (which agent a member belongs to).
//!
//! The level in force for an agent at a time is the `to_level` of its latest change at or before that time, so an
//! order booked before an upgrade keeps the shares of the level it was booked at.

use super::{Store, StoreError, StoreResult, col};
use crate::money::{Bps, Fen};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// One agent level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgentLevel {
    pub id: i64,
    pub name: String,
    /// Higher is better; the lowest tier is every agent's floor.
    pub tier: i64,
    /// The agent's share of its tree's orders.
    pub share_bps: i64,
    /// The share this agent earns on the orders of the trees of agents it invited.
    pub second_bps: i64,
    /// Conditions over the last 30 days (0: none): members invited, orders, commission in 分.
    pub min_invited: i64,
    pub min_orders: i64,
    pub min_commission: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A level as an admin enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgentLevel {
    pub name: String,
    pub tier: i64,
    pub share: Bps,
    pub second: Bps,
    pub min_invited: i64,
    pub min_orders: i64,
    pub min_commission: Fen,
}

/// An approved agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agent {
    /// The partner record holding the agent's PIDs and money.
    pub partner_id: i64,
    pub member_id: i64,
    pub wxid: String,
    pub nickname: String,
    pub level_id: i64,
    pub level: String,
    pub invite_code: String,
    /// The agent whose tree this agent (as a member) belongs to: earns the second-level share.
    pub inviter_id: Option<i64>,
    /// Members in this agent's tree.
    pub members: i64,
    /// When the agent got its current level (unix ms).
    pub level_since: i64,
    pub created_at: i64,
}

/// One logged level change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LevelChange {
    pub id: i64,
    pub partner_id: i64,
    pub agent: String,
    pub from_level: Option<String>,
    pub to_level: String,
    pub reason: String,
    pub changed_at: i64,
}

/// An agent's figures over a window, for the daily review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AgentFigures {
    pub invited: i64,
    pub orders: i64,
    pub commission: Fen,
}

/// How a member came into a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// 邀请码 typed in chat.
    Code,
    /// Joined a group whose partner is the agent.
    Group,
}

impl Via {
    pub fn code(self) -> &'static str {
        match self {
            Via::Code => "code",
            Via::Group => "group",
        }
    }
}

/// What became of an invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeJoin {
    /// The member is now in the agent's tree.
    Joined { agent_id: i64 },
    /// The member belonged to a tree already (first valid invite wins); the agent of that tree.
    AlreadyIn { agent_id: i64 },
    /// The agent's own code.
    OwnCode,
    /// The member is an agent above the inviting agent: joining would close a cycle.
    Cycle,
}

/// How many levels up the tree is followed when looking for a cycle (deeper trees are refused as cycles).
const MAX_DEPTH: usize = 64;

const LEVEL_COLUMNS: &str = "id, name, tier, share_bps, second_bps, min_invited, min_orders, min_commission, \
    created_at, updated_at";

fn level_from_row(r: &AnyRow) -> StoreResult<AgentLevel> {
    Ok(AgentLevel {
        id: col(r, "id")?,
        name: col(r, "name")?,
        tier: col(r, "tier")?,
        share_bps: col(r, "share_bps")?,
        second_bps: col(r, "second_bps")?,
        min_invited: col(r, "min_invited")?,
        min_orders: col(r, "min_orders")?,
        min_commission: col(r, "min_commission")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

const AGENT_SELECT: &str = "SELECT g.partner_id, g.member_id, m.wxid, m.nickname, g.level_id, l.name AS level, \
    g.invite_code, t.agent_id AS inviter_id, \
    (SELECT COUNT(*) FROM agent_members x WHERE x.agent_id = g.partner_id) AS members, \
    (SELECT MAX(c.changed_at) FROM agent_level_changes c WHERE c.partner_id = g.partner_id) AS level_since, \
    g.created_at \
    FROM agents g JOIN members m ON m.id = g.member_id JOIN agent_levels l ON l.id = g.level_id \
    LEFT JOIN agent_members t ON t.member_id = g.member_id";

fn agent_from_row(r: &AnyRow) -> StoreResult<Agent> {
    Ok(Agent {
        partner_id: col(r, "partner_id")?,
        member_id: col(r, "member_id")?,
        wxid: col(r, "wxid")?,
        nickname: col(r, "nickname")?,
        level_id: col(r, "level_id")?,
        level: col(r, "level")?,
        invite_code: col(r, "invite_code")?,
        inviter_id: col(r, "inviter_id")?,
        members: col(r, "members")?,
        level_since: col::<Option<i64>>(r, "level_since")?.unwrap_or_default(),
        created_at: col(r, "created_at")?,
    })
}

/// The agent whose tree `member_id` belongs to.
pub(super) async fn tree_agent(tx: &mut Transaction<'_, Any>, member_id: Option<i64>) -> StoreResult<Option<i64>> {
    let Some(m) = member_id else { return Ok(None) };
    let row = sqlx::query("SELECT agent_id FROM agent_members WHERE member_id = $1")
        .bind(m)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| col(&r, "agent_id")).transpose()
}

/// The agent who invited agent `agent_id` (the tree its member record belongs to), never itself.
pub(super) async fn agent_inviter(tx: &mut Transaction<'_, Any>, agent_id: Option<i64>) -> StoreResult<Option<i64>> {
    let Some(a) = agent_id else { return Ok(None) };
    let row = sqlx::query(
        "SELECT t.agent_id FROM agents g JOIN agent_members t ON t.member_id = g.member_id WHERE g.partner_id = $1",
    )
    .bind(a)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| col::<i64>(&r, "agent_id")).transpose()?.filter(|i| *i != a))
}

/// The level agent `agent_id` held at `at` (unix ms): `(share_bps, second_bps)`; `None` when it was no agent then.
pub(super) async fn level_at(
    tx: &mut Transaction<'_, Any>,
    agent_id: Option<i64>,
    at: i64,
) -> StoreResult<Option<(Bps, Bps)>> {
    let Some(a) = agent_id else { return Ok(None) };
    let row = sqlx::query(
        "SELECT l.share_bps, l.second_bps FROM agent_level_changes c JOIN agent_levels l ON l.id = c.to_level
         WHERE c.partner_id = $1 AND c.changed_at <= $2 ORDER BY c.changed_at DESC, c.id DESC LIMIT 1",
    )
    .bind(a)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| -> StoreResult<(Bps, Bps)> { Ok((Bps(col(&r, "share_bps")?), Bps(col(&r, "second_bps")?))) })
        .transpose()
}

/// Registers an approved applicant as an agent at `level_id`, logging the first level.
pub(super) async fn register_agent(
    tx: &mut Transaction<'_, Any>,
    partner_id: i64,
    member_id: i64,
    level_id: i64,
    invite_code: &str,
    now: i64,
) -> StoreResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO agents (partner_id, member_id, level_id, invite_code, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING RETURNING partner_id",
    )
    .bind(partner_id)
    .bind(member_id)
    .bind(level_id)
    .bind(invite_code)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if inserted.is_none() {
        return Err(StoreError::Conflict("agent exists or invite code taken".into()));
    }
    log_change(tx, partner_id, None, level_id, super::text::APPLICATION_APPROVED, now).await
}

async fn log_change(
    tx: &mut Transaction<'_, Any>,
    partner_id: i64,
    from: Option<i64>,
    to: i64,
    reason: &str,
    at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agent_level_changes (partner_id, from_level, to_level, reason, changed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(partner_id)
    .bind(from)
    .bind(to)
    .bind(reason)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Every level, lowest tier first.
    pub async fn agent_levels(&self) -> StoreResult<Vec<AgentLevel>> {
        let sql = format!("SELECT {LEVEL_COLUMNS} FROM agent_levels ORDER BY tier, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(level_from_row).collect()
    }

    pub async fn agent_level(&self, id: i64) -> StoreResult<Option<AgentLevel>> {
        let sql = format!("SELECT {LEVEL_COLUMNS} FROM agent_levels WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| level_from_row(&r)).transpose()
    }

    /// Creates a level (`id` None) or changes one. `Conflict` when the name or tier is taken; `NotFound` when
    /// there is no level `id`. A change applies to orders booked from now on.
    pub async fn save_agent_level(&self, id: Option<i64>, l: &NewAgentLevel, now: i64) -> StoreResult<AgentLevel> {
        let taken = sqlx::query("SELECT id FROM agent_levels WHERE (name = $1 OR tier = $2) AND id <> $3")
            .bind(&l.name)
            .bind(l.tier)
            .bind(id.unwrap_or(0))
            .fetch_optional(&self.pool)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict("level name or tier taken".into()));
        }
        let sql = match id {
            None => {
                "INSERT INTO agent_levels (name, tier, share_bps, second_bps, min_invited, min_orders, min_commission,
                     created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id"
            }
            Some(_) => {
                "UPDATE agent_levels SET name = $1, tier = $2, share_bps = $3, second_bps = $4, min_invited = $5,
                     min_orders = $6, min_commission = $7, updated_at = $8 WHERE id = $9 RETURNING id"
            }
        };
        let mut q = sqlx::query(sql)
            .bind(&l.name)
            .bind(l.tier)
            .bind(l.share.0)
            .bind(l.second.0)
            .bind(l.min_invited)
            .bind(l.min_orders)
            .bind(l.min_commission.0)
            .bind(now);
        if let Some(id) = id {
            q = q.bind(id);
        }
        let row = q.fetch_optional(&self.pool).await?;
        let Some(row) = row else {
            return Err(if id.is_some() { StoreError::NotFound } else { StoreError::Conflict("level taken".into()) });
        };
        self.agent_level(col(&row, "id")?).await?.ok_or(StoreError::NotFound)
    }

    /// Deletes a level no agent ever held; `Conflict` otherwise.
    pub async fn delete_agent_level(&self, id: i64) -> StoreResult<()> {
        let used = sqlx::query(
            "SELECT 1 AS used FROM agent_level_changes WHERE to_level = $1 OR from_level = $1
             UNION SELECT 1 AS used FROM agents WHERE level_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        if used.is_some() {
            return Err(StoreError::Conflict("level in use".into()));
        }
        let done = sqlx::query("DELETE FROM agent_levels WHERE id = $1").bind(id).execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Every agent, newest first.
    pub async fn agents(&self, limit: i64) -> StoreResult<Vec<Agent>> {
        let sql = format!("{AGENT_SELECT} ORDER BY g.created_at DESC, g.partner_id DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(agent_from_row).collect()
    }

    pub async fn agent(&self, partner_id: i64) -> StoreResult<Option<Agent>> {
        let sql = format!("{AGENT_SELECT} WHERE g.partner_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(partner_id).fetch_optional(&self.pool).await?;
        row.map(|r| agent_from_row(&r)).transpose()
    }

    /// The agent whose invite code this is (case-insensitive).
    pub async fn agent_by_code(&self, code: &str) -> StoreResult<Option<Agent>> {
        let sql = format!("{AGENT_SELECT} WHERE g.invite_code = $1");
        let code = code.trim().to_uppercase();
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(&self.pool).await?;
        row.map(|r| agent_from_row(&r)).transpose()
    }

    /// The agent whose tree a member belongs to.
    pub async fn member_tree_agent(&self, member_id: i64) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let a = tree_agent(&mut tx, Some(member_id)).await?;
        tx.rollback().await?;
        Ok(a)
    }

    /// Puts `member_id` into the tree of agent `agent_id`, unless the member is in a tree already (the first valid
    /// invite wins), is that agent, or is an agent above it (a cycle: A invites B invites A).
    pub async fn join_agent_tree(&self, member_id: i64, agent_id: i64, via: Via, now: i64) -> StoreResult<TreeJoin> {
        let mut tx = self.pool.begin().await?;
        super::ledger::lock_bookings(&mut tx, self.dialect).await?;
        if let Some(a) = tree_agent(&mut tx, Some(member_id)).await? {
            return Ok(TreeJoin::AlreadyIn { agent_id: a });
        }
        let own = sqlx::query("SELECT partner_id FROM agents WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| col::<i64>(&r, "partner_id"))
            .transpose()?;
        if let Some(own) = own {
            if own == agent_id {
                return Ok(TreeJoin::OwnCode);
            }
            // Walk up from the inviting agent: meeting the member's own agent record closes a cycle; a chain
            // deeper than MAX_DEPTH is refused alike.
            let mut at = agent_id;
            let mut top = false;
            for _ in 0..MAX_DEPTH {
                match agent_inviter(&mut tx, Some(at)).await? {
                    Some(up) if up == own => return Ok(TreeJoin::Cycle),
                    Some(up) => at = up,
                    None => {
                        top = true;
                        break;
                    }
                }
            }
            if !top {
                return Ok(TreeJoin::Cycle);
            }
        }
        let row = sqlx::query(
            "INSERT INTO agent_members (member_id, agent_id, via, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (member_id) DO NOTHING RETURNING agent_id",
        )
        .bind(member_id)
        .bind(agent_id)
        .bind(via.code())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        match row {
            Some(_) => Ok(TreeJoin::Joined { agent_id }),
            None => {
                let a = self.member_tree_agent(member_id).await?.ok_or(StoreError::NotFound)?;
                Ok(TreeJoin::AlreadyIn { agent_id: a })
            }
        }
    }

    /// The agent of a group's partner, when that partner is an agent (members joining the group join its tree).
    pub async fn group_agent(&self, group_id: i64) -> StoreResult<Option<i64>> {
        let row = sqlx::query(
            "SELECT g.partner_id FROM groups r JOIN agents g ON g.partner_id = r.partner_id WHERE r.id = $1",
        )
        .bind(group_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| col(&r, "partner_id")).transpose()
    }

    /// An agent's figures since `since` (unix ms): members who joined its tree, and its orders (as the members'
    /// agent or as the group's partner) booked and not reversed, with their commission (settled once settled).
    pub async fn agent_figures(&self, agent_id: i64, since: i64) -> StoreResult<AgentFigures> {
        let invited = sqlx::query("SELECT COUNT(*) AS n FROM agent_members WHERE agent_id = $1 AND created_at >= $2")
            .bind(agent_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        let orders = sqlx::query(
            "SELECT COUNT(*) AS n,
                    CAST(COALESCE(SUM(COALESCE(commission_settled, commission_estimated)), 0) AS BIGINT) AS c
             FROM ledger_orders
             WHERE (agent_id = $1 OR partner_id = $1) AND created_at >= $2 AND phase IN ('pending', 'available')",
        )
        .bind(agent_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(AgentFigures {
            invited: col(&invited, "n")?,
            orders: col(&orders, "n")?,
            commission: Fen(col(&orders, "c")?),
        })
    }

    /// Moves an agent to `to_level` from `at` on, logging why. `false` when it holds that level already.
    pub async fn change_agent_level(&self, partner_id: i64, to_level: i64, reason: &str, at: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT level_id FROM agents WHERE partner_id = $1")
            .bind(partner_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let from: i64 = col(&row, "level_id")?;
        if from == to_level {
            return Ok(false);
        }
        let done =
            sqlx::query("UPDATE agents SET level_id = $1, updated_at = $2 WHERE partner_id = $3 AND level_id = $4")
                .bind(to_level)
                .bind(at)
                .bind(partner_id)
                .bind(from)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        log_change(&mut tx, partner_id, Some(from), to_level, reason, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The latest level changes, newest first.
    pub async fn agent_level_changes(&self, limit: i64) -> StoreResult<Vec<LevelChange>> {
        let rows = sqlx::query(
            "SELECT c.id, c.partner_id, COALESCE(NULLIF(m.nickname, ''), m.wxid) AS agent, f.name AS from_level,
                    t.name AS to_level, c.reason, c.changed_at
             FROM agent_level_changes c JOIN agents g ON g.partner_id = c.partner_id
             JOIN members m ON m.id = g.member_id JOIN agent_levels t ON t.id = c.to_level
             LEFT JOIN agent_levels f ON f.id = c.from_level
             ORDER BY c.changed_at DESC, c.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LevelChange {
                    id: col(r, "id")?,
                    partner_id: col(r, "partner_id")?,
                    agent: col(r, "agent")?,
                    from_level: col(r, "from_level")?,
                    to_level: col(r, "to_level")?,
                    reason: col(r, "reason")?,
                    changed_at: col(r, "changed_at")?,
                })
            })
            .collect()
    }

    /// Claims the daily review of local `day`: `true` for the one caller that runs it.
    pub async fn claim_agent_review(&self, day: i64, now: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "INSERT INTO agent_level_reviews (day, created_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING RETURNING day",
        )
        .bind(day)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Records what the review of `day` did.
    pub async fn finish_agent_review(&self, day: i64, agents: i64, changes: i64) -> StoreResult<()> {
        sqlx::query("UPDATE agent_level_reviews SET agents = $1, changes = $2 WHERE day = $3")
            .bind(agents)
            .bind(changes)
            .bind(day)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
