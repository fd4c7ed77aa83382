//! The browser playground's Chinese (`/gewe/playground` and its world actions 下单 and 快进): chat names, the
//! system lines it shows, and why it refuses a request. The page itself (`assets/playground/`) holds its own text.

use std::fmt::Display;

// Chats

/// The member's private chat with the robot.
pub const PRIVATE_CHAT_NAME: &str = "私聊";

// System lines

/// `"A"邀请"B"、"C"加入了群聊`.
pub fn join_line(inviter: &str, joined: &[String]) -> String {
    format!("\"{inviter}\"邀请{}加入了群聊", quoted(joined))
}

/// `"A"将"B"移出了群聊`, or `你将"B"移出了群聊` when the robot (`by` = `None`) removed them.
pub fn removal_line(by: Option<&str>, removed: &[String]) -> String {
    let who = by.map_or_else(|| "你".to_string(), |b| format!("\"{b}\""));
    format!("{who}将{}移出了群聊", quoted(removed))
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join("、")
}

// Refusals of 说话 and 分享

pub fn text_length(max_chars: usize) -> String {
    format!("消息不能为空，且不超过 {max_chars} 个字")
}

pub const NO_SUCH_CHAT: &str = "没有这个聊天";
pub const CARD_INCOMPLETE: &str = "卡片需要标题和链接";
pub const CARD_GROUPS_ONLY: &str = "卡片只能分享到群里";

pub fn nickname_invalid(max_chars: usize) -> String {
    format!("昵称需为 1–{max_chars} 个字，且不含 @")
}

pub const NICKNAME_IS_ROBOT: &str = "这是机器人的昵称，请换一个";

pub fn not_delivered(error: impl Display) -> String {
    format!("dealbot 没有收到这条消息：{error}")
}

// Refusals of 下单

pub const ORDER_BODY_INVALID: &str = "请求体应为 {\"seq\": 消息序号}";

pub fn no_such_message(seq: usize) -> String {
    format!("没有第 {seq} 条消息")
}

pub const ORDER_ONLY_ON_ROBOT: &str = "只能在机器人发出的推广上下单";
pub const NO_PROMOTION_LINK: &str = "这条消息里没有机器人转出的推广链接";

// Refusals of 快进

pub fn advance_days_invalid(max_days: u32) -> String {
    format!("快进天数应为 1–{max_days} 的整数")
}

pub fn sync_failed(error: impl Display) -> String {
    format!("联盟时钟已快进，但订单同步失败：{error}")
}
