//! The 发单 page and its API: plans made on the dashboard (targets: a partner's groups), their deliveries after the
//! worker ran, partners seeing only their own groups' plans, and an order on a posted link counted to that post,
//! group and plan to the 分. The page itself in headless Chromium.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestApp, TestDb, eventually};
use dealbot::feeds::FeedRefresh;
use dealbot::orders::sync::OrderSync;
use dealbot::platform::Platform;
use dealbot::posting::run_due;
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(an_order_on_a_posted_link_counts_to_its_post_group_and_plan_to_the_fen);

pub(crate) const TOKEN: &str = "posting-dashboard-token-0123456789";
/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
pub(crate) const ROOMS: [&str; 2] = ["32000000001@chatroom", "32000000002@chatroom"];
const PIDS: [u64; 2] = [3_100_000_101, 3_100_000_102];

/// The app at 10:01 on T0's day with the JD library filled (JD carries the post's tag without a member) and two partners' groups with their own PIDs; returns
/// the app and [(group, partner)].
pub(crate) async fn setup(db: TestDb) -> (TestApp, Vec<(i64, i64)>) {
    let app = TestApp::spawn_on(db, |s| s.admin.api_token = dealbot::config::Secret::new(TOKEN)).await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    let refresh = FeedRefresh::for_platform(
        &app.store,
        &app.engine.affiliates,
        Platform::Jd,
        &app.engine.settings.feeds,
        &app.clock,
    )
    .unwrap();
    assert!(refresh.run().await.unwrap().items > 0);
    let mut out = Vec::new();
    for (n, (room, pid)) in ROOMS.iter().zip(PIDS).enumerate() {
        let (g, p) = partner_group(&app, &format!("群主{n}"), room, &format!("发单群{n}")).await;
        app.sim.sims.jd.add_position(pid, &format!("发单群{n}"));
        app.store.set_pid(Platform::Jd, &pid.to_string(), room, PidOwner::Group(g), app.clock.now_ms()).await.unwrap();
        out.push((g, p));
    }
    (app, out)
}

fn plan_json(name: &str, targets: Value) -> Value {
    json!({
        "name": name,
        "targets": targets,
        "source": {"selection": {"platforms": ["jd"]}},
        "schedule": {"windows": [{"start_min": 0, "end_min": 1440}], "cadence": {"every_minutes": 10},
                     "cap_per_hour": 6, "cap_per_day": 0},
        "enabled": true
    })
}

