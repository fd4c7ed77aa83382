//! The dashboard in headless Chromium against the real server. Set `DEALBOT_SCREENSHOT_DIR` to keep screenshots
//! of the main pages (README's `docs/screenshots/` are made this way).

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, add_user, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::{ROOM, TestApp, eventually};
use dealbot::store::ledger::AccountKind;
use dealbot::store::users::Role;
use serde_json::json;
use std::time::Duration;

/// Three JD links (items with commission) pasted into the test room: three real conversions through the simulator.
async fn paste_links(app: &TestApp) {
    let who = [("wxid_m3mb3r77", "阿明"), ("wxid_fang0520", "小芳"), ("wxid_lei1999", "雷雷")];
    for (item, (wxid, nick)) in ["100087654321", "100087654322", "100087654324"].iter().zip(who) {
        let text = format!("https://item.jd.com/{item}.html");
        app.sim.sims.gewe.deliver_text(ROOM, wxid, nick, &text).await.unwrap();
    }
    eventually("three conversions", Duration::from_secs(30), || async {
        (app.store.recent_conversions(10).await.unwrap().len() == 3).then_some(())
    })
    .await;
}

pub async fn login(b: &Browser, app: &TestApp, user: &str) {
    b.goto(&format!("{}/admin", app.base)).await;
    b.wait_url("/admin/login").await;
    b.type_into("input[name=username]", user).await;
    b.type_into("input[name=password]", ADMIN_PASSWORD).await;
    b.click("#login button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while b.url().await.ends_with("/admin/login") {
        assert!(std::time::Instant::now() < deadline, "login did not leave the login page");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn logout(b: &Browser) {
    b.click("header form button[type=submit]").await;
    b.wait_url("/admin/login").await;
}

/// Every resource the page loaded came from dealbot itself.
async fn only_own_resources(b: &Browser, base: &str) {
    let names = b.exec("return performance.getEntriesByType('resource').map(e => e.name);", json!([])).await;
    for n in names.as_array().unwrap() {
        let n = n.as_str().unwrap();
        assert!(n.starts_with(base), "external resource {n}");
    }
}

#[tokio::test]
async fn in_the_browser_an_admin_logs_in_and_a_partner_is_kept_out_of_other_partners_groups() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let (mine, me) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    let (theirs, _) = partner_group(&app, "小李", "222@chatroom", "李的群").await;
    add_user(&app, "wang", ADMIN_PASSWORD, Role::Partner, Some(me)).await;
    paste_links(&app).await;

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    assert!(b.url().await.ends_with("/admin"));
    assert_eq!(b.text("h1").await, "概览");
    // The overview counts what the store holds.
    let today = b.text("#kpi-conversions td").await;
    assert_eq!(today, "3");
    assert_eq!(b.count("figure.chart svg polyline").await, 3, "estimated and settled commission, conversions");
    only_own_resources(&b, &app.base).await;

    // A form posted without its CSRF token is refused, and changes nothing.
    b.goto(&format!("{}/admin/groups/{theirs}", app.base)).await;
    b.exec("document.querySelector('main form input[name=_csrf]').remove();", json!([])).await;
    b.type_into("main form input[name=name]", "被篡改").await;
    b.click("main form button[type=submit]").await;
    eventually("the refusal page", Duration::from_secs(10), || async {
        b.source().await.contains("表单已失效").then_some(())
    })
    .await;
    assert_eq!(app.store.group_by_id(theirs).await.unwrap().unwrap().name, "李的群");
    // With the token the same form saves.
    b.goto(&format!("{}/admin/groups/{theirs}", app.base)).await;
    b.type_into("main form input[name=name]", "李的新群").await;
    b.click("main form button[type=submit]").await;
    b.wait_url("msg=").await;
    assert_eq!(app.store.group_by_id(theirs).await.unwrap().unwrap().name, "李的新群");
    logout(&b).await;

    // A partner sees their group only; the other one is absent and forbidden.
    login(&b, &app, "wang").await;
    b.goto(&format!("{}/admin/groups", app.base)).await;
    let list = b.text("main table").await;
    assert!(list.contains("王的群") && !list.contains("李的新群"), "{list}");
    let status = b.exec(&format!("return (await fetch('/admin/groups/{theirs}')).status;"), json!([])).await;
    assert_eq!(status, 403);
    b.goto(&format!("{}/admin/groups/{theirs}", app.base)).await;
    assert!(b.source().await.contains("无权访问"));
    b.goto(&format!("{}/admin/groups/{mine}", app.base)).await;
    assert!(b.text("h1").await.contains("王的群"));
    assert_eq!(b.count("header nav a[href='/admin/robots']").await, 0, "admin pages are not offered to partners");
}

#[tokio::test]
async fn the_main_pages_render_in_the_browser_on_desktop_and_phone() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let (group, _, partner) = crate::admin_helpers::synced_jd_orders(&app).await;
    crate::admin_helpers::open_withdrawal(&app, group, partner, "wxid_zhou88", "周周", 4_000).await;
    app.store
        .set_pid(
            dealbot::platform::Platform::Jd,
            "3100998877",
            "小王",
            dealbot::store::pids::PidOwner::Partner(partner),
            0,
        )
        .await
        .unwrap();
    let shots = std::env::var("DEALBOT_SCREENSHOT_DIR").ok();
    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    let pages = [
        ("overview", "/admin".to_string(), "概览"),
        ("orders", "/admin/orders".into(), "订单"),
        ("withdrawals", "/admin/withdrawals".into(), "提现审核"),
        ("groups", "/admin/groups".into(), "群"),
        ("group", format!("/admin/groups/{group}"), "群 · 省钱一群"),
        ("partners", "/admin/partners".into(), "合伙人与推广位"),
        ("partner", format!("/admin/partners/{partner}"), "合伙人 · 小王"),
        ("members", "/admin/members".into(), "会员"),
        ("robots", "/admin/robots".into(), "机器人"),
        ("authorization", "/admin/authorization".into(), "联盟授权"),
        ("reconciliation", "/admin/reconciliation?platform=jd".into(), "对账"),
        ("settings", "/admin/settings".into(), "设置"),
    ];
    for (name, path, title) in &pages {
        b.goto(&format!("{}{path}", app.base)).await;
        assert_eq!(&b.text("h1").await, title, "{path}");
        only_own_resources(&b, &app.base).await;
        if let Some(dir) = &shots {
            std::fs::write(format!("{dir}/{name}.png"), b.screenshot().await).unwrap();
        }
    }
    // On a phone the navigation folds behind the menu button.
    b.resize(390, 844).await;
    b.goto(&format!("{}/admin", app.base)).await;
    if let Some(dir) = &shots {
        std::fs::write(format!("{dir}/overview-phone.png"), b.screenshot().await).unwrap();
    }
    let hidden = b.exec("return getComputedStyle(document.getElementById('nav')).display;", json!([])).await;
    assert_eq!(hidden, "none");
    b.click("header .menu").await;
    let shown = b.exec("return getComputedStyle(document.getElementById('nav')).display;", json!([])).await;
    assert_eq!(shown, "flex");
    let overflow = b.exec("return document.documentElement.scrollWidth <= window.innerWidth;", json!([])).await;
    assert_eq!(overflow, true, "the page fits the phone's width");
}

