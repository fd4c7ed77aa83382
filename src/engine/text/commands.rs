//! The chat commands' words: each command's names (the first is its name, the rest aliases), its usage, its
//! summary in help and the question asked for each missing argument, in the order of `engine::command::TABLE`;
//! then the reasons an argument is refused, the words arguments are matched against, and help's frame.

// 签到
pub const CHECKIN: &[&str] = &["签到"];
pub const CHECKIN_SUMMARY: &str = "每日签到领积分，连续签到有奖励";

// 积分
pub const POINTS: &[&str] = &["积分", "我的积分"];
pub const POINTS_SUMMARY: &str = "查看积分和最近变动";

// 查券
pub const SEARCH: &[&str] = &["查券", "搜券"];
pub const SEARCH_USAGE: &str = "<关键词>";
pub const SEARCH_SUMMARY: &str = "搜索有券的商品";
pub const SEARCH_ASK: &str = "请发送要查的商品关键词，例如：蓝牙耳机";

// 下一页
pub const NEXT_PAGE: &[&str] = &["下一页"];
pub const NEXT_PAGE_SUMMARY: &str = "查券结果的下一页";

// 我的
pub const MINE: &[&str] = &["我的"];
pub const MINE_SUMMARY: &str = "我的转链次数和积分";

// 绑定订单
pub const CLAIM_ORDER: &[&str] = &["绑定订单"];
pub const CLAIM_ORDER_USAGE: &str = "<订单号>";
pub const CLAIM_ORDER_SUMMARY: &str = "没记到你名下的订单，发订单号认领";
pub const CLAIM_ORDER_ASK: &str = "请发送订单号，例如：绑定订单 190108-374476636970002";

// 订单
pub const MY_ORDERS: &[&str] = &["订单"];
pub const MY_ORDERS_SUMMARY: &str = "我的订单和返利明细（私聊）";

// 提现
pub const WITHDRAW: &[&str] = &["提现"];
pub const WITHDRAW_USAGE: &str = "<金额>";
pub const WITHDRAW_SUMMARY: &str = "把可提现的返利提出来（私聊）";
pub const WITHDRAW_ASK: &str = "请发送提现金额（元），例如：提现 10";

// 人工
pub const HUMAN: &[&str] = &["人工", "转人工", "人工客服"];
pub const HUMAN_SUMMARY: &str = "转人工客服（私聊）";

// 规则
pub const RULES: &[&str] = &["规则", "群规则"];
pub const RULES_SUMMARY: &str = "本群开了哪些功能、免打扰时段和连签奖励";

// 帮助
pub const HELP: &[&str] = &["帮助", "菜单"];
pub const HELP_SUMMARY: &str = "显示本帮助";

// 开启
pub const FEATURE_ON: &[&str] = &["开启"];
pub const FEATURE_ON_USAGE: &str = "<功能>";
pub const FEATURE_ON_SUMMARY: &str = "开启功能（转链、签到、查券、欢迎语、自动回复）";
pub const FEATURE_ON_ASK: &str = "请发送要开启的功能：转链、签到、查券、欢迎语、自动回复";

// 关闭
pub const FEATURE_OFF: &[&str] = &["关闭"];
pub const FEATURE_OFF_USAGE: &str = "<功能>";
pub const FEATURE_OFF_SUMMARY: &str = "关闭功能";
pub const FEATURE_OFF_ASK: &str = "请发送要关闭的功能：转链、签到、查券、欢迎语、自动回复";

// 设置关键词
pub const SET_KEYWORD: &[&str] = &["设置关键词", "添加关键词"];
pub const SET_KEYWORD_USAGE: &str = "<词> <回复>";
pub const SET_KEYWORD_SUMMARY: &str = "自动回复：消息含<词>时回复（=词 完全匹配，/正则/）";
pub const SET_KEYWORD_ASK_PATTERN: &str = "请发送关键词（前加 = 为完全匹配，/…/ 为正则）";
pub const SET_KEYWORD_ASK_REPLY: &str = "请发送回复内容（图片请发图片链接）";

// 删除关键词
pub const DELETE_KEYWORD: &[&str] = &["删除关键词"];
pub const DELETE_KEYWORD_USAGE: &str = "<词>";
pub const DELETE_KEYWORD_SUMMARY: &str = "删除自动回复";
pub const DELETE_KEYWORD_ASK: &str = "请发送要删除的关键词";