pub(crate) async fn api(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}{path}", app.base);
    let mut req = if method == "get" { http.get(url) } else { http.post(url) };
    req = req.bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn an_order_on_a_posted_link_counts_to_its_post_group_and_plan_to_the_fen(db: TestDb) {
    let (app, groups) = setup(db).await;
    let (group, partner) = groups[0];
    let (other_group, other_partner) = groups[1];

    // The same check as the chat commands: an interval of 2 minutes is refused with its Chinese reason.
    let mut bad = plan_json("太频繁", json!({"partner": partner}));
    bad["schedule"]["cadence"] = json!({"every_minutes": 2});
    let (status, body) = api(&app, "post", "/admin/api/posting/plans", Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("发单间隔"), "{body}");

    // A plan on all groups of the first partner posts to that partner's group only.
    let (status, plan) =
        api(&app, "post", "/admin/api/posting/plans", Some(plan_json("群主0全群", json!({"partner": partner})))).await;
    assert_eq!(status, 200, "{plan}");
    let plan_id = plan["id"].as_i64().unwrap();
    let report = run_due(&app.engine, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 1, "{report:?}");
    let (_, deliveries) = api(&app, "get", &format!("/admin/api/posting/deliveries?plan_id={plan_id}"), None).await;
    let queued: Vec<&Value> = deliveries.as_array().unwrap().iter().filter(|d| d["status"] == "queued").collect();
    assert_eq!(queued.len(), 1, "{deliveries}");
    assert_eq!(queued[0]["group_id"], group);
    assert!(queued[0]["tag_id"].as_i64().is_some(), "{deliveries}");

    // A buyer pays through the posted text's link; the order syncs back with the post's tag.
    let text = eventually("the post's text in the group", Duration::from_secs(30), || async {
        app.sim.sims.gewe.sent().into_iter().find(|m| m.to_wxid == ROOMS[0] && m.kind == SentKind::Text)
    })
    .await;
    let order_sn = app.sim.sims.jd.buy(&text.content).expect("the text carries the union's link");
    app.clock.advance_ms(600_000);
    app.sim.sims.jd.set_now(Some(T0 + 660));
    let sync =
        OrderSync::for_platform(&app.store, &app.engine.affiliates, Platform::Jd, &app.engine.settings, &app.clock)
            .unwrap();
    let lease = sync.lease("test");
    assert!(lease.acquire().await.unwrap());
    sync.run(&lease).await.unwrap();
    lease.release().await.unwrap();
    let bought = app.store.order_by_key(Platform::Jd, &order_sn).await.unwrap().expect("the order synced");
    assert_eq!(bought.attribution.group_id, Some(group));
    // Every order row that came back with the post's tag (JD lists an order's rows separately), summed by hand.
    let tag = format!("c{}", queued[0]["tag_id"]);
    let tagged: Vec<_> = app
        .store
        .orders_modified_between(Platform::Jd, 0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.member_tag.as_deref().is_some_and(|t| t == tag || t.ends_with(&format!("_{tag}"))))
        .collect();
    assert!(tagged.iter().any(|o| o.order_key == order_sn), "{tagged:?}");
    let sum = |f: fn(&dealbot::store::orders::StoredOrder) -> i64| tagged.iter().map(f).sum::<i64>();
    let (gmv, estimated, settled) =
        (sum(|o| o.paid_amount.0), sum(|o| o.estimated_commission.0), sum(|o| o.settled_commission.0));
    assert!(gmv > 0 && estimated > 0, "{tagged:?}");

    let (_, stats) = api(&app, "get", "/admin/api/posting/stats", None).await;
    for (what, e) in [("plan", &stats["plans"][plan_id.to_string()]), ("group", &stats["groups"][group.to_string()])] {
        assert_eq!(e["queued"], 1, "{what}: {stats}");
        assert_eq!(e["orders"], tagged.len(), "{what}: {stats}");
        assert_eq!(e["gmv_fen"], gmv, "{what}: {stats}");
        assert_eq!(e["estimated_fen"], estimated, "{what}: {stats}");
        assert_eq!(e["settled_fen"], settled, "{what}: {stats}");
    }
    let posts = stats["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1, "{stats}");
    assert_eq!(posts[0]["delivery_id"], queued[0]["id"]);
    assert_eq!(posts[0]["gmv_fen"], gmv);
    assert!(stats["groups"].get(other_group.to_string()).is_none(), "{stats}");

    // Partners: the owner sees the plan, its delivery and its earnings; the other partner sees none of it and may
    // not make a plan on a group that is not theirs.
    add_user(&app, "owner0", ADMIN_PASSWORD, Role::Partner, Some(partner)).await;
    add_user(&app, "owner1", ADMIN_PASSWORD, Role::Partner, Some(other_partner)).await;
    let mut owner = AdminClient::new(&app);
    owner.login("owner0", ADMIN_PASSWORD).await;
    let plans: Value = owner.get("/admin/api/posting/plans").await.json().await.unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 1, "{plans}");
    let page = owner.get("/admin/posting").await.text().await.unwrap();
    assert!(page.contains("群主0全群"), "{page}");
    // The 群 page shows what the posts earned there.
    let page = owner.get(&format!("/admin/groups/{group}")).await.text().await.unwrap();
    let earned = &page[page.find("posting-earned").expect("the 发单效果 cards")..];
    let yuan = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    for figure in [yuan(gmv), yuan(estimated)] {
        assert!(earned.contains(&format!("<b>{figure}</b>")), "{figure} in {earned}");
    }
    let mut other = AdminClient::new(&app);
    other.login("owner1", ADMIN_PASSWORD).await;
    let plans: Value = other.get("/admin/api/posting/plans").await.json().await.unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 0, "{plans}");
    let stats: Value = other.get("/admin/api/posting/stats").await.json().await.unwrap();
    assert_eq!(stats["posts"].as_array().unwrap().len(), 0, "{stats}");
    let deliveries: Value = other.get("/admin/api/posting/deliveries").await.json().await.unwrap();
    assert_eq!(deliveries.as_array().unwrap().len(), 0, "{deliveries}");
    let page = other.get("/admin/posting").await.text().await.unwrap();
    assert!(!page.contains("群主0全群"), "{page}");
    let csrf = other.csrf().await;
    let r = other
        .post_json("/admin/api/posting/plans", &plan_json("抢别人的群", json!({"groups": [group]})), Some(&csrf))
        .await;
    assert_eq!(r.status(), 403);
    let r = other
        .post_json(&format!("/admin/api/posting/plans/{plan_id}/enabled"), &json!({"enabled": false}), Some(&csrf))
        .await;
    assert_eq!(r.status(), 403);

    // The owner switches the plan off and edits it back on through the page's forms (which carry the CSRF token).
    let switch = format!("/admin/posting/plans/{plan_id}/enabled");
    assert_eq!(owner.post_form(&switch, &[("enabled", "0")]).await.status(), 403, "no CSRF token");
    let token = AdminClient::form_token(&owner.get("/admin/posting").await.text().await.unwrap());
    assert_eq!(owner.post_form(&switch, &[("_csrf", &token), ("enabled", "0")]).await.status(), 303);
    assert!(!app.store.posting_plan(plan_id).await.unwrap().stored.plan.enabled);
    let edit = owner.get(&format!("/admin/posting?edit={plan_id}")).await.text().await.unwrap();
    assert!(edit.contains("修改计划") && edit.contains("value=\"00:00-24:00\""), "{edit}");
    let partner_id = partner.to_string();
    let fields = [
        ("_csrf", token.as_str()),
        ("name", "群主0全群·改"),
        ("target", "partner"),
        ("partner_id", &partner_id),
        ("source", "selection"),
        ("platform", "jd"),
        ("windows", "0-24"),
        ("interval", "10"),
        ("cap_hour", "6"),
        ("cap_day", "0"),
        ("enabled", "1"),
    ];
    let r = owner.post_form(&format!("/admin/posting/plans/{plan_id}"), &fields).await;
    assert_eq!(r.status(), 303);
    let saved = app.store.posting_plan(plan_id).await.unwrap().stored.plan;
    assert!(saved.enabled);
    assert_eq!(saved.name, "群主0全群·改");
    // A refused edit comes back with the reason and changes nothing.
    let mut bad = fields;
    bad[7] = ("interval", "2");
    let r = owner.post_form(&format!("/admin/posting/plans/{plan_id}"), &bad).await;
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("msg="), "{back}");
    assert_eq!(app.store.posting_plan(plan_id).await.unwrap().stored.plan, saved);

    // A plan on every enabled group reaches both groups; the partner plan goes on serving its own.
    let (status, all) =
        api(&app, "post", "/admin/api/posting/plans", Some(plan_json("全部群", json!("all_enabled")))).await;
    assert_eq!(status, 200, "{all}");
    let report = run_due(&app.engine, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 3, "{report:?}");
    let (_, deliveries) = api(&app, "get", &format!("/admin/api/posting/deliveries?plan_id={}", all["id"]), None).await;
    let mut reached: Vec<i64> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "queued")
        .map(|d| d["group_id"].as_i64().unwrap())
        .collect();
    reached.sort_unstable();
    assert_eq!(reached, [group, other_group]);
}

