//! The dashboard text of the money pages: orders, withdrawals, accounts, finance log, rates, statements, agents.

// 提现日志.
pub const WITHDRAWAL_LOG: &str = "提现日志";
pub const WITHDRAWAL_LOG_COLUMNS: &[&str] = &["时间", "提现申请", "账户", "操作", "金额（元）", "操作人", "原因"];
pub const ACTION_REQUESTED: &str = "申请";
pub const ACTION_APPROVED: &str = "通过";
pub const ACTION_PAID: &str = "已打款";
pub const ACTION_REJECTED: &str = "驳回";

// Parties and scopes (分佣设置, 订单, 月度对账单, 代理设置).
pub const MEMBER: &str = "会员";
pub const GROUP: &str = "群";
pub const PARTNER: &str = "合伙人";
pub const AGENT: &str = "代理";
pub const AGENT2: &str = "二级代理";
pub const PLATFORM: &str = "平台";
pub const GLOBAL: &str = "全局";
/// The member's share, short (订单's booked rates).
pub const REBATE: &str = "返利";

// Shares (分佣设置, 月度对账单, 代理设置).
pub const SHARE_REBATE: &str = "会员返利";
pub const SHARE_PARTNER: &str = "合伙人分成";
pub const SHARE_AGENT: &str = "代理分成";
pub const SHARE_AGENT2: &str = "二级代理分成";

// Request statuses (提现审核, 资产管理), also the headings of 提现审核's sections.
pub const STATUS_OPEN: &str = "待审核";
pub const STATUS_APPROVED: &str = "待打款";
pub const STATUS_PAID: &str = "已打款";
pub const STATUS_REJECTED: &str = "已驳回";

// Deciding a request (提现审核, 代理审核).
pub const APPROVE: &str = "通过";
pub const REJECT: &str = "驳回";
pub const REJECT_REASON: &str = "驳回原因";
/// The heading of the decided requests.
pub const DONE: &str = "已处理";
pub const REASON_REQUIRED: &str = "驳回须填写原因";
pub const NOT_FOUND_OR_DECIDED: &str = "该申请不存在或已处理";
pub const APPROVE_OR_REJECT: &str = "操作须为 approve 或 reject";

pub fn reason_too_long(max: usize) -> String {
    format!("原因最多 {max} 字")
}

// 提现审核.
pub const WITHDRAWALS: &str = "提现审核";
/// A checkbox's column, and its label before the request's number.
pub const SELECT: &str = "选择";
pub const QUEUE_COLUMNS_ADMIN: &[&str] = &["选择", "编号", "申请时间", "申请人", "金额（元）", "审核"];
pub const QUEUE_COLUMNS: &[&str] = &["编号", "申请时间", "申请人", "金额（元）"];
pub const APPROVED_COLUMNS_ADMIN: &[&str] = &["选择", "编号", "通过时间", "申请人", "金额（元）", "审核人", "撤回"];
pub const APPROVED_COLUMNS: &[&str] = &["编号", "通过时间", "申请人", "金额（元）", "审核人"];
pub const DONE_COLUMNS: &[&str] = &["编号", "处理时间", "申请人", "金额（元）", "结果", "打款信息 / 原因", "经办人"];
pub const BATCH_APPROVE_HINT: &str = "勾选后批量通过（打款后再记录打款）";
pub const BATCH_APPROVE: &str = "批量通过";
pub const BATCH_PAY_HINT: &str = "勾选已打款的申请：";
pub const PAYMENT_METHOD_EXAMPLE: &str = "打款方式（如 银行转账）";
pub const BANK_TRANSFER: &str = "银行转账";
pub const TRANSFER_REFERENCE: &str = "转账流水号";
/// The batch payment's button, and its verb in the outcome.
pub const RECORD_PAYMENT: &str = "记录打款";
pub const EXPORT_APPROVED_CSV: &str = "导出待打款 CSV（批量转账）";
pub const APPROVED_CSV_COLUMNS: &[&str] = &["申请编号", "账户类型", "账户ID", "姓名", "金额（元）", "申请时间"];
pub const TICK_FIRST: &str = "请先勾选提现申请";
pub const WITHDRAWAL_STATUS_FILTER: &str = "status 须为 open、approved、paid 或 rejected";

