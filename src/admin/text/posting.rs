//! The dashboard text of the posting pages: 选品库, picks, 发单, 群发, 采集, campaigns, robots.

// Input separators the list fields accept beside their ASCII forms.
pub const FULL_WIDTH_COMMA: char = '，';
pub const FULL_WIDTH_COLON: char = '：';

// Words several posting pages use.
pub const ALL_PLATFORMS: &str = "全部平台";
pub const KEYWORDS: &str = "关键词";
pub const MIN_COMMISSION: &str = "佣金≥（元）";
pub const ON: &str = "开启";
pub const OFF: &str = "关闭";
pub const EDIT: &str = "修改";

pub fn bad_format(what: &str) -> String {
    format!("{what}格式不对")
}

// 发单: the page.
pub const POSTING: &str = "发单";
pub const PLANS_HEADING: &str = "发单计划";
pub const PLAN_COLUMNS: &[&str] = &[
    "编号",
    "计划",
    "目标",
    "商品来源",
    "时段与频率",
    "状态",
    "已发",
    "跳过",
    "订单",
    "GMV",
    "预估佣金",
    "结算佣金",
    "操作",
];
pub const GROUPS_HEADING: &str = "各群效果";
pub const GROUP_COLUMNS: &[&str] = &["群", "已发", "跳过（原因:次数）", "订单", "GMV", "预估佣金", "结算佣金"];
pub const POSTS_HEADING: &str = "出单的发单";
pub const POST_COLUMNS: &[&str] = &["发单", "计划", "群", "商品", "订单", "GMV", "预估佣金", "结算佣金"];
pub const DELIVERIES_HEADING: &str = "最近发单";
pub const DELIVERY_COLUMNS: &[&str] = &["计划", "商品", "群", "机器人", "状态", "原因", "时间"];
pub const DELIVERY_SENT: &str = "已发送";
pub const DELIVERY_SKIPPED: &str = "已跳过";
pub const DELIVERY_FAILED: &str = "失败";
pub const PLAN_SAVED: &str = "计划已保存";
pub const SWITCHED: &str = "已切换";

// 发单: a plan described in the list.
pub const TARGET_ALL_ENABLED: &str = "全部启用的群";
pub const SOURCE_COLLECTION: &str = "采集转发";
pub const SOURCE_SELECTION: &str = "选品库";
pub const AS_THEY_COME: &str = "随到随发";
pub const SINGLE_POST: &str = "单品";
pub const WITH_CUSTOM_COPY: &str = " · 自定义文案";

pub fn target_groups(ids: &[String]) -> String {
    format!("群 {}", ids.join("、"))
}

pub fn target_partner(partner_id: i64) -> String {
    format!("合伙人 {partner_id} 的全部群")
}

pub fn source_items(n: usize) -> String {
    format!("指定商品 {n} 件")
}

pub fn with_keywords(keywords: &str) -> String {
    format!(" · 关键词 {keywords}")
}

pub fn with_min_commission(yuan: &str) -> String {
    format!(" · 佣金≥{yuan}")
}

pub fn every_minutes(m: u32) -> String {
    format!("每 {m} 分钟")
}

pub fn at_times(times: &str) -> String {
    format!("定点 {times}")
}

pub fn schedule(windows: &str, cadence: &str, cap_per_hour: u32, cap_per_day: u32) -> String {
    format!("{windows} · {cadence} · 每小时≤{cap_per_hour} · 每天≤{cap_per_day}")
}

pub fn list_post(items: u8) -> String {
    format!("清单 {items} 件")
}

pub fn with_poster(template: &str) -> String {
    format!(" · 海报 {template}")
}

// 发单: the plan form.
pub const NEW_PLAN: &str = "新建计划";
pub const EDIT_PLAN: &str = "修改计划";
pub const PLAN_NAME: &str = "计划名";
pub const TARGET_OPTIONS: &[(&str, &str)] =
    &[("groups", "指定群"), ("partner", "合伙人的全部群"), ("all", "全部启用的群")];
pub const GROUP_IDS_FIELD: &str = "群编号（空格分隔）";
pub const PARTNER_ID: &str = "合伙人编号";
pub const SOURCE_OPTIONS: &[(&str, &str)] =
    &[("selection", "选品库筛选"), ("items", "指定商品"), ("collection", "采集转发")];
