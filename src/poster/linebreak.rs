//! Line breaking for poster titles: UAX #14 break opportunities (`unicode-linebreak`) filtered by the Chinese
//! rules of clreq (禁则), then a greedy fill with push-out, a line limit and a closing `…`.
//!
//! - Closing and mid-sentence punctuation never starts a line (`，。、；：？！…—）》」』】`).
//! - Opening brackets never end a line (`（《「『【“‘`).
//! - Numbers and Latin words stay whole (`12GB`, `iPhone`, `1299.00`), unless one alone is wider than the line.
//!
//! Push-out: when the next unbreakable unit (say `像！`) does not fit, the whole unit moves down, so the
//! punctuation takes the preceding character with it.

use super::text;
use unicode_linebreak::{BreakOpportunity, linebreaks};

pub const ELLIPSIS: char = '…';

fn may_start(c: char) -> bool {
    !text::NO_LINE_START.contains(c)
}

fn may_end(c: char) -> bool {
    !text::NO_LINE_END.contains(c)
}

/// Ideographs and full-width forms: a break between one of them and a quote mark is allowed (UAX #14 LB19a,
/// Unicode 15.1; `unicode-linebreak` implements 15.0, which keeps quotes glued to their neighbours).
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF01..=0xFF60 | 0x20000..=0x3FFFF)
}

fn east_asian_quote_break(prev: char, next: char) -> bool {
    (matches!(next, '“' | '‘') && is_wide(prev)) || (matches!(prev, '”' | '’') && is_wide(next))
}

/// Byte offsets where a new line may start, in order, ending with `text.len()`.
fn break_points(text: &str) -> Vec<usize> {
    let kinsoku_ok = |i: usize| {
        let next_ok = text[i..].chars().next().is_some_and(may_start);
        let prev_ok = text[..i].trim_end().chars().next_back().is_none_or(may_end);
        next_ok && prev_ok
    };
    let uax14 = linebreaks(text)
        .filter(|&(i, op)| i < text.len() && (op == BreakOpportunity::Mandatory || kinsoku_ok(i)))
        .map(|(i, _)| i);
    let quotes = text
        .char_indices()
        .zip(text.chars().skip(1))
        .filter(|&((_, prev), next)| east_asian_quote_break(prev, next))
        .map(|((i, prev), _)| i + prev.len_utf8())
        .filter(|&i| kinsoku_ok(i));
    let mut out: Vec<usize> = uax14.chain(quotes).collect();
    out.sort_unstable();
    out.dedup();
    out.push(text.len());
    out
}

fn width(s: &str, advance: &impl Fn(char) -> f32) -> f32 {
    s.chars().map(advance).sum()
}

/// Wraps `text` into at most `max_lines` lines no wider than `max_width` (as measured by `advance`, the width of
/// one character). When the text does not fit, the last line ends with `…`.
pub fn wrap(text: &str, max_width: f32, max_lines: usize, advance: impl Fn(char) -> f32) -> Vec<String> {
    let max_lines = max_lines.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for end in break_points(text) {
        let unit = &text[start..end];
        start = end;
        let candidate = format!("{line}{unit}");
        if width(candidate.trim_end(), &advance) <= max_width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        line = String::new();
        // A unit wider than the line (a long Latin word or number) is cut by characters.
        for c in unit.trim_start().chars() {
            if !line.is_empty() && width(&line, &advance) + advance(c) > max_width && !c.is_whitespace() {
                let carry = push_out(&mut line, c);
                lines.push(line.trim_end().to_string());
                line = carry;
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, max_width, &advance);
        }
    }
    lines
}

/// Before cutting `line` ahead of `next`: the characters that must move down with `next` (the one before a
/// closing mark, and any opening bracket at the end), keeping at least one character on the line.
fn push_out(line: &mut String, next: char) -> String {
    let mut carry = Vec::new();
    if !may_start(next) && line.chars().count() > 1 {
        carry.extend(line.pop());
    }
    while line.chars().count() > 1 && line.chars().next_back().is_some_and(|c| !may_end(c)) {
        carry.extend(line.pop());
    }
    carry.iter().rev().collect()
}

