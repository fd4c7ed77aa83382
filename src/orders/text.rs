//! The orders area's Chinese texts: why an admin's assignment of an order is refused.

pub const NO_ORDER: &str = "订单不存在";
pub const NO_MEMBER: &str = "会员不存在";
pub const REASON_REQUIRED: &str = "须填写原因（最多 200 字）";
