//! The chat area's Chinese: what the WeChat clients write that the GeWe parser matches, and the one line we
//! write for WeCom.

// GeWe push contents and system-message templates (matched, spec §1.8).
/// The push content's end when the message mentions the robot: `<name>在群聊中@了你`.
pub const MENTIONED_YOU: &str = "在群聊中@了你";
/// The template of the robot being invited into a group.
pub const INVITED_YOU: &str = "邀请你加入了群聊";
/// Templates of a member joining: invited, or by the group's QR code.
pub const JOINED: [&str; 2] = ["加入了群聊", "二维码加入群聊"];
/// The template of a member removed by the robot or an admin.
pub const REMOVED: &str = "移出了群聊";
/// The start of `你被…移出群聊`: the robot itself removed.
pub const YOU_WERE: &str = "你被";

// WeCom.
/// An auto-reply's picture WeCom cannot fetch, as a markdown link.
pub fn view_picture(url: &str) -> String {
    format!("[查看图片]({url})")
}
