//! QR login of a robot's account (gateway-account spec §3): a QR for the robot's own device (never a new one for
//! an account that has one), polled until the phone confirms; then the account is bound to the robot, the
//! gateway's callback is pointed at our webhook and the robot comes online (held sends resume, contacts sync).
//! An expired QR is replaced by a new one for the same device.

use super::{Lifecycle, RobotError};
use crate::chat::gewe::LoginCheck;
use serde::Serialize;

/// How long a login QR lives (gateway-account spec §3.3).
pub const QR_SECS: u64 = 120;

/// A login QR shown for a robot.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub uuid: String,
    /// What the QR encodes.
    pub qr_data: String,
}

/// Where a robot's QR login stands, as the dashboard polls it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoginProgress {
    /// Scan `qr_data` (a fresh QR replaces an expired one: same device).
    Waiting { qr_data: String, expires_in: u64 },
    /// `nickname` scanned; waiting for the confirmation on the phone.
    Scanned { nickname: String },
    /// Logged in as `wxid`; the callback is registered.
    Online { wxid: String, nickname: String },
    /// Cancelled on the phone: start again.
    Cancelled,
    /// The gateway asks for a verification: its words.
    Verify { detail: String },
    /// No login was started for the robot.
    Idle,
}

impl Lifecycle {
    /// Shows a login QR for the robot's device (its stored `appId`, reused for every login).
    pub async fn start_login(&self, robot_id: i64) -> Result<PendingLogin, RobotError> {
        let account = self.account(robot_id)?;
        let qr = account.client.login_qr(account.client.app_id()).await?;
        let pending = PendingLogin { uuid: qr.uuid, qr_data: qr.qr_data };
        self.inner.logins.lock().unwrap_or_else(|p| p.into_inner()).insert(robot_id, pending.clone());
        Ok(pending)
    }

    fn pending(&self, robot_id: i64) -> Option<PendingLogin> {
        self.inner.logins.lock().unwrap_or_else(|p| p.into_inner()).get(&robot_id).cloned()
    }

    fn forget_login(&self, robot_id: i64) {
        self.inner.logins.lock().unwrap_or_else(|p| p.into_inner()).remove(&robot_id);
    }

    /// Asks the gateway how the robot's QR login stands. On success the account is bound to the robot, the
    /// gateway posts its callbacks to `callback_url`, and the robot comes online.
    pub async fn poll_login(&self, robot_id: i64, callback_url: &str) -> Result<LoginProgress, RobotError> {
        let account = self.account(robot_id)?;
        let Some(pending) = self.pending(robot_id) else { return Ok(LoginProgress::Idle) };
        let check = account.client.check_login(account.client.app_id(), &pending.uuid).await?;
        Ok(match check {
            LoginCheck::Waiting { expires_in } => LoginProgress::Waiting { qr_data: pending.qr_data, expires_in },
            LoginCheck::Scanned { nickname, .. } => LoginProgress::Scanned { nickname },
            LoginCheck::Expired => {
                let fresh = self.start_login(robot_id).await?;
                LoginProgress::Waiting { qr_data: fresh.qr_data, expires_in: QR_SECS }
            }
            LoginCheck::Cancelled => {
                self.forget_login(robot_id);
                LoginProgress::Cancelled
            }
            LoginCheck::Verify(detail) => LoginProgress::Verify { detail },
            LoginCheck::LoggedIn { wxid, nickname } => {
                self.forget_login(robot_id);
                let now = self.inner.clock.now_ms();
                self.inner.store.robot_logged_in(robot_id, &wxid, &nickname, now).await?;
                self.add_account(super::Account { wxid: wxid.clone(), ..account.clone() });
                if let Err(e) = account.client.set_callback(callback_url).await {
                    let detail = super::text::callback_failed(&super::error_text(&e));
                    tracing::warn!(robot = robot_id, error = %detail, "cannot register the callback");
                    self.inner.store.add_robot_event(robot_id, "callback_failed", &detail, now).await?;
                }
                tracing::info!(robot = robot_id, wxid, "robot logged in by QR");
                self.came_back(robot_id).await;
                LoginProgress::Online { wxid, nickname }
            }
        })
    }
}
