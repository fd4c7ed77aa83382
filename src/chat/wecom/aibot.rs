//! The WeCom 智能机器人 (AI bot) callback (chat-gateways spec §3.1 step 8 and §4).
//!
//! Inbound: `GET` URL verification (`echostr`) and `POST {"encrypt":"…"}` with a signed, encrypted JSON message.
//! Outbound: the passive reply to a callback is `{"encrypt","msgsignature","timestamp","nonce"}`; a message is
//! answered by a stream (see [`super::stream`]); replies that find no open stream are POSTed to the message's
//! `response_url`.

use super::{WebhookMessage, WecomCrypto};
use crate::chat::{ConversationKind, Inbound, InboundKind, SendError, SendReceipt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AibotError {
    #[error("callback body is not the `{{\"encrypt\":…}}` envelope")]
    Envelope,
    #[error("crypto: {0}")]
    Crypto(#[from] super::CryptoError),
    #[error("decrypted message is not valid JSON: {0}")]
    Json(String),
    #[error("message lacks `{0}`")]
    Missing(&'static str),
}

/// One decrypted callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AibotEvent {
    /// A chat message, normalized (spec §7.1 column "WeCom 智能机器人").
    Message(Box<Inbound>),
    /// `enter_chat`: the only case where a welcome text may be answered passively.
    EnterChat,
    /// A stream refresh: WeCom asks for the current content of the stream `id` (spec §4).
    StreamRefresh { aibotid: String, id: String },
    /// Other events: acknowledged, nothing to do.
    Other,
}

#[derive(Deserialize)]
struct Envelope {
    encrypt: String,
}

/// The `encrypt` value of a `POST` body.
pub fn envelope_encrypt(body: &[u8]) -> Result<String, AibotError> {
    serde_json::from_slice::<Envelope>(body).map(|e| e.encrypt).map_err(|_| AibotError::Envelope)
}

#[derive(Deserialize, Default)]
struct Sender {
    #[serde(default)]
    userid: String,
}

#[derive(Deserialize, Default)]
struct Text {
    #[serde(default)]
    content: String,
}

#[derive(Deserialize, Default)]
struct StreamRef {
    #[serde(default)]
    id: String,
}

#[derive(Deserialize, Default)]
struct Event {
    #[serde(default)]
    eventtype: String,
}

#[derive(Deserialize)]
struct Plain {
    #[serde(default)]
    msgid: String,
    #[serde(default)]
    aibotid: String,
    #[serde(default)]
    chatid: String,
    #[serde(default)]
    chattype: String,
    #[serde(default)]
    from: Sender,
    #[serde(default)]
    response_url: String,
    #[serde(default)]
    msgtype: String,
    #[serde(default)]
    text: Text,
    #[serde(default)]
    event: Event,
    #[serde(default)]
    stream: StreamRef,
}

/// Parses a decrypted callback. `bot_name` is the robot's display name: a leading `@<bot name>` is removed from
/// the text before recognition. `received_at` (unix seconds) is the message time (the callback carries none).
pub fn parse_plaintext(plain: &str, bot_name: &str, received_at: i64) -> Result<AibotEvent, AibotError> {
    let p: Plain = serde_json::from_str(plain).map_err(|e| AibotError::Json(e.to_string()))?;
    if p.msgtype == "event" {
        return Ok(if p.event.eventtype == "enter_chat" { AibotEvent::EnterChat } else { AibotEvent::Other });
    }
    if p.msgtype == "stream" {
        if p.stream.id.is_empty() {
            return Err(AibotError::Missing("stream.id"));
        }
        return Ok(AibotEvent::StreamRefresh { aibotid: p.aibotid, id: p.stream.id });
    }
    if p.msgid.is_empty() {
        return Err(AibotError::Missing("msgid"));
    }
    if p.aibotid.is_empty() {
        return Err(AibotError::Missing("aibotid"));
    }
    if p.from.userid.is_empty() {
        return Err(AibotError::Missing("from.userid"));
    }
    let group = p.chattype == "group";
    let conversation_id = if group && !p.chatid.is_empty() { p.chatid } else { p.from.userid.clone() };
    let (kind, raw_text) = match p.msgtype.as_str() {
        "text" => (InboundKind::Text, p.text.content),
        "image" => (InboundKind::Image, String::new()),
        other => (InboundKind::Other { code: other_code(other) }, String::new()),
    };
    let text = strip_bot_mention(&raw_text, bot_name).to_string();
    Ok(AibotEvent::Message(Box::new(Inbound {
        dedupe_key: format!("{}:{}", p.aibotid, p.msgid),
        account_id: p.aibotid.clone(),
        bot_id: p.aibotid,
        native_id: p.msgid,
        conversation_id,
        conversation: if group { ConversationKind::Group } else { ConversationKind::Direct },
        sender_id: Some(p.from.userid),
        sender_name: None,
        is_self: false,
        mentions: Vec::new(),
        // In groups the bot only receives messages that @ it.
        mentions_bot: true,
        mentions_all: false,
        kind,
        text,
        raw_text,
        created_at: received_at,
        ignorable: false,
        reply_handle: (!p.response_url.is_empty()).then_some(p.response_url),
    })))
}

/// A stable small code for message types without a kind of their own (voice, file, mixed …).
fn other_code(msgtype: &str) -> i64 {
    match msgtype {
        "voice" => 34,
        "file" => 6,
        "mixed" => 49,
        _ => 0,
    }
}

/// Removes a leading `@<bot name>` followed by whitespace (or ending the text), then trims.
pub fn strip_bot_mention<'a>(text: &'a str, bot_name: &str) -> &'a str {
    let t = text.trim_start();
    if !bot_name.is_empty()
        && let Some(rest) = t.strip_prefix('@').and_then(|r| r.strip_prefix(bot_name))
        && (rest.is_empty() || rest.starts_with(char::is_whitespace))
    {
        return rest.trim();
    }
    t.trim()
}

