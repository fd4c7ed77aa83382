//! 群发 to friends in private chat: an admin picks a member who talks to the robot one to one, previews what they
//! will get and sends; the friend gets the poster and the text in private chat with a link carrying their own
//! member tag (an order on it is theirs), the send is a delivery row; a partner may not send to friends, and
//! someone who never talked to the robot is no friend.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::helpers::{TestApp, TestDb, eventually};
use dealbot::orders::sync::OrderSync;
use dealbot::platform::Platform;
use dealbot::sim::gewe::SentKind;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(a_mass_post_reaches_a_friend_in_private_chat_with_their_own_tag);

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
const FRIEND: &str = "wxid_fang0520";
const STRANGER: &str = "wxid_never_talked";
const JD_LINK: &str = "https://item.jd.com/100087654321.html";

async fn a_mass_post_reaches_a_friend_in_private_chat_with_their_own_tag(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    app.sim.sims.jd.set_automatic_orders(false);
    let (group, wang) = partner_group(&app, "小王", "43000000001@chatroom", "王的群").await;
    let member = app.store.touch_member(FRIEND, Some("小芳"), Some(group), app.clock.now_ms()).await.unwrap();
    let robot = crate::admin_helpers::robot_id(&app);
    // The friend talks to the robot in private chat.
    app.sim.sims.gewe.deliver_private_text(FRIEND, "小芳", "在吗").await.unwrap();
    eventually("the friend listed", Duration::from_secs(30), || async {
        app.store.private_contacts(10).await.unwrap().into_iter().find(|c| c.wxid == FRIEND)
    })
    .await;

    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    let page = c.get("/admin/mass").await.text().await.unwrap();
    assert!(page.contains("mass-friends") && page.contains(FRIEND), "the page offers the friend");

    // Someone who never talked to the robot is no friend.
    let stranger = json!({"text": "你好", "friends": [{"robot_id": robot, "wxid": STRANGER}], "schedule": "now"});
    let resp = c.post_json("/admin/api/mass-posts", &stranger, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let body = json!({"text": "小芳，专属好价", "link": JD_LINK, "friends": [{"robot_id": robot, "wxid": FRIEND}],
                      "schedule": "now"});
    let preview: Value = c.post_json("/admin/api/mass-posts/preview", &body, Some(&csrf)).await.json().await.unwrap();
    let shown = &preview["friends"][0];
    assert_eq!(shown["wxid"], FRIEND, "{preview}");
    let link = shown["promotion_url"].as_str().expect("the friend's own link").to_string();
    let bodies = shown["bodies"].as_array().unwrap();
    assert_eq!(bodies[0]["type"], "image", "the poster: {preview}");
    assert!(bodies[1]["content"].as_str().unwrap().starts_with("小芳，专属好价"), "{preview}");

    let resp = c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["queued"], 1, "{created}");
    let row = &created["friend_deliveries"][0];
    assert_eq!((row["wxid"].as_str(), row["status"].as_str()), (Some(FRIEND), Some("queued")), "{created}");
    assert_eq!(row["promotion_url"].as_str(), Some(link.as_str()), "the preview showed what went out");

    let text = eventually("the poster and the text in private chat", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        let image = s.iter().any(|m| m.to_wxid == FRIEND && m.kind == SentKind::Image);
        s.into_iter()
            .find(|m| image && m.to_wxid == FRIEND && m.kind == SentKind::Text && m.content.contains("专属好价"))
    })
    .await;
    assert!(text.content.contains(&link), "{}", text.content);

    // The friend buys through it: the order is theirs.
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
    assert_eq!(bought.attribution.member_id, Some(member), "{:?}", bought.attribution);

    // A partner may not send to friends, not even their own group's members.
    add_user(&app, "wang", ADMIN_PASSWORD, Role::Partner, Some(wang)).await;
    let mut p = AdminClient::new(&app);
    p.login("wang", ADMIN_PASSWORD).await;
    let csrf = p.csrf().await;
    let to_friend = json!({"text": "通知", "friends": [{"robot_id": robot, "wxid": FRIEND}], "schedule": "now"});
    assert_eq!(p.post_json("/admin/api/mass-posts", &to_friend, Some(&csrf)).await.status(), StatusCode::FORBIDDEN);
    let page = p.get("/admin/mass").await.text().await.unwrap();
    assert!(!page.contains("mass-friends"), "no friends offered to a partner");
}
