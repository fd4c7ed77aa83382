//! The texts a poster shows, formatted from the product: `¥12.90`, `券 ¥20`, `已售 1.2万`, `预估返 ¥1.23`, and
//! the cleaned title.

use super::text;
use crate::money::Fen;

/// `¥12.90`.
pub fn price(f: Fen) -> String {
    f.to_string()
}

/// `券 ¥20`, `券 ¥5.5`.
pub fn coupon(amount: Fen) -> String {
    text::coupon(&amount.yuan_compact())
}

/// `预估返 ¥1.23`.
pub fn rebate(amount: Fen) -> String {
    text::rebate(&amount.to_string())
}

/// `已售 9876`, `已售 1.2万`, `已售 3.4亿`, or the platform's own wording (`已售 10万+`). Counts are rounded down, so
/// a poster never overstates sales.
pub fn sales(count: Option<i64>, text: Option<&str>) -> Option<String> {
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        return Some(text::sold(t));
    }
    let n = count.filter(|&n| n > 0)?;
    let short = |unit: i64, name: &str| {
        let tenths = n / (unit / 10);
        if tenths % 10 == 0 {
            format!("{}{name}", tenths / 10)
        } else {
            format!("{}.{}{name}", tenths / 10, tenths % 10)
        }
    };
    Some(text::sold(&match n {
        ..10_000 => n.to_string(),
        10_000..100_000_000 => short(10_000, text::TEN_THOUSAND),
        _ => short(100_000_000, text::HUNDRED_MILLION),
    }))
}

/// Emoji and their joiners and selectors: no shipped face draws them, so titles drop them.
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2B00..=0x2BFF | 0xFE00..=0xFE0F | 0x200D | 0x20E3 | 0xE0000..=0xE007F)
}

/// The title as drawn: emoji and control characters removed, runs of white space collapsed to one space.
pub fn clean_title(title: &str) -> String {
    let kept: String = title.chars().filter(|&c| !is_emoji(c)).map(|c| if c.is_control() { ' ' } else { c }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_coupons_and_rebates_read_the_chinese_way() {
        assert_eq!(price(Fen(1290)), "¥12.90");
        assert_eq!(price(Fen(5)), "¥0.05");
        assert_eq!(coupon(Fen(2000)), "券 ¥20");
        assert_eq!(coupon(Fen(550)), "券 ¥5.5");
        assert_eq!(rebate(Fen(123)), "预估返 ¥1.23");
    }

    #[test]
    fn sales_use_wan_and_yi_rounded_down() {
        assert_eq!(sales(Some(9876), None).as_deref(), Some("已售 9876"));
        assert_eq!(sales(Some(12_345), None).as_deref(), Some("已售 1.2万"));
        assert_eq!(sales(Some(19_999), None).as_deref(), Some("已售 1.9万"));
        assert_eq!(sales(Some(10_000), None).as_deref(), Some("已售 1万"));
        assert_eq!(sales(Some(345_678_901), None).as_deref(), Some("已售 3.4亿"));
        assert_eq!(sales(Some(0), None), None);
        assert_eq!(sales(None, None), None);
        assert_eq!(sales(Some(5), Some("10万+")).as_deref(), Some("已售 10万+"));
    }

    #[test]
    fn titles_lose_emoji_and_extra_space() {
        assert_eq!(clean_title("🔥爆款 👍🏻 焗油膏\n\t500ml ❤️"), "爆款 焗油膏 500ml ❤");
        assert_eq!(clean_title("👨‍👩‍👧家庭装"), "家庭装");
    }
}
