//! The simulated gateway over HTTP: the real [`GeweClient`] against [`GeweSim`], callbacks into a tiny receiver.

use super::*;
use crate::chat::gewe::{GeweClient, GeweEvent, parse_callback};
use crate::chat::{ConversationKind, Inbound, InboundKind, Outbound, OutboundBody, SendError, SendRetry};
use crate::config::{RobotSettings, Secret};
use axum::body::Bytes as BodyBytes;
use axum::extract::State as AxumState;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Mutex as StdMutex;
use tokio::net::TcpListener;
use tokio::sync::Notify;

const ROOM: &str = "20931457718@chatroom";
const MEMBER: &str = "wxid_m3mb3r77";
const DEADLINE: Duration = Duration::from_secs(10);

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// Receives callbacks and serves test images.
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<StdMutex<Vec<String>>>,
    notify: Arc<Notify>,
}

impl Receiver {
    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    /// Waits until at least `n` callbacks arrived.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        let wait = async {
            loop {
                let notified = self.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let bodies = self.bodies();
                if bodies.len() >= n {
                    return bodies;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(DEADLINE, wait).await {
            Ok(bodies) => bodies,
            Err(_) => panic!("expected {n} callbacks, got {:?}", self.bodies()),
        }
    }
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 6, image::Rgb([200, 30, 30]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

use std::io::Cursor;

async fn receiver_router(receiver: Receiver) -> String {
    async fn callback(AxumState(r): AxumState<Receiver>, body: BodyBytes) -> &'static str {
        r.bodies.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
        r.notify.notify_waiters();
        "success"
    }
    let router = Router::new()
        .route("/cb", post(callback))
        .route("/cb-fails", post(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/img/ok.png", get(|| async { ([(header::CONTENT_TYPE, "image/png")], png()) }))
        .route("/img/text", get(|| async { ([(header::CONTENT_TYPE, "image/png")], "hello, not an image") }))
        .route("/img/missing.png", get(|| async { StatusCode::NOT_FOUND }))
        .with_state(receiver);
    serve(router).await
}

struct Harness {
    sim: GeweSim,
    base: String,
    client: GeweClient,
    http: reqwest::Client,
    receiver: Receiver,
    receiver_base: String,
}

impl Harness {
    async fn start() -> Harness {
        let sim = GeweSim::new(&SimCredentials::default());
        let base = serve(Router::new().nest("/gewe", sim.router())).await;
        let receiver = Receiver::default();
        let receiver_base = receiver_router(receiver.clone()).await;
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let client = GeweClient::new(&robot(&base, &SimCredentials::default().gewe_token), http.clone());
        Harness { sim, base, client, http, receiver, receiver_base }
    }

    fn callback_url(&self) -> String {
        format!("{}/cb", self.receiver_base)
    }

    fn img(&self, path: &str) -> String {
        format!("{}/img/{path}", self.receiver_base)
    }

    /// Raw POST to the API with the right token unless `token` says otherwise.
    async fn post_api(&self, route: &str, token: Option<&str>, content_type: &str, body: &str) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/gewe/v2/api{route}", self.base))
            .header(header::CONTENT_TYPE, content_type)
            .body(body.to_string());
        if let Some(token) = token {
            req = req.header("X-GEWE-TOKEN", token);
        }
        req.send().await.unwrap()
    }
}

fn robot(base: &str, token: &str) -> RobotSettings {
    RobotSettings {
        base_url: format!("{base}/gewe/v2/api"),
        token: Secret::new(token),
        app_id: DEFAULT_APP_ID.into(),
        wxid: DEFAULT_BOT_WXID.into(),
        nickname: DEFAULT_BOT_NICKNAME.into(),
        ..RobotSettings::default()
    }
}

fn text(to: &str, content: &str, ats: &[&str]) -> Outbound {
    Outbound {
        conversation_id: to.into(),
        body: OutboundBody::Text { content: content.into(), ats: ats.iter().map(|s| s.to_string()).collect() },
    }
}

fn image_to(to: &str, url: &str) -> Outbound {
    Outbound { conversation_id: to.into(), body: OutboundBody::Image { url: url.into() } }
}

fn parsed(body: &str) -> Inbound {
    match parse_callback(body.as_bytes(), DEFAULT_BOT_NICKNAME) {
        Ok(GeweEvent::Message(m)) => *m,
        other => panic!("expected a message from {body}, got {other:?}"),
    }
}

#[tokio::test]
async fn post_text_with_ats_is_delivered_and_recorded() {
    let h = Harness::start().await;
    h.sim.add_member(ROOM, MEMBER, "阿明");
    let receipt =
        h.client.send(&text(ROOM, "@阿明 券后 29.9 元，下单链接：https://u.jd.com/Vx3Lp8W", &[MEMBER])).await.unwrap();
    let id: u64 = receipt.new_msg_id.clone().unwrap().parse().unwrap();
    assert!(id > 1 << 53);
    assert!(receipt.raw.contains(&format!("\"newMsgId\":{id}")), "a JSON number: {}", receipt.raw);

    let sent = h.sim.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, SentKind::Text);
    assert_eq!(sent[0].to_wxid, ROOM);
    assert_eq!(sent[0].content, "@阿明 券后 29.9 元，下单链接：https://u.jd.com/Vx3Lp8W");
    assert_eq!(sent[0].ats, vec![MEMBER.to_string()]);
    assert!(sent[0].ats_in_content);
    assert_eq!(sent[0].new_msg_id, id.to_string());

    // An at without the member's @nickname in the text is delivered but flagged.
    h.client.send(&text(ROOM, "券后 29.9 元", &[MEMBER])).await.unwrap();
    assert!(!h.sim.sent()[1].ats_in_content);
    let attempts = h.sim.send_attempts();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| a.outcome == SendOutcome::Delivered && a.route == "postText"));
    assert!(attempts[1].at >= attempts[0].at);
}

