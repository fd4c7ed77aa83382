//! Pure recognition of product references (links, share texts, 淘口令, share cards) in chat text.
//! No I/O: short links are handed as they are to the platform's conversion API.

use crate::platform::Platform;
use serde::Serialize;

/// What was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// Share-text title from 「…」 / 【…】.
    pub title: Option<String>,
    pub source: RefSource,
    /// The matched span of the input.
    pub raw: String,
}

impl ProductRef {
    /// What the conversion API receives: the original URL, else the token in ￥ markers, else the key.
    pub fn material(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        if let Some(token) = &self.token {
            return format!("￥{token}￥");
        }
        self.key.clone()
    }
}

/// Finds product references in a message body (plain text, or appmsg card XML), in order, de-duplicated.
pub fn recognize(text: &str) -> Vec<ProductRef> {
    let _ = text;
    Vec::new()
}

/// The Chinese name of an out-of-scope platform whose link appears in `text`, for an optional hint.
pub fn unsupported_platform(text: &str) -> Option<&'static str> {
    let _ = text;
    None
}
