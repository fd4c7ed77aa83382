//! Copy templates (文案) owners set with `设置文案`: text with placeholders filled from a conversion.
//!
//! Placeholders: {标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}. A template is validated when it is
//! saved (known placeholders only, balanced braces, a way to buy: {链接} or {口令}), so rendering never fails.

use crate::affiliate::Conversion;
use crate::engine::text::copy::{self as words, PLACEHOLDERS};
use crate::money::Fen;

/// Longest accepted template, in characters.
pub const MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("unknown placeholder {{{0}}}")]
    Unknown(String),
    #[error("unbalanced braces")]
    Unbalanced,
    #[error("no link")]
    NoLink,
}

impl CopyError {
    /// Why the template is refused, in Chinese (chat and dashboard).
    pub fn reason(&self) -> String {
        match self {
            CopyError::Empty => words::EMPTY.to_string(),
            CopyError::TooLong => words::too_long(MAX_CHARS),
            CopyError::Unknown(name) => words::unknown(name),
            CopyError::Unbalanced => words::UNBALANCED.to_string(),
            CopyError::NoLink => words::NO_LINK.to_string(),
        }
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn pieces(t: &str) -> Result<Vec<Piece<'_>>, CopyError> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                out.push(Piece::Text(rest));
                break;
            }
            Some(i) if rest[i..].starts_with('}') => return Err(CopyError::Unbalanced),
            Some(i) => {
                if i > 0 {
                    out.push(Piece::Text(&rest[..i]));
                }
                let after = &rest[i + 1..];
                let close = after.find('}').ok_or(CopyError::Unbalanced)?;
                let name = &after[..close];
                if name.contains('{') {
                    return Err(CopyError::Unbalanced);
                }
                if !PLACEHOLDERS.contains(&name) {
                    return Err(CopyError::Unknown(name.to_string()));
                }
                out.push(Piece::Field(name));
                rest = &after[close + 1..];
            }
        }
    }
    Ok(out)
}

/// Checks a template before it is saved.
pub fn validate(t: &str) -> Result<(), CopyError> {
    if t.trim().is_empty() {
        return Err(CopyError::Empty);
    }
    if t.chars().count() > MAX_CHARS {
        return Err(CopyError::TooLong);
    }
    let p = pieces(t)?;
    if !p.iter().any(|p| matches!(p, Piece::Field(words::LINK) | Piece::Field(words::COMMAND))) {
        return Err(CopyError::NoLink);
    }
    Ok(())
}

/// Fills the template; `{预估返利}` is `rebate`, the member's share of the commission. An invalid template (never
/// saved through [`validate`]) renders as `None`.
pub fn render(t: &str, c: &Conversion, rebate: Fen) -> Option<String> {
    let p = &c.product;
    let mut out = String::with_capacity(t.len() + 64);
    for piece in pieces(t).ok()? {
        match piece {
            Piece::Text(s) => out.push_str(s),
            Piece::Field(name) => {
                let value = match name {
                    words::TITLE => p.title.clone(),
                    words::FINAL_PRICE => p.final_price.to_string(),
                    words::PRICE => p.price.to_string(),
                    words::COUPON => {
                        p.coupon.as_ref().map(|c| c.amount.to_string()).unwrap_or_else(|| words::NO_COUPON.to_string())
                    }
                    words::REBATE => rebate.to_string(),
                    words::LINK => c.promotion.best_url().to_string(),
                    words::COMMAND => c.promotion.command.clone().unwrap_or_default(),
                    _ => String::new(),
                };
                out.push_str(&value);
            }
        }
    }
    Some(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affiliate::{Coupon, Product, Promotion};
    use crate::money::{Bps, Fen};
    use crate::platform::Platform;

    fn conversion(coupon: bool, command: Option<&str>) -> Conversion {
        Conversion {
            product: Product {
                platform: Platform::Jd,
                item_id: "100087654321".into(),
                title: "小米 蓝牙耳机".into(),
                image_url: None,
                shop_name: None,
                sales: None,
                sales_text: None,
                price: Fen(6990),
                coupon: coupon.then_some(Coupon {
                    amount: Fen(1000),
                    threshold: Fen(0),
                    starts_at: None,
                    ends_at: None,
                }),
                final_price: Fen(if coupon { 5990 } else { 6990 }),
                commission_rate: Bps(1000),
                estimated_commission: Fen(599),
            },
            promotion: Promotion {
                url: "https://union-click.jd.com/jdc?d=long".into(),
                short_url: Some("https://u.jd.com/AbCd".into()),
                command: command.map(str::to_string),
                expires_at: None,
            },
            member_dropped: false,
        }
    }

    #[test]
    fn every_placeholder_renders() {
        let t = "{标题}|{券后价}|{原价}|{优惠券}|{预估返利}|{链接}|{口令}";
        validate(t).unwrap();
        assert_eq!(
            render(t, &conversion(true, Some("￥AbCd1234567￥")), Fen(299)).unwrap(),
            "小米 蓝牙耳机|¥59.90|¥69.90|¥10.00|¥2.99|https://u.jd.com/AbCd|￥AbCd1234567￥"
        );
        assert_eq!(
            render("🔥{标题} 券:{优惠券}\n{链接}{口令}", &conversion(false, None), Fen(0)).unwrap(),
            "🔥小米 蓝牙耳机 券:无\nhttps://u.jd.com/AbCd"
        );
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        assert_eq!(validate("  "), Err(CopyError::Empty));
        assert_eq!(validate("{标题} {价格} {链接}"), Err(CopyError::Unknown("价格".into())));
        assert_eq!(validate("{标题 {链接}"), Err(CopyError::Unbalanced));
        assert_eq!(validate("{标题} } {链接}"), Err(CopyError::Unbalanced));
        assert_eq!(validate("{链接"), Err(CopyError::Unbalanced));
        assert_eq!(validate("{标题} 快买"), Err(CopyError::NoLink));
        assert_eq!(validate(&"买".repeat(MAX_CHARS + 1)), Err(CopyError::TooLong));
        assert!(validate("{口令}").is_ok());
        assert_eq!(render("{价格}", &conversion(true, None), Fen(0)), None);
    }
}
