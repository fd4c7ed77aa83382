//! The real WeCom clients against the simulator over HTTP.

use super::*;
use crate::chat::SendError;
use crate::chat::wecom::{Article, WebhookClient, WebhookMessage};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

struct Harness {
    sim: WecomSim,
    base: String,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}/wecom", listener.local_addr().unwrap().port());
    let sim = WecomSim::new(&base);
    let router = Router::new().nest("/wecom", sim.router());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Harness { sim, base, http: reqwest::Client::builder().no_proxy().build().unwrap() }
}

const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC";

#[tokio::test]
async fn every_webhook_message_type_is_accepted_and_recorded() {
    let h = start().await;
    let c = WebhookClient::new(&h.base, DEFAULT_WEBHOOK_KEY, h.http.clone());
    let png = STANDARD.decode(PNG_1X1).unwrap();
    let messages = [
        WebhookMessage::Text { content: "今日好价".into(), mentioned_list: vec!["@all".into()] },
        WebhookMessage::Markdown { content: "**券后 <font color=\"warning\">29.9</font> 元**".into() },
        WebhookMessage::Image { bytes: png.clone() },
        WebhookMessage::News {
            articles: vec![Article {
                title: "加厚抽纸24包".into(),
                description: "券后 29.9 元".into(),
                url: "https://u.jd.com/Vx3Lp8W".into(),
                picurl: "https://example.com/p.jpg".into(),
            }],
        },
    ];
    for m in &messages {
        c.post(m).await.unwrap();
    }
    let got = h.sim.received();
    let types: Vec<&str> = got.iter().map(|r| r.msgtype.as_str()).collect();
    assert_eq!(types, ["text", "markdown", "image", "news"]);
    assert_eq!(got[2].image.as_deref(), Some(png.as_slice()));
    assert_eq!(got[2].body["image"]["md5"], "9d3f217f6cfaad7f9d3786af47422d59");
    assert!(h.sim.refusals().is_empty());
}

#[tokio::test]
async fn a_wrong_key_a_wrong_md5_and_a_non_image_are_refused_with_their_codes() {
    let h = start().await;
    let wrong = WebhookClient::new(&h.base, "not-the-key", h.http.clone());
    let err = wrong.post(&WebhookMessage::Markdown { content: "x".into() }).await.unwrap_err();
    assert!(matches!(err, SendError::Refused { code: 93000, .. }), "{err:?}");
    let url = format!("{}/cgi-bin/webhook/send?key={DEFAULT_WEBHOOK_KEY}", h.base);
    let errcode = |body: Value| {
        let (http, url) = (h.http.clone(), url.clone());
        async move { http.post(url).json(&body).send().await.unwrap().json::<Value>().await.unwrap()["errcode"].clone() }
    };
    let bad_md5 = json!({"msgtype": "image", "image": {"base64": PNG_1X1, "md5": "00000000000000000000000000000000"}});
    assert_eq!(errcode(bad_md5).await, 301019);
    let gif = STANDARD.encode(b"GIF89a....");
    let md5 = "82907faeed08d4df7f3a446757096b0b";
    assert_eq!(errcode(json!({"msgtype": "image", "image": {"base64": gif, "md5": md5}})).await, 40009);
    let long = json!({"msgtype": "text", "text": {"content": "x".repeat(2049)}});
    assert_eq!(errcode(long).await, 45002);
    assert_eq!(errcode(json!({"msgtype": "voice", "voice": {}})).await, 40008);
    assert!(h.sim.received().is_empty());
}

#[tokio::test]
async fn beyond_the_limit_the_sim_answers_45009_which_is_retryable() {
    let h = start().await;
    h.sim.set_rate_limit(3, Duration::from_secs(60));
    let c = WebhookClient::new(&h.base, DEFAULT_WEBHOOK_KEY, h.http.clone());
    let m = WebhookMessage::Text { content: "hi".into(), mentioned_list: vec![] };
    for _ in 0..3 {
        c.post(&m).await.unwrap();
    }
    let err = c.post(&m).await.unwrap_err();
    assert!(matches!(err, SendError::Rejected { ret: 45009, .. }), "{err:?}");
    assert_eq!(err.retry(), crate::chat::SendRetry::Retry);
    assert_eq!(h.sim.received().len(), 3);
}

#[tokio::test]
async fn a_response_url_takes_replies_for_its_chat_and_refuses_unknown_ids() {
    let h = start().await;
    let c = crate::chat::wecom::AibotClient::new(h.http.clone());
    let m = WebhookMessage::Markdown { content: "券后 29.9 元".into() };
    let err = c.reply(&format!("{}/aibot/response/nope", h.base), &m).await.unwrap_err();
    assert!(matches!(err, SendError::Refused { code: 40014, .. }), "{err:?}");
    lock(&h.sim.state)
        .slots
        .insert("s1".into(), ResponseSlot { chatid: "CHAT1".into(), expires: Instant::now() + RESPONSE_URL_TTL });
    c.reply(&format!("{}/aibot/response/s1", h.base), &m).await.unwrap();
    let got = h.sim.received();
    assert_eq!(got[0].to, "response:CHAT1");
}
