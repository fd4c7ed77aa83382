//! WeCom (企业微信), the second gateway (chat-gateways spec §2–4):
//!
//! - [`WebhookClient`]: the group robot webhook, send-only (text, markdown, image as base64 + md5, news).
//! - [`WecomCrypto`]: the callback crypto shared by apps and the 智能机器人 (signatures, AES-256-CBC, 32-byte pad).
//! - [`aibot`]: the 智能机器人 callback (URL verification, encrypted JSON messages) and its replies through the
//!   message's `response_url`; [`stream`]: the stream reply that answers a message and its refresh callbacks.

pub mod aibot;
mod crypto;
pub mod stream;
mod webhook;

pub use aibot::AibotClient;
pub use crypto::{CryptoError, WecomCrypto};
pub use stream::StreamBook;
pub use webhook::{Article, WebhookClient, WebhookMessage};

/// The `Encrypt` value of an app callback body (`<xml><ToUserName/><Encrypt/>[<AgentID/>]</xml>`).
pub fn app_encrypt_field(body: &str) -> Option<String> {
    let start = body.find("<Encrypt>")? + "<Encrypt>".len();
    let end = start + body[start..].find("</Encrypt>")?;
    let inner = body[start..end].trim();
    let inner = inner.strip_prefix("<![CDATA[").and_then(|s| s.strip_suffix("]]>")).unwrap_or(inner);
    Some(inner.to_string())
}

/// Lowercase hex MD5 of the raw bytes (the webhook's `image.md5`).
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(bytes))
}

/// The WeCom answer envelope `{"errcode":0,"errmsg":"ok"}`.
#[derive(Debug, serde::Deserialize)]
struct Answer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Over the per-robot limit ("api freq out of limit") **[UNVERIFIED code]**.
pub const ERR_FREQ_LIMIT: i64 = 45009;

/// POSTs a JSON body with a timeout and reads the errcode envelope.
async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    timeout: std::time::Duration,
) -> Result<crate::chat::SendReceipt, crate::chat::SendError> {
    use crate::chat::SendError;
    let resp = http.post(url).timeout(timeout).json(body).send().await.map_err(|e| {
        if e.is_timeout() { SendError::Timeout } else { SendError::Transport(e.without_url().to_string()) }
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(SendError::Http(status.as_u16()));
    }
    let raw = resp.text().await.map_err(|e| SendError::Transport(e.without_url().to_string()))?;
    let answer: Answer = serde_json::from_str(&raw).map_err(|e| SendError::Decode(e.to_string()))?;
    match answer.errcode {
        0 => Ok(crate::chat::SendReceipt { new_msg_id: None, raw }),
        ERR_FREQ_LIMIT => Err(SendError::Rejected { ret: ERR_FREQ_LIMIT, msg: answer.errmsg }),
        code => Err(SendError::Refused { code, msg: answer.errmsg }),
    }
}

/// A WeCom webhook robot posts into exactly one group: register it (room id = the robot's name) so the posting
/// engine and the dashboard can target it. Other robots are left alone.
pub async fn register_webhook_group(
    store: &crate::store::Store,
    robot_id: i64,
    robot: &crate::config::RobotSettings,
    now: i64,
) -> Result<(), crate::store::StoreError> {
    if robot.gateway != crate::config::GatewayKind::WecomWebhook {
        return Ok(());
    }
    let group = store.ensure_group(robot_id, &robot.name, true, now).await?;
    let name = if robot.group_name.is_empty() { robot.name.as_str() } else { robot.group_name.as_str() };
    if group.name != name {
        store.set_group_name(group.id, name, now).await?;
    }
    Ok(())
}
