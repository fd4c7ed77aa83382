//! Agent applications (申请代理) and their review (代理审核).

use super::{Store, StoreError, StoreResult, col};
use sqlx::any::AnyRow;

pub mod status {
    pub const OPEN: &str = "open";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AgentApplication {
    pub id: i64,
    pub member_id: i64,
    pub wxid: String,
    pub nickname: String,
    pub reason: String,
    pub status: String,
    pub level: Option<String>,
    pub partner_id: Option<i64>,
    pub invite_code: Option<String>,
    /// Why it was rejected.
    pub decision_reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// What became of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Recorded(i64),
    /// The member has an open application already.
    AlreadyOpen,
    /// The member is an agent already.
    AlreadyAgent,
}

/// An admin's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentDecision {
    /// `level` is the name of level `level_id`.
    Approve {
        level_id: i64,
        level: String,
        partner_id: i64,
        invite_code: String,
    },
    Reject {
        reason: String,
    },
}

const COLUMNS: &str = "a.id, a.member_id, m.wxid, m.nickname, a.reason, a.status, a.level, a.partner_id, a.invite_code, \
    a.decision_reason, a.decided_by, a.decided_at, a.created_at";

fn from_row(r: &AnyRow) -> StoreResult<AgentApplication> {
    Ok(AgentApplication {
        id: col(r, "id")?,
        member_id: col(r, "member_id")?,
        wxid: col(r, "wxid")?,
        nickname: col(r, "nickname")?,
        reason: col(r, "reason")?,
        status: col(r, "status")?,
        level: col(r, "level")?,
        partner_id: col(r, "partner_id")?,
        invite_code: col(r, "invite_code")?,
        decision_reason: col(r, "decision_reason")?,
        decided_by: col(r, "decided_by")?,
        decided_at: col(r, "decided_at")?,
        created_at: col(r, "created_at")?,
    })
}

impl Store {
    /// Records a member's application, unless one is open or the member is an agent already.
    pub async fn apply_for_agent(&self, member_id: i64, reason: &str, now: i64) -> StoreResult<Applied> {
        let approved = sqlx::query("SELECT id FROM agent_applications WHERE member_id = $1 AND status = 'approved'")
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?;
        if approved.is_some() {
            return Ok(Applied::AlreadyAgent);
        }
        let row = sqlx::query(
            "INSERT INTO agent_applications (member_id, reason, status, created_at) VALUES ($1, $2, 'open', $3)
             ON CONFLICT (member_id) WHERE status = 'open' DO NOTHING RETURNING id",
        )
        .bind(member_id)
        .bind(reason)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Applied::Recorded(col(&r, "id")?)),
            None => Ok(Applied::AlreadyOpen),
        }
    }

    pub async fn agent_application(&self, id: i64) -> StoreResult<Option<AgentApplication>> {
        let sql =
            format!("SELECT {COLUMNS} FROM agent_applications a JOIN members m ON m.id = a.member_id WHERE a.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| from_row(&r)).transpose()
    }

    /// Applications with this status: open ones oldest first, decided ones newest first.
    pub async fn agent_applications(&self, status: &str, limit: i64) -> StoreResult<Vec<AgentApplication>> {
        let order = if status == status::OPEN { "a.id" } else { "a.decided_at DESC, a.id DESC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM agent_applications a JOIN members m ON m.id = a.member_id
             WHERE a.status = $1 ORDER BY {order} LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(status).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// Decides an open application; `NotFound` when there is none open with this id (decided already: a second
    /// click or a concurrent admin changes nothing). An approval registers the agent at its level.
    pub async fn decide_agent_application(
        &self,
        id: i64,
        d: &AgentDecision,
        actor: &str,
        now: i64,
    ) -> StoreResult<AgentApplication> {
        let (status, level, partner, code, reason) = match d {
            AgentDecision::Approve { level, partner_id, invite_code, .. } => {
                (status::APPROVED, Some(level.as_str()), Some(*partner_id), Some(invite_code.as_str()), "")
            }
            AgentDecision::Reject { reason } => (status::REJECTED, None, None, None, reason.as_str()),
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE agent_applications SET status = $1, level = $2, partner_id = $3, invite_code = $4,
                 decision_reason = $5, decided_by = $6, decided_at = $7
             WHERE id = $8 AND status = 'open'",
        )
        .bind(status)
        .bind(level)
        .bind(partner)
        .bind(code)
        .bind(reason)
        .bind(actor)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if let AgentDecision::Approve { level_id, partner_id, invite_code, .. } = d {
            let member: i64 = sqlx::query("SELECT member_id FROM agent_applications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| sqlx::Row::try_get(&r, "member_id"))?;
            super::agent_levels::register_agent(&mut tx, *partner_id, member, *level_id, invite_code, now).await?;
        }
        tx.commit().await?;
        self.agent_application(id).await?.ok_or(StoreError::NotFound)
    }
}
