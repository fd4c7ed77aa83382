//! The gateway's REST API under `/v2/api` (chat-gateways spec §1.1, §1.2, §1.9).
//!
//! Like the real gateway: every call is a JSON `POST` carrying `X-GEWE-TOKEN`; a missing or wrong token, a wrong
//! `appId` or a missing field is answered with HTTP 200 and `ret: 500`; a body that is not JSON gets the web
//! framework's HTTP 400/415.

use super::callback::{self, Echo};
use super::text;
use super::{GeweSim, LinkCard, SendAttempt, SendFault, SendOutcome, SentKind, SentMessage, playground, unix_now};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use std::io::Cursor;
use std::time::SystemTime;

const TOKEN_HEADER: &str = "X-GEWE-TOKEN";
/// Largest image the gateway downloads for `postImage`.
const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

pub(super) fn router(sim: GeweSim) -> Router {
    Router::new()
        .route("/tools/getTokenId", post(get_token_id))
        .route("/tools/setCallback", post(set_callback))
        .route("/login/checkOnline", post(check_online))
        .route("/login/reconnection", post(reconnection))
        .route("/group/getChatroomMemberList", post(chatroom_members))
        .merge(super::account::router())
        .merge(super::login::router())
        .route("/message/postText", post(post_text))
        .route("/message/postImage", post(post_image))
        .route("/message/postLink", post(post_link))
        .route("/contacts/addContacts", post(super::contacts::add_contacts))
        .route("/message/downloadImage", post(download_image))
        .with_state(sim)
}

/// The gateway's file server (`http://<host>:2532/download/…`), here under `/gewe/download`.
pub(super) fn files_router(sim: GeweSim) -> Router {
    Router::new().route("/download/image/{file}", axum::routing::get(download_file)).with_state(sim)
}

/// `/message/downloadImage {"appId","xml","type"}` (spec §1.9): the file of an image message, named by the
/// `cdnmidimgurl` of its XML, as a `fileUrl` relative to the file server; type 1 (HD) or 2 (normal).
async fn download_image(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let xml = required(&fields, "xml")?;
        match fields.get("type").and_then(Value::as_i64) {
            Some(1 | 2) => {}
            _ => return Err(Failure::ret(text::DOWNLOAD_TYPE_INVALID)),
        }
        let file = attribute(xml, "cdnmidimgurl").ok_or_else(|| Failure::ret(text::IMAGE_XML_MALFORMED))?;
        if sim.file(&file).is_none() {
            return Err(Failure::ret(text::IMAGE_DOWNLOAD_FAILED));
        }
        Ok(ok(text::OPERATION_OK, json!({"fileUrl": format!("image/{file}.img")})))
    })())
}

/// A downloaded file, with its type sniffed from its bytes.
async fn download_file(State(sim): State<GeweSim>, axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some(bytes) = file.strip_suffix(".img").and_then(|id| sim.file(id)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = match image::guess_format(&bytes) {
        Ok(image::ImageFormat::Png) => "image/png",
        _ => "image/jpeg",
    };
    ([(header::CONTENT_TYPE, mime)], bytes).into_response()
}

/// The value of `name="…"` in an XML text.
fn attribute(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("{name}=\""))? + name.len() + 2;
    let len = xml[start..].find('"')?;
    Some(xml[start..start + len].to_string()).filter(|v| !v.is_empty())
}

/// Why a call failed, as the gateway would answer it.
pub(super) enum Failure {
    /// HTTP 200 with `ret != 200`.
    Ret(i64, String),
    /// HTTP 200, `ret` 500 with `msg` and the detail in `data.msg`.
    Detail(String, String),
    /// An HTTP error status from the web framework (bad content type, unparsable body) or an injected fault.
    Http(StatusCode, Value),
}

impl Failure {
    pub(super) fn ret(msg: impl Into<String>) -> Self {
        Failure::Ret(500, msg.into())
    }

    fn outcome(&self) -> SendOutcome {
        match self {
            Failure::Ret(ret, msg) => SendOutcome::Rejected { ret: *ret, msg: msg.clone() },
            Failure::Detail(msg, _) => SendOutcome::Rejected { ret: 500, msg: msg.clone() },
            Failure::Http(status, _) => SendOutcome::Http(status.as_u16()),
        }
    }
}

