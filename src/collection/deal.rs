//! Turning a source message into our deal, without I/O: clean it, find every product reference, refuse anything
//! that would leave a foreign link, 口令 or mini-program behind ([`prepare`]); then, with one promotion per
//! reference converted for a target group, replace each reference in place by ours in the same shape
//! ([`rewrite`]) and check the result holds nothing but our references.

use super::clean::Cleaner;
use super::source::SourceSpec;
use super::text;
use crate::affiliate::{Conversion, Promotion};
use crate::chat::InboundKind;
use crate::links::{self, ProductRef, RecognizerOptions, RefKind};
use crate::platform::Platform;
use std::ops::Range;
use std::sync::LazyLock;

/// Most references converted in one source message.
pub const MAX_REFS: usize = 10;
/// Longest source text handled, in bytes; longer messages are dropped.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

static OPTIONS: LazyLock<RecognizerOptions> =
    LazyLock::new(|| RecognizerOptions { max_refs: MAX_REFS + 1, ..RecognizerOptions::default() });

/// Why a source message (or its copy for one group) is not forwarded. `code()` is what the store and the stats
/// keep; `Display` is the Chinese shown on the 采集 page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    #[error("{}", text::DROP_SENDER)]
    Sender,
    #[error("{}", text::DROP_NO_PRODUCT)]
    NoProduct,
    #[error("{}", text::DROP_TOO_BIG)]
    TooBig,
    #[error("{}", text::drop_excluded(.0))]
    Excluded(String),
    #[error("{}", text::DROP_NOT_INCLUDED)]
    NotIncluded,
    #[error("{}", text::drop_platform(.0))]
    Platform(&'static str),
    #[error("{}", text::drop_unsupported(.0))]
    Unsupported(&'static str),
    #[error("{}", text::drop_unconverted(.0))]
    Unconverted(&'static str),
    #[error("{}", text::drop_conversion(.0))]
    Conversion(String),
    #[error("{}", text::drop_below_minimum(.0))]
    BelowMinimum(&'static str),
    #[error("{}", text::DROP_DUPLICATE)]
    Duplicate,
    #[error("{}", text::DROP_NO_TARGET)]
    NoTarget,
}

impl DropReason {
    /// A stable code for the store and the stats.
    pub fn code(&self) -> &'static str {
        match self {
            DropReason::Sender => "sender",
            DropReason::NoProduct => "no_product",
            DropReason::TooBig => "too_big",
            DropReason::Excluded(_) => "excluded",
            DropReason::NotIncluded => "not_included",
            DropReason::Platform(_) => "platform",
            DropReason::Unsupported(_) => "unsupported",
            DropReason::Unconverted(_) => "unconverted",
            DropReason::Conversion(_) => "conversion",
            DropReason::BelowMinimum(_) => "below_minimum",
            DropReason::Duplicate => "duplicate",
            DropReason::NoTarget => "no_target",
        }
    }
}

/// A cleaned source message and its references, ready to convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The copy text to keep (cleaned), holding every reference's `raw`.
    pub text: String,
    pub refs: Vec<ProductRef>,
}

/// A source message as collection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// Plain text (or the new text of a quote).
    Text(&'a str),
    /// A link or mini-program card: its fields as the chat layer parsed them, its XML and its title.
    Card { card: &'a InboundKind, xml: &'a str, title: &'a str },
}

impl<'a> Message<'a> {
    /// The message of an inbound kind; `None` for kinds that carry no deal (images, joins, system notices).
    pub fn of(kind: &'a InboundKind, text: &'a str) -> Option<Message<'a>> {
        match kind {
            InboundKind::Text => Some(Message::Text(text)),
            InboundKind::Quote { text } => Some(Message::Text(text)),
            InboundKind::Link { title, .. } | InboundKind::MiniProgram { title, .. } => {
                Some(Message::Card { card: kind, xml: text, title })
            }
            _ => None,
        }
    }
}

/// Cleans the message and finds its references: a text keeps its copy, a card becomes its title followed by the
/// references it holds (each replaced later by our link). `announcer`: a message without any product may go out
/// as it is.
pub fn prepare(m: Message<'_>, spec: &SourceSpec, cleaner: &Cleaner, announcer: bool) -> Result<Prepared, DropReason> {
    let (body, card) = match m {
        Message::Text(body) => (body, None),
        Message::Card { card, xml, title } => (title, Some((card, xml))),
    };
    let card_xml = card.map(|(_, xml)| xml);
    if body.len() + card_xml.map_or(0, str::len) > MAX_BODY_BYTES {
        return Err(DropReason::TooBig);
    }
    let mut text = cleaner.clean(body);
    let refs = match card {
        None => links::recognize_with(&text, &OPTIONS),
        Some((card, _)) => {
            let refs = links::recognize_message(card, "", &OPTIONS);
            for r in &refs {
                text.push('\n');
                text.push_str(&r.raw);
            }
            refs
        }
    };
    if refs.len() > MAX_REFS {
        return Err(DropReason::TooBig);
    }
    if refs.is_empty() && (card_xml.is_some() || !announcer || text.trim().is_empty()) {
        return Err(match links::unsupported_platform(card_xml.unwrap_or(text.as_str())) {
            Some(name) => DropReason::Unsupported(name),
            None => DropReason::NoProduct,
        });
    }
    if let Some(word) = spec.exclude.iter().find(|w| text.contains(w.trim())) {
        return Err(DropReason::Excluded(word.trim().to_string()));
    }
    if !refs.is_empty() && !spec.include.is_empty() && !spec.include.iter().any(|w| text.contains(w.trim())) {
        return Err(DropReason::NotIncluded);
    }
    if let Some(r) = refs.iter().find(|r| !spec.platforms.is_empty() && !spec.platforms.contains(&r.platform)) {
        return Err(DropReason::Platform(r.platform.display_name()));
    }
    let spans = ref_spans(&text, &refs).ok_or(DropReason::Unconverted(text::LINK))?;
    let rest = blank(&text, spans.iter().map(|(range, _, _)| range.clone()));
    if let Some(name) = links::unsupported_platform(&rest) {
        return Err(DropReason::Unsupported(name));
    }
    if let Some(what) = leftover(&rest) {
        return Err(DropReason::Unconverted(what));
    }
    Ok(Prepared { text, refs })
}

/// The headline (first) item against the source's minimums.
pub fn meets_minimums(spec: &SourceSpec, headline: &Conversion) -> Result<(), DropReason> {
    let p = &headline.product;
    if p.final_price < spec.min_price {
        return Err(DropReason::BelowMinimum(text::PRICE));
    }
    if p.coupon.as_ref().map(|c| c.amount).unwrap_or_default() < spec.min_coupon {
        return Err(DropReason::BelowMinimum(text::COUPON));
    }
    if p.estimated_commission < spec.min_commission {
        return Err(DropReason::BelowMinimum(text::COMMISSION));
    }
    Ok(())
}

/// A message rewritten for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    /// Every piece of ours placed in the text (links and 口令).
    pub ours: Vec<String>,
}

