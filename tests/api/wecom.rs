//! WeCom as a second gateway: a group robot webhook as a posting target (poster as base64 + md5, the 20-a-minute
//! limit kept by the outbox under a burst) and the 智能机器人 answering an @ with a converted link, all against the
//! simulated WeCom over HTTP with its own crypto.

use crate::helpers::{TestApp, TestDb, eventually};
use dealbot::config::{GatewayKind, RobotSettings, Secret, Settings};
use dealbot::posting::mass::{MassPost, When, run_mass_due};
use dealbot::sim::wecom::{
    DEFAULT_AIBOT_AES_KEY, DEFAULT_AIBOT_ID, DEFAULT_AIBOT_NAME, DEFAULT_AIBOT_TOKEN, DEFAULT_WEBHOOK_KEY,
};
use md5::{Digest, Md5};
use std::time::Duration;

on_both_engines!(a_mass_post_reaches_the_wecom_webhook_group_with_its_poster_as_base64_and_md5);
on_both_engines!(multi_thread: a_burst_of_50_posts_never_exceeds_the_webhook_limit);
on_both_engines!(a_member_at_ing_the_aibot_with_a_link_gets_the_converted_link_in_the_stream_s_final_content);

const PDD_LINK: &str = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
/// The webhook robot's window in these tests: 20 messages per 2 s (WeCom: per minute), so a burst takes seconds.
const WINDOW: Duration = Duration::from_millis(2_000);

fn wecom_robots(s: &mut Settings) {
    let sim_base = s.robots[0].base_url.trim_end_matches("/gewe/v2/api").to_string();
    s.robots.push(RobotSettings {
        name: "qw".into(),
        gateway: GatewayKind::WecomWebhook,
        base_url: format!("{sim_base}/wecom"),
        token: Secret::new(DEFAULT_WEBHOOK_KEY),
        app_id: "wecom-webhook-qw".into(),
        wxid: "wecom-webhook-qw".into(),
        group_name: "企微福利群".into(),
        min_send_interval_ms: 0,
        send_jitter_ms: 0,
        min_group_interval_ms: 0,
        send_window_ms: WINDOW.as_millis() as u64,
        sends_per_window: 20,
        ..RobotSettings::default()
    });
    s.robots.push(RobotSettings {
        name: "aibot".into(),
        gateway: GatewayKind::WecomAibot,
        token: Secret::new(DEFAULT_AIBOT_TOKEN),
        encoding_aes_key: Secret::new(DEFAULT_AIBOT_AES_KEY),
        app_id: DEFAULT_AIBOT_ID.into(),
        wxid: DEFAULT_AIBOT_ID.into(),
        nickname: DEFAULT_AIBOT_NAME.into(),
        min_send_interval_ms: 0,
        send_jitter_ms: 0,
        min_group_interval_ms: 0,
        ..RobotSettings::default()
    });
}

async fn spawn(db: TestDb) -> TestApp {
    let app = TestApp::spawn_on(db, wecom_robots).await;
    app.sim.sims.wecom.set_callback_url(&format!("{}/webhook/wecom/aibot", app.base));
    app.sim.sims.wecom.set_rate_limit(20, WINDOW);
    app
}

/// The webhook robot's one group, as the dashboard and the posting engine see it.
async fn webhook_group(app: &TestApp) -> i64 {
    let robot = app.engine.robots.values().find(|r| r.settings.name == "qw").expect("the webhook robot").id;
    let group = app.store.ensure_group(robot, "qw", false, app.clock.now_ms()).await.unwrap();
    assert_eq!(group.name, "企微福利群");
    assert!(group.enabled);
    group.id
}

/// Mass posts (text, optional product link) to `group`, sent now.
async fn mass_posts(app: &TestApp, group: i64, posts: &[(String, Option<&str>)]) {
    let now = app.clock.now_ms();
    for (text, link) in posts {
        let post = MassPost {
            text: text.clone(),
            link: link.map(str::to_string),
            image_media_id: None,
            groups: vec![group],
            friends: Vec::new(),
            when: When::Once { at: now / 1000 },
        };
        app.store.create_mass_post(&post, None, None, now).await.unwrap();
    }
    run_mass_due(&app.engine, now).await.unwrap();
}

