//! 群发 (custom mass posts): composed and previewed in headless Chromium, sent to two groups through the simulated
//! gateway with each group's own link; a daily post fires on the injectable clock at its time, once per day; a
//! partner cannot target groups that are not theirs.

use crate::admin_browser::login;
use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestApp, TestDb, eventually};
use dealbot::platform::Platform;
use dealbot::posting::mass::run_mass_due;
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
on_both_engines!(a_daily_mass_post_fires_at_its_time_once_a_day, a_partner_cannot_send_to_groups_not_theirs);

const JD_LINK: &str = "https://item.jd.com/100087654321.html";

pub(crate) fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(jpeg).expect("poster decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

/// Two partners' groups, each with its own JD position.
async fn two_groups(app: &TestApp) -> Vec<(i64, &'static str)> {
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    let mut out = Vec::new();
    for (partner, room, name, position) in [
        ("小王", "41000000001@chatroom", "王的群", 3_100_990_001u64),
        ("小李", "41000000002@chatroom", "李的群", 3_100_990_002u64),
    ] {
        let (g, _) = partner_group(app, partner, room, name).await;
        app.sim.sims.jd.add_position(position, name);
        let now = app.clock.now_ms();
        app.store.set_pid(Platform::Jd, &position.to_string(), name, PidOwner::Group(g), now).await.unwrap();
        out.push((g, room));
    }
    out
}

#[tokio::test]
async fn in_the_browser_a_mass_post_with_a_jd_link_previews_and_sends_each_group_its_own_link() {
    let app = TestApp::spawn().await;
    let groups = two_groups(&app).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    b.click("nav a[href='/admin/mass']").await;
    b.wait_url("/admin/mass").await;
    assert_eq!(b.text("h1").await, "群发");
    b.type_into("textarea[name=text]", "今晚 8 点京东秒杀，手慢无").await;
    b.type_into("input[name=link]", JD_LINK).await;
    for (g, _) in &groups {
        b.click(&format!("input[name=groups][value='{g}']")).await;
    }

    // Preview: each group's own converted link, poster and text.
    b.click("#mass-preview-button").await;
    let previews = eventually("two group previews", Duration::from_secs(30), || async {
        let v = b
            .exec(
                "return [...document.querySelectorAll('.mass-preview-group')].map(c => ({ \
                   group: Number(c.dataset.groupId), \
                   link: c.querySelector('.mass-link')?.textContent || '', \
                   text: c.querySelector('.mass-text')?.textContent || '', \
                   images: c.querySelectorAll('img.mass-image').length }));",
                json!([]),
            )
            .await;
        let list = v.as_array().cloned().unwrap_or_default();
        (list.len() == 2).then_some(list)
    })
    .await;
    let mut preview_links = Vec::new();
    for (g, _) in &groups {
        let p = previews.iter().find(|p| p["group"] == json!(g)).expect("a preview per group");
        let link = p["link"].as_str().unwrap().to_string();
        assert!(!link.is_empty(), "{p}");
        assert!(p["text"].as_str().unwrap().starts_with("今晚 8 点京东秒杀"), "{p}");
        assert!(p["text"].as_str().unwrap().contains(&link), "{p}");
        assert_eq!(p["images"], 1, "the group's poster: {p}");
        preview_links.push(link);
    }
    assert_ne!(preview_links[0], preview_links[1], "each group has its own link");

    // Send now: both groups get a poster and the text through the gateway.
    b.click("#mass-form button[type=submit]").await;
    let sent = eventually("a poster and a text in each group", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        groups
            .iter()
            .all(|(_, room)| {
                s.iter().any(|m| m.to_wxid == *room && m.kind == SentKind::Image)
                    && s.iter().any(|m| m.to_wxid == *room && m.kind == SentKind::Text)
            })
            .then_some(s)
    })
    .await;
    let posts = app.store.mass_posts(None, 10).await.unwrap();
    assert_eq!(posts.len(), 1);
    let deliveries = app.store.mass_deliveries(posts[0].id, 10).await.unwrap();
    let mut sent_links = Vec::new();
    for (g, room) in &groups {
        let image = sent.iter().find(|m| m.to_wxid == *room && m.kind == SentKind::Image).unwrap();
        let text = sent.iter().find(|m| m.to_wxid == *room && m.kind == SentKind::Text).unwrap();
        let codes = decode_qr(image.image_bytes.as_ref().expect("the gateway fetched the poster"));
        assert_eq!(codes.len(), 1);
        assert!(text.content.starts_with("今晚 8 点京东秒杀"), "{}", text.content);
        assert!(text.content.contains(&codes[0]), "the text carries the QR's link");
        let d = deliveries.iter().find(|d| d.group_id == *g).expect("a delivery row");
        assert_eq!(d.status, "queued");
        assert_eq!(d.promotion_url.as_deref(), Some(codes[0].as_str()));
        sent_links.push(codes[0].clone());
    }
    assert_ne!(sent_links[0], sent_links[1], "each group got its own link");
    assert_eq!(sent_links, preview_links, "the preview showed exactly what each group got");
    for link in &sent_links {
        assert!(app.sim.sims.jd.buy(link).is_some(), "{link} is a link the union issued");
    }

    // The list shows the post with its deliveries.
    b.goto(&format!("{}/admin/mass", app.base)).await;
    assert_eq!(b.count(".mass-delivery").await, 2);
}

