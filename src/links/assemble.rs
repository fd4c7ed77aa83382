//! Ordering, 淘口令 + tb.cn merging and de-duplication (spec §4).

use super::token::FoundToken;
use super::{ProductRef, RefKind, RefSource, urls};
use crate::platform::Platform;
use std::collections::HashSet;

/// A reference with its place in the input (byte offsets; for cards, offsets in the concatenated fields).
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub start: usize,
    pub end: usize,
    /// A `*.tb.cn` share link, absorbed by the nearest 淘口令 of the message.
    pub tb_short: bool,
    pub product: ProductRef,
}

impl Piece {
    /// Classifies `url` (found at `start`); `None` when it is not a product.
    pub fn from_url(url: &str, start: usize, source: RefSource) -> Option<Piece> {
        let c = urls::classify(url)?;
        Some(Piece {
            start,
            end: start + url.len(),
            tb_short: c.tb_short,
            product: ProductRef {
                platform: c.platform,
                kind: c.kind,
                key: c.key,
                url: Some(url.to_string()),
                token: None,
                tk: c.tk,
                title: None,
                source,
                raw: url.to_string(),
            },
        })
    }

    /// A 淘口令 found in `text`, which starts at `base` in the message.
    pub fn from_token(text: &str, found: FoundToken, base: usize, source: RefSource) -> Piece {
        Piece {
            start: base + found.span.start,
            end: base + found.span.end,
            tb_short: false,
            product: ProductRef {
                platform: Platform::Taobao,
                kind: RefKind::Token,
                key: found.body.clone(),
                url: None,
                token: Some(found.body),
                tk: None,
                title: None,
                source,
                raw: text.get(found.span).unwrap_or_default().to_string(),
            },
        }
    }
}

/// Orders pieces by position, merges tb.cn links into 淘口令 and drops later duplicates of (platform, key).
pub(super) fn assemble(mut pieces: Vec<Piece>) -> Vec<Piece> {
    pieces.sort_by_key(|p| p.start);
    let mut pieces = merge_tb_links(pieces);
    let mut seen = HashSet::new();
    pieces.retain(|p| seen.insert((p.product.platform, p.product.key.clone())));
    pieces
}

/// Each tb.cn link joins the nearest 淘口令 (they are one product's share text); the first joined link
/// gives the token its `url` and `tk`. Without a 淘口令 the links stay on their own.
fn merge_tb_links(pieces: Vec<Piece>) -> Vec<Piece> {
    let tokens: Vec<usize> =
        pieces.iter().enumerate().filter(|(_, p)| p.product.kind == RefKind::Token).map(|(i, _)| i).collect();
    if tokens.is_empty() || !pieces.iter().any(|p| p.tb_short) {
        return pieces;
    }
    let hosts: Vec<Option<usize>> = pieces
        .iter()
        .map(|p| if p.tb_short { tokens.iter().copied().min_by_key(|&t| distance(&pieces[t], p)) } else { None })
        .collect();
    let mut slots: Vec<Option<Piece>> = pieces.into_iter().map(Some).collect();
    for (i, host) in hosts.into_iter().enumerate() {
        let Some(host) = host else { continue };
        let Some(link) = slots[i].take() else { continue };
        if let Some(token) = slots[host].as_mut() {
            token.start = token.start.min(link.start);
            token.end = token.end.max(link.end);
            if token.product.url.is_none() {
                token.product.url = link.product.url;
                token.product.tk = link.product.tk;
            }
        }
    }
    let mut merged: Vec<Piece> = slots.into_iter().flatten().collect();
    merged.sort_by_key(|p| p.start);
    merged
}

/// Bytes between two pieces (0 when they overlap).
fn distance(a: &Piece, b: &Piece) -> usize {
    b.start.saturating_sub(a.end).max(a.start.saturating_sub(b.end))
}