/// Replaces each reference of `prepared` by the matching promotion (same order), in the same shape: a 淘口令 by
/// our 淘口令, a link by our short link. Refuses a result in which anything not ours remains.
pub fn rewrite(prepared: &Prepared, promotions: &[&Promotion]) -> Result<Rewritten, DropReason> {
    if promotions.len() != prepared.refs.len() {
        return Err(DropReason::Unconverted(text::LINK));
    }
    let text = &prepared.text;
    let spans = ref_spans(text, &prepared.refs).ok_or(DropReason::Unconverted(text::LINK))?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut ours = Vec::new();
    let mut last = 0;
    for (range, index, part) in spans {
        let piece = our_piece(&prepared.refs[index], promotions[index], part);
        out.push_str(&text[last..range.start]);
        out.push_str(&piece);
        ours.push(piece);
        last = range.end;
    }
    out.push_str(&text[last..]);
    check_ours(&out, &ours)?;
    Ok(Rewritten { text: out, ours })
}

/// Nothing in `text` but `ours`: every reference the recognizer finds is one of ours, and once ours are blanked
/// no link, 口令 or mini-program path is left.
pub fn check_ours(text: &str, ours: &[String]) -> Result<(), DropReason> {
    let is_ours = |s: &str| ours.iter().any(|o| o == s || o.contains(s));
    for r in links::recognize_with(text, &OPTIONS) {
        let url_ours = r.url.as_deref().is_none_or(is_ours);
        if !(is_ours(&r.raw) && url_ours) {
            return Err(DropReason::Unconverted(text::LINK));
        }
    }
    let mut ranges = Vec::new();
    for o in ours.iter().filter(|o| !o.is_empty()) {
        ranges.extend(text.match_indices(o.as_str()).map(|(at, s)| at..at + s.len()));
    }
    ranges.sort_by_key(|r| r.start);
    match leftover(&blank(text, ranges.into_iter())) {
        Some(what) => Err(DropReason::Unconverted(what)),
        None => Ok(()),
    }
}

