//! Robot lifecycle: an account that drops offline (with or without the gateway's callback) holds its sends,
//! alerts the admins through another robot and on the 机器人 page, and resumes each send once when it is back;
//! groups and members synced from the gateway's contacts name the groups and the @-mentions.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::admin_webdriver::Browser;
use crate::helpers::*;
use dealbot::config::{RobotSettings, Secret, Settings};
use dealbot::robots::RobotState;
use dealbot::sim::SimCredentials;
use dealbot::store::robot_lifecycle::{GroupName, SyncedMember};
use dealbot::store::users::Role;
use serde_json::Value;
use std::time::Duration;

const BOSS: &str = "wxid_b0ss_admin";
const BACKUP_APP_ID: &str = "wx_backupRobot00000000001";
const BACKUP_WXID: &str = "wxid_backup_robot";

/// Adds a second robot, `backup`, on its own simulated gateway; admins are told through it.
fn with_backup(backup: &SimServer) -> impl FnOnce(&mut Settings) {
    backup.sims.gewe.configure_bot(BACKUP_APP_ID, BACKUP_WXID, "备用小助手");
    let base = format!("{}/gewe/v2/api", backup.base);
    move |s: &mut Settings| {
        s.admin.wxids = vec![BOSS.into()];
        s.outbox.offline_probe_ms = 200;
        // Were a held send counted as an attempt, two would dead-letter it.
        s.outbox.max_attempts = 2;
        s.outbox.backoff_base_ms = 50;
        s.outbox.backoff_max_ms = 100;
        s.robots.push(RobotSettings {
            name: "backup".into(),
            base_url: base,
            token: Secret::new(SimCredentials::default().gewe_token),
            app_id: BACKUP_APP_ID.into(),
            wxid: BACKUP_WXID.into(),
            nickname: "备用小助手".into(),
            webhook_secret: Secret::new("backup-webhook-secret-0123456789"),
            min_send_interval_ms: 0,
            send_jitter_ms: 0,
            min_group_interval_ms: 0,
            ..RobotSettings::default()
        });
    }
}

fn robot_named(app: &TestApp, name: &str) -> i64 {
    app.engine.robots.values().find(|r| r.settings.name == name).map(|r| r.id).unwrap()
}

/// The texts the backup robot sent to the admin.
fn admin_texts(backup: &SimServer) -> Vec<String> {
    backup.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == BOSS).map(|m| m.content).collect()
}

