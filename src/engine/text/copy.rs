//! The words of copy templates (文案): their placeholders and why a template is refused.

// Placeholders, as written between braces.
pub const TITLE: &str = "标题";
pub const FINAL_PRICE: &str = "券后价";
pub const PRICE: &str = "原价";
pub const COUPON: &str = "优惠券";
pub const REBATE: &str = "预估返利";
pub const LINK: &str = "链接";
pub const COMMAND: &str = "口令";
pub const PLACEHOLDERS: [&str; 7] = [TITLE, FINAL_PRICE, PRICE, COUPON, REBATE, LINK, COMMAND];
/// `{预估返利}` as a template holds it.
pub const REBATE_FIELD: &str = "{预估返利}";
/// `{优惠券}` of an item without a coupon.
pub const NO_COUPON: &str = "无";

// Why a template is refused (chat and dashboard).
pub const EMPTY: &str = "模板不能为空";
pub const UNBALANCED: &str = "大括号没有成对";
pub const NO_LINK: &str = "模板里要有 {链接} 或 {口令}，不然没法下单";

pub fn too_long(max: usize) -> String {
    format!("模板最多 {max} 个字")
}

pub fn unknown(name: &str) -> String {
    format!("不认识 {{{name}}}，可用：{}", PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" "))
}
