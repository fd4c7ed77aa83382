//! Black-box tests: the real client over HTTP against the JD simulator.

use super::*;
use crate::config::Secret;
use crate::links::RefSource;
use crate::sim::SimCredentials;
use crate::sim::catalog;
use crate::sim::jd::{JdFault, JdSim};
use std::collections::HashMap;

const T0: i64 = 1_735_689_600; // 2025-01-01 08:00:00 +08:00

async fn serve(sim: &JdSim) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().nest("/jd", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn settings(base: &str, secret: &str) -> JdSettings {
    JdSettings {
        enabled: true,
        gateway_url: format!("{base}/jd/routerjson"),
        app_key: SimCredentials::default().jd_app_key,
        app_secret: Secret::new(secret),
        default_pid: "3100000001".into(),
        site_id: "61866".into(),
        qps: 1000,
        timeout_ms: 5_000,
        max_attempts: 3,
    }
}

async fn setup() -> (JdSim, JdClient) {
    let creds = SimCredentials::default();
    let sim = JdSim::new(&creds, "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let client = JdClient::new(settings(&base, &creds.jd_app_secret), reqwest::Client::new());
    (sim, client)
}

fn jd_ref(kind: RefKind, key: &str, url: &str) -> ProductRef {
    ProductRef {
        platform: Platform::Jd,
        kind,
        key: key.into(),
        url: Some(url.into()),
        token: None,
        tk: None,
        title: None,
        source: RefSource::Text,
        raw: url.into(),
    }
}

fn attr(member: Option<&str>) -> Attribution {
    Attribution { member: member.map(str::to_string), ..Attribution::pid_only("3100000001") }
}

/// A sku whose catalogue item has a commission (and one without).
fn sku_with_commission(with: bool) -> u64 {
    (100_012_043_978u64..).find(|id| (catalog::item_by_id(Platform::Jd, *id).commission_bps > 0) == with).unwrap()
}

#[tokio::test]
async fn converts_every_jd_link_shape_into_a_tagged_promotion_with_the_product() {
    let (sim, client) = setup().await;
    let sku = sku_with_commission(true);
    let refs = [
        jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html")),
        jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.m.jd.com/product/{sku}.html?utm_source=share")),
        jd_ref(RefKind::Url, &sku.to_string(), &format!("https://wqitem.jd.com/item/view?sku={sku}")),
    ];
    for r in &refs {
        let c = client.convert(r, &attr(Some("g1m42"))).await.unwrap();
        let item = catalog::item_by_id(Platform::Jd, sku);
        assert_eq!(c.product.item_id, sku.to_string());
        assert_eq!(c.product.title, item.title);
        assert_eq!(c.product.price, Fen(item.price_fen));
        assert_eq!(c.product.commission_rate, Bps(item.commission_bps));
        assert_eq!(c.product.image_url.as_deref(), Some(format!("http://cdn.test/cdn{}", item.image_path).as_str()));
        assert!(c.promotion.url.starts_with("https://union-click.jd.com/jdc?e=&p="), "{}", c.promotion.url);
        let short = c.promotion.short_url.as_deref().unwrap();
        assert!(short.starts_with("https://u.jd.com/") && short.len() == "https://u.jd.com/".len() + 7, "{short}");
        assert!(c.promotion.expires_at.is_some());
        assert!(!c.member_dropped);
    }
    let shorts = [
        jd_ref(RefKind::Short, "Qm7Zt2K", "https://u.jd.com/Qm7Zt2K"),
        jd_ref(RefKind::Short, "1xT-9aBq", "https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@"),
        jd_ref(RefKind::Landing, "x", "https://union-click.jd.com/jdc?e=&p=JF8BAQkJK1olXgUKXFhbAEsSAl8IGl0Q"),
        jd_ref(
            RefKind::Landing,
            "9a8b7c6d5e4f40312233445566778899",
            "https://coupon.m.jd.com/coupons/show.action?key=9a8b7c6d5e4f40312233445566778899",
        ),
    ];
    for r in &shorts {
        match client.convert(r, &attr(None)).await {
            Ok(c) => assert!(!c.product.title.is_empty() && c.product.commission_rate.0 > 0),
            // A key may hash to a catalogue item without commission.
            Err(AffiliateError::NoCommission) => {}
            Err(e) => panic!("{}: {e:?}", r.raw),
        }
    }
    // Our own short link resolves back to the same item.
    let first = client.convert(&refs[0], &attr(None)).await.unwrap();
    for link in [first.promotion.short_url.as_deref().unwrap(), first.promotion.url.as_str()] {
        let again = jd_ref(RefKind::Short, "code", link);
        let c = client.convert(&again, &attr(None)).await.unwrap();
        assert_eq!(c.product.item_id, sku.to_string(), "{link}");
    }
    assert!(sim.calls(BYSUBUNIONID) >= 10);
}

#[tokio::test]
async fn the_client_reads_the_documented_envelope_too() {
    let (sim, client) = setup().await;
    sim.set_doc_form(true);
    sim.set_now(Some(T0));
    let sku = sku_with_commission(true);
    let r = jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html"));
    let c = client.convert(&r, &attr(Some("m1"))).await.unwrap();
    assert_eq!(c.product.item_id, sku.to_string());
    assert!(!client.search("抽纸", 1, 10).await.unwrap().is_empty());
    sim.advance(Duration::from_secs(3600));
    let page = client.order_page(T0, T0 + 3600, 1, 50).await.unwrap();
    assert_eq!(page.rows.len(), 1);
    let e = client.order_page(T0, T0 + 7200, 1, 50).await.unwrap_err();
    assert!(matches!(e, AffiliateError::Rejected { ref code, .. } if code == "2002453"), "{e:?}");
    sim.set_doc_form(false);
    assert_eq!(client.order_page(T0, T0 + 3600, 1, 50).await.unwrap().rows.len(), 1);
}

#[tokio::test]
async fn search_returns_products_in_fen_and_basis_points() {
    let (_sim, client) = setup().await;
    let found = client.search("抽纸", 1, 30).await.unwrap();
    let expected: Vec<_> = catalog::search(Platform::Jd, "抽纸").into_iter().filter(|i| i.commission_bps > 0).collect();
    assert_eq!(found.len(), expected.len().min(30));
    assert!(!found.is_empty());
    for (p, item) in found.iter().zip(&expected) {
        assert_eq!(p.item_id, item.id.to_string());
        assert_eq!(p.price, Fen(item.price_fen));
        assert_eq!(p.commission_rate, Bps(item.commission_bps));
        match &p.coupon {
            Some(c) => {
                assert_eq!(c.amount, Fen(item.coupon_fen));
                assert_eq!(c.threshold, Fen(item.coupon_threshold_fen));
                assert_eq!(c.ends_at, Some(item.coupon_end));
                assert_eq!(p.final_price, Fen(item.price_fen - item.coupon_fen));
            }
            None => assert_eq!(p.final_price, p.price),
        }
        // Our share after JD's 10 % service fee, as the order will carry it.
        assert_eq!(p.estimated_commission, wire::estimated_commission(p.final_price, p.commission_rate));
        assert!(p.estimated_commission <= p.final_price.apply_rate(p.commission_rate));
    }
    assert!(client.search("不存在的东西", 1, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn orders_of_conversions_move_from_paid_to_finished_across_windows() {
    let (sim, client) = setup().await;
    sim.set_now(Some(T0));
    let sku = sku_with_commission(true);
    let members = ["m1", "m2", "m3", "m4", "m5", "m6"];
    for m in members {
        let r = jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html"));
        client.convert(&r, &attr(Some(m))).await.unwrap();
    }
    sim.advance(Duration::from_secs(3600));
    // Paging: one row per page until has_more is false.
    let mut seen = Vec::new();
    for page in 1.. {
        let p = client.order_page(T0, T0 + 3600, page, 1).await.unwrap();
        seen.extend(p.rows);
        if !p.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), members.len());
    for row in &seen {
        assert_eq!(row.valid_code, 16);
        assert_eq!(row.position_id, "3100000001");
        assert!(members.contains(&row.sub_union_id.as_deref().unwrap()));
        assert_eq!(row.pay_month, None);
        assert!(row.id.parse::<u64>().unwrap() > 1 << 53);
        assert!(row.estimate_fee.0 > 0);
    }

    // Five days later, sync every hour of the period by update time and keep the latest state per row.
    sim.advance(Duration::from_secs(5 * 86_400));
    let mut latest: HashMap<String, OrderRow> = HashMap::new();
    let mut start = T0;
    while start < T0 + 6 * 86_400 {
        let mut page = 1;
        loop {
            let p = client.order_page(start, start + 3600, page, 500).await.unwrap();
            for row in p.rows {
                latest.insert(row.id.clone(), row);
            }
            if !p.has_more {
                break;
            }
            page += 1;
        }
        start += 3600;
    }
    assert_eq!(latest.len(), members.len());
    for row in latest.values() {
        match row.valid_code {
            17 => {
                assert!(row.pay_month.is_some() && row.finish_time.is_some());
                assert_eq!(row.actual_fee, row.estimate_fee);
            }
            3 => assert_eq!(row.actual_fee, Fen::ZERO),
            other => panic!("unexpected validCode {other}"),
        }
    }
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_as_an_invalid_sign() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test/cdn");
    let base = serve(&sim).await;
    let client = JdClient::new(settings(&base, "wrong-secret"), reqwest::Client::new());
    let e = client.search("抽纸", 1, 10).await.unwrap_err();
    assert!(
        matches!(e, AffiliateError::Misconfigured { ref code, ref msg } if code == "12" && msg == "无效签名"),
        "{e:?}"
    );
    assert_eq!(sim.calls(GOODS_QUERY), 1);
}

#[tokio::test]
async fn throttling_surfaces_as_rate_limited_after_the_retries() {
    let (sim, client) = setup().await;
    sim.inject(JdFault::Throttled, 10);
    let e = client.search("抽纸", 1, 10).await.unwrap_err();
    assert!(matches!(e, AffiliateError::RateLimited { .. }), "{e:?}");
    assert_eq!(sim.calls(GOODS_QUERY), 3);
}

#[tokio::test]
async fn transient_failures_are_retried_and_token_errors_are_not() {
    let (sim, client) = setup().await;
    sim.inject(JdFault::SystemError, 1);
    sim.inject(JdFault::HttpStatus(502), 1);
    assert!(!client.search("抽纸", 1, 10).await.unwrap().is_empty());
    assert_eq!(sim.calls(GOODS_QUERY), 3);

    sim.inject(JdFault::TokenExpired, 1);
    assert!(matches!(client.search("抽纸", 1, 10).await, Err(AffiliateError::TokenExpired)));
    assert_eq!(sim.calls(GOODS_QUERY), 4);

    sim.inject(JdFault::Garbled, 1);
    assert!(matches!(client.search("抽纸", 1, 10).await, Err(AffiliateError::Decode(_))));
}

#[tokio::test]
async fn unknown_materials_are_not_found_and_items_without_commission_say_so() {
    let (_sim, client) = setup().await;
    let garbage = jd_ref(RefKind::Url, "x", "https://www.jd.com/");
    assert!(matches!(client.convert(&garbage, &attr(None)).await, Err(AffiliateError::NotFound)));
    let sku = sku_with_commission(false);
    let r = jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html"));
    assert!(matches!(client.convert(&r, &attr(None)).await, Err(AffiliateError::NoCommission)));
}

#[tokio::test]
async fn without_bysubunionid_permission_it_falls_back_to_common_get() {
    let (sim, client) = setup().await;
    sim.set_bysubunionid_permission(false);
    let sku = sku_with_commission(true);
    let r = jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html"));
    let c = client.convert(&r, &attr(Some("m9"))).await.unwrap();
    assert!(c.promotion.url.starts_with("https://union-click.jd.com/"));
    assert_eq!(c.promotion.short_url, None);
    assert_eq!((sim.calls(BYSUBUNIONID), sim.calls(COMMON)), (1, 1));

    // Without a siteId there is nothing to fall back to.
    let mut s = client.inner.settings.clone();
    s.site_id.clear();
    let no_site = JdClient::new(s, reqwest::Client::new());
    let e = no_site.convert(&r, &attr(None)).await.unwrap_err();
    assert!(matches!(e, AffiliateError::Rejected { ref code, .. } if code == "2002403"), "{e:?}");
}

#[tokio::test]
async fn bad_attribution_is_refused_or_dropped() {
    let (_sim, client) = setup().await;
    let sku = sku_with_commission(true);
    let r = jd_ref(RefKind::Url, &sku.to_string(), &format!("https://item.jd.com/{sku}.html"));
    let mut a = attr(Some("成员 1"));
    let c = client.convert(&r, &a).await.unwrap();
    assert!(c.member_dropped);
    a.pid = "mm_1_2_3".into();
    assert!(matches!(client.convert(&r, &a).await, Err(AffiliateError::Rejected { .. })));
    let unconfigured = JdClient::new(JdSettings::default(), reqwest::Client::new());
    assert!(matches!(unconfigured.convert(&r, &attr(None)).await, Err(AffiliateError::NotConfigured(Platform::Jd))));
}

#[tokio::test]
async fn http_429_is_throttling() {
    let (sim, client) = setup().await;
    sim.inject(JdFault::HttpStatus(429), 10);
    let e = client.search("抽纸", 1, 10).await.unwrap_err();
    assert!(matches!(e, AffiliateError::RateLimited { .. }), "{e:?}");
}

#[tokio::test]
async fn the_accounts_positions_are_found_across_pages() {
    let (sim, client) = setup().await;
    for id in 0..150 {
        sim.add_position(3_300_000_000 + id, "聊天推广位");
    }
    assert!(client.owns_position(3_300_000_149).await.unwrap(), "on the second page");
    assert!(!client.owns_position(3_399_999_999).await.unwrap());
    assert_eq!(sim.calls("jd.union.open.position.query"), 4);
}
