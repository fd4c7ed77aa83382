//! The 采集 (collection) area's Chinese: the admin commands matched in a source group, the reasons a message is
//! not forwarded and the refusals of a source's rules (both shown on the 采集 page), and what a forwarded text
//! must not keep.

// Admin commands, matched in a group.
/// Makes the group a source.
pub const MARK: &str = "#设为采集源";
/// Stops collecting from the group.
pub const UNMARK: &str = "#取消采集源";

// Why a message is not forwarded.
pub const DROP_SENDER: &str = "非采集发送人";
pub const DROP_NO_PRODUCT: &str = "没有商品";
pub const DROP_TOO_BIG: &str = "消息太长或链接太多";
pub fn drop_excluded(word: &str) -> String {
    format!("含排除关键词「{word}」")
}
pub const DROP_NOT_INCLUDED: &str = "不含必需关键词";
pub fn drop_platform(platform: &str) -> String {
    format!("平台不在采集范围：{platform}")
}
pub fn drop_unsupported(platform: &str) -> String {
    format!("含不支持的平台链接：{platform}")
}
/// `what`: [`LINK`], [`MINI_PROGRAM`] or [`TOKEN`].
pub fn drop_unconverted(what: &str) -> String {
    format!("含无法转换的{what}")
}
pub fn drop_conversion(error: &str) -> String {
    format!("转链失败：{error}")
}
/// `what`: [`PRICE`], [`COUPON`] or [`COMMISSION`].
pub fn drop_below_minimum(what: &str) -> String {
    format!("低于门槛：{what}")
}
pub const DROP_DUPLICATE: &str = "重复商品（近期已转发）";
pub const DROP_NO_TARGET: &str = "没有可用的目标群";

// What a forwarded text may not keep.
pub const LINK: &str = "链接";
pub const MINI_PROGRAM: &str = "小程序";
pub const TOKEN: &str = "口令";
/// A mini-program path or tag in text (`小程序://…`, `#小程序`).
pub const MINI_PROGRAM_MARKS: [&str; 2] = ["小程序://", "#小程序"];
/// Markers 口令 of any platform are wrapped in (the recognizer's strong markers and the usual lookalikes).
pub const TOKEN_MARKERS: &[char] = &[
    '￥', '¥', '$', '€', '£', '₤', '¢', '₳', '₴', '₰', '₵', '₲', '₭', '₸', '₮', '₱', '∞', '@', '(', ')', '（', '）',
    '《', '》', '/', '!', '！', '#',
];

// The source's minimums.
pub const PRICE: &str = "价格";
pub const COUPON: &str = "优惠券";
pub const COMMISSION: &str = "佣金";

// A source's rules refused.
pub fn spec_regex(error: &str) -> String {
    format!("清洗规则不是有效的正则表达式：{error}")
}
pub fn spec_too_many(max: usize) -> String {
    format!("规则、关键词、发送人或目标群太多（每项最多 {max} 个）")
}
pub fn spec_pattern(max_chars: usize) -> String {
    format!("规则或关键词不能为空，最长 {max_chars} 字")
}
pub const SPEC_WINDOW: &str =
    "配对时间要在 0 到 60 秒之间，去重时间在 1 到 168 小时之间，最长等待在 1 到 1440 分钟之间";
pub const SPEC_SELF_TARGET: &str = "采集源不能把自己设为目标群";
