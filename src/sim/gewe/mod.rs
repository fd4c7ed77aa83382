//! Simulated GeWe gateway (chat-gateways spec §1), mounted at `/gewe`: the API lives under `/gewe/v2/api`, the
//! browser playground under `/gewe/playground`.
//!
//! It plays one logged-in robot account. Like the real gateway it checks the `X-GEWE-TOKEN` header and the JSON
//! bodies, answers `ret: 200` envelopes, downloads `postImage` URLs itself, echoes every sent message back as a
//! self-sent `AddMsg` callback, and posts member messages to the registered callback URL. Everything sent is
//! recorded ([`GeweSim::sent`], [`GeweSim::send_attempts`]) with timestamps, and faults can be injected
//! (failing sends, slow answers, duplicate and late callbacks).

mod account;
mod api;
mod callback;
mod contacts;
mod hold;
mod login;
mod playground;

use super::SimCredentials;
use super::text::gewe as text;
use crate::chat::MemberRef;
use axum::Router;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The group the playground page chats in.
pub const PLAYGROUND_ROOM: &str = "45810326871@chatroom";
/// The second group of the playground: a plain group the robot is in (a deal source to collect from).
pub const PLAYGROUND_SOURCE_ROOM: &str = "45810326872@chatroom";
/// The display names of the two groups, and the nickname the playground page switches to for trying owner
/// commands (the demo makes it the group's owner).
pub use super::text::gewe::{PLAYGROUND_OWNER_NICKNAME, PLAYGROUND_ROOM_NAME, PLAYGROUND_SOURCE_ROOM_NAME};
pub use contacts::{ContactsCall, FriendRequestSeen};
pub use hold::HeldSend;
pub use login::{LoginControlError, LoginSession, QR_LIFETIME, QrStatus};
pub use playground::{PRIVATE_ROOM, PlaygroundMessage, playground_wxid};

/// The robot identity the sim plays unless [`GeweSim::configure_bot`] says otherwise.
pub const DEFAULT_APP_ID: &str = "wx_sim_robot_000000000001";
pub const DEFAULT_BOT_WXID: &str = "wxid_dealbot_sim";
pub use super::text::gewe::DEFAULT_BOT_NICKNAME;

/// Timeout of every request the sim makes (callbacks, image downloads).
const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(10);

/// The robot account the sim plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub app_id: String,
    pub wxid: String,
    pub nickname: String,
}

impl Default for BotIdentity {
    fn default() -> Self {
        BotIdentity {
            app_id: DEFAULT_APP_ID.into(),
            wxid: DEFAULT_BOT_WXID.into(),
            nickname: DEFAULT_BOT_NICKNAME.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    Text,
    Image,
    Link,
}

/// A link card the robot sent (`postLink`) or a member shared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkCard {
    pub title: String,
    pub desc: String,
    pub url: String,
    pub thumb_url: String,
}

/// One message the gateway delivered into a chat on the robot's behalf.
#[derive(Debug, Clone)]
pub struct SentMessage {
    /// Position in [`GeweSim::sent`].
    pub index: usize,
    pub to_wxid: String,
    pub kind: SentKind,
    /// Text content (`postText`); the card title for links; empty for images.
    pub content: String,
    /// `ats` split on commas.
    pub ats: Vec<String>,
    /// Whether `content` carries `@<nickname>` for every id in `ats` (members the sim knows), as the gateway
    /// requires for the mention to show.
    pub ats_in_content: bool,
    pub img_url: Option<String>,
    /// The bytes the gateway downloaded from `img_url`.
    pub image_bytes: Option<Bytes>,
    pub link: Option<LinkCard>,
    pub new_msg_id: String,
    pub at: SystemTime,
}

/// How one send call (`postText` / `postImage` / `postLink`) was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered,
    /// HTTP 200 with `ret != 200`.
    Rejected {
        ret: i64,
        msg: String,
    },
    /// An HTTP error status.
    Http(u16),
}

/// Every send call, in arrival order, for checking pacing and retries.
#[derive(Debug, Clone)]
pub struct SendAttempt {
    /// `postText`, `postImage` or `postLink`.
    pub route: &'static str,
    pub to_wxid: String,
    /// When the call arrived.
    pub at: SystemTime,
    pub outcome: SendOutcome,
}

/// One callback POST the sim made.
#[derive(Debug, Clone)]
pub struct DeliveredCallback {
    pub body: String,
    /// The receiver's HTTP status, `None` when the POST failed.
    pub status: Option<u16>,
    pub at: SystemTime,
}

