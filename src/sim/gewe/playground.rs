//! The browser playground at `/gewe/playground`: WeChat-style chats where a person types as a group member. The
//! rooms ([`ROOMS`]): the member group, the member's private chat with the robot (`private`, 私聊) and a second
//! group (线报源). Messages go page → sim → callback to dealbot; the robot's replies come back through the real
//! send path (`postText` / `postImage` on the sim) and the page polls them.

use super::{
    GeweSim, LinkCard, PLAYGROUND_OWNER_NICKNAME, PLAYGROUND_ROOM, PLAYGROUND_ROOM_NAME, PLAYGROUND_SOURCE_ROOM,
    PLAYGROUND_SOURCE_ROOM_NAME, SentKind, SentMessage, State, unix_millis,
};
use crate::chat::MemberRef;
use crate::sim::text::{gewe::EVERYONE, playground as text};
use axum::Router;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha1::{Digest, Sha1};
use std::sync::LazyLock;
use std::time::SystemTime;

/// The page with its stylesheet and script inlined, so it works at `/gewe/playground` and `/gewe/playground/`.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    include_str!("../../../assets/playground/index.html")
        .replace("/*STYLE*/", include_str!("../../../assets/playground/style.css"))
        .replace("/*SCRIPT*/", include_str!("../../../assets/playground/app.js"))
});

/// The `room` of a member's private chat with the robot in the playground API (its entries carry the member's
/// wxid as `peer`).
pub const PRIVATE_ROOM: &str = "private";
/// The rooms the page switches between: (room, name).
const ROOMS: [(&str, &str); 3] = [
    (PLAYGROUND_ROOM, PLAYGROUND_ROOM_NAME),
    (PRIVATE_ROOM, text::PRIVATE_CHAT_NAME),
    (PLAYGROUND_SOURCE_ROOM, PLAYGROUND_SOURCE_ROOM_NAME),
];

const MAX_NICKNAME_CHARS: usize = 16;
const MAX_TEXT_CHARS: usize = 2000;
/// Most entries one poll returns.
const PAGE_SIZE: usize = 200;

pub(super) fn router(sim: GeweSim) -> Router {
    Router::new()
        .route("/playground", get(page))
        .route("/playground/", get(page))
        .route("/playground/rooms", get(rooms))
        .route("/playground/say", post(say))
        .route("/playground/share", post(share))
        .route("/playground/messages", get(messages))
        .route("/playground/image/{index}", get(image))
        .with_state(sim)
}

/// One line of the group chat as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Entry {
    /// 1-based position; the page polls with `after=<last seq>`.
    seq: usize,
    /// The chatroom id, or [`PRIVATE_ROOM`].
    #[serde(rename = "room")]
    api_room: String,
    /// The member of a private chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    peer: Option<String>,
    /// `member`, `bot` or `system`.
    from: &'static str,
    wxid: String,
    nickname: String,
    /// `text`, `image`, `link` or `system`.
    kind: &'static str,
    text: String,
    /// Where the page loads the image the gateway downloaded.
    image: Option<String>,
    link: Option<LinkCard>,
    /// Unix milliseconds.
    at: u64,
}

impl Entry {
    fn new(room: &str, from: &'static str, kind: &'static str) -> Self {
        let group = room.ends_with("@chatroom");
        Entry {
            seq: 0,
            api_room: if group { room.to_string() } else { PRIVATE_ROOM.to_string() },
            peer: (!group).then(|| room.to_string()),
            from,
            wxid: String::new(),
            nickname: String::new(),
            kind,
            text: String::new(),
            image: None,
            link: None,
            at: unix_millis(SystemTime::now()),
        }
    }

    pub(super) fn member_text(room: &str, wxid: &str, nickname: &str, text: &str) -> Self {
        Entry { wxid: wxid.into(), nickname: nickname.into(), text: text.into(), ..Entry::new(room, "member", "text") }
    }

    pub(super) fn member_card(room: &str, wxid: &str, nickname: &str, card: &LinkCard) -> Self {
        Entry {
            wxid: wxid.into(),
            nickname: nickname.into(),
            link: Some(card.clone()),
            ..Entry::new(room, "member", "link")
        }
    }

    pub(super) fn join(room: &str, inviter: &MemberRef, joined: &[MemberRef]) -> Self {
        let name = |m: &MemberRef| m.nickname.clone().unwrap_or_else(|| m.wxid.clone());
        let joined: Vec<String> = joined.iter().map(name).collect();
        Entry { text: text::join_line(&name(inviter), &joined), ..Entry::new(room, "system", "system") }
    }

