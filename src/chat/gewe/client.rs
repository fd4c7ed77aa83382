//! The GeWe REST client (chat-gateways spec §1.9): every call is a JSON `POST` with the token header, and it
//! succeeded iff the answer's `ret` is 200.

use super::parse::MsgId;
use crate::chat::{MemberRef, Outbound, OutboundBody, SendError, SendReceipt};
use crate::config::RobotSettings;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::time::{Duration, Instant};

/// Per-call timeout unless [`GeweClient::with_timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// The gateway's success code.
const RET_OK: i64 = 200;

/// Sends through a GeWe gateway.
#[derive(Clone)]
pub struct GeweClient {
    http: reqwest::Client,
    base_url: String,
    token_header: String,
    token: String,
    app_id: String,
    timeout: Duration,
}

impl GeweClient {
    pub fn new(robot: &RobotSettings, http: reqwest::Client) -> Self {
        GeweClient {
            http,
            base_url: robot.base_url.trim_end_matches('/').to_string(),
            token_header: robot.token_header.clone(),
            token: robot.token.expose().to_string(),
            app_id: robot.app_id.clone(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the timeout of every call (default 15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends one outbound message (postText / postImage / postLink).
    pub async fn send(&self, msg: &Outbound) -> Result<SendReceipt, SendError> {
        let to = msg.conversation_id.as_str();
        let (route, body) = match &msg.body {
            OutboundBody::Text { content, ats } => (
                "/message/postText",
                json!({"appId": self.app_id, "toWxid": to, "content": content, "ats": ats.join(",")}),
            ),
            OutboundBody::Image { url } => {
                ("/message/postImage", json!({"appId": self.app_id, "toWxid": to, "imgUrl": url}))
            }
            OutboundBody::Link { title, desc, url, thumb_url } => (
                "/message/postLink",
                json!({
                    "appId": self.app_id, "toWxid": to, "title": title, "desc": desc,
                    "linkUrl": url, "thumbUrl": thumb_url,
                }),
            ),
        };
        let (data, raw) = self.call::<SendData>(route, &body).await?;
        let new_msg_id = match data {
            Some(SendData::Receipt { new_msg_id }) => new_msg_id.map(|id| id.0).filter(|id| id != "0"),
            Some(SendData::Unexpected(_)) | None => None,
        };
        Ok(SendReceipt { new_msg_id, raw })
    }

    /// `/login/checkOnline`: whether the account is logged in.
    pub async fn check_online(&self) -> Result<bool, SendError> {
        let (data, _) = self.call::<bool>("/login/checkOnline", &json!({"appId": self.app_id})).await?;
        Ok(data.unwrap_or(false))
    }

    /// `/login/reconnection`: asks the gateway to restore the long connection after an `Offline` callback.
    pub async fn reconnect(&self) -> Result<(), SendError> {
        self.call::<serde::de::IgnoredAny>("/login/reconnection", &json!({"appId": self.app_id})).await.map(|_| ())
    }

    /// `/group/getChatroomMemberList`: the room's members with the name shown in the group (group nickname, else
    /// WeChat nickname), for writing `@昵称` into a text that mentions them.
    pub async fn chatroom_members(&self, room: &str) -> Result<Vec<MemberRef>, SendError> {
        let body = json!({"appId": self.app_id, "chatroomId": room});
        let (data, _) = self.call::<MemberListData>("/group/getChatroomMemberList", &body).await?;
        let members = data.map(|d| d.member_list).unwrap_or_default();
        Ok(members
            .into_iter()
            .filter(|m| !m.wxid.is_empty())
            .map(|m| {
                let nickname = [m.display_name, m.nick_name].into_iter().flatten().find(|n| !n.trim().is_empty());
                MemberRef { wxid: m.wxid, nickname }
            })
            .collect())
    }

    /// One call: returns the decoded `data` (absent or `null` → `None`) and the raw response body.
    async fn call<T: DeserializeOwned>(
        &self,
        route: &str,
        body: &serde_json::Value,
    ) -> Result<(Option<T>, String), SendError> {
        let started = Instant::now();
        let result = self.call_inner(route, body).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::debug!(gateway = "gewe", route, elapsed_ms, "gateway call succeeded"),
            Err(e) => tracing::warn!(gateway = "gewe", route, elapsed_ms, error = %e, "gateway call failed"),
        }
        result
    }

    async fn call_inner<T: DeserializeOwned>(
        &self,
        route: &str,
        body: &serde_json::Value,
    ) -> Result<(Option<T>, String), SendError> {
        let response = self
            .http
            .post(format!("{}{route}", self.base_url))
            .header(self.token_header.as_str(), self.token.as_str())
            .json(body)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(SendError::Http(status.as_u16()));
        }
        let raw = response.text().await.map_err(transport_error)?;
        let head: Head = serde_json::from_str(&raw).map_err(|e| SendError::Decode(e.to_string()))?;
        if head.ret != RET_OK {
            let msg = head.msg.unwrap_or_default();
            // Gateways echo the rejected token back in `msg`; keep it out of errors and logs.
            let msg = if self.token.is_empty() { msg } else { msg.replace(&self.token, "[redacted]") };
            return Err(SendError::Rejected { ret: head.ret, msg });
        }
        let envelope: Envelope<T> = serde_json::from_str(&raw).map_err(|e| SendError::Decode(e.to_string()))?;
        Ok((envelope.data, raw))
    }
}

fn transport_error(e: reqwest::Error) -> SendError {
    if e.is_timeout() { SendError::Timeout } else { SendError::Transport(e.without_url().to_string()) }
}

#[derive(Deserialize)]
struct Head {
    ret: i64,
    #[serde(default)]
    msg: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

/// A send's `data`. The message went out once `ret` is 200, so a `data` of an unexpected shape only loses the
/// receipt id; it must not turn the send into a (retried) failure.
#[derive(Deserialize)]
#[serde(untagged)]
enum SendData {
    Receipt {
        #[serde(rename = "newMsgId", default)]
        new_msg_id: Option<MsgId>,
    },
    Unexpected(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct MemberListData {
    #[serde(rename = "memberList", default)]
    member_list: Vec<Member>,
}

#[derive(Deserialize)]
struct Member {
    #[serde(default)]
    wxid: String,
    #[serde(rename = "nickName", default)]
    nick_name: Option<String>,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
}