/// A fault the next send call answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFault {
    /// An HTTP error status (e.g. 502).
    Http(u16),
    /// HTTP 200 with this `ret` and `msg` (the gateway's `{"ret":500,"msg":"执行失败"}`).
    Ret(i64, String),
}

impl SendFault {
    /// The gateway's usual failure answer.
    pub fn ret_500() -> Self {
        SendFault::Ret(500, text::EXECUTION_FAILED.into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no callback URL is set")]
    NoCallbackUrl,
    #[error("callback POST failed: {0}")]
    Post(String),
    #[error("callback receiver answered HTTP {0}")]
    Status(u16),
    #[error("no recorded callback #{0}")]
    NoSuchCallback(usize),
}

#[derive(Clone)]
pub struct GeweSim {
    inner: Arc<Inner>,
}

struct Inner {
    token: String,
    http: reqwest::Client,
    state: Mutex<State>,
}

struct State {
    bot: BotIdentity,
    callback_url: Option<String>,
    /// Where the playground links to the dashboard (the demo's `/admin`).
    dashboard_url: Option<String>,
    online: bool,
    next_new_msg_id: u64,
    next_msg_id: u32,
    rooms: HashMap<String, Room>,
    sent: Vec<SentMessage>,
    attempts: Vec<SendAttempt>,
    callbacks: Vec<DeliveredCallback>,
    timeline: Vec<playground::Entry>,
    send_faults: VecDeque<SendFault>,
    response_delay: Duration,
    /// Sends are delivered at once but answered only after this.
    late_answer: Duration,
    callback_copies: u32,
    callback_delay: Duration,
    /// A send to deliver and then not answer until the test releases it.
    hold: hold::Slot,
    contacts: contacts::Contacts,
    /// `reconnection` fails (the account must scan a QR again).
    reconnect_fails: bool,
    /// Devices and login QR sessions.
    login: login::Logins,
    /// Pictures members sent, by CDN file id, for `downloadImage`.
    files: HashMap<String, Vec<u8>>,
}

#[derive(Default)]
struct Room {
    members: Vec<MemberRef>,
    /// The group name `getChatroomInfo` reports.
    name: String,
    /// Saved to contacts: listed by `fetchContactsList`.
    saved: bool,
    /// 群昵称 by wxid.
    display_names: HashMap<String, String>,
}

/// Fresh message ids for one message.
#[derive(Debug, Clone, Copy)]
struct Ids {
    new_msg_id: u64,
    msg_id: u32,
}

impl State {
    fn next_ids(&mut self) -> Ids {
        self.next_new_msg_id += 1 + u64::from(rand::random::<u8>());
        self.next_msg_id = self.next_msg_id.wrapping_add(1);
        Ids { new_msg_id: self.next_new_msg_id, msg_id: self.next_msg_id }
    }

    fn room(&mut self, room: &str) -> &mut Room {
        let bot = MemberRef { wxid: self.bot.wxid.clone(), nickname: Some(self.bot.nickname.clone()) };
        self.rooms.entry(room.to_string()).or_insert_with(|| Room { members: vec![bot], ..Room::default() })
    }

    /// Adds the member or updates their nickname.
    fn remember_member(&mut self, room: &str, wxid: &str, nickname: &str) {
        let members = &mut self.room(room).members;
        match members.iter_mut().find(|m| m.wxid == wxid) {
            Some(m) => m.nickname = Some(nickname.to_string()),
            None => members.push(MemberRef { wxid: wxid.to_string(), nickname: Some(nickname.to_string()) }),
        }
    }

    /// Remembers the sender of a group message and tells who wrote it where.
    fn group_message<'a>(
        &mut self,
        room: &'a str,
        sender_wxid: &'a str,
        sender_nick: &'a str,
    ) -> callback::GroupMessage<'a> {
        self.remember_member(room, sender_wxid, sender_nick);
        let member_count = self.room(room).members.len();
        callback::GroupMessage { room, sender_wxid, sender_nick, member_count }
    }

    fn nickname_of(&self, room: &str, wxid: &str) -> Option<String> {
        if wxid == self.bot.wxid {
            return Some(self.bot.nickname.clone());
        }
        // The name members see after `@`: the 群昵称 when set, else the nickname (gateway-account spec §4.4).
        let room = self.rooms.get(room)?;
        match room.display_names.get(wxid).filter(|n| !n.is_empty()) {
            Some(name) => Some(name.clone()),
            None => room.members.iter().find(|m| m.wxid == wxid)?.nickname.clone(),
        }
    }
}

