//! The dashboard text of the pages about people and the house: overview, groups, partners, members, settings, 客服, authorization, login, errors.

// Login.
pub const LOG_IN: &str = "登录";
pub const USERNAME: &str = "用户名";
pub const PASSWORD: &str = "密码";
pub const WRONG_PASSWORD: &str = "用户名或密码错误";

// Errors.
pub const ERROR_TITLE: &str = "出错了";
pub const BACK_HOME: &str = "返回首页";
pub const LOG_IN_FIRST: &str = "请先登录";
pub const FORBIDDEN: &str = "无权访问";
pub const CSRF_REJECTED: &str = "表单已失效（缺少安全校验），请刷新页面后重试";
pub const NOT_FOUND: &str = "页面不存在";
pub const INTERNAL: &str = "服务器内部错误";

pub fn too_many_attempts(minutes: u64) -> String {
    format!("尝试次数过多，请 {minutes} 分钟后再试")
}

pub fn upstream(message: &str) -> String {
    format!("联盟接口出错：{message}")
}

// Navigation: the route table's labels (also the titles of these pages).
pub const OVERVIEW: &str = "概览";
pub const ORDERS: &str = "订单";
pub const GROUPS: &str = "群";
pub const PARTNERS: &str = "合伙人与推广位";
pub const MEMBER: &str = "会员";
pub const SELECTION: &str = "选品库";
pub const POSTING: &str = "发单";
pub const MASS: &str = "群发";
pub const COLLECTION: &str = "采集";
pub const CAMPAIGNS: &str = "免单活动";
pub const WITHDRAWALS: &str = "提现审核";
pub const RATES: &str = "分佣设置";
pub const ACCOUNTS: &str = "资产管理";
pub const AGENTS: &str = "代理审核";
pub const SERVICE: &str = "客服";
pub const ROBOTS: &str = "机器人";
pub const AUTHORIZATION: &str = "联盟授权";
pub const RECONCILIATION: &str = "对账";
pub const SETTINGS: &str = "设置";
pub const FINANCE: &str = "财务日志";
pub const STATEMENTS: &str = "对账单";

// Words several pages of this family share.
pub const PARTNER: &str = "合伙人";
pub const CONVERSIONS: &str = "转链";
pub const PENDING: &str = "待结算";
pub const AVAILABLE: &str = "可提现";
pub const WITHDRAWING: &str = "提现中";
pub const NORMAL: &str = "正常";
pub const SAVE: &str = "保存";
pub const DELETE: &str = "删除";
pub const REPLY: &str = "回复";
pub const PID_ID: &str = "推广位ID";
pub const PID_SET: &str = "推广位已设置";
pub const NO_SUCH_PARTNER: &str = "合伙人不存在";
pub const PDD_NOT_CONFIGURED: &str = "未配置拼多多";
pub const KEYWORD_COLUMNS: &[&str] = &["关键词", "回复", "命中", ""];
/// Between the items of a list in one line.
pub const LIST_SEPARATOR: &str = "、";

/// A form that could not be read.
pub fn form_invalid(e: impl std::fmt::Display) -> String {
    format!("表单有误：{e}")
}

/// The body of a request over the size limit.
pub const BODY_TOO_LARGE: &str = "请求体过大";

// 概览.
pub const TODAY: &str = "今日";
pub const LAST_7_DAYS: &str = "近7天";
pub const LAST_30_DAYS: &str = "近30天";
pub const INVALID_ORDERS: &str = "其中失效";
pub const GMV_YUAN: &str = "成交额（元）";
pub const ESTIMATED_COMMISSION_YUAN: &str = "预估佣金（元）";
pub const SETTLED_COMMISSION_YUAN: &str = "结算佣金（元）";
pub const ESTIMATED_REBATE_YUAN: &str = "预估返利（元）";
pub const REBATES_OWED_YUAN: &str = "应付会员返利（元）";
pub const PAID_OUT: &str = "已支付";
pub const DAILY_COMMISSION: &str = "每日佣金";
pub const ESTIMATED_COMMISSION: &str = "预估佣金";
pub const SETTLED_COMMISSION: &str = "结算佣金";
pub const DAILY_CONVERSIONS: &str = "每日转链";
pub const ACTIVE_GROUPS: &str = "活跃群（近7天）";
pub const ACTIVE_GROUPS_COLUMNS: &[&str] = &["群", "合伙人", "转链"];
pub const TOP_PARTNERS: &str = "合伙人（近30天预估佣金）";
pub const TOP_PARTNERS_COLUMNS: &[&str] = &["合伙人", "订单", "预估佣金（元）"];