/// Waits until the simulated WeCom accepted `n` messages.
async fn received(app: &TestApp, n: usize, what: &str) -> Vec<dealbot::sim::wecom::Received> {
    eventually(what, Duration::from_secs(60), || async {
        let r = app.sim.sims.wecom.received();
        (r.len() >= n).then_some(r)
    })
    .await
}

fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(jpeg).expect("poster decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn a_mass_post_reaches_the_wecom_webhook_group_with_its_poster_as_base64_and_md5(db: TestDb) {
    let app = spawn(db).await;
    let group = webhook_group(&app).await;
    mass_posts(&app, group, &[("今日好价".to_string(), Some(PDD_LINK))]).await;
    let got = received(&app, 2, "poster and text at the webhook").await;
    assert_eq!(got.len(), 2, "one poster and one text: {got:?}");
    assert!(got.iter().all(|r| r.to == DEFAULT_WEBHOOK_KEY));
    let image = got.iter().find(|r| r.msgtype == "image").expect("an image message");
    let text = got.iter().find(|r| r.msgtype == "text").expect("a text message");
    let bytes = image.image.as_ref().expect("the simulator decoded the image");
    assert!(bytes.len() <= 2 * 1024 * 1024, "{} bytes", bytes.len());
    assert_eq!(image.body["image"]["md5"], md5_hex(bytes), "md5 of the raw bytes");
    let codes = decode_qr(bytes);
    assert_eq!(codes.len(), 1, "one QR code on the poster");
    let content = text.body["text"]["content"].as_str().unwrap();
    assert!(content.starts_with("今日好价"), "{content}");
    assert!(content.contains(&codes[0]), "the text carries the poster's link: {content}");
    let target = app.sim.sims.pdd.resolve_short(&codes[0]).expect("a short link the union issued");
    assert!(target.contains(&format!("pid={}", dealbot::demo::DEMO_PDD_PID)), "{target}");
    assert!(app.sim.sims.wecom.refusals().is_empty(), "{:?}", app.sim.sims.wecom.refusals());
    eventually("both outbox rows marked sent", Duration::from_secs(10), || async {
        let rows = app.store.outbox_for("qw").await.unwrap();
        (rows.len() == 2 && rows.iter().all(|r| r.status == "sent")).then_some(())
    })
    .await;
}

async fn a_burst_of_50_posts_never_exceeds_the_webhook_limit(db: TestDb) {
    let app = spawn(db).await;
    let group = webhook_group(&app).await;
    let posts: Vec<(String, Option<&str>)> = (0..50).map(|n| (format!("第 {n} 条好价"), None)).collect();
    mass_posts(&app, group, &posts).await;
    let got = received(&app, 50, "all 50 posts at the webhook").await;
    assert_eq!(got.len(), 50);
    // The simulator refuses what goes over its limit; nothing was refused, so the outbox kept the pace.
    assert!(app.sim.sims.wecom.refusals().is_empty(), "{:?}", app.sim.sims.wecom.refusals());
    // And from the arrival times: no window of 2 s holds more than 20.
    for (i, first) in got.iter().enumerate() {
        let within = got[i..].iter().take_while(|r| r.at.duration_since(first.at) < WINDOW).count();
        assert!(within <= 20, "{within} messages within one window from #{i}");
    }
    let span = got[49].at.duration_since(got[0].at);
    assert!(span >= WINDOW * 2, "50 messages at 20 per window need more than two windows: {span:?}");
    let mut texts: Vec<String> = got.iter().map(|r| r.body["text"]["content"].as_str().unwrap().to_string()).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 50, "each post once");
}

