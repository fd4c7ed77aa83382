//! Pure recognition of product references (links, share texts, 淘口令, share cards) in chat text.
//! No I/O: short links are handed as they are to the platform's conversion API.
//!
//! Pipeline (links spec §2): share cards are read from the fields the chat layer parsed ([`card`]; raw card XML
//! is parsed by [`crate::chat::gewe::card`], never here); plain text has its URLs extracted and classified per
//! host ([`urls`]), then 淘口令 are scanned on the text with the URLs blanked out ([`token`]), then the pieces are
//! ordered, merged and de-duplicated ([`assemble`]) and titled ([`share_text`]).

mod assemble;
mod card;
mod options;
mod share_text;
pub mod text;
mod token;
mod urls;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use crate::chat::InboundKind;
use crate::platform::Platform;
use serde::Serialize;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

pub use options::{MiniProgramIds, RecognizerOptions};
pub use urls::unsupported_platform;

/// What was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    /// An item page URL.
    Url,
    /// A short link (p.pinduoduo.com, u.jd.com, 3.cn, *.tb.cn, s.click.taobao.com).
    Short,
    /// A 淘口令 token.
    Token,
    /// A union landing / promotion page (someone else's promotion link).
    Landing,
}

/// Where the reference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefSource {
    Text,
    Card,
    MiniProgram,
}

/// One product reference found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductRef {
    pub platform: Platform,
    pub kind: RefKind,
    /// The primary key (links spec §4): item id, goods_sign, ps token, 淘口令 body or short code.
    pub key: String,
    /// The matched URL exactly as extracted (after XML unescape).
    pub url: Option<String>,
    /// 淘口令 body (11 characters).
    pub token: Option<String>,
    /// `tk=` value of a tb.cn link.
    pub tk: Option<String>,
    /// Share-text title from 「…」 / 【…】 (or the card title).
    pub title: Option<String>,
    pub source: RefSource,
    /// The matched span of the input: the URL, the 淘口令 with its markers (also for a 淘口令 merged
    /// with its tb.cn link), or a mini-program page path.
    pub raw: String,
}

impl ProductRef {
    /// What the conversion API receives: the original URL, else the token in ￥ markers, else the key.
    pub fn material(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        if let Some(token) = &self.token {
            return text::marked_token(token);
        }
        self.key.clone()
    }
}

/// The spec's options ([`RecognizerOptions::default`]).
pub static DEFAULT_OPTIONS: LazyLock<RecognizerOptions> = LazyLock::new(RecognizerOptions::default);

/// Finds product references in raw text (plain text, or share-card XML), in order, de-duplicated, with the
/// default options.
pub fn recognize(text: &str) -> Vec<ProductRef> {
    recognize_with(text, &DEFAULT_OPTIONS)
}

/// Finds product references in raw text, in order of appearance, de-duplicated by (platform, key), at most
/// `options.max_refs` of them. Text holding `<appmsg` is read as a share card when the chat layer can parse it,
/// else as text (spec §2).
pub fn recognize_with(text: &str, options: &RecognizerOptions) -> Vec<ProductRef> {
    if text.contains("<appmsg")
        && let Some(kind) = crate::chat::gewe::card(text)
    {
        return recognize_message(&kind, "", options);
    }
    recognize_message(&InboundKind::Text, text, options)
}

/// Finds product references in a message as the chat layer parsed it: a text by its `text`, a quote by its new
/// text, a link or mini-program card by its fields. Other kinds hold none.
pub fn recognize_message(kind: &InboundKind, text: &str, options: &RecognizerOptions) -> Vec<ProductRef> {
    if options.max_refs == 0 {
        return Vec::new();
    }
    let card = match kind {
        InboundKind::Text => return recognize_text(text, RefSource::Text, options),
        InboundKind::Quote { text } => return recognize_text(text, RefSource::Text, options),
        InboundKind::Link { url, title, desc } => card::Card::Link { url, title, des: desc },
        InboundKind::MiniProgram { appid, username, pagepath, title } => {
            card::Card::MiniProgram { appid, username, pagepath, title }
        }
        _ => return Vec::new(),
    };
    card.recognize(options)
}

/// The plain-text path: URLs, then 淘口令 on the URL-free text, then merge, titles and the cap.
fn recognize_text(text: &str, source: RefSource, options: &RecognizerOptions) -> Vec<ProductRef> {
    let url_spans = urls::find(text);
    let mut pieces: Vec<assemble::Piece> = url_spans
        .iter()
        .filter_map(|span| assemble::Piece::from_url(&text[span.clone()], span.start, source))
        .collect();
    let url_free = blank_out(text, &url_spans);
    pieces.extend(
        token::scan(&url_free, text, options)
            .into_iter()
            .map(|found| assemble::Piece::from_token(text, found, 0, source)),
    );
    let mut pieces = assemble::assemble(pieces);
    share_text::assign_titles(text, &mut pieces);
    pieces.truncate(options.max_refs);
    pieces.into_iter().map(|piece| piece.product).collect()
}

/// Replaces each span by as many spaces as it has bytes, so offsets stay valid (spec §2 step 4).
fn blank_out<'a>(text: &'a str, spans: &[Range<usize>]) -> Cow<'a, str> {
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in spans {
        out.push_str(&text[last..span.start]);
        out.extend(std::iter::repeat_n(' ', span.len()));
        last = span.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}