// 群.
pub const GROUP_LIST_COLUMNS: &[&str] = &["群", "状态", "机器人", "合伙人", "成员", "近7天转链", "累计转链"];
pub const ON: &str = "开启";
pub const OFF: &str = "关闭";
pub const GROUP_MEMBERS: &str = "成员";
pub const CONVERSIONS_7D: &str = "近7天转链";
pub const CONVERSIONS_TOTAL: &str = "累计转链";
pub const GROUP_NAME: &str = "群名";
pub const ENABLED_HERE: &str = "机器人在本群开启";
pub const FEATURES: &str = "功能";
pub const WELCOME: &str = "欢迎语";
pub const COPY_TEMPLATE: &str = "文案模板（留空用默认）";
pub const POSTER_TEMPLATE: &str = "海报模板（留空用默认）";
pub const POSTER_TEMPLATE_NAME: &str = "海报模板名";
pub const NO_PARTNER: &str = "（无）";
pub const KEYWORD_REPLIES: &str = "关键词回复";
pub const KEYWORD_PLACEHOLDER: &str = "关键词（=精确，/正则/）";
pub const ADD: &str = "添加";
pub const GROUP_PIDS: &str = "本群推广位";
pub const GROUP_PID_COLUMNS: &[&str] = &["平台", "推广位"];
pub const INHERITED_PID: &str = "（继承合伙人/机器人）";
pub const SET: &str = "设置";
pub const SAVED: &str = "已保存";
pub const KEYWORD_SAVED: &str = "关键词已保存";
pub const KEYWORD_DELETED: &str = "关键词已删除";
pub const EMPTY_REPLY: &str = "回复不能为空";
pub const UNKNOWN_PLATFORM: &str = "未知平台";

pub fn group_title(name: &str) -> String {
    format!("群 · {name}")
}

/// `what` (a field's name) is longer than `max` characters.
pub fn too_long(what: &str, max: usize) -> String {
    format!("{what}过长（最多 {max} 字）")
}

pub fn copy_template_invalid(e: impl std::fmt::Display) -> String {
    format!("文案模板有误：{e}")
}

pub fn keyword_invalid(e: impl std::fmt::Display) -> String {
    format!("关键词有误：{e}")
}

// 合伙人与推广位.
pub const PARTNER_LIST_COLUMNS: &[&str] = &["合伙人", "微信号", "群数", "推广位"];
pub const NEW_PARTNER: &str = "新增合伙人";
pub const NAME: &str = "名称";
pub const WXID_OPTIONAL: &str = "微信号（可选）";
pub const ADD_NEW: &str = "新增";
pub const PARTNER_PID_COLUMNS: &[&str] = &["平台", "推广位", "名称"];
pub const BEIAN_BOUND: &str = "已备案";
pub const BEIAN_UNBOUND: &str = "未备案";
pub const QUERY_FAILED: &str = "查询失败";
pub const BEIAN_LINK: &str = "备案链接";
/// Before the partner's Pinduoduo PID in the 备案 line.
pub const PDD_PID: &str = "拼多多推广位";
/// After the PID, before its 备案 state.
pub const BEIAN: &str = "备案：";
pub const NO_PDD_PID: &str = "暂无拼多多推广位";
pub const GENERATE_PID_HINT: &str = "为该合伙人在拼多多创建推广位（以合伙人名称命名）";
pub const GENERATE_PID: &str = "创建推广位";
pub const SET_PID: &str = "设置推广位";
pub const PARTNER_NAME_LENGTH: &str = "合伙人名称须为 1 到 32 个字";
pub const NO_PID_RETURNED: &str = "未返回推广位";
pub const PID_TAKEN: &str = "拼多多返回了已被占用的推广位";
pub const PARTNER_ADDED: &str = "已新增合伙人";

