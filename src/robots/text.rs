//! The robots area's Chinese: the account states shown on the dashboard and in alerts, the reasons an account
//! went down and the other lines of the robot event log, and the gateway's phrases that say an account is down.

// Account states.
pub const STATE_ONLINE: &str = "在线";
pub const STATE_OFFLINE: &str = "离线";
pub const STATE_NEEDS_LOGIN: &str = "需重新登录";
pub const STATE_LIMITED: &str = "被封/受限";

// The robot event log.
pub fn reconnect_failed(detail: &str) -> String {
    format!("重连失败：{detail}")
}
pub const STILL_OFFLINE_AFTER_RECONNECT: &str = "重连后仍不在线";
pub const LOGGED_OUT_BY_ADMIN: &str = "管理员在后台退出登录";
pub const GATEWAY_SAYS_OFFLINE: &str = "网关回调：账号已离线";
pub fn callback_failed(detail: &str) -> String {
    format!("回调地址注册失败：{detail}")
}
pub const ALERT_UNDELIVERED: &str = "没有在线的机器人可以通知管理员";

// A gateway's `msg` when the account is down **[UNVERIFIED: texts seen in operators' reports, not in a spec]**.
/// The account is banned or limited.
pub const LIMITED_PHRASES: &[&str] = &["封号", "被封", "账号异常", "限制登录", "风控"];
/// The account's connection is gone (`ret 500 微信已离线`).
pub const OFFLINE_PHRASES: &[&str] = &["已离线", "掉线", "离线"];
/// The account is not logged in at all.
pub const NOT_LOGGED_IN_PHRASES: &[&str] = &["未登录", "重新登录", "请先登录"];

// Groups.
/// Joins the members' names that stand in for a group without a name.
pub const NAME_SEPARATOR: &str = "、";
