//! Table tests over real-shaped (all ids invented) messages: spec §5, §6, §7, §8, §10 and §12.

use super::*;
use crate::chat::InboundKind;
use crate::platform::Platform::{Jd, Pdd, Taobao};
use RefKind::{Landing, Short, Token, Url};

type Expected = &'static [(Platform, RefKind, &'static str)];

const PDD_LANDING: &str = "https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=548201937456&pid=23456789_301234567&goods_sign=Z7Q3xYpLm2-kV9aB_c4D5eF6gH7iJ8kLmN0pQ&cpsSign=CC_250301_23456789_301234567_0f1e2d3c4b5a69788796a5b4c3d2e1f0&duoduo_type=2";
const PDD_LAUNCHER: &str = "https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url=duo_coupon_landing.html%3Fgoods_id%3D548201937456%26pid%3D23456789_301234567%26duoduo_type%3D2&campaign=ddjb&cid=launch_";
const PDD_AUTH: &str = "https://mobile.yangkeduo.com/duo_coupon_landing.html?__page=auth&pid=23456789_301234567&customParameters=%7B%22uid%22%3A%22m0042%22%7D&cpsSign=CC_250301_23456789_301234567_00112233445566778899aabbccddeeff&duoduo_type=2";
const PDD_AUTH_LAUNCHER: &str = "https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url=duo_coupon_landing.html%3F__page%3Dauth%26pid%3D23456789_301234567%26duoduo_type%3D2&campaign=ddjb&cid=launch_";
const TB_IOS: &str = "66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9  【限时秒杀】不锈钢保温杯大容量";
const TB_OBFUSCATED: &str =
    "6復製内容￥Wq9zXc3Vb7N￥打k?τao寶?或點擊炼接 https://m.tb.cn/h.Ab4CdE6 至瀏.覽.器【双11预售】";
const TB_TK_LINK: &str = "【淘宝】https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w CZ0057 「加厚珊瑚绒毯子冬季保暖」\n点击链接直接打开 或者 淘宝搜索直接打开";
const JD_SHARE: &str = "【京东】https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@ CA2077 「【京东超市】加厚抽纸24包」\r\n点击链接直接打开 或者复制文案打开京东";
const JD_SHARE_OLD: &str = "【京东】https://u.jd.com/Qm7Zt2K「迷你电煮锅 宿舍可用」点击链接直接打开";
const JD_SHARE_CODE_FIRST: &str = "【京东】ZH3301 https://3.cn/-4KqW8zm 【运动速干T恤】点击链接或者复制文案打开京东";