pub const ITEM_IDS_FIELD: &str = "商品编号（选品库编号）";
pub const WINDOWS_FIELD: &str = "发单时段（如 9-12 14-22）";
pub const INTERVAL_FIELD: &str = "间隔（分钟；采集转发填 0 为随到随发）";
pub const TIMES_FIELD: &str = "或定点时间（如 10:00 20:30）";
pub const CAP_HOUR: &str = "每小时上限";
pub const CAP_DAY: &str = "每天上限";
pub const PER_POST_OPTIONS: &[(&str, &str)] =
    &[("1", "单品"), ("3", "清单 3 件"), ("4", "清单 4 件"), ("5", "清单 5 件")];
pub const POSTER_OF_GROUP: &str = "海报模板：群的设置";
pub const COPY_TEMPLATE_FIELD: &str = "文案模板（留空用群的，如 {标题} 券后{券后价} {链接}）";
pub const SAVE_PLAN: &str = "保存计划";

// 发单: the plan form's errors.
pub const GROUP_IDS: &str = "群编号";
pub const ITEM_IDS: &str = "商品编号";
pub const INTERVAL: &str = "发单间隔";
pub const BAD_TIME: &str = "发单时间格式不对（如 10:00 20:30）";
pub const BAD_PARTNER_ID: &str = "合伙人编号格式不对";
pub const BAD_PLATFORM: &str = "平台不对";
pub const BAD_COMMISSION: &str = "佣金金额格式不对";
pub const BAD_WINDOWS: &str = "发单时段格式不对（如 9-12 14-22）";
pub const BAD_PER_POST: &str = "每条商品数格式不对";

pub fn group_missing(id: i64) -> String {
    format!("群 {id} 不存在")
}

// 发单: what posts earned (群 and 概览 pages).
pub const EARNED_HEADING: &str = "发单效果";
pub const SENT: &str = "已发";
pub const SKIPPED: &str = "跳过";
pub const ORDERS: &str = "订单";
pub const GMV: &str = "GMV";
pub const ESTIMATED: &str = "预估佣金";
pub const SETTLED: &str = "结算佣金";
pub const SOURCES_HEADING: &str = "收益来源（发单与其他）";
pub const SOURCES_COLUMNS: &[&str] = &["来源", "订单", "GMV（元）", "预估佣金（元）", "结算佣金（元）"];
pub const SOURCE_POSTS: &str = "发单";
pub const SOURCE_OTHERS: &str = "群友转链及群发";

// 选品库.
pub const SELECTION: &str = "选品库";
pub const ALL_CATEGORIES: &str = "全部类目";
pub const SORT_OPTIONS: &[(&str, &str)] = &[
    ("recent", "最近更新"),
    ("commission", "佣金最高"),
    ("sales", "销量最高"),
    ("coupon", "券额最大"),
    ("price", "券后价最低"),
];
pub const EXCLUDE: &str = "排除词";
pub const EXCLUDE_SHOPS: &str = "排除店铺";
pub const MIN_PRICE: &str = "券后价≥（元）";
pub const MAX_PRICE: &str = "券后价≤（元）";
pub const MIN_COUPON: &str = "券额≥（元）";
pub const MIN_RATE: &str = "佣金比例≥（%）";
pub const MIN_SALES: &str = "销量≥";
pub const FILTER: &str = "筛选";
pub const SELECTION_COLUMNS: &[&str] = &[
    "图",
    "商品",
    "平台",
    "原价",
    "券",
    "券后价",
    "佣金比例",
    "预估佣金",
    "销量",
    "店铺",
    "类目",
    "更新",
    "编号",
    "选",
];
pub const PREVIOUS_PAGE: &str = "上一页";
pub const NEXT_PAGE: &str = "下一页";
pub const TICKED_ITEMS: &str = "勾选的商品";
pub const ADD_TO_PLAN: &str = "加入计划";
pub const POST_NOW_TO: &str = "立即发到这些群（1 件发单品，3–5 件发清单）";
pub const POST_NOW: &str = "立即发单";
pub const BAD_MIN_RATE: &str = "min_rate: 佣金比例格式不对";
pub const BAD_MIN_SALES: &str = "min_sales: 销量格式不对";

pub fn bad_amount(what: &str) -> String {
    format!("{what}: 金额格式不对")
}

pub fn items_total(n: i64) -> String {
    format!("共 {n} 件商品")
}

pub fn page_of(page: i64, pages: i64) -> String {
    format!("第 {page} / {pages} 页")
}

pub fn pick_item(id: i64) -> String {
    format!("选择商品 {id}")
}