pub fn payment_method_length(max: usize) -> String {
    format!("打款方式须为 1 到 {max} 个字")
}

pub fn payment_reference_length(max: usize) -> String {
    format!("流水号须为 1 到 {max} 个字")
}

pub fn batch_too_large(max: usize) -> String {
    format!("一次最多处理 {max} 笔")
}

pub fn withdrawal_approved(id: i64, yuan: &str) -> String {
    format!("已通过 {id} 号提现（{yuan} 元），打款后请记录打款")
}

pub fn withdrawal_rejected(id: i64) -> String {
    format!("已驳回 {id} 号提现")
}

/// A batch's outcome: `verb` is [`APPROVE`] or [`RECORD_PAYMENT`].
pub fn batch_done(verb: &str, count: usize, total_yuan: &str, skipped: usize) -> String {
    let done = format!("已{verb} {count} 笔，共 {total_yuan} 元");
    if skipped == 0 { done } else { format!("{done}；{skipped} 笔已处理过，跳过") }
}

// 代理审核.
pub const AGENTS: &str = "代理审核";
pub const APPLICATION_COLUMNS: &[&str] = &["编号", "申请时间", "会员", "理由", "审核"];
pub const DECIDED_APPLICATION_COLUMNS: &[&str] = &["编号", "处理时间", "会员", "理由", "结果", "审核人"];
pub const APPROVED: &str = "已通过";
pub const INVITE_CODE: &str = "邀请码";
/// The link from an approved application to the new partner's page.
pub const PARTNER_AND_PIDS: &str = "合伙人与推广位";
pub const CHOOSE_LEVEL: &str = "请选择代理等级";
pub const APPLICATION_STATUS_FILTER: &str = "status 须为 open、approved 或 rejected";

pub fn application_approved(id: i64, level: &str, invite_code: &str) -> String {
    format!("已通过 {id} 号申请：{level}，邀请码 {invite_code}")
}

pub fn application_rejected(id: i64) -> String {
    format!("已驳回 {id} 号申请")
}

// 代理设置 (a section of 代理审核).
pub const AGENT_SETTINGS: &str = "代理设置";
pub const AGENT_SETTINGS_HELP: &str = "代理分成按代理所在等级；二级分成归代理的邀请人（也是代理）。每天按近 30 天的邀请人数、订单数和佣金\
     自动升降级（满足全部条件的最高等级），变动只影响之后的新订单。100 基点 = 1%。";
pub const LEVEL_COLUMNS: &[&str] = &["序号", "等级", "代理分成", "二级分成", "条件（近 30 天）", "修改"];
pub const NEW_LEVEL: &str = "新增等级";
pub const AGENT_COLUMNS: &[&str] = &["编号", "代理", "等级", "邀请码", "上级代理", "下级会员"];
pub const LEVEL_CHANGES: &str = "等级变动";
pub const LEVEL_CHANGE_COLUMNS: &[&str] = &["时间", "代理", "原等级", "新等级", "原因"];
pub const LEVEL_NAME: &str = "名称";
pub const LEVEL_TIER: &str = "序号";
pub const LEVEL_SHARE_BPS: &str = "分成（基点）";
pub const LEVEL_SECOND_BPS: &str = "二级分成（基点）";
pub const LEVEL_MIN_INVITED: &str = "邀请人数";
pub const LEVEL_MIN_ORDERS: &str = "订单数";
pub const LEVEL_MIN_COMMISSION: &str = "佣金（分）";
pub const SAVE: &str = "保存";
pub const DELETE: &str = "删除";
pub const ADD: &str = "新增";
pub const NO_CONDITIONS: &str = "无（起始等级）";
/// Between the parts of a list in a sentence.
pub const LIST_SEPARATOR: &str = "，";
pub const LEVEL_NAME_LENGTH: &str = "等级名称须为 1 到 20 个字";
pub const LEVEL_TIER_RANGE: &str = "等级序号须在 1 到 99 之间";
pub const LEVEL_SHARE_RANGE: &str = "分成须在 0 到 10000 基点（0% 到 100%）之间";
pub const LEVEL_COUNT_RANGE: &str = "升级条件须在 0 到 1000000 之间";
pub const LEVEL_COMMISSION_RANGE: &str = "佣金条件须在 0 到 1000 万元之间";
pub const LEVEL_CONFLICT: &str = "等级名称或序号已存在，或该等级已被使用";
pub const LEVEL_NOT_FOUND: &str = "该等级不存在";
pub const LEVEL_DELETED: &str = "已删除等级";