const CASES: &[(&str, Expected)] = &[
    // §5.1 Pinduoduo
    ("https://mobile.yangkeduo.com/goods.html?goods_id=386512047723", &[(Pdd, Url, "386512047723")]),
    ("https://yangkeduo.com/goods1.html?goods_id=386512047723&page_from=23", &[(Pdd, Url, "386512047723")]),
    ("https://mobile.yangkeduo.com/goods1.html?ps=Tq4mZr8Wcx", &[(Pdd, Url, "Tq4mZr8Wcx")]),
    ("便宜好用：https://mobile.yangkeduo.com/goods.html?ps=Wn3bHk7Qza", &[(Pdd, Url, "Wn3bHk7Qza")]),
    (
        "https://mobile.yangkeduo.com/goods2.html?_wvx=10&refer_share_uin=AB12CD34EF&refer_share_id=9f8e7d6c5b4a&goods_id=518273645091&page_from=35",
        &[(Pdd, Url, "518273645091")],
    ),
    (PDD_LANDING, &[(Pdd, Landing, "Z7Q3xYpLm2-kV9aB_c4D5eF6gH7iJ8kLmN0pQ")]),
    (PDD_LAUNCHER, &[(Pdd, Landing, "548201937456")]),
    ("https://p.pinduoduo.com/Kx82LmQe", &[(Pdd, Short, "Kx82LmQe")]),
    ("拼多多这个划算 https://p.pinduoduo.com/Ab3De5Gh/ 冲", &[(Pdd, Short, "Ab3De5Gh")]),
    ("https://m.yangkeduo.com/goods.html?goods_id=112233445566", &[(Pdd, Url, "112233445566")]),
    ("https://mobile.pinduoduo.com/goods2.html?goods_id=998877665544", &[(Pdd, Url, "998877665544")]),
    ("HTTPS://MOBILE.YANGKEDUO.COM/goods.html?goods_id=123456", &[(Pdd, Url, "123456")]),
    (
        r#"https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=548201937456&customParameters={"uid":"a1","sid":"b2"}&duoduo_type=2"#,
        &[(Pdd, Landing, "548201937456")],
    ),
    (
        "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723&goods_sign=Ab12Cd34Ef56Gh78_x",
        &[(Pdd, Url, "Ab12Cd34Ef56Gh78_x")],
    ),
    // §5.2 JD
    ("https://item.jd.com/100087654321.html", &[(Jd, Url, "100087654321")]),
    ("https://item.jd.hk/5012345678.html", &[(Jd, Url, "5012345678")]),
    ("https://npcitem.jd.hk/5012345679.html", &[(Jd, Url, "5012345679")]),
    ("https://item.yiyaojd.com/100034567890.html", &[(Jd, Url, "100034567890")]),
    ("https://item.m.jd.com/product/100056781234.html?utm_source=share", &[(Jd, Url, "100056781234")]),
    ("https://item.m.jd.com/ware/view.action?wareId=1876543210", &[(Jd, Url, "1876543210")]),
    ("https://wqitem.jd.com/item/view?sku=10078901234", &[(Jd, Url, "10078901234")]),
    ("http://wq.jd.com/item/view?sku=5123456&price=19.90", &[(Jd, Url, "5123456")]),
    ("https://u.jd.com/Qm7Zt2K", &[(Jd, Short, "Qm7Zt2K")]),
    ("https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@", &[(Jd, Short, "1xT-9aBq")]),
    ("https://3.cn/-4KqW8zm", &[(Jd, Short, "-4KqW8zm")]),
    (
        "https://union-click.jd.com/jdc?e=&p=JF8BAQkJK1olXgUKXFhbAEsSAl8IGl0Q",
        &[(Jd, Landing, "https://union-click.jd.com/jdc?e=&p=JF8BAQkJK1olXgUKXFhbAEsSAl8IGl0Q")],
    ),
    (
        "https://coupon.m.jd.com/coupons/show.action?key=9a8b7c6d5e4f40312233445566778899",
        &[(Jd, Landing, "9a8b7c6d5e4f40312233445566778899")],
    ),
    (
        "领券 https://coupon.jd.com/ilink/get/get_coupon.action?XCXSource=1&key=0a1b2c3d4e5f60718293a4b5c6d7e8f9&roleId=123",
        &[(Jd, Landing, "0a1b2c3d4e5f60718293a4b5c6d7e8f9")],
    ),
    ("https://pro.m.jd.com/mall/active/3xYzAbCdEfGh/index.html", &[(Jd, Landing, "3xYzAbCdEfGh")]),
    ("会场 https://prodev.m.jd.com/mall/active/2wQeRtYuIo/index.html?utm=1", &[(Jd, Landing, "2wQeRtYuIo")]),
    // §7 JD share texts
    (JD_SHARE, &[(Jd, Short, "1xT-9aBq")]),
    (JD_SHARE_OLD, &[(Jd, Short, "Qm7Zt2K")]),
    (JD_SHARE_CODE_FIRST, &[(Jd, Short, "-4KqW8zm")]),
    // §5.3 Taobao / Tmall
    ("https://item.taobao.com/item.htm?id=712345678901&spm=a21n57.1.0.0", &[(Taobao, Url, "712345678901")]),
    ("https://detail.tmall.com/item.htm?id=698765432109&skuId=5123456789012", &[(Taobao, Url, "698765432109")]),
    ("https://detail.tmall.com/item.htm?skuId=5123456789012&id=698765432109", &[(Taobao, Url, "698765432109")]),
    ("https://detail.m.tmall.com/item.htm?id=687654321098", &[(Taobao, Url, "687654321098")]),
    ("https://chaoshi.detail.tmall.com/item.htm?id=676543210987&spm=x", &[(Taobao, Url, "676543210987")]),
    ("https://detail.tmall.hk/item.htm?id=665432109876", &[(Taobao, Url, "665432109876")]),
    ("https://h5.m.taobao.com/awp/core/detail.htm?id=654321098765", &[(Taobao, Url, "654321098765")]),
    ("https://world.taobao.com/item/643210987654.htm", &[(Taobao, Url, "643210987654")]),
    ("https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w", &[(Taobao, Short, "h.7KpQzR2mXwY4aBc")]),
    ("https://e.tb.cn/h.Tg5RfD3eWs?tk=Ab1Cd2Ef3Gh", &[(Taobao, Short, "h.Tg5RfD3eWs")]),
    ("https://i.tb.cn/h.Lm9Nb8Vc7X", &[(Taobao, Short, "h.Lm9Nb8Vc7X")]),
    ("https://s.tb.cn/h.Xy9kLm2", &[(Taobao, Short, "h.Xy9kLm2")]),
    ("https://s.tb.cn/c.4hRtQz", &[(Taobao, Short, "c.4hRtQz")]),
    ("https://s.click.taobao.com/Zk8mQp2", &[(Taobao, Short, "Zk8mQp2")]),
    (
        "https://s.click.taobao.com/t?e=m%3D2%26s%3DqW3rT5yU7i&union_lens=lensId%3AOPT%401735689600%400b1c2d3e&relationId=2233445566",
        &[(
            Taobao,
            Landing,
            "https://s.click.taobao.com/t?e=m%3D2%26s%3DqW3rT5yU7i&union_lens=lensId%3AOPT%401735689600%400b1c2d3e&relationId=2233445566",
        )],
    ),
    (
        "https://uland.taobao.com/coupon/edetail?e=Zx9Yw8Vu7T&pid=mm_1234_5678_9012",
        &[(Taobao, Landing, "https://uland.taobao.com/coupon/edetail?e=Zx9Yw8Vu7T&pid=mm_1234_5678_9012")],
    ),
    (
        "椅子看这个[人体工学椅 家用](https://item.taobao.com/item.htm?id=723456789012&skuId=5234567890123)",
        &[(Taobao, Url, "723456789012")],
    ),
    ("链接：https://item.taobao.com/item.htm?id=712345678901.", &[(Taobao, Url, "712345678901")]),
    // §6 淘口令
    ("￥Rt7bQm2XzPa￥", &[(Taobao, Token, "Rt7bQm2XzPa")]),
    ("€Hd4kLp9WnQz€", &[(Taobao, Token, "Hd4kLp9WnQz")]),
    ("₱AbCdEfGhIjK₱ 全字母也是口令", &[(Taobao, Token, "AbCdEfGhIjK")]),
    ("$Uv3wXy5Za7B€ 标记可以混用", &[(Taobao, Token, "Uv3wXy5Za7B")]),
    ("¥ CZ3457 Vb6nTq2LmZx¥", &[(Taobao, Token, "Vb6nTq2LmZx")]),
    ("淘宝：《Mn5bVc2XzLq》", &[(Taobao, Token, "Mn5bVc2XzLq")]),
    ("复制这段话(Kz3mWq8RtYp)打开手淘", &[(Taobao, Token, "Kz3mWq8RtYp")]),
    ("打开ΤAO寶（Pq7wEr5tYu3）", &[(Taobao, Token, "Pq7wEr5tYu3")]),
    ("/Gh5jKl8ZxCv/ 复制后打开淘宝", &[(Taobao, Token, "Gh5jKl8ZxCv")]),
    (TB_IOS, &[(Taobao, Token, "Vb6nTq2LmZx")]),
    (TB_OBFUSCATED, &[(Taobao, Token, "Wq9zXc3Vb7N")]),
    (TB_TK_LINK, &[(Taobao, Short, "h.7KpQzR2mXwY4aBc")]),
    // several references
    (
        "京东 https://item.jd.com/100087654321.html 拼多多 https://p.pinduoduo.com/Kx82LmQe 淘宝 ￥Rt7bQm2XzPa￥",
        &[(Jd, Url, "100087654321"), (Pdd, Short, "Kx82LmQe"), (Taobao, Token, "Rt7bQm2XzPa")],
    ),
    (
        "€Hd4kLp9WnQz€ https://u.jd.com/Qm7Zt2K https://s.click.taobao.com/Zk8mQp2 https://3.cn/-4KqW8zm",
        &[(Taobao, Token, "Hd4kLp9WnQz"), (Jd, Short, "Qm7Zt2K"), (Taobao, Short, "Zk8mQp2")],
    ),
    (
        "https://item.jd.com/100087654321.html 同款 https://item.m.jd.com/product/100087654321.html",
        &[(Jd, Url, "100087654321")],
    ),
    (
        "第一件 ￥Ab3Cd5Ef7Gh￥ https://m.tb.cn/h.First12 【保温杯】\n第二件 ￥Zy9Xw8Vu7Ts￥ https://m.tb.cn/h.Second34 【电煮锅】",
        &[(Taobao, Token, "Ab3Cd5Ef7Gh"), (Taobao, Token, "Zy9Xw8Vu7Ts")],
    ),
    // §10 and §12 negatives
    (PDD_AUTH, &[]),
    (PDD_AUTH_LAUNCHER, &[]),
    (
        "https://mobile.yangkeduo.com/app.html?launch_url=duo_coupon_landing.html%3F__page%253Dauth%26goods_id%3D548201937456",
        &[],
    ),
    ("https://img.pddpic.com/goods/images/2025-03-01/abcdef0123456789abcdef0123456789.jpeg", &[]),
    ("https://t00img.yangkeduo.com/goods/images/2025-03-01/abcdef.jpeg", &[]),
    ("https://jinbao.pinduoduo.com/promotion/single-promotion?goods_id=386512047723", &[]),
    ("https://mobile.yangkeduo.com/search_result.html?search_key=保温杯&goods_id=386512047723", &[]),
    ("https://mobile.yangkeduo.com/goods.html", &[]),
    ("https://p.pinduoduo.com/Ab1", &[]),
    ("https://www.taobao.com/", &[]),
    ("https://www.jd.com/", &[]),
    ("https://help.jd.com/user/issue/list-29.html", &[]),
    ("https://shop123456789.taobao.com/?spm=a1z10", &[]),
    ("https://img.alicdn.com/imgextra/i1/2200000000000/O1CN01abcdEF.jpg", &[]),
    ("https://img14.360buyimg.com/n1/jfs/t1/000000/00/0000/000000/example.jpg", &[]),
    ("https://item.taobao.com.example.org/item.htm?id=712345678901", &[]),
    ("https://item.jd.com.example.net/100087654321.html", &[]),
    ("https://item.taobao.com@evil.example/item.htm?id=712345678901", &[]),
    ("https://item.taobao.com/item.htm?skuId=5234567890123", &[]),
    ("https://item.jd.com/", &[]),
    ("https://u.jd.com/", &[]),
    ("https://union-click.jd.com/", &[]),
    ("https://s.click.taobao.com/", &[]),
    ("https://mp.weixin.qq.com/s/Ab3dE5gH7jK9mN1pQ2rS4t", &[]),
    ("https://t.cn/A6xYz12", &[]),
    ("https://b23.tv/Ab1Cd2E", &[]),
    ("item.jd.com/100087654321.html 不带协议的不算", &[]),
    ("特价￥59￥包邮", &[]),
    ("￥98765432109￥", &[]),
    ("型号(RTX4090SUPR)现货", &[]),
    ("$19.9和$29.9两个价位", &[]),
    ("邀请码 Qw3eR5tY7uI 发给你", &[]),
    ("https://news.example.com/a/Ab12Cd34Ef5/index.html", &[]),
    ("淘宝 https://news.example.com/a/Ab12Cd34Ef5/index.html", &[]),
    ("淘宝订单号(12345678901)", &[]),
    ("淘宝 ￥Rt7bQm2XzPaQ￥ 十二位不算", &[]),
    ("CZ0057 CA2077 ZH3301", &[]),
    ("唯品会 https://detail.vip.com/detail-1234-5678.html 抖音 https://v.douyin.com/Ab1Cd2E/", &[]),
    ("", &[]),
    ("今天天气不错，晚上一起吃饭吗？", &[]),
];

