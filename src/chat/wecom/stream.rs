//! 智能机器人 stream replies (chat-gateways spec §4).
//!
//! The synchronous answer to a message callback opens a stream: `{"msgtype":"stream","stream":{"id","finish":false,
//! "content":""}}`. WeCom then sends stream refresh callbacks (`msgtype` `stream` with the stream id) and each is
//! answered with the stream's current content until `finish` is true, for at most six minutes. The engine's replies
//! reach the stream through the outbox like any send: [`StreamBook::append`] takes a send for the conversation's
//! open stream; a send with no open stream (finished or expired) goes through the message's `response_url`.
//!
//! Text and markdown become the stream's markdown content; images ride on the finishing frame as `msg_item`
//! (`{"msgtype":"image","image":{"base64","md5"}}`, JPG/PNG ≤ 2 MB) **[UNVERIFIED: msg_item on the final frame]**.
//! The book lives in this instance's memory: a refresh must reach the instance that opened the stream.

use super::WebhookMessage;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// WeCom refreshes a stream for at most six minutes.
pub const STREAM_LIFETIME_MS: i64 = 6 * 60 * 1000;
/// Stream content limit in UTF-8 bytes **[UNVERIFIED: 20480]**.
pub const STREAM_CONTENT_MAX_BYTES: usize = 20_480;
/// At most this many images on the finishing frame **[UNVERIFIED: 10]**.
pub const STREAM_MAX_IMAGES: usize = 10;
/// Streams kept per instance at most; the oldest go first.
const MAX_STREAMS: usize = 10_000;

struct Stream {
    robot_id: i64,
    conversation_id: String,
    /// The message the stream answers (`aibotid:msgid`).
    inbound_key: String,
    opened_at: i64,
    content: String,
    images: Vec<Vec<u8>>,
    finished: bool,
}

/// One answer to a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub id: String,
    pub finish: bool,
    pub content: String,
    pub images: Vec<Vec<u8>>,
}

impl Frame {
    /// The plaintext reply `{"msgtype":"stream","stream":{…}}`; images only on the finishing frame.
    pub fn to_json(&self) -> Value {
        let mut stream = json!({"id": self.id, "finish": self.finish, "content": self.content});
        if self.finish && !self.images.is_empty() {
            let items: Vec<Value> = self
                .images
                .iter()
                .map(|b| json!({"msgtype": "image", "image": {"base64": STANDARD.encode(b), "md5": super::md5_hex(b)}}))
                .collect();
            stream["msg_item"] = Value::Array(items);
        }
        json!({"msgtype": "stream", "stream": stream})
    }
}

/// The open streams of this instance, shared by the callback handler and the outbox senders.
#[derive(Clone, Default)]
pub struct StreamBook {
    streams: Arc<Mutex<HashMap<String, Stream>>>,
}

impl StreamBook {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Stream>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens the stream that answers message `inbound_key`; returns the first frame (empty, not finished).
    pub fn open(&self, robot_id: i64, conversation_id: &str, inbound_key: &str, now_ms: i64) -> Frame {
        let id = format!("{:032x}", rand::random::<u128>());
        let mut book = self.lock();
        book.retain(|_, s| now_ms - s.opened_at < STREAM_LIFETIME_MS);
        if book.len() >= MAX_STREAMS
            && let Some(oldest) = book.iter().min_by_key(|(_, s)| s.opened_at).map(|(k, _)| k.clone())
        {
            book.remove(&oldest);
        }
        book.insert(
            id.clone(),
            Stream {
                robot_id,
                conversation_id: conversation_id.to_string(),
                inbound_key: inbound_key.to_string(),
                opened_at: now_ms,
                content: String::new(),
                images: Vec::new(),
                finished: false,
            },
        );
        Frame { id, finish: false, content: String::new(), images: Vec::new() }
    }

