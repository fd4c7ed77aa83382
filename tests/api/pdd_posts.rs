//! Pinduoduo plan posts carry their own tag: a post has no member, so its `custom_parameters` name the PID owner's
//! 备案 uid (`p<partner>`) with the post's `sid`; the order made through the post comes back with that tag and
//! counts to that post, group and plan, to the 分. The 群 page and the 概览 page split what posts earned from what
//! members' own links earned.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::helpers::{TestApp, TestDb, eventually};
use crate::posting_dashboard::{TOKEN, api};
use dealbot::feeds::FeedRefresh;
use dealbot::orders::sync::OrderSync;
use dealbot::platform::Platform;
use dealbot::posting::run_due;
use dealbot::sim::catalog;
use dealbot::sim::gewe::SentKind;
use dealbot::store::orders::AttributionKind;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(a_pinduoduo_post_names_its_post_and_its_order_counts_to_it_to_the_fen);

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
const ROOM: &str = "33000000001@chatroom";
const PID: &str = "41186513_292060576";

async fn a_pinduoduo_post_names_its_post_and_its_order_counts_to_it_to_the_fen(db: TestDb) {
    let app = TestApp::spawn_on(db, |s| {
        s.admin.api_token = dealbot::config::Secret::new(TOKEN);
        // The simulated clock stands at 2026-01-05 while the gateway stamps messages with the wall clock.
        s.engine.max_message_age_secs = 400 * 24 * 3600;
    })
    .await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    let pdd = &app.sim.sims.pdd;
    pdd.set_now(Some(T0 + 60));
    let refresh = FeedRefresh::for_platform(
        &app.store,
        &app.engine.affiliates,
        Platform::Pdd,
        &app.engine.settings.feeds,
        &app.clock,
    )
    .unwrap();
    assert!(refresh.run().await.unwrap().items > 0);
    let (group, partner) = partner_group(&app, "拼团群主", ROOM, "拼多多发单群").await;
    pdd.add_pid(PID, "拼多多发单群");
    app.store.set_pid(Platform::Pdd, PID, ROOM, PidOwner::Partner(partner), app.clock.now_ms()).await.unwrap();
    // The partner 备案'd their PID with their own uid on the partner page.
    pdd.authorize_member(PID, &format!("p{partner}"));

    let plan = json!({
        "name": "拼多多好价",
        "targets": {"groups": [group]},
        "source": {"selection": {"platforms": ["pdd"]}},
        "schedule": {"windows": [{"start_min": 0, "end_min": 1440}], "cadence": {"every_minutes": 10},
                     "cap_per_hour": 6, "cap_per_day": 0},
        "enabled": true
    });
    let (status, plan) = api(&app, "post", "/admin/api/posting/plans", Some(plan)).await;
    assert_eq!(status, 200, "{plan}");
    let plan_id = plan["id"].as_i64().unwrap();
    let report = run_due(&app.engine, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 1, "{report:?}");
    let (_, deliveries) = api(&app, "get", &format!("/admin/api/posting/deliveries?plan_id={plan_id}"), None).await;
    let queued: Vec<&Value> = deliveries.as_array().unwrap().iter().filter(|d| d["status"] == "queued").collect();
    assert_eq!(queued.len(), 1, "{deliveries}");
    let tag_id = queued[0]["tag_id"].as_i64().expect("the post has a tag");

    // The post's link carries the partner's uid and the post's sid.
    let text = eventually("the post's text in the group", Duration::from_secs(30), || async {
        app.sim.sims.gewe.sent().into_iter().find(|m| m.to_wxid == ROOM && m.kind == SentKind::Text)
    })
    .await;
    let link = text
        .content
        .match_indices("https://")
        .map(|(at, _)| text.content[at..].split_whitespace().next().unwrap_or_default())
        .find(|l| l.contains("pinduoduo.com"))
        .expect("a link")
        .to_string();
    let target = pdd.resolve_short(&link).unwrap_or_else(|| link.clone());
    let custom = url::Url::parse(&target)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "customParameters")
        .map(|(_, v)| v.into_owned())
        .expect("customParameters on the landing link");
    let custom: Value = serde_json::from_str(&custom).unwrap();
    assert_eq!(custom, json!({"uid": format!("p{partner}"), "sid": format!("c{tag_id}")}));

    // A buyer pays through it; the order syncs back with the post's tag.
    let order_sn = pdd.buy(&text.content).expect("the text carries the union's link");
    app.clock.advance_ms(600_000);
    pdd.set_now(Some(T0 + 660));
    let sync =
        OrderSync::for_platform(&app.store, &app.engine.affiliates, Platform::Pdd, &app.engine.settings, &app.clock)
            .unwrap();
    let lease = sync.lease("test");
    assert!(lease.acquire().await.unwrap());
    sync.run(&lease).await.unwrap();
    lease.release().await.unwrap();
    let bought = app.store.order_by_key(Platform::Pdd, &order_sn).await.unwrap().expect("the order synced");
    assert_eq!(bought.member_tag.as_deref(), Some(format!("p{partner}_c{tag_id}").as_str()));
    assert_eq!(bought.attribution.group_id, Some(group));
    assert_eq!(bought.attribution.partner_id, Some(partner));
    assert_eq!(bought.attribution.member_id, None, "a post has no member to credit");
    assert_eq!(bought.attribution.kind, AttributionKind::Group);
    assert!(bought.paid_amount.0 > 0 && bought.estimated_commission.0 > 0, "{bought:?}");

    // A member pastes a link of their own and buys through the reply: that order is the group's, not the post's.
    const BUYER: (&str, &str) = ("wxid_pdd_buyer", "小买");
    app.sim.sims.gewe.add_member(ROOM, BUYER.0, BUYER.1);
    pdd.set_require_member_auth(false);
    let item = catalog::listed(Platform::Pdd).into_iter().find(|i| i.commission_bps > 0).unwrap();
    let paste = format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", item.id);
    app.sim.sims.gewe.deliver_text(ROOM, BUYER.0, BUYER.1, &paste).await.unwrap();
    let reply = eventually("the member's reply", Duration::from_secs(30), || async {
        let texts: Vec<_> =
            app.sim.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == ROOM && m.kind == SentKind::Text).collect();
        (texts.len() >= 2).then(|| texts[texts.len() - 1].clone())
    })
    .await;
    let member_sn = pdd.buy(&reply.content).expect("the reply carries the union's link");
    app.clock.advance_ms(600_000);
    pdd.set_now(Some(T0 + 1260));
    assert!(lease.acquire().await.unwrap());
    sync.run(&lease).await.unwrap();
    lease.release().await.unwrap();
    let member_order = app.store.order_by_key(Platform::Pdd, &member_sn).await.unwrap().expect("synced");
    assert_eq!(member_order.attribution.group_id, Some(group));
    assert!(member_order.attribution.member_id.is_some(), "{member_order:?}");

    let (_, stats) = api(&app, "get", "/admin/api/posting/stats", None).await;
    let money = |o: &dealbot::store::orders::StoredOrder| {
        json!({"orders": 1, "gmv_fen": o.paid_amount.0, "estimated_fen": o.estimated_commission.0,
               "settled_fen": o.settled_commission.0})
    };
    assert_eq!(stats["sources"], json!({"posts": money(&bought), "others": money(&member_order)}), "{stats}");
    let yuan = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    let mut admin = AdminClient::new(&app);
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    admin.login(ADMIN, ADMIN_PASSWORD).await;
    for page in [format!("/admin/groups/{group}"), "/admin".to_string()] {
        let html = admin.get(&page).await.text().await.unwrap();
        let table = &html[html.find("earned-sources").expect("the sources table")..];
        let table = &table[..table.find("</table>").unwrap()];
        let posts_row = &table[table.find("发单").unwrap()..table.find("群友转链").unwrap()];
        let others_row = &table[table.find("群友转链").unwrap()..];
        for (row, o) in [(posts_row, &bought), (others_row, &member_order)] {
            for figure in [yuan(o.paid_amount.0), yuan(o.estimated_commission.0)] {
                assert!(row.contains(&figure), "{page}: {figure} in {row}");
            }
        }
    }

    let posts = stats["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1, "{stats}");
    assert_eq!(posts[0]["delivery_id"], queued[0]["id"]);
    for (what, e) in [
        ("post", &posts[0]),
        ("plan", &stats["plans"][plan_id.to_string()]),
        ("group", &stats["groups"][group.to_string()]),
    ] {
        assert_eq!(e["orders"], 1, "{what}: {stats}");
        assert_eq!(e["gmv_fen"], bought.paid_amount.0, "{what}: {stats}");
        assert_eq!(e["estimated_fen"], bought.estimated_commission.0, "{what}: {stats}");
        assert_eq!(e["settled_fen"], bought.settled_commission.0, "{what}: {stats}");
    }
}