pub fn min_invited(n: i64) -> String {
    format!("邀请 ≥ {n} 人")
}

pub fn min_orders(n: i64) -> String {
    format!("订单 ≥ {n} 笔")
}

pub fn min_commission(yuan: &str) -> String {
    format!("佣金 ≥ ¥{yuan}")
}

pub fn level_added(name: &str) -> String {
    format!("已新增等级 {name}")
}

pub fn level_saved(name: &str) -> String {
    format!("已保存等级 {name}")
}

// 资产管理.
pub const ACCOUNTS: &str = "资产管理";
pub const ACCOUNT_COLUMNS: &[&str] = &["合伙人", "账户", "待结算", "可提现", "提现中", "已提现", "申请提现", "对账单"];
pub const AMOUNT_IN_YUAN: &str = "金额（元）";
pub const WITHDRAW: &str = "提现";
pub const WITHDRAWAL_RECORDS: &str = "提现记录";
pub const ACCOUNT_WITHDRAWAL_COLUMNS: &[&str] = &["编号", "申请时间", "合伙人", "账户", "金额（元）", "状态", "原因"];
pub const PARTNER_OR_AGENT_ACCOUNT: &str = "账户须为 partner（合伙人分成）或 agent（代理分成）";
pub const NAME_A_PARTNER: &str = "请指定合伙人";
pub const AMOUNT_REQUIRED: &str = "请填写金额";
pub const AMOUNT_POSITIVE: &str = "金额须大于 0";
pub const BAD_AMOUNT: &str = "金额格式不对";
pub const BAD_PARTNER_ID: &str = "合伙人编号不对";

// Filters and exports (财务日志, 订单, 月度对账单).
pub const FILTER: &str = "筛选";
pub const EXPORT_CSV: &str = "导出 CSV";

// 月度对账单.
pub const STATEMENT: &str = "月度对账单";
pub const VIEW: &str = "查看";
pub const MONTH: &str = "月份";
pub const ORDERS: &str = "订单";
pub const ORDER_COUNT: &str = "订单数";
pub const COMMISSION: &str = "佣金";
pub const STATEMENT_ACCOUNT_COLUMNS: &[&str] =
    &["账户", "期初余额", "订单分成", "调整", "已打款", "期末余额", "期末可提现", "期末提现中", "期末待结算"];
pub const STATEMENT_ORDER_COLUMNS: &[&str] = &["付款时间", "平台", "订单号", "状态", "佣金", "合伙人分成", "代理分成"];
pub const PHASE_PENDING: &str = "待结算";
pub const PHASE_AVAILABLE: &str = "已结算";
pub const PHASE_REVERSED: &str = "已失效";
pub const PHASE_CLAWED_BACK: &str = "已退款扣回";
pub const NO_PARTNERS: &str = "暂无合伙人";
pub const BAD_MONTH: &str = "月份格式应为 2026-12";

pub fn statement_title(partner: &str, month: &str) -> String {
    format!("月度对账单 · {partner} · {month}")
}

