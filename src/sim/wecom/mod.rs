//! The simulated WeCom: the group robot webhook (chat-gateways spec §2) and the 智能机器人 (§3–4).
//!
//! Webhook: `POST /cgi-bin/webhook/send?key=KEY` checks the key, the body of each `msgtype` with its byte limits,
//! the image's md5 (of the raw bytes), size (≤ 2 MB) and format (JPG/PNG), and the per-robot rate limit
//! (`limit` messages per `window`, 20 a minute by default) answering `45009` beyond it.
//!
//! 智能机器人: [`WecomSim::say`] plays a member who @s the bot: the plaintext JSON is encrypted and signed by the
//! simulator's own cipher and POSTed to the bot's callback; the bot replies through the message's `response_url`
//! (`POST /aibot/response/{id}`, one hour, bodies as the webhook's). [`WecomSim::verify_url`] runs the URL
//! verification and checks the answer byte for byte. Passive replies are decrypted and their signature checked.
//!
//! Streams (spec §4): when the bot answers a message with `{"msgtype":"stream","stream":{"id","finish":false}}`,
//! the simulator sends stream refresh callbacks (`msgtype` `stream` with that id) every `stream_refresh` until an
//! answer has `finish` true, then records the content (`to` = `stream:<chatid>`, msgtype `stream`) and each
//! `msg_item` image (checked like a webhook image). A stream still unfinished after six minutes is refused with
//! `846608` (stream update expired), an answer for another stream id or none at all with `846605`
//! **[third-party codes]**; content is bounded to 20480 bytes **[UNVERIFIED]**.

mod cipher;
mod limits;
mod playground;

pub use cipher::SimCipher;

use crate::sim::support::lock;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The webhook key the simulated group robot accepts.
pub const DEFAULT_WEBHOOK_KEY: &str = "sim-wecom-webhook-key-0001";
/// The simulated 智能机器人.
pub const DEFAULT_AIBOT_ID: &str = "aibot-sim-0001";
pub const DEFAULT_AIBOT_TOKEN: &str = "simWecomToken";
pub const DEFAULT_AIBOT_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
pub use crate::sim::text::DEFAULT_AIBOT_NAME;

const RESPONSE_URL_TTL: Duration = Duration::from_secs(3600);
/// WeCom refreshes a stream for six minutes at most.
const STREAM_LIMIT: Duration = Duration::from_secs(6 * 60);
const STREAM_CONTENT_MAX_BYTES: usize = 20_480;

/// One message a webhook key or a response_url accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The webhook key, or `response:<chatid>` for a 智能机器人 reply.
    pub to: String,
    pub msgtype: String,
    pub body: Value,
    /// The decoded image of an `image` message.
    pub image: Option<Vec<u8>>,
    pub at: Instant,
}

/// A webhook call the simulator refused, with the errcode it answered.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub errcode: i64,
    pub errmsg: String,
}

struct ResponseSlot {
    chatid: String,
    expires: Instant,
}

struct SimState {
    base_url: String,
    webhook_keys: Vec<String>,
    limit: usize,
    window: Duration,
    sent_at: HashMap<String, VecDeque<Instant>>,
    received: Vec<Received>,
    refusals: Vec<Refusal>,
    callback_url: Option<String>,
    aibot_token: String,
    aibot_key: String,
    slots: HashMap<String, ResponseSlot>,
    next_msg: u64,
    /// What the playground shows, in order.
    timeline: Vec<playground::Entry>,
    /// Pause between two stream refreshes, and how long a stream may stay unfinished.
    stream_refresh: Duration,
    stream_limit: Duration,
}

#[derive(Clone)]
pub struct WecomSim {
    state: Arc<Mutex<SimState>>,
    http: reqwest::Client,
}

impl WecomSim {
    /// `base_url`: where this simulator is mounted (e.g. `http://localhost:4010/wecom`), for response URLs.
    pub fn new(base_url: &str) -> WecomSim {
        let state = SimState {
            base_url: base_url.trim_end_matches('/').to_string(),
            webhook_keys: vec![DEFAULT_WEBHOOK_KEY.to_string()],
            limit: 20,
            window: Duration::from_secs(60),
            sent_at: HashMap::new(),
            received: Vec::new(),
            refusals: Vec::new(),
            callback_url: None,
            aibot_token: DEFAULT_AIBOT_TOKEN.to_string(),
            aibot_key: DEFAULT_AIBOT_AES_KEY.to_string(),
            slots: HashMap::new(),
            next_msg: 1,
            timeline: Vec::new(),
            stream_refresh: Duration::from_millis(300),
            stream_limit: STREAM_LIMIT,
        };
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        WecomSim { state: Arc::new(Mutex::new(state)), http }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/cgi-bin/webhook/send", post(webhook_send))
            .route("/aibot/response/{id}", post(response_url))
            .route("/aibot/say", post(say_route))
            .merge(playground::router())
            .with_state(self.clone())
    }

