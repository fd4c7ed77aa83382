//! Read models of the admin dashboard: lists and counts across groups, partners, PIDs, members and robots.
//! `partner` arguments narrow a list to what one partner owns (their groups and those groups' members).

use super::groups::Group;
use super::{Store, StoreResult, col};
use crate::platform::Platform;
use serde::Serialize;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GroupSummary {
    pub id: i64,
    pub room_id: String,
    pub name: String,
    pub enabled: bool,
    pub robot_name: String,
    pub partner_id: Option<i64>,
    pub partner_name: Option<String>,
    pub members: i64,
    pub conversions_7d: i64,
    pub conversions_total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PartnerRow {
    pub id: i64,
    pub name: String,
    pub wxid: Option<String>,
    pub parent_id: Option<i64>,
    pub groups: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PidRow {
    pub platform: Platform,
    pub pid: String,
    pub name: String,
    /// `robot`, `partner` or `group`.
    pub owner_kind: String,
    pub owner_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MemberSummary {
    pub id: i64,
    pub wxid: String,
    pub nickname: String,
    pub points: i64,
    pub conversions: i64,
    pub groups: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RobotSummary {
    pub id: i64,
    pub name: String,
    pub wxid: String,
    pub nickname: String,
    pub queued: i64,
    pub sent: i64,
    pub dead: i64,
    /// Unix ms of the last successful send.
    pub last_sent_at: Option<i64>,
    /// The newest failure recorded on a send.
    pub last_error: Option<String>,
    pub groups: i64,
}

/// ` AND {column} = ${n}` when a partner scopes the query, nothing otherwise.
pub(super) fn scope_clause(partner: Option<i64>, column: &str, n: usize) -> String {
    match partner {
        Some(_) => format!(" AND {column} = ${n}"),
        None => String::new(),
    }
}

/// ` AND` the member `m` is in one of the partner's groups (the partner at `${n}`), when a partner scopes the query.
fn member_scope(partner: Option<i64>, n: usize) -> String {
    match partner {
        Some(_) => format!(
            " AND EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id
                          WHERE gm.member_id = m.id AND g.partner_id = ${n})"
        ),
        None => String::new(),
    }
}

/// The columns of a [`MemberSummary`] of the member `m`.
const MEMBER_SUMMARY_COLUMNS: &str = "m.id, m.wxid, m.nickname,
    COALESCE((SELECT b.balance FROM points_balances b WHERE b.member_id = m.id), 0) AS points,
    (SELECT COUNT(*) FROM conversions c WHERE c.member_wxid = m.wxid) AS conversions,
    (SELECT COUNT(*) FROM group_members gm WHERE gm.member_id = m.id) AS groups";

fn member_summary_from_row(r: &AnyRow) -> StoreResult<MemberSummary> {
    Ok(MemberSummary {
        id: col(r, "id")?,
        wxid: col(r, "wxid")?,
        nickname: col(r, "nickname")?,
        points: col(r, "points")?,
        conversions: col(r, "conversions")?,
        groups: col(r, "groups")?,
    })
}

impl Store {
    /// Runs a dashboard read on the reader whose only parameter is the partner of a [`scope_clause`] at `$1`.
    pub(super) async fn partner_scoped_rows(&self, sql: String, partner: Option<i64>) -> StoreResult<Vec<AnyRow>> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(p) = partner {
            q = q.bind(p);
        }
        Ok(q.fetch_all(self.reader()).await?)
    }

    pub async fn groups_overview(&self, partner: Option<i64>, since_7d: i64) -> StoreResult<Vec<GroupSummary>> {
        let sql = format!(
            "SELECT g.id, g.room_id, g.name, g.enabled, g.partner_id, r.name AS robot_name, p.name AS partner_name,
                (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id) AS members,
                (SELECT COUNT(*) FROM conversions c WHERE c.group_id = g.id AND c.created_at >= $1) AS conv_7d,
                (SELECT COUNT(*) FROM conversions c WHERE c.group_id = g.id) AS conv_total
             FROM groups g JOIN robots r ON r.id = g.robot_id LEFT JOIN partners p ON p.id = g.partner_id
             WHERE 1 = 1{} ORDER BY g.id",
            scope_clause(partner, "g.partner_id", 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since_7d);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(GroupSummary {
                    id: col(r, "id")?,
                    room_id: col(r, "room_id")?,
                    name: col(r, "name")?,
                    enabled: col::<i64>(r, "enabled")? != 0,
                    robot_name: col(r, "robot_name")?,
                    partner_id: col(r, "partner_id")?,
                    partner_name: col(r, "partner_name")?,
                    members: col(r, "members")?,
                    conversions_7d: col(r, "conv_7d")?,
                    conversions_total: col(r, "conv_total")?,
                })
            })
            .collect()
    }

    pub async fn group_by_id(&self, id: i64) -> StoreResult<Option<Group>> {
        let row = sqlx::query(
            "SELECT id, robot_id, room_id, name, enabled, partner_id, poster_template, copy_template, settings
             FROM groups WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Group {
            id: col(&r, "id")?,
            robot_id: col(&r, "robot_id")?,
            room_id: col(&r, "room_id")?,
            name: col(&r, "name")?,
            enabled: col::<i64>(&r, "enabled")? != 0,
            partner_id: col(&r, "partner_id")?,
            poster_template: col(&r, "poster_template")?,
            copy_template: col(&r, "copy_template")?,
            settings: col(&r, "settings")?,
        }))
    }

    pub async fn set_group_name(&self, group_id: i64, name: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE groups SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(now)
            .bind(group_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn partners(&self, only: Option<i64>) -> StoreResult<Vec<PartnerRow>> {
        let sql = format!(
            "SELECT p.id, p.name, p.wxid, p.parent_id, (SELECT COUNT(*) FROM groups g WHERE g.partner_id = p.id) AS groups
             FROM partners p WHERE 1 = 1{} ORDER BY p.id",
            scope_clause(only, "p.id", 1)
        );
        let rows = self.partner_scoped_rows(sql, only).await?;
        rows.iter()
            .map(|r| {
                Ok(PartnerRow {
                    id: col(r, "id")?,
                    name: col(r, "name")?,
                    wxid: col(r, "wxid")?,
                    parent_id: col(r, "parent_id")?,
                    groups: col(r, "groups")?,
                })
            })
            .collect()
    }

    /// PIDs of one owner kind (`robot`, `partner`, `group`), optionally of one owner.
    pub async fn pids_of_kind(&self, kind: &str, owner_id: Option<i64>) -> StoreResult<Vec<PidRow>> {
        let sql = format!(
            "SELECT platform, pid, name, owner_kind, owner_id FROM pids WHERE owner_kind = $1{} ORDER BY owner_id, platform",
            scope_clause(owner_id, "owner_id", 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        if let Some(id) = owner_id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(pid_from_row).collect()
    }

    pub async fn members_overview(
        &self,
        partner: Option<i64>,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<MemberSummary>> {
        let sql = format!(
            "SELECT {MEMBER_SUMMARY_COLUMNS} FROM members m
             WHERE ($1 = '' OR m.wxid LIKE $1 OR m.nickname LIKE $1){} ORDER BY m.id DESC LIMIT $2 OFFSET $3",
            member_scope(partner, 4)
        );
        let pattern = if search.is_empty() { String::new() } else { format!("%{}%", search.replace(['%', '_'], "")) };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(pattern).bind(limit).bind(offset);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(member_summary_from_row).collect()
    }

    pub async fn robots_overview(&self) -> StoreResult<Vec<RobotSummary>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.wxid, r.nickname,
                (SELECT COUNT(*) FROM outbox o WHERE o.robot_id = r.id AND o.status IN ('queued', 'sending')) AS queued,
                (SELECT COUNT(*) FROM outbox o WHERE o.robot_id = r.id AND o.status = 'sent') AS sent,
                (SELECT COUNT(*) FROM outbox o WHERE o.robot_id = r.id AND o.status = 'dead') AS dead,
                (SELECT MAX(o.sent_at) FROM outbox o WHERE o.robot_id = r.id AND o.status = 'sent') AS last_sent_at,
                (SELECT o.last_error FROM outbox o WHERE o.robot_id = r.id AND o.last_error IS NOT NULL
                    ORDER BY o.updated_at DESC, o.id DESC LIMIT 1) AS last_error,
                (SELECT COUNT(*) FROM groups g WHERE g.robot_id = r.id) AS groups
             FROM robots r ORDER BY r.id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RobotSummary {
                    id: col(r, "id")?,
                    name: col(r, "name")?,
                    wxid: col(r, "wxid")?,
                    nickname: col(r, "nickname")?,
                    queued: col(r, "queued")?,
                    sent: col(r, "sent")?,
                    dead: col(r, "dead")?,
                    last_sent_at: col(r, "last_sent_at")?,
                    last_error: col(r, "last_error")?,
                    groups: col(r, "groups")?,
                })
            })
            .collect()
    }

    /// One member's summary; with `partner`, only when the member is in one of that partner's groups.
    pub async fn member_summary(&self, id: i64, partner: Option<i64>) -> StoreResult<Option<MemberSummary>> {
        let sql = format!("SELECT {MEMBER_SUMMARY_COLUMNS} FROM members m WHERE m.id = $1{}", member_scope(partner, 2));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        q.fetch_optional(self.reader()).await?.as_ref().map(member_summary_from_row).transpose()
    }
}

fn pid_from_row(r: &AnyRow) -> StoreResult<PidRow> {
    let code: String = col(r, "platform")?;
    Ok(PidRow {
        platform: code.parse().map_err(|_| super::StoreError::Corrupt(format!("pid platform `{code}`")))?,
        pid: col(r, "pid")?,
        name: col(r, "name")?,
        owner_kind: col(r, "owner_kind")?,
        owner_id: col(r, "owner_id")?,
    })
}