/// The encrypted passive reply `{"encrypt","msgsignature","timestamp","nonce"}` for a plaintext JSON reply.
/// The timestamp is sent as a number **[UNVERIFIED type]**.
pub fn passive_reply(crypto: &WecomCrypto, plaintext: &Value, timestamp: i64, nonce: &str) -> Value {
    let encrypt = crypto.encrypt(&plaintext.to_string());
    let msgsignature = crypto.signature(&timestamp.to_string(), nonce, &encrypt);
    json!({"encrypt": encrypt, "msgsignature": msgsignature, "timestamp": timestamp, "nonce": nonce})
}

/// The passive welcome for `enter_chat`.
pub fn welcome_text(content: &str) -> Value {
    json!({"msgtype": "text", "text": {"content": content}})
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Replies through a message's `response_url` (the body shapes of the webhook: markdown, image, news)
/// **[UNVERIFIED POST format]**.
#[derive(Clone)]
pub struct AibotClient {
    http: reqwest::Client,
    timeout: Duration,
}

impl AibotClient {
    pub fn new(http: reqwest::Client) -> Self {
        AibotClient { http, timeout: DEFAULT_TIMEOUT }
    }

    pub async fn reply(&self, response_url: &str, msg: &WebhookMessage) -> Result<SendReceipt, SendError> {
        let parsed = url::Url::parse(response_url)
            .map_err(|_| SendError::Refused { code: -1, msg: "response_url is not a URL".into() })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SendError::Refused { code: -1, msg: "response_url is not http(s)".into() });
        }
        super::post_json(&self.http, response_url, &msg.to_json()?, self.timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc's example message (path/100719).
    const DOC_EXAMPLE: &str = r#"{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"},"quote":{"msgtype":"text","text":{"content":"old"}}}"#;

    #[test]
    fn the_doc_example_normalizes_per_the_model() {
        let AibotEvent::Message(m) = parse_plaintext(DOC_EXAMPLE, "RobotA", 1_700_000_000).unwrap() else {
            panic!("not a message")
        };
        assert_eq!(m.dedupe_key, "AIBOTID:CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=");
        assert_eq!(m.account_id, "AIBOTID");
        assert_eq!(m.conversation_id, "CHATID");
        assert_eq!(m.conversation, ConversationKind::Group);
        assert_eq!(m.sender_id.as_deref(), Some("USERID"));
        assert_eq!(m.text, "hello robot");
        assert_eq!(m.raw_text, "@RobotA hello robot");
        assert!(m.mentions_bot);
        assert_eq!(m.reply_handle.as_deref(), Some("RESPONSEURL"));
        assert_eq!(m.created_at, 1_700_000_000);
    }

    #[test]
    fn a_direct_message_is_keyed_by_the_user() {
        let plain = r#"{"msgid":"m2","aibotid":"B","chattype":"single","from":{"userid":"u9"},"response_url":"http://r","msgtype":"text","text":{"content":"https://u.jd.com/Qm7Zt2K 这个多少"}}"#;
        let AibotEvent::Message(m) = parse_plaintext(plain, "RobotA", 1).unwrap() else { panic!("not a message") };
        assert_eq!(m.conversation, ConversationKind::Direct);
        assert_eq!(m.conversation_id, "u9");
    }

    #[test]
    fn events_and_bad_bodies() {
        let enter = r#"{"msgtype":"event","aibotid":"B","from":{"userid":"u"},"event":{"eventtype":"enter_chat"}}"#;
        assert_eq!(parse_plaintext(enter, "", 1).unwrap(), AibotEvent::EnterChat);
        assert!(matches!(parse_plaintext("{", "", 1), Err(AibotError::Json(_))));
        assert!(matches!(parse_plaintext(r#"{"msgtype":"text"}"#, "", 1), Err(AibotError::Missing("msgid"))));
        assert!(matches!(envelope_encrypt(b"<xml/>"), Err(AibotError::Envelope)));
        let refresh = r#"{"msgid":"m3","aibotid":"B","chattype":"group","from":{"userid":"u"},"msgtype":"stream","stream":{"id":"S1"}}"#;
        assert_eq!(
            parse_plaintext(refresh, "", 1).unwrap(),
            AibotEvent::StreamRefresh { aibotid: "B".into(), id: "S1".into() }
        );
        let no_id = r#"{"msgtype":"stream","stream":{}}"#;
        assert!(matches!(parse_plaintext(no_id, "", 1), Err(AibotError::Missing("stream.id"))));
    }

    #[test]
    fn only_a_leading_mention_of_the_bot_is_stripped() {
        assert_eq!(strip_bot_mention("@RobotA  查券 纸巾", "RobotA"), "查券 纸巾");
        assert_eq!(strip_bot_mention("@RobotAB hi", "RobotA"), "@RobotAB hi");
        assert_eq!(strip_bot_mention("hi @RobotA", "RobotA"), "hi @RobotA");
    }

    #[test]
    fn a_passive_reply_decrypts_to_the_plaintext_and_carries_a_valid_signature() {
        let c = WecomCrypto::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "").unwrap();
        let reply = passive_reply(&c, &welcome_text("欢迎"), 1409659813, "n1");
        let enc = reply["encrypt"].as_str().unwrap();
        c.verify(reply["msgsignature"].as_str().unwrap(), "1409659813", "n1", enc).unwrap();
        let back: Value = serde_json::from_str(&c.decrypt(enc).unwrap()).unwrap();
        assert_eq!(back["text"]["content"], "欢迎");
    }
}