async fn robots_api(client: &mut AdminClient) -> Vec<Value> {
    let r = client.get("/admin/api/robots").await;
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

async fn logged_in_admin(app: &TestApp) -> AdminClient {
    add_user(app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut client = AdminClient::new(app);
    assert_eq!(client.login(ADMIN, ADMIN_PASSWORD).await.status(), 303);
    client
}

async fn account_drops_silently_then_comes_back(db: TestDb) {
    let backup = SimServer::start().await;
    let app = TestApp::spawn_on(db, with_backup(&backup)).await;
    let main = robot_named(&app, "demo");
    let gewe = &app.sim.sims.gewe;
    // No Offline callback: the gateway just answers every send `ret 500 微信已离线` and cannot reconnect.
    gewe.set_reconnect_fails(true);
    gewe.set_online(false);
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://item.jd.com/100087654321.html").await.unwrap();

    let alerts = eventually("the admin alerted through the backup robot", Duration::from_secs(20), || async {
        let t = admin_texts(&backup);
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(alerts[0].contains("机器人「demo」") && alerts[0].contains("离线"), "{alerts:?}");
    assert_eq!(alerts.len(), 1, "one alert per drop, not one per failed send or probe: {alerts:?}");
    // The probe finds that reconnecting fails: an operator must log the account in again.
    eventually("needs re-login", Duration::from_secs(10), || async {
        let s = app.store.robot_status(main).await.unwrap();
        (s.state == RobotState::NeedsLogin.as_str()).then_some(())
    })
    .await;
    // Well past the old dead-letter horizon (two attempts), the replies are still held, not dead.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let rows = app.store.outbox_for(ROOM).await.unwrap();
    assert_eq!(rows.len(), 2, "poster and text: {rows:?}");
    assert!(rows.iter().all(|r| r.status == "queued"), "held while the account is down: {rows:?}");
    assert_eq!(app.store.outbox_count("dead").await.unwrap(), 0);
    let refused = gewe.send_attempts().len();
    assert_eq!(refused, 1, "one refused send tripped the breaker; the rest wait for the account");

    // The dashboard shows the state and the event.
    let mut client = logged_in_admin(&app).await;
    let robots = robots_api(&mut client).await;
    let demo = robots.iter().find(|r| r["name"] == "demo").unwrap();
    assert_eq!(demo["gateway"], "needs_login", "{demo}");
    assert!(demo["state_reason"].as_str().unwrap().contains("重连失败"), "{demo}");
    assert!(demo["last_in_at"].as_i64().is_some(), "the member's message was received: {demo}");
    let events: Vec<Value> = client.get("/admin/api/robots/events").await.json().await.unwrap();
    assert!(events.iter().any(|e| e["robot_id"] == main && e["kind"] == "offline"), "{events:?}");
    let page = client.get("/admin/robots").await.text().await.unwrap();
    assert!(page.contains("需重新登录") && page.contains("机器人提醒"), "{page}");

    // The operator scans again: the account is back, each held send goes out exactly once.
    gewe.set_online(true);
    let sent = eventually("held replies delivered", Duration::from_secs(20), || async {
        let s: Vec<_> = gewe.sent().into_iter().filter(|m| m.to_wxid == ROOM).collect();
        (s.len() == 2).then_some(s)
    })
    .await;
    assert_ne!(sent[0].kind, sent[1].kind, "poster and text, once each");
    eventually("the admin told it is back", Duration::from_secs(10), || async {
        admin_texts(&backup).iter().any(|t| t.contains("恢复在线")).then_some(())
    })
    .await;
    assert_eq!(app.store.robot_status(main).await.unwrap().state, "online");
    eventually("both rows marked sent", Duration::from_secs(10), || async {
        app.store.outbox_for(ROOM).await.unwrap().iter().all(|r| r.status == "sent").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(gewe.sent().iter().filter(|m| m.to_wxid == ROOM).count(), 2, "no send twice");
    let demo = robots_api(&mut client).await.into_iter().find(|r| r["name"] == "demo").unwrap();
    assert_eq!(demo["gateway"], "online");
    assert!(demo["last_out_at"].as_i64().is_some(), "{demo}");
}

async fn held_sends_move_to_a_robot_in_the_same_group(db: TestDb) {
    let backup = SimServer::start().await;
    let app = TestApp::spawn_on(db, with_backup(&backup)).await;
    let (main, spare) = (robot_named(&app, "demo"), robot_named(&app, "backup"));
    let gewe = &app.sim.sims.gewe;
    gewe.set_reconnect_fails(true);
    gewe.deliver_offline().await.unwrap();
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://item.jd.com/100087654321.html").await.unwrap();
    eventually("replies queued", Duration::from_secs(20), || async {
        (app.store.outbox_for(ROOM).await.unwrap().len() == 2).then_some(())
    })
    .await;
    assert!(gewe.send_attempts().is_empty(), "the Offline callback holds sends before any is tried");
    eventually("the callback alerted the admin too", Duration::from_secs(10), || async {
        admin_texts(&backup).iter().any(|t| t.contains("离线")).then_some(())
    })
    .await;

    let mut client = logged_in_admin(&app).await;
    let csrf = client.csrf().await;
    // The backup robot is not in the group yet: nothing moves.
    let r = client
        .post_json(&format!("/admin/api/robots/{main}/move"), &serde_json::json!({"to": spare}), Some(&csrf))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), serde_json::json!({"moved": 0, "kept": 2}));
    app.store.ensure_group(spare, ROOM, true, app.clock.now_ms()).await.unwrap();
    let r = client
        .post_json(&format!("/admin/api/robots/{main}/move"), &serde_json::json!({"to": spare}), Some(&csrf))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), serde_json::json!({"moved": 2, "kept": 0}));
    eventually("the backup robot delivers them", Duration::from_secs(20), || async {
        (backup.sims.gewe.sent().iter().filter(|m| m.to_wxid == ROOM).count() == 2).then_some(())
    })
    .await;
    assert!(gewe.sent().is_empty(), "the dropped robot sent nothing");
}

async fn synced_groups_are_named_and_mentions_use_the_group_display_name(db: TestDb) {
    let sim = SimServer::start().await;
    let gewe = &sim.sims.gewe;
    gewe.name_room(ROOM, "省钱一群");
    gewe.set_display_name(ROOM, MEMBER, MEMBER_NICK, "一群的阿明");
    gewe.add_member(ROOM, "wxid_other01", "小红");
    let app = TestApp::spawn_with(sim, db, |_| {}).await;
    let robot = robot_named(&app, "demo");
    let group = eventually("the saved group and its members synced at start", Duration::from_secs(20), || async {
        let g = named_group(&app, robot, ROOM).await.filter(|g| g.name == "省钱一群")?;
        let shown = app.store.group_display_name(g.id, MEMBER).await.unwrap();
        (shown.as_deref() == Some("一群的阿明")).then_some(g)
    })
    .await;
    assert_eq!(app.store.group_display_name(group.id, "wxid_other01").await.unwrap().as_deref(), Some("小红"));

    // A callback without PushContent: the reply mentions the member by the name they show in this group.
    let mut body = group_text(9_100_000_000_000_000_001, "https://item.jd.com/100087654321.html", now_secs());
    body["Data"]["PushContent"] = Value::Null;
    assert_eq!(app.post_callback(&body).await.status(), 200);
    let text = eventually("the text reply", Duration::from_secs(20), || async {
        app.sim.sims.gewe.sent().into_iter().find(|m| m.to_wxid == ROOM && !m.content.is_empty() && !m.ats.is_empty())
    })
    .await;
    assert!(text.content.starts_with("@一群的阿明\u{2005}"), "{}", text.content);
    assert!(text.ats_in_content, "the gateway sees the mention in the content");

    // A group the robot was just added to appears with its name at its first message.
    let fresh = "55500011122@chatroom";
    app.sim.sims.gewe.name_room(fresh, "新拉的群");
    app.sim.sims.gewe.deliver_text(fresh, MEMBER, MEMBER_NICK, "大家好").await.unwrap();
    eventually("the new group named", Duration::from_secs(20), || async {
        named_group(&app, robot, fresh).await.filter(|g| g.name == "新拉的群")
    })
    .await;
}

/// The robot's group in `room`, once registered.
async fn named_group(app: &TestApp, robot: i64, room: &str) -> Option<dealbot::store::groups::Group> {
    if !app.store.robot_rooms(robot).await.unwrap().iter().any(|r| r == room) {
        return None;
    }
    Some(app.store.ensure_group(robot, room, false, 0).await.unwrap())
}

async fn lifecycle_store_rules(db: TestDb) {
    let store = db.store().await;
    let a = store.upsert_robot("a", "wx_a", "wxid_a", "A", 1).await.unwrap().id;
    let b = store.upsert_robot("b", "wx_b", "wxid_b", "B", 1).await.unwrap().id;
    assert!(store.set_robot_state(a, "offline", "已离线", 10).await.unwrap());
    assert!(!store.set_robot_state(a, "offline", "again", 11).await.unwrap(), "only a change counts");
    let s = store.robot_status(a).await.unwrap();
    assert_eq!((s.state.as_str(), s.reason.as_str(), s.changed_at), ("offline", "已离线", Some(10)));
    store.touch_robot_in(a, 20).await.unwrap();
    store.touch_robot_in(a, 15).await.unwrap();
    assert_eq!(store.robot_status(a).await.unwrap().last_in_at, Some(20), "never moves back");

    let name = |n: &str| GroupName::StandIn(n.into());
    let group = store.sync_group(b, "r1@chatroom", &name("阿明、小红"), 2, true, 30).await.unwrap();
    let again = store.sync_group(b, "r1@chatroom", &GroupName::Gateway("一群".into()), 3, false, 31).await.unwrap();
    assert_eq!(group, again);
    store.sync_group(b, "r1@chatroom", &name("阿明、小红、小李"), 3, false, 32).await.unwrap();
    assert_eq!(
        store.ensure_group(b, "r1@chatroom", false, 33).await.unwrap().name,
        "一群",
        "a stand-in fills only a gap"
    );
    let members = vec![
        SyncedMember { wxid: "wxid_m1".into(), nickname: "阿明".into(), display_name: "群里阿明".into() },
        SyncedMember { wxid: "wxid_m2".into(), nickname: "小红".into(), display_name: "".into() },
    ];
    store.sync_group_members(group, &members, 32).await.unwrap();
    store.sync_group_members(group, &members, 33).await.unwrap();
    assert_eq!(store.group_display_name(group, "wxid_m1").await.unwrap().as_deref(), Some("群里阿明"));
    assert_eq!(store.group_display_name(group, "wxid_m2").await.unwrap(), None);

    let send = |conv: &str, key: &str| {
        let body = dealbot::chat::OutboundBody::Text { content: "好的".into(), ats: Vec::new() };
        dealbot::outbox::enqueue(a, conv, body, key).not_before(0)
    };
    store.enqueue(&[send("r1@chatroom", "k1"), send("r2@chatroom", "k2"), send("wxid_m2", "k3")], 40).await.unwrap();
    let row = store.due_outbox(a, 50, 10).await.unwrap().remove(0);
    store.take_robot(a, "test", 1_000, 50).await.unwrap();
    assert!(store.claim_send(row.id, "test", 1_050, 50).await.unwrap());
    store.hold_send(row.id, "微信已离线", 51).await.unwrap();
    let held = store.outbox_row(row.id).await.unwrap();
    assert_eq!((held.status.as_str(), held.attempts), ("queued", 0), "a held send is not an attempt");
    let moved = store.move_pending_sends(a, b, 60).await.unwrap();
    assert_eq!((moved.moved, moved.kept), (2, 1), "the group and its member's private chat move; r2 stays");
    assert_eq!(store.due_outbox(b, 60, 10).await.unwrap().len(), 2);
}

on_both_engines!(
    account_drops_silently_then_comes_back,
    held_sends_move_to_a_robot_in_the_same_group,
    synced_groups_are_named_and_mentions_use_the_group_display_name,
    lifecycle_store_rules,
);

#[tokio::test]
async fn in_the_browser_the_robots_page_shows_a_dropped_account_and_its_alert() {
    let backup = SimServer::start().await;
    let app = TestApp::spawn_on(TestDb::sqlite().await, with_backup(&backup)).await;
    let gewe = &app.sim.sims.gewe;
    gewe.set_reconnect_fails(true);
    gewe.deliver_offline().await.unwrap();
    eventually("the alert", Duration::from_secs(20), || async { (!admin_texts(&backup).is_empty()).then_some(()) })
        .await;
    let main = robot_named(&app, "demo");
    eventually("the probe finds reconnecting fails", Duration::from_secs(10), || async {
        (app.store.robot_status(main).await.unwrap().state == "needs_login").then_some(())
    })
    .await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/robots", app.base)).await;
    let table = b.text("main table").await;
    assert!(table.contains("demo") && table.contains("需重新登录") && table.contains("重连失败"), "{table}");
    assert!(b.text("main").await.contains("网关回调：账号已离线"), "the event log names the cause");
    // 重连: the gateway refuses, the page says so and the robot needs a new login.
    b.click("form[action$='/reconnect'] button").await;
    b.wait_url("msg=").await;
    assert!(b.text("p.notice").await.contains("需重新登录"));
    gewe.set_online(true);
    b.click("form[action$='/reconnect'] button").await;
    eventually("online after reconnect", Duration::from_secs(10), || async {
        b.source().await.contains("重连结果：在线").then_some(())
    })
    .await;
}
