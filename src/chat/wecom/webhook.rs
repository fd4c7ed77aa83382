//! The WeCom group robot webhook (chat-gateways spec §2): `POST {base}/cgi-bin/webhook/send?key=KEY`.
//! The key is the only credential; it never appears in logs or errors.

use crate::chat::{SendError, SendReceipt};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use std::time::Duration;

/// Text content limit in UTF-8 bytes.
pub const TEXT_MAX_BYTES: usize = 2048;
/// Markdown content limit in UTF-8 bytes.
pub const MARKDOWN_MAX_BYTES: usize = 4096;
/// Image limit before base64.
pub const IMAGE_MAX_BYTES: usize = 2 * 1024 * 1024;
/// News: 1–8 articles, title ≤ 128 bytes, description ≤ 512 bytes.
pub const NEWS_MAX_ARTICLES: usize = 8;
pub const NEWS_TITLE_MAX_BYTES: usize = 128;
pub const NEWS_DESC_MAX_BYTES: usize = 512;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: String,
    pub description: String,
    pub url: String,
    pub picurl: String,
}

/// One webhook message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookMessage {
    /// `mentioned_list`: userids or `@all`.
    Text {
        content: String,
        mentioned_list: Vec<String>,
    },
    Markdown {
        content: String,
    },
    /// JPG or PNG bytes, at most 2 MB.
    Image {
        bytes: Vec<u8>,
    },
    News {
        articles: Vec<Article>,
    },
}

impl WebhookMessage {
    /// The wire body. Text longer than the limits is cut at a character boundary; an image over 2 MB or a news
    /// message without articles is refused.
    pub fn to_json(&self) -> Result<Value, SendError> {
        Ok(match self {
            WebhookMessage::Text { content, mentioned_list } => json!({
                "msgtype": "text",
                "text": {"content": cut(content, TEXT_MAX_BYTES), "mentioned_list": mentioned_list},
            }),
            WebhookMessage::Markdown { content } => {
                json!({"msgtype": "markdown", "markdown": {"content": cut(content, MARKDOWN_MAX_BYTES)}})
            }
            WebhookMessage::Image { bytes } => {
                if bytes.len() > IMAGE_MAX_BYTES {
                    return Err(refused(format!("image of {} bytes is over the 2 MB limit", bytes.len())));
                }
                if !(bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.starts_with(b"\x89PNG\r\n\x1a\n")) {
                    return Err(refused("image is neither JPG nor PNG".into()));
                }
                json!({"msgtype": "image", "image": {"base64": B64.encode(bytes), "md5": super::md5_hex(bytes)}})
            }
            WebhookMessage::News { articles } => {
                if articles.is_empty() {
                    return Err(refused("news without articles".into()));
                }
                let articles: Vec<Value> = articles
                    .iter()
                    .take(NEWS_MAX_ARTICLES)
                    .map(|a| {
                        json!({
                            "title": cut(&a.title, NEWS_TITLE_MAX_BYTES),
                            "description": cut(&a.description, NEWS_DESC_MAX_BYTES),
                            "url": a.url,
                            "picurl": a.picurl,
                        })
                    })
                    .collect();
                json!({"msgtype": "news", "news": {"articles": articles}})
            }
        })
    }
}

fn refused(msg: String) -> SendError {
    SendError::Refused { code: -1, msg }
}

/// The longest prefix of `s` within `max` bytes, ending on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Sends through one group robot.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
}

impl WebhookClient {
    /// `base_url` is `https://qyapi.weixin.qq.com` (or a simulator); `key` is the robot's webhook key.
    pub fn new(base_url: &str, key: &str, http: reqwest::Client) -> Self {
        let mut url = format!("{}/cgi-bin/webhook/send?key=", base_url.trim_end_matches('/'));
        url.extend(percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC));
        WebhookClient { http, url, timeout: DEFAULT_TIMEOUT }
    }

    pub async fn post(&self, msg: &WebhookMessage) -> Result<SendReceipt, SendError> {
        super::post_json(&self.http, &self.url, &msg.to_json()?, self.timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1_B64: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC";

    #[test]
    fn the_spec_image_vector_gives_its_base64_and_md5() {
        let bytes = B64.decode(PNG_1X1_B64).unwrap();
        assert_eq!(bytes.len(), 69);
        let body = WebhookMessage::Image { bytes }.to_json().unwrap();
        assert_eq!(body["image"]["base64"], PNG_1X1_B64);
        assert_eq!(body["image"]["md5"], "9d3f217f6cfaad7f9d3786af47422d59");
    }

    #[test]
    fn an_image_over_2_mb_or_not_an_image_is_refused_for_good() {
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(IMAGE_MAX_BYTES + 1, 0);
        let err = WebhookMessage::Image { bytes: big }.to_json().unwrap_err();
        assert_eq!(err.retry(), crate::chat::SendRetry::Permanent);
        assert!(WebhookMessage::Image { bytes: b"GIF89a".to_vec() }.to_json().is_err());
    }

    #[test]
    fn text_is_cut_to_2048_bytes_on_a_character_boundary() {
        let body = WebhookMessage::Text { content: "券".repeat(1000), mentioned_list: vec![] }.to_json().unwrap();
        let content = body["text"]["content"].as_str().unwrap();
        assert_eq!(content.len(), 2046);
        assert_eq!(content.chars().count(), 682);
    }

    #[test]
    fn the_key_is_percent_encoded_into_the_url() {
        let c = WebhookClient::new("http://sim/", "a b&c", reqwest::Client::new());
        assert_eq!(c.url, "http://sim/cgi-bin/webhook/send?key=a%20b%26c");
    }
}