#[tokio::test]
async fn a_held_send_is_delivered_at_once_and_answered_only_when_released() {
    let h = Harness::start().await;
    let held = h.sim.hold_answer(2);
    h.client.send(&text(ROOM, "第一条", &[])).await.unwrap();
    let client = h.client.clone();
    let mut second = tokio::spawn(async move { client.send(&text(ROOM, "第二条", &[])).await });
    let index = tokio::time::timeout(DEADLINE, held.delivered()).await.unwrap();
    assert_eq!(index, 1);
    assert_eq!(h.sim.sent()[index].content, "第二条", "out before the answer");
    let early = tokio::time::timeout(Duration::from_millis(100), &mut second).await;
    assert!(early.is_err(), "no answer while held");
    held.release();
    tokio::time::timeout(DEADLINE, second).await.unwrap().unwrap().unwrap();
    h.client.send(&text(ROOM, "第三条", &[])).await.unwrap();
    assert_eq!(h.sim.sent().len(), 3);
}

#[tokio::test]
async fn post_image_downloads_the_url_and_keeps_the_bytes() {
    let h = Harness::start().await;
    let receipt = h.client.send(&image_to(PLAYGROUND_ROOM, &h.img("ok.png"))).await.unwrap();
    assert!(receipt.new_msg_id.is_some());
    let raw: Value = serde_json::from_str(&receipt.raw).unwrap();
    assert_eq!(raw["data"]["width"], 8);
    assert_eq!(raw["data"]["height"], 6);
    let sent = h.sim.sent();
    assert_eq!(sent[0].kind, SentKind::Image);
    assert_eq!(sent[0].img_url.as_deref(), Some(h.img("ok.png").as_str()));
    assert_eq!(sent[0].image_bytes.as_deref(), Some(png().as_slice()));

    // The playground serves exactly those bytes.
    let r = h.http.get(format!("{}/gewe/playground/image/0", h.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png().as_slice());
    let r = h.http.get(format!("{}/gewe/playground/image/7", h.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn post_image_with_a_broken_or_non_image_url_fails_the_send() {
    let h = Harness::start().await;
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        format!("http://{addr}/poster.jpg")
    };
    for url in [h.img("missing.png"), h.img("text"), dead, "ftp://example.com/a.png".into()] {
        match h.client.send(&image_to(ROOM, &url)).await {
            Err(e @ SendError::Rejected { ret: 500, .. }) => assert_eq!(e.retry(), SendRetry::Retry),
            other => panic!("{url}: expected a ret 500 rejection, got {other:?}"),
        }
    }
    assert!(h.sim.sent().is_empty());
    let attempts = h.sim.send_attempts();
    assert_eq!(attempts.len(), 4);
    assert!(attempts.iter().all(|a| matches!(a.outcome, SendOutcome::Rejected { ret: 500, .. })));
}

#[tokio::test]
async fn wrong_or_missing_token_gets_the_gateway_error_and_is_not_logged() {
    let h = Harness::start().await;
    let wrong = GeweClient::new(&robot(&h.base, "wrong-token-123"), h.http.clone());
    match wrong.send(&text(ROOM, "hi", &[])).await {
        Err(SendError::Rejected { ret, msg }) => {
            assert_eq!(ret, 500);
            assert!(msg.contains("不可用或已过期"), "{msg}");
            assert!(!msg.contains("wrong-token-123"), "the token is redacted: {msg}");
        }
        other => panic!("{other:?}"),
    }
    let r = h.post_api("/message/postText", None, "application/json", "{}").await;
    assert_eq!(r.status(), 200, "the gateway answers auth failures with HTTP 200");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ret"], 500);
    assert_eq!(body["msg"], "header:X-GEWE-TOKEN 不可为空");
    assert!(h.sim.sent().is_empty());
}

#[tokio::test]
async fn bodies_are_checked_like_the_real_gateway() {
    let h = Harness::start().await;
    let token = SimCredentials::default().gewe_token;
    let t = Some(token.as_str());
    let ret = |v: Value| v["ret"].as_i64().unwrap();

    let no_content = json!({"appId": DEFAULT_APP_ID, "toWxid": ROOM}).to_string();
    let r: Value = h.post_api("/message/postText", t, "application/json", &no_content).await.json().await.unwrap();
    assert_eq!(ret(r.clone()), 500, "{r}");
    assert!(r["msg"].as_str().unwrap().contains("content"));

    let wrong_app = json!({"appId": "wx_other", "toWxid": ROOM, "content": "x"}).to_string();
    let r: Value = h.post_api("/message/postText", t, "application/json", &wrong_app).await.json().await.unwrap();
    assert_eq!(ret(r), 500);

    let number_content = json!({"appId": DEFAULT_APP_ID, "toWxid": ROOM, "content": 5}).to_string();
    let r: Value = h.post_api("/message/postText", t, "application/json", &number_content).await.json().await.unwrap();
    assert_eq!(ret(r), 500);

    let no_thumb = json!({"appId": DEFAULT_APP_ID, "toWxid": ROOM, "title": "t", "desc": "", "linkUrl": "https://x"});
    let r: Value =
        h.post_api("/message/postLink", t, "application/json", &no_thumb.to_string()).await.json().await.unwrap();
    assert_eq!(ret(r), 500);

    let r = h.post_api("/message/postText", t, "text/plain", &wrong_app).await;
    assert_eq!(r.status(), 415);
    let r = h.post_api("/message/postText", t, "application/json", "{not json").await;
    assert_eq!(r.status(), 400);
    assert!(h.sim.sent().is_empty());

    let link = Outbound {
        conversation_id: ROOM.into(),
        body: OutboundBody::Link {
            title: "【京东】加厚抽纸24包".into(),
            desc: "券后 ¥29.90".into(),
            url: "https://u.jd.com/Vx3Lp8W".into(),
            thumb_url: h.img("ok.png"),
        },
    };
    h.client.send(&link).await.unwrap();
    let sent = h.sim.sent();
    assert_eq!(sent[0].kind, SentKind::Link);
    assert_eq!(sent[0].link.as_ref().map(|l| l.url.as_str()), Some("https://u.jd.com/Vx3Lp8W"));
}

#[tokio::test]
async fn injected_faults_fail_exactly_the_next_sends() {
    let h = Harness::start().await;
    h.sim.fail_next_sends(1, SendFault::Http(502));
    h.sim.fail_next_sends(1, SendFault::ret_500());
    let first = h.client.send(&text(ROOM, "a", &[])).await.unwrap_err();
    assert!(matches!(first, SendError::Http(502)), "{first:?}");
    assert_eq!(first.retry(), SendRetry::Retry);
    let second = h.client.send(&text(ROOM, "b", &[])).await.unwrap_err();
    assert!(matches!(&second, SendError::Rejected { ret: 500, msg } if msg == "执行失败"), "{second:?}");
    h.client.send(&text(ROOM, "c", &[])).await.unwrap();
    let outcomes: Vec<SendOutcome> = h.sim.send_attempts().into_iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            SendOutcome::Http(502),
            SendOutcome::Rejected { ret: 500, msg: "执行失败".into() },
            SendOutcome::Delivered
        ]
    );
    assert_eq!(h.sim.sent().len(), 1);
    assert_eq!(h.sim.sent()[0].content, "c");
}

#[tokio::test]
async fn a_slow_gateway_times_the_client_out() {
    let h = Harness::start().await;
    h.sim.delay_responses(Duration::from_secs(5));
    let impatient = h.client.clone().with_timeout(Duration::from_millis(200));
    let err = impatient.send(&text(ROOM, "hi", &[])).await.unwrap_err();
    assert!(matches!(err, SendError::Timeout), "{err:?}");
    assert_eq!(err.retry(), SendRetry::Retry);
}

#[tokio::test]
async fn delivered_text_reaches_the_callback_in_the_published_shape() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    let id = h
        .sim
        .deliver_text(ROOM, MEMBER, "阿明", "@省钱小助手\u{2005}https://u.jd.com/Qm7Zt2K 这个能返多少")
        .await
        .unwrap();
    let bodies = h.receiver.wait_for(1).await;
    assert!(bodies[0].contains(&format!("\"NewMsgId\":{id}")), "NewMsgId is a JSON number: {}", bodies[0]);
    assert!(id.parse::<u64>().unwrap() > 1 << 53);
    let m = parsed(&bodies[0]);
    assert_eq!(m.native_id, id);
    assert_eq!(m.dedupe_key, format!("{DEFAULT_APP_ID}:{id}"));
    assert_eq!(m.conversation_id, ROOM);
    assert_eq!(m.conversation, ConversationKind::Group);
    assert_eq!(m.sender_id.as_deref(), Some(MEMBER));
    assert_eq!(m.sender_name.as_deref(), Some("阿明"));
    assert!(m.mentions_bot);
    assert!(!m.is_self);
    assert_eq!(m.text, "https://u.jd.com/Qm7Zt2K 这个能返多少");
    assert!((unix_now() - m.created_at).abs() < 60);

    // Without a mention: no atuserlist, PushContent in the "<nick> : <text>" form.
    h.sim.deliver_text(ROOM, MEMBER, "阿明", "帮助").await.unwrap();
    let bodies = h.receiver.wait_for(2).await;
    let raw: Value = serde_json::from_str(&bodies[1]).unwrap();
    assert_eq!(raw["Data"]["PushContent"], "阿明 : 帮助");
    assert!(!raw["Data"]["MsgSource"].as_str().unwrap().contains("atuserlist"));
    assert!(!parsed(&bodies[1]).mentions_bot);
}

