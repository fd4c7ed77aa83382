//! 淘口令 (Taobao share token) scan, spec §6: an exact-length ASCII alphanumeric body with at least one
//! letter, between strong markers (optionally after a share code `[A-Z]{2}[0-9]{4}`), or between weak
//! markers when the message mentions Taobao. Runs on the text with its URLs blanked out.

use super::RecognizerOptions;
use std::ops::Range;

/// One 淘口令 occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoundToken {
    /// From the opening marker to the closing marker, inclusive.
    pub span: Range<usize>,
    /// The token body.
    pub body: String,
}

/// All 淘口令 in `text`, in order. `hint_text` is where a Taobao hint is looked for (the whole
/// message, URLs included), only when a weak-marker candidate needs it.
pub(super) fn scan(text: &str, hint_text: &str, options: &RecognizerOptions) -> Vec<FoundToken> {
    let len = options.tpwd_len;
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut hint: Option<bool> = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if len == 0 || i - start != len {
            continue;
        }
        let body = &text[start..i];
        if !body.bytes().any(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        let Some(close) = text[i..].chars().next() else { continue };
        let end = i + close.len_utf8();
        if options.strong_markers.contains(&close)
            && let Some(open_at) = strong_open(text, start, options)
        {
            found.push(FoundToken { span: open_at..end, body: body.to_string() });
            continue;
        }
        let Some(open) = text[..start].chars().next_back() else { continue };
        if options.weak_markers.contains(&(open, close))
            && *hint.get_or_insert_with(|| options.has_taobao_hint(hint_text))
        {
            found.push(FoundToken { span: start - open.len_utf8()..end, body: body.to_string() });
        }
    }
    found
}

/// Where the opening strong marker of a body starting at `body_start` is: `marker \s* (CODE \s+)? body`.
fn strong_open(text: &str, body_start: usize, options: &RecognizerOptions) -> Option<usize> {
    let head = text.get(..body_start)?;
    let before_body = head.trim_end_matches(char::is_whitespace);
    let marker = before_body.chars().next_back()?;
    if options.strong_markers.contains(&marker) {
        return Some(before_body.len() - marker.len_utf8());
    }
    if before_body.len() == head.len() {
        return None;
    }
    let code_start = before_body.len().checked_sub(6)?;
    if !is_share_code(before_body.get(code_start..)?) {
        return None;
    }
    let before_code = before_body.get(..code_start)?.trim_end_matches(char::is_whitespace);
    let marker = before_code.chars().next_back()?;
    options.strong_markers.contains(&marker).then(|| before_code.len() - marker.len_utf8())
}

/// The app share code `[A-Z]{2}[0-9]{4}` (never a token or key by itself).
fn is_share_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6 && b[..2].iter().all(u8::is_ascii_uppercase) && b[2..].iter().all(u8::is_ascii_digit)
}
