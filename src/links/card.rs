//! Share cards (appmsg XML, `MsgType 49`), spec §8: link cards (type 5), mini-program cards (33, 36)
//! and quotes (57).

use super::assemble::{self, Piece};
use super::{ProductRef, RecognizerOptions, RefKind, RefSource, blank_out, recognize_text, share_text, token, urls};
use crate::platform::Platform;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};

/// The fields of an `<appmsg>` the recognizer reads (XML-unescaped, untrimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Card {
    pub kind: String,
    pub title: String,
    pub des: String,
    pub url: String,
    pub appid: String,
    pub username: String,
    pub pagepath: String,
}

impl Card {
    /// Parses the first `<appmsg>` element after any junk (group prefix) before the XML; `None` when the
    /// XML is malformed or the element never closes.
    pub fn parse(input: &str) -> Option<Card> {
        let start = ["<?xml", "<msg", "<appmsg"].iter().filter_map(|m| input.find(m)).min()?;
        let mut reader = Reader::from_str(&input[start..]);
        let mut stack: Vec<Vec<u8>> = Vec::new();
        let mut appmsg_depth: Option<usize> = None;
        let mut card = Card::default();
        loop {
            match reader.read_event().ok()? {
                Event::Start(e) => {
                    stack.push(e.name().as_ref().to_vec());
                    if appmsg_depth.is_none() && e.name().as_ref() == b"appmsg" {
                        appmsg_depth = Some(stack.len());
                    }
                }
                Event::Empty(e) if appmsg_depth.is_none() && e.name().as_ref() == b"appmsg" => return Some(card),
                Event::End(_) => {
                    if appmsg_depth == Some(stack.len()) {
                        return Some(card);
                    }
                    stack.pop();
                }
                Event::Text(t) => {
                    if let Some(field) = card.field(&stack, appmsg_depth) {
                        field.push_str(&t.decode().ok()?);
                    }
                }
                Event::CData(t) => {
                    if let Some(field) = card.field(&stack, appmsg_depth) {
                        field.push_str(&t.decode().ok()?);
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(field) = card.field(&stack, appmsg_depth) {
                        push_reference(field, &r)?;
                    }
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    }

    /// The field the current element feeds, if it is one of ours (a direct child of `<appmsg>` or of
    /// its `<weappinfo>`).
    fn field(&mut self, stack: &[Vec<u8>], appmsg_depth: Option<usize>) -> Option<&mut String> {
        let inner = stack.get(appmsg_depth?..)?;
        match inner {
            [name] => match name.as_slice() {
                b"type" => Some(&mut self.kind),
                b"title" => Some(&mut self.title),
                b"des" => Some(&mut self.des),
                b"url" => Some(&mut self.url),
                _ => None,
            },
            [parent, name] if parent.as_slice() == b"weappinfo" => match name.as_slice() {
                b"appid" => Some(&mut self.appid),
                b"username" => Some(&mut self.username),
                b"pagepath" => Some(&mut self.pagepath),
                _ => None,
            },
            _ => None,
        }
    }

    /// References in the card, in order, at most `options.max_refs`.
    pub fn recognize(&self, options: &RecognizerOptions) -> Vec<ProductRef> {
        match self.kind.trim() {
            "5" => self.link_card(options),
            "33" | "36" => self.mini_program(options).into_iter().collect(),
            "57" => recognize_text(&self.title, RefSource::Text, options),
            _ => Vec::new(),
        }
    }

    /// Type 5: the `<url>` classified like a text URL, 淘口令 in `<title>` and `<des>`.
    fn link_card(&self, options: &RecognizerOptions) -> Vec<ProductRef> {
        let url = self.url.trim();
        let mut pieces: Vec<Piece> = urls::find(url)
            .into_iter()
            .filter_map(|span| Piece::from_url(&url[span.clone()], span.start, RefSource::Card))
            .collect();
        let hint_text = [url, &self.title, &self.des].join("\n");
        let mut base = url.len() + 1;
        for field in [&self.title, &self.des] {
            let url_free = blank_out(field, &urls::find(field));
            pieces.extend(
                token::scan(&url_free, &hint_text, options)
                    .into_iter()
                    .map(|found| Piece::from_token(field, found, base, RefSource::Card)),
            );
            base += field.len() + 1;
        }
        let title = share_text::card_title(&self.title);
        assemble::assemble(pieces)
            .into_iter()
            .take(options.max_refs)
            .map(|piece| ProductRef { title: title.clone(), ..piece.product })
            .collect()
    }

    /// Types 33/36: a PDD or JD mini-program page; its path query carries the item (shapes **[UNVERIFIED]**).
    fn mini_program(&self, options: &RecognizerOptions) -> Option<ProductRef> {
        let (appid, username, pagepath) = (self.appid.trim(), self.username.trim(), self.pagepath.trim());
        let pairs = urls::query_of(pagepath);
        let mini = |platform, key| ProductRef {
            platform,
            kind: RefKind::Url,
            key,
            url: None,
            token: None,
            tk: None,
            title: share_text::card_title(&self.title),
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
        Some(ProductRef { title: share_text::card_title(&self.title), raw: pagepath.to_string(), ..found })
    }
}

/// Appends a character or predefined entity reference; unknown entities are kept as written.
fn push_reference(field: &mut String, reference: &BytesRef<'_>) -> Option<()> {
    if let Some(ch) = reference.resolve_char_ref().ok()? {
        field.push(ch);
        return Some(());
    }
    let name = reference.decode().ok()?;
    match resolve_predefined_entity(&name) {
        Some(text) => field.push_str(text),
        None => {
            field.push('&');
            field.push_str(&name);
            field.push(';');
        }
    }
    Some(())
}
