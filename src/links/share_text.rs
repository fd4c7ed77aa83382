//! Share-text titles (spec §7): the first 「…」, else the first 【…】 that is not a platform hint.
//! Titles are for display and logs, never keys.

use super::assemble::Piece;
use super::text::{BRACKET, PLATFORM_HINTS, QUOTE};
use regex::Regex;
use std::sync::LazyLock;

static QUOTED: LazyLock<Option<Regex>> = LazyLock::new(|| enclosed(QUOTE));
static BRACKETED: LazyLock<Option<Regex>> = LazyLock::new(|| enclosed(BRACKET));

/// Longest title kept from a card.
const MAX_TITLE_CHARS: usize = 120;

/// 1 to 120 characters between `open` and `close`, captured.
fn enclosed((open, close): (char, char)) -> Option<Regex> {
    Regex::new(&format!("{open}([^{close}]{{1,120}}){close}")).ok()
}

/// The share-text title of `text`, if any.
pub(super) fn title_in(text: &str) -> Option<String> {
    let first = |re: &Option<Regex>, skip_hints: bool| {
        re.as_ref()?.captures_iter(text).find_map(|caps| {
            let title = caps.get(1)?.as_str().trim();
            let unusable = title.is_empty() || (skip_hints && PLATFORM_HINTS.contains(&title));
            (!unusable).then(|| title.to_string())
        })
    };
    first(&QUOTED, false).or_else(|| first(&BRACKETED, true))
}

/// Gives each reference the title found from its start up to the next reference (the first one also
/// owns the text before it, so a single reference gets the title of the whole message).
pub(super) fn assign_titles(text: &str, pieces: &mut [Piece]) {
    for i in 0..pieces.len() {
        let lo = if i == 0 { 0 } else { pieces[i].start };
        let hi = pieces.get(i + 1).map_or(text.len(), |next| next.start.max(pieces[i].end));
        pieces[i].product.title = text.get(lo..hi).and_then(title_in);
    }
}

/// A card's `<title>` as a reference title: trimmed, without a leading platform hint, capped.
pub(super) fn card_title(title: &str) -> Option<String> {
    let mut title = title.trim();
    for hint in PLATFORM_HINTS {
        if let Some(rest) =
            title.strip_prefix(BRACKET.0).and_then(|t| t.strip_prefix(hint)).and_then(|t| t.strip_prefix(BRACKET.1))
        {
            title = rest.trim_start();
        }
    }
    let title: String = title.chars().take(MAX_TITLE_CHARS).collect();
    let title = title.trim_end();
    (!title.is_empty()).then(|| title.to_string())
}
