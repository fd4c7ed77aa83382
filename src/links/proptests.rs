//! Property tests: context around a reference does not change it, no input panics, the output has no
//! duplicates and respects `max_refs`.

use super::*;
use proptest::prelude::*;
use std::collections::HashSet;

/// Sample references: each is recognized on its own as exactly one reference.
const SAMPLES: &[&str] = &[
    "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723",
    "https://mobile.yangkeduo.com/goods1.html?ps=Tq4mZr8Wcx",
    "https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url=duo_coupon_landing.html%3Fgoods_id%3D548201937456%26duoduo_type%3D2",
    "https://p.pinduoduo.com/Kx82LmQe",
    "https://item.jd.com/100087654321.html",
    "https://item.m.jd.com/ware/view.action?wareId=1876543210",
    "https://u.jd.com/Qm7Zt2K",
    "https://3.cn/-4KqW8zm",
    "https://coupon.m.jd.com/coupons/show.action?key=9a8b7c6d5e4f40312233445566778899",
    "https://item.taobao.com/item.htm?id=723456789012&skuId=5234567890123",
    "https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w",
    "https://s.tb.cn/c.4hRtQz",
    "https://s.click.taobao.com/Zk8mQp2",
    "￥Rt7bQm2XzPa￥",
    "€Hd4kLp9WnQz€",
    "淘宝：《Mn5bVc2XzLq》",
    "66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9",
    "【京东】https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@ CA2077 「【京东超市】加厚抽纸24包」",
];

/// Characters that end a URL (spec §3) and are neither token markers nor ASCII alphanumerics.
const TERMINATORS: &[char] = &[
    ' ', '\u{3000}', '\u{2005}', '\n', '\t', '，', '。', '！', '？', '；', '、', '「', '」', '【', '】', '《', '》',
    '（', '）', '(', ')', '[', ']', '{', '}', '"', '<', '>',
];

fn context_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range('\u{4e00}', '\u{9fa5}'),
        2 => proptest::sample::select(TERMINATORS),
    ]
}

fn context(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(context_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

fn keys(refs: &[ProductRef]) -> Vec<(Platform, RefKind, String)> {
    refs.iter().map(|r| (r.platform, r.kind, r.key.clone())).collect()
}

fn assert_invariants(refs: &[ProductRef], max_refs: usize) -> Result<(), TestCaseError> {
    prop_assert!(refs.len() <= max_refs);
    let mut seen = HashSet::new();
    for r in refs {
        prop_assert!(seen.insert((r.platform, r.key.clone())), "duplicate {:?}", r);
        prop_assert!(!r.key.is_empty());
        if let Some(token) = &r.token {
            prop_assert_eq!(r.platform, Platform::Taobao);
            prop_assert!(token.len() == 11 && token.bytes().all(|b| b.is_ascii_alphanumeric()));
            prop_assert!(token.bytes().any(|b| b.is_ascii_alphabetic()));
        }
    }
    Ok(())
}

/// Fragments that look like appmsg XML, to be shuffled into arbitrary documents.
const XML_BITS: &[&str] = &[
    "<?xml version=\"1.0\"?>",
    "<msg>",
    "</msg>",
    "<appmsg appid=\"\" sdkver=\"0\">",
    "<appmsg>",
    "</appmsg>",
    "<appmsg/>",
    "<type>5</type>",
    "<type>33</type>",
    "<type>57</type>",
    "<title>",
    "</title>",
    "<des>",
    "</des>",
    "<url>",
    "</url>",
    "<weappinfo>",
    "</weappinfo>",
    "<appid>wx32540bd863b27570</appid>",
    "<appid>wx91d27dbf599dff74</appid>",
    "<pagepath>",
    "</pagepath>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&lt;",
    "&#x4e00;",
    "&#1114112;",
    "&bogus;",
    "&",
    "<",
    ">",
    "goods_id=386512047723",
    "?sku=100012345678",
    "spreadUrl=https%3A%2F%2Fu.jd.com%2FAb12Cd3",
    "https://item.jd.com/100087654321.html",
    "https://m.tb.cn/h.Ab4CdE6?tk=Wq9zXc3Vb7N",
    "￥Wq9zXc3Vb7N￥",
    "淘宝(Kz3mWq8RtYp)",
    "__page%253Dauth",
    "wxid_m3mb3r77:\n",
    " ",
    "中文",
];

fn xmlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![proptest::sample::select(XML_BITS).prop_map(String::from), "\\PC{0,8}"],
        0..40,
    )
    .prop_map(|bits| bits.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn context_does_not_change_what_is_found(
        sample in proptest::sample::select(SAMPLES),
        prefix in context(12),
        first in proptest::sample::select(TERMINATORS),
        suffix in context(12),
    ) {
        let alone = keys(&recognize(sample));
        prop_assert_eq!(alone.len(), 1, "{}", sample);
        let text = format!("{prefix}{sample}{first}{suffix}");
        prop_assert_eq!(keys(&recognize(&text)), alone, "{}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", max_refs in 0usize..5) {
        let options = RecognizerOptions { max_refs, ..RecognizerOptions::default() };
        assert_invariants(&recognize_with(&text, &options), max_refs)?;
        let _ = unsupported_platform(&text);
    }

    #[test]
    fn arbitrary_xml_never_panics(text in xmlish(), max_refs in 1usize..5) {
        let options = RecognizerOptions { max_refs, ..RecognizerOptions::default() };
        assert_invariants(&recognize_with(&text, &options), max_refs)?;
    }

    #[test]
    fn many_references_are_unique_and_capped(
        picks in proptest::collection::vec(proptest::sample::select(SAMPLES), 0..12),
        separator in proptest::sample::select(TERMINATORS),
        max_refs in 1usize..6,
    ) {
        let text = picks.join(&separator.to_string());
        let options = RecognizerOptions { max_refs, ..RecognizerOptions::default() };
        let refs = recognize_with(&text, &options);
        assert_invariants(&refs, max_refs)?;
        let distinct: HashSet<_> = picks.iter().map(|p| keys(&recognize(p))).collect();
        prop_assert!(refs.len() <= distinct.len());
        prop_assert_eq!(picks.is_empty(), refs.is_empty(), "{}", text);
    }
}
