//! Black-box tests: a real `PddClient` talking HTTP to the PDD simulator on 127.0.0.1:0.

use super::*;
use crate::affiliate::Affiliates;
use crate::links::RefSource;
use crate::sim::SimCredentials;
use crate::sim::catalog::{self, SimItem};
use crate::sim::pdd::{PddFault, PddSim};
use std::collections::{BTreeSet, HashSet};

const PID: &str = "23456789_301234567";
const CDN: &str = "http://cdn.test/cdn";

pub(crate) struct Harness {
    pub sim: PddSim,
    pub base: String,
}

pub(crate) async fn start(creds: &SimCredentials) -> Harness {
    let sim = PddSim::new(creds, CDN);
    let app = axum::Router::new().nest("/pdd", sim.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Harness { sim, base }
}

impl Harness {
    pub fn settings(&self, secret: &str) -> PddSettings {
        let creds = SimCredentials::default();
        PddSettings {
            enabled: true,
            gateway_url: format!("{}/pdd/api/router", self.base),
            client_id: creds.pdd_client_id,
            client_secret: Secret::new(secret),
            default_pid: PID.into(),
            authorize_url: format!("{}/pdd/open.html", self.base),
            redirect_uri: "http://127.0.0.1:9/auth/pdd/callback".into(),
            qps: 1000,
            timeout_ms: 5_000,
            max_attempts: 3,
        }
    }

    pub fn client(&self) -> PddClient {
        PddClient::new(self.settings(&SimCredentials::default().pdd_client_secret), reqwest::Client::new())
    }
}

pub(crate) fn pdd_ref(kind: RefKind, key: &str, url: Option<&str>) -> ProductRef {
    ProductRef {
        platform: Platform::Pdd,
        kind,
        key: key.into(),
        url: url.map(str::to_string),
        token: None,
        tk: None,
        title: None,
        source: RefSource::Text,
        raw: url.unwrap_or(key).into(),
    }
}

fn member(uid: &str) -> Attribution {
    Attribution { member: Some(uid.into()), ..Attribution::pid_only(PID) }
}

fn assert_landing_link(url: &str, custom: Option<&str>) {
    let parsed = url::Url::parse(url).unwrap();
    let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("pid").as_deref(), Some(PID), "{url}");
    assert_eq!(get("duoduo_type").as_deref(), Some("2"));
    assert_eq!(get("customParameters").as_deref(), custom);
    let cps = get("cpsSign").unwrap();
    let re = regex::Regex::new(&format!("^CC_[0-9]{{6}}_{PID}_[0-9a-f]{{32}}$")).unwrap();
    assert!(re.is_match(&cps), "{cps}");
}

fn assert_short(url: &str) {
    let re = regex::Regex::new("^https://p\\.pinduoduo\\.com/[A-Za-z0-9]{8}$").unwrap();
    assert!(re.is_match(url), "{url}");
}

