//! Every user-facing reply text, in Chinese, in one place.

use crate::affiliate::{Conversion, Product};
use crate::platform::Platform;

/// Errors as members see them. Internal causes go to logs and metrics, never into chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The platform is down, throttling us or misconfigured.
    UnionUnavailable,
    /// The item exists but earns no commission.
    NoCommission,
    /// The link does not lead to a promotable item.
    NotAPromotableItem,
    /// A link of a platform we do not serve.
    UnsupportedPlatform(&'static str),
}

pub fn reply_error(e: &ReplyError) -> String {
    match e {
        ReplyError::UnionUnavailable => "联盟接口繁忙，请稍后再试～".to_string(),
        ReplyError::NoCommission => "这个商品暂时没有推广佣金，换一个试试吧～".to_string(),
        ReplyError::NotAPromotableItem => "这个链接暂时无法转换，请确认是商品链接后再试～".to_string(),
        ReplyError::UnsupportedPlatform(name) => format!("暂不支持{name}的链接，目前支持拼多多、京东、淘宝～"),
    }
}

/// The `@昵称` prefix that must accompany an `ats` entry (U+2005 after the name, as WeChat writes it).
pub fn mention(nickname: &str) -> String {
    format!("@{nickname}\u{2005}")
}

pub fn platform_name(p: Platform) -> &'static str {
    p.display_name()
}

/// The default copy text (文案) for a converted product.
pub fn default_copy(c: &Conversion) -> String {
    let p: &Product = &c.product;
    let mut out = String::new();
    out.push_str(&format!("【{}】{}\n", platform_name(p.platform), p.title));
    match &p.coupon {
        Some(coupon) if p.final_price < p.price => {
            out.push_str(&format!("券后价 {}（原价 {}，券 {}）\n", p.final_price, p.price, coupon.amount));
        }
        _ => out.push_str(&format!("到手价 {}\n", p.final_price)),
    }
    if let Some(cmd) = &c.promotion.command {
        out.push_str(&format!("口令：{cmd}\n"));
    }
    out.push_str(&format!("下单链接：{}", c.promotion.best_url()));
    out
}

pub const MEMBER_FALLBACK_NAME: &str = "群友";

/// Asks a member to authorize (备案) with Pinduoduo so that their orders are counted for them.
pub fn pdd_binding_invite(url: &str) -> String {
    format!("为了给你记录拼多多返利，请先点击完成一次授权（只需一次）：{url}")
}