impl GeweSim {
    pub fn new(creds: &SimCredentials) -> Self {
        let mut state = State {
            bot: BotIdentity::default(),
            callback_url: None,
            dashboard_url: None,
            online: true,
            // Above 2^53 like real ids, and random so a restarted sim does not reuse ids a persistent inbox saw.
            next_new_msg_id: 7_000_000_000_000_000_000 + rand::random_range(0..1_000_000_000_000_000_000),
            next_msg_id: rand::random_range(700_000_000..800_000_000),
            rooms: HashMap::new(),
            sent: Vec::new(),
            attempts: Vec::new(),
            callbacks: Vec::new(),
            timeline: Vec::new(),
            send_faults: VecDeque::new(),
            response_delay: Duration::ZERO,
            late_answer: Duration::ZERO,
            callback_copies: 1,
            callback_delay: Duration::ZERO,
            hold: hold::Slot::default(),
            contacts: contacts::Contacts::default(),
            reconnect_fails: false,
            login: login::Logins::default(),
            files: HashMap::new(),
        };
        state.login.add_device(DEFAULT_APP_ID, DEFAULT_BOT_WXID);
        state.room(PLAYGROUND_ROOM).name = PLAYGROUND_ROOM_NAME.into();
        state.room(PLAYGROUND_SOURCE_ROOM).name = PLAYGROUND_SOURCE_ROOM_NAME.into();
        GeweSim {
            inner: Arc::new(Inner {
                token: creds.gewe_token.clone(),
                // Simulated traffic stays on this machine: never through a proxy from the environment.
                http: reqwest::Client::builder().no_proxy().build().unwrap_or_default(),
                state: Mutex::new(state),
            }),
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .nest("/v2/api", api::router(self.clone()))
            .merge(api::files_router(self.clone()))
            .merge(playground::router(self.clone()))
            .merge(login::control_router().with_state(self.clone()))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets the robot account the sim plays.
    pub fn configure_bot(&self, app_id: &str, wxid: &str, nickname: &str) {
        let mut state = self.state();
        let old_wxid = std::mem::replace(&mut state.bot.wxid, wxid.to_string());
        state.bot.app_id = app_id.to_string();
        state.bot.nickname = nickname.to_string();
        state.login.add_device(app_id, wxid);
        for room in state.rooms.values_mut() {
            room.members.retain(|m| m.wxid != old_wxid && m.wxid != wxid);
            room.members.insert(0, MemberRef { wxid: wxid.to_string(), nickname: Some(nickname.to_string()) });
        }
    }

    pub fn bot(&self) -> BotIdentity {
        self.state().bot.clone()
    }

    /// Registers where callbacks go (what `/tools/setCallback` does, without the test POST).
    pub fn set_callback_url(&self, url: &str) {
        self.state().callback_url = Some(url.to_string());
    }

    /// Where the playground page links to the dashboard; `None` (default) shows no link.
    pub fn set_dashboard_url(&self, url: Option<&str>) {
        self.state().dashboard_url = url.map(str::to_string);
    }

    pub fn callback_url(&self) -> Option<String> {
        self.state().callback_url.clone()
    }

    /// Marks the account online or offline; offline accounts fail every send.
    pub fn set_online(&self, online: bool) {
        self.state().online = online;
    }

    /// Names a group and saves it to the account's contacts (so `fetchContactsList` lists it).
    pub fn name_room(&self, room: &str, name: &str) {
        let mut state = self.state();
        let room = state.room(room);
        room.name = name.to_string();
        room.saved = true;
    }

    /// Sets a member's 群昵称 in a room (the member joins when new).
    pub fn set_display_name(&self, room: &str, wxid: &str, nickname: &str, display_name: &str) {
        let mut state = self.state();
        state.remember_member(room, wxid, nickname);
        state.room(room).display_names.insert(wxid.to_string(), display_name.to_string());
    }

    /// Whether `reconnection` fails (a dropped account then needs a new QR login).
    pub fn set_reconnect_fails(&self, fails: bool) {
        self.state().reconnect_fails = fails;
    }

    /// Adds a member to a room (or renames them), so mentions of them resolve.
    pub fn add_member(&self, room: &str, wxid: &str, nickname: &str) {
        self.state().remember_member(room, wxid, nickname);
    }

    /// A member leaves the room quietly (WeChat tells the other members nothing): only a member-list sync sees it.
    pub fn remove_member(&self, room: &str, wxid: &str) {
        self.state().room(room).members.retain(|m| m.wxid != wxid);
    }

    /// The room's members as `/group/getChatroomMemberList` reports them (the robot first).
    pub fn members(&self, room: &str) -> Vec<MemberRef> {
        self.state().room(room).members.clone()
    }

    /// Messages the gateway delivered, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.state().sent.clone()
    }

    /// Every send call with its arrival time and answer, including failed ones.
    pub fn send_attempts(&self) -> Vec<SendAttempt> {
        self.state().attempts.clone()
    }

    /// Every callback POST made so far.
    pub fn callbacks(&self) -> Vec<DeliveredCallback> {
        self.state().callbacks.clone()
    }

    /// The next `n` send calls answer with `fault` (after the token check).
    pub fn fail_next_sends(&self, n: usize, fault: SendFault) {
        self.state().send_faults.extend(std::iter::repeat_n(fault, n));
    }

    /// Send calls answer only after `delay` (to exercise client timeouts).
    pub fn delay_responses(&self, delay: Duration) {
        self.state().response_delay = delay;
    }

    /// Send calls deliver (and echo) the message at once but answer only after `delay`: a slow gateway whose late
    /// answer a client may give up on although the message went out.
    pub fn answer_late(&self, delay: Duration) {
        self.state().late_answer = delay;
    }

    /// The `nth` send call from now on that delivers its message (1: the next one) does not answer until the
    /// returned handle releases it: for killing the sender exactly while the gateway has the message out.
    pub fn hold_answer(&self, nth: usize) -> HeldSend {
        self.state().hold.arm(nth)
    }

    /// Every callback from now on is posted `copies` times in a row (at least once).
    pub fn duplicate_callbacks(&self, copies: u32) {
        self.state().callback_copies = copies.max(1);
    }

    /// Every callback from now on waits `delay` before it is posted.
    pub fn delay_callbacks(&self, delay: Duration) {
        self.state().callback_delay = delay;
    }

    /// A member writes `text` into `room`. Builds the callback the real gateway posts (sender prefix, MsgSource
    /// with `<atuserlist>` for every `@<nickname>\u{2005}` of a known member or `@所有人\u{2005}`, PushContent, a
    /// fresh `NewMsgId` above 2^53, CreateTime now), posts it, and returns the `NewMsgId`.
    pub async fn deliver_text(
        &self,
        room: &str,
        sender_wxid: &str,
        sender_nick: &str,
        text: &str,
    ) -> Result<String, SimError> {
        self.deliver_message(|state, ids| {
            let message = state.group_message(room, sender_wxid, sender_nick);
            let mentions = mentioned_ids(&state.room(room).members, text);
            playground::push(&mut state.timeline, playground::Entry::member_text(room, sender_wxid, sender_nick, text));
            callback::group_text(&state.bot, &message, text, &mentions, ids)
        })
        .await
    }

    /// A member writes `text` to the robot in private chat (the callback has `FromUserName` = the member and no
    /// chatroom); returns the `NewMsgId`.
    pub async fn deliver_private_text(
        &self,
        sender_wxid: &str,
        sender_nick: &str,
        text: &str,
    ) -> Result<String, SimError> {
        self.deliver_message(|state, ids| {
            state.remember_member(sender_wxid, sender_wxid, sender_nick);
            let entry = playground::Entry::member_text(sender_wxid, sender_wxid, sender_nick, text);
            playground::push(&mut state.timeline, entry);
            callback::private_text(&state.bot, sender_wxid, sender_nick, text, ids)
        })
        .await
    }

    /// A member sends a picture (`bytes`, PNG or JPEG) into `room`: the gateway keeps the file for
    /// `downloadImage` and posts the MsgType 3 callback with its CDN XML; returns the `NewMsgId`.
    pub async fn deliver_image(
        &self,
        room: &str,
        sender_wxid: &str,
        sender_nick: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SimError> {
        use md5::{Digest, Md5};
        let md5: String = Md5::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        self.deliver_message(|state, ids| {
            let message = state.group_message(room, sender_wxid, sender_nick);
            let length = bytes.len();
            state.files.insert(callback::file_id(&md5), bytes);
            callback::group_image(&state.bot, &message, &md5, length, ids)
        })
        .await
    }

    /// A picture a member sent, by CDN file id.
    fn file(&self, file_id: &str) -> Option<Vec<u8>> {
        self.state().files.get(file_id).cloned()
    }

    /// A member shares a link card (appmsg type 5) into `room`.
    pub async fn deliver_card(
        &self,
        room: &str,
        sender_wxid: &str,
        sender_nick: &str,
        card: &LinkCard,
    ) -> Result<String, SimError> {
        self.deliver_message(|state, ids| {
            let message = state.group_message(room, sender_wxid, sender_nick);
            playground::push(&mut state.timeline, playground::Entry::member_card(room, sender_wxid, sender_nick, card));
            callback::group_card(&state.bot, &message, card, ids)
        })
        .await
    }

    /// `inviter` invites `joined` into `room` (the 10002 join sysmsg).
    pub async fn deliver_join(
        &self,
        room: &str,
        inviter: &MemberRef,
        joined: &[MemberRef],
    ) -> Result<String, SimError> {
        self.deliver_message(|state, ids| {
            for m in std::iter::once(inviter).chain(joined) {
                let nick = m.nickname.clone().unwrap_or_else(|| m.wxid.clone());
                state.remember_member(room, &m.wxid, &nick);
            }
            playground::push(&mut state.timeline, playground::Entry::join(room, inviter, joined));
            callback::join(&state.bot, room, inviter, joined, ids)
        })
        .await
    }

    /// `by` (`None`: the robot) removes `removed` from `room` (the 10002 removal sysmsg, `…将"X"移出了群聊`).
    pub async fn deliver_removal(
        &self,
        room: &str,
        by: Option<&MemberRef>,
        removed: &[MemberRef],
    ) -> Result<String, SimError> {
        self.deliver_message(|state, ids| {
            state.room(room).members.retain(|m| !removed.iter().any(|r| r.wxid == m.wxid));
            playground::push(&mut state.timeline, playground::Entry::removal(room, by, removed));
            callback::removal(&state.bot, room, by, removed, ids)
        })
        .await
    }

    /// Builds a message's callback under the state lock with fresh message ids, posts it and returns its
    /// `NewMsgId`.
    async fn deliver_message(&self, build: impl FnOnce(&mut State, Ids) -> String) -> Result<String, SimError> {
        let (body, ids) = {
            let mut state = self.state();
            let ids = state.next_ids();
            (build(&mut state, ids), ids)
        };
        self.post_callback(&body).await?;
        Ok(ids.new_msg_id.to_string())
    }

    /// Posts `body` as it is.
    pub async fn deliver_raw(&self, body: &str) -> Result<(), SimError> {
        self.post_callback(body).await
    }

    /// Re-posts callback `index` of [`GeweSim::callbacks`]: a late duplicate.
    pub async fn redeliver(&self, index: usize) -> Result<(), SimError> {
        let body = self.state().callbacks.get(index).map(|c| c.body.clone()).ok_or(SimError::NoSuchCallback(index))?;
        self.post_callback(&body).await
    }

    /// The account drops offline: sends fail from now on and the `Offline` callback is posted.
    pub async fn deliver_offline(&self) -> Result<(), SimError> {
        let body = {
            let mut state = self.state();
            state.online = false;
            callback::offline(&state.bot)
        };
        self.post_callback(&body).await
    }

    /// Posts one callback with the configured delay and copies, recording each POST.
    async fn post_callback(&self, body: &str) -> Result<(), SimError> {
        let (url, copies, delay) = {
            let state = self.state();
            (state.callback_url.clone(), state.callback_copies, state.callback_delay)
        };
        let url = url.ok_or(SimError::NoCallbackUrl)?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut result = Ok(());
        for _ in 0..copies {
            if let Err(e) = self.post_once(&url, body).await {
                result = Err(e);
            }
        }
        result
    }

    async fn post_once(&self, url: &str, body: &str) -> Result<(), SimError> {
        let response = self
            .inner
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .timeout(OUTBOUND_TIMEOUT)
            .send()
            .await;
        let status = response.as_ref().ok().map(|r| r.status().as_u16());
        self.state().callbacks.push(DeliveredCallback { body: body.to_string(), status, at: SystemTime::now() });
        match response {
            Err(e) => Err(SimError::Post(e.without_url().to_string())),
            Ok(r) if !r.status().is_success() => Err(SimError::Status(r.status().as_u16())),
            Ok(_) => Ok(()),
        }
    }

    /// Posts a callback without waiting for it (the gateway's echo of a sent message).
    fn post_callback_in_background(&self, body: String) {
        let sim = self.clone();
        tokio::spawn(async move {
            if let Err(e) = sim.post_callback(&body).await {
                tracing::debug!(error = %e, "simulated gateway: echo callback not delivered");
            }
        });
    }
}

/// Ids mentioned as `@<nickname>\u{2005}` among `members`, plus `notify@all` for `@所有人\u{2005}`.
fn mentioned_ids(members: &[MemberRef], text: &str) -> Vec<String> {
    let mut ids: Vec<String> = members
        .iter()
        .filter(|m| m.nickname.as_deref().is_some_and(|n| !n.is_empty() && text.contains(&format!("@{n}\u{2005}"))))
        .map(|m| m.wxid.clone())
        .collect();
    if text.contains(&format!("@{}\u{2005}", super::text::gewe::EVERYONE)) {
        ids.push("notify@all".into());
    }
    ids
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn unix_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests;