// 分佣设置.
pub const RATES: &str = "分佣设置";
pub const NEW_RULE: &str = "新建规则";
pub const SHARE: &str = "分成";
pub const SCOPE: &str = "范围";
pub const SCOPE_KEY: &str = "编号/平台";
pub const SCOPE_KEY_EXAMPLE: &str = "如 12 或 pdd";
pub const PERCENT: &str = "比例（%）";
pub const EFFECTIVE_AT: &str = "生效时间";
pub const PREVIEW: &str = "预览";
pub const ORDER_AMOUNT: &str = "订单金额（元）";
pub const COMMISSION_PERCENT: &str = "佣金比例（%）";
pub const CALCULATE: &str = "计算";
pub const RULES: &str = "规则";
pub const RULE_COLUMNS: &[&str] = &["编号", "分成", "范围", "比例", "生效时间", "状态", "设置人", "操作"];
pub const RULE_IN_FORCE: &str = "生效中";
pub const RULE_PENDING: &str = "待生效";
/// Before the time the rule ended.
pub const RULE_ENDED_AT: &str = "已结束";
pub const END_RULE: &str = "结束";
/// The `[ledger]` default rate, where no rule applies.
pub const DEFAULT_RATE: &str = "默认";
/// A percentage may be typed with a full-width percent sign.
pub const FULL_WIDTH_PERCENT: char = '％';
pub const BAD_PERCENT: &str = "比例格式不对，例如 60 或 12.5";
pub const PERCENT_RANGE: &str = "比例须在 0% 到 100% 之间";
pub const EFFECTIVE_IN_THE_PAST: &str = "生效时间不能早于现在：已入账的订单按入账时的比例结算";
pub const EFFECTIVE_TOO_FAR: &str = "生效时间最多提前一年设置";
pub const BAD_SCOPE: &str = "范围不对：会员、群、合伙人须填编号，平台填 pdd/jd/taobao";
pub const SCOPE_NOT_FOUND: &str = "该范围对应的会员、群或合伙人不存在";
pub const SHARES_OVER_100: &str = "会员返利、合伙人和代理分成加起来不能超过 100%";
pub const BAD_SHARE: &str = "分成须为 rebate、partner、agent 或 agent2";
pub const RULE_ENDED: &str = "该规则已结束，请新建规则";
pub const RULE_NOT_FOUND_OR_ENDED: &str = "该规则不存在或已结束";
pub const BAD_PLATFORM: &str = "平台可选 pdd、jd、taobao";
pub const PREVIEW_RANGE: &str = "金额须在 0 到 100 万元之间，佣金在 0 到订单金额之间";
pub const GROUP_NOT_FOUND: &str = "群不存在";

/// A scope with its number: `会员 #12`.
pub fn numbered(scope: &str, id: i64) -> String {
    format!("{scope} #{id}")
}

pub fn rule_ref(id: i64) -> String {
    format!("规则 #{id}")
}

pub fn priorities(rebate: &str, partner: &str, agent: &str) -> String {
    format!(
        "优先级：会员 > 群 > 合伙人 > 平台 > 全局 > 默认（会员返利 {rebate}、合伙人 {partner}、代理 {agent}）。\
         订单按首次入账时生效的规则结算，修改只影响之后的新订单。"
    )
}

/// One party's part of a previewed order: `¥12.00（60%，规则 #3）`.
pub fn previewed_share(yuan: &str, percent: &str, rule: &str) -> String {
    format!("¥{yuan}（{percent}，{rule}）")
}

/// The second-level agent's part of a preview, when there is one.
pub fn second_agent(share: &str) -> String {
    format!("二级代理 {share}、")
}

pub fn rate_preview(
    paid: &str,
    commission: &str,
    rebate: &str,
    partner: &str,
    agent: &str,
    second_agent: &str,
    operator: &str,
) -> String {
    format!(
        "¥{paid} 的订单、佣金 ¥{commission}：会员 {rebate}、合伙人 {partner}、代理 {agent}、{second_agent}平台 ¥{operator}"
    )
}

pub fn rule_saved(id: i64, share: &str, percent: &str) -> String {
    format!("已保存规则 #{id}：{share} {percent}")
}

pub fn rule_ended(id: i64) -> String {
    format!("已结束规则 #{id}")
}

// Filter errors (订单, 财务日志, 分佣设置).
/// A number (of a member, group, partner or rule).
pub const ID: &str = "编号";
pub const UNKNOWN_PLATFORM: &str = "未知平台";

/// `what` is the field: `会员`, `账户ID` …
pub fn not_a_number(what: &str) -> String {
    format!("{what}须为数字")
}

pub fn bad_date(typed: &str) -> String {
    format!("日期格式应为 2026-01-31：{typed}")
}