async fn a_daily_mass_post_fires_at_its_time_once_a_day(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    let groups = two_groups(&app).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    let body = json!({"text": "每晚 8 点红包雨", "groups": [groups[0].0], "schedule": "daily", "time": "20:00"});
    // Without the CSRF token a session call is refused.
    assert_eq!(c.post_json("/admin/api/mass-posts", &body, None).await.status(), StatusCode::FORBIDDEN);
    let resp = c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["queued"], 0, "not yet: {created}");
    let id = created["id"].as_i64().unwrap();

    // 10:01: nothing due.
    assert_eq!(run_mass_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 0);
    // 19:59: still nothing.
    let at_20 = (T0 + 10 * 3600) * 1000;
    app.clock.advance_ms(at_20 - 60_000 - app.clock.now_ms());
    assert_eq!(run_mass_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 0);
    // 20:00:30: fires once.
    app.clock.advance_ms(90_000);
    // (The app's own posting worker may serve the firing first; either way it is served exactly once.)
    run_mass_due(&app.engine, app.clock.now_ms()).await.unwrap();
    assert_eq!(app.store.mass_deliveries(id, 10).await.unwrap().len(), 1);
    assert_eq!(run_mass_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 0, "once per firing");
    eventually("the text in the group", Duration::from_secs(30), || async {
        app.sim
            .sims
            .gewe
            .sent()
            .iter()
            .any(|m| m.to_wxid == groups[0].1 && m.content == "每晚 8 点红包雨")
            .then_some(())
    })
    .await;
    // The next day at 20:02.
    app.clock.advance_ms(86_400_000 + 90_000);
    run_mass_due(&app.engine, app.clock.now_ms()).await.unwrap();
    let deliveries = app.store.mass_deliveries(id, 10).await.unwrap();
    let fires: Vec<i64> = deliveries.iter().map(|d| d.fire_at).collect();
    assert_eq!(fires, vec![T0 + 10 * 3600 + 86_400, T0 + 10 * 3600]);
    assert!(app.sim.sims.gewe.sent().iter().all(|m| m.to_wxid != groups[1].1), "only the chosen group");

    // The list through the API (a new session: the clock moved past the first one's lifetime).
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let list: Value = c.get("/admin/api/mass-posts").await.json().await.unwrap();
    assert_eq!(list["posts"][0]["id"], id, "{list}");
    assert_eq!(list["posts"][0]["deliveries"].as_array().unwrap().len(), 2);
}

async fn a_partner_cannot_send_to_groups_not_theirs(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    let (own, wang) = partner_group(&app, "小王", "42000000001@chatroom", "王的群").await;
    let (other, _) = partner_group(&app, "小李", "42000000002@chatroom", "李的群").await;
    add_user(&app, "wang", ADMIN_PASSWORD, Role::Partner, Some(wang)).await;
    let mut c = AdminClient::new(&app);
    c.login("wang", ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    for groups in [json!([other]), json!([own, other])] {
        let body = json!({"text": "通知", "groups": groups, "schedule": "now"});
        let resp = c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{groups}");
        let resp = c.post_json("/admin/api/mass-posts/preview", &body, Some(&csrf)).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "preview {groups}");
    }
    assert!(app.store.mass_posts(None, 10).await.unwrap().is_empty(), "nothing stored");
    let body = json!({"text": "通知", "groups": [own], "schedule": "now"});
    let resp = c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["queued"], 1);
    eventually("the text in the partner's group", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        s.iter().any(|m| m.to_wxid == "42000000001@chatroom" && m.content == "通知").then_some(())
    })
    .await;
    assert!(app.sim.sims.gewe.sent().iter().all(|m| m.to_wxid != "42000000002@chatroom"));
    // The page lists only the partner's own post and offers only their group.
    let page = c.get("/admin/mass").await.text().await.unwrap();
    assert!(page.contains("王的群") && !page.contains("李的群"), "{page}");
}

#[tokio::test]
async fn an_uploaded_image_goes_out_as_is_and_only_jpeg_or_png_up_to_2_mb_is_taken() {
    let app = TestApp::spawn().await;
    let groups = two_groups(&app).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let session = c.session().unwrap().to_string();
    let upload = |bytes: Vec<u8>, ty: &'static str| {
        http.post(format!("{}/admin/api/mass-posts/images", app.base))
            .header("Cookie", format!("dealbot_session={session}"))
            .header("X-CSRF-Token", &csrf)
            .header("Content-Type", ty)
            .body(bytes)
            .send()
    };
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();

    let refused = upload(b"GIF89a not an image we take".to_vec(), "image/gif").await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let mut big = png.clone();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let refused = upload(big, "image/png").await.unwrap();
    assert!(refused.status().is_client_error(), "{}", refused.status());

    let resp = upload(png.clone(), "image/png").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let uploaded: Value = resp.json().await.unwrap();
    let media_id = uploaded["media_id"].as_str().unwrap().to_string();
    let body = json!({"text": "新品上架", "image_media_id": media_id, "groups": [groups[0].0], "schedule": "now"});
    let resp = c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let sent = eventually("the image and the text", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        let image = s.iter().find(|m| m.to_wxid == groups[0].1 && m.kind == SentKind::Image)?.clone();
        let text = s.iter().find(|m| m.to_wxid == groups[0].1 && m.kind == SentKind::Text)?.clone();
        Some((image, text))
    })
    .await;
    assert_eq!(sent.0.image_bytes.as_deref(), Some(png.as_slice()), "the uploaded image as is");
    assert_eq!(sent.1.content, "新品上架");

    // An image id that was never uploaded is refused.
    let body = json!({"text": "x", "image_media_id": "0123456789abcdef0123456789abcdef", "groups": [groups[0].0]});
    assert_eq!(c.post_json("/admin/api/mass-posts", &body, Some(&csrf)).await.status(), StatusCode::BAD_REQUEST);
}
