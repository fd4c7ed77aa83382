//! The simulated Taobao Open Platform gateway's Chinese (affiliates spec §3, feeds spec §3, links.md §6): its
//! `sub_msg`s, verbatim from the spec where it records them, the 淘口令 it writes and reads, and the fixed texts
//! of its item, coupon and order records.

// Errors (`sub_msg`)

pub fn missing_parameter(name: &str) -> String {
    format!("缺少必填参数:{name}")
}

pub fn invalid_parameter(name: &str) -> String {
    format!("参数非法:{name}")
}

pub const REMOTE_SERVICE_ERROR: &str = "服务暂时不可用，请稍后重试";
pub const SESSION_INVALID: &str = "SessionKey非法";
/// Also the `msg` of a link conversion result (code 30001).
pub const MATERIAL_INVALID: &str = "非法的物料id";
/// The `msg` of a link conversion result (code 30002).
pub const NOT_PROMOTABLE: &str = "该商品不支持推广";
pub const TPWD_URL_UNSUPPORTED: &str = "口令跳转url不支持口令转换";
pub const ORDER_WINDOW_TOO_LONG: &str = "查询时间跨度不能超过3小时";
pub const INVITE_CODE_INVALID: &str = "邀请码不存在或已失效";
pub const PUBLISHER_SELF: &str = "不能绑定自己的账号";

// `publisher.info.save` (`desc`)

pub const BOUND: &str = "绑定成功";
pub const ALREADY_BOUND_CHANNEL: &str = "重复绑定渠道";
pub const ALREADY_BOUND_MEMBER: &str = "重复绑定粉丝";

// 淘口令

/// Strong 淘口令 markers (`links.md` §6.2).
pub const MARKERS: &[char] = &['￥', '¥', '$', '€', '£', '₤', '₳', '¢', '₴', '₰', '₵', '₲', '₱', '₹'];

/// The bare 淘口令: `￥Rt7bQm2XzPa￥`.
pub fn tpwd(body: &str) -> String {
    format!("￥{body}￥")
}

/// The short share text: `66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.… <title>`.
pub fn tpwd_share(prefix: u64, share_code: &str, body: &str, h_code: &str, title: &str) -> String {
    format!("{prefix:02}￥ {share_code} {body}￥ https://m.tb.cn/{h_code}  {title}")
}

/// The long share text with its obfuscated words.
pub fn tpwd_long(body: &str, h_code: &str, title: &str) -> String {
    format!("6復製内容￥{body}￥打k?τao寶?或點擊炼接 https://m.tb.cn/{h_code} 至瀏.覽.器【{title}】")
}

// Item, coupon and order records

pub const PROVINCE_CITY: &str = "浙江 杭州";
pub const CATEGORY_NAME: &str = "居家日用";
pub const LEAF_CATEGORY_NAME: &str = "日用百货";
/// The `promotion_title` of a coupon in the price path.
pub const ITEM_COUPON: &str = "商品券";

/// `coupon_desc`: `满30元减5元` (amounts in 元 as the coupon fields write them).
pub fn coupon_desc(threshold_yuan: &str, amount_yuan: &str) -> String {
    format!("满{threshold_yuan}元减{amount_yuan}元")
}

pub const ADZONE_NAME: &str = "微信群推广";
pub const ORDER_TYPE_TMALL: &str = "天猫";
pub const ORDER_TYPE_TAOBAO: &str = "淘宝";
pub const TERMINAL_WIRELESS: &str = "无线";
