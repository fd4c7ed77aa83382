//! 选品库 actions: items ticked in the library go into a plan of hand-picked items or out now to chosen groups (one
//! item: a single post; 3 to 5: a list post whose poster has each item's own QR code), in headless Chromium and
//! through the JSON API; plans with their own poster and copy templates; partners only reach their own groups.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestDb, eventually};
use crate::mass::decode_qr;
use crate::posting_dashboard::{ROOMS, api, setup};
use dealbot::posting::{Source, run_due};
use dealbot::sim::gewe::SentKind;
use dealbot::store::users::Role;
use serde_json::json;
use std::time::Duration;

/// Library ids of the first `n` rows of the 选品库 page (its default order).
async fn first_rows(b: &Browser, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for row in 1..=n {
        let id = b.text(&format!("main table tbody tr:nth-child({row}) .item-id")).await;
        ids.push(id.parse().unwrap());
    }
    ids
}

async fn tick_rows(b: &Browser, rows: &[usize]) {
    for row in rows {
        b.click(&format!("main table tbody tr:nth-child({row}) input[name=item]")).await;
    }
}

#[tokio::test]
async fn ticked_items_join_a_plan_or_go_out_now_from_the_library_page() {
    let (app, groups) = setup(TestDb::sqlite().await).await;
    let (group, _) = groups[0];
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let plan = json!({
        "name": "精选好物",
        "targets": {"groups": [group]},
        "source": {"items": []},
        "schedule": {"windows": [{"start_min": 0, "end_min": 1440}], "cadence": {"every_minutes": 30},
                     "cap_per_hour": 2, "cap_per_day": 0},
        "enabled": false
    });
    let (status, plan) = api(&app, "post", "/admin/api/posting/plans", Some(plan)).await;
    assert_eq!(status, 200, "{plan}");
    let plan_id = plan["id"].as_i64().unwrap();

    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/selection", app.base)).await;
    let ids = first_rows(&b, 2).await;
    tick_rows(&b, &[1, 2]).await;
    b.exec(
        &format!("document.querySelector('#selection-actions select[name=plan_id]').value = '{plan_id}';"),
        json!([]),
    )
    .await;
    b.click("#selection-pick").await;
    b.wait_url("msg=").await;
    assert!(b.text(".notice").await.contains("已加入计划"), "{}", b.source().await);
    let stored = app.store.posting_plan(plan_id).await.unwrap().stored.plan;
    assert_eq!(stored.source, Source::Items(ids.clone()));

    // One item ticked, one group chosen: posted now, poster and copy in the group.
    b.goto(&format!("{}/admin/selection", app.base)).await;
    tick_rows(&b, &[1]).await;
    b.click(&format!("#selection-groups input[value='{group}']")).await;
    b.click("#selection-post").await;
    b.wait_url("msg=").await;
    assert!(b.text(".notice").await.contains("已立即发单：1 个群"), "{}", b.source().await);
    let (poster, text) = eventually("the post in the group", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        let image = s.iter().find(|m| m.to_wxid == ROOMS[0] && m.kind == SentKind::Image)?.clone();
        let text = s.iter().find(|m| m.to_wxid == ROOMS[0] && m.kind == SentKind::Text)?.clone();
        Some((image, text))
    })
    .await;
    let item = app.store.feed_item(ids[0]).await.unwrap().item;
    let codes = decode_qr(poster.image_bytes.as_ref().expect("the gateway fetched the poster"));
    assert_eq!(codes.len(), 1);
    assert!(text.content.contains(&codes[0]), "{codes:?} in {}", text.content);
    let sent: Vec<_> = app
        .store
        .recent_deliveries(None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.status == "queued" && d.group_id == group)
        .map(|d| d.item_key)
        .collect();
    assert_eq!(sent, std::slice::from_ref(&item.key));

    // Two items are neither a single post nor a list: refused with the rule.
    b.goto(&format!("{}/admin/selection", app.base)).await;
    tick_rows(&b, &[1, 2]).await;
    b.click(&format!("#selection-groups input[value='{group}']")).await;
    b.click("#selection-post").await;
    b.wait_url("msg=").await;
    assert!(b.text(".notice").await.contains("1 件（单品）或 3 到 5 件（清单）"), "{}", b.source().await);
}

