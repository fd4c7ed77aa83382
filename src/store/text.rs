//! The Chinese words the store writes into rows or labels them with: account kinds, the state reason of a robot
//! added on the dashboard, the reason logged for an approved agent's level.

// Account kinds (ledger accounts).
pub const ACCOUNT_MEMBER: &str = "会员返利";
pub const ACCOUNT_PARTNER: &str = "合伙人分成";
pub const ACCOUNT_AGENT: &str = "代理分成";
pub const ACCOUNT_OPERATOR: &str = "平台";

/// How a member without a nickname is named (in @-mentions of notices).
pub const MEMBER_FALLBACK_NAME: &str = "群友";

/// The state reason of a robot added on the dashboard, before its first login.
pub const AWAITING_SCAN: &str = "等待扫码登录";

/// The level change logged when an agent application is approved.
pub const APPLICATION_APPROVED: &str = "审核通过";