    /// The rate limit per webhook key (WeCom: 20 per minute).
    pub fn set_rate_limit(&self, limit: usize, window: Duration) {
        let mut s = lock(&self.state);
        s.limit = limit;
        s.window = window;
    }

    /// The pause between stream refreshes and how long a stream may stay unfinished (WeCom: six minutes).
    pub fn set_stream_timing(&self, refresh: Duration, limit: Duration) {
        let mut s = lock(&self.state);
        s.stream_refresh = refresh;
        s.stream_limit = limit;
    }

    /// Where the 智能机器人 posts its callbacks.
    pub fn set_callback_url(&self, url: &str) {
        lock(&self.state).callback_url = Some(url.to_string());
    }

    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    pub fn refusals(&self) -> Vec<Refusal> {
        lock(&self.state).refusals.clone()
    }

    fn cipher(&self) -> Result<SimCipher, String> {
        let s = lock(&self.state);
        SimCipher::new(&s.aibot_token, &s.aibot_key).ok_or_else(|| "bad EncodingAESKey".to_string())
    }

    fn callback_url(&self) -> Result<String, String> {
        lock(&self.state).callback_url.clone().ok_or_else(|| "no callback URL set".to_string())
    }

    /// URL verification as WeCom does it: a signed, encrypted echostr; the bot must answer the plaintext exactly.
    pub async fn verify_url(&self) -> Result<(), String> {
        let plain = format!("{}", rand::random_range(1_000_000_000_000_000_000u64..u64::MAX));
        let (_, echostr, query) = self.signed(plain.as_bytes())?;
        let mut query = query.to_vec();
        query.push(("echostr", echostr));
        let resp = self.http.get(self.callback_url()?).query(&query).send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() && body.as_ref() == plain.as_bytes() {
            Ok(())
        } else {
            Err(format!("verification answered {status}: {:?}", String::from_utf8_lossy(&body)))
        }
    }

    /// A member @s the bot in `chatid` (group) with `text`. Returns the bot's HTTP status and, when it answered
    /// with a passive reply, its decrypted plaintext. A stream reply is followed by refresh callbacks in a task of
    /// its own until it finishes.
    pub async fn say(&self, chatid: &str, userid: &str, text: &str) -> Result<(u16, Option<Value>), String> {
        let (msgid, response_id) = {
            let mut s = lock(&self.state);
            let n = s.next_msg;
            s.next_msg += 1;
            let id = format!("{:032x}", rand::random::<u128>());
            s.slots.insert(
                id.clone(),
                ResponseSlot { chatid: chatid.to_string(), expires: Instant::now() + RESPONSE_URL_TTL },
            );
            let seq = s.timeline.len() + 1;
            s.timeline.push(playground::Entry::member(seq, userid, text));
            (format!("SIMMSG{n:010}"), id)
        };
        let base = lock(&self.state).base_url.clone();
        let plain = json!({
            "msgid": msgid,
            "aibotid": DEFAULT_AIBOT_ID,
            "chatid": chatid,
            "chattype": "group",
            "from": {"userid": userid},
            "response_url": format!("{base}/aibot/response/{response_id}"),
            "msgtype": "text",
            "text": {"content": format!("@{DEFAULT_AIBOT_NAME} {text}")},
        });
        let (status, reply) = self.deliver(&plain).await?;
        if let Some(first) = reply.as_ref().filter(|r| r["msgtype"] == "stream") {
            let sim = self.clone();
            let (first, chatid, userid) = (first.clone(), chatid.to_string(), userid.to_string());
            tokio::spawn(async move { sim.follow_stream(first, &chatid, &userid).await });
        }
        Ok((status, reply))
    }