#[tokio::test]
async fn a_list_post_shows_every_item_with_its_own_qr_and_plans_take_their_own_templates() {
    let (app, groups) = setup(TestDb::sqlite().await).await;
    let (group, _) = groups[0];
    let (other_group, other_partner) = groups[1];
    let (_, library) = api(&app, "get", "/admin/api/selection?platform=jd&sort=commission", None).await;
    let ids: Vec<i64> = library["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.len() >= 10, "{library}");

    // Three items now to the first group: one list poster, one text; each row's QR is that item's link there.
    let (status, posted) =
        api(&app, "post", "/admin/api/selection/post", Some(json!({"items": &ids[..3], "groups": [group]}))).await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["queued"], 1, "{posted}");
    let (poster, text) = eventually("the list post", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        let image = s.iter().find(|m| m.to_wxid == ROOMS[0] && m.kind == SentKind::Image)?.clone();
        let text = s.iter().find(|m| m.to_wxid == ROOMS[0] && m.kind == SentKind::Text)?.clone();
        Some((image, text))
    })
    .await;
    assert!(text.content.starts_with("共 3 个商品："), "{}", text.content);
    let (_, deliveries) =
        api(&app, "get", &format!("/admin/api/posting/deliveries?plan_id={}", posted["plan_id"]), None).await;
    let urls: Vec<String> = app
        .store
        .plan_deliveries(posted["plan_id"].as_i64().unwrap(), 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.status == "queued")
        .map(|d| d.promotion_url.unwrap())
        .collect();
    assert_eq!(urls.len(), 3, "one delivery row per item: {deliveries}");
    let mut codes = decode_qr(poster.image_bytes.as_ref().expect("the gateway fetched the list poster"));
    codes.sort();
    let mut want = urls.clone();
    want.sort();
    assert_eq!(codes, want, "every item's own link, once");
    let positions: Vec<usize> =
        urls.iter().map(|u| text.content.find(u.as_str()).expect("each link in the text")).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]) || positions.windows(2).all(|w| w[0] > w[1]), "{positions:?}");
    for (n, _) in urls.iter().enumerate() {
        assert!(text.content.contains(&format!("\n{}. ", n + 1)), "{}", text.content);
    }

    // A plan with a list of 3, its own copy template and a loaded poster template.
    let mut plan = json!({
        "name": "清单计划",
        "targets": {"groups": [other_group]},
        "source": {"items": &ids[3..9]},
        "schedule": {"windows": [{"start_min": 0, "end_min": 1440}], "cadence": {"every_minutes": 10},
                     "cap_per_hour": 6, "cap_per_day": 0},
        "enabled": true,
        "content": {"items": 3, "copy_template": "{标题} 到手{券后价} 戳{链接}", "poster_template": "没有这个模板"}
    });
    let (status, refused) = api(&app, "post", "/admin/api/posting/plans", Some(plan.clone())).await;
    assert_eq!(status, 400);
    assert!(refused["error"].as_str().unwrap().contains("没有名为「没有这个模板」的海报模板"), "{refused}");
    plan["content"]["poster_template"] = json!("card");
    plan["content"]["copy_template"] = json!("{标题} 到手{券后价}");
    let (status, refused) = api(&app, "post", "/admin/api/posting/plans", Some(plan.clone())).await;
    assert_eq!(status, 400);
    assert!(refused["error"].as_str().unwrap().contains("{链接}"), "{refused}");
    plan["content"]["copy_template"] = json!("{标题} 到手{券后价} 戳{链接}");
    let (status, saved) = api(&app, "post", "/admin/api/posting/plans", Some(plan)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(run_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 1);
    let text = eventually("the plan's list post", Duration::from_secs(30), || async {
        app.sim.sims.gewe.sent().into_iter().find(|m| m.to_wxid == ROOMS[1] && m.kind == SentKind::Text)
    })
    .await;
    assert!(text.content.starts_with("共 3 个商品："), "{}", text.content);
    assert_eq!(text.content.matches("到手").count(), 3, "the plan's copy template for each item: {}", text.content);

    // A partner posts only to their own groups.
    add_user(&app, "owner1", ADMIN_PASSWORD, Role::Partner, Some(other_partner)).await;
    let mut owner = AdminClient::new(&app);
    owner.login("owner1", ADMIN_PASSWORD).await;
    let csrf = owner.csrf().await;
    let r =
        owner.post_json("/admin/api/selection/post", &json!({"items": [ids[9]], "groups": [group]}), Some(&csrf)).await;
    assert_eq!(r.status(), 403);
    let r = owner
        .post_json("/admin/api/selection/pick", &json!({"items": [ids[9]], "plan_id": posted["plan_id"]}), Some(&csrf))
        .await;
    assert_eq!(r.status(), 403);
}