/// `line` shortened until `line…` fits, never leaving an opening bracket or a space before the `…`.
fn ellipsize(line: &str, max_width: f32, advance: &impl Fn(char) -> f32) -> String {
    let mut s = line.to_string();
    loop {
        let trimmed = s.trim_end();
        let fits = width(trimmed, advance) + advance(ELLIPSIS) <= max_width;
        if fits && trimmed.chars().next_back().is_none_or(may_end) {
            return format!("{trimmed}{ELLIPSIS}");
        }
        if s.pop().is_none() {
            return ELLIPSIS.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Full-width characters one unit wide, ASCII half a unit.
    fn adv(c: char) -> f32 {
        if c.is_ascii() { 0.5 } else { 1.0 }
    }

    #[test]
    fn closing_punctuation_pushes_the_previous_character_down() {
        assert_eq!(wrap("一二三四五，六七", 5.0, 3, adv), ["一二三四", "五，六七"]);
        assert_eq!(wrap("一二三四五。", 5.0, 3, adv), ["一二三四", "五。"]);
        assert_eq!(wrap("一二三四五！？", 5.0, 3, adv), ["一二三四", "五！？"]);
        assert_eq!(wrap("一二三四五…", 5.0, 3, adv), ["一二三四", "五…"]);
        assert_eq!(wrap("一二三四五）", 5.0, 3, adv), ["一二三四", "五）"]);
        assert_eq!(wrap("一二三四五》", 5.0, 3, adv), ["一二三四", "五》"]);
        assert_eq!(wrap("一二三四五、六", 5.0, 3, adv), ["一二三四", "五、六"]);
    }

    #[test]
    fn an_opening_bracket_never_ends_a_line() {
        assert_eq!(wrap("一二三四《五六》", 5.0, 3, adv), ["一二三四", "《五六》"]);
        assert_eq!(wrap("一二三四（五六）", 5.0, 3, adv), ["一二三四", "（五六）"]);
        assert_eq!(wrap("一二三四“五六”", 5.0, 3, adv), ["一二三四", "“五六”"]);
        assert_eq!(wrap("一二三四【五六】", 5.0, 3, adv), ["一二三四", "【五六】"]);
    }

    #[test]
    fn numbers_and_latin_words_stay_whole() {
        // Width 5: a per-character fill would split `Redmi` and `12GB` and `1299.00`.
        let lines = wrap("小米手机Redmi新款12GB大内存到手1299.00元", 5.0, 9, adv);
        assert!(lines.iter().any(|l| l.contains("Redmi")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("12GB")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("1299.00")), "{lines:?}");
        let lines = wrap("超值iPhone 15 Pro Max", 4.0, 9, adv);
        assert!(lines.iter().any(|l| l.contains("iPhone")), "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')), "{lines:?}");
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_to_fit() {
        let lines = wrap("abcdefghijklmnop", 3.0, 9, adv);
        assert_eq!(lines, ["abcdef", "ghijkl", "mnop"]);
    }

    #[test]
    fn too_many_lines_end_with_an_ellipsis_that_fits() {
        let lines = wrap("一二三四五六七八九十一二三四五六七八九十", 5.0, 2, adv);
        assert_eq!(lines, ["一二三四五", "六七八九…"]);
        // No opening bracket right before the ellipsis.
        let lines = wrap("一二三四五六七八（九十一二", 5.0, 2, adv);
        assert_eq!(lines, ["一二三四五", "六七八…"]);
    }

    #[test]
    fn the_design_title_breaks_by_the_rules() {
        let title = "【官方旗舰店】小米Redmi Note 13 Pro 5G手机，2亿像素超清影像！1.5K高光屏《限时》67W闪充（12GB+256GB）“星沙白”";
        for w in [6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0] {
            let lines = wrap(title, w, 20, adv);
            for (i, l) in lines.iter().enumerate() {
                assert!(width(l, &adv) <= w, "{w}: {lines:?}");
                let first = l.chars().next().unwrap_or(' ');
                let last = l.chars().next_back().unwrap_or(' ');
                assert!(may_start(first) || i == 0, "line starts with {first}: {lines:?}");
                assert!(may_end(last), "line ends with {last}: {lines:?}");
            }
            let joined: String = lines.concat();
            assert_eq!(joined.replace(' ', ""), title.replace(' ', ""));
        }
    }

    proptest! {
        #[test]
        fn lines_fit_and_keep_every_character(
            text in "[一二三四五六七八九十，。！（）《》a-z0-9 ]{0,60}",
            w in 3u32..12,
        ) {
            let w = w as f32;
            let lines = wrap(&text, w, 100, adv);
            for l in &lines {
                prop_assert!(width(l, &adv) <= w || l.chars().count() == 1, "{:?}", lines);
            }
            let joined: String = lines.concat();
            prop_assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        }
    }
}
