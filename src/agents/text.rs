//! The agent system's Chinese texts.

use crate::store::agent_levels::AgentFigures;

/// Why an agent's level changed (`up`: an upgrade), for the log.
pub fn level_change(up: bool, f: &AgentFigures) -> String {
    format!(
        "{}：近 30 天邀请 {} 人、订单 {} 笔、佣金 ¥{}",
        if up { "升级" } else { "降级" },
        f.invited,
        f.orders,
        f.commission.yuan_string()
    )
}