#[tokio::test]
async fn the_aibot_callback_passes_url_verification_and_refuses_wrong_signatures() {
    let app = spawn(TestDb::sqlite().await).await;
    app.sim.sims.wecom.verify_url().await.expect("the bot answers the echostr exactly");
    let url = format!("{}/webhook/wecom/aibot", app.base);
    let r = app
        .http
        .get(&url)
        .query(&[("msg_signature", "0000"), ("timestamp", "1"), ("nonce", "2"), ("echostr", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .post(&url)
        .query(&[("msg_signature", "0000"), ("timestamp", "1"), ("nonce", "2")])
        .json(&serde_json::json!({"encrypt": "abc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The GeWe robot's name is not a WeCom callback.
    let r = app.http.get(format!("{}/webhook/wecom/demo", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // enter_chat: a passive, encrypted welcome that the simulator decrypts and checks.
    let (status, reply) = app.sim.sims.wecom.enter_chat("zhangsan").await.unwrap();
    assert_eq!(status, 200);
    let reply = reply.expect("a passive reply");
    assert_eq!(reply["msgtype"], "text");
    assert!(reply["text"]["content"].as_str().unwrap().contains("商品链接"), "{reply}");
}

async fn a_member_at_ing_the_aibot_with_a_link_gets_the_converted_link_in_the_stream_s_final_content(db: TestDb) {
    let app = spawn(db).await;
    app.sim.sims.wecom.set_stream_timing(Duration::from_millis(100), Duration::from_secs(6 * 60));
    let chat = "wrkSFfCgAAtestchat01";
    let (status, passive) = app.sim.sims.wecom.say(chat, "zhangsan", &format!("这个划算吗 {PDD_LINK}")).await.unwrap();
    assert_eq!(status, 200);
    // The synchronous answer opens a stream, empty and unfinished; the simulator refreshes it until it finishes.
    let passive = passive.expect("an encrypted stream reply");
    assert_eq!(passive["msgtype"], "stream", "{passive}");
    assert_eq!(passive["stream"]["finish"], false);
    assert_eq!(passive["stream"]["content"], "");
    let got = received(&app, 2, "the finished stream").await;
    assert!(got.iter().all(|r| r.to == format!("stream:{chat}")), "{got:?}");
    assert!(app.sim.sims.wecom.refusals().is_empty(), "{:?}", app.sim.sims.wecom.refusals());
    let image = got.iter().find(|r| r.msgtype == "image").expect("the poster as the stream's msg_item");
    let stream = got.iter().find(|r| r.msgtype == "stream").expect("the finished stream");
    assert_eq!(stream.body["stream"]["id"], passive["stream"]["id"]);
    assert_eq!(stream.body["stream"]["finish"], true);
    let bytes = image.image.as_ref().unwrap();
    assert_eq!(image.body["image"]["md5"], md5_hex(bytes));
    let codes = decode_qr(bytes);
    let content = stream.body["stream"]["content"].as_str().unwrap();
    assert!(content.contains(&codes[0]), "{content}");
    let target = app.sim.sims.pdd.resolve_short(&codes[0]).expect("a short link the union issued");
    assert!(target.contains(&format!("pid={}", dealbot::demo::DEMO_PDD_PID)), "{target}");
    let conv = app.store.recent_conversions(1).await.unwrap().remove(0);
    assert_eq!(conv.member_wxid.as_deref(), Some("zhangsan"));
    // The WeCom playground shows the member's message and the bot's answers, with the poster loadable.
    let timeline: serde_json::Value =
        app.http.get(format!("{}/wecom/playground/messages", app.sim.base)).send().await.unwrap().json().await.unwrap();
    let entries = timeline.as_array().unwrap();
    assert_eq!(entries[0]["from"], "member");
    assert!(entries[0]["text"].as_str().unwrap().contains(PDD_LINK));
    let poster = entries.iter().find_map(|e| e["image"].as_str()).expect("the poster in the timeline");
    let r = app.http.get(format!("{}/wecom/{poster}", app.sim.base)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let page = app.http.get(format!("{}/wecom/playground", app.sim.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("企微智能机器人"));
}
