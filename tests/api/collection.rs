//! 微信群采集: a deal said in a source group is converted for each target group with that group's own PID and
//! tag, cleaned, and posted there (poster + text); the same item from a second source within the window is not
//! forwarded again; an order on a forwarded link counts for the source in the stats; the source hears nothing.
//! The 采集 page in headless Chromium: add a source with a cleaning rule and preview a deal.

use crate::admin_browser::login;
use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, add_user, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestApp, TestDb, eventually, group_text};
use dealbot::orders::sync::OrderSync;
use dealbot::platform::Platform;
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(
    a_source_deal_reaches_two_groups_once_and_its_orders_count_for_the_source,
    an_image_pairs_with_the_same_senders_text_within_the_window
);

const TOKEN: &str = "collection-token-0123456789abcdef";
/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
const TARGETS: [&str; 2] = ["47000000001@chatroom", "47000000002@chatroom"];
const PIDS: [u64; 2] = [3_100_000_201, 3_100_000_202];
const SOURCES: [&str; 2] = ["47000000101@chatroom", "47000000102@chatroom"];
const POSTER: &str = "wxid_xianbao_poster";
const ITEM: &str = "https://item.jd.com/100012043978.html";

fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(jpeg).expect("poster decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

/// A text said by `sender` in `room`.
fn said(room: &str, sender: &str, id: u64, text: &str) -> Value {
    let mut v = group_text(id, text, T0 + 60);
    v["Data"]["FromUserName"]["string"] = json!(room);
    v["Data"]["Content"]["string"] = json!(format!("{sender}:\n{text}"));
    v["Data"]["PushContent"] = json!(format!("线报员 : {text}"));
    v
}

async fn api(app: &TestApp, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", app.base);
    let req = match body {
        Some(b) => app.http.post(url).json(&b),
        None => app.http.get(url),
    };
    let r = req.bearer_auth(TOKEN).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Two target groups with their own JD positions and two source groups forwarding to both; returns the target and
/// source group ids.
async fn setup(db: TestDb) -> (TestApp, Vec<i64>, Vec<i64>) {
    let app = TestApp::spawn_on(db, |s| s.admin.api_token = dealbot::config::Secret::new(TOKEN)).await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    // Only the test's own purchase makes orders.
    app.sim.sims.jd.set_automatic_orders(false);
    let mut targets = Vec::new();
    for (n, (room, pid)) in TARGETS.iter().zip(PIDS).enumerate() {
        let (g, _) = partner_group(&app, &format!("群主{n}"), room, &format!("福利群{n}")).await;
        app.sim.sims.jd.add_position(pid, &format!("福利群{n}"));
        app.store.set_pid(Platform::Jd, &pid.to_string(), room, PidOwner::Group(g), app.clock.now_ms()).await.unwrap();
        targets.push(g);
    }
    let robot = app.engine.robots.keys().next().unwrap();
    let mut sources = Vec::new();
    for room in SOURCES {
        let g = app.store.ensure_group(robot, room, true, app.clock.now_ms()).await.unwrap();
        let source = json!({"group_id": g.id, "targets": targets, "senders": POSTER, "rules": "加微信\nre:群号\\d+",
                            "gap_secs": 0});
        let (status, body) = api(&app, "/admin/api/collection/sources", Some(source)).await;
        assert_eq!(status, 200, "{body}");
        sources.push(g.id);
    }
    (app, targets, sources)
}

async fn a_source_deal_reaches_two_groups_once_and_its_orders_count_for_the_source(db: TestDb) {
    let (app, targets, sources) = setup(db).await;
    let gewe = &app.sim.sims.gewe;

    // Someone other than the poster says a deal in the source: it is recorded, never forwarded.
    app.post_callback(&said(SOURCES[0], "wxid_chatter", 9_100_001, &format!("京东 {ITEM}"))).await;
    // The poster's deal, with an ad line and a group number to clean.
    let deal = format!("【京东】农夫山泉 24 瓶 券后 29.9\n{ITEM}\n加微信 xb8888 进内部群 群号123456");
    app.post_callback(&said(SOURCES[0], POSTER, 9_100_002, &deal)).await;

    let sent = eventually("a poster and a text in each target group", Duration::from_secs(30), || async {
        let s = gewe.sent();
        TARGETS
            .iter()
            .all(|room| {
                s.iter().any(|m| m.to_wxid == *room && m.kind == SentKind::Image)
                    && s.iter().any(|m| m.to_wxid == *room && m.kind == SentKind::Text)
            })
            .then_some(s)
    })
    .await;
    let mut links = Vec::new();
    for room in TARGETS {
        let texts: Vec<_> = sent.iter().filter(|m| m.to_wxid == room && m.kind == SentKind::Text).collect();
        assert_eq!(texts.len(), 1, "one deal, once: {texts:?}");
        let text = &texts[0].content;
        assert!(text.starts_with("【京东】农夫山泉 24 瓶 券后 29.9\n"), "the copy is kept: {text}");
        assert!(!text.contains("加微信") && !text.contains("群号"), "cleaned: {text}");
        assert!(!text.contains(ITEM), "the source's link is replaced: {text}");
        let image = sent.iter().find(|m| m.to_wxid == room && m.kind == SentKind::Image).unwrap();
        let codes = decode_qr(image.image_bytes.as_ref().expect("the gateway fetched the poster"));
        assert_eq!(codes.len(), 1, "the poster's QR");
        assert_eq!(text.lines().nth(1), Some(codes[0].as_str()), "in place, the QR's own link: {text}");
        links.push(codes[0].clone());
    }
    assert_ne!(links[0], links[1], "each group has its own link");
    assert!(sent.iter().all(|m| !SOURCES.contains(&m.to_wxid.as_str())), "the sources hear nothing");

    // The same item from the second source within the window: recorded as a duplicate, not forwarded again.
    app.post_callback(&said(SOURCES[1], POSTER, 9_100_003, &format!("农夫山泉又来了 {ITEM} 冲"))).await;
    let dup = eventually("the second source's message handled", Duration::from_secs(30), || async {
        let rows = app.store.recent_collect_messages(Some(sources[1]), 10).await.unwrap();
        rows.into_iter().find(|m| m.outcome == "forwarded" || m.reason.is_some())
    })
    .await;
    assert_eq!(dup.outcome, "dropped");
    assert!(dup.reason.as_deref().unwrap().starts_with("duplicate"), "{dup:?}");
    let texts_now = gewe.sent().iter().filter(|m| m.kind == SentKind::Text).count();
    assert_eq!(texts_now, 2, "nothing more was sent");

    // A buyer pays through the first group's link; the order syncs back with the link's tag.
    let text = sent.iter().find(|m| m.to_wxid == TARGETS[0] && m.kind == SentKind::Text).unwrap();
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
    assert_eq!(bought.attribution.group_id, Some(targets[0]));
    // Every order row of that purchase (JD may list an order's rows separately), all carrying the link's tag.
    let orders = app.store.orders_modified_between(Platform::Jd, 0, i64::MAX).await.unwrap();
    assert!(orders.iter().all(|o| o.attribution.group_id == Some(targets[0])), "{orders:?}");
    let estimated: i64 = orders.iter().map(|o| o.estimated_commission.0).sum();
    let gmv: i64 = orders.iter().map(|o| o.paid_amount.0).sum();
    assert!(estimated > 0, "{orders:?}");

    let (status, overview) = api(&app, "/admin/api/collection", None).await;
    assert_eq!(status, 200, "{overview}");
    let stats = |id: i64| overview["stats"].as_array().unwrap().iter().find(|s| s["group_id"] == id).cloned().unwrap();
    let first = stats(sources[0]);
    assert_eq!(first["seen"], 2, "{first}");
    assert_eq!(first["forwarded"], 1, "{first}");
    assert_eq!(first["dropped"], json!([["sender", 1]]), "{first}");
    assert_eq!(first["orders"], orders.len(), "{first}");
    assert_eq!(first["estimated_fen"], estimated, "{first}");
    assert_eq!(first["gmv_fen"], gmv, "{first}");
    let second = stats(sources[1]);
    assert_eq!((second["seen"].clone(), second["forwarded"].clone()), (json!(1), json!(0)), "{second}");
    assert_eq!(second["dropped"], json!([["duplicate", 1]]), "{second}");
    assert_eq!(second["orders"], 0, "{second}");
}

#[tokio::test]
async fn in_the_browser_an_admin_adds_a_source_with_a_cleaning_rule_and_previews_a_deal() {
    let app = TestApp::spawn().await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    let (target, _) = partner_group(&app, "群主", TARGETS[0], "福利群").await;
    app.sim.sims.jd.add_position(PIDS[0], "福利群");
    app.store
        .set_pid(Platform::Jd, &PIDS[0].to_string(), "福利群", PidOwner::Group(target), app.clock.now_ms())
        .await
        .unwrap();
    let (source, _) = partner_group(&app, "别人", SOURCES[0], "别人的线报群").await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, dealbot::store::users::Role::Admin, None).await;

    let b = Browser::start(1280, 1400).await;
    login(&b, &app, ADMIN).await;
    b.click("nav a[href='/admin/collection']").await;
    b.wait_url("/admin/collection").await;
    assert_eq!(b.text("h1").await, "采集");
    b.exec(&format!("document.querySelector('select[name=group_id]').value = '{source}';"), json!([])).await;
    b.click(&format!("input[name=targets][value='{target}']")).await;
    b.type_into("textarea[name=rules]", "加微信").await;
    b.type_into("textarea[name=text]", &format!("京东 抽纸 {ITEM}\n加微信 xb8888 领券")).await;

    b.click("#collect-preview-button").await;
    let preview = eventually("the target's preview", Duration::from_secs(30), || async {
        let v = b
            .exec(
                "const c = document.querySelector('.collect-preview-group'); \
                 return c ? { group: Number(c.dataset.groupId), \
                   text: c.querySelector('.collect-preview-text')?.textContent || '', \
                   dropped: c.querySelector('.collect-preview-dropped')?.textContent || '' } : null;",
                json!([]),
            )
            .await;
        (!v.is_null()).then_some(v)
    })
    .await;
    assert_eq!(preview["group"], target, "{preview}");
    let text = preview["text"].as_str().unwrap();
    assert!(text.starts_with("京东 抽纸 "), "{preview}");
    assert!(!text.contains("加微信") && !text.contains(ITEM), "cleaned and converted: {preview}");
    assert!(text.contains("jd.com"), "our JD link: {preview}");
    assert_eq!(preview["dropped"], "", "{preview}");

    b.click("#collect-form button[type=submit]").await;
    let spec = eventually("the source saved", Duration::from_secs(30), || async {
        app.store.collect_source(source).await.unwrap()
    })
    .await;
    b.goto(&format!("{}/admin/collection", app.base)).await;
    assert_eq!(b.count(&format!(".collect-source[data-group-id='{source}']")).await, 1, "the source is listed");
    assert_eq!(spec.targets, vec![target]);
    assert_eq!(spec.rules, vec![dealbot::collection::CleanRule::Line("加微信".into())]);
    let group = app.store.group_by_id(source).await.unwrap().unwrap();
    assert!(!group.enabled, "a source is not a member group");
}

#[tokio::test]
async fn an_admin_marks_and_unmarks_a_source_from_the_chat_and_is_told_in_private() {
    const ADMIN_WXID: &str = "wxid_operator_admin";
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| s.chat.admins = vec![ADMIN_WXID.into()]).await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    let gewe = &app.sim.sims.gewe;
    // A member cannot: nothing changes.
    app.post_callback(&said(SOURCES[0], "wxid_someone", 9_200_001, "#设为采集源")).await;
    app.post_callback(&said(SOURCES[0], ADMIN_WXID, 9_200_002, "#设为采集源")).await;
    let told = eventually("the admin told in private", Duration::from_secs(30), || async {
        gewe.sent().into_iter().find(|m| m.to_wxid == ADMIN_WXID && m.content.contains("已设为采集源"))
    })
    .await;
    assert!(told.content.contains("采集"), "{}", told.content);
    let robot = app.engine.robots.keys().next().unwrap();
    let group = app.store.ensure_group(robot, SOURCES[0], true, app.clock.now_ms()).await.unwrap();
    assert!(app.store.collect_source(group.id).await.unwrap().is_some());
    assert!(!group.enabled, "a source is not a member group");
    assert!(gewe.sent().iter().all(|m| m.to_wxid != SOURCES[0]), "the source hears nothing");

    app.post_callback(&said(SOURCES[0], ADMIN_WXID, 9_200_003, "#取消采集源")).await;
    eventually("the admin told it stopped", Duration::from_secs(30), || async {
        gewe.sent().into_iter().find(|m| m.to_wxid == ADMIN_WXID && m.content.contains("已取消采集源"))
    })
    .await;
    assert!(app.store.collect_source(group.id).await.unwrap().is_none());
}

