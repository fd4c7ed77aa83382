//! The order lifecycle's Chinese labels, for chat replies and the dashboard.

pub const UNKNOWN: &str = "未知";
pub const UNPAID: &str = "未付款";
pub const PAID: &str = "已付款";
pub const RECEIVED: &str = "已收货";
pub const VERIFIED: &str = "已审核";
pub const SETTLED: &str = "已结算";
pub const INVALID: &str = "已失效";