    /// Refreshes a stream until it finishes, within the limit, and records what it finished with.
    async fn follow_stream(&self, mut frame: Value, chatid: &str, userid: &str) {
        let Some(id) = frame["stream"]["id"].as_str().filter(|s| !s.is_empty()).map(str::to_string) else {
            self.note_refusal(846605, "stream reply without an id");
            return;
        };
        let started = Instant::now();
        loop {
            if frame["msgtype"] != "stream" || frame["stream"]["id"] != id.as_str() {
                self.note_refusal(846605, "invalid stream id");
                return;
            }
            let content = frame["stream"]["content"].as_str().unwrap_or_default();
            if content.len() > STREAM_CONTENT_MAX_BYTES {
                self.note_refusal(45002, "stream content size out of limit");
                return;
            }
            if frame["stream"]["finish"] == true {
                self.finish_stream(chatid, frame);
                return;
            }
            let (pause, limit) = {
                let s = lock(&self.state);
                (s.stream_refresh, s.stream_limit)
            };
            if started.elapsed() >= limit {
                self.note_refusal(846608, "stream update expired");
                return;
            }
            tokio::time::sleep(pause).await;
            let refresh = json!({
                "msgid": format!("SIMSTREAM{:016x}", rand::random::<u64>()),
                "aibotid": DEFAULT_AIBOT_ID,
                "chatid": chatid,
                "chattype": "group",
                "from": {"userid": userid},
                "msgtype": "stream",
                "stream": {"id": id},
            });
            frame = match self.deliver(&refresh).await {
                Ok((200, Some(reply))) => reply,
                Ok((status, _)) => {
                    self.note_refusal(846605, &format!("stream refresh answered {status} without a stream"));
                    return;
                }
                Err(e) => {
                    self.note_refusal(846605, &e);
                    return;
                }
            };
        }
    }

    /// Records a finished stream: its images (checked as webhook images), then its content.
    fn finish_stream(&self, chatid: &str, frame: Value) {
        let to = format!("stream:{chatid}");
        let mut accepted = Vec::new();
        for item in frame["stream"]["msg_item"].as_array().cloned().unwrap_or_default() {
            match limits::check_body(item.to_string().as_bytes()) {
                Ok(c) if c.msgtype == "image" => accepted.push(Received {
                    to: to.clone(),
                    msgtype: c.msgtype,
                    body: c.body,
                    image: c.image,
                    at: Instant::now(),
                }),
                Ok(_) => {
                    self.note_refusal(40008, "msg_item must be an image");
                    return;
                }
                Err((code, msg)) => {
                    self.note_refusal(code, &msg);
                    return;
                }
            }
        }
        let mut s = lock(&self.state);
        for r in accepted {
            s.accept(r);
        }
        s.accept(Received { to, msgtype: "stream".into(), body: frame, image: None, at: Instant::now() });
    }

    /// A user opens a chat with the bot (`enter_chat`); the bot may answer a welcome passively.
    pub async fn enter_chat(&self, userid: &str) -> Result<(u16, Option<Value>), String> {
        let plain = json!({
            "msgid": format!("SIMEVT{:016x}", rand::random::<u64>()),
            "aibotid": DEFAULT_AIBOT_ID,
            "chattype": "single",
            "from": {"userid": userid},
            "msgtype": "event",
            "create_time": crate::sim::support::wall_now(),
            "event": {"eventtype": "enter_chat"},
        });
        self.deliver(&plain).await
    }