#[tokio::test]
async fn callbacks_can_be_duplicated_and_redelivered_late() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    h.sim.duplicate_callbacks(3);
    h.sim.deliver_text(ROOM, MEMBER, "阿明", "hi").await.unwrap();
    let bodies = h.receiver.wait_for(3).await;
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    h.sim.duplicate_callbacks(1);
    h.sim.redeliver(0).await.unwrap();
    let bodies = h.receiver.wait_for(4).await;
    assert_eq!(bodies[3], bodies[0]);
    assert_eq!(h.sim.callbacks().len(), 4);
    assert!(h.sim.callbacks().iter().all(|c| c.status == Some(200)));
    assert!(matches!(h.sim.redeliver(99).await, Err(SimError::NoSuchCallback(99))));
}

#[tokio::test]
async fn delivery_errors_are_reported() {
    let h = Harness::start().await;
    assert!(matches!(h.sim.deliver_text(ROOM, MEMBER, "阿明", "hi").await, Err(SimError::NoCallbackUrl)));
    h.sim.set_callback_url(&format!("{}/cb-fails", h.receiver_base));
    assert!(matches!(h.sim.deliver_text(ROOM, MEMBER, "阿明", "hi").await, Err(SimError::Status(500))));
    assert_eq!(h.sim.callbacks()[0].status, Some(500));
}