impl From<SendFault> for Failure {
    fn from(fault: SendFault) -> Self {
        match fault {
            SendFault::Http(code) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Failure::Http(status, http_error_body(status))
            }
            SendFault::Ret(ret, msg) => Failure::Ret(ret, msg),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Ret(ret, msg) => axum::Json(json!({"ret": ret, "msg": msg})).into_response(),
            Failure::Detail(msg, detail) => {
                axum::Json(json!({"ret": 500, "msg": msg, "data": {"code": "0", "msg": detail}})).into_response()
            }
            Failure::Http(status, body) => (status, axum::Json(body)).into_response(),
        }
    }
}

fn http_error_body(status: StatusCode) -> Value {
    json!({
        "timestamp": unix_now() * 1000,
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
    })
}

pub(super) fn ok(msg: &str, data: Value) -> Response {
    axum::Json(json!({"ret": 200, "msg": msg, "data": data})).into_response()
}

pub(super) fn respond(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

impl GeweSim {
    /// Token header, then the JSON object body.
    pub(super) fn authorize(&self, headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Failure> {
        let token = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if token.is_empty() {
            return Err(Failure::ret(text::token_missing(TOKEN_HEADER)));
        }
        if token != self.inner.token {
            return Err(Failure::ret(text::token_invalid(TOKEN_HEADER, token)));
        }
        let json_body = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"));
        if !json_body {
            let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return Err(Failure::Http(status, http_error_body(status)));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => Ok(fields),
            _ => Err(Failure::Http(StatusCode::BAD_REQUEST, http_error_body(StatusCode::BAD_REQUEST))),
        }
    }

    pub(super) fn check_app_id(&self, fields: &Map<String, Value>) -> Result<(), Failure> {
        let app_id = required(fields, "appId")?;
        if app_id != self.state().bot.app_id {
            return Err(Failure::ret(text::app_id_unknown(app_id)));
        }
        Ok(())
    }
}

/// A present, non-empty string field.
pub(super) fn required<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, Failure> {
    match fields.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(Failure::ret(text::field_empty(name))),
        Some(_) => Err(Failure::ret(text::field_type(name))),
    }
}

/// A string field that may be absent or empty.
pub(super) fn optional<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, Failure> {
    match fields.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Ok(""),
        Some(_) => Err(Failure::ret(text::field_type(name))),
    }
}

async fn get_token_id(State(sim): State<GeweSim>) -> Response {
    ok(text::EXECUTION_OK, Value::String(sim.inner.token.clone()))
}

async fn set_callback(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond(set_callback_inner(&sim, &headers, &body).await)
}

async fn set_callback_inner(sim: &GeweSim, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    let fields = sim.authorize(headers, body)?;
    let token = required(&fields, "token")?;
    if token != sim.inner.token {
        return Err(Failure::ret(text::CALLBACK_TOKEN_WRONG));
    }
    let url = required(&fields, "callbackUrl")?;
    if !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(Failure::ret(text::CALLBACK_URL_MALFORMED));
    }
    sim.post_once(url, &callback::callback_test(&sim.inner.token))
        .await
        .map_err(|e| Failure::ret(text::callback_unreachable(e)))?;
    sim.set_callback_url(url);
    Ok(ok(text::OPERATION_OK, Value::Null))
}

async fn check_online(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        Ok(ok(text::OPERATION_OK, Value::Bool(sim.state().online)))
    })())
}

async fn reconnection(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let mut state = sim.state();
        if state.reconnect_fails && !state.online {
            return Err(Failure::ret(text::RECONNECT_FAILED));
        }
        state.online = true;
        Ok(ok(text::OPERATION_OK, Value::Bool(true)))
    })())
}

async fn chatroom_members(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        sim.check_app_id(&fields)?;
        let room = required(&fields, "chatroomId")?;
        let state = sim.state();
        let Some(r) = state.rooms.get(room) else {
            return Err(Failure::ret(text::MEMBER_LIST_NO_ROOM));
        };
        let members = &r.members;
        let list = member_list(r);
        let owner = members.iter().find(|m| m.wxid != state.bot.wxid).map(|m| m.wxid.clone());
        Ok(ok(text::OPERATION_OK, json!({"memberList": list, "chatroomOwner": owner, "adminWxid": null})))
    })())
}

