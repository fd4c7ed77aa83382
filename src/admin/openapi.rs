//! The OpenAPI 3 document of the admin JSON API, served at `/admin/api/openapi.json`. Each operation carries a
//! request example and the properties its answer must have; the black-box tests call every operation on the real
//! routes with the example and check the answer against it.

use axum::Json;
use serde_json::{Map, Value, json};

/// What an operation answers: an object with these properties, or a list of such objects.
#[derive(Clone, Copy)]
pub enum Answer {
    Object(&'static [&'static str]),
    List(&'static [&'static str]),
    /// An object or `null` (e.g. authorization when the platform is off).
    Nullable(&'static [&'static str]),
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

pub struct Op {
    pub method: &'static str,
    /// With `{id}` path parameters.
    pub path: &'static str,
    pub summary: &'static str,
    pub admin_only: bool,
    /// JSON request body example (state-changing calls).
    pub example: Option<&'static str>,
    pub answer: Answer,
}

const GROUP: &[&str] =
    &["id", "room_id", "name", "enabled", "robot_name", "partner_id", "members", "conversions_7d", "conversions_total"];
const GROUP_DETAIL: &[&str] = &["summary", "settings", "copy_template", "poster_template", "keywords", "pids"];
const PARTNER: &[&str] = &["id", "name", "wxid", "groups", "pids"];
const PARTNER_DETAIL: &[&str] = &["id", "name", "wxid", "groups", "pids", "beian"];
const MEMBER: &[&str] = &["id", "wxid", "nickname", "points", "conversions", "groups"];
const MEMBER_DETAIL: &[&str] =
    &["id", "wxid", "nickname", "points", "conversions", "groups", "balance", "recent_points", "orders"];
const ROBOT: &[&str] = &[
    "id",
    "name",
    "wxid",
    "queued",
    "sent",
    "dead",
    "last_sent_at",
    "last_error",
    "gateway",
    "state_reason",
    "last_in_at",
    "last_out_at",
];
const AUTH: &[&str] = &["state", "days_left", "refresh_expires_at", "message"];
const SETTINGS: &[&str] = &["public_base_url", "database", "robots", "platforms", "session_ttl_secs", "users"];
const ME: &[&str] = &["username", "role", "partner_id", "csrf_token"];
const ORDER_PAGE: &[&str] = &["orders", "page", "has_more"];
const UNATTRIBUTED_ORDER: &[&str] =
    &["platform", "order_key", "item_title", "lifecycle", "commission_fen", "group_id", "pid", "member_tag"];
const RECONCILIATION: &[&str] = &[
    "platform",
    "since",
    "until",
    "union_orders",
    "stored_orders",
    "union_commission",
    "stored_commission",
    "ledger_commission",
    "missing_in_ledger",
    "lost",
    "extra",
    "changed",
    "unattributed",
];
const PLAN: &[&str] = &["id", "name", "targets", "source", "schedule", "enabled", "chat_group_id", "content"];
const DELIVERY: &[&str] =
    &["id", "plan_id", "plan_name", "group_id", "group_name", "robot_id", "item_key", "status", "reason", "created_at"];
const POSTING_STATS: &[&str] = &["plans", "groups", "posts", "sources"];
const SELECTION: &[&str] = &["total", "page", "items", "categories"];
const WITHDRAWAL: &[&str] = &[
    "id",
    "account_kind",
    "account_id",
    "member_id",
    "partner_id",
    "name",
    "amount_fen",
    "status",
    "reason",
    "decided_by",
    "decided_at",
    "payment_method",
    "payment_ref",
    "paid_at",
];
const WITHDRAWAL_BATCH: &[&str] = &["done", "skipped"];
const WITHDRAW_OUTCOME: &[&str] = &["outcome", "id", "amount_fen", "available_fen", "message"];
const LEDGER_ENTRY_PAGE: &[&str] = &["entries", "page", "has_more"];
const STATEMENT: &[&str] = &[
    "partner_id",
    "partner_name",
    "month",
    "orders",
    "commission_fen",
    "partner_share_fen",
    "agent_share_fen",
    "accounts",
    "order_lines",
];
const FINANCE_LOG: &[&str] =
    &["id", "withdrawal_id", "account_kind", "account_id", "action", "amount_fen", "actor", "reason"];
