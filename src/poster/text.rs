//! The poster's words, in Chinese: its labels, and the punctuation line breaking keeps off a line's start or end.

// ---- labels (`券 ¥20`, `预估返 ¥1.23`, `已售 1.2万`) ----

pub fn coupon(amount: &str) -> String {
    format!("券 ¥{amount}")
}

pub fn rebate(amount: &str) -> String {
    format!("预估返 {amount}")
}

pub fn sold(count: &str) -> String {
    format!("已售 {count}")
}

/// 万: ten thousand.
pub const TEN_THOUSAND: &str = "万";
/// 亿: a hundred million.
pub const HUNDRED_MILLION: &str = "亿";

// ---- line breaking (禁则) ----

/// Characters that may not start a line.
pub const NO_LINE_START: &str = "，。、；：？！…‥—～）》」』】〕〗〉’”·%‰°℃,.;:?!)]}";
/// Characters that may not end a line.
pub const NO_LINE_END: &str = "（《「『【〔〖〈‘“([{¥￥$";