#[tokio::test]
async fn sent_messages_are_echoed_back_as_self_sent() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    h.sim.add_member(ROOM, MEMBER, "阿明");
    let receipt = h.client.send(&text(ROOM, "@阿明 券后 29.9 元", &[MEMBER])).await.unwrap();
    let bodies = h.receiver.wait_for(1).await;
    let echo = parsed(&bodies[0]);
    assert!(echo.is_self);
    assert_eq!(echo.conversation_id, ROOM);
    assert_eq!(echo.conversation, ConversationKind::Group);
    assert_eq!(Some(echo.native_id), receipt.new_msg_id);
    assert_eq!(echo.mentions, vec![MEMBER.to_string()]);

    h.client.send(&image_to(ROOM, &h.img("ok.png"))).await.unwrap();
    let bodies = h.receiver.wait_for(2).await;
    let echo = parsed(&bodies[1]);
    assert!(echo.is_self);
    assert_eq!(echo.kind, InboundKind::Image);
}

#[tokio::test]
async fn set_callback_over_http_posts_the_test_body_first() {
    let h = Harness::start().await;
    let token = SimCredentials::default().gewe_token;
    let body = json!({"token": token, "callbackUrl": h.callback_url()}).to_string();
    let r: Value =
        h.post_api("/tools/setCallback", Some(&token), "application/json", &body).await.json().await.unwrap();
    assert_eq!(r["ret"], 200, "{r}");
    let bodies = h.receiver.wait_for(1).await;
    assert!(matches!(parse_callback(bodies[0].as_bytes(), ""), Ok(GeweEvent::CallbackTest)));
    assert_eq!(h.sim.callback_url(), Some(h.callback_url()));

    let unreachable = json!({"token": token, "callbackUrl": format!("{}/nowhere", h.receiver_base)}).to_string();
    let r: Value =
        h.post_api("/tools/setCallback", Some(&token), "application/json", &unreachable).await.json().await.unwrap();
    assert_eq!(r["ret"], 500);
    assert_eq!(h.sim.callback_url(), Some(h.callback_url()), "a failed check keeps the old URL");

    let wrong = json!({"token": "nope", "callbackUrl": h.callback_url()}).to_string();
    let r: Value =
        h.post_api("/tools/setCallback", Some(&token), "application/json", &wrong).await.json().await.unwrap();
    assert_eq!(r["ret"], 500);
}