// 选品库: picking ticked items into a plan, posting them now.
pub const TICK_ITEMS_FIRST: &str = "请先勾选商品";
pub const CHOOSE_PLAN: &str = "请选择发单计划";
pub const PLAN_NOT_HAND_PICKED: &str = "这个计划按选品库筛选取商品，请选择「指定商品」的计划";
pub const CHOOSE_GROUPS: &str = "请选择目标群";

pub fn not_in_library(id: i64) -> String {
    format!("选品库里没有商品 {id}")
}

pub fn too_many_picked(max: usize) -> String {
    format!("一个计划最多 {max} 件指定商品")
}

pub fn post_now_count(min: u8, max: u8) -> String {
    format!("立即发单请勾选 1 件（单品）或 {min} 到 {max} 件（清单）")
}

/// The name of the (never scheduled) plan holding a post made now.
pub fn post_now_plan(first_item: i64) -> String {
    format!("立即发单 {first_item}")
}

pub fn picked(plan_id: i64, items: usize) -> String {
    format!("已加入计划 {plan_id}，共 {items} 件指定商品")
}

pub fn posted_now(queued: usize, skipped: usize) -> String {
    format!("已立即发单：{queued} 个群排队发送，{skipped} 件未通过发前检查")
}

// 采集.
pub const COLLECTION: &str = "采集";
pub const SOURCES: &str = "采集源";
pub const SOURCE_COLUMNS: &[&str] =
    &["采集源", "目标群", "只采集", "清洗规则", "收到", "转发", "丢弃（原因）", "订单", "预估佣金", ""];
pub const STOP_COLLECTING: &str = "取消采集";
pub const SET_SOURCE: &str = "设置采集源";
pub const SOURCE_GROUP: &str = "采集源群";
pub const FORWARD_TO: &str = "转发到（目标群）";
pub const SENDERS_FIELD: &str = "只采集这些发送人（wxid，逗号分隔，留空=全部）";
pub const ANNOUNCERS_FIELD: &str = "公告发送人（没有商品的消息也转发）";
pub const RULES_FIELD: &str = "清洗规则（每行一条：含该文字的行被删除；以 re: 开头为正则表达式）";
pub const INCLUDE_FIELD: &str = "必须包含（逗号分隔）";
pub const EXCLUDE_FIELD: &str = "排除关键词（逗号分隔）";
pub const PLATFORMS_FIELD: &str = "平台（不选=全部）";
pub const MIN_PRICE_FIELD: &str = "最低券后价（元）";
pub const MIN_COUPON_FIELD: &str = "最低券额（元）";
pub const MIN_COMMISSION_FIELD: &str = "最低佣金（元）";
pub const GAP_FIELD: &str = "同一目标群两单最少间隔（秒）";
pub const CAP_PER_HOUR_FIELD: &str = "每群每小时最多（单，超出的排队等候）";
pub const CAP_PER_DAY_FIELD: &str = "每群每天最多（单，0=不限）";
pub const MAX_WAIT_FIELD: &str = "排队最长等待（分钟，过时不发）";
pub const KEEP_IMAGES_FIELD: &str = "转发采集源的原图（仅当扫描不到二维码时；默认用我们的海报替换）";
pub const PAIR_WINDOW_FIELD: &str = "图文配对时间（秒）";
pub const DEDUP_FIELD: &str = "去重时间（小时）";
pub const PREVIEW_FIELD: &str = "预览：粘贴一条线报";
pub const PREVIEW: &str = "预览";
pub const SAVE_SOURCE: &str = "保存采集源";
pub const RECENT_MESSAGES: &str = "最近的采集消息";
pub const MESSAGE_COLUMNS: &[&str] = &["编号", "时间", "采集源", "发送人", "内容", "结果"];
pub const FORWARDED: &str = "已转发";
pub const IMAGE: &str = "图片";
/// An image message's body in the list.
pub const IMAGE_BODY: &str = "[图片]";
pub const LOWEST_PRICE: &str = "最低价格";
pub const LOWEST_COUPON: &str = "最低券额";
pub const LOWEST_COMMISSION: &str = "最低佣金";
pub const NO_SOURCE_GROUP: &str = "采集源群不存在";
pub const NO_TARGET_GROUP: &str = "目标群不存在";
pub const PASTE_A_DEAL: &str = "请粘贴一条线报（8 KB 以内）";

/// Names in a cell: `甲、乙`.
pub fn join_names(names: &[String]) -> String {
    names.join("、")
}