pub fn partner_title(name: &str) -> String {
    format!("合伙人 · {name}")
}

pub fn pid_generated(pid: &str) -> String {
    format!("已创建推广位 {pid}")
}

// 会员.
pub const NICKNAME_OR_WXID: &str = "昵称或微信号";
pub const SEARCH: &str = "搜索";
pub const MEMBER_LIST_COLUMNS: &[&str] = &["会员", "微信号", "积分", "转链", "群数"];
pub const PREVIOUS_PAGE: &str = "上一页";
pub const NEXT_PAGE: &str = "下一页";
pub const POINTS: &str = "积分";
pub const GROUP_COUNT: &str = "群数";
pub const WITHDRAWN: &str = "已提现";
pub const DEBT: &str = "欠款";
pub const POINTS_HISTORY: &str = "积分记录";
pub const POINTS_COLUMNS: &[&str] = &["时间", "类型", "积分"];
pub const RECENT_ORDERS: &str = "最近订单";
pub const RECENT_ORDERS_COLUMNS: &[&str] = &["付款时间", "平台", "订单号", "付款金额", "预估佣金", "状态"];

/// The heading of a member's balance; a partner sees only what their own groups brought.
pub fn rebate_balance(partner_view: bool) -> &'static str {
    if partner_view { "返利余额（元，来自你的群）" } else { "返利余额（元）" }
}

pub fn member_title(name: &str) -> String {
    format!("会员 · {name}")
}

// 设置.
pub const CHANGE_PASSWORD: &str = "修改密码";
pub const CURRENT_PASSWORD: &str = "当前密码";
pub const NEW_PASSWORD: &str = "新密码（8 位以上）";
pub const CHANGE: &str = "修改";
pub const RUNNING_CONFIG: &str = "运行配置";
pub const PUBLIC_URL: &str = "公开地址";
pub const DATABASE: &str = "数据库";
pub const AFFILIATES: &str = "联盟";
pub const SESSION_TTL: &str = "会话有效期";
pub const API_TOKEN: &str = "API 令牌";
pub const IS_SET: &str = "已设置";
pub const NOT_SET: &str = "未设置";
pub const DASHBOARD_ACCOUNTS: &str = "后台账号";
pub const USER_COLUMNS: &[&str] = &["用户名", "角色", "合伙人ID", "状态", ""];
pub const ENABLE: &str = "启用";
pub const DISABLE: &str = "停用";
pub const DISABLED: &str = "已停用";
pub const INITIAL_PASSWORD: &str = "初始密码";
pub const CHOOSE_PARTNER: &str = "（合伙人）";
pub const ADD_ACCOUNT: &str = "新增账号";
pub const ACCOUNT_CREATED: &str = "账号已创建";
pub const UPDATED: &str = "已更新";
pub const CANNOT_DISABLE_SELF: &str = "不能停用自己";
pub const PARTNER_ACCOUNT_NEEDS_PARTNER: &str = "合伙人账号须选择合伙人";
pub const ROLE_INVALID: &str = "角色须为 admin 或 partner";
pub const USERNAME_INVALID: &str = "用户名只能包含字母、数字和 _-.@（最多 64 个字符）";
pub const USERNAME_TAKEN: &str = "用户名已存在";
pub const PASSWORD_LENGTH: &str = "密码须为 8 到 128 个字符";
pub const BUSY: &str = "系统繁忙，请稍后再试";
pub const API_TOKEN_HAS_NO_PASSWORD: &str = "API 令牌没有密码";
pub const WRONG_CURRENT_PASSWORD: &str = "当前密码不正确";