#[tokio::test]
async fn members_online_state_and_offline_callback() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    h.sim.add_member(ROOM, MEMBER, "阿明");
    let members = h.client.chatroom_members(ROOM).await.unwrap();
    assert_eq!(
        members,
        vec![
            MemberRef { wxid: DEFAULT_BOT_WXID.into(), nickname: Some(DEFAULT_BOT_NICKNAME.into()) },
            MemberRef { wxid: MEMBER.into(), nickname: Some("阿明".into()) },
        ]
    );
    assert!(matches!(h.client.chatroom_members("999@chatroom").await, Err(SendError::Rejected { ret: 500, .. })));

    assert!(h.client.check_online().await.unwrap());
    h.sim.deliver_offline().await.unwrap();
    let bodies = h.receiver.wait_for(1).await;
    assert!(matches!(parse_callback(bodies[0].as_bytes(), ""), Ok(GeweEvent::Offline)));
    assert!(!h.client.check_online().await.unwrap());
    assert!(matches!(h.client.send(&text(ROOM, "hi", &[])).await, Err(SendError::Rejected { ret: 500, .. })));
    h.client.reconnect().await.unwrap();
    assert!(h.client.check_online().await.unwrap());
    h.client.send(&text(ROOM, "hi", &[])).await.unwrap();
}

#[tokio::test]
async fn cards_and_joins_parse_back_into_their_kinds() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    let card = LinkCard {
        title: "【京东】加厚抽纸24包".into(),
        desc: "京东价 ¥39.90".into(),
        url: "https://item.m.jd.com/product/100056781234.html?utm_source=share&utm_medium=weixin".into(),
        thumb_url: "https://img10.360buyimg.com/n1/example.jpg".into(),
    };
    h.sim.deliver_card(ROOM, MEMBER, "阿明", &card).await.unwrap();
    let inviter = MemberRef { wxid: MEMBER.into(), nickname: Some("阿明".into()) };
    let joined = vec![
        MemberRef { wxid: "wxid_new1".into(), nickname: Some("小红".into()) },
        MemberRef { wxid: "wxid_new2".into(), nickname: Some("小<刚>]]>".into()) },
    ];
    h.sim.deliver_join(ROOM, &inviter, &joined).await.unwrap();
    let bodies = h.receiver.wait_for(2).await;
    assert!(bodies[0].contains("utm_source=share&amp;utm_medium"), "card URLs are XML-escaped on the wire");
    let m = parsed(&bodies[0]);
    assert_eq!(m.kind, InboundKind::Link { url: card.url.clone(), title: card.title.clone(), desc: card.desc.clone() });
    assert_eq!(m.sender_id.as_deref(), Some(MEMBER));
    let m = parsed(&bodies[1]);
    assert_eq!(m.kind, InboundKind::Join { inviter: Some(inviter), joined: joined.clone() });
    assert_eq!(m.sender_id, None);
    assert_eq!(h.sim.members(ROOM).len(), 4);
}