// 关键词列表
pub const LIST_KEYWORDS: &[&str] = &["关键词列表"];
pub const LIST_KEYWORDS_SUMMARY: &str = "查看本群的自动回复";

// 设置问答
pub const SET_FAQ: &[&str] = &["设置问答", "添加问答"];
pub const SET_FAQ_USAGE: &str = "<问题> <答案>";
pub const SET_FAQ_SUMMARY: &str = "智能问答：相似的问题都会得到这个答案";
pub const SET_FAQ_ASK_QUESTION: &str = "请发送问题";
pub const SET_FAQ_ASK_ANSWER: &str = "请发送答案";

// 删除问答
pub const DELETE_FAQ: &[&str] = &["删除问答"];
pub const DELETE_FAQ_USAGE: &str = "<问题>";
pub const DELETE_FAQ_SUMMARY: &str = "删除问答";
pub const DELETE_FAQ_ASK: &str = "请发送要删除的问题";

// 问答列表
pub const LIST_FAQ: &[&str] = &["问答列表"];
pub const LIST_FAQ_SUMMARY: &str = "查看本群的问答";

// 设置欢迎语
pub const SET_WELCOME: &[&str] = &["设置欢迎语"];
pub const SET_WELCOME_USAGE: &str = "<文本>";
pub const SET_WELCOME_SUMMARY: &str = "新人入群的欢迎语，{新人} 处@新成员";
pub const SET_WELCOME_ASK: &str = "请发送欢迎语（{新人} 会替换为@新成员；发送 默认 恢复默认）";

// 设置文案
pub const SET_COPY: &[&str] = &["设置文案"];
pub const SET_COPY_USAGE: &str = "<模板>";
pub const SET_COPY_SUMMARY: &str = "转链文案模板：{标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}";
pub const SET_COPY_ASK: &str =
    "请发送文案模板，可用 {标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}；发送 默认 恢复默认";

// 设置海报
pub const SET_POSTER: &[&str] = &["设置海报"];
pub const SET_POSTER_USAGE: &str = "<模板名>";
pub const SET_POSTER_SUMMARY: &str = "选择海报模板";
pub const SET_POSTER_ASK: &str = "请发送海报模板名（发送 默认 恢复默认）";

// 绑定推广位
pub const BIND_PID: &[&str] = &["绑定推广位"];
pub const BIND_PID_USAGE: &str = "<平台> <PID>";
pub const BIND_PID_SUMMARY: &str = "本群使用自己的推广位（拼多多 123_456，京东 数字，淘宝 mm_1_2_3）";
pub const BIND_PID_ASK_PLATFORM: &str = "请发送平台：拼多多、京东或淘宝";
pub const BIND_PID_ASK_PID: &str = "请发送推广位 PID";

// 群状态
pub const GROUP_STATUS: &[&str] = &["群状态"];
pub const GROUP_STATUS_SUMMARY: &str = "查看本群设置、推广位和今日转链";

// 设置免打扰
pub const SET_DND: &[&str] = &["设置免打扰"];
pub const SET_DND_USAGE: &str = "<时段> [排队|丢弃]";
pub const SET_DND_SUMMARY: &str = "免打扰时段内的回复排队到结束后发送，或丢弃";
pub const SET_DND_ASK: &str = "请发送免打扰时段，例如 23-7";

// 关闭免打扰
pub const CLEAR_DND: &[&str] = &["关闭免打扰"];
pub const CLEAR_DND_SUMMARY: &str = "本群不设免打扰";

// 设置群主
pub const SET_OWNER: &[&str] = &["设置群主", "绑定群主"];
pub const SET_OWNER_USAGE: &str = "@成员";
pub const SET_OWNER_SUMMARY: &str = "把成员设为本群群主（合伙人）";
pub const SET_OWNER_ASK: &str = "请@要设为群主的成员";

// 添加管理员
pub const ADD_ADMIN: &[&str] = &["添加管理员"];
pub const ADD_ADMIN_USAGE: &str = "@成员";
pub const ADD_ADMIN_SUMMARY: &str = "添加机器人管理员";
pub const ADD_ADMIN_ASK: &str = "请@要添加的管理员";

