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
/// `fetchContactsList` answers slowly on large address books (spec: use ≥ 30 s).
const CONTACTS_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends through a GeWe gateway.
#[derive(Clone)]
pub struct GeweClient {
    http: reqwest::Client,
    base_url: String,
    token_header: String,
    token: String,
    app_id: String,
    /// Where `downloadImage`'s relative `fileUrl`s live (`http://<host>:2532/download`).
    download_base_url: String,
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
            download_base_url: robot.download_base_url.trim_end_matches('/').to_string(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The device (`appId`) the client speaks for.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Sets the timeout of every call (default 15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends one outbound message (postText / postImage / postLink), or accepts a friend request (addContacts).
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
            // gewe-account spec §5.2: option 3 accepts, with the request's scene and tickets.
            OutboundBody::AcceptFriend { v3, v4, scene } => (
                "/contacts/addContacts",
                json!({"appId": self.app_id, "scene": scene, "option": 3, "v3": v3, "v4": v4, "content": ""}),
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

    /// `/login/getLoginQrCode` (gateway-account spec §3.2): a QR to scan for logging in on device `app_id`, or on a
    /// new device when `app_id` is empty (never for an account that already has one: the gateway's risk control
    /// punishes new devices).
    pub async fn login_qr(&self, app_id: &str) -> Result<LoginQr, SendError> {
        let (data, _) = self.call::<LoginQrData>("/login/getLoginQrCode", &json!({"appId": app_id})).await?;
        let data = data.ok_or_else(|| SendError::Decode("getLoginQrCode without data".into()))?;
        if data.app_id.trim().is_empty() || data.uuid.trim().is_empty() || data.qr_data.trim().is_empty() {
            return Err(SendError::Decode("getLoginQrCode without appId, uuid or qrData".into()));
        }
        Ok(LoginQr { app_id: data.app_id, uuid: data.uuid, qr_data: data.qr_data })
    }

    /// `/login/checkLogin` (spec §3.3): what became of the QR `uuid` shown for device `app_id`.
    pub async fn check_login(&self, app_id: &str, uuid: &str) -> Result<LoginCheck, SendError> {
        let body = json!({"appId": app_id, "uuid": uuid});
        let (data, raw) = self.call::<serde_json::Value>("/login/checkLogin", &body).await?;
        let data = data.unwrap_or_default();
        let Some(status) = data.get("status").and_then(serde_json::Value::as_i64) else {
            // A verification page or prompt instead of the status object: shown to the operator as it is.
            return Ok(LoginCheck::Verify(raw.chars().take(500).collect()));
        };
        let text = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_str).unwrap_or("").to_string();
        let expires_in = data.get("expiredTime").and_then(serde_json::Value::as_u64);
        let info = data.get("loginInfo").filter(|i| i.is_object());
        Ok(match (status, info, expires_in) {
            (2, Some(info), _) => {
                let wxid = text(info.get("wxid"));
                if wxid.is_empty() {
                    return Err(SendError::Decode("checkLogin: loginInfo without wxid".into()));
                }
                LoginCheck::LoggedIn { wxid, nickname: text(info.get("nickName")) }
            }
            (4, _, _) => LoginCheck::Cancelled,
            (_, _, None) | (_, _, Some(0)) => LoginCheck::Expired,
            (1, _, Some(left)) => LoginCheck::Scanned { nickname: text(data.get("nickName")), expires_in: left },
            (_, _, Some(left)) => LoginCheck::Waiting { expires_in: left },
        })
    }

    /// `/tools/setCallback` (spec §2): where the gateway posts the account's messages.
    pub async fn set_callback(&self, callback_url: &str) -> Result<(), SendError> {
        let body = json!({"token": self.token, "callbackUrl": callback_url});
        self.call::<serde::de::IgnoredAny>("/tools/setCallback", &body).await.map(|_| ())
    }

    /// `/login/logout`: logs the account out; the device id stays for the next login.
    pub async fn logout(&self) -> Result<(), SendError> {
        self.call::<serde::de::IgnoredAny>("/login/logout", &json!({"appId": self.app_id})).await.map(|_| ())
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

    /// `/contacts/fetchContactsList`: the groups saved to the account's contacts (gateway-account spec §4.1). The
    /// route is slow on large address books, so it gets a long timeout of its own.
    pub async fn saved_chatrooms(&self) -> Result<Vec<String>, SendError> {
        let slow = self.clone().with_timeout(self.timeout.max(CONTACTS_TIMEOUT));
        let (data, _) =
            slow.call::<ContactsData>("/contacts/fetchContactsList", &json!({"appId": self.app_id})).await?;
        Ok(data
            .and_then(|d| d.chatrooms)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.ends_with("@chatroom"))
            .collect())
    }

    /// The picture of an inbound image message: `/message/downloadImage` with the message's CDN XML (type 2, the
    /// normal size) names the file, relative to the download base (spec §1.9), which is then fetched; at most
    /// `max_bytes`, else [`SendError::Decode`].
    pub async fn download_image(&self, xml: &str, max_bytes: usize) -> Result<Vec<u8>, SendError> {
        let body = json!({"appId": self.app_id, "xml": xml, "type": 2});
        let (data, _) = self.call::<DownloadData>("/message/downloadImage", &body).await?;
        let file = data.map(|d| d.file_url).filter(|f| !f.trim().is_empty());
        let file = file.ok_or_else(|| SendError::Decode("downloadImage: no fileUrl".into()))?;
        let url = if file.starts_with("http://") || file.starts_with("https://") {
            file
        } else {
            format!("{}/{}", self.download_base_url, file.trim_start_matches('/'))
        };
        let mut response = self
            .http
            .get(&url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(transport_error)?
            .error_for_status()
            .map_err(|e| e.status().map_or_else(|| transport_error(e), |s| SendError::Http(s.as_u16())))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(SendError::Decode(format!("downloaded image larger than {max_bytes} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// `/group/getChatroomInfo`: the group's name and members with their names in it (spec §4.3–4.4).
    pub async fn chatroom_info(&self, room: &str) -> Result<ChatroomInfo, SendError> {
        let body = json!({"appId": self.app_id, "chatroomId": room});
        let (data, _) = self.call::<ChatroomInfoData>("/group/getChatroomInfo", &body).await?;
        let data = data.unwrap_or_default();
        let members = data
            .member_list
            .unwrap_or_default()
            .into_iter()
            .filter(|m| !m.wxid.is_empty())
            .map(|m| {
                let nickname = m.nick_name.unwrap_or_default();
                let display_name = m.display_name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| nickname.clone());
                ChatroomMember { wxid: m.wxid, nickname, display_name }
            })
            .collect();
        Ok(ChatroomInfo { name: data.nick_name.unwrap_or_default(), members })
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
            // The error text: `data.msg` when present (spec §1), else `msg`.
            let detail = head.data.as_ref().and_then(|d| d.get("msg")).and_then(serde_json::Value::as_str);
            let msg = detail.filter(|m| !m.trim().is_empty()).map(str::to_string).or(head.msg).unwrap_or_default();
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
    #[serde(default)]
    data: Option<serde_json::Value>,
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
struct DownloadData {
    #[serde(rename = "fileUrl", default)]
    file_url: String,
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

#[derive(Deserialize)]
struct LoginQrData {
    #[serde(rename = "appId", default)]
    app_id: String,
    #[serde(default)]
    uuid: String,
    #[serde(rename = "qrData", default)]
    qr_data: String,
}

/// A login QR shown by the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginQr {
    /// The device the login is for (new or the one asked for): stored at once.
    pub app_id: String,
    /// The QR session polled with `checkLogin`.
    pub uuid: String,
    /// The payload to draw as a QR code.
    pub qr_data: String,
}

/// What `checkLogin` says of a login QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginCheck {
    /// Not scanned yet; the QR lives `expires_in` more seconds.
    Waiting {
        expires_in: u64,
    },
    /// `nickname` scanned it and must confirm on the phone.
    Scanned {
        nickname: String,
        expires_in: u64,
    },
    LoggedIn {
        wxid: String,
        nickname: String,
    },
    /// The QR is gone (no `expiredTime`): a new one is needed, for the same device.
    Expired,
    /// Cancelled on the phone.
    Cancelled,
    /// The gateway asks for a verification (a page or digits on the phone): its answer, shown as it is.
    Verify(String),
}

/// A group as `getChatroomInfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatroomInfo {
    /// The group name (empty for an unnamed group).
    pub name: String,
    pub members: Vec<ChatroomMember>,
}

/// A group member: nickname, and the name shown in the group (群昵称, else the nickname).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatroomMember {
    pub wxid: String,
    pub nickname: String,
    pub display_name: String,
}

#[derive(Deserialize)]
struct ContactsData {
    #[serde(default)]
    chatrooms: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct ChatroomInfoData {
    #[serde(rename = "nickName", default)]
    nick_name: Option<String>,
    #[serde(rename = "memberList", default)]
    member_list: Option<Vec<Member>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use std::sync::{Arc, Mutex};

    /// A gateway that answers every call with `status` and `body`, recording the request headers and body.
    async fn fake_gateway(status: u16, body: &'static str) -> (String, Arc<Mutex<Vec<(HeaderMap, String)>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let router = Router::new().fallback(post(move |headers: HeaderMap, req: String| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push((headers, req));
                (StatusCode::from_u16(status).unwrap(), body)
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (format!("http://{addr}/v2/api/"), seen)
    }

    fn client(base: &str) -> GeweClient {
        let robot = RobotSettings {
            base_url: base.into(),
            token: Secret::new("tok-123"),
            token_header: "VideosApi-token".into(),
            app_id: "wx_app".into(),
            ..RobotSettings::default()
        };
        GeweClient::new(&robot, reqwest::Client::builder().no_proxy().build().unwrap())
    }

    fn text() -> Outbound {
        Outbound {
            conversation_id: "1@chatroom".into(),
            body: OutboundBody::Text {
                content: "@阿明 @小红 hi".into(), ats: vec!["wxid_a".into(), "wxid_b".into()]
            },
        }
    }

    #[tokio::test]
    async fn post_text_wire_format_and_big_receipt_id() {
        let (base, seen) =
            fake_gateway(200, r#"{"ret":200,"msg":"操作成功","data":{"newMsgId":7012345678901239999,"type":null}}"#)
                .await;
        let receipt = client(&base).send(&text()).await.unwrap();
        assert_eq!(receipt.new_msg_id.as_deref(), Some("7012345678901239999"));
        let seen = seen.lock().unwrap();
        let (headers, body) = &seen[0];
        assert_eq!(headers["VideosApi-token"], "tok-123", "the configured header name carries the token");
        assert_eq!(headers["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            json!({"appId": "wx_app", "toWxid": "1@chatroom", "content": "@阿明 @小红 hi", "ats": "wxid_a,wxid_b"})
        );
    }

    #[tokio::test]
    async fn image_and_link_bodies() {
        let (base, seen) = fake_gateway(200, r#"{"ret":200,"msg":"ok","data":{"newMsgId":"12"}}"#).await;
        let c = client(&base);
        let image = Outbound {
            conversation_id: "r@chatroom".into(),
            body: OutboundBody::Image { url: "http://m/1.jpg".into() },
        };
        assert_eq!(c.send(&image).await.unwrap().new_msg_id.as_deref(), Some("12"));
        let link = Outbound {
            conversation_id: "r@chatroom".into(),
            body: OutboundBody::Link {
                title: "t".into(),
                desc: "d".into(),
                url: "https://u".into(),
                thumb_url: "https://p".into(),
            },
        };
        c.send(&link).await.unwrap();
        let seen = seen.lock().unwrap();
        let bodies: Vec<serde_json::Value> = seen.iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
        assert_eq!(bodies[0], json!({"appId": "wx_app", "toWxid": "r@chatroom", "imgUrl": "http://m/1.jpg"}));
        assert_eq!(
            bodies[1],
            json!({"appId": "wx_app", "toWxid": "r@chatroom", "title": "t", "desc": "d", "linkUrl": "https://u", "thumbUrl": "https://p"})
        );
    }

    #[tokio::test]
    async fn accepting_a_friend_sends_option_3_with_the_tickets_and_scene() {
        let (base, seen) = fake_gateway(200, r#"{"ret":200,"msg":"操作成功"}"#).await;
        let accept = Outbound {
            conversation_id: "wxid_new".into(),
            body: OutboundBody::AcceptFriend { v3: "v3_a@stranger".into(), v4: "v4_b@stranger".into(), scene: 6 },
        };
        let receipt = client(&base).send(&accept).await.unwrap();
        assert_eq!(receipt.new_msg_id, None);
        let body: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0].1).unwrap();
        assert_eq!(
            body,
            json!({"appId": "wx_app", "scene": 6, "option": 3, "v3": "v3_a@stranger", "v4": "v4_b@stranger", "content": ""})
        );
    }

    #[tokio::test]
    async fn success_is_ret_200_not_http_200() {
        let (base, _) = fake_gateway(200, r#"{"ret":500,"msg":"执行失败","data":null}"#).await;
        let err = client(&base).send(&text()).await.unwrap_err();
        assert!(matches!(&err, SendError::Rejected { ret: 500, msg } if msg == "执行失败"), "{err:?}");

        let (base, _) =
            fake_gateway(200, r#"{"ret":400,"msg":"HTTP HEADER: X-GEWE-TOKEN=tok-123 不可用或已过期"}"#).await;
        match client(&base).send(&text()).await {
            Err(SendError::Rejected { ret: 400, msg }) => assert!(!msg.contains("tok-123"), "{msg}"),
            other => panic!("{other:?}"),
        }

        let (base, _) = fake_gateway(200, "<html>gateway</html>").await;
        assert!(matches!(client(&base).send(&text()).await, Err(SendError::Decode(_))));

        let (base, _) = fake_gateway(503, r#"{"ret":200}"#).await;
        assert!(matches!(client(&base).send(&text()).await, Err(SendError::Http(503))));
    }

    #[tokio::test]
    async fn a_receipt_of_an_unexpected_shape_still_counts_as_sent() {
        for body in [
            r#"{"ret":200,"msg":"ok"}"#,
            r#"{"ret":200,"msg":"ok","data":null}"#,
            r#"{"ret":200,"msg":"ok","data":"done"}"#,
            r#"{"ret":200,"msg":"ok","data":{"newMsgId":7.012345678901239e18}}"#,
            r#"{"ret":200,"msg":"ok","data":{"newMsgId":0}}"#,
        ] {
            let (base, _) = fake_gateway(200, body).await;
            let receipt = client(&base).send(&text()).await.unwrap();
            assert_eq!(receipt.new_msg_id, None, "{body}");
            assert_eq!(receipt.raw, body);
        }
    }

    #[tokio::test]
    async fn transport_errors_are_retryable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = client(&format!("http://{addr}/v2/api")).send(&text()).await.unwrap_err();
        assert!(matches!(err, SendError::Transport(_)), "{err:?}");
        assert_eq!(err.retry(), crate::chat::SendRetry::Retry);
    }

    #[tokio::test]
    async fn member_list_prefers_the_group_display_name() {
        let (base, seen) = fake_gateway(
            200,
            r#"{"ret":200,"msg":"ok","data":{"memberList":[
                {"wxid":"wxid_a","nickName":"阿明","displayName":"群里的阿明"},
                {"wxid":"wxid_b","nickName":"小红","displayName":""},
                {"wxid":"wxid_c","nickName":null,"displayName":null},
                {"nickName":"no id"}]}}"#,
        )
        .await;
        let members = client(&base).chatroom_members("1@chatroom").await.unwrap();
        assert_eq!(
            members,
            vec![
                MemberRef { wxid: "wxid_a".into(), nickname: Some("群里的阿明".into()) },
                MemberRef { wxid: "wxid_b".into(), nickname: Some("小红".into()) },
                MemberRef { wxid: "wxid_c".into(), nickname: None },
            ]
        );
        let body: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0].1).unwrap();
        assert_eq!(body, json!({"appId": "wx_app", "chatroomId": "1@chatroom"}));
    }
}
