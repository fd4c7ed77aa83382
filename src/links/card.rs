//! Share cards (`MsgType 49`), spec §8: link cards (type 5) and mini-program cards (33, 36), read from the fields
//! the chat layer parsed ([`crate::chat::InboundKind`]). Quotes (57) are read as their new text.

use super::assemble::{self, Piece};
use super::{ProductRef, RecognizerOptions, RefKind, RefSource, blank_out, share_text, token, urls};
use crate::platform::Platform;

/// The fields of a link or mini-program card the recognizer reads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Card<'a> {
    Link { url: &'a str, title: &'a str, des: &'a str },
    MiniProgram { appid: &'a str, username: &'a str, pagepath: &'a str, title: &'a str },
}

impl Card<'_> {
    /// References in the card, in order, at most `options.max_refs`.
    pub fn recognize(&self, options: &RecognizerOptions) -> Vec<ProductRef> {
        match *self {
            Card::Link { url, title, des } => link_card(url, title, des, options),
            Card::MiniProgram { appid, username, pagepath, title } => {
                mini_program(appid.trim(), username.trim(), pagepath.trim(), title, options).into_iter().collect()
            }
        }
    }
}

/// Type 5: the `<url>` classified like a text URL, 淘口令 in `<title>` and `<des>`.
fn link_card(url: &str, title: &str, des: &str, options: &RecognizerOptions) -> Vec<ProductRef> {
    let url = url.trim();
    let mut pieces: Vec<Piece> = urls::find(url)
        .into_iter()
        .filter_map(|span| Piece::from_url(&url[span.clone()], span.start, RefSource::Card))
        .collect();
    let hint_text = [url, title, des].join("\n");
    let mut base = url.len() + 1;
    for field in [title, des] {
        let url_free = blank_out(field, &urls::find(field));
        pieces.extend(
            token::scan(&url_free, &hint_text, options)
                .into_iter()
                .map(|found| Piece::from_token(field, found, base, RefSource::Card)),
        );
        base += field.len() + 1;
    }
    let title = share_text::card_title(title);
    assemble::assemble(pieces)
        .into_iter()
        .take(options.max_refs)
        .map(|piece| ProductRef { title: title.clone(), ..piece.product })
        .collect()
}

/// Types 33/36: a PDD or JD mini-program page; its path query carries the item (shapes **[UNVERIFIED]**).
fn mini_program(
    appid: &str,
    username: &str,
    pagepath: &str,
    title: &str,
    options: &RecognizerOptions,
) -> Option<ProductRef> {
    let pairs = urls::query_of(pagepath);
    let mini = |platform, key| ProductRef {
        platform,
        kind: RefKind::Url,
        key,
        url: None,
        token: None,
        tk: None,
        title: share_text::card_title(title),
        source: RefSource::MiniProgram,
        raw: pagepath.to_string(),
    };
    if options.pdd_mini_program.matches(appid, username) {
        if urls::is_pdd_auth_page(pagepath) {
            return None;
        }
        return urls::pdd_key(&pairs).map(|key| mini(Platform::Pdd, key));
    }
    if !options.jd_mini_program.matches(appid, username) {
        return None;
    }
    if let Some(sku) = urls::jd_sku_param(&pairs) {
        return Some(mini(Platform::Jd, sku));
    }
    let spread = &pairs.iter().find(|(k, _)| k == "spreadUrl")?.1;
    let span = urls::find(spread).into_iter().next()?;
    let found = Piece::from_url(&spread[span], 0, RefSource::MiniProgram)?.product;
    Some(ProductRef { title: share_text::card_title(title), raw: pagepath.to_string(), ..found })
}