    /// Encrypts `plain` for the bot; returns the cipher, the ciphertext and the signed query parameters.
    #[allow(clippy::type_complexity)]
    fn signed(&self, plain: &[u8]) -> Result<(SimCipher, String, [(&'static str, String); 3]), String> {
        let cipher = self.cipher()?;
        let encrypt = cipher.seal(plain, b"");
        let (ts, nonce) = stamp();
        let sig = cipher.sign(&ts, &nonce, &encrypt);
        Ok((cipher, encrypt, [("msg_signature", sig), ("timestamp", ts), ("nonce", nonce)]))
    }

    async fn deliver(&self, plain: &Value) -> Result<(u16, Option<Value>), String> {
        let (cipher, encrypt, query) = self.signed(plain.to_string().as_bytes())?;
        let resp = self
            .http
            .post(self.callback_url()?)
            .query(&query)
            .json(&json!({"encrypt": encrypt}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        if body.is_empty() || status != 200 {
            return Ok((status, None));
        }
        Ok((status, Some(open_passive_reply(&cipher, &body)?)))
    }
}

fn stamp() -> (String, String) {
    (crate::sim::support::wall_now().to_string(), format!("{}", rand::random_range(100_000_000u32..999_999_999)))
}

/// Checks a passive reply `{"encrypt","msgsignature","timestamp","nonce"}` and returns its plaintext JSON.
fn open_passive_reply(cipher: &SimCipher, body: &[u8]) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "passive reply is not JSON".to_string())?;
    let field = |k: &str| match &v[k] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let (Some(encrypt), Some(sig), Some(ts), Some(nonce)) =
        (field("encrypt"), field("msgsignature"), field("timestamp"), field("nonce"))
    else {
        return Err(format!("passive reply lacks a field: {v}"));
    };
    if cipher.sign(&ts, &nonce, &encrypt) != sig {
        return Err("passive reply signature is wrong".into());
    }
    let (msg, receive_id) = cipher.unseal(&encrypt).map_err(|e| format!("passive reply: {e}"))?;
    if !receive_id.is_empty() {
        return Err("passive reply receiveid must be empty".into());
    }
    serde_json::from_slice(&msg).map_err(|_| "passive reply plaintext is not JSON".into())
}

#[derive(Deserialize)]
struct KeyQuery {
    #[serde(default)]
    key: String,
}

fn answer(errcode: i64, errmsg: &str) -> Json<Value> {
    Json(json!({"errcode": errcode, "errmsg": errmsg}))
}

async fn webhook_send(State(sim): State<WecomSim>, Query(q): Query<KeyQuery>, body: Bytes) -> Json<Value> {
    if !lock(&sim.state).webhook_keys.contains(&q.key) {
        return sim.refuse(93000, "invalid webhook url");
    }
    let checked = match limits::check_body(&body) {
        Ok(c) => c,
        Err((code, msg)) => return sim.refuse(code, &msg),
    };
    let mut s = lock(&sim.state);
    let now = Instant::now();
    let (limit, window) = (s.limit, s.window);
    let times = s.sent_at.entry(q.key.clone()).or_default();
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
    if times.len() >= limit {
        drop(s);
        return sim.refuse(45009, "api freq out of limit");
    }
    times.push_back(now);
    s.accept(Received { to: q.key, msgtype: checked.msgtype, body: checked.body, image: checked.image, at: now });
    answer(0, "ok")
}

impl SimState {
    fn accept(&mut self, r: Received) {
        let seq = self.timeline.len() + 1;
        self.timeline.push(playground::Entry::bot(seq, &r, self.received.len()));
        self.received.push(r);
    }
}

impl WecomSim {
    fn refuse(&self, errcode: i64, errmsg: &str) -> Json<Value> {
        self.note_refusal(errcode, errmsg);
        answer(errcode, errmsg)
    }

    fn note_refusal(&self, errcode: i64, errmsg: &str) {
        lock(&self.state).refusals.push(Refusal { errcode, errmsg: errmsg.to_string() });
    }
}

async fn response_url(State(sim): State<WecomSim>, Path(id): Path<String>, body: Bytes) -> Json<Value> {
    let chatid = {
        let s = lock(&sim.state);
        match s.slots.get(&id) {
            Some(slot) if slot.expires > Instant::now() => slot.chatid.clone(),
            _ => {
                drop(s);
                return sim.refuse(40014, "invalid or expired response_url");
            }
        }
    };
    let checked = match limits::check_body(&body) {
        Ok(c) => c,
        Err((code, msg)) => return sim.refuse(code, &msg),
    };
    lock(&sim.state).accept(Received {
        to: format!("response:{chatid}"),
        msgtype: checked.msgtype,
        body: checked.body,
        image: checked.image,
        at: Instant::now(),
    });
    answer(0, "ok")
}

#[derive(Deserialize)]
struct SayBody {
    chatid: String,
    userid: String,
    text: String,
}

/// `POST /aibot/say {"chatid","userid","text"}`: the scriptable way to @ the bot (playground, demo).
async fn say_route(State(sim): State<WecomSim>, Json(b): Json<SayBody>) -> Json<Value> {
    match sim.say(&b.chatid, &b.userid, &b.text).await {
        Ok((status, reply)) => Json(json!({"ok": status == 200, "status": status, "passive_reply": reply})),
        Err(e) => Json(json!({"ok": false, "error": e})),
    }
}

#[cfg(test)]
mod tests;