#[tokio::test]
async fn the_playground_chats_through_the_real_paths() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    for path in ["/gewe/playground", "/gewe/playground/"] {
        let r = h.http.get(format!("{}{path}", h.base)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("<html") && html.contains("playground"), "{path}");
        assert!(!html.contains("/*SCRIPT*/") && !html.contains("/*STYLE*/"), "assets are inlined");
        assert!(!html.contains("<script src") && !html.contains("<link"), "no external resources");
    }

    let say = |text: &str| {
        h.http.post(format!("{}/gewe/playground/say", h.base)).json(&json!({"nickname": "阿明", "text": text})).send()
    };
    let r: Value = say("@省钱小助手 帮助").await.unwrap().json().await.unwrap();
    assert_eq!(r["ok"], true, "{r}");
    let bodies = h.receiver.wait_for(1).await;
    let m = parsed(&bodies[0]);
    assert!(m.mentions_bot, "the page picks the mention like the WeChat client");
    assert_eq!(m.text, "帮助");
    assert_eq!(m.conversation_id, PLAYGROUND_ROOM);
    assert_eq!(m.native_id, r["newMsgId"].as_str().unwrap());
    let sender = m.sender_id.unwrap();

    // The robot answers through postText with an at, then a poster through postImage.
    h.client.send(&text(PLAYGROUND_ROOM, "@阿明 发送商品链接即可查券", &[&sender])).await.unwrap();
    h.client.send(&image_to(PLAYGROUND_ROOM, &h.img("ok.png"))).await.unwrap();
    assert!(h.sim.sent()[0].ats_in_content);

    let page: Value =
        h.http.get(format!("{}/gewe/playground/messages?after=0", h.base)).send().await.unwrap().json().await.unwrap();
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{page}");
    assert_eq!((messages[0]["from"].as_str(), messages[0]["nickname"].as_str()), (Some("member"), Some("阿明")));
    assert_eq!(messages[1]["from"], "bot");
    assert_eq!(messages[1]["text"], "@阿明 发送商品链接即可查券");
    assert_eq!(messages[2]["kind"], "image");
    assert_eq!(messages[2]["image"], "image/1");
    assert_eq!(page["connected"], true);
    assert_eq!(page["bot"]["nickname"], DEFAULT_BOT_NICKNAME);
    let last = page["last"].as_u64().unwrap();

    let later: Value = h
        .http
        .get(format!("{}/gewe/playground/messages?after={last}", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(later["messages"].as_array().unwrap().is_empty());
    let restarted: Value = h
        .http
        .get(format!("{}/gewe/playground/messages?after=999", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(restarted["reset"], true);
    assert_eq!(restarted["messages"].as_array().unwrap().len(), 3);

    // Bad input is refused with a message the page can show.
    let r = say("  ").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = h
        .http
        .post(format!("{}/gewe/playground/say", h.base))
        .json(&json!({"nickname": DEFAULT_BOT_NICKNAME, "text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn configure_bot_changes_the_identity_everywhere() {
    let h = Harness::start().await;
    h.sim.configure_bot("wx_other_app_00000000001", "wxid_other_bot", "返利君");
    h.sim.set_callback_url(&h.callback_url());
    h.sim.deliver_text(ROOM, MEMBER, "阿明", "@返利君\u{2005}在吗").await.unwrap();
    let bodies = h.receiver.wait_for(1).await;
    let m = parsed(&bodies[0]);
    assert_eq!(m.account_id, "wx_other_app_00000000001");
    assert_eq!(m.bot_id, "wxid_other_bot");
    assert!(m.mentions_bot);
    // The old appId no longer works.
    assert!(matches!(h.client.send(&text(ROOM, "hi", &[])).await, Err(SendError::Rejected { ret: 500, .. })));
    assert_eq!(h.sim.members(ROOM)[0].wxid, "wxid_other_bot");
}

#[tokio::test]
async fn the_playground_has_rooms_and_private_chat_arrives_as_a_direct_message() {
    let h = Harness::start().await;
    h.sim.set_callback_url(&h.callback_url());
    let get = |path: &str| h.http.get(format!("{}{path}", h.base)).send();
    let rooms: Value = get("/gewe/playground/rooms?nickname=阿明").await.unwrap().json().await.unwrap();
    let wxid = playground_wxid("阿明");
    assert_eq!(
        rooms,
        json!([
            {"room": PLAYGROUND_ROOM, "name": PLAYGROUND_ROOM_NAME},
            {"room": PRIVATE_ROOM, "name": "私聊", "peer": wxid},
            {"room": PLAYGROUND_SOURCE_ROOM, "name": PLAYGROUND_SOURCE_ROOM_NAME},
        ])
    );
    let say = |body: Value| h.http.post(format!("{}/gewe/playground/say", h.base)).json(&body).send();

    // 私聊: FromUserName is the member, no chatroom, no sender prefix.
    let r = say(json!({"nickname": "阿明", "text": "我的", "room": PRIVATE_ROOM})).await.unwrap();
    assert_eq!(r.status(), 200);
    let bodies = h.receiver.wait_for(1).await;
    let raw: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(raw["Data"]["FromUserName"]["string"], wxid.as_str());
    assert_eq!(raw["Data"]["ToUserName"]["string"], DEFAULT_BOT_WXID);
    assert_eq!(raw["Data"]["Content"]["string"], "我的");
    let m = parsed(&bodies[0]);
    assert_eq!(
        (m.conversation, m.conversation_id.as_str(), m.text.as_str()),
        (ConversationKind::Direct, &*wxid, "我的")
    );
    assert_eq!(m.sender_id.as_deref(), Some(wxid.as_str()));

    // 线报源, and the member group by default.
    say(json!({"nickname": "阿明", "text": "线报", "room": PLAYGROUND_SOURCE_ROOM})).await.unwrap();
    say(json!({"nickname": "阿明", "text": "群里"})).await.unwrap();
    let bodies = h.receiver.wait_for(3).await;
    assert_eq!(parsed(&bodies[1]).conversation_id, PLAYGROUND_SOURCE_ROOM);
    assert_eq!(parsed(&bodies[2]).conversation_id, PLAYGROUND_ROOM);
    let r = say(json!({"nickname": "阿明", "text": "hi", "room": "nowhere@chatroom"})).await.unwrap();
    assert_eq!(r.status(), 400);

    // The robot answers in private chat to the member's wxid; every entry carries its room.
    h.client.send(&text(&wxid, "返利：可提现 ¥1.00", &[])).await.unwrap();
    let page: Value = get("/gewe/playground/messages?after=0").await.unwrap().json().await.unwrap();
    let rooms: Vec<(&str, Option<&str>, &str)> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["room"].as_str().unwrap(), m["peer"].as_str(), m["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rooms,
        [
            (PRIVATE_ROOM, Some(wxid.as_str()), "我的"),
            (PLAYGROUND_SOURCE_ROOM, None, "线报"),
            (PLAYGROUND_ROOM, None, "群里"),
            (PRIVATE_ROOM, Some(wxid.as_str()), "返利：可提现 ¥1.00"),
        ]
    );
    let robot = h.sim.playground_message(4).unwrap();
    assert!(robot.from_robot && robot.text.contains("可提现"));
    assert!(!h.sim.playground_message(1).unwrap().from_robot);
    assert_eq!(h.sim.playground_message(0), None);
    assert_eq!(h.sim.playground_message(5), None);
}

mod login {
    //! The QR login (gateway-account spec §3) through the real client.
    use super::*;
    use crate::chat::gewe::LoginCheck;

    const NEW_WXID: &str = "wxid_n3wr0b0t01";

    #[tokio::test]
    async fn a_new_device_logs_in_by_scan_and_confirm_and_is_reused_after_logout() {
        let h = Harness::start().await;
        let qr = h.client.login_qr("").await.unwrap();
        assert!(qr.app_id.starts_with("wx_") && qr.app_id.len() == 25, "{}", qr.app_id);
        assert!(qr.qr_data.contains(&qr.uuid));
        let waiting = h.client.check_login(&qr.app_id, &qr.uuid).await.unwrap();
        assert!(matches!(waiting, LoginCheck::Waiting { expires_in } if expires_in > 100), "{waiting:?}");

        h.sim.scan_qr(&qr.uuid, NEW_WXID, "新机器人").unwrap();
        let scanned = h.client.check_login(&qr.app_id, &qr.uuid).await.unwrap();
        assert!(matches!(&scanned, LoginCheck::Scanned { nickname, .. } if nickname == "新机器人"), "{scanned:?}");
        h.sim.confirm_login(&qr.uuid).unwrap();
        let done = h.client.check_login(&qr.app_id, &qr.uuid).await.unwrap();
        assert_eq!(done, LoginCheck::LoggedIn { wxid: NEW_WXID.into(), nickname: "新机器人".into() });
        assert_eq!(h.sim.bot().app_id, qr.app_id, "the sim plays the account logged in");

        let on_device = GeweClient::new(
            &RobotSettings { app_id: qr.app_id.clone(), ..robot(&h.base, &SimCredentials::default().gewe_token) },
            h.http.clone(),
        );
        let again = on_device.login_qr(&qr.app_id).await.unwrap_err();
        assert!(matches!(&again, SendError::Rejected { msg, .. } if msg.contains("请勿重复登录")), "{again:?}");
        on_device.logout().await.unwrap();
        let relogin = on_device.login_qr(&qr.app_id).await.unwrap();
        assert_eq!(relogin.app_id, qr.app_id, "the same device");
        assert_eq!(h.sim.login_requests(), vec![String::new(), qr.app_id.clone(), qr.app_id.clone()]);

        h.sim.scan_qr(&relogin.uuid, "wxid_s0me0ne_else", "别人").unwrap();
        let wrong = h.client.check_login(&qr.app_id, &relogin.uuid).await.unwrap_err();
        assert!(matches!(&wrong, SendError::Rejected { msg, .. } if msg.contains("其他微信号")), "{wrong:?}");
    }

    #[tokio::test]
    async fn qr_expiry_cancel_unknown_devices_and_the_device_cap_are_answered_like_the_gateway() {
        let h = Harness::start().await;
        h.sim.set_online(false);
        let qr = h.client.login_qr(DEFAULT_APP_ID).await.unwrap();
        assert_eq!(qr.app_id, DEFAULT_APP_ID);
        h.sim.expire_qr(&qr.uuid).unwrap();
        assert_eq!(h.client.check_login(DEFAULT_APP_ID, &qr.uuid).await.unwrap(), LoginCheck::Expired);
        assert_eq!(h.sim.scan_qr(&qr.uuid, DEFAULT_BOT_WXID, "x"), Err(LoginControlError::Expired));

        let qr = h.client.login_qr(DEFAULT_APP_ID).await.unwrap();
        h.sim.scan_qr(&qr.uuid, DEFAULT_BOT_WXID, DEFAULT_BOT_NICKNAME).unwrap();
        h.sim.cancel_login(&qr.uuid).unwrap();
        assert_eq!(h.client.check_login(DEFAULT_APP_ID, &qr.uuid).await.unwrap(), LoginCheck::Cancelled);

        let unknown = h.client.login_qr("wx_NoSuchDevice00000000000").await.unwrap_err();
        assert!(matches!(&unknown, SendError::Rejected { msg, .. } if msg.contains("设备不存在")), "{unknown:?}");
        h.client.login_qr("").await.unwrap();
        let capped = h.client.login_qr("").await.unwrap_err();
        assert!(matches!(&capped, SendError::Rejected { msg, .. } if msg == "已达到最大客户端数量操作"), "{capped:?}");

        let no_token = h.post_api("/login/getLoginQrCode", None, "application/json", r#"{"appId":""}"#).await;
        let body: Value = no_token.json().await.unwrap();
        assert_eq!(body["ret"], 500);
        assert_eq!(body["msg"], "header:X-GEWE-TOKEN 不可为空");
        let wrong =
            h.post_api("/login/checkLogin", Some("nope"), "application/json", r#"{"appId":"a","uuid":"b"}"#).await;
        let body: Value = wrong.json().await.unwrap();
        assert!(body["msg"].as_str().unwrap().contains("不可用或已过期"), "{body}");
    }

    #[tokio::test]
    async fn the_scan_control_endpoint_scans_and_confirms_and_set_callback_registers_the_url() {
        let h = Harness::start().await;
        h.sim.set_online(false);
        let qr = h.client.login_qr(DEFAULT_APP_ID).await.unwrap();
        // Without a uuid (the playground's button): the newest QR waiting for a scan.
        let scan = h.http.post(format!("{}/gewe/playground/scan", h.base)).json(&json!({})).send().await.unwrap();
        assert_eq!(scan.status(), 200);
        let done = h.client.check_login(DEFAULT_APP_ID, &qr.uuid).await.unwrap();
        assert!(matches!(&done, LoginCheck::LoggedIn { wxid, .. } if wxid == DEFAULT_BOT_WXID), "{done:?}");
        assert!(h.client.check_online().await.unwrap());
        let again =
            h.http.post(format!("{}/gewe/sim/scan", h.base)).json(&json!({"uuid": qr.uuid})).send().await.unwrap();
        assert_eq!(again.status(), 409, "a confirmed QR cannot be scanned again");
        let none = h.http.post(format!("{}/gewe/sim/scan", h.base)).json(&json!({})).send().await.unwrap();
        assert_eq!(none.status(), 409, "no QR is waiting");

        h.client.set_callback(&h.callback_url()).await.unwrap();
        assert_eq!(h.sim.callback_url(), Some(h.callback_url()));
        let bad = h.client.set_callback("ftp://example.com/cb").await.unwrap_err();
        assert!(matches!(bad, SendError::Rejected { .. }));
    }
}