/// A room's `memberList` as the gateway reports it: `displayName` is the 群昵称 or null.
pub(super) fn member_list(room: &super::Room) -> Vec<Value> {
    room.members
        .iter()
        .map(|m| {
            json!({
                "wxid": m.wxid, "nickName": m.nickname, "displayName": room.display_names.get(&m.wxid),
                "bigHeadImgUrl": "", "smallHeadImgUrl": "", "inviterUserName": "", "memberFlag": 0,
            })
        })
        .collect()
}

#[derive(Clone, Copy)]
enum SendRoute {
    Text,
    Image,
    Link,
}

impl SendRoute {
    fn name(self) -> &'static str {
        match self {
            SendRoute::Text => "postText",
            SendRoute::Image => "postImage",
            SendRoute::Link => "postLink",
        }
    }
}

async fn post_text(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    handle_send(&sim, SendRoute::Text, &headers, &body).await
}

async fn post_image(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    handle_send(&sim, SendRoute::Image, &headers, &body).await
}

async fn post_link(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    handle_send(&sim, SendRoute::Link, &headers, &body).await
}

/// One send call: answered, and recorded in the attempt log with its arrival time.
async fn handle_send(sim: &GeweSim, route: SendRoute, headers: &HeaderMap, body: &[u8]) -> Response {
    let at = SystemTime::now();
    let mut to_wxid = String::new();
    let result = try_send(sim, route, headers, body, &mut to_wxid).await;
    let outcome = result.as_ref().map_or_else(Failure::outcome, |_| SendOutcome::Delivered);
    sim.state().attempts.push(SendAttempt { route: route.name(), to_wxid, at, outcome });
    match result {
        Ok(data) => ok(text::OPERATION_OK, data),
        Err(failure) => failure.into_response(),
    }
}

/// What a delivered message carried, kind by kind.
enum Delivery {
    Text { content: String, ats: Vec<String> },
    Image { url: String, image: FetchedImage },
    Link(LinkCard),
}

struct FetchedImage {
    bytes: Bytes,
    md5: String,
    width: u32,
    height: u32,
}