// 发单
pub const POSTING: &[&str] = &["发单"];
pub const POSTING_USAGE: &str = "开|关";
pub const POSTING_SUMMARY: &str = "机器人按计划在本群自动发优惠商品";
pub const POSTING_ASK: &str = "请发送 开 或 关";

// 发单时间
pub const POSTING_HOURS: &[&str] = &["发单时间"];
pub const POSTING_HOURS_USAGE: &str = "<时段>";
pub const POSTING_HOURS_SUMMARY: &str = "每天在这个时段内自动发单";
pub const POSTING_HOURS_ASK: &str = "请发送发单时段，例如 9-22";

// 发单间隔
pub const POSTING_INTERVAL: &[&str] = &["发单间隔"];
pub const POSTING_INTERVAL_USAGE: &str = "<分钟>";
pub const POSTING_INTERVAL_SUMMARY: &str = "每隔多少分钟发一单";
pub const POSTING_INTERVAL_ASK: &str = "请发送发单间隔（分钟），例如 30";

// 兑换
pub const EXCHANGE: &[&str] = &["兑换", "积分兑换"];
pub const EXCHANGE_USAGE: &str = "<积分>|<奖品>";
pub const EXCHANGE_SUMMARY: &str = "积分兑换成可提现返利，或兑换奖品（私聊）";
pub const EXCHANGE_ASK: &str = "请发送要兑换的积分数（例如：兑换 500）或奖品名（私聊兑换）";

// 免单
pub const FREE_ORDERS: &[&str] = &["免单", "免单活动"];
pub const FREE_ORDERS_SUMMARY: &str = "查看进行中的免单活动";

// 排行榜
pub const LEADERBOARD: &[&str] = &["排行榜"];
pub const LEADERBOARD_SUMMARY: &str = "本月签到榜和邀请榜";

// 任务
pub const TASKS: &[&str] = &["任务", "每日任务"];
pub const TASKS_SUMMARY: &str = "今日任务和进度，完成即得积分";

// 连签奖励
pub const STREAK_REWARD: &[&str] = &["连签奖励", "设置连签奖励"];
pub const STREAK_REWARD_USAGE: &str = "<天数> <积分>|默认";
pub const STREAK_REWARD_SUMMARY: &str = "本群连续签到奖励：每连续<天数>天多得<积分>";
pub const STREAK_REWARD_ASK: &str = "请发送每连续签到几天奖励一次，例如：7 50（每连续 7 天奖励 50 积分）";

// 设置返利
pub const SET_REBATE: &[&str] = &["设置返利"];
pub const SET_REBATE_USAGE: &str = "@成员 <比例>";
pub const SET_REBATE_SUMMARY: &str = "设置成员的返利比例（新订单生效）";
pub const SET_REBATE_ASK_MEMBER: &str = "请@要设置返利的成员";
pub const SET_REBATE_ASK_RATE: &str = "请发送返利比例，例如 60%";

// 申请代理
pub const APPLY_AGENT: &[&str] = &["申请代理"];
pub const APPLY_AGENT_USAGE: &str = "<理由>";
pub const APPLY_AGENT_SUMMARY: &str = "申请成为代理，审核通过后获得专属推广位和邀请码";
pub const APPLY_AGENT_ASK: &str = "请简单说明申请理由，例如：我有 3 个 500 人的群";

// 邀请码
pub const INVITE_CODE: &[&str] = &["邀请码"];
pub const INVITE_CODE_USAGE: &str = "<邀请码>";
pub const INVITE_CODE_SUMMARY: &str = "填写代理的邀请码，加入代理团队";
pub const INVITE_CODE_ASK: &str = "请发送代理给您的邀请码，例如：邀请码 ABC23456";

// ---- words arguments are matched against ----

