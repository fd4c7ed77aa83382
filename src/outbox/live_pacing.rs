//! A robot's pacing as its sender reads it before each send: the dashboard changes it without a restart.

use super::Pacing;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone)]
pub struct LivePacing(Arc<RwLock<Pacing>>);

impl LivePacing {
    pub fn new(pacing: Pacing) -> LivePacing {
        LivePacing(Arc::new(RwLock::new(pacing)))
    }

    pub fn get(&self) -> Pacing {
        *self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, pacing: Pacing) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = pacing;
    }
}

/// The robot's settings with the pacing set on the dashboard in place of the configured values.
pub fn with_override(
    robot: &crate::config::RobotSettings,
    o: &crate::store::robot_accounts::PacingOverride,
) -> crate::config::RobotSettings {
    let ms = |v: Option<i64>, default: u64| v.map_or(default, |v| v.max(0) as u64);
    crate::config::RobotSettings {
        min_send_interval_ms: ms(o.min_send_interval_ms, robot.min_send_interval_ms),
        send_jitter_ms: ms(o.send_jitter_ms, robot.send_jitter_ms),
        min_group_interval_ms: ms(o.min_group_interval_ms, robot.min_group_interval_ms),
        ..robot.clone()
    }
}
