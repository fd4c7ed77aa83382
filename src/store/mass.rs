//! Custom mass posts (自定义群发), stored as one typed JSON document each (`posting::mass::MassPost`), and their
//! deliveries.

use super::dashboard::scope_clause;
use super::{Store, StoreError, StoreResult, col};
use crate::posting::mass::{Friend, MassPost};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredMassPost {
    pub id: i64,
    pub post: MassPost,
    pub enabled: bool,
    /// The partner whose user made it; `None` for an admin.
    pub partner_id: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

/// Who a firing of a mass post goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MassTarget {
    /// A group, through its robot.
    Group { group_id: i64, robot_id: i64 },
    /// A robot's friend, in private chat.
    Friend(Friend),
}

/// A send of a mass post to a group or a friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMassDelivery {
    pub mass_post_id: i64,
    pub target: MassTarget,
    /// Unix seconds.
    pub fire_at: i64,
    /// `queued` or `failed`.
    pub status: &'static str,
    pub reason: Option<String>,
    pub outbox_key: Option<String>,
    pub promotion_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MassDeliveryRow {
    pub id: i64,
    pub mass_post_id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub fire_at: i64,
    pub status: String,
    pub reason: Option<String>,
    pub promotion_url: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MassFriendDeliveryRow {
    pub id: i64,
    pub mass_post_id: i64,
    pub robot_id: i64,
    pub wxid: String,
    /// The member's nickname, when known.
    pub nickname: String,
    pub fire_at: i64,
    pub status: String,
    pub reason: Option<String>,
    pub promotion_url: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

/// Someone who talks to a robot in private chat: a friend a mass post may go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateContact {
    pub robot_id: i64,
    pub wxid: String,
    pub nickname: String,
}

impl NewMassDelivery {
    /// A firing that could not go out (for `reason`).
    pub fn failed(mass_post_id: i64, target: MassTarget, fire_at: i64, reason: &str) -> Self {
        NewMassDelivery {
            mass_post_id,
            target,
            fire_at,
            status: "failed",
            reason: Some(reason.to_string()),
            outbox_key: None,
            promotion_url: None,
        }
    }

    /// A firing queued in the outbox under `outbox_key`.
    pub fn queued(
        mass_post_id: i64,
        target: MassTarget,
        fire_at: i64,
        outbox_key: String,
        promotion_url: Option<String>,
    ) -> Self {
        NewMassDelivery {
            mass_post_id,
            target,
            fire_at,
            status: "queued",
            reason: None,
            outbox_key: Some(outbox_key),
            promotion_url,
        }
    }
}

const MASS_POST_COLUMNS: &str = "id, spec, enabled, partner_id, created_at";

fn read(r: &sqlx::any::AnyRow) -> StoreResult<StoredMassPost> {
    let spec: String = col(r, "spec")?;
    let post: MassPost = super::from_json_text("mass post", &spec)?;
    Ok(StoredMassPost {
        id: col(r, "id")?,
        post,
        enabled: col::<i64>(r, "enabled")? != 0,
        partner_id: col(r, "partner_id")?,
        created_at: col(r, "created_at")?,
    })
}

impl Store {
    /// Stores a new mass post (switched on); returns its id.
    pub async fn create_mass_post(
        &self,
        post: &MassPost,
        partner_id: Option<i64>,
        created_by: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        let spec = super::to_json_text("mass post", post)?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO mass_posts (spec, enabled, partner_id, created_by, created_at, updated_at)
             VALUES ($1, 1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(spec)
        .bind(partner_id)
        .bind(created_by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn mass_post(&self, id: i64) -> StoreResult<StoredMassPost> {
        let sql = format!("SELECT {MASS_POST_COLUMNS} FROM mass_posts WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(read).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Every mass post that is switched on.
    pub async fn enabled_mass_posts(&self) -> StoreResult<Vec<StoredMassPost>> {
        let sql = format!("SELECT {MASS_POST_COLUMNS} FROM mass_posts WHERE enabled = 1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// The newest mass posts; for a partner (`Some`), only the ones their users made.
    pub async fn mass_posts(&self, partner: Option<i64>, limit: i64) -> StoreResult<Vec<StoredMassPost>> {
        let sql = format!(
            "SELECT {MASS_POST_COLUMNS} FROM mass_posts WHERE 1 = 1{} ORDER BY id DESC LIMIT $1",
            scope_clause(partner, "partner_id", 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
        if let Some(p) = partner {
            q = q.bind(p);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// Switches a mass post on or off.
    pub async fn set_mass_post_enabled(&self, id: i64, enabled: bool, now: i64) -> StoreResult<()> {
        let done = sqlx::query("UPDATE mass_posts SET enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(enabled))
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Records a send; a second record of the same (post, group or friend, firing) is ignored.
    pub async fn record_mass_delivery(&self, d: &NewMassDelivery, now: i64) -> StoreResult<()> {
        let sql = match d.target {
            MassTarget::Group { .. } => {
                "INSERT INTO mass_deliveries (mass_post_id, fire_at, status, reason, outbox_key, promotion_url,
                    created_at, group_id, robot_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (mass_post_id, group_id, fire_at) DO NOTHING"
            }
            MassTarget::Friend(_) => {
                "INSERT INTO mass_friend_deliveries (mass_post_id, fire_at, status, reason, outbox_key, promotion_url,
                    created_at, robot_id, wxid)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (mass_post_id, robot_id, wxid, fire_at) DO NOTHING"
            }
        };
        let q = sqlx::query(sql)
            .bind(d.mass_post_id)
            .bind(d.fire_at)
            .bind(d.status)
            .bind(d.reason.as_deref())
            .bind(d.outbox_key.as_deref())
            .bind(d.promotion_url.as_deref())
            .bind(now);
        let q = match &d.target {
            MassTarget::Group { group_id, robot_id } => q.bind(*group_id).bind(*robot_id),
            MassTarget::Friend(f) => q.bind(f.robot_id).bind(f.wxid.as_str()),
        };
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// True when the firing already has a row for the group or friend (queued or failed: a firing is tried once).
    pub async fn mass_fired(&self, post_id: i64, target: &MassTarget, fire_at: i64) -> StoreResult<bool> {
        let q = match target {
            MassTarget::Group { group_id, .. } => sqlx::query(
                "SELECT 1 AS one FROM mass_deliveries WHERE mass_post_id = $1 AND fire_at = $2 AND group_id = $3",
            )
            .bind(post_id)
            .bind(fire_at)
            .bind(*group_id),
            MassTarget::Friend(f) => sqlx::query(
                "SELECT 1 AS one FROM mass_friend_deliveries
                 WHERE mass_post_id = $1 AND fire_at = $2 AND robot_id = $3 AND wxid = $4",
            )
            .bind(post_id)
            .bind(fire_at)
            .bind(f.robot_id)
            .bind(f.wxid.as_str()),
        };
        Ok(q.fetch_optional(&self.pool).await?.is_some())
    }

    /// A mass post's deliveries, newest first.
    pub async fn mass_deliveries(&self, post_id: i64, limit: i64) -> StoreResult<Vec<MassDeliveryRow>> {
        let rows = sqlx::query(
            "SELECT d.id, d.mass_post_id, d.group_id, g.name AS group_name, d.fire_at, d.status, d.reason,
                d.promotion_url, d.created_at
             FROM mass_deliveries d JOIN groups g ON g.id = d.group_id
             WHERE d.mass_post_id = $1 ORDER BY d.id DESC LIMIT $2",
        )
        .bind(post_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MassDeliveryRow {
                    id: col(r, "id")?,
                    mass_post_id: col(r, "mass_post_id")?,
                    group_id: col(r, "group_id")?,
                    group_name: col(r, "group_name")?,
                    fire_at: col(r, "fire_at")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    promotion_url: col(r, "promotion_url")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// A mass post's sends to friends, newest first.
    pub async fn mass_friend_deliveries(&self, post_id: i64, limit: i64) -> StoreResult<Vec<MassFriendDeliveryRow>> {
        let rows = sqlx::query(
            "SELECT d.id, d.mass_post_id, d.robot_id, d.wxid, COALESCE(m.nickname, '') AS nickname, d.fire_at,
                d.status, d.reason, d.promotion_url, d.created_at
             FROM mass_friend_deliveries d LEFT JOIN members m ON m.wxid = d.wxid
             WHERE d.mass_post_id = $1 ORDER BY d.id DESC LIMIT $2",
        )
        .bind(post_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MassFriendDeliveryRow {
                    id: col(r, "id")?,
                    mass_post_id: col(r, "mass_post_id")?,
                    robot_id: col(r, "robot_id")?,
                    wxid: col(r, "wxid")?,
                    nickname: col(r, "nickname")?,
                    fire_at: col(r, "fire_at")?,
                    status: col(r, "status")?,
                    reason: col(r, "reason")?,
                    promotion_url: col(r, "promotion_url")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Who talks to a robot in private chat (its inbound private messages), most recent first: the friends a mass
    /// post may go to.
    pub async fn private_contacts(&self, limit: i64) -> StoreResult<Vec<PrivateContact>> {
        let rows = sqlx::query(
            "SELECT i.robot_id, i.sender_id AS wxid, COALESCE(MAX(m.nickname), '') AS nickname, MAX(i.id) AS last_id
             FROM inbound i LEFT JOIN members m ON m.wxid = i.sender_id
             WHERE i.sender_id IS NOT NULL AND i.conversation_id = i.sender_id
             GROUP BY i.robot_id, i.sender_id ORDER BY last_id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PrivateContact {
                    robot_id: col(r, "robot_id")?,
                    wxid: col(r, "wxid")?,
                    nickname: col(r, "nickname")?,
                })
            })
            .collect()
    }
}
