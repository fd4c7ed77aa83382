//! The simulated GeWe gateway's Chinese (chat-gateways spec §1, gateway-account spec): the `msg` of its answers,
//! the push texts and sysmsg templates of its callbacks, and the names of the robot and the playground's chats.

// The robot account and the playground's chats

pub const DEFAULT_BOT_NICKNAME: &str = "省钱小助手";
/// The playground's member group.
pub const PLAYGROUND_ROOM_NAME: &str = "省钱福利群";
/// The playground's second group (a deal source).
pub const PLAYGROUND_SOURCE_ROOM_NAME: &str = "线报源";
/// The nickname the playground page switches to for trying owner commands.
pub const PLAYGROUND_OWNER_NICKNAME: &str = "群主老王";
/// The name `@` picks to mention every member (`@所有人`).
pub const EVERYONE: &str = "所有人";

// Answers: success

pub const OPERATION_OK: &str = "操作成功";
/// `getTokenId`'s answer.
pub const EXECUTION_OK: &str = "执行成功";
/// The gateway's usual failure answer (`{"ret":500,"msg":"执行失败"}`).
pub const EXECUTION_FAILED: &str = "执行失败";

// Answers: the token, the account and the request fields

pub fn token_missing(header: &str) -> String {
    format!("header:{header} 不可为空")
}

pub fn token_invalid(header: &str, token: &str) -> String {
    format!("HTTP HEADER: {header}={token} 不可用或已过期")
}

pub fn app_id_unknown(app_id: &str) -> String {
    format!("appId:{app_id} 不存在或未登录")
}

pub fn field_empty(name: &str) -> String {
    format!("参数校验失败：{name} 不能为空")
}

pub fn field_type(name: &str) -> String {
    format!("参数校验失败：{name} 类型错误")
}

pub const OFFLINE: &str = "微信已离线，请重新登录";
pub const RECONNECT_FAILED: &str = "重连失败，请重新扫码登录";

// Answers: `setCallback`

pub const CALLBACK_TOKEN_WRONG: &str = "token 不正确";
pub const CALLBACK_URL_MALFORMED: &str = "回调地址格式不正确";

pub fn callback_unreachable(error: impl std::fmt::Display) -> String {
    format!("回调地址无法访问：{error}")
}

// Answers: groups

pub const MEMBER_LIST_NO_ROOM: &str = "获取群成员列表失败：群聊不存在";
pub const ROOM_INFO_NO_ROOM: &str = "获取群信息失败：群聊不存在";

// Answers: images (`postImage`, `downloadImage`)

pub const IMAGE_URL_INVALID: &str = "图片地址不合法";

pub fn image_fetch_failed(why: &str) -> String {
    format!("图片下载失败：{why}")
}

pub const IMAGE_TOO_LARGE: &str = "图片过大";
pub const NOT_AN_IMAGE: &str = "发送图片失败：不是有效的图片";
pub const DOWNLOAD_TYPE_INVALID: &str = "参数校验失败：type 只能是 1 或 2";
pub const IMAGE_XML_MALFORMED: &str = "图片消息 xml 格式不对";
pub const IMAGE_DOWNLOAD_FAILED: &str = "下载图片失败";

// Answers: `addContacts`

pub const USER_NOT_FOUND: &str = "添加好友失败：未找到该用户";
pub const OPTION_INVALID: &str = "参数校验失败：option 取值错误";
pub const FRIEND_TICKET_UNKNOWN: &str = "操作失败：好友验证信息已过期或不存在";
pub const FRIEND_SCENE_MISMATCH: &str = "操作失败：scene 与好友申请不符";

// Answers: QR login

pub const QR_FAILED: &str = "获取二维码失败";
pub const DEVICE_LIMIT: &str = "已达到最大客户端数量操作";

pub fn device_unknown(app_id: &str) -> String {
    format!("appId:{app_id} 设备不存在")
}

pub const ALREADY_LOGGED_IN: &str = "微信已登录，请勿重复登录。";
pub const QR_UNKNOWN: &str = "登录二维码不存在，请重新获取";
pub const WRONG_ACCOUNT: &str = "登录失败：该设备已绑定其他微信号，请使用原微信号扫码";
/// The scan control's answer when no QR waits (the admin shows the login QR first).
pub const NO_WAITING_QR: &str = "没有等待扫码的二维码：先在管理后台点「扫码登录」";

// Callbacks

/// The body `setCallback` posts to check the URL: its `testMsg`.
pub const CALLBACK_TEST: &str = "回调地址链接成功！";

/// The PushContent of a group message that mentions the robot.
pub fn push_mentioned(sender_nick: &str) -> String {
    format!("{sender_nick}在群聊中@了你")
}

/// The PushContent of a shared link card.
pub fn push_link(sender_nick: &str, title: &str) -> String {
    format!("{sender_nick} : [链接]{title}")
}

/// The PushContent of a picture.
pub fn push_image(sender_nick: &str) -> String {
    format!("{sender_nick} : [图片]")
}

/// The join sysmsg's template.
pub const JOIN_TEMPLATE: &str = "\"$username$\"邀请\"$names$\"加入了群聊";
/// The removal sysmsg's template when a member removed others.
pub const REMOVAL_BY_MEMBER_TEMPLATE: &str = "\"$username$\"将\"$kickoutname$\"移出了群聊";
/// The removal sysmsg's template when the robot removed others.
pub const REMOVAL_BY_ROBOT_TEMPLATE: &str = "你将\"$kickoutname$\"移出了群聊";
/// Between the names of a sysmsg's member list.
pub const NAME_SEPARATOR: &str = "、";
