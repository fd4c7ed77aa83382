//! URL extraction (spec §3) and per-host classification (spec §4, §5, §10).
//! Hosts are compared exactly (lower-cased by the URL parser), never by substring.

use super::{RefKind, text};
use crate::platform::Platform;
use percent_encoding::percent_decode_str;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use url::Url;

static URL_CANDIDATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(&format!(r#"(?i)https?://[^\s{}"'<>()\[\]{{}}¥]+"#, text::URL_STOPS)).ok());

/// Byte spans of the URLs in `text`, in order, trailing ASCII punctuation stripped.
pub(super) fn find(text: &str) -> Vec<Range<usize>> {
    let Some(re) = URL_CANDIDATE.as_ref() else { return Vec::new() };
    re.find_iter(text)
        .filter_map(|m| {
            let trimmed = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
            (trimmed.len() > "http://".len()).then(|| m.start()..m.start() + trimmed.len())
        })
        .collect()
}

/// A URL recognized as a product reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Classified {
    pub platform: Platform,
    pub kind: RefKind,
    pub key: String,
    /// `tk=` of a tb.cn link.
    pub tk: Option<String>,
    /// A `*.tb.cn` app share link: merges with a 淘口令 of the same message (spec §4).
    pub tb_short: bool,
}

impl Classified {
    fn new(platform: Platform, kind: RefKind, key: impl Into<String>) -> Self {
        Classified { platform, kind, key: key.into(), tk: None, tb_short: false }
    }
}

const PDD_PAGE_HOSTS: [&str; 8] = [
    "mobile.yangkeduo.com",
    "yangkeduo.com",
    "m.yangkeduo.com",
    "www.yangkeduo.com",
    "mobile.pinduoduo.com",
    "pinduoduo.com",
    "m.pinduoduo.com",
    "www.pinduoduo.com",
];
const JD_ITEM_HOSTS: [&str; 7] =
    ["item.jd.com", "item.jd.hk", "npcitem.jd.hk", "item.yiyaojd.com", "item.m.jd.com", "wqitem.jd.com", "wq.jd.com"];
const JD_COUPON_HOSTS: [&str; 2] = ["coupon.m.jd.com", "coupon.jd.com"];
const JD_ACTIVITY_HOSTS: [&str; 2] = ["pro.m.jd.com", "prodev.m.jd.com"];
const TB_ITEM_HOSTS: [&str; 5] =
    ["item.taobao.com", "detail.tmall.com", "detail.m.tmall.com", "chaoshi.detail.tmall.com", "detail.tmall.hk"];
const TB_SHORT_HOSTS: [&str; 4] = ["m.tb.cn", "e.tb.cn", "s.tb.cn", "i.tb.cn"];

/// Out-of-scope platforms, recognized only to hint the member (spec §5 end).
const UNSUPPORTED_HOSTS: [(&str, &str); 8] = [
    ("detail.vip.com", text::VIPSHOP),
    ("m.vip.com", text::VIPSHOP),
    ("t.vip.com", text::VIPSHOP),
    ("haohuo.jinritemai.com", text::DOUYIN),
    ("v.douyin.com", text::DOUYIN),
    ("sugs.suning.com", text::SUNING),
    ("product.suning.com", text::SUNING),
    ("m.suning.com", text::SUNING),
];

/// Classifies one extracted URL; `None` for anything that is not a product of a supported platform.
pub(super) fn classify(url: &str) -> Option<Classified> {
    let parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?;
    if PDD_PAGE_HOSTS.contains(&host) || host == "p.pinduoduo.com" {
        if is_pdd_auth_page(url) {
            return None;
        }
        return if host == "p.pinduoduo.com" {
            short_code(parsed.path(), 6, 12).map(|code| Classified::new(Platform::Pdd, RefKind::Short, code))
        } else {
            pdd_page(&parsed)
        };
    }
    if JD_ITEM_HOSTS.contains(&host) {
        return jd_sku(&parsed).map(|sku| Classified::new(Platform::Jd, RefKind::Url, sku));
    }
    if TB_ITEM_HOSTS.contains(&host) {
        if !parsed.path().ends_with(".htm") {
            return None;
        }
        return taobao_id(&parsed).map(|id| Classified::new(Platform::Taobao, RefKind::Url, id));
    }
    if TB_SHORT_HOSTS.contains(&host) {
        let code = single_segment(parsed.path())?;
        let valid = (code.starts_with("h.") || code.starts_with("c.")) && is_alnum(&code[2..], 4, 24);
        if !valid {
            return None;
        }
        let tk = query(&parsed, "tk").filter(|tk| is_alnum(tk, 1, 64));
        return Some(Classified { tk, tb_short: true, ..Classified::new(Platform::Taobao, RefKind::Short, code) });
    }
    if JD_COUPON_HOSTS.contains(&host) {
        let key = query(&parsed, "key").filter(|key| is_alnum(key, 8, 64));
        return match key {
            Some(key) => Some(Classified::new(Platform::Jd, RefKind::Landing, key)),
            None => whole_url(Platform::Jd, &parsed, url),
        };
    }
    if JD_ACTIVITY_HOSTS.contains(&host) {
        let id = parsed.path().strip_prefix("/mall/active/")?.strip_suffix("/index.html")?;
        return is_alnum(id, 4, 40).then(|| Classified::new(Platform::Jd, RefKind::Landing, id));
    }
    match host {
        "u.jd.com" => short_code(parsed.path(), 4, 12).map(|code| Classified::new(Platform::Jd, RefKind::Short, code)),
        "3.cn" => {
            let code = single_segment(parsed.path())?;
            let valid = (3..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            valid.then(|| Classified::new(Platform::Jd, RefKind::Short, code))
        }
        "union-click.jd.com" => whole_url(Platform::Jd, &parsed, url),
        "h5.m.taobao.com" if parsed.path() == "/awp/core/detail.htm" => {
            taobao_id(&parsed).map(|id| Classified::new(Platform::Taobao, RefKind::Url, id))
        }
        "world.taobao.com" => {
            let id = parsed.path().strip_prefix("/item/")?.strip_suffix(".htm")?;
            is_digits(id, 6, 20).then(|| Classified::new(Platform::Taobao, RefKind::Url, id))
        }
        "s.click.taobao.com" if parsed.path() == "/t" => whole_url(Platform::Taobao, &parsed, url),
        "s.click.taobao.com" => {
            short_code(parsed.path(), 5, 12).map(|code| Classified::new(Platform::Taobao, RefKind::Short, code))
        }
        "uland.taobao.com" => whole_url(Platform::Taobao, &parsed, url),
        _ => None,
    }
}

/// The Chinese name (唯品会, 抖音, 苏宁) of an out-of-scope platform whose link appears in `text`, for an
/// optional hint.
pub fn unsupported_platform(text: &str) -> Option<&'static str> {
    find(text).into_iter().find_map(|span| {
        let parsed = Url::parse(&text[span]).ok()?;
        let host = parsed.host_str()?;
        UNSUPPORTED_HOSTS.iter().find(|(h, _)| *h == host).map(|(_, name)| *name)
    })
}

/// PDD 备案 (authorization) page: `__page=auth` in the raw text or after one or two percent-decodings
/// (spec §10.1).
pub(super) fn is_pdd_auth_page(raw: &str) -> bool {
    const NEEDLE: &str = "__page=auth";
    if raw.contains(NEEDLE) {
        return true;
    }
    let once = percent_decode_str(raw).decode_utf8_lossy();
    if once.contains(NEEDLE) {
        return true;
    }
    percent_decode_str(&once).decode_utf8_lossy().contains(NEEDLE)
}

/// PDD goods / landing / launcher pages.
fn pdd_page(parsed: &Url) -> Option<Classified> {
    let path = parsed.path();
    let kind = match path {
        "/duo_coupon_landing.html" | "/app.html" => RefKind::Landing,
        _ if is_pdd_goods_path(path) => RefKind::Url,
        _ => return None,
    };
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let launched: Option<Vec<(String, String)>> = (path == "/app.html")
        .then(|| pairs.iter().find(|(k, _)| k == "launch_url"))
        .flatten()
        .map(|(_, launch_url)| query_of(launch_url));
    let key = pdd_key(launched.as_deref().unwrap_or(&pairs))?;
    Some(Classified::new(Platform::Pdd, kind, key))
}

/// `/goods.html`, `/goods1.html` … `/goods9.html`.
fn is_pdd_goods_path(path: &str) -> bool {
    path.strip_prefix("/goods")
        .and_then(|rest| rest.strip_suffix(".html"))
        .is_some_and(|digit| digit.len() <= 1 && digit.bytes().all(|b| b.is_ascii_digit()))
}

/// PDD key precedence: `goods_sign` > `goods_id` > `ps` (spec §4).
pub(super) fn pdd_key(pairs: &[(String, String)]) -> Option<String> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    get("goods_sign")
        .filter(|v| {
            (10..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .or_else(|| get("goods_id").filter(|v| is_digits(v, 1, 20)))
        .or_else(|| get("ps").filter(|v| is_alnum(v, 6, 16)))
        .map(str::to_string)
}

/// JD sku precedence: path sku > `wareId` > `sku` > `skuId`.
fn jd_sku(parsed: &Url) -> Option<String> {
    let path = parsed.path();
    let from_path =
        path.strip_prefix("/product/").or_else(|| path.strip_prefix('/')).and_then(|p| p.strip_suffix(".html"));
    if let Some(sku) = from_path.filter(|s| is_digits(s, 4, 20)) {
        return Some(sku.to_string());
    }
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    jd_sku_param(&pairs)
}

/// `wareId` > `sku` > `skuId` from a query (also used for mini-program page paths).
pub(super) fn jd_sku_param(pairs: &[(String, String)]) -> Option<String> {
    ["wareId", "sku", "skuId"]
        .iter()
        .find_map(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v).filter(|v| is_digits(v, 4, 20)))
        .cloned()
}

/// The Taobao item id: the parameter named exactly `id`.
fn taobao_id(parsed: &Url) -> Option<String> {
    query(parsed, "id").filter(|id| is_digits(id, 6, 20))
}

/// A union long link keyed by the whole URL; the bare host (path `/`) is not a product.
fn whole_url(platform: Platform, parsed: &Url, url: &str) -> Option<Classified> {
    (parsed.path() != "/" || parsed.query().is_some()).then(|| Classified::new(platform, RefKind::Landing, url))
}

/// The first value of query parameter `name`.
fn query(parsed: &Url, name: &str) -> Option<String> {
    parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The decoded query pairs of a relative `path?query` (mini-program page paths, PDD `launch_url`).
pub(super) fn query_of(path_and_query: &str) -> Vec<(String, String)> {
    let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// The only path segment (`/<code>` or `/<code>/`).
fn single_segment(path: &str) -> Option<&str> {
    let segment = path.strip_prefix('/')?;
    let segment = segment.strip_suffix('/').unwrap_or(segment);
    (!segment.is_empty() && !segment.contains('/')).then_some(segment)
}

/// The only path segment when it is `min..=max` ASCII alphanumerics.
fn short_code(path: &str, min: usize, max: usize) -> Option<&str> {
    single_segment(path).filter(|code| is_alnum(code, min, max))
}

fn is_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}