#[tokio::test]
async fn in_the_playground_a_deal_said_in_the_source_appears_converted_in_the_member_group() {
    use dealbot::sim::gewe::{PLAYGROUND_ROOM, PLAYGROUND_SOURCE_ROOM};
    let app = TestApp::spawn().await;
    dealbot::demo::prepare_playground(&app.engine).await.unwrap();
    let say = |text: String| {
        let url = format!("{}/gewe/playground/say", app.sim.base);
        let body = json!({"nickname": "线报员", "text": text, "room": PLAYGROUND_SOURCE_ROOM});
        let http = app.http.clone();
        async move {
            let answer: Value = http.post(url).json(&body).send().await.unwrap().json().await.unwrap();
            assert_eq!(answer["ok"], true, "{answer}");
        }
    };
    say("唯品会 羽绒服 https://m.vip.com/product-1-2.html 好价".into()).await;
    say(format!("京东 抽纸 {ITEM} 速度")).await;
    let gewe = &app.sim.sims.gewe;
    let text = eventually("the deal in the member group", Duration::from_secs(30), || async {
        gewe.sent()
            .into_iter()
            .find(|m| m.to_wxid == PLAYGROUND_ROOM && m.kind == SentKind::Text && m.content.starts_with("京东 抽纸 "))
    })
    .await;
    assert!(!text.content.contains(ITEM) && text.content.contains("u.jd.com"), "converted: {}", text.content);
    let sent = gewe.sent();
    assert!(sent.iter().all(|m| !m.content.contains("唯品会")), "the dropped deal appears nowhere");
    assert!(sent.iter().all(|m| m.to_wxid != PLAYGROUND_SOURCE_ROOM), "the source hears nothing");
}