/// Drop reasons in a cell: `a 1，b 2`.
pub fn join_reasons(reasons: &[String]) -> String {
    reasons.join("，")
}

pub fn image_paired(id: i64) -> String {
    format!("图片（配对 #{id}）")
}

pub fn dropped(reason: &str) -> String {
    format!("丢弃：{reason}")
}

pub fn bad_yuan(what: &str) -> String {
    format!("{what}格式不对（元，如 9.9）")
}

// 群发.
pub const MASS: &str = "群发";
pub const TEXT: &str = "文字";
pub const TEXT_PLACEHOLDER: &str = "群发的文字";
pub const IMAGE_FIELD: &str = "图片（JPEG 或 PNG，2 MB 以内）";
pub const LINK_FIELD: &str = "商品链接（按每个群的推广位转链并生成海报）";
pub const TARGET_GROUPS: &str = "目标群";
pub const FRIENDS: &str = "私聊好友（私聊过机器人的人）";
pub const SCHEDULE: &str = "发送时间";
pub const SCHEDULE_OPTIONS: &[(&str, &str)] = &[("now", "立即发送"), ("once", "定时发送"), ("daily", "每天定时")];
pub const AT_FIELD: &str = "定时（日期时间）";
pub const TIME_FIELD: &str = "每天（时间）";
pub const SEND_OR_SAVE: &str = "发送 / 保存";
pub const MASS_POSTS: &str = "群发记录";
pub const MASS_COLUMNS: &[&str] = &["编号", "文字", "商品链接", "时间", "群数 / 好友数", "发送记录"];
pub const SENT_OUT: &str = "已发出";
pub const BAD_CLOCK: &str = "时间格式应为 HH:MM";
pub const BAD_DATETIME: &str = "日期时间格式应为 YYYY-MM-DD HH:MM";
pub const BAD_MONTH: &str = "月份不对";
pub const BAD_DATE: &str = "日期不对";
pub const BAD_SCHEDULE: &str = "schedule: now、once 或 daily";
pub const IMAGE_GONE: &str = "图片不存在或已过期，请重新上传";
/// Why an upload is refused for its size.
pub const IMAGE_TOO_BIG: &str = "图片大小应在 2 MB 以内";
pub const JPEG_OR_PNG: &str = "只支持 JPEG 或 PNG 图片";
pub const FRIENDS_ONLY: &str = "只能群发给私聊过机器人的好友";

/// A friend offered on the form: `昵称（wxid）`.
pub fn friend(nickname: &str, wxid: &str) -> String {
    format!("{nickname}（{wxid}）")
}

pub fn private_chat(who: &str) -> String {
    format!("私聊 {who}")
}

pub fn failed(reason: &str) -> String {
    format!("失败：{reason}")
}

pub fn once_at(datetime: &str) -> String {
    format!("定时 {datetime}")
}

pub fn daily_at(hour: u32, minute: u32) -> String {
    format!("每天 {hour:02}:{minute:02}")
}

// 免单活动: the list and the forms.
pub const CAMPAIGNS: &str = "免单活动";
pub const CAMPAIGN_LIST: &str = "活动列表";
pub const CAMPAIGN_COLUMNS: &[&str] =
    &["编号", "名称", "状态", "补贴", "时间", "参与人数", "免单订单", "已补贴（元）", "剩余预算（元）", "操作"];
pub const PAUSED: &str = "已暂停";
pub const NOT_STARTED: &str = "未开始";
pub const ENDED: &str = "已结束";
pub const BUDGET_SPENT: &str = "预算已用完";
pub const RUNNING: &str = "进行中";
pub const PAUSE: &str = "暂停";
pub const RESUME: &str = "恢复";
pub const NEW_CAMPAIGN: &str = "新建活动";
pub const CAMPAIGN_NAME: &str = "活动名称";
pub const SUBSIDY_KIND: &str = "补贴方式";
pub const SUBSIDY_KIND_OPTIONS: &[(&str, &str)] = &[("full", "全额免单（封顶）"), ("fixed", "固定补贴")];
pub const SUBSIDY_AMOUNT: &str = "补贴金额 / 封顶（元）";
pub const TOTAL_BUDGET: &str = "总预算（元）";
pub const ONE_PER_MEMBER: &str = "每人限一单";
pub const ONE_PER_ITEM: &str = "每个商品限一单";
pub const NEW_MEMBERS_ONLY: &str = "仅限新人首单";
pub const STARTS: &str = "开始时间";
pub const ENDS: &str = "结束时间";
pub const SELECTION_IDS_FIELD: &str = "选品库商品编号（空格分隔，见下表）";
pub const HAND_PICKED_FIELD: &str = "手选商品（每行：平台 商品ID 标题 价格）";
pub const CAMPAIGN_GROUPS_FIELD: &str = "目标群编号（空格分隔，留空为全部群）";
pub const ANNOUNCE: &str = "在目标群发布活动公告";
pub const CREATE_CAMPAIGN: &str = "创建活动";
pub const REWARDS: &str = "积分兑换奖品";
pub const REWARD_COLUMNS: &[&str] = &["奖品", "所需积分", "剩余兑换码", "已兑换"];
pub const REWARD_NAME_FIELD: &str = "奖品名（会员私聊发送「兑换 奖品名」）";
pub const POINTS: &str = "所需积分";
pub const CODES_FIELD: &str = "兑换码（每行一个，每个只发一次）";
pub const SAVE_REWARD: &str = "保存奖品";
pub const SELECTION_ITEM_COLUMNS: &[&str] = &["编号", "平台", "商品", "券后价（元）"];