/// The full-width form of the `#` prefix.
pub const FULL_WIDTH_HASH: char = '＃';
/// Restores a setting's default (欢迎语, 文案, 海报, 连签奖励).
pub const DEFAULT: &[&str] = &["默认", "恢复默认"];
/// 免打扰: replies wait for the end of the hours.
pub const QUEUE: &[&str] = &["排队", "queue"];
/// 免打扰: replies are dropped.
pub const DROP: &[&str] = &["丢弃", "drop"];
pub const ON: &[&str] = &["开", "开启", "on"];
pub const OFF: &[&str] = &["关", "关闭", "off"];
/// The unit a number of minutes may carry (`30分钟`).
pub const MINUTES: &str = "分钟";
/// The unit a number of points may carry (`500积分`).
pub const POINTS_UNIT: &str = "积分";
/// The unit a number of days may carry (`7天`).
pub const DAYS: char = '天';
/// What a percentage may end with.
pub const PERCENT_SIGNS: [char; 2] = ['%', '％'];

// ---- why arguments are refused (replied with the usage) ----

pub const TOO_MANY_ARGS: &str = "参数太多了";
pub const KEYWORD_TOO_LONG: &str = "关键词太长了，最多 30 个字";
pub const BAD_AMOUNT: &str = "金额格式不对，例如：提现 10 或 提现 10.50";
pub const BAD_ORDER_KEY: &str = "订单号格式不对，订单号可在订单详情里复制";
const FEATURE_LIST: &str = "转链、签到、查券、欢迎语、自动回复";

pub fn unknown_feature(name: &str) -> String {
    format!("没有「{name}」这个功能，可选：{FEATURE_LIST}")
}

pub const PATTERN_EMPTY: &str = "关键词不能为空";

pub fn pattern_too_long(max: usize) -> String {
    format!("关键词最多 {max} 个字")
}

pub const BAD_REGEX: &str = "正则表达式有误或太复杂";

pub fn reply_too_long(max: usize) -> String {
    format!("回复最多 {max} 个字")
}

pub const FAQ_TOO_LONG: &str = "问题最多 100 个字，答案最多 1000 个字";
pub const QUESTION_TOO_SHORT: &str = "问题太短了";
pub const QUESTION_TOO_LONG: &str = "问题最多 100 个字";
pub const WELCOME_TOO_LONG: &str = "欢迎语最多 500 个字";
pub const BAD_POSTER_NAME: &str = "模板名只能包含字母、数字、_ 和 -";

pub fn unsupported_platform(name: &str) -> String {
    format!("不支持「{name}」，平台可选：拼多多、京东、淘宝")
}

pub const BAD_QUIET_HOURS: &str = "时段格式不对，例如 23-7（23 点到次日 7 点）";

pub fn unknown_dnd_policy(word: &str) -> String {
    format!("不认识「{word}」，可选：排队、丢弃")
}

pub fn unknown_on_off(word: &str) -> String {
    format!("不认识「{word}」，可选：开、关")
}

pub const BAD_POSTING_HOURS: &str = "时段格式不对，例如 9-22 或 08:30-22:30";
pub const BAD_INTERVAL: &str = "间隔要写分钟数，例如 30";

pub fn interval_out_of_range(min: u32, max: u32) -> String {
    format!("间隔要在 {min} 到 {max} 分钟之间")
}

pub const REWARD_NAME_TOO_LONG: &str = "奖品名最多 30 个字";
pub const BAD_EXCHANGE_POINTS: &str = "积分要写正整数，例如：兑换 500";
pub const BAD_STREAK_DAYS: &str = "天数要在 1 到 365 之间";
pub const BAD_STREAK_POINTS: &str = "奖励积分要在 1 到 10000 之间";
pub const BAD_REBATE_RATE: &str = "比例要写 0 到 100 之间的百分数，例如 60%";
pub const REASON_TOO_LONG: &str = "理由最多 100 个字";
pub const BAD_INVITE_CODE: &str = "邀请码是 4 到 16 位字母或数字";

// ---- 帮助 ----

pub const HELP_HEADING: &str = "我能做这些：";
/// What members can do besides commands.
pub const HELP_LINKS: &str = "\n· 发商品链接 —— 转成带券链接和海报";
pub const HELP_ADMIN_HEADING: &str = "\n管理员命令：";

pub fn help_owner_heading(prefix: &str) -> String {
    format!("\n群主命令（以 {prefix} 开头）：")
}

/// One command in help.
pub fn help_line(usage: &str, summary: &str) -> String {
    format!("\n· {usage} —— {summary}")
}
