//! Robots added on the dashboard (their gateway URL, token and webhook secret live here), the device and account
//! a QR login bound to a robot, and per-robot pacing overrides.

use super::{Store, StoreError, StoreResult, col};

/// A robot added on the 机器人 page.
#[derive(Clone)]
pub struct DashboardRobot {
    pub id: i64,
    pub name: String,
    /// The device (`appId`) created for it at the gateway.
    pub app_id: String,
    /// Empty until its first login.
    pub wxid: String,
    pub nickname: String,
    pub gateway_url: String,
    pub gateway_token: String,
    pub webhook_secret: String,
}

impl std::fmt::Debug for DashboardRobot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardRobot")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("app_id", &self.app_id)
            .field("gateway_url", &self.gateway_url)
            .finish_non_exhaustive()
    }
}

/// Per-robot pacing set on the dashboard; `None` keeps the settings' value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PacingOverride {
    pub min_send_interval_ms: Option<i64>,
    pub send_jitter_ms: Option<i64>,
    pub min_group_interval_ms: Option<i64>,
}

fn dashboard_robot(row: &sqlx::any::AnyRow) -> StoreResult<DashboardRobot> {
    Ok(DashboardRobot {
        id: col(row, "id")?,
        name: col(row, "name")?,
        app_id: col(row, "app_id")?,
        wxid: col(row, "wxid")?,
        nickname: col(row, "nickname")?,
        gateway_url: col(row, "gateway_url")?,
        gateway_token: col(row, "gateway_token")?,
        webhook_secret: col(row, "webhook_secret")?,
    })
}

impl Store {
    /// Records a robot added on the dashboard, in state `needs_login`. A name or device already taken is a
    /// [`StoreError::Conflict`].
    pub async fn add_dashboard_robot(&self, r: &DashboardRobot, now: i64) -> StoreResult<i64> {
        let taken: i64 = col(
            &sqlx::query("SELECT COUNT(*) AS n FROM robots WHERE name = $1 OR app_id = $2")
                .bind(&r.name)
                .bind(&r.app_id)
                .fetch_one(&self.pool)
                .await?,
            "n",
        )?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("robot name {} or device {} is taken", r.name, r.app_id)));
        }
        let row = sqlx::query(
            "INSERT INTO robots (name, app_id, wxid, nickname, origin, gateway_url, gateway_token, webhook_secret,
                 state, state_reason, state_changed_at, created_at, updated_at)
             VALUES ($1, $2, '', '', 'dashboard', $3, $4, $5, 'needs_login', $7, $6, $6, $6)
             RETURNING id",
        )
        .bind(&r.name)
        .bind(&r.app_id)
        .bind(&r.gateway_url)
        .bind(&r.gateway_token)
        .bind(&r.webhook_secret)
        .bind(now)
        .bind(super::text::AWAITING_SCAN)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
            _ => StoreError::Db(e),
        })?;
        col(&row, "id")
    }

    /// The robots added on the dashboard, oldest first (started with the process like the configured ones).
    pub async fn dashboard_robots(&self) -> StoreResult<Vec<DashboardRobot>> {
        let rows = sqlx::query(
            "SELECT id, name, app_id, wxid, nickname, gateway_url, gateway_token, webhook_secret
             FROM robots WHERE origin = 'dashboard' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(dashboard_robot).collect()
    }

    /// Whether the robot was added on the dashboard (not declared in the settings).
    pub async fn robot_origin(&self, robot_id: i64) -> StoreResult<String> {
        let row = sqlx::query("SELECT origin FROM robots WHERE id = $1")
            .bind(robot_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        col(&row, "origin")
    }

    /// A QR login bound account `wxid` to the robot's device.
    pub async fn robot_logged_in(&self, robot_id: i64, wxid: &str, nickname: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE robots SET wxid = $1, nickname = $2, updated_at = $3 WHERE id = $4")
            .bind(wxid)
            .bind(nickname)
            .bind(now)
            .bind(robot_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn robot_pacing(&self, robot_id: i64) -> StoreResult<PacingOverride> {
        let row =
            sqlx::query("SELECT min_send_interval_ms, send_jitter_ms, min_group_interval_ms FROM robots WHERE id = $1")
                .bind(robot_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(PacingOverride {
            min_send_interval_ms: col(&row, "min_send_interval_ms")?,
            send_jitter_ms: col(&row, "send_jitter_ms")?,
            min_group_interval_ms: col(&row, "min_group_interval_ms")?,
        })
    }

    pub async fn set_robot_pacing(&self, robot_id: i64, p: &PacingOverride, now: i64) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE robots SET min_send_interval_ms = $1, send_jitter_ms = $2, min_group_interval_ms = $3,
                 updated_at = $4 WHERE id = $5",
        )
        .bind(p.min_send_interval_ms)
        .bind(p.send_jitter_ms)
        .bind(p.min_group_interval_ms)
        .bind(now)
        .bind(robot_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
