//! The posting area's Chinese: why a plan or a 群发 is refused (shown to the owner or on the dashboard), why one
//! 群发 send failed, a chat plan's name, and the words a time window is written with.

use super::mass::{MAX_GROUPS, MAX_TEXT_CHARS};
use super::plan::{MAX_LIST_ITEMS, MIN_LIST_ITEMS};
use super::schedule::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES};

// A plan refused.
pub fn plan_interval() -> String {
    format!("发单间隔要在 {MIN_INTERVAL_MINUTES} 到 {MAX_INTERVAL_MINUTES} 分钟之间")
}
pub const PLAN_NO_WINDOW: &str = "至少要有一个发单时段";
pub const PLAN_OVERLAP: &str = "发单时段不能重叠";
pub const PLAN_NO_TARGET: &str = "至少要有一个目标群";
pub const PLAN_NAME: &str = "计划名不能为空，最多 30 个字";
pub fn plan_items() -> String {
    format!("每条发单的商品数只能是 1（单品）或 {MIN_LIST_ITEMS} 到 {MAX_LIST_ITEMS}（清单）")
}
pub fn plan_copy_template(error: &str) -> String {
    format!("文案模板有误：{error}")
}
pub const PLAN_AS_THEY_COME: &str = "随到随发只用于采集转发的计划";
pub fn plan_poster_template(name: &str, choices: &str) -> String {
    format!("没有名为「{name}」的海报模板，可选：{choices}")
}
/// Joins the poster templates to choose from.
pub const LIST_SEPARATOR: &str = "、";

// A chat plan.
/// The name of the plan a group owner makes from the chat.
pub fn chat_plan_name(group_id: i64) -> String {
    format!("群{group_id}发单")
}

// A 群发 refused.
pub const MASS_EMPTY: &str = "群发内容为空：请填写文字、上传图片或填写商品链接";
pub fn mass_text_too_long() -> String {
    format!("文字太长（最多 {MAX_TEXT_CHARS} 字）")
}
pub const MASS_NO_PRODUCT: &str = "没有识别出商品链接";
pub fn mass_groups() -> String {
    format!("请选择目标群或好友（最多 {MAX_GROUPS} 个）")
}
pub const MASS_TIME: &str = "每日时间不对";

// A 群发 send failed.
pub const ROBOT_OFFLINE: &str = "机器人不在线";

// Time windows (`9点-22点`, `9至22`).
/// After an hour: `9点`.
pub const HOUR_SUFFIX: char = '点';
/// The full-width colon, read as `:`.
pub const FULL_WIDTH_COLON: char = '：';
/// Between a window's start and end.
pub const WINDOW_SEPARATORS: [char; 6] = ['-', '~', '－', '～', '至', '到'];
