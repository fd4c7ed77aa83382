//! 选品库 on the dashboard: the library filled by real feed refreshes through the simulators, browsed, filtered and
//! searched in headless Chromium, and the same through the JSON API.

use crate::admin_browser::login;
use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestApp, eventually};
use dealbot::feeds::{FeedFilter, FeedRefresh, FeedSort};
use dealbot::money::{Bps, Fen};
use dealbot::platform::Platform;
use dealbot::store::users::Role;
use serde_json::Value;
use std::time::Duration;

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;

/// Fills the library from the simulated PDD and JD feeds.
async fn filled_library() -> TestApp {
    let app = TestApp::spawn().await;
    app.sim.sims.pdd.set_now(Some(T0));
    app.sim.sims.jd.set_now(Some(T0));
    let settings = &app.engine.settings.feeds;
    for platform in [Platform::Pdd, Platform::Jd] {
        let refresh =
            FeedRefresh::for_platform(&app.store, &app.engine.affiliates, platform, settings, &app.clock).unwrap();
        let report = refresh.run().await.unwrap();
        assert!(report.items > 0 && report.failed_channels.is_empty(), "{platform}: {report:?}");
    }
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    app
}

async fn total_shown(b: &Browser) -> i64 {
    let text = b.text("#selection-total").await;
    text.trim_start_matches("共 ").trim_end_matches(" 件商品").parse().unwrap()
}

#[tokio::test]
async fn in_the_browser_the_selection_library_is_browsed_filtered_and_searched() {
    let app = filled_library().await;
    let everything = app.store.count_feed_items(&FeedFilter::default()).await.unwrap();
    assert!(everything > 50, "more than one page");

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    b.click("nav a[href='/admin/selection']").await;
    b.wait_url("/admin/selection").await;
    assert_eq!(b.text("h1").await, "选品库");
    assert_eq!(total_shown(&b).await, everything);
    assert_eq!(b.count("main table tbody tr").await, 50, "one page of 50");
    assert!(b.source().await.contains("下一页"));

    // Filter: JD only, commission rate at least 20 %, sorted by commission.
    b.exec("document.querySelector('select[name=platform]').value = 'jd'; document.querySelector('select[name=sort]').value = 'commission';", serde_json::json!([])).await;
    b.type_into("input[name=min_rate]", "20").await;
    b.click("#selection-filter button[type=submit]").await;
    b.wait_url("min_rate=20").await;
    let want =
        FeedFilter { platforms: vec![Platform::Jd], min_commission_rate: Some(Bps(2000)), ..FeedFilter::default() };
    let expected = app.store.feed_items(&want, FeedSort::Commission, 50, 0).await.unwrap();
    assert!(!expected.is_empty());
    assert_eq!(total_shown(&b).await, app.store.count_feed_items(&want).await.unwrap());
    let rows = b.count("main table tbody tr").await;
    assert_eq!(rows, expected.len());
    let platforms = b
        .exec(
            "return [...document.querySelectorAll('main table tbody tr td:nth-child(3)')].map(td => td.textContent);",
            serde_json::json!([]),
        )
        .await;
    assert!(platforms.as_array().unwrap().iter().all(|p| p == "京东"), "{platforms}");
    let first_title = b.text("main table tbody tr:first-child .item-title").await;
    let top = &expected[0].item;
    assert_eq!(first_title, top.short_title.clone().unwrap_or_else(|| top.title.clone()), "highest commission first");

    // Search by a keyword from a title: every row carries it.
    let word = top.title.split_whitespace().last().unwrap().to_string();
    b.goto(&format!("{}/admin/selection", app.base)).await;
    b.type_into("input[name=q]", &word).await;
    b.click("#selection-filter button[type=submit]").await;
    b.wait_url("q=").await;
    let want = FeedFilter { keywords: vec![word.clone()], ..FeedFilter::default() };
    let n = app.store.count_feed_items(&want).await.unwrap();
    assert!(n >= 1);
    assert_eq!(total_shown(&b).await, n);
    let titles = b
        .exec(
            "return [...document.querySelectorAll('main table tbody .item-title')].map(e => e.textContent);",
            serde_json::json!([]),
        )
        .await;
    let rows = app.store.feed_items(&want, FeedSort::Recent, 50, 0).await.unwrap();
    assert_eq!(titles.as_array().unwrap().len(), rows.len());
    assert!(rows.iter().all(|r| r.item.title.contains(&word)));

    // A filter value that is not an amount is refused, not ignored.
    b.goto(&format!("{}/admin/selection?min_price=abc", app.base)).await;
    eventually("the refusal", Duration::from_secs(10), || async {
        b.source().await.contains("min_price").then_some(())
    })
    .await;
    assert_ne!(b.text("h1").await, "选品库");
}

#[tokio::test]
async fn the_selection_api_answers_the_same_filter_in_fen_and_basis_points() {
    let app = filled_library().await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let resp = c.get("/admin/api/selection?platform=pdd&min_coupon=5&sort=coupon").await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let want = FeedFilter { platforms: vec![Platform::Pdd], min_coupon: Some(Fen(500)), ..FeedFilter::default() };
    assert_eq!(body["total"], app.store.count_feed_items(&want).await.unwrap());
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let expected = app.store.feed_items(&want, FeedSort::Coupon, 50, 0).await.unwrap();
    assert_eq!(items.len(), expected.len());
    for (got, want) in items.iter().zip(&expected) {
        assert_eq!(got["key"], want.item.key.as_str());
        assert_eq!(got["platform"], "pdd");
        assert_eq!(got["coupon"]["amount"], want.item.coupon.as_ref().unwrap().amount.0, "分");
        assert_eq!(got["commission_rate"], want.item.commission_rate.0, "basis points");
        assert!(got["coupon"]["amount"].as_i64().unwrap() >= 500);
    }
    assert!(body["categories"].as_array().unwrap().len() > 1);
    for bad in ["min_price=abc", "platform=vip", "min_rate=x", "sort=random"] {
        assert_eq!(c.get(&format!("/admin/api/selection?{bad}")).await.status(), 400, "{bad}");
    }
    // Not logged in: refused.
    let anonymous = AdminClient::new(&app).get("/admin/api/selection").await;
    assert_eq!(anonymous.status(), 401);
}
