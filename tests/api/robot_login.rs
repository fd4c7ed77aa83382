//! Robots managed on the dashboard: an admin adds a GeWe robot (gateway URL and token), logs it in by scanning
//! the QR shown on the page, and it runs without a restart: callback registered, groups synced and named, offline
//! alerts and held sends, its device reused at the next login. Pacing is edited live. Partners and anonymous
//! visitors can do none of it.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::*;
use dealbot::sim::SimCredentials;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const BOSS: &str = "wxid_b0ss_admin";
const NEW_WXID: &str = "wxid_n3w_r0b0t";
const NEW_NICK: &str = "新来的小助手";
const NEW_ROOM: &str = "77700011122@chatroom";
const NEW_ROOM_NAME: &str = "新号的省钱群";

fn admins_told(app: &TestApp) -> Vec<String> {
    app.sim.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == BOSS).map(|m| m.content).collect()
}

#[tokio::test]
async fn in_the_browser_an_admin_adds_a_robot_scans_its_qr_and_it_runs_until_it_drops_and_comes_back() {
    // The new account's own gateway, with a group saved to its contacts.
    let gateway = SimServer::start().await;
    let gw = &gateway.sims.gewe;
    gw.name_room(NEW_ROOM, NEW_ROOM_NAME);
    gw.set_display_name(NEW_ROOM, MEMBER, MEMBER_NICK, "新群的阿明");
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.admin.wxids = vec![BOSS.into()];
        s.outbox.offline_probe_ms = 200;
        s.engine.auto_enable_groups = true;
    })
    .await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/robots", app.base)).await;
    b.type_into("form.robot-add input[name=name]", "fresh").await;
    b.type_into("form.robot-add input[name=gateway_url]", &format!("{}/gewe/v2/api", gateway.base)).await;
    b.type_into("form.robot-add input[name=token]", &SimCredentials::default().gewe_token).await;
    b.click("form.robot-add button[type=submit]").await;
    b.wait_url("/login").await;
    let qr = b.find("#robot-login-qr").await;
    assert!(!qr.is_empty());
    let src = b.exec("return document.getElementById('robot-login-qr').src", json!([])).await;
    assert!(src.as_str().unwrap().starts_with("data:image/png;base64,"), "the QR is drawn on the page");

    // The device was created at the gateway and stored: the QR belongs to it.
    let devices = gw.devices();
    let login = gw.latest_login().expect("a QR was shown");
    assert_eq!(devices.get(&login.app_id), Some(&None), "a new device, not yet logged in");
    let robot = app.engine.robots.values().find(|r| r.settings.name == "fresh").expect("running without a restart");
    assert_eq!(robot.settings.app_id, login.app_id);

    // The phone scans and confirms (the simulator's control endpoint).
    let scan = app
        .http
        .post(format!("{}/gewe/sim/scan", gateway.base))
        .json(&json!({"uuid": login.uuid, "wxid": NEW_WXID, "nickName": NEW_NICK}))
        .send()
        .await
        .unwrap();
    assert_eq!(scan.status(), 200);
    eventually("the page shows the login done", Duration::from_secs(20), || async {
        b.text("#robot-login-status").await.contains("登录成功").then_some(())
    })
    .await;
    let callback = gw.callback_url().expect("setCallback was called");
    assert!(callback.starts_with(&format!("{}/webhook/gewe/fresh/", app.base)), "{callback}");
    assert_eq!(app.store.robot_status(robot.id).await.unwrap().state, "online");

    // Its group is synced and named, on 群 too.
    eventually("the new robot's group named", Duration::from_secs(20), || async {
        let rooms = app.store.robot_rooms(robot.id).await.unwrap();
        rooms.iter().any(|r| r == NEW_ROOM).then_some(())?;
        let g = app.store.ensure_group(robot.id, NEW_ROOM, false, 0).await.unwrap();
        (g.name == NEW_ROOM_NAME).then_some(())
    })
    .await;
    b.goto(&format!("{}/admin/groups", app.base)).await;
    assert!(b.text("main").await.contains(NEW_ROOM_NAME));
    b.goto(&format!("{}/admin/robots", app.base)).await;
    let table = b.text("main table").await;
    assert!(table.contains("fresh") && table.contains(NEW_WXID) && table.contains("在线"), "{table}");

    // A member writes in the new group: the robot answers through its own gateway.
    gw.deliver_text(NEW_ROOM, MEMBER, MEMBER_NICK, "https://item.jd.com/100087654321.html").await.unwrap();
    eventually("the new robot answers", Duration::from_secs(20), || async {
        (gw.sent().iter().filter(|m| m.to_wxid == NEW_ROOM).count() == 2).then_some(())
    })
    .await;

    // The account drops: the admins are told (through the other robot), its sends are held.
    gw.set_reconnect_fails(true);
    gw.deliver_offline().await.unwrap();
    eventually("the admin alerted", Duration::from_secs(20), || async {
        admins_told(&app).iter().any(|t| t.contains("机器人「fresh」") && t.contains("离线")).then_some(())
    })
    .await;
    gw.deliver_text(NEW_ROOM, MEMBER, MEMBER_NICK, "https://item.jd.com/100012345678.html").await.unwrap();
    eventually("the replies queued", Duration::from_secs(20), || async {
        let rows = app.store.outbox_for(NEW_ROOM).await.unwrap();
        (rows.iter().filter(|r| r.status == "queued").count() == 2).then_some(())
    })
    .await;
    assert_eq!(gw.sent().iter().filter(|m| m.to_wxid == NEW_ROOM).count(), 2, "held while down");

    // The operator logs it in again from the page: the same device is asked for, and the sends resume once.
    b.goto(&format!("{}/admin/robots", app.base)).await;
    b.click(&format!("a[href='/admin/robots/{}/login']", robot.id)).await;
    b.wait_url("/login").await;
    let again = eventually("a second QR", Duration::from_secs(10), || async {
        gw.latest_login().filter(|l| l.uuid != login.uuid)
    })
    .await;
    assert_eq!(again.app_id, login.app_id, "the device is reused");
    let asked = gw.login_requests();
    assert_eq!(asked[0], "", "one new device, when the robot was added");
    assert!(asked.len() >= 3 && asked[1..].iter().all(|a| *a == login.app_id), "then always its device: {asked:?}");
    gw.scan_qr(&again.uuid, NEW_WXID, NEW_NICK).unwrap();
    gw.confirm_login(&again.uuid).unwrap();
    eventually("held replies delivered once", Duration::from_secs(20), || async {
        (gw.sent().iter().filter(|m| m.to_wxid == NEW_ROOM).count() == 4).then_some(())
    })
    .await;
    eventually("the admin told it is back", Duration::from_secs(10), || async {
        admins_told(&app).iter().any(|t| t.contains("fresh") && t.contains("恢复在线")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(gw.sent().iter().filter(|m| m.to_wxid == NEW_ROOM).count(), 4, "no send twice");
}

async fn robot_accounts_are_admin_only_validated_and_pacing_is_live(db: TestDb) {
    let gateway = SimServer::start().await;
    let app = TestApp::spawn_on(db, |_| {}).await;
    let gw_url = format!("{}/gewe/v2/api", gateway.base);
    let token = SimCredentials::default().gewe_token;
    let demo = app.engine.robots.values().find(|r| r.settings.name == "demo").unwrap().id;

    // Anonymous: nothing.
    let mut anon = AdminClient::new(&app);
    let add = json!({"name": "sneaky", "gateway_url": gw_url, "token": token});
    assert_eq!(anon.post_json("/admin/api/robots", &add, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_ne!(anon.get(&format!("/admin/robots/{demo}/login")).await.status(), StatusCode::OK);
    let r = anon.post_form(&format!("/admin/robots/{demo}/logout"), &[]).await;
    assert_ne!(r.status(), StatusCode::OK);
    if r.status() == StatusCode::SEE_OTHER {
        assert!(r.headers()["location"].to_str().unwrap().contains("/admin/login"), "sent to the login page");
    }
    assert_eq!(app.store.robot_status(demo).await.unwrap().state, "online", "not logged out");

    // A partner: forbidden everywhere.
    let (_, partner) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    add_user(&app, "wang", ADMIN_PASSWORD, Role::Partner, Some(partner)).await;
    let mut p = AdminClient::new(&app);
    p.login("wang", ADMIN_PASSWORD).await;
    let csrf = p.csrf().await;
    assert_eq!(p.post_json("/admin/api/robots", &add, Some(&csrf)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.get(&format!("/admin/robots/{demo}/login")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.get(&format!("/admin/api/robots/{demo}/login")).await.status(), StatusCode::FORBIDDEN);
    let form = [("_csrf", csrf.as_str())];
    assert_eq!(p.post_form(&format!("/admin/robots/{demo}/logout"), &form).await.status(), StatusCode::FORBIDDEN);
    let pacing = [("_csrf", csrf.as_str()), ("min_send_interval_ms", "1")];
    assert_eq!(p.post_form(&format!("/admin/robots/{demo}/pacing"), &pacing).await.status(), StatusCode::FORBIDDEN);
    assert!(gateway.sims.gewe.login_requests().is_empty(), "no device was created");
    assert!(app.sim.sims.gewe.sent().is_empty());

    // An admin: bad gateways and tokens are refused before any call; a good one adds the robot.
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut a = AdminClient::new(&app);
    a.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = a.csrf().await;
    for bad in [
        json!({"name": "r2", "gateway_url": "ftp://gewe/v2/api", "token": token}),
        json!({"name": "r2", "gateway_url": format!("http://gewe/{}", "a".repeat(300)), "token": token}),
        json!({"name": "r 2", "gateway_url": gw_url, "token": token}),
        json!({"name": "r2", "gateway_url": gw_url, "token": ""}),
        json!({"name": "demo", "gateway_url": gw_url, "token": token}),
    ] {
        assert_eq!(
            a.post_json("/admin/api/robots", &bad, Some(&csrf)).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert!(gateway.sims.gewe.login_requests().is_empty());
    let wrong_token = json!({"name": "r2", "gateway_url": gw_url, "token": "not-the-token-0042"});
    let r = a.post_json("/admin/api/robots", &wrong_token, Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let body = r.text().await.unwrap();
    assert!(body.contains("不可用或已过期") && !body.contains("not-the-token-0042"), "the token is not echoed: {body}");
    let r = a
        .post_json("/admin/api/robots", &json!({"name": "r2", "gateway_url": gw_url, "token": token}), Some(&csrf))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let added: Value = r.json().await.unwrap();
    let id = added["id"].as_i64().unwrap();
    assert!(added["app_id"].as_str().unwrap().starts_with("wx_"));
    let page = a.get("/admin/robots").await.text().await.unwrap();
    assert!(page.contains("r2") && !page.contains(&token), "the token is never shown");
    let list: Vec<Value> = a.get("/admin/api/robots").await.json().await.unwrap();
    assert!(!serde_json::to_string(&list).unwrap().contains(&token));
    let again = json!({"name": "r2", "gateway_url": gw_url, "token": token});
    assert_eq!(a.post_json("/admin/api/robots", &again, Some(&csrf)).await.status(), StatusCode::BAD_REQUEST);

    // Pacing: bounded, stored, and in the running sender at once.
    let bad = json!({"min_send_interval_ms": "-5"});
    let r = a.post_json(&format!("/admin/api/robots/{id}/pacing"), &bad, Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let good = json!({"min_send_interval_ms": "4500", "send_jitter_ms": "0", "min_group_interval_ms": ""});
    let r = a.post_json(&format!("/admin/api/robots/{id}/pacing"), &good, Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let live = app.engine.robots.get(&id).unwrap().pacing.get();
    assert_eq!((live.min_interval_ms, live.jitter_ms, live.min_group_interval_ms), (4500, 0, 10_000));
    let stored = app.store.robot_pacing(id).await.unwrap();
    assert_eq!(stored.min_send_interval_ms, Some(4500));
    assert_eq!(stored.min_group_interval_ms, None, "empty keeps the configured value");

    // After a restart: the added robot runs again with its device and pacing; the configured one is not doubled.
    let app_id = added["app_id"].as_str().unwrap().to_string();
    let app = app.restart().await;
    let back = app.engine.robots.get(&id).expect("the added robot runs after a restart");
    assert_eq!(back.settings.app_id, app_id);
    assert_eq!(back.pacing.get().min_interval_ms, 4500);
    let names: Vec<String> = app.engine.robots.values().map(|r| r.settings.name).collect();
    assert_eq!(names.iter().filter(|n| *n == "demo").count(), 1, "{names:?}");
    assert_eq!(app.store.robots_overview().await.unwrap().iter().filter(|r| r.name == "demo").count(), 1);
}

on_both_engines!(robot_accounts_are_admin_only_validated_and_pacing_is_live);