    pub(super) fn removal(room: &str, by: Option<&MemberRef>, removed: &[MemberRef]) -> Self {
        let name = |m: &MemberRef| m.nickname.clone().unwrap_or_else(|| m.wxid.clone());
        let removed: Vec<String> = removed.iter().map(name).collect();
        let text = text::removal_line(by.map(name).as_deref(), &removed);
        Entry { text, ..Entry::new(room, "system", "system") }
    }

    pub(super) fn bot(state: &State, sent: &SentMessage) -> Self {
        let kind = match sent.kind {
            SentKind::Text => "text",
            SentKind::Image => "image",
            SentKind::Link => "link",
        };
        Entry {
            wxid: state.bot.wxid.clone(),
            nickname: state.bot.nickname.clone(),
            text: sent.content.clone(),
            image: sent.image_bytes.as_ref().map(|_| format!("image/{}", sent.index)),
            link: sent.link.clone(),
            at: unix_millis(sent.at),
            ..Entry::new(&sent.to_wxid, "bot", kind)
        }
    }
}

pub(super) fn push(timeline: &mut Vec<Entry>, mut entry: Entry) {
    entry.seq = timeline.len() + 1;
    timeline.push(entry);
}

async fn page() -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Html(PAGE.as_str())).into_response()
}

#[derive(Deserialize)]
struct Who {
    nickname: Option<String>,
}

/// `[{"room","name"}]`; with `?nickname=` the private chat also names its `peer` (that member's wxid).
async fn rooms(Query(who): Query<Who>) -> Response {
    let peer = who.nickname.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(playground_wxid);
    let list: Vec<serde_json::Value> = ROOMS
        .iter()
        .map(|(room, name)| match &peer {
            Some(peer) if *room == PRIVATE_ROOM => json!({"room": room, "name": name, "peer": peer}),
            _ => json!({"room": room, "name": name}),
        })
        .collect();
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(list)).into_response()
}

#[derive(Deserialize)]
struct Say {
    nickname: String,
    text: String,
    /// A room of [`ROOMS`]; the member group when absent.
    room: Option<String>,
}

async fn say(AxumState(sim): AxumState<GeweSim>, axum::Json(say): axum::Json<Say>) -> Response {
    let (nickname, wxid) = match member_identity(&sim, &say.nickname) {
        Ok(who) => who,
        Err(msg) => return bad_request(&msg),
    };
    let text = say.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return bad_request(&text::text_length(MAX_TEXT_CHARS));
    }
    let room = say.room.as_deref().unwrap_or(PLAYGROUND_ROOM);
    if !ROOMS.iter().any(|(r, _)| *r == room) {
        return bad_request(text::NO_SUCH_CHAT);
    }
    if room == PRIVATE_ROOM {
        return delivered(sim.deliver_private_text(&wxid, &nickname, text).await);
    }
    let text = pick_mentions(&sim.members(room), text);
    delivered(sim.deliver_text(room, &wxid, &nickname, &text).await)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Share {
    nickname: String,
    title: String,
    #[serde(default)]
    desc: String,
    url: String,
    #[serde(default)]
    thumb_url: String,
    /// A group of [`ROOMS`]; the member group when absent.
    room: Option<String>,
}

async fn share(AxumState(sim): AxumState<GeweSim>, axum::Json(share): axum::Json<Share>) -> Response {
    let (nickname, wxid) = match member_identity(&sim, &share.nickname) {
        Ok(who) => who,
        Err(msg) => return bad_request(&msg),
    };
    if share.title.trim().is_empty() || !share.url.starts_with("http") {
        return bad_request(text::CARD_INCOMPLETE);
    }
    let room = share.room.as_deref().unwrap_or(PLAYGROUND_ROOM);
    if room == PRIVATE_ROOM || !ROOMS.iter().any(|(r, _)| *r == room) {
        return bad_request(text::CARD_GROUPS_ONLY);
    }
    let card = LinkCard { title: share.title, desc: share.desc, url: share.url, thumb_url: share.thumb_url };
    delivered(sim.deliver_card(room, &wxid, &nickname, &card).await)
}

/// The trimmed nickname and the member wxid the playground gives it.
fn member_identity(sim: &GeweSim, nickname: &str) -> Result<(String, String), String> {
    let nickname = nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > MAX_NICKNAME_CHARS || nickname.contains(['@', '\u{2005}']) {
        return Err(text::nickname_invalid(MAX_NICKNAME_CHARS));
    }
    if nickname == sim.bot().nickname {
        return Err(text::NICKNAME_IS_ROBOT.into());
    }
    Ok((nickname.to_string(), playground_wxid(nickname)))
}

/// The member wxid the playground gives a nickname (stable across restarts).
pub fn playground_wxid(nickname: &str) -> String {
    let digest = hex::encode(Sha1::digest(nickname.as_bytes()));
    format!("wxid_pg{}", &digest[..14])
}