#[tokio::test]
async fn in_the_browser_orders_are_filtered_and_exported_as_csv() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let (wang_group, _, _) = crate::admin_helpers::synced_jd_orders(&app).await;
    let all = app.store.order_list(&Default::default(), 100, 0).await.unwrap();
    assert_eq!(all.len(), 3);
    let wang_keys: Vec<String> =
        all.iter().filter(|o| o.group_id == Some(wang_group)).map(|o| o.order_key.clone()).collect();
    assert_eq!(wang_keys.len(), 2);

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    // The overview shows the ledger's figures (sync handed it the orders).
    let (mut gmv, mut estimated, mut rebate, mut pending) = (0, 0, 0, 0);
    let mut members = std::collections::BTreeSet::new();
    for o in &all {
        let booked = app.store.ledger_order(o.id).await.unwrap().expect("booked by the ledger");
        gmv += booked.paid_amount.0;
        estimated += booked.commission_estimated.0;
        rebate += booked.split.rebate.0;
        members.insert(booked.holders.member.unwrap());
    }
    for m in members {
        pending += app.store.ledger_balance(AccountKind::Member, m).await.unwrap().pending;
    }
    assert!(estimated > 0 && rebate > 0 && pending == rebate);
    let yuan = |f: i64| dealbot::admin::format::yuan(dealbot::money::Fen(f));
    b.goto(&format!("{}/admin", app.base)).await;
    assert_eq!(b.text("#kpi-orders td").await, "3");
    assert_eq!(b.text("#kpi-gmv td").await, yuan(gmv));
    assert_eq!(b.text("#kpi-estimated td").await, yuan(estimated));
    assert_eq!(b.text("#kpi-settled td").await, "0.00");
    assert_eq!(b.text("#kpi-rebate td").await, yuan(rebate));
    assert_eq!(b.text("#owed .card b").await, yuan(pending));
    b.goto(&format!("{}/admin/orders", app.base)).await;
    assert_eq!(b.count("main table tbody tr").await, 3);
    b.click(&format!("select[name=group] option[value='{wang_group}']")).await;
    b.click("#order-filter button[type=submit]").await;
    b.wait_url(&format!("group={wang_group}")).await;
    assert_eq!(b.count("main table tbody tr").await, 2);
    let table = b.text("main table tbody").await;
    assert!(table.contains("省钱一群") && !table.contains("好物二群"), "{table}");
    for k in &wang_keys {
        assert!(table.contains(k.as_str()), "{k} in {table}");
    }

    // The export link carries the same filter; its rows are exactly the filtered orders.
    let csv = b.exec("const r = await fetch(document.getElementById('csv').href); return [r.status, r.headers.get('content-type'), await r.text()];", json!([])).await;
    assert_eq!(csv[0], 200);
    assert!(csv[1].as_str().unwrap().starts_with("text/csv"));
    let text = csv[2].as_str().unwrap().trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("付款时间,平台,订单号,商品,付款金额,预估佣金,结算佣金,状态,群,合伙人"), "{text}");
    assert_eq!(lines.len(), 3, "{text}");
    for (line, order) in lines[1..].iter().zip(all.iter().filter(|o| o.group_id == Some(wang_group))) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[1], "京东");
        assert_eq!(cols[2], order.order_key);
        assert_eq!(cols[5], dealbot::admin::format::yuan(order.estimated_commission));
        assert_eq!(cols[8], "省钱一群");
        assert_eq!(cols[9], "小王");
    }
}

