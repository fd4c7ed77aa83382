//! The collection fixture set: realistic deal messages as 线报 groups post them, each with its expected outcome
//! (the forwarded text, with `{}` standing for each of our links in order, or the drop reason). Every reference
//! is converted for real by our clients against the union simulators. Property checked on every forwarded text:
//! each reference the recognizer finds in it is a link or 口令 the union issued to us for our PID, and nothing
//! that looks like a link or 口令 is left besides.

use super::deal::{self, Message, leftover};
use super::{CleanRule, Cleaner, SourceSpec};
use crate::affiliate::{Affiliates, Attribution, Conversion};
use crate::chat::InboundKind;
use crate::links::{self, RecognizerOptions};
use crate::sim::{SimCredentials, Simulators};

enum Msg {
    Text(&'static str),
    /// A link card: title, URL.
    Link(&'static str, &'static str),
    /// A mini-program card: title, appid, page path.
    Mini(&'static str, &'static str, &'static str),
}

enum Expect {
    Forward(&'static str),
    Dropped(&'static str),
}

struct Fixture {
    name: &'static str,
    msg: Msg,
    announcer: bool,
    expect: Expect,
}

const fn case(name: &'static str, msg: Msg, expect: Expect) -> Fixture {
    Fixture { name, msg, announcer: false, expect }
}

use Expect::{Dropped, Forward};
use Msg::{Link, Mini, Text};

const PDD_MINI: &str = "wx32540bd863b27570";
const JD_MINI: &str = "wx91d27dbf599dff74";

fn fixtures() -> Vec<Fixture> {
    vec![
        case(
            "pdd short link with copy",
            Text("【拼多多】维达抽纸24包 券后19.9\nhttps://p.pinduoduo.com/Ab12Cd34\n手慢无"),
            Forward("【拼多多】维达抽纸24包 券后19.9\n{}\n手慢无"),
        ),
        case(
            "pdd goods page",
            Text("拼多多百亿补贴 蓝牙耳机 券后69 https://mobile.yangkeduo.com/goods.html?goods_id=386512047723"),
            Forward("拼多多百亿补贴 蓝牙耳机 券后69 {}"),
        ),
        case(
            "pdd goods2 page",
            Text("🔥洗脸巾3包 到手9.9\nhttps://mobile.pinduoduo.com/goods2.html?goods_id=998877665544"),
            Forward("🔥洗脸巾3包 到手9.9\n{}"),
        ),
        case(
            "pdd short link twice",
            Text("拼多多 收纳箱 https://p.pinduoduo.com/Rt56Yu78\n再发一次 https://p.pinduoduo.com/Rt56Yu78"),
            Forward("拼多多 收纳箱 {}\n再发一次 {}"),
        ),
        case(
            "jd short link",
            Text("京东 农夫山泉24瓶 券后29.9 https://u.jd.com/Ab12Cd3"),
            Forward("京东 农夫山泉24瓶 券后29.9 {}"),
        ),
        case(
            "jd item page",
            Text("【京东自营】加厚抽纸\nhttps://item.jd.com/100087654321.html\n下单立减5元"),
            Forward("【京东自营】加厚抽纸\n{}\n下单立减5元"),
        ),
        case("jd 3.cn link", Text("京东秒杀 牙刷 https://3.cn/-4KqW8zm 抢"), Forward("京东秒杀 牙刷 {} 抢")),
        case(
            "jd mobile page",
            Text("https://item.m.jd.com/product/100056781234.html?utm_source=share 洗衣液到手39"),
            Forward("{} 洗衣液到手39"),
        ),
        case(
            "taobao token with copy",
            Text("【淘宝】不锈钢保温杯 券后19.9\n￥Hd4kLp9WnQz￥\n复制打开手淘"),
            Forward("【淘宝】不锈钢保温杯 券后19.9\n{}\n复制打开手淘"),
        ),
        case(
            "taobao share string with its tb.cn link",
            Text("66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9  【限时秒杀】不锈钢保温杯大容量"),
            Forward("66{} {}  【限时秒杀】不锈钢保温杯大容量"),
        ),
        case(
            "taobao traditional share text",
            Text("6復製内容￥Wq9zXc3Vb7N￥打k?τao寶?或點擊炼接 https://m.tb.cn/h.Ab4CdE6 至瀏.覽.器【双11预售】"),
            Forward("6復製内容{}打k?τao寶?或點擊炼接 {} 至瀏.覽.器【双11预售】"),
        ),
        case(
            "tmall supermarket page",
            Text("天猫超市 洗发水 https://chaoshi.detail.tmall.com/item.htm?id=676543210987&spm=x 第二件0元"),
            Forward("天猫超市 洗发水 {} 第二件0元"),
        ),
        case(
            "taobao s.click link",
            Text("淘宝 数据线 https://s.click.taobao.com/Zk8mQp2 券后9.9"),
            Forward("淘宝 数据线 {} 券后9.9"),
        ),
        case(
            "taobao item page",
            Text("淘宝好价 https://item.taobao.com/item.htm?id=712345678901&spm=a21n57.1.0.0\n拍2件"),
            Forward("淘宝好价 {}\n拍2件"),
        ),
        case(
            "tmall page",
            Text("天猫旗舰店 https://detail.tmall.com/item.htm?id=698765432109&skuId=5123456789012 空调"),
            Forward("天猫旗舰店 {} 空调"),
        ),
        case(
            "three platforms in one message",
            Text(
                "今日三连：\n1. 拼多多 纸巾 https://p.pinduoduo.com/Qw12Er34\n2. 京东 牙膏 https://u.jd.com/Zx98Cv7\n3. 淘宝 杯子 ￥Rt7bQm2XzPa￥",
            ),
            Forward("今日三连：\n1. 拼多多 纸巾 {}\n2. 京东 牙膏 {}\n3. 淘宝 杯子 {}"),
        ),
        case(
            "two pdd items",
            Text("拼多多双拼\nA款 https://p.pinduoduo.com/Mn12Bv34\nB款 https://p.pinduoduo.com/Mn56Bv78"),
            Forward("拼多多双拼\nA款 {}\nB款 {}"),
        ),
        case(
            "jd and taobao pair",
            Text("京东 https://item.jd.com/100012043978.html 29.9\n淘宝同款 ￥Pk8vLm3NqZx￥ 25.9"),
            Forward("京东 {} 29.9\n淘宝同款 {} 25.9"),
        ),
        case(
            "ad line with a wechat contact is cleaned",
            Text("【拼多多】洗衣凝珠 券后14.9 https://p.pinduoduo.com/Lk09Jh87\n加微信 tb_fan888 进内部群"),
            Forward("【拼多多】洗衣凝珠 券后14.9 {}"),
        ),
        case(
            "group number is cleaned",
            Text("京东 牛奶12盒 https://u.jd.com/Pq45Rs6\n\n群号：123456789 欢迎拉人"),
            Forward("京东 牛奶12盒 {}"),
        ),
        case(
            "the source's tag is cleaned by regex",
            Text("【线报君】拼多多 晾衣架 https://p.pinduoduo.com/Gh67Jk89"),
            Forward("拼多多 晾衣架 {}"),
        ),
        case(
            "an ad line with its own link is cleaned away",
            Text("淘宝 纸巾 ￥Mn3bVc8XzLk￥\n加微信领券 https://weixin.qq.com/r/abcdefg"),
            Forward("淘宝 纸巾 {}"),
        ),
        case(
            "a public-account plug is cleaned",
            Text("京东 洗碗机 https://u.jd.com/Wx11Yz2\n关注公众号「好价线报」每天更新"),
            Forward("京东 洗碗机 {}"),
        ),
        case("vip link alone", Text("唯品会 羽绒服 https://m.vip.com/product-1-2.html 好价"), Dropped("unsupported")),
        case(
            "vip link beside a product",
            Text("拼多多 https://p.pinduoduo.com/Ab12Cd34 唯品会 https://m.vip.com/product-1-2.html"),
            Dropped("unsupported"),
        ),
        case(
            "an unknown shortener beside a product",
            Text("拼多多 拖鞋 https://p.pinduoduo.com/Ab99Cd88\n更多 https://dwz.cn/Xy12Ab"),
            Dropped("unconverted"),
        ),
        case("an unknown shortener alone", Text("好价合集 https://dwz.cn/Ab12Cd 速度"), Dropped("no_product")),
        case(
            "another app's 口令 beside a product",
            Text("拼多多 https://p.pinduoduo.com/Cv34Bn56\n抖音同款 复制口令 (Zx8Kd93LmQp) 打开"),
            Dropped("unconverted"),
        ),
        case(
            "a mini-program path beside a product",
            Text("京东 https://u.jd.com/Ab12Cd3 或 #小程序://京东购物/Ab12Cd3"),
            Dropped("unconverted"),
        ),
        case(
            "a bare foreign short domain beside a product",
            Text("拼多多 https://p.pinduoduo.com/Ty12Ui34 备用 t.cn/Ab12Cd3"),
            Dropped("unconverted"),
        ),
        case(
            "a jd coupon page beside the item",
            Text(
                "京东 先领券 https://coupon.m.jd.com/coupons/show.action?key=9a8b7c6d5e4f40312233445566778899 再买 https://item.jd.com/100087654321.html",
            ),
            Forward("京东 先领券 {} 再买 {}"),
        ),
        case("a greeting", Text("大家早上好☀️ 今天也要省钱哦"), Dropped("no_product")),
        case("an announcement from a poster", Text("今晚8点有大额券，记得蹲守！"), Dropped("no_product")),
        Fixture {
            name: "an announcement from an announcer",
            msg: Text("今晚8点有大额券，记得蹲守！"),
            announcer: true,
            expect: Forward("今晚8点有大额券，记得蹲守！"),
        },
        Fixture {
            name: "an announcement with a foreign link",
            msg: Text("今晚8点大额券合集 https://dwz.cn/Ab12Cd"),
            announcer: true,
            expect: Dropped("unconverted"),
        },
        case("an excluded keyword", Text("代购 日本药妆 https://p.pinduoduo.com/Ds34Fg56"), Dropped("excluded")),
        case(
            "jd link card",
            Link("【京东】加厚抽纸24包", "https://item.m.jd.com/product/100056781234.html?utm_source=share"),
            Forward("【京东】加厚抽纸24包\n{}"),
        ),
        case(
            "pdd link card",
            Link("拼多多 百亿补贴", "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723"),
            Forward("拼多多 百亿补贴\n{}"),
        ),
        case("vip link card", Link("唯品会特卖", "https://m.vip.com/product-1-2.html"), Dropped("unsupported")),
        case(
            "pdd mini-program card",
            Mini(
                "【拼多多】爆款好物",
                PDD_MINI,
                "package_a/welfare_coupon/welfare_coupon?goods_id=291122334455&pid=8714264_70974453&duoduo_type=2",
            ),
            Forward("【拼多多】爆款好物\n{}"),
        ),
        case(
            "jd mini-program card",
            Mini("京东好物", JD_MINI, "pages/item/detail/detail?sku=100012043978"),
            Forward("京东好物\n{}"),
        ),
        case(
            "a jd mini-program card of an item without commission",
            Mini("京东好物", JD_MINI, "pages/item/detail/detail?sku=100012345678"),
            Dropped("conversion"),
        ),
        case(
            "an unknown mini-program card",
            Mini("某小程序", "wx0000000000000000", "pages/a/b?id=1"),
            Dropped("no_product"),
        ),
        case(
            "too many links",
            Text(
                "清单 https://u.jd.com/Ab12Cd01 https://u.jd.com/Ab12Cd02 https://u.jd.com/Ab12Cd03 https://u.jd.com/Ab12Cd04 https://u.jd.com/Ab12Cd05 https://u.jd.com/Ab12Cd06 https://u.jd.com/Ab12Cd07 https://u.jd.com/Ab12Cd08 https://u.jd.com/Ab12Cd09 https://u.jd.com/Ab12Cd10 https://u.jd.com/Ab12Cd11",
            ),
            Dropped("too_big"),
        ),
        case(
            "a multi-line deal with prices and emoji",
            Text("💥神价💥\n洁柔抽纸 30包\n原价59.9 券后29.9\n👉 https://u.jd.com/Ls90Kd3\n⏰ 限量500件"),
            Forward("💥神价💥\n洁柔抽纸 30包\n原价59.9 券后29.9\n👉 {}\n⏰ 限量500件"),
        ),
    ]
}

fn spec() -> SourceSpec {
    SourceSpec {
        rules: vec![
            CleanRule::Line("加微信".into()),
            CleanRule::Line("群号".into()),
            CleanRule::Line("关注公众号".into()),
            CleanRule::Regex("【线报君】".into()),
        ],
        exclude: vec!["代购".into()],
        ..SourceSpec::default()
    }
}

fn xml_of(msg: &Msg) -> (InboundKind, String) {
    match *msg {
        Text(t) => (InboundKind::Text, t.to_string()),
        Link(title, url) => (
            InboundKind::Link { url: url.into(), title: title.into(), desc: String::new() },
            format!(
                "<msg><appmsg appid=\"\" sdkver=\"0\"><title>{title}</title><type>5</type><url>{}</url></appmsg></msg>",
                url.replace('&', "&amp;")
            ),
        ),
        Mini(title, appid, path) => (
            InboundKind::MiniProgram {
                appid: appid.into(),
                username: String::new(),
                pagepath: path.into(),
                title: title.into(),
            },
            format!(
                "<msg><appmsg appid=\"\" sdkver=\"0\"><title>{title}</title><type>33</type><sourcedisplayname>小程序</sourcedisplayname><weappinfo><username></username><appid>{appid}</appid><pagepath><![CDATA[{path}]]></pagepath></weappinfo></appmsg></msg>"
            ),
        ),
    }
}

/// Our clients against freshly started simulators.
async fn affiliates() -> (Simulators, Affiliates) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/sim", listener.local_addr().unwrap());
    let sims = Simulators::new(&SimCredentials::default(), &base);
    sims.pdd.set_require_member_auth(false);
    let app = axum::Router::new().nest("/sim", sims.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let settings = crate::demo::settings_for_simulators(&base, "http://localhost", "sqlite::memory:", "s");
    (sims, Affiliates::from_settings(&settings.affiliate, reqwest::Client::new()))
}

fn pid_of(platform: crate::platform::Platform) -> &'static str {
    match platform {
        crate::platform::Platform::Pdd => crate::demo::DEMO_PDD_PID,
        crate::platform::Platform::Jd => crate::demo::DEMO_JD_PID,
        crate::platform::Platform::Taobao => crate::demo::DEMO_TAOBAO_PID,
    }
}

/// Every string the union handed us for our conversions: links, commands and the 口令 inside them.
fn issued_to_us(conversions: &[Conversion]) -> Vec<String> {
    let mut ours = Vec::new();
    for c in conversions {
        let p = &c.promotion;
        ours.push(p.url.clone());
        ours.extend(p.short_url.clone());
        if let Some(command) = &p.command {
            ours.push(command.clone());
            for r in links::recognize_with(command, &RecognizerOptions { max_refs: 10, ..Default::default() }) {
                ours.extend(r.token.map(|t| format!("￥{t}￥")));
                ours.extend(r.url);
            }
        }
    }
    ours
}

fn fill(template: &str, pieces: &[String]) -> String {
    let mut out = String::new();
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or_default());
    for (n, part) in parts.enumerate() {
        out.push_str(&pieces[n]);
        out.push_str(part);
    }
    out
}

#[tokio::test]
async fn every_fixture_has_its_expected_outcome_and_forwards_only_our_references() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 40, "the fixture set has {} messages", fixtures.len());
    let (_sims, affiliates) = affiliates().await;
    let spec = spec();
    let cleaner = Cleaner::new(&spec.rules);
    let mut forwarded = 0;
    let mut wrong = Vec::new();
    for f in &fixtures {
        let (kind, xml) = xml_of(&f.msg);
        let message = Message::of(&kind, &xml).unwrap();
        let outcome = match deal::prepare(message, &spec, &cleaner, f.announcer) {
            Err(reason) => Err(reason.code().to_string()),
            Ok(prepared) => {
                let mut conversions = Vec::new();
                let mut failed = None;
                for r in &prepared.refs {
                    let attr = Attribution { tag: Some("c1".into()), ..Attribution::pid_only(pid_of(r.platform)) };
                    match affiliates.convert(r, &attr).await {
                        Ok(c) => conversions.push(c),
                        Err(_) => failed = Some("conversion".to_string()),
                    }
                }
                match failed {
                    Some(why) => Err(why),
                    None => {
                        let promotions: Vec<_> = conversions.iter().map(|c| &c.promotion).collect();
                        match deal::rewrite(&prepared, &promotions) {
                            Err(reason) => Err(reason.code().to_string()),
                            Ok(rewritten) => Ok((rewritten, issued_to_us(&conversions))),
                        }
                    }
                }
            }
        };
        match (&f.expect, outcome) {
            (Forward(template), Ok((rewritten, ours))) => {
                if rewritten.text != fill(template, &rewritten.ours) {
                    wrong.push(format!("{}: forwarded as {:?}", f.name, rewritten.text));
                    continue;
                }
                let options = RecognizerOptions { max_refs: 20, ..Default::default() };
                for r in links::recognize_with(&rewritten.text, &options) {
                    let is_ours = |s: &str| ours.iter().any(|o| o == s || o.contains(s));
                    assert!(is_ours(&r.raw), "{}: `{}` was not issued to us", f.name, r.raw);
                    assert!(r.url.as_deref().is_none_or(is_ours), "{}: `{:?}` was not issued to us", f.name, r.url);
                }
                let mut rest = rewritten.text.clone();
                for o in &rewritten.ours {
                    rest = rest.replace(o.as_str(), " ");
                }
                assert_eq!(leftover(&rest), None, "{}: something foreign left in {}", f.name, rewritten.text);
                forwarded += 1;
            }
            (Dropped(code), Err(got)) if got == *code => {}
            (Dropped(code), Err(got)) => wrong.push(format!("{}: expected dropped ({code}), got {got}", f.name)),
            (Forward(_), Err(got)) => wrong.push(format!("{}: expected forwarded, got dropped: {got}", f.name)),
            (Dropped(code), Ok((r, _))) => {
                wrong.push(format!("{}: expected dropped ({code}), got forwarded: {}", f.name, r.text))
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(forwarded >= 25, "only {forwarded} fixtures forwarded");
}