async fn try_send(
    sim: &GeweSim,
    route: SendRoute,
    headers: &HeaderMap,
    body: &[u8],
    to_wxid: &mut String,
) -> Result<Value, Failure> {
    let fields = sim.authorize(headers, body)?;
    to_wxid.push_str(optional(&fields, "toWxid").unwrap_or(""));
    let (delay, fault) = {
        let mut state = sim.state();
        (state.response_delay, state.send_faults.pop_front())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = fault {
        return Err(fault.into());
    }
    sim.check_app_id(&fields)?;
    let to = required(&fields, "toWxid")?.to_string();
    if !sim.state().online {
        return Err(Failure::ret(text::OFFLINE));
    }
    let delivery = match route {
        SendRoute::Text => {
            let content = required(&fields, "content")?.to_string();
            let ats = optional(&fields, "ats")?.split(',').map(str::trim).filter(|s| !s.is_empty());
            Delivery::Text { content, ats: ats.map(String::from).collect() }
        }
        SendRoute::Image => {
            let url = required(&fields, "imgUrl")?.to_string();
            let image = sim.fetch_image(&url).await?;
            Delivery::Image { url, image }
        }
        SendRoute::Link => Delivery::Link(LinkCard {
            title: required(&fields, "title")?.to_string(),
            desc: optional(&fields, "desc")?.to_string(),
            url: required(&fields, "linkUrl")?.to_string(),
            thumb_url: required(&fields, "thumbUrl")?.to_string(),
        }),
    };
    let (data, held) = sim.deliver(&to, delivery);
    if let Some((held, index)) = held {
        held.hold(index).await;
    }
    let late = sim.state().late_answer;
    if !late.is_zero() {
        // A slow gateway: the message is out (and echoed), the answer comes late or, when the client gave up, never.
        tokio::time::sleep(late).await;
    }
    Ok(data)
}

impl GeweSim {
    /// Downloads a `postImage` URL the way the gateway does; anything but an image fails the send.
    async fn fetch_image(&self, url: &str) -> Result<FetchedImage, Failure> {
        if !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(Failure::ret(text::IMAGE_URL_INVALID));
        }
        let fail = |why: String| Failure::ret(text::image_fetch_failed(&why));
        let mut response = self
            .inner
            .http
            .get(url)
            .timeout(super::OUTBOUND_TIMEOUT)
            .send()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(fail(format!("HTTP {}", response.status().as_u16())));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.without_url().to_string()))? {
            if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                return Err(fail(text::IMAGE_TOO_LARGE.into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        let dimensions = image::ImageReader::new(Cursor::new(&bytes))
            .with_guessed_format()
            .ok()
            .filter(|r| {
                matches!(
                    r.format(),
                    Some(image::ImageFormat::Jpeg | image::ImageFormat::Png | image::ImageFormat::WebP)
                )
            })
            .and_then(|r| r.into_dimensions().ok());
        let Some((width, height)) = dimensions else {
            return Err(Failure::ret(text::NOT_AN_IMAGE));
        };
        let md5 = hex::encode(Md5::digest(&bytes));
        Ok(FetchedImage { bytes: Bytes::from(bytes), md5, width, height })
    }

    /// Records a delivered message, shows it in the playground, queues its echo and returns the receipt `data`,
    /// with the hold on this call's answer when the test armed one for it.
    fn deliver(&self, to: &str, delivery: Delivery) -> (Value, Option<(super::HeldSend, usize)>) {
        let mut state = self.state();
        let ids = state.next_ids();
        let at = SystemTime::now();
        let index = state.sent.len();
        let new_msg_id = ids.new_msg_id.to_string();
        let base = SentMessage {
            index,
            to_wxid: to.to_string(),
            kind: SentKind::Text,
            content: String::new(),
            ats: Vec::new(),
            ats_in_content: true,
            img_url: None,
            image_bytes: None,
            link: None,
            new_msg_id,
            at,
        };
        let (sent, echo, data) = match &delivery {
            Delivery::Text { content, ats } => {
                let ats_in_content = ats.iter().all(|id| match id.as_str() {
                    "notify@all" => content.contains(&format!("@{}", text::EVERYONE)),
                    id => state.nickname_of(to, id).is_some_and(|n| content.contains(&format!("@{n}"))),
                });
                let sent = SentMessage { content: content.clone(), ats: ats.clone(), ats_in_content, ..base };
                let echo = callback::echo(&state.bot, to, &Echo::Text { content, ats }, ids);
                let data =
                    json!({"toWxid": to, "createTime": unix_now(), "msgId": 0, "newMsgId": ids.new_msg_id, "type": 1});
                (sent, echo, data)
            }
            Delivery::Image { url, image } => {
                let sent = SentMessage {
                    kind: SentKind::Image,
                    img_url: Some(url.clone()),
                    image_bytes: Some(image.bytes.clone()),
                    ..base
                };
                let length = image.bytes.len();
                let shape = Echo::Image { md5: &image.md5, length, width: image.width, height: image.height };
                let echo = callback::echo(&state.bot, to, &shape, ids);
                let data = json!({
                    "toWxid": to, "createTime": unix_now(), "msgId": 0, "newMsgId": ids.new_msg_id, "type": null,
                    "aesKey": image.md5, "fileId": callback::file_id(&image.md5), "length": length,
                    "width": image.width, "height": image.height, "md5": image.md5,
                });
                (sent, echo, data)
            }
            Delivery::Link(card) => {
                let sent =
                    SentMessage { kind: SentKind::Link, content: card.title.clone(), link: Some(card.clone()), ..base };
                let echo = callback::echo(&state.bot, to, &Echo::Link(card), ids);
                let data =
                    json!({"toWxid": to, "createTime": unix_now(), "msgId": 0, "newMsgId": ids.new_msg_id, "type": 5});
                (sent, echo, data)
            }
        };
        let entry = playground::Entry::bot(&state, &sent);
        playground::push(&mut state.timeline, entry);
        state.sent.push(sent);
        let held = state.hold.on_delivered().map(|h| (h, index));
        let has_callback = state.callback_url.is_some();
        drop(state);
        if has_callback {
            self.post_callback_in_background(echo);
        }
        (data, held)
    }
}