// 免单活动: one campaign.
pub const SUMMARY_BUDGET: &str = " · 预算 ";
pub const SUMMARY_SPENT: &str = " 元 · 已补贴 ";
pub const SUMMARY_LEFT: &str = " 元 · 剩余 ";
pub const SUMMARY_PARTICIPANTS: &str = " 元 · 参与 ";
pub const SUMMARY_PEOPLE: &str = " 人";
pub const CAMPAIGN_ITEMS: &str = "活动商品";
pub const CAMPAIGN_ITEM_COLUMNS: &[&str] = &["平台", "商品ID", "标题", "价格（元）"];
pub const PAID_ORDERS: &str = "免单订单";
pub const PAYOUT_COLUMNS: &[&str] = &["订单", "会员", "商品ID", "补贴（元）", "状态", "时间"];
pub const CLAWED_BACK: &str = "退款已追回";
pub const SUBSIDISED: &str = "已补贴";

pub fn campaign_title(name: &str) -> String {
    format!("免单活动：{name}")
}

// 免单活动: messages after a form.
pub const ITEM_LINE_FORMAT: &str = "商品行格式：平台 商品ID 标题 价格，平台为拼多多、京东或淘宝";
pub const ITEM_LINE_NO_ID: &str = "商品行缺少商品ID";
pub const CAMPAIGN_NAME_RULE: &str = "活动名称须为 1 到 50 个字";
pub const SUBSIDY: &str = "补贴";
pub const BAD_SUBSIDY_KIND: &str = "补贴方式须为 全额免单 或 固定补贴";
pub const BUDGET: &str = "预算";
pub const ENDS_BEFORE_STARTS: &str = "结束时间须晚于开始时间";
pub const SELECTION_ITEMS: &str = "选品库商品";
pub const CHOOSE_CAMPAIGN_ITEMS: &str = "请选择或填写活动商品（最多 50 个）";
pub const REWARD_NAME_RULE: &str = "奖品名须为 1 到 30 个字，且不以数字开头";
pub const POINTS_RULE: &str = "所需积分须为正整数";
pub const CODES_RULE: &str = "兑换码每行一个，最多 10000 个，每个最多 200 字";
pub const BAD_SWITCH: &str = "操作须为 pause 或 resume";
pub const NO_CAMPAIGN: &str = "该活动不存在";

pub fn must_be_ids(what: &str) -> String {
    format!("{what}须为编号，用空格分隔")
}

pub fn must_be_positive_yuan(what: &str) -> String {
    format!("{what}须为正的金额（元）")
}

pub fn no_selection_item(id: i64) -> String {
    format!("选品库没有编号 {id} 的商品")
}

pub fn no_group(id: i64) -> String {
    format!("没有编号 {id} 的群")
}

pub fn campaign_created(name: &str) -> String {
    format!("已创建免单活动「{name}」")
}

pub fn announced_to(groups: usize) -> String {
    format!("，活动公告将发到 {groups} 个群")
}

pub fn reward_saved(name: &str, added: usize) -> String {
    format!("奖品「{name}」已保存，新增 {added} 个兑换码")
}

pub fn campaign_switched(id: i64, running: bool) -> String {
    format!("活动 {id} 已{}", if running { RESUME } else { PAUSE })
}