pub fn hours(n: i64) -> String {
    format!("{n} 小时")
}

// 客服.
pub const NO_CONVERSATIONS: &str = "暂无待处理的会话";
pub const ASKED_FOR_HUMAN: &str = "会员请求人工";
pub const ROBOT_COULD_NOT_ANSWER: &str = "机器人未能回答";
pub const REPLY_PLACEHOLDER: &str = "输入回复，机器人会私聊发给会员";
pub const SEND: &str = "发送";
pub const CLOSE_CONVERSATION: &str = "结束会话";
pub const PRIVATE_REPLIES: &str = "私聊自动回复";
pub const PRIVATE_ONLY: &str = "只在私聊中生效（全局规则在私聊和群里都生效）。";
pub const PRIVATE_KEYWORD: &str = "关键词（=词 精确，/正则/，否则包含）";
pub const ADD_KEYWORD: &str = "添加关键词";
pub const FAQ_COLUMNS: &[&str] = &["问题", "答案", "命中", ""];
pub const QUESTION: &str = "问题";
pub const ANSWER: &str = "答案";
pub const ADD_FAQ: &str = "添加问答";
pub const EMPTY_SERVICE_REPLY: &str = "回复内容不能为空";
pub const ROBOT_GONE: &str = "该会话的机器人已不在运行，无法发送";
pub const CONVERSATION_ALREADY_CLOSED: &str = "该会话已结束";
pub const CONVERSATION_CLOSED: &str = "会话已结束";
pub const REPLY_SENT: &str = "回复已发送";
pub const PRIVATE_KEYWORD_SAVED: &str = "私聊关键词已保存";
pub const PRIVATE_KEYWORD_DELETED: &str = "私聊关键词已删除";
pub const PRIVATE_FAQ_SAVED: &str = "私聊问答已保存";
pub const PRIVATE_FAQ_DELETED: &str = "私聊问答已删除";
pub const QUESTION_LENGTH: &str = "问题须为 2–100 个字";
pub const ANSWER_LENGTH: &str = "答案须为 1–1000 个字";

pub fn open_conversations(n: usize) -> String {
    format!("进行中的会话：{n} 个。会员私聊「人工」或机器人两次答不上来时转到这里。")
}

/// Who wrote an outgoing message: the operator's user name.
pub fn operator(name: &str) -> String {
    format!("客服 {name}")
}

pub fn reply_too_long(max: usize) -> String {
    format!("回复最多 {max} 字")
}

// 联盟授权.
pub const PDD_NOT_ENABLED: &str = "未启用拼多多联盟。";
pub const PDD_AUTHORIZATION: &str = "拼多多授权";
pub const DAYS_LEFT: &str = "剩余天数";
pub const AUTHORIZED_ACCOUNT: &str = "授权账号";
pub const EXPIRING: &str = "即将过期";
pub const LAPSED: &str = "已过期";
pub const UNAUTHORIZED: &str = "未授权";
pub const REAUTHORIZE_HINT: &str = "跳转到多多进宝授权页面，完成后自动返回";
pub const REAUTHORIZE: &str = "重新授权";

/// `days`: the days before expiry on which admins are warned, already joined.
pub fn warn_days(days: &str) -> String {
    format!("授权到期前 {days} 天会在私聊提醒管理员（admin.wxids），过期时再提醒一次。转链不依赖授权。")
}

// The authorization callback page (`/auth/pdd/callback`).
pub const AUTHORIZED: &str = "授权成功";
pub const AUTH_LINK_EXPIRED: &str = "授权链接已失效，请重新发起授权";
pub const CODE_OR_STATE_MISSING: &str = "缺少 code 或 state";

pub fn authorized_as(who: &str) -> String {
    format!("多多进宝授权成功（{who}）。可以关闭此页面。")
}