/// Which part of a reference a span covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The matched `raw`.
    Raw,
    /// The link of a 淘口令 merged with its tb.cn link.
    MergedUrl,
}

/// The spans of every reference in `text` (its `raw`, and the URL of a 淘口令 merged with its link), in order,
/// without overlaps; `None` when a reference cannot be found in the text.
fn ref_spans(text: &str, refs: &[ProductRef]) -> Option<Vec<(Range<usize>, usize, Part)>> {
    let mut spans: Vec<(Range<usize>, usize, Part)> = Vec::new();
    let taken = |spans: &[(Range<usize>, usize, Part)], at: &Range<usize>| {
        spans.iter().any(|(r, _, _)| r.start < at.end && at.start < r.end)
    };
    let find = |spans: &[(Range<usize>, usize, Part)], needle: &str| {
        text.match_indices(needle).map(|(at, s)| at..at + s.len()).find(|range| !taken(spans, range))
    };
    for (index, r) in refs.iter().enumerate() {
        if r.raw.is_empty() {
            return None;
        }
        // Every occurrence: a deal often repeats its link.
        let first = find(&spans, &r.raw)?;
        spans.push((first, index, Part::Raw));
        while let Some(range) = find(&spans, &r.raw) {
            spans.push((range, index, Part::Raw));
        }
        if r.kind == RefKind::Token
            && let Some(url) = r.url.as_deref().filter(|u| *u != r.raw && !r.raw.contains(*u))
        {
            while let Some(range) = find(&spans, url) {
                spans.push((range, index, Part::MergedUrl));
            }
        }
    }
    spans.sort_by_key(|(r, _, _)| r.start);
    Some(spans)
}

/// Our replacement for one part of a reference: a 淘口令 by our 淘口令 (the token of our command), anything else
/// by our short link.
fn our_piece(r: &ProductRef, p: &Promotion, part: Part) -> String {
    let link = p.best_url().to_string();
    if part == Part::MergedUrl || r.kind != RefKind::Token {
        return link;
    }
    p.command
        .as_deref()
        .and_then(|c| links::recognize_with(c, &OPTIONS).into_iter().find(|t| t.kind == RefKind::Token))
        .and_then(|t| t.token.map(|body| links::text::marked_token(&body)))
        .unwrap_or(link)
}

