//! Black-box tests: the real client over HTTP against the Taobao simulator.

use super::*;
use crate::config::Secret;
use crate::links::{RefKind, RefSource};
use crate::sim::SimCredentials;
use crate::sim::catalog;
use crate::sim::taobao::{DEMO_SESSION, TaobaoFault, TaobaoSim};
use std::collections::HashMap;

const T0: i64 = 1_735_689_600; // 2025-01-01 08:00:00 +08:00
const PID: &str = "mm_128572012_2181300208_111067000033";

async fn serve(sim: &TaobaoSim) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().nest("/taobao", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn settings(base: &str, secret: &str, sign_method: &str) -> TaobaoSettings {
    TaobaoSettings {
        enabled: true,
        gateway_url: format!("{base}/taobao/router/rest"),
        app_key: SimCredentials::default().taobao_app_key,
        app_secret: Secret::new(secret),
        sign_method: sign_method.into(),
        default_pid: PID.into(),
        session: Secret::default(),
        qps: 1000,
        timeout_ms: 5_000,
        max_attempts: 3,
        invite_code: crate::sim::taobao::MEMBER_INVITE_CODE.into(),
        oauth_url: format!("{base}/taobao/oauth"),
    }
}

async fn setup() -> (TaobaoSim, TaobaoClient, String) {
    let creds = SimCredentials::default();
    let sim = TaobaoSim::new(&creds, "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let client = TaobaoClient::new(settings(&base, &creds.taobao_app_secret, "md5"), reqwest::Client::new());
    (sim, client, base)
}

fn tb_ref(kind: RefKind, key: &str, url: Option<&str>, token: Option<&str>) -> ProductRef {
    ProductRef {
        platform: Platform::Taobao,
        kind,
        key: key.into(),
        url: url.map(str::to_string),
        token: token.map(str::to_string),
        tk: None,
        title: None,
        source: RefSource::Text,
        raw: url.or(token).unwrap_or_default().into(),
    }
}

fn attr(relation_id: Option<&str>, special_id: Option<&str>) -> Attribution {
    Attribution {
        pid: PID.into(),
        member: None,
        tag: None,
        relation_id: relation_id.map(str::to_string),
        special_id: special_id.map(str::to_string),
    }
}

fn item_with_commission(with: bool) -> u64 {
    (712_345_678_901u64..).find(|id| (catalog::item_by_id(Platform::Taobao, *id).commission_bps > 0) == with).unwrap()
}

fn is_command(c: &str) -> bool {
    let body = c.strip_prefix('￥').and_then(|c| c.strip_suffix('￥')).unwrap_or_default();
    body.len() == 11 && body.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[tokio::test]
async fn converts_item_short_union_links_and_tokens_with_every_sign_method() {
    let creds = SimCredentials::default();
    let sim = TaobaoSim::new(&creds, "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let id = item_with_commission(true);
    let item = catalog::item_by_id(Platform::Taobao, id);
    for sign_method in ["md5", "hmac", "hmac-sha256"] {
        let client = TaobaoClient::new(settings(&base, &creds.taobao_app_secret, sign_method), reqwest::Client::new());
        for url in [
            format!("https://item.taobao.com/item.htm?id={id}&spm=a21n57.1.0.0"),
            format!("https://detail.tmall.com/item.htm?id={id}&skuId=5123456789012"),
        ] {
            let c = client
                .convert(&tb_ref(RefKind::Url, &id.to_string(), Some(&url), None), &attr(None, None))
                .await
                .unwrap();
            assert_eq!(c.product.item_id, id.to_string());
            assert_eq!(c.product.title, item.title);
            assert_eq!(c.product.price, Fen(item.price_fen));
            assert_eq!(c.product.commission_rate, Bps(item.commission_bps));
            assert_eq!(
                c.product.coupon.as_ref().map(|c| c.amount),
                (item.coupon_fen > 0).then_some(Fen(item.coupon_fen))
            );
            assert_eq!(c.product.image_url, Some(format!("http://cdn.test/cdn{}", item.image_path)));
            assert_eq!(c.product.estimated_commission, c.product.final_price.apply_rate(c.product.commission_rate));
            assert!(c.promotion.short_url.as_deref().unwrap().starts_with("https://s.click.taobao.com/"));
            let cmd = c.promotion.command.as_deref().unwrap();
            assert!(is_command(cmd), "{cmd}");
        }
    }
    let client = TaobaoClient::new(settings(&base, &creds.taobao_app_secret, "md5"), reqwest::Client::new());
    let others = [
        tb_ref(RefKind::Short, "Zk8mQp2", Some("https://s.click.taobao.com/Zk8mQp2"), None),
        tb_ref(RefKind::Short, "h.7KpQzR2mXwY4aBc", Some("https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w"), None),
        tb_ref(RefKind::Short, "c.4hRtQz", Some("https://s.tb.cn/c.4hRtQz"), None),
        tb_ref(
            RefKind::Landing,
            "x",
            Some("https://uland.taobao.com/coupon/edetail?e=Zx9Yw8Vu7T&pid=mm_1234_5678_9012"),
            None,
        ),
        tb_ref(RefKind::Token, "Rt7bQm2XzPa", None, Some("Rt7bQm2XzPa")),
        tb_ref(RefKind::Token, "Vb6nTq2LmZx", Some("https://m.tb.cn/h.Gh3JkL9"), Some("Vb6nTq2LmZx")),
    ];
    for r in &others {
        match client.convert(r, &attr(Some("2145841445"), None)).await {
            Ok(c) => assert!(!c.product.title.is_empty() && c.promotion.url.starts_with("https://")),
            // A key may hash to a catalogue item without commission.
            Err(AffiliateError::NoCommission) => {}
            Err(e) => panic!("{}: {e:?}", r.raw),
        }
    }
    // tpwd.create rotated through all three answer forms and each gave a clean command.
    assert!(sim.calls(TPWD_CREATE) >= 6);
}

#[tokio::test]
async fn our_own_links_and_tokens_resolve_back_to_the_item() {
    let (_sim, client, _) = setup().await;
    let id = item_with_commission(true);
    let url = format!("https://item.taobao.com/item.htm?id={id}");
    let mut commands = Vec::new();
    for _ in 0..3 {
        let c =
            client.convert(&tb_ref(RefKind::Url, &id.to_string(), Some(&url), None), &attr(None, None)).await.unwrap();
        let cmd = c.promotion.command.clone().unwrap();
        let body = cmd.trim_matches('￥').to_string();
        let back = client.convert(&tb_ref(RefKind::Token, &body, None, Some(&body)), &attr(None, None)).await.unwrap();
        assert_eq!(back.product.item_id, id.to_string());
        for link in [c.promotion.short_url.clone().unwrap(), c.promotion.url.clone()] {
            let back =
                client.convert(&tb_ref(RefKind::Short, "s", Some(&link), None), &attr(None, None)).await.unwrap();
            assert_eq!(back.product.item_id, id.to_string(), "{link}");
        }
        commands.push(cmd);
    }
    commands.dedup();
    assert_eq!(commands.len(), 3);
}

#[tokio::test]
async fn search_reads_per_ten_thousand_rates_into_basis_points() {
    let (_sim, client, _) = setup().await;
    let found = client.search("抽纸", 1, 100).await.unwrap();
    let expected: Vec<_> =
        catalog::search(Platform::Taobao, "抽纸").into_iter().filter(|i| i.commission_bps > 0).collect();
    assert!(!found.is_empty());
    assert_eq!(found.len(), expected.len().min(100));
    for (p, item) in found.iter().zip(&expected) {
        assert_eq!(p.item_id, item.id.to_string());
        assert_eq!(p.price, Fen(item.price_fen));
        assert_eq!(p.commission_rate, Bps(item.commission_bps));
        if item.coupon_fen > 0 {
            let c = p.coupon.as_ref().unwrap();
            assert_eq!((c.amount, c.threshold), (Fen(item.coupon_fen), Fen(item.coupon_threshold_fen)));
            assert_eq!(p.final_price, Fen(item.price_fen - item.coupon_fen));
        } else {
            assert_eq!(p.final_price, p.price);
        }
    }
    let page2 = client.search("抽纸", 2, 1).await.unwrap();
    assert_eq!(page2.first().map(|p| &p.item_id), found.get(1).map(|p| &p.item_id));
}

#[tokio::test]
async fn orders_page_by_position_index_and_move_to_settled_or_closed() {
    let (sim, client, _) = setup().await;
    sim.set_now(Some(T0));
    let id = item_with_commission(true);
    let url = format!("https://item.taobao.com/item.htm?id={id}");
    let relations = ["2145841001", "2145841002", "2145841003", "2145841004", "2145841005", "2145841006", "2145841007"];
    for rel in relations {
        let r = tb_ref(RefKind::Url, &id.to_string(), Some(&url), None);
        client.convert(&r, &attr(Some(rel), Some("88"))).await.unwrap();
    }
    sim.advance(Duration::from_secs(3600));
    let (start, end) = (T0, T0 + 3 * 3600);
    let mut rows = Vec::new();
    let mut position: Option<String> = None;
    for page_no in 1.. {
        let p = client.order_page(start, end, page_no, 2, position.as_deref(), 1).await.unwrap();
        assert!(p.rows.len() <= 2);
        rows.extend(p.rows);
        position = p.position_index;
        if !p.has_next {
            break;
        }
    }
    assert_eq!(rows.len(), relations.len());
    for row in &rows {
        assert_eq!(row.tk_status, 12);
        assert_eq!(row.adzone_id, "111067000033");
        assert_eq!(row.site_id, "2181300208");
        assert!(relations.contains(&row.relation_id.as_deref().unwrap()));
        assert_eq!(row.special_id.as_deref(), Some("88"));
        assert_eq!(row.tk_earning_time, None);
        assert!(row.pub_share_pre_fee.0 > 0 && row.pub_share_fee == Fen::ZERO);
        assert!(row.trade_id.parse::<u64>().unwrap() > 1 << 53);
    }

    sim.advance(Duration::from_secs(6 * 86_400));
    let mut latest: HashMap<String, OrderRow> = HashMap::new();
    let mut start = T0;
    while start < T0 + 7 * 86_400 {
        let mut position: Option<String> = None;
        for page_no in 1.. {
            let p = client.order_page(start, start + 3 * 3600, page_no, 100, position.as_deref(), 1).await.unwrap();
            for row in p.rows {
                latest.insert(row.trade_id.clone(), row);
            }
            position = p.position_index;
            if !p.has_next {
                break;
            }
        }
        start += 3 * 3600;
    }
    assert_eq!(latest.len(), relations.len());
    for row in latest.values() {
        match row.tk_status {
            3 => {
                assert_eq!(row.pub_share_fee, row.pub_share_pre_fee);
                assert!(row.tk_earning_time.is_some());
            }
            13 => assert_eq!(row.pub_share_fee, Fen::ZERO),
            other => panic!("unexpected tk_status {other}"),
        }
    }

    let e = client.order_page(T0, T0 + 3 * 3600 + 1, 1, 20, None, 1).await.unwrap_err();
    assert!(matches!(e, AffiliateError::Rejected { .. }), "{e:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_as_an_invalid_signature() {
    let sim = TaobaoSim::new(&SimCredentials::default(), "http://cdn.test/cdn");
    let base = serve(&sim).await;
    for sign_method in ["md5", "hmac", "hmac-sha256"] {
        let client = TaobaoClient::new(settings(&base, "wrong-secret", sign_method), reqwest::Client::new());
        let e = client.search("抽纸", 1, 10).await.unwrap_err();
        assert!(matches!(e, AffiliateError::Misconfigured { ref code, .. } if code == "25"), "{e:?}");
    }
    assert_eq!(sim.calls(MATERIAL_OPTIONAL), 3);
}

#[tokio::test]
async fn throttling_waits_the_ban_then_surfaces_as_rate_limited() {
    let creds = SimCredentials::default();
    let sim = TaobaoSim::new(&creds, "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let mut s = settings(&base, &creds.taobao_app_secret, "md5");
    s.max_attempts = 2;
    let client = TaobaoClient::new(s, reqwest::Client::new());
    sim.inject(TaobaoFault::Throttled { ban_secs: 1 }, 10);
    let started = std::time::Instant::now();
    let e = client.search("抽纸", 1, 10).await.unwrap_err();
    assert!(matches!(e, AffiliateError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(1)), "{e:?}");
    assert_eq!(sim.calls(MATERIAL_OPTIONAL), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited the ban between attempts");

    sim.clear_faults();
    sim.inject(TaobaoFault::RemoteError, 1);
    assert!(client.search("抽纸", 1, 10).await.is_ok());
    assert_eq!(sim.calls(MATERIAL_OPTIONAL), 4);
}

#[tokio::test]
async fn an_expired_session_is_token_expired_and_a_valid_one_reads_orders() {
    let creds = SimCredentials::default();
    let sim = TaobaoSim::new(&creds, "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let mut s = settings(&base, &creds.taobao_app_secret, "hmac");
    s.session = Secret::new("session-of-yesterday");
    sim.add_session("session-of-yesterday");
    sim.expire_session("session-of-yesterday");
    let client = TaobaoClient::new(s.clone(), reqwest::Client::new());
    let now = sim.now();
    let e = client.order_page(now - 3600, now, 1, 20, None, 1).await.unwrap_err();
    assert!(matches!(e, AffiliateError::TokenExpired), "{e:?}");
    assert_eq!(sim.calls(SC_ORDERS), 1, "no retry on an expired session");

    s.session = Secret::new(DEMO_SESSION);
    let client = TaobaoClient::new(s, reqwest::Client::new());
    let page = client.order_page(now - 3600, now, 1, 20, None, 1).await.unwrap();
    assert!(page.rows.is_empty() && !page.has_next);
    assert_eq!(sim.calls(SC_ORDERS), 2);
}

#[tokio::test]
async fn unknown_materials_are_not_found_and_items_without_commission_say_so() {
    let (_sim, client, _) = setup().await;
    let garbage = tb_ref(RefKind::Url, "x", Some("https://www.taobao.com/"), None);
    assert!(matches!(client.convert(&garbage, &attr(None, None)).await, Err(AffiliateError::NotFound)));
    let id = item_with_commission(false);
    let r = tb_ref(RefKind::Url, &id.to_string(), Some(&format!("https://item.taobao.com/item.htm?id={id}")), None);
    assert!(matches!(client.convert(&r, &attr(None, None)).await, Err(AffiliateError::NoCommission)));
    let mut bad_pid = attr(None, None);
    bad_pid.pid = "3100000001".into();
    assert!(matches!(client.convert(&r, &bad_pid).await, Err(AffiliateError::Rejected { .. })));
    let unconfigured = TaobaoClient::new(TaobaoSettings::default(), reqwest::Client::new());
    assert!(matches!(unconfigured.convert(&r, &attr(None, None)).await, Err(AffiliateError::NotConfigured(_))));
}

#[tokio::test]
async fn http_429_is_throttling() {
    let (sim, client, _) = setup().await;
    sim.inject(TaobaoFault::HttpStatus(429), 10);
    let e = client.search("抽纸", 1, 10).await.unwrap_err();
    assert!(matches!(e, AffiliateError::RateLimited { .. }), "{e:?}");
}