/// In Chromium: an admin creates a plan on the 发单 page (a list of groups), the worker runs in the real app and
/// the page lists the post; the partner of the other group does not see the plan.
#[tokio::test]
async fn a_plan_made_on_the_page_posts_and_its_deliveries_show_up() {
    let (app, groups) = setup(TestDb::sqlite().await).await;
    let (group, _) = groups[0];
    let (_, other_partner) = groups[1];
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    add_user(&app, "owner1", ADMIN_PASSWORD, Role::Partner, Some(other_partner)).await;
    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, &app, ADMIN).await;
    // The 选品库 lists each item's library id, what a plan of hand-picked items takes.
    b.goto(&format!("{}/admin/selection", app.base)).await;
    let id: i64 = b.text("main table tbody tr:first-child .item-id").await.parse().unwrap();
    let title = b.text("main table tbody tr:first-child .item-title").await;
    let item = app.store.feed_item(id).await.unwrap().item;
    assert_eq!(item.short_title.as_deref().unwrap_or(&item.title), title);
    b.goto(&format!("{}/admin/posting", app.base)).await;
    b.type_into("form.filters input[name=name]", "页面建的计划").await;
    b.type_into("form.filters input[name=groups]", &group.to_string()).await;
    b.exec("document.querySelector('form.filters select[name=platform]').value = 'jd';", json!([])).await;
    b.type_into("form.filters input[name=windows]", "0-24").await;
    b.type_into("form.filters input[name=interval]", "10").await;
    b.type_into("form.filters input[name=cap_hour]", "6").await;
    b.click("form.filters input[name=enabled]").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_url("msg=").await;
    assert!(b.source().await.contains("计划已保存"), "{}", b.source().await);
    assert!(b.text(".plan-name").await.contains("页面建的计划"));
    let plans = app.store.posting_plans().await.unwrap();
    assert_eq!(plans.len(), 1);
    assert!(plans[0].stored.plan.enabled);

    // The worker of the real app (the same function its loop runs) serves the slot.
    assert_eq!(run_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        b.goto(&format!("{}/admin/posting", app.base)).await;
        if b.count("#deliveries .delivery-queued").await == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no delivery listed: {}", b.source().await);
    }
    assert!(b.text("#deliveries").await.contains("发单群0"));

    // The other partner does not see the plan.
    b.click("header form button[type=submit]").await;
    b.wait_url("/admin/login").await;
    crate::admin_browser::login(&b, &app, "owner1").await;
    b.goto(&format!("{}/admin/posting", app.base)).await;
    assert_eq!(b.count(".plan-name").await, 0, "{}", b.source().await);
    assert_eq!(b.count("#deliveries .delivery-queued").await, 0);
}
