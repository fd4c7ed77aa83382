//! Chinese values of the admin API document's request examples (`#[utoipa::path(request_body(example = …))]`): test
//! data the black-box test sends to the real routes, and what a developer reading the document would type.

// Groups
pub const WELCOME_TEXT: &str = "欢迎新朋友";
pub const KEYWORD_PATTERN: &str = "=运费";
pub const KEYWORD_REPLY: &str = "全场包邮";

// Partners
pub const PARTNER_NAME: &str = "小王";

// Orders
pub const ASSIGN_REASON: &str = "会员私聊提供了下单截图";

// Withdrawals
pub const PAY_METHOD_BANK: &str = "银行转账";
pub const PAY_METHOD_ALIPAY: &str = "支付宝";
pub const REJECT_REASON: &str = "收款信息有误";

// Posting plans
pub const PLAN_NAME: &str = "全群晚间";

// Mass posts
pub const MASS_TEXT: &str = "今晚 8 点秒杀";

// Collection
pub const COLLECTION_RULES: &str = "加微信\nre:群号\\d+";
pub const COLLECTION_TEXT: &str = "京东 https://u.jd.com/Ab12Cd3";

// Agents
pub const AGENT_REJECT_REASON: &str = "资料不全";
pub const AGENT_LEVEL_NEW: &str = "金牌代理";
pub const AGENT_LEVEL_BASIC: &str = "普通代理";
