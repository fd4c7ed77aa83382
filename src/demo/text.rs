//! The demo's Chinese: names of the simulated union accounts' PIDs and of the demo WeCom group.

/// The `n`th PID of the simulated 多多进宝 account.
pub fn pdd_pid_name(n: u64) -> String {
    format!("推广位{n}")
}
/// The `n`th position of the simulated 京东联盟 account.
pub fn jd_position_name(n: u64) -> String {
    format!("聊天推广位{n}")
}
/// The group of the WeCom webhook robot.
pub const WECOM_GROUP: &str = "企微福利群";