async fn an_image_pairs_with_the_same_senders_text_within_the_window(db: TestDb) {
    use dealbot::store::collection::NewCollectMessage;
    let store = db.store().await;
    let robot = store.upsert_robot("r", "app", "wxid_collect_bot", "机器人", 1).await.unwrap().id;
    let source = store.ensure_group(robot, SOURCES[0], false, 1).await.unwrap().id;
    let message = |key: &'static str, sender: &'static str, kind: &'static str| NewCollectMessage {
        source_group_id: source,
        dedupe_key: key,
        sender: Some(sender),
        kind,
        body: "",
        outcome: if kind == "image" { "image" } else { "dropped" },
        reason: None,
    };
    // An image, then another sender's text, then the poster's text 3 s later: the poster's text takes the image.
    let image = store.record_collect_message(&message("k1", POSTER, "image"), 10_000).await.unwrap().unwrap();
    let other = store.record_collect_message(&message("k2", "wxid_other", "text"), 11_000).await.unwrap().unwrap();
    assert_eq!(store.pair_collect_message(source, "wxid_other", other, true, 6_000).await.unwrap(), None);
    let text = store.record_collect_message(&message("k3", POSTER, "text"), 13_000).await.unwrap().unwrap();
    assert_eq!(store.pair_collect_message(source, POSTER, text, true, 8_000).await.unwrap(), Some(image));
    // Recorded once per inbound message.
    assert_eq!(store.record_collect_message(&message("k3", POSTER, "text"), 13_500).await.unwrap(), None);
    // A text first, then its image: the image pairs back; an image outside the window pairs with nothing.
    let later = store.record_collect_message(&message("k4", POSTER, "text"), 20_000).await.unwrap().unwrap();
    let its_image = store.record_collect_message(&message("k5", POSTER, "image"), 22_000).await.unwrap().unwrap();
    assert_eq!(store.pair_collect_message(source, POSTER, its_image, false, 17_000).await.unwrap(), Some(later));
    let late = store.record_collect_message(&message("k6", POSTER, "image"), 60_000).await.unwrap().unwrap();
    assert_eq!(store.pair_collect_message(source, POSTER, late, false, 55_000).await.unwrap(), None);
    let rows = store.recent_collect_messages(Some(source), 10).await.unwrap();
    let paired = |id: i64| rows.iter().find(|r| r.id == id).unwrap().paired_with;
    assert_eq!((paired(image), paired(text)), (Some(text), Some(image)));
    assert_eq!((paired(later), paired(its_image)), (Some(its_image), Some(later)));
    assert_eq!((paired(other), paired(late)), (None, None));
}