fn blank(text: &str, ranges: impl Iterator<Item = Range<usize>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in ranges {
        if r.start < last {
            continue;
        }
        out.push_str(&text[last..r.start]);
        out.push(' ');
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

/// What looks like a link, 口令 or mini-program path in text that should hold none: `None` when clean.
pub fn leftover(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("http://") || lower.contains("https://") || lower.contains("www.") {
        return Some(text::LINK);
    }
    if text::MINI_PROGRAM_MARKS.iter().any(|m| text.contains(m)) || lower.contains(".html?") {
        return Some(text::MINI_PROGRAM);
    }
    if has_domain(&lower) {
        return Some(text::LINK);
    }
    if has_token(text) {
        return Some(text::TOKEN);
    }
    None
}

/// A bare domain link such as `u.jd.com/Ab12Cd3` or `m.tb.cn/h.xyz` (no scheme).
fn has_domain(lower: &str) -> bool {
    const TLDS: &[&str] = &[".com/", ".cn/", ".net/", ".cc/", ".top/", ".vip/", ".hk/", ".me/", ".io/", ".ly/"];
    TLDS.iter().any(|tld| {
        lower.match_indices(tld).any(|(at, _)| {
            let host_char = lower[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
            let path_char = lower[at + tld.len()..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            host_char && path_char
        })
    })
}

/// A 口令-like run: 8 to 16 ASCII letters and digits, mixing upper case, lower case and digits, next to a token
/// marker.
fn has_token(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &chars[start..i];
        let mixed = run.iter().any(char::is_ascii_uppercase)
            && run.iter().any(char::is_ascii_lowercase)
            && run.iter().any(char::is_ascii_digit);
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        let marked = [before, after].into_iter().flatten().any(|c| text::TOKEN_MARKERS.contains(&c));
        if (8..=16).contains(&run.len()) && mixed && marked {
            return true;
        }
    }
    false
}

/// The platform and key of every reference (pre-conversion de-duplication).
pub fn keys(refs: &[ProductRef]) -> Vec<(Platform, String)> {
    refs.iter().map(|r| (r.platform, r.key.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_links_tokens_and_mini_program_paths() {
        assert_eq!(leftover("好价 https://vip.com/x"), Some("链接"));
        assert_eq!(leftover("复制 u.jd.com/Ab12Cd3 打开"), Some("链接"));
        assert_eq!(leftover("€Ab3dEf9GhJk€ 打开某宝"), Some("口令"));
        assert_eq!(leftover("#小程序://京东购物/abc"), Some("小程序"));
        assert_eq!(leftover("【券后9.9】iPhone 15 手机壳，满99减10，买2件更划算"), None);
        assert_eq!(leftover("今晚8点有大额券，记得蹲"), None);
    }

    fn promotion(url: &str, command: Option<&str>) -> Promotion {
        Promotion { url: url.into(), short_url: None, command: command.map(str::to_string), expires_at: None }
    }

    #[test]
    fn a_token_becomes_our_token_and_a_link_our_link_in_place() {
        let spec = SourceSpec::default();
        let body = "【限时】保温杯 券后19.9\n￥Hd4kLp9WnQz￥ 复制打开\n京东同款 https://u.jd.com/Xy12Ab3 抢";
        let p = prepare(Message::Text(body), &spec, &Cleaner::default(), false).unwrap();
        assert_eq!(p.refs.len(), 2);
        let tb = promotion(
            "https://s.click.taobao.com/Our1234",
            Some("66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9"),
        );
        let jd = promotion("https://u.jd.com/Our9876", None);
        let out = rewrite(&p, &[&tb, &jd]).unwrap();
        assert_eq!(out.text, "【限时】保温杯 券后19.9\n￥Vb6nTq2LmZx￥ 复制打开\n京东同款 https://u.jd.com/Our9876 抢");
    }

    #[test]
    fn an_unsupported_link_beside_a_product_drops_the_message() {
        let body = "拼多多 https://p.pinduoduo.com/Ab12Cd34 唯品会 https://m.vip.com/product-1-2.html";
        let err = prepare(Message::Text(body), &SourceSpec::default(), &Cleaner::default(), false).unwrap_err();
        assert_eq!(err.code(), "unsupported");
    }
}