/// Checks a conversion against the catalogue item the link must resolve to.
fn assert_converts_to(
    result: Result<Conversion, AffiliateError>,
    item: &SimItem,
    goods_sign: &str,
) -> Option<Conversion> {
    if item.commission_bps == 0 {
        assert!(matches!(result, Err(AffiliateError::NoCommission)), "{result:?}");
        return None;
    }
    let c = result.unwrap();
    assert_eq!(c.product.item_id, goods_sign);
    assert_eq!(c.product.title, item.title);
    assert_eq!(c.product.price.0, item.price_fen);
    assert_eq!(c.product.commission_rate.0, item.commission_bps);
    assert_eq!(c.product.estimated_commission, c.product.final_price.apply_rate(c.product.commission_rate));
    assert_eq!(c.product.image_url.as_deref(), Some(format!("{CDN}{}", item.image_path).as_str()));
    assert!(!c.member_dropped);
    assert_landing_link(&c.promotion.url, Some(r#"{"uid":"m1"}"#));
    assert_short(c.promotion.short_url.as_deref().unwrap());
    Some(c)
}

#[tokio::test]
async fn converts_every_pdd_link_shape() {
    let h = start(&SimCredentials::default()).await;
    h.sim.authorize_member(PID, "m1");
    let client = h.client();
    let attr = member("m1");
    let by_id = |id: u64| {
        let it = catalog::item_by_id(Platform::Pdd, id);
        let sign = it.goods_sign.clone();
        (it, sign)
    };
    let by_key = |key: &str| {
        let it = catalog::item_for_key(Platform::Pdd, key);
        let sign = it.goods_sign.clone();
        (it, sign)
    };
    let landing_sign = "Z7Q3xYpLm2-kV9aB_c4D5eF6gH7iJ8kLmN0pQ";
    let cases: Vec<(ProductRef, (SimItem, String))> = vec![
        (
            pdd_ref(
                RefKind::Url,
                "386512047723",
                Some("https://mobile.yangkeduo.com/goods.html?goods_id=386512047723"),
            ),
            by_id(386512047723),
        ),
        (
            pdd_ref(
                RefKind::Url,
                "386512047723",
                Some("https://yangkeduo.com/goods1.html?goods_id=386512047723&page_from=23"),
            ),
            by_id(386512047723),
        ),
        (
            pdd_ref(RefKind::Url, "Tq4mZr8Wcx", Some("https://mobile.yangkeduo.com/goods1.html?ps=Tq4mZr8Wcx")),
            by_key("Tq4mZr8Wcx"),
        ),
        (
            pdd_ref(
                RefKind::Url,
                "518273645091",
                Some(
                    "https://mobile.yangkeduo.com/goods2.html?_wvx=10&refer_share_uin=AB12CD34EF&refer_share_id=9f8e7d6c5b4a&goods_id=518273645091&page_from=35",
                ),
            ),
            by_id(518273645091),
        ),
        (
            pdd_ref(
                RefKind::Landing,
                landing_sign,
                Some(
                    "https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=548201937456&pid=23456789_301234567&goods_sign=Z7Q3xYpLm2-kV9aB_c4D5eF6gH7iJ8kLmN0pQ&cpsSign=CC_250301_23456789_301234567_0f1e2d3c4b5a69788796a5b4c3d2e1f0&duoduo_type=2",
                ),
            ),
            (catalog::item_for_key(Platform::Pdd, landing_sign), landing_sign.to_string()),
        ),
        (
            pdd_ref(
                RefKind::Landing,
                "548201937456",
                Some(
                    "https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url=duo_coupon_landing.html%3Fgoods_id%3D548201937456%26pid%3D23456789_301234567%26duoduo_type%3D2&campaign=ddjb&cid=launch_",
                ),
            ),
            by_id(548201937456),
        ),
        (pdd_ref(RefKind::Short, "Kx82LmQe", Some("https://p.pinduoduo.com/Kx82LmQe")), by_key("Kx82LmQe")),
        (pdd_ref(RefKind::Url, "386512047723", None), by_id(386512047723)),
    ];
    let mut converted = 0;
    for (r, (item, sign)) in &cases {
        if assert_converts_to(client.convert(r, &attr).await, item, sign).is_some() {
            converted += 1;
        }
    }
    assert!(converted >= 6, "the chosen items mostly carry commission");
    assert_eq!(h.sim.calls("pdd.ddk.goods.promotion.url.generate"), 1, "the goods_sign landing key");
    assert_eq!(h.sim.calls("pdd.ddk.goods.zs.unit.url.gen"), cases.len() as u64 - 1);
    assert_eq!(h.sim.calls("pdd.ddk.goods.search"), 0, "the goods_sign comes back in the link");

    // a short link the simulator issued resolves back to its item
    let listed = catalog::listed(Platform::Pdd).into_iter().find(|i| i.commission_bps > 0).unwrap();
    let first = client.convert(&pdd_ref(RefKind::Landing, &listed.goods_sign, None), &attr).await.unwrap();
    let short = first.promotion.short_url.clone().unwrap();
    let code = short.rsplit('/').next().unwrap();
    let again = client.convert(&pdd_ref(RefKind::Short, code, Some(&short)), &attr).await.unwrap();
    assert_eq!(again.product, first.product);
    // and so does its landing link
    let again =
        client.convert(&pdd_ref(RefKind::Landing, &listed.id.to_string(), Some(&first.promotion.url)), &attr).await;
    assert_eq!(again.unwrap().product, first.product);
}

#[tokio::test]
async fn garbage_and_auth_pages_are_not_products() {
    let h = start(&SimCredentials::default()).await;
    let client = h.client();
    let attr = Attribution::pid_only(PID);
    for url in [
        "https://mobile.yangkeduo.com/duo_coupon_landing.html?__page=auth&pid=23456789_301234567&customParameters=%7B%22uid%22%3A%22m0042%22%7D&cpsSign=CC_250301_23456789_301234567_00112233445566778899aabbccddeeff&duoduo_type=2",
        "https://mobile.yangkeduo.com/index.html",
        "https://evil.example.com/goods.html?goods_id=1",
        "https://p.pinduoduo.com/x!",
    ] {
        let r = client.convert(&pdd_ref(RefKind::Url, "1", Some(url)), &attr).await;
        assert!(matches!(r, Err(AffiliateError::NotFound)), "{url}: {r:?}");
    }
    assert!(matches!(client.detail("not a sign").await, Err(AffiliateError::NotFound)));
}

#[tokio::test]
async fn detail_search_and_pids() {
    let h = start(&SimCredentials::default()).await;
    let client = h.client();
    let item = catalog::listed(Platform::Pdd).remove(3);
    let p = client.detail(&item.goods_sign).await.unwrap();
    assert_eq!(p.title, item.title);
    assert_eq!(p.shop_name.as_deref(), Some(item.shop.as_str()));
    let coupon_applies = item.coupon_fen > 0 && item.price_fen >= item.coupon_threshold_fen;
    assert_eq!(p.final_price.0, item.price_fen - if coupon_applies { item.coupon_fen } else { 0 });

    let want = catalog::search(Platform::Pdd, "抽纸");
    let page = client.search("抽纸", 1, 5, &Attribution::pid_only(PID)).await.unwrap();
    assert_eq!(page.total, want.len() as i64);
    assert_eq!(page.items.len(), want.len().min(5));
    assert!(page.items.iter().all(|p| p.title.contains("抽纸")));
    assert!(page.list_id.is_some());
    let by_link = client
        .search("https://mobile.yangkeduo.com/goods.html?goods_id=386512047723", 1, 10, &Attribution::pid_only(PID))
        .await
        .unwrap();
    assert_eq!(by_link.items[0].item_id, catalog::goods_sign_for(386512047723));

    let names = vec!["群A".to_string(), "群B".to_string()];
    let made = client.generate_pids(&names).await.unwrap();
    assert_eq!(made.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["群A", "群B"]);
    assert!(made.iter().all(|p| p.pid.split_once('_').is_some()));
    let page = client.query_pids(1, 10).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.pids.iter().map(|p| &p.pid).collect::<Vec<_>>(), made.iter().map(|p| &p.pid).collect::<Vec<_>>());
    assert_eq!(page.pids[0].status, Some(0));
    let err = client.generate_pids(&[]).await.unwrap_err();
    assert!(matches!(err, AffiliateError::Rejected { ref code, .. } if code == "10000"), "{err:?}");
}

#[tokio::test]
async fn unbound_member_is_dropped_then_authorized_through_the_auth_link() {
    let h = start(&SimCredentials::default()).await;
    let client = h.client();
    let item = catalog::listed(Platform::Pdd).into_iter().find(|i| i.commission_bps > 0).unwrap();
    let r = pdd_ref(
        RefKind::Url,
        &item.id.to_string(),
        Some(&format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", item.id)),
    );

    let c = client.convert(&r, &member("m0042")).await.unwrap();
    assert!(c.member_dropped);
    assert_landing_link(&c.promotion.url, None);
    assert_eq!(h.sim.calls("pdd.ddk.goods.zs.unit.url.gen"), 2);

    let auth = client.authority_url(PID, "m0042").await.unwrap();
    assert!(auth.contains("__page=auth") && auth.contains("customParameters=%7B%22uid%22%3A%22m0042%22%7D"), "{auth}");
    assert!(!client.member_authorized(PID, "m0042").await.unwrap());
    let resp = reqwest::Client::new()
        .post(format!("{}/pdd/sim/authorize_member", h.base))
        .json(&serde_json::json!({"pid": PID, "uid": "m0042"}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    assert!(client.member_authorized(PID, "m0042").await.unwrap());

    let c = client.convert(&r, &member("m0042")).await.unwrap();
    assert!(!c.member_dropped);
    assert_landing_link(&c.promotion.url, Some(r#"{"uid":"m0042"}"#));
    // a switched-off 备案 check (demo) never drops
    h.sim.set_require_member_auth(false);
    assert!(!client.convert(&r, &member("other")).await.unwrap().member_dropped);
}

#[tokio::test]
async fn platform_errors_map_to_affiliate_errors() {
    let h = start(&SimCredentials::default()).await;
    let sign = catalog::listed(Platform::Pdd)[0].goods_sign.clone();

    // wrong secret: the simulator recomputes the sign and refuses; no retry
    let bad = PddClient::new(h.settings("wrong-secret"), reqwest::Client::new());
    let err = bad.detail(&sign).await.unwrap_err();
    assert!(
        matches!(err, AffiliateError::Misconfigured { ref code, ref msg } if code == "20004" && msg == "签名验证失败"),
        "{err:?}"
    );
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 1);

    // throttled: retried up to max_attempts, then surfaced
    let client = h.client();
    h.sim.inject(PddFault::Throttled, 10);
    let err = client.detail(&sign).await.unwrap_err();
    assert!(matches!(err, AffiliateError::RateLimited { .. }), "{err:?}");
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 4);
    h.sim.clear_faults();
    // transient trouble is absorbed by a retry
    for fault in [PddFault::TooFrequent, PddFault::ServiceUnavailable, PddFault::HttpStatus(502)] {
        h.sim.inject(fault, 1);
        let before = h.sim.calls("pdd.ddk.goods.detail");
        assert!(h.client().detail(&sign).await.is_ok(), "{fault:?}");
        assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), before + 2);
    }
    // an unreadable answer is not retried
    h.sim.inject(PddFault::Garbled, 1);
    assert!(matches!(h.client().detail(&sign).await, Err(AffiliateError::Decode(_))));
    // 24 h window and page size
    let now = h.sim.now();
    let err = client.order_page(now - 25 * 3600, now, 1, 50, true).await.unwrap_err();
    assert!(
        matches!(err, AffiliateError::Rejected { ref code, ref msg } if code == "50001" && msg == "时间跨度不能超过24小时"),
        "{err:?}"
    );
    let err = client.order_page(now - 3600, now, 1, 5, true).await.unwrap_err();
    assert!(
        matches!(err, AffiliateError::Rejected { ref code, ref msg } if code == "10000" && msg == "参数错误:page_size"),
        "{err:?}"
    );

    // a per-app QPS budget answers 70031 beyond it; the client backs off and retries
    let fresh = h.client();
    h.sim.set_qps_limit(Some(1));
    let before = h.sim.calls("pdd.ddk.goods.detail");
    let burst = futures::future::join_all((0..4).map(|_| fresh.detail(&sign))).await;
    h.sim.set_qps_limit(None);
    assert!(burst.iter().all(|r| r.is_ok() || matches!(r, Err(AffiliateError::RateLimited { .. }))), "{burst:?}");
    assert!(burst.iter().any(Result::is_ok));
    assert!(h.sim.calls("pdd.ddk.goods.detail") - before > 4, "throttled calls were retried");
}

#[tokio::test]
async fn oauth_tokens_expire_and_refresh() {
    let h = start(&SimCredentials::default()).await;
    h.sim.set_token_lifetimes(Duration::from_secs(3_600), Duration::from_secs(7_200));
    let client = h.client();
    let settings = h.settings("");

    // the authorize page sends the browser back with code and state
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = browser
        .get(&settings.authorize_url)
        .query(&[
            ("response_type", "code"),
            ("client_id", settings.client_id.as_str()),
            ("redirect_uri", settings.redirect_uri.as_str()),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(&settings.redirect_uri));
    let q: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");

    let issued_at = h.sim.now();
    let tokens = client.token_create(&q["code"]).await.unwrap();
    assert_eq!(tokens.expires_at, issued_at + 3_600);
    assert_eq!(tokens.refresh_token_expires_at, issued_at + 7_200);
    assert!(!tokens.owner_id.is_empty());
    assert!(!format!("{tokens:?}").contains(tokens.access_token.expose()));
    assert!(client.token_create(&q["code"]).await.is_err(), "codes are single use");

    let tool = client.with_access_token(tokens.access_token.clone());
    tool.query_pids(1, 10).await.unwrap();
    assert_eq!(h.sim.calls("pdd.ddk.oauth.goods.pid.query"), 1);

    h.sim.advance(Duration::from_secs(3_601));
    assert!(matches!(tool.query_pids(1, 10).await, Err(AffiliateError::TokenExpired)));
    assert_eq!(h.sim.calls("pdd.ddk.oauth.goods.pid.query"), 2, "an expired token is not retried blindly");

    let renewed = client.token_refresh(&tokens.refresh_token).await.unwrap();
    assert_eq!(renewed.expires_at, h.sim.now() + 3_600);
    assert_ne!(renewed.access_token, tokens.access_token);
    client.with_access_token(renewed.access_token.clone()).query_pids(1, 10).await.unwrap();
    assert!(client.token_refresh(&tokens.refresh_token).await.is_err(), "refresh tokens rotate");
}

/// Every order in the window at the simulator's current clock.
async fn all_orders(client: &PddClient, start: i64, end: i64) -> Vec<PddOrder> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = client.order_page(start, end, page, 100, false).await.unwrap();
        let n = p.orders.len();
        out.extend(p.orders);
        if n < 100 {
            return out;
        }
        page += 1;
    }
}

async fn all_in_window(client: &PddClient, start: i64, end: i64) -> BTreeSet<String> {
    all_orders(client, start, end).await.into_iter().map(|o| o.order_sn).collect()
}

#[tokio::test]
async fn orders_follow_conversions_and_backward_paging_loses_none() {
    let h = start(&SimCredentials::default()).await;
    const T0: i64 = 1_750_000_000;
    h.sim.set_now(Some(T0));
    h.sim.set_require_member_auth(false);
    let client = h.client();
    let members = ["m1", "m2", "m3"];
    for (i, m) in members.iter().enumerate() {
        let item = catalog::listed(Platform::Pdd).into_iter().filter(|i| i.commission_bps > 0).nth(i).unwrap();
        client.convert(&pdd_ref(RefKind::Landing, &item.goods_sign, None), &member(m)).await.unwrap();
    }
    assert_eq!(h.sim.generate_orders(150, Duration::from_secs(20 * 3600)).len(), 150);
    let (start, end) = (T0 - 24 * 3600, T0);

    // the orders carry our pid and the member parameter verbatim, with exact big ids and raw JSON
    let first = client.order_page(start, end, 1, 100, true).await.unwrap();
    assert_eq!(first.total, Some(150));
    let statuses: HashSet<i64> = all_orders(&client, start, end).await.iter().map(|o| o.status).collect();
    assert!(statuses.iter().all(|s| [0, 1, 2, 3, 4, 5].contains(s)));
    assert!(statuses.len() >= 5, "orders at every stage: {statuses:?}");
    for o in &first.orders {
        assert_eq!(o.pid, PID);
        let m = o.member().unwrap();
        assert!(members.contains(&m.as_str()));
        assert_eq!(o.custom_parameters.as_deref(), Some(format!(r#"{{"uid":"{m}"}}"#).as_str()));
        assert_eq!(o.promotion_amount.0, o.order_amount.0 * o.promotion_rate.0 / 10_000);
        let group_id: u64 = o.group_id.as_deref().unwrap().parse().unwrap();
        assert!(group_id > 1 << 53);
        assert!(o.raw.contains(&o.order_sn));
        assert!(o.modified_at.is_some_and(|t| (start..=end).contains(&t)));
    }
    assert!(first.orders.iter().any(|o| o.raw.contains(r#""group_id":""#)), "string ids");
    assert!(first.orders.iter().any(|o| !o.raw.contains(r#""group_id":""#)), "number ids");
    let no_count = client.order_page(start, end, 2, 100, false).await.unwrap();
    assert_eq!(no_count.total, None);
    assert_eq!(no_count.orders.len(), 50);

    // pages of 20, with the clock moving 20 minutes between requests (orders keep updating)
    let size = 20u32;
    let pages = 150u32.div_ceil(size);
    let mut forward = BTreeSet::new();
    for page in 1..=pages {
        if page > 1 {
            h.sim.advance(Duration::from_secs(1_200));
        }
        forward.extend(
            client.order_page(start, end, page, size, false).await.unwrap().orders.into_iter().map(|o| o.order_sn),
        );
    }
    let still_in_window = all_in_window(&client, start, end).await;
    let lost_forward: Vec<_> = still_in_window.difference(&forward).collect();
    assert!(!lost_forward.is_empty(), "forward paging over a moving window misses orders");

    h.sim.set_now(Some(T0));
    let mut backward = BTreeSet::new();
    for page in (1..=pages).rev() {
        if page < pages {
            h.sim.advance(Duration::from_secs(1_200));
        }
        backward.extend(
            client.order_page(start, end, page, size, false).await.unwrap().orders.into_iter().map(|o| o.order_sn),
        );
    }
    assert_eq!(all_in_window(&client, start, end).await, still_in_window, "the clock replays");
    let lost_backward: Vec<_> = still_in_window.difference(&backward).collect();
    assert!(lost_backward.is_empty(), "backward paging lost {lost_backward:?}");

    // much later every order has ended: settled or refused
    h.sim.set_now(Some(T0 + 30 * 86_400));
    let mut finals = all_orders(&client, T0 - 86_400, T0).await;
    finals.extend(all_orders(&client, T0 + 1, T0 + 86_400).await);
    assert_eq!(finals.len(), 150);
    assert!(finals.iter().all(|o| o.status == 5 || o.status == 4));
    assert!(finals.iter().any(|o| o.status == 4) && finals.iter().any(|o| o.status == 5));
    assert!(finals.iter().filter(|o| o.status == 5).all(|o| o.settled_at.is_some() && o.received_at.is_some()));
}

#[tokio::test]
async fn concurrent_identical_conversions_share_one_upstream_call() {
    let h = start(&SimCredentials::default()).await;
    h.sim.authorize_member(PID, "m1");
    let affiliates = Affiliates::new(Some(h.client()), None, None, Duration::from_secs(600));
    let item = catalog::listed(Platform::Pdd).into_iter().find(|i| i.commission_bps > 0).unwrap();
    let url = format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", item.id);
    let r = pdd_ref(RefKind::Url, &item.id.to_string(), Some(&url));
    let attr = member("m1");
    let results = futures::future::join_all((0..30).map(|_| affiliates.convert(&r, &attr))).await;
    assert!(results.iter().all(|c| c.as_ref().is_ok_and(|c| c.product.title == item.title)));
    assert_eq!(h.sim.calls("pdd.ddk.goods.zs.unit.url.gen"), 1);
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 1);

    // another attribution is another conversion; a repeat within the TTL is served from the cache
    affiliates.convert(&r, &member("m2")).await.ok();
    affiliates.convert(&r, &attr).await.unwrap();
    assert_eq!(h.sim.calls("pdd.ddk.goods.zs.unit.url.gen"), 3, "m2 unbound: converted with and without member");
    // a dropped member is not cached, so 备案 done later takes effect at once
    h.sim.authorize_member(PID, "m2");
    assert!(!affiliates.convert(&r, &member("m2")).await.unwrap().member_dropped);
}

#[tokio::test]
async fn http_429_is_throttling_like_on_the_other_unions() {
    let h = start(&SimCredentials::default()).await;
    let sign = catalog::listed(Platform::Pdd)[0].goods_sign.clone();
    h.sim.inject(PddFault::HttpStatus(429), 10);
    let err = h.client().detail(&sign).await.unwrap_err();
    assert!(matches!(err, AffiliateError::RateLimited { .. }), "{err:?}");
    h.sim.clear_faults();
    h.sim.inject(PddFault::HttpStatus(503), 10);
    let err = h.client().detail(&sign).await.unwrap_err();
    assert!(matches!(err, AffiliateError::Unavailable { ref code, .. } if code == "503"), "{err:?}");
}

#[tokio::test]
async fn keyword_search_through_affiliates_asks_pinduoduo() {
    let h = start(&SimCredentials::default()).await;
    let affiliates = Affiliates::new(Some(h.client()), None, None, Duration::from_secs(60));
    let keyword = catalog::listed(Platform::Pdd)[0].title.chars().take(2).collect::<String>();
    let found = affiliates.search(Platform::Pdd, &keyword, 1, 5).await.unwrap();
    assert!(!found.is_empty(), "pinduoduo answered nothing for {keyword}");
    assert!(found.iter().all(|p| p.platform == Platform::Pdd));
    assert_eq!(h.sim.calls("pdd.ddk.goods.search"), 1);
}
