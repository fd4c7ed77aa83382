//! Which catalogue item a JD `materialId` (or a goods.query keyword URL) stands for: every JD link shape of
//! `links.md` §5.2, without any network access. Links the simulator issued itself resolve to the item they were
//! made for; any other well-formed link resolves through the catalogue's key hash.

use crate::platform::Platform;
use crate::sim::catalog;
use crate::sim::support::{alphanumeric, numeric_id, query_param, single_segment, web_url};
use std::collections::HashMap;
use std::ops::RangeInclusive;

/// How many digits a sku has.
const SKU_DIGITS: RangeInclusive<usize> = 4..=20;

/// The sku a material stands for, or `None` when it is not a JD product link.
/// `issued` maps short codes (`u.jd.com/<code>`) and click tokens (`union-click…&p=<token>`) to skus.
pub fn resolve(material: &str, issued: &HashMap<String, u64>) -> Option<u64> {
    let material = material.trim();
    let url = if material.contains("://") {
        web_url(material)?
    } else {
        // `materialUrl` values of goods.query come without a scheme.
        web_url(&format!("https://{material}"))?
    };
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let query = |name: &str| query_param(&url, name);
    let by_key = |key: &str| Some(catalog::item_for_key(Platform::Jd, key).id);
    match host.as_str() {
        "item.jd.com" | "item.jd.hk" | "npcitem.jd.hk" | "item.yiyaojd.com" => {
            let rest = path.strip_prefix("/product/").or_else(|| path.strip_prefix('/'))?;
            numeric_id(rest.strip_suffix(".html")?, SKU_DIGITS)
        }
        "item.m.jd.com" => match path.strip_prefix("/product/") {
            Some(rest) => numeric_id(rest.strip_suffix(".html")?, SKU_DIGITS),
            None if path == "/ware/view.action" => numeric_id(&query("wareId")?, SKU_DIGITS),
            None => None,
        },
        "wqitem.jd.com" | "wq.jd.com" if path == "/item/view" => numeric_id(&query("sku")?, SKU_DIGITS),
        "u.jd.com" => {
            let code = single_segment(path)?;
            if !alphanumeric(code, 4..=12) {
                return None;
            }
            issued.get(code).copied().or_else(|| by_key(code))
        }
        "3.cn" => {
            let code = single_segment(path)?;
            let ok = (3..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if ok { by_key(code) } else { None }
        }
        "union-click.jd.com" if path == "/jdc" => {
            let p = query("p").filter(|p| !p.is_empty())?;
            issued.get(&p).copied().or_else(|| by_key(&p))
        }
        "coupon.m.jd.com" | "coupon.jd.com" => {
            let key = query("key")?;
            if alphanumeric(&key, 8..=64) { by_key(&key) } else { None }
        }
        "pro.m.jd.com" | "prodev.m.jd.com" => {
            let id = path.strip_prefix("/mall/active/")?.strip_suffix("/index.html")?;
            if alphanumeric(id, 1..=usize::MAX) { by_key(id) } else { None }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_jd_link_shape_resolves() {
        let none = HashMap::new();
        assert_eq!(resolve("https://item.jd.com/100087654321.html", &none), Some(100_087_654_321));
        assert_eq!(resolve("https://item.jd.hk/5012345678.html", &none), Some(5_012_345_678));
        assert_eq!(resolve("https://npcitem.jd.hk/5012345679.html", &none), Some(5_012_345_679));
        assert_eq!(resolve("https://item.yiyaojd.com/100034567890.html", &none), Some(100_034_567_890));
        assert_eq!(
            resolve("https://item.m.jd.com/product/100056781234.html?utm_source=share", &none),
            Some(100_056_781_234)
        );
        assert_eq!(resolve("https://item.m.jd.com/ware/view.action?wareId=1876543210", &none), Some(1_876_543_210));
        assert_eq!(resolve("https://wqitem.jd.com/item/view?sku=10078901234", &none), Some(10_078_901_234));
        assert_eq!(resolve("http://wq.jd.com/item/view?sku=5123456&price=19.90", &none), Some(5_123_456));
        assert_eq!(resolve("item.jd.com/100087654321.html", &none), Some(100_087_654_321));
        for keyed in [
            "https://u.jd.com/Qm7Zt2K",
            "https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@",
            "https://3.cn/-4KqW8zm",
            "https://union-click.jd.com/jdc?e=&p=JF8BAQkJK1olXgUKXFhbAEsSAl8IGl0Q",
            "https://coupon.m.jd.com/coupons/show.action?key=9a8b7c6d5e4f40312233445566778899",
            "https://pro.m.jd.com/mall/active/3xYzAbCdEfGh/index.html",
        ] {
            assert!(resolve(keyed, &none).is_some(), "{keyed}");
        }
        // The same short code always means the same item.
        assert_eq!(resolve("https://u.jd.com/Qm7Zt2K", &none), resolve("https://u.jd.com/Qm7Zt2K?x=1", &none));
    }

    #[test]
    fn issued_links_resolve_to_their_item_and_garbage_to_nothing() {
        let mut issued = HashMap::new();
        issued.insert("Ab12Cd3".to_string(), 42_424_242);
        assert_eq!(resolve("https://u.jd.com/Ab12Cd3", &issued), Some(42_424_242));
        for bad in [
            "",
            "garbage",
            "100087654321",
            "https://www.jd.com/",
            "https://item.jd.com.example.org/100087654321.html",
            "https://item.jd.com/abc.html",
            "https://u.jd.com/",
            "https://u.jd.com/a/b",
            "https://union-click.jd.com/jdc?e=&p=",
            "ftp://item.jd.com/100087654321.html",
            "https://item.taobao.com/item.htm?id=712345678901",
        ] {
            assert_eq!(resolve(bad, &issued), None, "{bad}");
        }
    }
}