#[tokio::test]
async fn in_the_browser_an_admin_approves_one_withdrawal_and_rejects_another_with_a_reason() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let first = crate::admin_helpers::open_withdrawal(&app, group, partner, "wxid_fang0520", "小芳", 3_000).await;
    let second = crate::admin_helpers::open_withdrawal(&app, group, partner, "wxid_lei1999", "雷雷", 5_000).await;
    let member = app.store.withdrawal(first).await.unwrap().account_id;
    let before = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!(before.withdrawing, 3_000);

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/withdrawals", app.base)).await;
    assert_eq!(b.count("main table:first-of-type tbody tr form.approve").await, 2);
    b.click(&format!("button[data-id='{first}']")).await;
    b.wait_url("msg=").await;
    assert!(b.source().await.contains("已通过"));
    let w = app.store.withdrawal(first).await.unwrap();
    assert_eq!((w.status.as_str(), w.decided_by.as_deref()), ("approved", Some(ADMIN)));
    let after = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!((after.withdrawing, after.paid_out), (3_000, 0), "paid only when the payment is recorded");

    // Rejecting needs a reason; the money goes back to the member's available balance.
    b.type_into("form.reject input[name=reason]", "收款信息有误").await;
    b.click("form.reject button[type=submit]").await;
    eventually("the rejection", Duration::from_secs(10), || async {
        (app.store.withdrawal(second).await.unwrap().status == "rejected").then_some(())
    })
    .await;
    assert_eq!(app.store.withdrawal(second).await.unwrap().reason, "收款信息有误");
    b.wait_url("msg=").await;
    let done = b.source().await;
    assert!(done.contains("收款信息有误") && done.contains("已驳回"), "the history shows the reason");
    assert_eq!(b.count("form.approve").await, 0, "the queue is empty");
}