// Pagers (订单, 财务日志).
pub const PREVIOUS_PAGE: &str = "上一页";
pub const NEXT_PAGE: &str = "下一页";

pub fn page_number(page: i64) -> String {
    format!("第 {page} 页")
}

// 订单.
pub const STATUS: &str = "状态";
pub const MEMBER_ID: &str = "会员ID";
pub const PAID_FROM: &str = "付款从";
/// The end of a date range.
pub const DATE_TO: &str = "到";
/// The columns the order table and its CSV share, before their member columns.
pub const ORDER_COLUMNS: &[&str] =
    &["付款时间", "平台", "订单号", "商品", "付款金额", "预估佣金", "结算佣金", "状态", "群", "合伙人"];
pub const ORDER_PAGE_MEMBER_COLUMNS: &[&str] = &["会员", "分佣规则"];
pub const ORDER_CSV_MEMBER_COLUMNS: &[&str] = &["会员ID", "会员"];
pub const REASON: &str = "原因";
pub const ASSIGN: &str = "分配";
pub const ASSIGN_FAILED: &str = "分配失败，请稍后再试";
pub const UNKNOWN_STATUS: &str = "未知状态";
/// An order the ledger has not booked yet.
pub const NOT_BOOKED: &str = "未入账";
pub const OPEN_PAREN: &str = "（";
pub const CLOSE_PAREN: &str = "）";

// 财务日志.
pub const FINANCE_LOG: &str = "财务日志";
pub const ACCOUNT_ID: &str = "账户ID";
pub const ENTRY_COLUMNS: &[&str] =
    &["编号", "时间", "账户", "类型", "来源", "待结算", "可提现", "提现中", "欠款", "已提现"];
pub const ENTRY_CSV_COLUMNS: &[&str] = &[
    "编号",
    "时间",
    "账户类型",
    "账户ID",
    "类型",
    "订单号",
    "提现申请",
    "待结算",
    "可提现",
    "提现中",
    "欠款",
    "已提现",
];
pub const ENTRY_BOOK: &str = "下单入账";
pub const ENTRY_SETTLE: &str = "结算";
pub const ENTRY_REVERSE: &str = "失效冲回";
pub const ENTRY_CLAWBACK: &str = "退款扣回";
pub const ENTRY_RESPLIT: &str = "重新分账";
pub const UNKNOWN_ACCOUNT_KIND: &str = "未知账户类型";
pub const ACCOUNT_ID_REQUIRED: &str = "请填写账户ID";
pub const ACCOUNT_KIND_REQUIRED: &str = "请选择账户类型";
pub const KIND_TOO_LONG: &str = "类型过长";

// 对账.
pub const RECONCILE: &str = "对账";
/// The start of a date range.
pub const DATE_FROM: &str = "从";
pub const UNTIL_NOW: &str = "留空为现在";
pub const RECONCILE_HINT: &str = "选择平台和区间（北京时间，最长31天，默认最近24小时）后对账。";
pub const RESULT: &str = "结果";
pub const CONSISTENT: &str = "一致";
pub const DIFFERENT: &str = "有差异";
pub const UNION_ORDERS: &str = "联盟订单";
pub const STORED_ORDERS: &str = "本地订单";
pub const UNION_COMMISSION: &str = "联盟佣金";
pub const STORED_COMMISSION: &str = "本地佣金";
pub const LEDGER_COMMISSION: &str = "账本佣金";
pub const LOST: &str = "漏单（联盟有、本地无）";
pub const EXTRA: &str = "多出（本地有、联盟无）";
pub const MISSING_IN_LEDGER: &str = "账本未入账的已付款订单";
pub const UNATTRIBUTED: &str = "未归属会员";
pub const CHANGED: &str = "状态或佣金不一致";
pub const CHANGED_COLUMNS: &[&str] = &["订单号", "联盟状态", "本地状态", "联盟佣金", "本地佣金"];
/// An empty list of orders.
pub const NONE: &str = "无";
pub const BAD_PERIOD: &str = "对账区间无效（最长31天）";

pub fn bad_time(typed: &str) -> String {
    format!("时间格式错误：{typed}")
}

pub fn not_enabled(platform: &str) -> String {
    format!("未启用{platform}")
}
