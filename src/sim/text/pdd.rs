//! The simulated 多多进宝 gateway's Chinese (affiliates spec §1): its error messages, verbatim from the spec, and
//! the texts of its goods records, promotion links and orders.

// Errors (`error_msg` / `sub_msg`)

/// The message PDD returns with 50001/60001 (verbatim, spec §1.4).
pub const NOT_BOUND_MSG: &str = "未传入已经授权备案过的相关参数(pid/custom_parameters), 授权备案说明链接：https://jinbao.pinduoduo.com/qa-system?questionId=204";

/// 10000 `参数错误:<field>`.
pub fn param_error(field: &str) -> String {
    format!("参数错误:{field}")
}

pub const SIGN_FAILED: &str = "签名验证失败";
pub const WINDOW_TOO_LONG: &str = "时间跨度不能超过24小时";
pub const BUSINESS_ERROR: &str = "业务服务错误";

/// An unknown or malformed material: `非法的source_url`, `非法的goods_sign`.
pub fn illegal(what: &str) -> String {
    format!("非法的{what}")
}

pub const TOKEN_EXPIRED: &str = "access_token已过期";
/// 52101.
pub const THROTTLED: &str = "当前接口被限流，请稍后重试";
/// 52102.
pub const API_UNAVAILABLE: &str = "当前接口暂时不可用";
/// 52103.
pub const SERVICE_UNAVAILABLE: &str = "服务暂时不可用";
/// 70031.
pub const TOO_FREQUENT: &str = "调用过于频繁，请调整调用频率";
/// A business refusal no client knows.
pub const CAMPAIGN_ENDED: &str = "推广活动已结束，请稍后再试";
pub const GOODS_ID_RETIRED: &str = "goodsId已下线，请使用goodsSign来替代";
pub const AUTH_CODE_INVALID: &str = "授权码无效或已过期";
pub const REFRESH_TOKEN_INVALID: &str = "refresh_token无效或已过期";

// OAuth

/// The `owner_name` of the authorizing 多多客.
pub const OWNER_NAME: &str = "模拟多多客";

// Goods records

/// `sales_tip`: `10万+`, `2.3万`, `856`.
pub fn sales_tip(sales: i64) -> String {
    if sales >= 100_000 {
        "10万+".into()
    } else if sales >= 10_000 {
        format!("{}.{}万", sales / 10_000, (sales % 10_000) / 1_000)
    } else {
        sales.to_string()
    }
}

/// The coupon's `unified_tags` entry: `5元券`.
pub fn coupon_tag(yuan: i64) -> String {
    format!("{yuan}元券")
}

/// The shop scores `desc_txt`, `serv_txt`, `lgst_txt`.
pub const SCORE_HIGH: &str = "高";

// The authorization link's mini-program card

pub const AUTH_CARD_SOURCE: &str = "拼多多福利券";
pub const AUTH_CARD_TITLE: &str = "认证页";
pub const AUTH_CARD_DESC: &str = "拼多多，多实惠，多乐趣。";

// Orders

/// `fail_reason` of a refused order (status 4).
pub const REVIEW_FAILED: &str = "审核失败";

/// `order_status_desc` of an order status.
pub fn order_status_desc(status: i64) -> &'static str {
    match status {
        0 => "已支付",
        1 => "已成团",
        2 => "确认收货",
        3 => "审核成功",
        4 => "审核失败（不可提现）",
        5 => "已经结算",
        _ => "未知",
    }
}