// 机器人: the list and the event log.
pub const ROBOTS: &str = "机器人";
pub const ROBOT_COLUMNS: &[&str] = &[
    "名称",
    "昵称",
    "wxid",
    "状态",
    "原因",
    "群",
    "待发送",
    "已发送",
    "失败",
    "最近收到",
    "最近发送",
    "最近错误",
    "操作（发送节奏：最小间隔 / 随机抖动 / 同群间隔，毫秒）",
];
pub const ONLINE: &str = "在线";
pub const UNCONFIGURED: &str = "未配置";
pub const SCAN_TO_LOG_IN: &str = "扫码登录";
pub const RECONNECT: &str = "重连";
pub const SYNC_CONTACTS: &str = "同步通讯录";
pub const LOG_OUT: &str = "退出登录";
pub const TARGET_ROBOT: &str = "目标机器人";
pub const MOVE_SENDS: &str = "待发消息转给它";
pub const ROBOT_EVENTS: &str = "机器人提醒";
pub const EVENT_COLUMNS: &[&str] = &["时间", "机器人", "事件", "说明"];
pub const BACK_ONLINE: &str = "恢复在线";
pub const SENDS_MOVED: &str = "待发消息已转移";
pub const ALERT_UNDELIVERED: &str = "提醒未能发出";
pub const ADDED_ON_DASHBOARD: &str = "后台添加";
pub const CALLBACK_FAILED: &str = "回调注册失败";

// 机器人: messages after an action.
pub const CHOOSE_ANOTHER_ROBOT: &str = "请选择另一个机器人";
pub const LOGGED_OUT: &str = "已退出登录，待发消息暂停";

/// The event log's detail of a move.
pub fn moved_detail(moved: u64, to: i64, kept: u64) -> String {
    format!("{moved} 条转给机器人 {to}，{kept} 条留在原机器人（对方不在这些会话中）")
}

pub fn reconnected(state: &str) -> String {
    format!("重连结果：{state}")
}

pub fn synced(groups: usize) -> String {
    format!("已同步 {groups} 个群")
}

pub fn moved(moved: u64, kept: u64) -> String {
    format!("已转移 {moved} 条待发消息，{kept} 条未转移")
}

// 机器人: adding one, its QR login and its pacing.
pub const ADD_ROBOT: &str = "添加机器人";
pub const NAME: &str = "名称";
pub const GATEWAY_URL: &str = "网关地址";
pub const ADD_AND_LOG_IN: &str = "添加并扫码登录";
pub const ROBOT_NAME_RULE: &str = "名称须为 1–32 个字母、数字、- 或 _";
pub const GATEWAY_TOO_LONG: &str = "网关地址过长（最多 200 个字符）";
pub const GATEWAY_RULE: &str = "网关地址须为 http:// 或 https:// 开头的地址（不含账号、参数）";
pub const TOKEN_RULE: &str = "Token 须为 1–128 个非空白字符";
pub const SCAN_INSTRUCTIONS: &str = "请用要登录的微信扫描二维码，并在手机上确认登录。";
pub const LOGIN_QR: &str = "登录二维码";
pub const WAITING_FOR_SCAN: &str = "等待扫码";
pub const BACK_TO_ROBOTS: &str = "返回机器人列表";
pub const MIN_SEND_INTERVAL: &str = "最小发送间隔";
pub const SEND_JITTER: &str = "随机抖动";
pub const MIN_GROUP_INTERVAL: &str = "同群最小间隔";
pub const MIN_SEND_INTERVAL_MS: &str = "最小发送间隔毫秒";
pub const SEND_JITTER_MS: &str = "随机抖动毫秒";
pub const MIN_GROUP_INTERVAL_MS: &str = "同群最小间隔毫秒";
pub const SAVE_PACING: &str = "保存节奏";
pub const PACING_SAVED: &str = "发送节奏已保存，立即生效";

pub fn name_taken(name: &str) -> String {
    format!("名称 {name} 已被使用")
}

/// The event log's detail of a robot added on the dashboard.
pub fn added_with_device(app_id: &str) -> String {
    format!("后台添加，设备 {app_id}")
}

pub fn add_failed(reason: &str) -> String {
    format!("添加失败：{reason}")
}

pub fn no_login_qr(reason: &str) -> String {
    format!("无法获取登录二维码：{reason}")
}

pub fn scan_login_title(robot: &str) -> String {
    format!("扫码登录：{robot}")
}

pub fn bad_pacing(label: &str, max: i64) -> String {
    format!("{label}须为 0–{max} 之间的整数（毫秒）")
}