    /// Puts a send into the newest open stream of the robot's conversation. False when there is none (or the send
    /// does not fit): the caller falls back to the `response_url`.
    pub fn append(&self, robot_id: i64, conversation_id: &str, msg: &WebhookMessage, now_ms: i64) -> bool {
        let mut book = self.lock();
        let Some(stream) = book
            .values_mut()
            .filter(|s| {
                s.robot_id == robot_id
                    && s.conversation_id == conversation_id
                    && !s.finished
                    && now_ms - s.opened_at < STREAM_LIFETIME_MS
            })
            .max_by_key(|s| s.opened_at)
        else {
            return false;
        };
        let text = match msg {
            WebhookMessage::Text { content, .. } | WebhookMessage::Markdown { content } => content.clone(),
            WebhookMessage::News { articles } => articles
                .iter()
                .map(|a| format!("[{}]({})\n{}", a.title, a.url, a.description))
                .collect::<Vec<_>>()
                .join("\n\n"),
            WebhookMessage::Image { bytes } => {
                if stream.images.len() >= STREAM_MAX_IMAGES {
                    return false;
                }
                stream.images.push(bytes.clone());
                return true;
            }
        };
        let sep = if stream.content.is_empty() { "" } else { "\n\n" };
        if stream.content.len() + sep.len() + text.len() > STREAM_CONTENT_MAX_BYTES {
            return false;
        }
        stream.content.push_str(sep);
        stream.content.push_str(&text);
        true
    }

    /// Forgets a stream whose message was not taken (a duplicate, a stale or skipped message).
    pub fn close(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The message a stream answers, with its robot: `(robot_id, inbound_key)`.
    pub fn answering(&self, id: &str) -> Option<(i64, String)> {
        self.lock().get(id).map(|s| (s.robot_id, s.inbound_key.clone()))
    }

    /// The frame answering a refresh of stream `id`; `settled` says the reply is complete, which finishes it.
    /// `None` for an unknown or expired stream.
    pub fn refresh(&self, id: &str, settled: bool, now_ms: i64) -> Option<Frame> {
        let mut book = self.lock();
        let stream = book.get_mut(id).filter(|s| now_ms - s.opened_at < STREAM_LIFETIME_MS)?;
        if settled {
            stream.finished = true;
        }
        Some(Frame {
            id: id.to_string(),
            finish: stream.finished,
            content: stream.content.clone(),
            images: if stream.finished { stream.images.clone() } else { Vec::new() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_fill_the_newest_open_stream_until_it_finishes() {
        let book = StreamBook::default();
        let first = book.open(1, "chat", "b:m1", 0);
        assert_eq!(first.to_json(), json!({"msgtype":"stream","stream":{"id":first.id,"finish":false,"content":""}}));
        assert!(!book.append(2, "chat", &WebhookMessage::Markdown { content: "x".into() }, 1), "another robot");
        assert!(book.append(1, "chat", &WebhookMessage::Image { bytes: vec![1, 2] }, 1));
        assert!(book.append(1, "chat", &WebhookMessage::Markdown { content: "链接".into() }, 1));
        let f = book.refresh(&first.id, false, 2).unwrap();
        assert_eq!((f.finish, f.content.as_str(), f.images.len()), (false, "链接", 0));
        assert_eq!(book.answering(&first.id), Some((1, "b:m1".to_string())));
        let f = book.refresh(&first.id, true, 3).unwrap();
        assert!(f.finish);
        let v = f.to_json();
        assert_eq!(v["stream"]["msg_item"][0]["image"]["md5"], super::super::md5_hex(&[1, 2]));
        assert!(!book.append(1, "chat", &WebhookMessage::Markdown { content: "later".into() }, 4), "finished");
    }

    #[test]
    fn a_stream_expires_after_six_minutes() {
        let book = StreamBook::default();
        let f = book.open(1, "chat", "k", 0);
        assert!(!book.append(1, "chat", &WebhookMessage::Markdown { content: "x".into() }, STREAM_LIFETIME_MS));
        assert_eq!(book.refresh(&f.id, false, STREAM_LIFETIME_MS), None);
    }

    #[test]
    fn content_is_bounded() {
        let book = StreamBook::default();
        book.open(1, "c", "k", 0);
        let big = "字".repeat(STREAM_CONTENT_MAX_BYTES / 3 + 1);
        assert!(!book.append(1, "c", &WebhookMessage::Markdown { content: big }, 1));
    }
}