fn delivered(result: Result<String, super::SimError>) -> Response {
    match result {
        Ok(new_msg_id) => axum::Json(json!({"ok": true, "newMsgId": new_msg_id})).into_response(),
        Err(e) => axum::Json(json!({"ok": false, "error": text::not_delivered(e)})).into_response(),
    }
}

fn bad_request(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"ok": false, "error": msg}))).into_response()
}

/// What the WeChat client does when a member is picked after typing `@`: `@<nickname>` followed by a space or
/// the end of the text becomes `@<nickname>\u{2005}` for every member of the room and for `@所有人`.
fn pick_mentions(members: &[MemberRef], text: &str) -> String {
    let mut names: Vec<&str> =
        members.iter().filter_map(|m| m.nickname.as_deref()).filter(|n| !n.is_empty()).chain([EVERYONE]).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let picked = names.iter().find_map(|name| {
            let tail = rest.strip_prefix(name)?;
            match tail.chars().next() {
                None => Some((name, tail)),
                Some(' ') => Some((name, &tail[1..])),
                Some(_) => None,
            }
        });
        if let Some((name, tail)) = picked {
            out.push_str(name);
            out.push('\u{2005}');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: usize,
}

async fn messages(AxumState(sim): AxumState<GeweSim>, Query(q): Query<After>) -> Response {
    let state = sim.state();
    let len = state.timeline.len();
    // A page that saw more than there is talked to an earlier sim: start over.
    let reset = q.after > len;
    let after = if reset { 0 } else { q.after };
    let entries: Vec<&Entry> = state.timeline[after..].iter().take(PAGE_SIZE).collect();
    let last = match entries.last() {
        Some(e) if entries.len() == PAGE_SIZE => e.seq,
        _ => len,
    };
    let member_count = state.rooms.get(PLAYGROUND_ROOM).map_or(1, |r| r.members.len());
    let body = json!({
        "room": {"id": PLAYGROUND_ROOM, "name": PLAYGROUND_ROOM_NAME, "memberCount": member_count},
        "bot": {"wxid": state.bot.wxid, "nickname": state.bot.nickname},
        "owner": {"wxid": playground_wxid(PLAYGROUND_OWNER_NICKNAME), "nickname": PLAYGROUND_OWNER_NICKNAME},
        "connected": state.callback_url.is_some(),
        "dashboard": state.dashboard_url,
        "reset": reset,
        "last": last,
        "messages": entries,
    });
    drop(state);
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// A line of the playground as [`GeweSim::playground_message`] tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaygroundMessage {
    /// Whether the robot sent it.
    pub from_robot: bool,
    /// Its text, with the URL of a link card appended.
    pub text: String,
}

impl GeweSim {
    /// The playground line with this `seq` (as `GET …/messages` numbers them).
    pub fn playground_message(&self, seq: usize) -> Option<PlaygroundMessage> {
        let state = self.state();
        let e = state.timeline.get(seq.checked_sub(1)?)?;
        let mut text = e.text.clone();
        if let Some(link) = &e.link {
            text.push('\n');
            text.push_str(&link.url);
        }
        Some(PlaygroundMessage { from_robot: e.from == "bot", text })
    }
}

async fn image(AxumState(sim): AxumState<GeweSim>, Path(index): Path<usize>) -> Response {
    let bytes = sim.state().sent.get(index).and_then(|s| s.image_bytes.clone());
    let Some(bytes) = bytes else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = image::guess_format(&bytes).map_or("application/octet-stream", |f| f.to_mime_type());
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "max-age=86400")], bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(wxid: &str, nick: &str) -> MemberRef {
        MemberRef { wxid: wxid.into(), nickname: Some(nick.into()) }
    }

    #[test]
    fn picking_mentions_turns_the_space_into_u2005() {
        let members = [member("wxid_bot", "省钱小助手"), member("a", "阿明"), member("b", "阿明哥")];
        assert_eq!(pick_mentions(&members, "@省钱小助手 帮助"), "@省钱小助手\u{2005}帮助");
        assert_eq!(pick_mentions(&members, "帮助 @省钱小助手"), "帮助 @省钱小助手\u{2005}");
        assert_eq!(pick_mentions(&members, "@阿明哥 你好 @阿明 hi"), "@阿明哥\u{2005}你好 @阿明\u{2005}hi");
        assert_eq!(pick_mentions(&members, "@所有人 上新"), "@所有人\u{2005}上新");
        assert_eq!(pick_mentions(&members, "a@b.com @陌生人 x @"), "a@b.com @陌生人 x @");
    }
}
