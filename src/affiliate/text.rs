//! The affiliate clients' Chinese: the phrases of the unions' answers the clients match to tell a refusal's kind
//! or read a coupon, the union terms their error and log lines name, and the 多多进宝 authorization states the
//! dashboard shows.

use crate::platform::Platform;

// Terms in error and log lines.
/// A member's registration with a PID (PDD), required by some union APIs.
pub const FILING: &str = "备案";
/// A Taobao share token.
pub const TAOBAO_TOKEN: &str = "淘口令";

// 多多进宝 answers (spec §1.4).
/// Words of a 50001 message about a material that does not exist or is no longer promoted.
pub const PDD_NOT_FOUND: [&str; 3] = ["非法", "不存在", "已下线"];

// 京东联盟 answers (spec §2.4).
/// An item out of promotion.
pub const JD_NOT_PROMOTED: &str = "不在推广";
/// A material that does not exist: [`JD_MATERIAL`] and one of [`JD_INVALID`].
pub const JD_MATERIAL: &str = "物料";
pub const JD_INVALID: [&str; 2] = ["不合法", "不存在"];

// 淘宝联盟 answers (spec §3.4).
pub const TAOBAO_NOT_FOUND: &str = "非法的物料";
pub const TAOBAO_NO_COMMISSION: [&str; 3] = ["不支持推广", "不在推广", "无佣金"];
/// `满299元减20元`: a coupon's threshold and amount, as a pattern.
pub const TAOBAO_COUPON_DESC: &str = r"满([0-9]+(?:\.[0-9]+)?)元减([0-9]+(?:\.[0-9]+)?)元";
/// The 到手价 path entry of the item's coupon.
pub const TAOBAO_ITEM_COUPON: &str = "商品券";

// Conversion.
/// No PID of `platform` to convert with.
pub fn no_pid(platform: Platform) -> String {
    format!("{}没有推广位", platform.display_name())
}

// 多多进宝 authorization status.
pub const PDD_NOT_AUTHORIZED: &str = "尚未授权多多进宝：转链正常，需授权的功能（多多客工具接口）不可用";
pub const PDD_LAPSED: &str = "多多进宝授权已过期：转链仍正常，需授权的接口已停止，请重新授权";
pub fn pdd_expiring(days: i64) -> String {
    format!("多多进宝授权将在 {days} 天内过期，请尽快重新授权")
}
pub const PDD_AUTHORIZED: &str = "多多进宝授权正常";