fn found(text: &str) -> Vec<(Platform, RefKind, String)> {
    recognize(text).into_iter().map(|r| (r.platform, r.kind, r.key)).collect()
}

#[test]
fn table_of_real_shaped_messages() {
    assert!(CASES.len() >= 60, "table has {} cases", CASES.len());
    let mut failures = Vec::new();
    for (input, expected) in CASES {
        let expected: Vec<(Platform, RefKind, String)> =
            expected.iter().map(|(p, k, key)| (*p, *k, key.to_string())).collect();
        let got = found(input);
        if got != expected {
            failures.push(format!("{input}\n  expected {expected:?}\n  got      {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failing cases:\n{}", failures.len(), failures.join("\n"));
}

fn one(text: &str) -> ProductRef {
    let refs = recognize(text);
    assert_eq!(refs.len(), 1, "{text}: {refs:?}");
    refs.into_iter().next().unwrap()
}

#[test]
fn share_texts_carry_titles() {
    let cases = [
        (JD_SHARE, "【京东超市】加厚抽纸24包"),
        (JD_SHARE_OLD, "迷你电煮锅 宿舍可用"),
        (JD_SHARE_CODE_FIRST, "运动速干T恤"),
        (TB_IOS, "限时秒杀"),
        (TB_OBFUSCATED, "双11预售"),
        (TB_TK_LINK, "加厚珊瑚绒毯子冬季保暖"),
        ("【好物】https://item.jd.com/100087654321.html", "好物"),
    ];
    for (text, title) in cases {
        assert_eq!(one(text).title.as_deref(), Some(title), "{text}");
    }
    assert_eq!(one("https://item.jd.com/100087654321.html").title, None);
    assert_eq!(one("【京东】https://item.jd.com/100087654321.html").title, None, "a platform hint is not a title");
}

#[test]
fn several_share_texts_keep_their_own_titles() {
    let refs = recognize(
        "第一件 ￥Ab3Cd5Ef7Gh￥ https://m.tb.cn/h.First12 【保温杯】\n第二件 ￥Zy9Xw8Vu7Ts￥ https://m.tb.cn/h.Second34 【电煮锅】",
    );
    let titles: Vec<_> = refs.iter().map(|r| r.title.as_deref()).collect();
    assert_eq!(titles, [Some("保温杯"), Some("电煮锅")]);
    let urls: Vec<_> = refs.iter().map(|r| r.url.as_deref()).collect();
    assert_eq!(urls, [Some("https://m.tb.cn/h.First12"), Some("https://m.tb.cn/h.Second34")]);
}

#[test]
fn token_and_tb_link_merge_into_one_reference() {
    let r = one(TB_IOS);
    assert_eq!(r.kind, Token);
    assert_eq!(r.token.as_deref(), Some("Vb6nTq2LmZx"));
    assert_eq!(r.url.as_deref(), Some("https://m.tb.cn/h.Gh3JkL9"));
    assert_eq!(r.raw, "￥ CZ3457 Vb6nTq2LmZx￥");
    assert_eq!(r.material(), "https://m.tb.cn/h.Gh3JkL9");

    let r = one(TB_OBFUSCATED);
    assert_eq!(r.key, "Wq9zXc3Vb7N");
    assert_eq!(r.url.as_deref(), Some("https://m.tb.cn/h.Ab4CdE6"));
    assert_eq!(r.raw, "￥Wq9zXc3Vb7N￥");
}

#[test]
fn tb_link_keeps_tk_apart_from_the_key() {
    let r = one(TB_TK_LINK);
    assert_eq!(r.key, "h.7KpQzR2mXwY4aBc");
    assert_eq!(r.tk.as_deref(), Some("Pq3Lm8ZtR2w"));
    assert_eq!(r.token, None);
    assert_eq!(r.url.as_deref(), Some("https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w"));
    assert_eq!(r.material(), "https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w");
}

#[test]
fn url_is_the_extracted_span() {
    let r = one("【京东】https://u.jd.com/Qm7Zt2K「迷你电煮锅 宿舍可用」点击链接直接打开");
    assert_eq!(r.url.as_deref(), Some("https://u.jd.com/Qm7Zt2K"));
    assert_eq!(r.raw, "https://u.jd.com/Qm7Zt2K");
    let r = one("椅子看这个[人体工学椅 家用](https://item.taobao.com/item.htm?id=723456789012&skuId=5234567890123)");
    assert_eq!(r.url.as_deref(), Some("https://item.taobao.com/item.htm?id=723456789012&skuId=5234567890123"));
    let r = one(
        r#"https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=548201937456&customParameters={"uid":"a1"}"#,
    );
    assert_eq!(
        r.url.as_deref(),
        Some("https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=548201937456&customParameters=")
    );
    let r = one("看这个 https://item.jd.com/100087654321.html!!");
    assert_eq!(r.url.as_deref(), Some("https://item.jd.com/100087654321.html"));
    assert_eq!(r.source, RefSource::Text);
}

#[test]
fn token_material_is_wrapped_in_markers() {
    let r = one("€Hd4kLp9WnQz€");
    assert_eq!(r.url, None);
    assert_eq!(r.material(), "￥Hd4kLp9WnQz￥");
    assert_eq!(r.raw, "€Hd4kLp9WnQz€");
}

#[test]
fn at_most_max_refs_in_order() {
    let text = "https://item.jd.com/100000000001.html https://item.jd.com/100000000002.html \
                https://item.jd.com/100000000003.html https://item.jd.com/100000000004.html";
    let keys: Vec<_> = recognize(text).into_iter().map(|r| r.key).collect();
    assert_eq!(keys, ["100000000001", "100000000002", "100000000003"]);
    let options = RecognizerOptions { max_refs: 1, ..RecognizerOptions::default() };
    assert_eq!(recognize_with(text, &options).len(), 1);
    let options = RecognizerOptions { max_refs: 0, ..RecognizerOptions::default() };
    assert!(recognize_with(text, &options).is_empty());
}

#[test]
fn options_change_markers_and_length() {
    let options = RecognizerOptions { tpwd_len: 12, ..RecognizerOptions::default() };
    assert_eq!(recognize_with("￥Rt7bQm2XzPaQ￥", &options)[0].key, "Rt7bQm2XzPaQ");
    assert!(recognize_with("￥Rt7bQm2XzPa￥", &options).is_empty());

    let options = RecognizerOptions { strong_markers: vec!['#'], ..RecognizerOptions::default() };
    assert_eq!(recognize_with("#Rt7bQm2XzPa#", &options)[0].key, "Rt7bQm2XzPa");
    assert!(recognize_with("￥Rt7bQm2XzPa￥", &options).is_empty());

    let options = RecognizerOptions { weak_markers: vec![('<', '>')], ..RecognizerOptions::default() };
    assert_eq!(recognize_with("淘宝 <Rt7bQm2XzPa>", &options)[0].key, "Rt7bQm2XzPa");
    assert!(recognize_with("淘宝 (Rt7bQm2XzPa)", &options).is_empty());

    let options = RecognizerOptions { taobao_hints: vec!["闲鱼".into()], ..RecognizerOptions::default() };
    assert_eq!(recognize_with("闲鱼 (Rt7bQm2XzPa)", &options).len(), 1);
    assert!(recognize_with("淘宝 (Rt7bQm2XzPa)", &options).is_empty());
}

#[test]
fn unsupported_platforms_are_named() {
    assert_eq!(unsupported_platform("https://detail.vip.com/detail-1234-5678.html"), Some("唯品会"));
    assert_eq!(unsupported_platform("看看 https://t.vip.com/Ab1Cd2"), Some("唯品会"));
    assert_eq!(unsupported_platform("https://haohuo.jinritemai.com/views/product/item2?id=3456789"), Some("抖音"));
    assert_eq!(unsupported_platform("8.43 复制打开抖音 https://v.douyin.com/Ab1Cd2E/ 看看"), Some("抖音"));
    assert_eq!(unsupported_platform("https://sugs.suning.com/Ab1Cd2"), Some("苏宁"));
    assert_eq!(unsupported_platform("https://item.jd.com/100087654321.html"), None);
    assert_eq!(unsupported_platform("https://detail.vip.com.example.org/x"), None);
    assert_eq!(unsupported_platform("唯品会很便宜"), None);
}

// ---- §8 share cards ----

fn card(kind: &str, body: &str) -> String {
    format!(
        "wxid_m3mb3r77:\n<?xml version=\"1.0\"?>\n<msg>\n\t<appmsg appid=\"\" sdkver=\"0\">\n\t\t<type>{kind}</type>\n{body}\n\t</appmsg>\n\t<fromusername>wxid_m3mb3r77</fromusername>\n</msg>"
    )
}

#[test]
fn link_card_url_is_unescaped_and_classified() {
    let xml = card(
        "5",
        "<title>【京东】加厚抽纸24包</title><des>京东价 ¥39.90</des>\
         <url>https://item.m.jd.com/product/100056781234.html?utm_source=share&amp;utm_medium=weixin</url>\
         <thumburl>https://img10.360buyimg.com/n1/s450x450_jfs/t1/example.jpg</thumburl>",
    );
    let r = one(&xml);
    assert_eq!((r.platform, r.kind, r.key.as_str()), (Jd, Url, "100056781234"));
    assert_eq!(r.source, RefSource::Card);
    assert_eq!(
        r.url.as_deref(),
        Some("https://item.m.jd.com/product/100056781234.html?utm_source=share&utm_medium=weixin")
    );
    assert_eq!(r.title.as_deref(), Some("加厚抽纸24包"));
}

#[test]
fn link_card_without_prefix_and_with_cdata() {
    let xml = "<msg><appmsg><title><![CDATA[保温杯]]></title><type>5</type>\
               <url><![CDATA[https://item.taobao.com/item.htm?id=712345678901&spm=a]]></url></appmsg></msg>";
    let r = one(xml);
    assert_eq!((r.platform, r.key.as_str()), (Taobao, "712345678901"));
    assert_eq!(r.title.as_deref(), Some("保温杯"));
}

#[test]
fn link_card_token_in_description_merges_with_tb_link() {
    let xml = card(
        "5",
        "<title>【淘宝】加厚珊瑚绒毯子</title><des>复制￥Wq9zXc3Vb7N￥打开淘宝</des>\
         <url>https://m.tb.cn/h.Ab4CdE6?tk=Wq9zXc3Vb7N&amp;sm=1</url>",
    );
    let r = one(&xml);
    assert_eq!((r.kind, r.key.as_str()), (Token, "Wq9zXc3Vb7N"));
    assert_eq!(r.url.as_deref(), Some("https://m.tb.cn/h.Ab4CdE6?tk=Wq9zXc3Vb7N&sm=1"));
    assert_eq!(r.tk.as_deref(), Some("Wq9zXc3Vb7N"));
    assert_eq!(r.title.as_deref(), Some("加厚珊瑚绒毯子"));
}

#[test]
fn cards_that_are_not_products() {
    let article = card("5", "<title>今日好文</title><url>https://mp.weixin.qq.com/s/Ab3dE5gH7jK9mN1pQ2rS4t</url>");
    assert!(recognize(&article).is_empty());
    let file = card("6", "<title>报价单.xlsx</title><url>https://item.jd.com/100087654321.html</url>");
    assert!(recognize(&file).is_empty(), "only link, mini-program and quote cards are read");
    let auth = card("5", &format!("<title>授权</title><url>{}</url>", PDD_AUTH.replace('&', "&amp;")));
    assert!(recognize(&auth).is_empty());
    assert!(recognize("<msg><appmsg/></msg>").is_empty());
}

fn mini_card(appid: &str, username: &str, pagepath: &str) -> String {
    card(
        "33",
        &format!(
            "<title>【拼多多】爆款好物</title><sourcedisplayname>小程序</sourcedisplayname>\
             <weappinfo><username>{username}</username><appid>{appid}</appid><pagepath><![CDATA[{pagepath}]]></pagepath></weappinfo>"
        ),
    )
}

#[test]
fn pdd_mini_program_card() {
    let xml = mini_card(
        "wx32540bd863b27570",
        "gh_0e7477744313@app",
        "package_a/welfare_coupon/welfare_coupon?goods_id=291122334455&pid=8714264_70974453&duoduo_type=2",
    );
    let r = one(&xml);
    assert_eq!((r.platform, r.key.as_str(), r.source), (Pdd, "291122334455", RefSource::MiniProgram));
    assert_eq!(r.url, None);
    assert_eq!(r.title.as_deref(), Some("爆款好物"));
    assert_eq!(
        r.raw,
        "package_a/welfare_coupon/welfare_coupon?goods_id=291122334455&pid=8714264_70974453&duoduo_type=2"
    );

    let by_username =
        mini_card("", "gh_0e7477744313@app", "pages/goods/goods?goods_sign=Ab12Cd34Ef56Gh78_x&goods_id=1");
    assert_eq!(one(&by_username).key, "Ab12Cd34Ef56Gh78_x");

    let type36 = mini_card("wx32540bd863b27570", "", "pages/goods/goods?goods_id=12345").replace(">33<", ">36<");
    assert_eq!(one(&type36).key, "12345");
}

#[test]
fn pdd_auth_mini_program_is_not_a_product() {
    let src = "/pages/web/web?specialUrl=1&src=https%3A%2F%2Fmobile.yangkeduo.com%2Fduo_coupon_landing.html%3F__page%253Dauth%26goods_id%3D1%26pid%3D23456789_301234567";
    assert!(recognize(&mini_card("wx32540bd863b27570", "gh_0e7477744313@app", src)).is_empty());
    assert!(recognize(&mini_card("wxa918198f16869201", "gh_a6611aee87d6", src)).is_empty());
    let auth = "package_a/welfare_coupon/welfare_coupon?__page=auth&goods_id=291122334455";
    assert!(recognize(&mini_card("wx32540bd863b27570", "", auth)).is_empty());
}

#[test]
fn jd_mini_program_card() {
    let r = one(&mini_card("wx91d27dbf599dff74", "gh_45b306365c3d@app", "pages/item/detail/detail?sku=100012345678"));
    assert_eq!((r.platform, r.kind, r.key.as_str()), (Jd, Url, "100012345678"));

    let proxy = "/pages/union/proxy/proxy?spreadUrl=https%3A%2F%2Fu.jd.com%2FAb12Cd3";
    let r = one(&mini_card("wx91d27dbf599dff74", "", proxy));
    assert_eq!((r.platform, r.kind, r.key.as_str()), (Jd, Short, "Ab12Cd3"));
    assert_eq!(r.url.as_deref(), Some("https://u.jd.com/Ab12Cd3"));
    assert_eq!(r.source, RefSource::MiniProgram);
    assert_eq!(r.raw, proxy);

    assert!(recognize(&mini_card("wx91d27dbf599dff74", "", "pages/index/index")).is_empty());
    assert!(
        recognize(&mini_card("wx0000000000000000", "gh_000000000000@app", "pages/item?sku=100012345678")).is_empty()
    );
}

#[test]
fn mini_program_ids_are_configurable() {
    let options = RecognizerOptions {
        jd_mini_program: MiniProgramIds { appids: vec!["wx1111222233334444".into()], usernames: Vec::new() },
        ..RecognizerOptions::default()
    };
    let xml = mini_card("wx1111222233334444", "", "pages/item/detail/detail?sku=100012345678");
    assert_eq!(recognize_with(&xml, &options).len(), 1);
    let default_jd = mini_card("wx91d27dbf599dff74", "", "pages/item/detail/detail?sku=100012345678");
    assert!(recognize_with(&default_jd, &options).is_empty());
}

#[test]
fn quote_card_reads_only_the_new_text() {
    let xml = card(
        "57",
        "<title>这个呢 https://item.jd.com/100087654321.html</title>\
         <refermsg><type>1</type><content>https://p.pinduoduo.com/Kx82LmQe</content></refermsg>",
    );
    let r = one(&xml);
    assert_eq!((r.platform, r.key.as_str(), r.source), (Jd, "100087654321", RefSource::Text));
}

#[test]
fn malformed_card_falls_back_to_text() {
    let xml = "<msg><appmsg><type>5</type><url>https://item.jd.com/100087654321.html</url></title></appmsg></msg>";
    let r = one(xml);
    assert_eq!((r.platform, r.key.as_str(), r.source), (Jd, "100087654321", RefSource::Text));
    let unclosed = "看 <appmsg> https://u.jd.com/Qm7Zt2K";
    assert_eq!(one(unclosed).key, "Qm7Zt2K");
}

#[test]
fn typed_cards_from_the_chat_layer_are_read_by_their_fields() {
    let options = RecognizerOptions::default();
    let link = InboundKind::Link {
        url: "https://m.tb.cn/h.Ab4CdE6?tk=Wq9zXc3Vb7N&sm=1".into(),
        title: "【淘宝】加厚珊瑚绒毯子".into(),
        desc: "复制￥Wq9zXc3Vb7N￥打开淘宝".into(),
    };
    let refs = recognize_message(&link, "https://item.jd.com/100087654321.html", &options);
    assert_eq!(refs.len(), 1, "the card's fields, not the text: {refs:?}");
    assert_eq!((refs[0].kind, refs[0].key.as_str(), refs[0].source), (Token, "Wq9zXc3Vb7N", RefSource::Card));
    assert_eq!(refs[0].title.as_deref(), Some("加厚珊瑚绒毯子"));

    let mini = InboundKind::MiniProgram {
        appid: "wx91d27dbf599dff74".into(),
        username: String::new(),
        pagepath: "pages/item/detail/detail?sku=100012345678".into(),
        title: "【京东】保温杯".into(),
    };
    let r = recognize_message(&mini, "", &options).remove(0);
    assert_eq!((r.platform, r.key.as_str(), r.source), (Jd, "100012345678", RefSource::MiniProgram));

    let quote = InboundKind::Quote { text: "这个呢 https://u.jd.com/Qm7Zt2K".into() };
    assert_eq!(recognize_message(&quote, "", &options)[0].key, "Qm7Zt2K");
    let text = "看看 https://item.jd.com/100087654321.html";
    assert_eq!(recognize_message(&InboundKind::Text, text, &options)[0].key, "100087654321");
    assert!(recognize_message(&InboundKind::Image, text, &options).is_empty(), "an image holds no reference");
    assert!(recognize_message(&InboundKind::Text, text, &RecognizerOptions { max_refs: 0, ..options }).is_empty());
}
