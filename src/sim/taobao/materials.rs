//! Which catalogue item a Taobao material (`material_list` entry, tpwd `url`) stands for: item URLs, s.click short
//! and long links, tb.cn `h.`/`c.` links, uland links and 淘口令 in any strong-marker form (`links.md` §5.3, §6),
//! without network access. Links and tokens the simulator issued resolve to the item they were made for; any other
//! well-formed key resolves through the catalogue's key hash.

use crate::platform::Platform;
use crate::sim::catalog;
use crate::sim::support::{alphanumeric, numeric_id, query_param, single_segment, web_url};
use crate::sim::text::taobao::MARKERS;
use std::collections::HashMap;
use std::ops::RangeInclusive;

/// How many digits an item id has.
const ITEM_ID_DIGITS: RangeInclusive<usize> = 6..=20;

/// The item a material stands for, or `None` when it is not a Taobao product link or token.
/// `issued` maps short codes, `e` tokens, tb.cn codes and 淘口令 bodies to item ids.
pub fn resolve(material: &str, issued: &HashMap<String, u64>) -> Option<u64> {
    let material = material.trim();
    if let Some(tok) = find_token(material) {
        return Some(issued.get(tok).copied().unwrap_or_else(|| by_key(tok)));
    }
    let start = material.find("http://").or_else(|| material.find("https://"))?;
    let url_text = material[start..].split(char::is_whitespace).next().unwrap_or_default();
    resolve_url(url_text, issued)
}

fn by_key(key: &str) -> u64 {
    catalog::item_for_key(Platform::Taobao, key).id
}

fn resolve_url(text: &str, issued: &HashMap<String, u64>) -> Option<u64> {
    let url = web_url(text)?;
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let query = |name: &str| query_param(&url, name);
    let keyed = |key: &str| Some(issued.get(key).copied().unwrap_or_else(|| by_key(key)));
    match host.as_str() {
        "item.taobao.com"
        | "detail.tmall.com"
        | "detail.m.tmall.com"
        | "chaoshi.detail.tmall.com"
        | "detail.tmall.hk"
            if path == "/item.htm" =>
        {
            numeric_id(&query("id")?, ITEM_ID_DIGITS)
        }
        "h5.m.taobao.com" if path == "/awp/core/detail.htm" => numeric_id(&query("id")?, ITEM_ID_DIGITS),
        "world.taobao.com" => numeric_id(path.strip_prefix("/item/")?.strip_suffix(".htm")?, ITEM_ID_DIGITS),
        "s.click.taobao.com" if path == "/t" => keyed(&query("e").filter(|e| !e.is_empty())?),
        "s.click.taobao.com" => {
            let code = single_segment(path)?;
            if alphanumeric(code, 5..=12) { keyed(code) } else { None }
        }
        "m.tb.cn" | "e.tb.cn" | "s.tb.cn" | "i.tb.cn" => {
            let seg = single_segment(path)?;
            let body = seg.strip_prefix("h.").or_else(|| seg.strip_prefix("c."))?;
            if alphanumeric(body, 4..=24) { keyed(seg) } else { None }
        }
        "uland.taobao.com" if path == "/coupon/edetail" => keyed(&query("e").filter(|e| !e.is_empty())?),
        _ => None,
    }
}

/// The body of the first 淘口令 between strong markers: `￥Rt7bQm2XzPa￥`, `€…€`, `66￥ CZ3457 Vb6nTq2LmZx￥`.
pub fn find_token(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some((i, c)) = rest.char_indices().find(|(_, c)| MARKERS.contains(c)) {
        let after = &rest[i + c.len_utf8()..];
        if let Some(tok) = token_after_marker(after) {
            return Some(tok);
        }
        rest = after;
    }
    None
}

/// `\s*(?:[A-Z]{2}[0-9]{4}\s+)?([A-Za-z0-9]{11})<marker>` at the start of `s`.
fn token_after_marker(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let b = s.as_bytes();
    let share_code = b.len() > 6
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..6].iter().all(u8::is_ascii_digit)
        && b[6].is_ascii_whitespace();
    let s = if share_code { s[6..].trim_start() } else { s };
    let body = s.get(..11)?;
    let closed = s[11..].chars().next().is_some_and(|c| MARKERS.contains(&c));
    let valid = body.bytes().all(|b| b.is_ascii_alphanumeric()) && body.bytes().any(|b| b.is_ascii_alphabetic());
    (closed && valid).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_links_short_links_and_tokens_resolve() {
        let none = HashMap::new();
        assert_eq!(
            resolve("https://item.taobao.com/item.htm?id=712345678901&spm=a21n57.1.0.0", &none),
            Some(712_345_678_901)
        );
        assert_eq!(
            resolve("https://detail.tmall.com/item.htm?id=698765432109&skuId=5123456789012", &none),
            Some(698_765_432_109)
        );
        assert_eq!(
            resolve("https://h5.m.taobao.com/awp/core/detail.htm?id=712345678901", &none),
            Some(712_345_678_901)
        );
        assert_eq!(resolve("https://world.taobao.com/item/712345678901.htm", &none), Some(712_345_678_901));
        for keyed in [
            "https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w",
            "https://s.tb.cn/c.4hRtQz",
            "https://s.click.taobao.com/Zk8mQp2",
            "https://s.click.taobao.com/t?e=m%3D2%26s%3DqW3rT5yU7i&union_lens=lensId%3AOPT%401735689600%400b1c2d3e",
            "https://uland.taobao.com/coupon/edetail?e=Zx9Yw8Vu7T&pid=mm_1234_5678_9012",
            "￥Rt7bQm2XzPa￥",
            "€Hd4kLp9WnQz€",
            "66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9  【限时秒杀】不锈钢保温杯大容量",
            "6復製内容￥Wq9zXc3Vb7N￥打k?τao寶?或點擊炼接 https://m.tb.cn/h.Ab4CdE6 至瀏.覽.器【双11预售】",
        ] {
            assert!(resolve(keyed, &none).is_some(), "{keyed}");
        }
        assert_eq!(resolve("￥Rt7bQm2XzPa￥", &none), resolve("¥Rt7bQm2XzPa¥", &none));
        assert_eq!(find_token("66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9"), Some("Vb6nTq2LmZx"));
    }

    #[test]
    fn issued_keys_win_and_garbage_resolves_to_nothing() {
        let mut issued = HashMap::new();
        issued.insert("Rt7bQm2XzPa".to_string(), 7);
        issued.insert("h.Gh3JkL9".to_string(), 8);
        assert_eq!(resolve("￥Rt7bQm2XzPa￥", &issued), Some(7));
        assert_eq!(resolve("https://m.tb.cn/h.Gh3JkL9", &issued), Some(8));
        for bad in [
            "",
            "garbage",
            "￥98765432109￥",
            "特价￥59￥包邮",
            "Rt7bQm2XzPa",
            "https://www.taobao.com/",
            "https://item.taobao.com/item.htm?skuId=5234567890123",
            "https://item.taobao.com.example.org/item.htm?id=712345678901",
            "https://s.click.taobao.com/t?e=",
            "https://m.tb.cn/x.Gh3JkL9",
            "https://item.jd.com/100087654321.html",
            "￥",
            "￥Rt7bQm2XzP",
        ] {
            assert_eq!(resolve(bad, &issued), None, "{bad}");
        }
    }
}