const OVERVIEW: &[&str] = &[
    "rebates_owed",
    "today",
    "days_7",
    "days_30",
    "days",
    "conversions_per_day",
    "estimated_per_day",
    "settled_per_day",
    "top_groups",
    "top_partners",
];

const RATE_RULE: &[&str] = &["id", "share", "scope", "scope_key", "bps", "effective_from", "ended_at", "in_force"];
const RATE_PREVIEW: &[&str] =
    &["paid_fen", "commission_fen", "rebate_fen", "partner_fen", "agent_fen", "operator_fen", "rules"];
const ACCOUNT: &[&str] = &["partner_id", "name", "partner", "agent"];
const AGENT_LEVEL: &[&str] =
    &["id", "name", "tier", "share_bps", "second_bps", "min_invited", "min_orders", "min_commission"];
const AGENT: &[&str] = &["partner_id", "member_id", "level_id", "level", "invite_code", "inviter_id", "members"];
const AGENT_LEVEL_CHANGE: &[&str] = &["partner_id", "agent", "from_level", "to_level", "reason", "changed_at"];
const AGENT_APPLICATION: &[&str] =
    &["id", "member_id", "nickname", "reason", "status", "level", "invite_code", "decision_reason"];

pub const OPERATIONS: &[Op] = &[
    Op {
        method: "get",
        path: "/admin/api/openapi.json",
        summary: "本文档（OpenAPI 3）",
        admin_only: false,
        example: None,
        answer: Answer::Object(&["openapi", "info", "paths"]),
    },
    Op {
        method: "get",
        path: "/admin/api/me",
        summary: "当前登录者",
        admin_only: false,
        example: None,
        answer: Answer::Object(ME),
    },
    Op {
        method: "get",
        path: "/admin/api/overview",
        summary: "概览",
        admin_only: false,
        example: None,
        answer: Answer::Object(OVERVIEW),
    },
    Op {
        method: "get",
        path: "/admin/api/orders",
        summary: "订单（platform、status、group、partner、member、from、to 筛选，page 翻页；金额为分）",
        admin_only: false,
        example: None,
        answer: Answer::Object(ORDER_PAGE),
    },
    Op {
        method: "get",
        path: "/admin/api/orders/unattributed",
        summary: "未归属会员的订单（platform 筛选）：管理员可把它们分配给会员",
        admin_only: true,
        example: None,
        answer: Answer::List(UNATTRIBUTED_ORDER),
    },
    Op {
        method: "post",
        path: "/admin/api/orders/{id}/assign",
        summary: "把订单分配给会员（member_id，reason 必填并记录），账本随即重新分账",
        admin_only: true,
        example: Some(r#"{"member_id":1,"reason":"会员私聊提供了下单截图"}"#),
        answer: Answer::Object(&["order_id", "member_id"]),
    },
    Op {
        method: "get",
        path: "/admin/api/groups",
        summary: "群列表",
        admin_only: false,
        example: None,
        answer: Answer::List(GROUP),
    },
    Op {
        method: "get",
        path: "/admin/api/groups/{id}",
        summary: "群详情",
        admin_only: false,
        example: None,
        answer: Answer::Object(GROUP_DETAIL),
    },
    Op {
        method: "post",
        path: "/admin/api/groups/{id}",
        summary: "修改群设置（未给出的字段不变）",
        admin_only: false,
        example: Some(
            r#"{"enabled":true,"features":["convert","checkin","search","welcome","auto_reply"],"welcome_text":"欢迎新朋友"}"#,
        ),
        answer: Answer::Object(GROUP_DETAIL),
    },
    Op {
        method: "post",
        path: "/admin/api/groups/{id}/keywords",
        summary: "保存关键词回复",
        admin_only: false,
        example: Some(r#"{"pattern":"=运费","reply":"全场包邮"}"#),
        answer: Answer::Object(GROUP_DETAIL),
    },
    Op {
        method: "post",
        path: "/admin/api/groups/{id}/pids",
        summary: "设置本群推广位",
        admin_only: false,
        example: Some(r#"{"platform":"jd","pid":"3100998877"}"#),
        answer: Answer::Object(GROUP_DETAIL),
    },
    Op {
        method: "get",
        path: "/admin/api/partners",
        summary: "合伙人与推广位",
        admin_only: false,
        example: None,
        answer: Answer::List(PARTNER),
    },
    Op {
        method: "post",
        path: "/admin/api/partners",
        summary: "新增合伙人",
        admin_only: true,
        example: Some(r#"{"name":"小王","wxid":"wxid_wang01"}"#),
        answer: Answer::Object(PARTNER_DETAIL),
    },
    Op {
        method: "get",
        path: "/admin/api/partners/{id}",
        summary: "合伙人详情与备案状态",
        admin_only: false,
        example: None,
        answer: Answer::Object(PARTNER_DETAIL),
    },
    Op {
        method: "post",
        path: "/admin/api/partners/{id}/pids",
        summary: "设置合伙人推广位",
        admin_only: false,
        example: Some(r#"{"platform":"taobao","pid":"mm_1000_2000_3001"}"#),
        answer: Answer::Object(PARTNER_DETAIL),
    },
    Op {
        method: "post",
        path: "/admin/api/partners/{id}/pdd-pid",
        summary: "创建拼多多推广位（pid.generate，以合伙人名称命名）",
        admin_only: false,
        example: Some("{}"),
        answer: Answer::Object(PARTNER_DETAIL),
    },
    Op {
        method: "get",
        path: "/admin/api/members",
        summary: "会员（q 搜索，page 翻页）",
        admin_only: false,
        example: None,
        answer: Answer::List(MEMBER),
    },
    Op {
        method: "get",
        path: "/admin/api/members/{id}",
        summary: "会员详情",
        admin_only: false,
        example: None,
        answer: Answer::Object(MEMBER_DETAIL),
    },
    Op {
        method: "get",
        path: "/admin/api/withdrawals",
        summary: "提现申请：会员、合伙人、代理（status=open|approved|paid|rejected，默认 open；合伙人只见自己的与本群会员的）",
        admin_only: false,
        example: None,
        answer: Answer::List(WITHDRAWAL),
    },
    Op {
        method: "post",
        path: "/admin/api/withdrawals/approve",
        summary: "批量通过提现（ids；已处理的跳过）",
        admin_only: true,
        example: Some(r#"{"ids":[999999]}"#),
        answer: Answer::Object(WITHDRAWAL_BATCH),
    },
    Op {
        method: "post",
        path: "/admin/api/withdrawals/pay",
        summary: "批量记录打款（ids、打款方式 method、流水号 reference）：记录后才算已打款",
        admin_only: true,
        example: Some(r#"{"ids":[999999],"method":"银行转账","reference":"B20261203001"}"#),
        answer: Answer::Object(WITHDRAWAL_BATCH),
    },
    Op {
        method: "post",
        path: "/admin/api/withdrawals/{id}/reject",
        summary: "驳回提现，须填原因（告知申请人，金额退回可提现）",
        admin_only: true,
        example: Some(r#"{"reason":"收款信息有误"}"#),
        answer: Answer::Object(WITHDRAWAL),
    },
    Op {
        method: "post",
        path: "/admin/api/withdrawals/{id}/approve",
        summary: "通过提现（待打款）",
        admin_only: true,
        example: None,
        answer: Answer::Object(WITHDRAWAL),
    },
    Op {
        method: "post",
        path: "/admin/api/withdrawals/{id}/pay",
        summary: "记录一笔已通过提现的打款（method、reference）",
        admin_only: true,
        example: Some(r#"{"method":"支付宝","reference":"A20261203001"}"#),
        answer: Answer::Object(WITHDRAWAL),
    },
    Op {
        method: "post",
        path: "/admin/api/accounts/withdraw",
        summary: "合伙人/代理申请提现（account=partner|agent，amount_fen；管理员须给 partner_id）",
        admin_only: false,
        example: Some(r#"{"account":"partner","amount_fen":1000,"partner_id":"1"}"#),
        answer: Answer::Object(WITHDRAW_OUTCOME),
    },
    Op {
        method: "get",
        path: "/admin/api/ledger-entries",
        summary: "财务日志：账本分录（account=member|partner|agent|operator 与 account_id、kind、order、from/to 为 yyyy-MM-dd，page 翻页；合伙人只见自己的账户）",
        admin_only: false,
        example: None,
        answer: Answer::Object(LEDGER_ENTRY_PAGE),
    },
    Op {
        method: "get",
        path: "/admin/api/statements",
        summary: "合伙人/代理月度对账单（partner_id、month=yyyy-MM，默认本月；合伙人只见自己的）",
        admin_only: false,
        example: None,
        answer: Answer::Object(STATEMENT),
    },
    Op {
        method: "get",
        path: "/admin/api/finance-log",
        summary: "提现财务日志：每笔提现的申请与审核记录，最新在前",
        admin_only: true,
        example: None,
        answer: Answer::List(FINANCE_LOG),
    },
    Op {
        method: "get",
        path: "/admin/api/robots",
        summary: "机器人与发送队列",
        admin_only: true,
        example: None,
        answer: Answer::List(ROBOT),
    },
    Op {
        method: "get",
        path: "/admin/api/authorization",
        summary: "拼多多授权状态",
        admin_only: true,
        example: None,
        answer: Answer::Nullable(AUTH),
    },
    Op {
        method: "get",
        path: "/admin/api/reconciliation",
        summary: "对账（platform；since、until 为 unix 秒或北京时间 yyyy-MM-dd，默认最近24小时；未给 platform 时为 null）",
        admin_only: true,
        example: None,
        answer: Answer::Nullable(RECONCILIATION),
    },
    Op {
        method: "get",
        path: "/admin/api/settings",
        summary: "设置与后台账号",
        admin_only: false,
        example: None,
        answer: Answer::Object(SETTINGS),
    },
    Op {
        method: "post",
        path: "/admin/api/settings/users",
        summary: "新增后台账号",
        admin_only: true,
        example: Some(r#"{"username":"ops2","password":"a-long-password","role":"admin"}"#),
        answer: Answer::Object(SETTINGS),
    },
    Op {
        method: "get",
        path: "/admin/api/selection",
        summary: "选品库（platform、q、exclude、exclude_shops、category、min_price、max_price、min_coupon、min_commission 为元，min_rate 为 %，min_sales、sort、page；金额为分，比例为基点）",
        admin_only: false,
        example: None,
        answer: Answer::Object(SELECTION),
    },
    Op {
        method: "post",
        path: "/admin/api/selection/pick",
        summary: "把选品库商品（items：选品库编号）加入「指定商品」发单计划（plan_id），按勾选顺序排在计划末尾；返回计划的全部商品",
        admin_only: false,
        example: Some(r#"{"items":[1],"plan_id":2}"#),
        answer: Answer::Object(&["plan_id", "items"]),
    },
    Op {
        method: "post",
        path: "/admin/api/selection/post",
        summary: "立即发单：选品库商品（items：1 件为单品，3 到 5 件为清单）发到群（groups），经发单前校验、按群转链与发送队列；返回所建的（关闭的）计划、入队群数与跳过数",
        admin_only: false,
        example: Some(r#"{"items":[1],"groups":[1]}"#),
        answer: Answer::Object(&["plan_id", "queued", "skipped"]),
    },
    Op {
        method: "get",
        path: "/admin/api/posting/plans",
        summary: "发单计划（合伙人只看到目标全是自己群的计划）",
        admin_only: false,
        example: None,
        answer: Answer::List(PLAN),
    },
    Op {
        method: "post",
        path: "/admin/api/posting/plans",
        summary: "新建发单计划（targets：groups 群列表、partner 合伙人的全部群、all_enabled 全部启用的群；source：selection 选品库筛选、items 选品库编号或 collection 采集转发；cadence：every_minutes、at 定点或 as_they_come 随到随发（仅采集转发）；时段为当天分钟）",
        admin_only: false,
        example: Some(
            r#"{"name":"全群晚间","targets":"all_enabled","source":{"selection":{"platforms":["pdd"]}},"schedule":{"windows":[{"start_min":1140,"end_min":1320}],"cadence":{"every_minutes":30},"cap_per_hour":2,"cap_per_day":6},"enabled":false}"#,
        ),
        answer: Answer::Object(PLAN),
    },
    Op {
        method: "post",
        path: "/admin/api/posting/plans/{id}",
        summary: "修改发单计划（整份替换，校验同新建）",
        admin_only: false,
        example: Some(
            r#"{"name":"全群晚间","targets":"all_enabled","source":{"items":[1,2]},"schedule":{"windows":[{"start_min":1140,"end_min":1320}],"cadence":{"at":[1170,1260]},"cap_per_hour":2,"cap_per_day":6},"enabled":false}"#,
        ),
        answer: Answer::Object(PLAN),
    },
    Op {
        method: "post",
        path: "/admin/api/posting/plans/{id}/enabled",
        summary: "开启或关闭发单计划",
        admin_only: false,
        example: Some(r#"{"enabled":true}"#),
        answer: Answer::Object(PLAN),
    },
    Op {
        method: "get",
        path: "/admin/api/posting/deliveries",
        summary: "最近发单记录（plan_id 筛选；status：queued 已发送、skipped 已跳过、failed 失败）",
        admin_only: false,
        example: None,
        answer: Answer::List(DELIVERY),
    },
    Op {
        method: "get",
        path: "/admin/api/posting/stats",
        summary: "发单效果：按计划、按群（发送、跳过原因、订单、GMV、预估与结算佣金，金额为分），以及出单的发单",
        admin_only: false,
        example: None,
        answer: Answer::Object(POSTING_STATS),
    },
    Op {
        method: "get",
        path: "/admin/api/mass-posts",
        summary: "群发列表（最近 50 条，含每个群的发送记录；合伙人只看自己的）",
        admin_only: false,
        example: None,
        answer: Answer::Object(&["posts"]),
    },
    Op {
        method: "post",
        path: "/admin/api/mass-posts/preview",
        summary: "群发预览：每个目标群和私聊好友将收到的消息（商品链接按该群推广位或该好友自己的标记转链，含海报）",
        admin_only: false,
        example: Some(r#"{"text":"今晚 8 点秒杀","groups":[1],"schedule":"daily","time":"20:00"}"#),
        answer: Answer::Object(&["groups", "friends"]),
    },
    Op {
        method: "post",
        path: "/admin/api/mass-posts",
        summary: "新建群发（text、link、groups；friends：[{robot_id, wxid}] 私聊过机器人的好友，仅管理员；schedule 为 now、once（at：YYYY-MM-DD HH:MM）或 daily（time：HH:MM））；立即发送的当场进入发送队列",
        admin_only: false,
        example: Some(r#"{"text":"今晚 8 点秒杀","groups":[1],"schedule":"daily","time":"20:00"}"#),
        answer: Answer::Object(&["id", "queued", "failed", "deliveries", "friend_deliveries"]),
    },
    Op {
        method: "get",
        path: "/admin/api/collection",
        summary: "采集：采集源及规则、每个采集源的统计（收到、转发、按原因丢弃、订单与佣金，金额为分）、最近的采集消息（仅管理员）",
        admin_only: true,
        example: None,
        answer: Answer::Object(&["sources", "stats", "recent"]),
    },
    Op {
        method: "post",
        path: "/admin/api/collection/sources",
        summary: "设置采集源（group_id、targets、senders、rules：每行一条，re: 开头为正则、include、exclude、platforms、min_price 等，金额为元）；采集源不再回复消息",
        admin_only: true,
        example: Some(r#"{"group_id":1,"targets":[],"rules":"加微信\nre:群号\\d+","gap_secs":60}"#),
        answer: Answer::Object(&["group_id", "room_id", "group_name", "spec"]),
    },
    Op {
        method: "post",
        path: "/admin/api/collection/sources/{id}/delete",
        summary: "取消采集源",
        admin_only: true,
        example: None,
        answer: Answer::Object(&["removed"]),
    },
    Op {
        method: "post",
        path: "/admin/api/collection/preview",
        summary: "采集预览：按给定规则处理一条线报，返回每个目标群将收到的文字或丢弃原因",
        admin_only: true,
        example: Some(r#"{"group_id":1,"targets":[],"text":"京东 https://u.jd.com/Ab12Cd3"}"#),
        answer: Answer::Object(&["groups"]),
    },
    Op {
        method: "get",
        path: "/admin/api/rate-rules",
        summary: "分佣规则（生效中与待生效在前，含已结束）",
        admin_only: true,
        example: None,
        answer: Answer::List(RATE_RULE),
    },
    Op {
        method: "post",
        path: "/admin/api/rate-rules",
        summary: "新建分佣规则：share=rebate|partner|agent，scope=member|group|partner|platform|global，percent，effective_from（毫秒，可省略＝现在）",
        admin_only: true,
        example: Some(r#"{"share":"rebate","scope":"global","percent":"40"}"#),
        answer: Answer::Object(RATE_RULE),
    },
    Op {
        method: "post",
        path: "/admin/api/rate-rules/preview",
        summary: "预览：某平台、会员、群或合伙人的一笔订单如何分佣（与入账算法一致）",
        admin_only: true,
        example: Some(r#"{"platform":"jd","paid_fen":10000,"commission_bps":2000}"#),
        answer: Answer::Object(RATE_PREVIEW),
    },
    Op {
        method: "post",
        path: "/admin/api/rate-rules/{id}",
        summary: "修改规则：从 effective_from（可省略＝现在）起按新比例，之前入账的订单不变",
        admin_only: true,
        example: Some(r#"{"percent":"45"}"#),
        answer: Answer::Object(RATE_RULE),
    },
    Op {
        method: "post",
        path: "/admin/api/rate-rules/{id}/end",
        summary: "结束规则（之后的新订单不再适用）",
        admin_only: true,
        example: Some("{}"),
        answer: Answer::Object(RATE_RULE),
    },
    Op {
        method: "get",
        path: "/admin/api/agent-applications",
        summary: "代理申请（status=open|approved|rejected，默认 open）",
        admin_only: true,
        example: None,
        answer: Answer::List(AGENT_APPLICATION),
    },
    Op {
        method: "post",
        path: "/admin/api/agent-applications/{id}",
        summary: "审核代理申请：action=approve 带 level（普通代理|高级代理|合伙人，生成拼多多推广位和邀请码），或 action=reject 带 reason",
        admin_only: true,
        example: Some(r#"{"action":"reject","reason":"资料不全"}"#),
        answer: Answer::Object(AGENT_APPLICATION),
    },
    Op {
        method: "get",
        path: "/admin/api/agent-levels",
        summary: "代理等级（代理设置）：分成、二级分成与近 30 天升级条件",
        admin_only: true,
        example: None,
        answer: Answer::List(AGENT_LEVEL),
    },
    Op {
        method: "post",
        path: "/admin/api/agent-levels",
        summary: "新增代理等级：name（唯一，≤20 字）、tier（1–99，唯一）、share_bps 与 second_bps（0–10000）、min_invited、min_orders、min_commission_fen",
        admin_only: true,
        example: Some(
            r#"{"name":"金牌代理","tier":4,"share_bps":1200,"second_bps":600,"min_invited":100,"min_orders":500,"min_commission_fen":0}"#,
        ),
        answer: Answer::Object(AGENT_LEVEL),
    },
    Op {
        method: "post",
        path: "/admin/api/agent-levels/{id}",
        summary: "修改代理等级（之后的新订单生效）",
        admin_only: true,
        example: Some(r#"{"name":"普通代理","tier":1,"share_bps":600,"second_bps":200}"#),
        answer: Answer::Object(AGENT_LEVEL),
    },
    Op {
        method: "post",
        path: "/admin/api/agent-levels/{id}/delete",
        summary: "删除从未被使用的代理等级",
        admin_only: true,
        example: Some("{}"),
        answer: Answer::Object(&["deleted"]),
    },
    Op {
        method: "get",
        path: "/admin/api/agents",
        summary: "代理：等级、邀请码、上级代理与下级会员数",
        admin_only: true,
        example: None,
        answer: Answer::List(AGENT),
    },
    Op {
        method: "get",
        path: "/admin/api/agent-level-changes",
        summary: "代理等级变动记录（审核通过、每日升降级）",
        admin_only: true,
        example: None,
        answer: Answer::List(AGENT_LEVEL_CHANGE),
    },
    Op {
        method: "get",
        path: "/admin/api/accounts",
        summary: "资产管理：合伙人与代理分成余额（合伙人只看到自己的）",
        admin_only: false,
        example: None,
        answer: Answer::List(ACCOUNT),
    },
    Op {
        method: "get",
        path: "/admin/api/robots/{id}/login",
        summary: "机器人扫码登录进度（status：waiting 带 qr_data、expires_in 与二维码图片 qr_png，scanned，online 带 wxid，cancelled，verify，idle）；登录成功后自动注册回调并同步群",
        admin_only: true,
        example: None,
        answer: Answer::Object(ROBOT_LOGIN),
    },
    Op {
        method: "post",
        path: "/admin/api/robots/{id}/pacing",
        summary: "机器人发送节奏（毫秒：min_send_interval_ms 0–600000、send_jitter_ms 0–600000、min_group_interval_ms 0–3600000；空为配置值），立即生效",
        admin_only: true,
        example: Some(r#"{"min_send_interval_ms":3000,"send_jitter_ms":1500,"min_group_interval_ms":""}"#),
        answer: Answer::Object(ROBOT_PACING),
    },
];

const ROBOT_LOGIN: &[&str] = &["status", "qr_png"];
const ROBOT_PACING: &[&str] = &["min_send_interval_ms", "send_jitter_ms", "min_group_interval_ms"];

/// Operations on robots and their chat gateway: documented like the others (`x-calls-gateway`), exercised against a
/// simulated gateway and several robots by their own black-box tests (tests/api/robots.rs, robot_login.rs).
const GATEWAY_OPERATIONS: &[Op] = &[
    Op {
        method: "post",
        path: "/admin/api/robots",
        summary: "添加 GeWe 机器人（name 为字母数字，gateway_url 为 http(s) 网关地址，token 不回显）：网关为它创建设备，随后扫码登录",
        admin_only: true,
        example: Some(r#"{"name":"robot2","gateway_url":"http://gewe-host:2531/v2/api","token":"gewe-token"}"#),
        answer: Answer::Object(&["id", "name", "app_id"]),
    },
    Op {
        method: "post",
        path: "/admin/api/robots/{id}/login",
        summary: "为机器人获取登录二维码（沿用它的设备 appId），随后轮询 GET 同一路径",
        admin_only: true,
        example: None,
        answer: Answer::Object(ROBOT_LOGIN),
    },
    Op {
        method: "get",
        path: "/admin/api/robots/events",
        summary: "机器人最近的事件（上线、离线、重连、需重新登录……），最新在前",
        admin_only: true,
        example: None,
        answer: Answer::List(&["id", "robot_id", "kind", "detail", "created_at"]),
    },
    Op {
        method: "post",
        path: "/admin/api/robots/{id}/reconnect",
        summary: "让网关为离线的机器人重连，返回重连后的状态",
        admin_only: true,
        example: None,
        answer: Answer::OneOf(&["online", "offline", "needs_login", "limited"]),
    },
    Op {
        method: "post",
        path: "/admin/api/robots/{id}/move",
        summary: "把机器人排队中的发送转给另一台机器人（to 为机器人 id；对方不在的群的发送留下）",
        admin_only: true,
        example: Some(r#"{"to":2}"#),
        answer: Answer::Object(&["moved", "kept"]),
    },
];

/// Operations whose request body is an image (the raw bytes), exercised by their own black-box tests.
const IMAGE_UPLOADS: &[Op] = &[Op {
    method: "post",
    path: "/admin/api/mass-posts/images",
    summary: "上传群发图片（请求体为 JPEG 或 PNG 原始字节，最大 2 MB），返回可在群发中引用的 media_id 与 url",
    admin_only: false,
    example: None,
    answer: Answer::Object(&["media_id", "url"]),
}];

/// How an operation is called: with its JSON example, against a chat gateway, or with an image as the body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    CallsGateway,
    ImageUpload,
}

/// Every documented operation.
pub fn operations() -> impl Iterator<Item = (&'static Op, Kind)> {
    let kind = |ops: &'static [Op], k: Kind| ops.iter().map(move |op| (op, k));
    kind(OPERATIONS, Kind::Json)
        .chain(kind(GATEWAY_OPERATIONS, Kind::CallsGateway))
        .chain(kind(IMAGE_UPLOADS, Kind::ImageUpload))
}

fn schema(a: Answer) -> Value {
    let obj = |props: &[&str]| {
        let p: Map<String, Value> = props.iter().map(|k| (k.to_string(), json!({}))).collect();
        json!({ "type": "object", "required": props, "properties": p })
    };
    match a {
        Answer::Object(p) => obj(p),
        Answer::List(p) => json!({ "type": "array", "items": obj(p) }),
        Answer::OneOf(values) => json!({ "type": "string", "enum": values }),
        Answer::Nullable(p) => {
            let mut o = obj(p);
            o["nullable"] = json!(true);
            o
        }
    }
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (op, kind) in operations() {
        let mut o = json!({
            "summary": op.summary,
            "responses": {
                "200": { "description": "OK", "content": { "application/json": { "schema": schema(op.answer) } } },
                "401": { "description": "未登录" },
                "403": { "description": if op.admin_only { "仅管理员，或 CSRF 校验失败" } else { "无权访问，或 CSRF 校验失败" } },
            },
        });
        if op.path.contains("{id}") {
            o["parameters"] =
                json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
        }
        if let Some(ex) = op.example {
            let example: Value = serde_json::from_str(ex).unwrap_or(Value::Null);
            o["requestBody"] = json!({ "required": true, "content": { "application/json": { "example": example } } });
        }
        if op.admin_only {
            o["x-admin-only"] = json!(true);
        }
        if kind == Kind::CallsGateway {
            o["x-calls-gateway"] = json!(true);
        }
        if kind == Kind::ImageUpload {
            let image = json!({ "schema": { "type": "string", "format": "binary" } });
            o["requestBody"] =
                json!({ "required": true, "content": { "image/jpeg": image.clone(), "image/png": image } });
        }
        let entry = paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        entry[op.method] = o;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "dealbot admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The dashboard's JSON API. Browser sessions send the X-CSRF-Token header (from /admin/api/me) on every POST; machine clients use Authorization: Bearer <admin.api_token> and act as an admin."
        },
        "components": { "securitySchemes": {
            "session": { "type": "apiKey", "in": "cookie", "name": super::session::COOKIE },
            "bearer": { "type": "http", "scheme": "bearer" }
        } },
        "security": [{ "session": [] }, { "bearer": [] }],
        "paths": paths,
    })
}

pub async fn serve(_admin: super::session::Admin) -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_api_route_is_documented_and_every_documented_operation_has_a_route() {
        let (main, uploads) = (super::super::table(), super::super::upload_table());
        let routed: BTreeSet<(&str, &str)> = main.api().iter().chain(uploads.api()).copied().collect();
        let documented: Vec<(&str, &str)> = operations().map(|(op, _)| (op.method, op.path)).collect();
        let unique: BTreeSet<(&str, &str)> = documented.iter().copied().collect();
        assert_eq!(unique.len(), documented.len(), "an operation is documented twice");
        let undocumented: Vec<_> = routed.difference(&unique).collect();
        assert!(undocumented.is_empty(), "API routes missing from the OpenAPI document: {undocumented:?}");
        let unrouted: Vec<_> = unique.difference(&routed).collect();
        assert!(unrouted.is_empty(), "documented operations without a route: {unrouted:?}");
    }

    #[test]
    fn every_operation_is_in_the_served_document() {
        let doc = document();
        for (op, _) in operations() {
            assert!(doc["paths"][op.path][op.method].is_object(), "{} {}", op.method, op.path);
        }
    }
}
