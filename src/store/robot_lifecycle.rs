//! A robot's account life as the gateway reports it: its state, the times of its last message in and out, the
//! events shown on the 机器人 page, moving its held sends to another robot, and the groups and members synced
//! from the gateway's contacts.

use super::{Store, StoreResult, col};

/// A robot's recorded account state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotStatus {
    pub state: String,
    pub reason: String,
    pub changed_at: Option<i64>,
    pub last_in_at: Option<i64>,
    pub last_out_at: Option<i64>,
}

/// One entry of a robot's event log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RobotEvent {
    pub id: i64,
    pub robot_id: i64,
    pub kind: String,
    pub detail: String,
    pub created_at: i64,
}

/// A group member as the gateway's member list reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedMember {
    pub wxid: String,
    pub nickname: String,
    /// The name shown in this group: 群昵称, else the nickname (may be empty).
    pub display_name: String,
}

/// A synced group's name: the gateway's, or a stand-in built from members' names when the group has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupName {
    Gateway(String),
    StandIn(String),
}

/// What [`Store::move_pending_sends`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MovedSends {
    /// Queued rows now addressed to the other robot.
    pub moved: u64,
    /// Queued rows left behind: their conversation is not one of the other robot's groups.
    pub kept: u64,
}

impl Store {
    /// Records the robot's state. Returns true only when the state changed (so one instance of several, and one
    /// caller of several, acts on a transition).
    pub async fn set_robot_state(&self, robot_id: i64, state: &str, reason: &str, now: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE robots SET state = $1, state_reason = $2, state_changed_at = $3, updated_at = $3
             WHERE id = $4 AND state <> $1",
        )
        .bind(state)
        .bind(reason)
        .bind(now)
        .bind(robot_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn robot_status(&self, robot_id: i64) -> StoreResult<RobotStatus> {
        let row = sqlx::query(
            "SELECT state, state_reason, state_changed_at, last_in_at, last_out_at FROM robots WHERE id = $1",
        )
        .bind(robot_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(super::StoreError::NotFound)?;
        Ok(RobotStatus {
            state: col(&row, "state")?,
            reason: col(&row, "state_reason")?,
            changed_at: col(&row, "state_changed_at")?,
            last_in_at: col(&row, "last_in_at")?,
            last_out_at: col(&row, "last_out_at")?,
        })
    }

    /// Notes a message received by the robot.
    pub async fn touch_robot_in(&self, robot_id: i64, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE robots SET last_in_at = $1 WHERE id = $2 AND (last_in_at IS NULL OR last_in_at < $1)")
            .bind(now)
            .bind(robot_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Notes a message the gateway accepted from the robot.
    pub async fn touch_robot_out(&self, robot_id: i64, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE robots SET last_out_at = $1 WHERE id = $2 AND (last_out_at IS NULL OR last_out_at < $1)")
            .bind(now)
            .bind(robot_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_robot_event(&self, robot_id: i64, kind: &str, detail: &str, now: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO robot_events (robot_id, kind, detail, created_at) VALUES ($1, $2, $3, $4)")
            .bind(robot_id)
            .bind(kind)
            .bind(detail)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest events of every robot, newest first.
    pub async fn recent_robot_events(&self, limit: i64) -> StoreResult<Vec<RobotEvent>> {
        let rows = sqlx::query(
            "SELECT id, robot_id, kind, detail, created_at FROM robot_events ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RobotEvent {
                    id: col(r, "id")?,
                    robot_id: col(r, "robot_id")?,
                    kind: col(r, "kind")?,
                    detail: col(r, "detail")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Hands the queued sends of robot `from` to robot `to`, for the conversations `to` serves (its groups, or
    /// private chats of members it knows there); the others stay with `from`.
    pub async fn move_pending_sends(&self, from: i64, to: i64, now: i64) -> StoreResult<MovedSends> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE outbox SET robot_id = $1, next_attempt_at = $2, updated_at = $2
             WHERE robot_id = $3 AND status = 'queued'
               AND (conversation_id IN (SELECT g.room_id FROM groups g WHERE g.robot_id = $1)
                    OR conversation_id IN (SELECT m.wxid FROM members m
                        JOIN group_members gm ON gm.member_id = m.id
                        JOIN groups g ON g.id = gm.group_id WHERE g.robot_id = $1))",
        )
        .bind(to)
        .bind(now)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE robot_id = $1 AND status = 'queued'")
            .bind(from)
            .fetch_one(&mut *tx)
            .await?;
        let kept: i64 = col(&row, "n")?;
        tx.commit().await?;
        Ok(MovedSends { moved, kept: kept as u64 })
    }

    /// Records a group as the gateway describes it (registering it, enabled or not, when new) and returns its id.
    /// The gateway's group name replaces the stored one; a stand-in name (built from members' names for an unnamed
    /// group) only fills an empty one.
    pub async fn sync_group(
        &self,
        robot_id: i64,
        room_id: &str,
        name: &GroupName,
        member_count: i64,
        enabled_if_new: bool,
        now: i64,
    ) -> StoreResult<i64> {
        let (text, from_gateway) = match name {
            GroupName::Gateway(n) => (n.as_str(), 1_i64),
            GroupName::StandIn(n) => (n.as_str(), 0_i64),
        };
        let row = sqlx::query(
            "INSERT INTO groups (robot_id, room_id, name, enabled, member_count, synced_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
             ON CONFLICT (robot_id, room_id) DO UPDATE SET
                 name = CASE WHEN $7 = 1 OR groups.name = '' THEN excluded.name ELSE groups.name END,
                 member_count = excluded.member_count, synced_at = excluded.synced_at, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(robot_id)
        .bind(room_id)
        .bind(text)
        .bind(i64::from(enabled_if_new))
        .bind(member_count)
        .bind(now)
        .bind(from_gateway)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "id")
    }

    /// Records the group's members with their names in it and notes invited newcomers who left or came back, in one
    /// transaction.
    pub async fn sync_group_members(&self, group_id: i64, members: &[SyncedMember], now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let mut present = std::collections::HashSet::new();
        for m in members {
            let row = sqlx::query(
                "INSERT INTO members (wxid, nickname, created_at, updated_at) VALUES ($1, $2, $3, $3)
                 ON CONFLICT (wxid) DO UPDATE SET
                     nickname = CASE WHEN excluded.nickname = '' THEN members.nickname ELSE excluded.nickname END,
                     updated_at = excluded.updated_at
                 RETURNING id",
            )
            .bind(&m.wxid)
            .bind(&m.nickname)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let member_id: i64 = col(&row, "id")?;
            present.insert(member_id);
            sqlx::query(
                "INSERT INTO group_members (group_id, member_id, display_name, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (group_id, member_id) DO UPDATE SET display_name = excluded.display_name",
            )
            .bind(group_id)
            .bind(member_id)
            .bind(&m.display_name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        super::invites::note_departures(&mut tx, group_id, &present, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rooms of the robot's known groups.
    pub async fn robot_rooms(&self, robot_id: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT room_id FROM groups WHERE robot_id = $1 ORDER BY id")
            .bind(robot_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| col(r, "room_id")).collect()
    }

    /// The member's synced name inside the group, when known and not empty.
    pub async fn group_display_name(&self, group_id: i64, wxid: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query(
            "SELECT gm.display_name FROM group_members gm JOIN members m ON m.id = gm.member_id
             WHERE gm.group_id = $1 AND m.wxid = $2",
        )
        .bind(group_id)
        .bind(wxid)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(col::<String>(&r, "display_name")?).filter(|n| !n.trim().is_empty())),
            None => Ok(None),
        }
    }
}
