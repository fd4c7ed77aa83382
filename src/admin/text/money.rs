//! The dashboard text of the money pages: orders, withdrawals, accounts, finance log, rates, statements, agents.

// 提现日志.
pub const WITHDRAWAL_LOG: &str = "提现日志";
pub const WITHDRAWAL_LOG_COLUMNS: &[&str] = &["时间", "提现申请", "账户", "操作", "金额（元）", "操作人", "原因"];
pub const ACTION_REQUESTED: &str = "申请";
pub const ACTION_APPROVED: &str = "通过";
pub const ACTION_PAID: &str = "已打款";
pub const ACTION_REJECTED: &str = "驳回";
