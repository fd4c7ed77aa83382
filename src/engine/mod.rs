//! The robot's decisions: an explicit, ordered handler chain.
//!
//! ```text
//! collect (source groups: record, forward deals) → ignore (self, system, non-text) → friend requests (accept per
//!   policy, welcome) → group gate (robot enabled in this group?) → welcome (joins) → leave (removals) → dialog (the answer to a
//!   question the robot asked) → commands → product links → keyword auto-replies and Q&A
//!   → private chat (hand-over, help once a day) → silence
//! ```
//!
//! A handler returns [`Flow::Continue`] or [`Flow::Done`] with the [`Action`]s to take; it never sends. The engine
//! then applies the group's do-not-disturb hours and reply budget ([`limits`]) and commits the actions (outbox
//! rows, conversions) in the same transaction that marks the message done, so a message is answered at most
//! once however often it is delivered or re-handled after a crash.

pub mod command;
pub mod copy;
pub mod dispatch;
pub mod group_settings;
pub mod handlers;
pub mod keywords;
pub mod limits;
pub mod pid_binding;
pub mod qa;
pub mod roles;
pub mod text;

use crate::affiliate::Affiliates;
use crate::chat::{ConversationKind, Inbound, OutboundBody};
use crate::clock::Clock;
use crate::config::{RobotSettings, Settings};
use crate::outbox::{self, NewOutbox};
use crate::poster::Renderer;
use crate::store::conversions::NewConversion;
use crate::store::groups::Group;
use crate::store::inbound::status;
use crate::store::{Store, StoreError};
use crate::telemetry::Metrics;
use group_settings::GroupSettings;
use std::sync::Arc;

/// What a handler decided.
#[derive(Debug)]
pub enum Flow {
    /// Not mine: ask the next handler.
    Continue,
    /// Handled: take these actions (possibly none) and stop.
    Done(Vec<Action>),
}

/// An effect of handling a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send into the conversation the message came from.
    Reply(OutboundBody),
    /// Send into the conversation once ever for this key (e.g. the 备案 link for a member), however often the
    /// situation recurs.
    ReplyOnce { key: String, body: OutboundBody },
    /// Send into another conversation (an admin's or the sender's private chat), as the notice built it (its key
    /// makes it once ever); not subject to the group's do-not-disturb hours and reply budget.
    Notify(NewOutbox),
    /// Record a conversion.
    Record(Box<NewConversion>),
}

impl Action {
    /// A send into the message's own conversation: it obeys the group's do-not-disturb hours and reply budget.
    fn is_reply(&self) -> bool {
        matches!(self, Action::Reply(_) | Action::ReplyOnce { .. })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    /// Whether trying again later may succeed: the database was unreachable, busy or dropped the connection
    /// (not: corrupt data, a missing row).
    pub fn is_transient(&self) -> bool {
        matches!(self, EngineError::Store(StoreError::Db(_) | StoreError::Batch(_)))
    }
}

/// A robot as the engine knows it: its row id and its configuration.
#[derive(Debug, Clone)]
pub struct RobotCtx {
    pub id: i64,
    pub settings: RobotSettings,
    /// Set when the gateway reports the account offline; the outbox sender pauses until it is back.
    pub offline: Arc<std::sync::atomic::AtomicBool>,
    /// The pacing its outbox sender keeps (editable on the dashboard).
    pub pacing: crate::outbox::LivePacing,
}

/// Everything a handler may use.
pub struct Engine {
    pub store: Store,
    pub affiliates: Affiliates,
    pub renderer: Renderer,
    /// Product photos for posters, through the guarded fetcher.
    pub photos: crate::fetch::Photos,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub metrics: Metrics,
    pub robots: crate::robots::Robots,
    /// Per robot: woken when rows are queued for its outbox sender.
    pub outbox_wake: crate::robots::Wakes,
    pub caches: Caches,
    /// Pinduoduo 多多客授权, when Pinduoduo is enabled.
    pub pdd_auth: Option<crate::affiliate::authorization::PddAuthorization>,
    /// The robots' account states, alerts and contacts sync.
    pub lifecycle: crate::robots::Lifecycle,
}

/// A member's last 查券, for 下一页: keyed by robot, conversation and member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSession {
    pub keyword: String,
    pub page: u32,
}

type SessionKey = (i64, String, String);

/// Short-lived caches of rows every message needs, and in-memory chat state.
#[derive(Clone)]
pub struct Caches {
    groups: moka::future::Cache<(i64, String), Group>,
    members: moka::future::Cache<(String, Option<i64>, Option<String>), i64>,
    /// Auto-reply rules and Q&A entries per group (the group's own and the global ones).
    pub(crate) replies: moka::future::Cache<i64, Arc<handlers::auto_reply::Replies>>,
    pub(crate) searches: moka::future::Cache<SessionKey, SearchSession>,
    pub limits: Arc<limits::Limits>,
    /// Source groups' collection rules (`None`: the group is no source).
    pub(crate) sources: moka::future::Cache<i64, Option<Arc<crate::collection::Source>>>,
}

impl Default for Caches {
    fn default() -> Self {
        use std::time::Duration;
        Caches {
            groups: moka::future::Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(30)).build(),
            members: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            replies: moka::future::Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(60)).build(),
            searches: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            limits: Arc::default(),
            sources: moka::future::Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(60)).build(),
        }
    }
}

/// Per-message context handed to every handler.
pub struct Context<'a> {
    pub engine: &'a Engine,
    pub robot: RobotCtx,
    /// The group, for group messages.
    pub group: Option<Group>,
    /// The sender's member id.
    pub member_id: Option<i64>,
    /// The group's settings (the defaults outside groups).
    pub settings: GroupSettings,
    pub now_ms: i64,
}

/// The chain, in order. Reading this list tells what the robot does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Collect,
    Ignore,
    FriendRequest,
    GroupGate,
    Welcome,
    Leave,
    Dialog,
    Commands,
    ProductLink,
    AutoReply,
    PrivateChat,
}

const CHAIN: &[Step] = &[
    Step::Collect,
    Step::Ignore,
    Step::FriendRequest,
    Step::GroupGate,
    Step::Welcome,
    Step::Leave,
    Step::Dialog,
    Step::Commands,
    Step::ProductLink,
    Step::AutoReply,
    Step::PrivateChat,
];

impl Step {
    async fn handle(self, cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
        match self {
            Step::Collect => crate::collection::receive::handle(cx, msg).await,
            Step::Ignore => handlers::ignore::handle(cx, msg).await,
            Step::GroupGate => handlers::group_gate::handle(cx, msg).await,
            Step::Welcome => handlers::welcome::handle(cx, msg).await,
            Step::Leave => handlers::leave::handle(cx, msg).await,
            Step::Dialog => handlers::dialog::handle(cx, msg).await,
            Step::Commands => handlers::commands::handle(cx, msg).await,
            Step::ProductLink => handlers::product_link::handle(cx, msg).await,
            Step::AutoReply => handlers::auto_reply::handle(cx, msg).await,
            Step::FriendRequest => handlers::private_chat::friend_request(cx, msg).await,
            Step::PrivateChat => handlers::private_chat::unanswered(cx, msg).await,
        }
    }
}

impl Engine {
    /// The group, registered on first sight. Cached briefly: most messages come from groups seen a moment ago.
    pub async fn group(&self, robot_id: i64, room_id: &str, now_ms: i64) -> Result<Group, EngineError> {
        let key = (robot_id, room_id.to_string());
        if let Some(g) = self.caches.groups.get(&key).await {
            return Ok(g);
        }
        let g = self.store.ensure_group(robot_id, room_id, self.settings.engine.auto_enable_groups, now_ms).await?;
        self.metrics.group_loads.inc();
        self.caches.groups.insert(key, g.clone()).await;
        Ok(g)
    }

    /// Forgets the cached group after its settings changed.
    pub async fn invalidate_group(&self, robot_id: i64, room_id: &str) {
        self.caches.groups.invalidate(&(robot_id, room_id.to_string())).await;
    }

    /// Forgets a group's cached auto-replies after they changed (`0`: the global ones, so every group's).
    pub async fn invalidate_replies(&self, group_id: i64) {
        if group_id == crate::store::keywords::GLOBAL {
            self.caches.replies.invalidate_all();
        } else {
            self.caches.replies.invalidate(&group_id).await;
        }
    }

    /// The member id, registering the member (and their group membership) or refreshing the nickname when it
    /// changed.
    pub(crate) async fn member(
        &self,
        wxid: &str,
        nickname: Option<&str>,
        group: Option<&Group>,
        now_ms: i64,
    ) -> Result<i64, EngineError> {
        let key = (wxid.to_string(), group.map(|g| g.id), nickname.map(str::to_string));
        if let Some(id) = self.caches.members.get(&key).await {
            return Ok(id);
        }
        let id = self.store.touch_member(wxid, nickname, group.map(|g| g.id), now_ms).await?;
        self.caches.members.insert(key, id).await;
        Ok(id)
    }

    /// Handles one recorded message and commits its outcome. The message must have been claimed.
    #[tracing::instrument(skip_all, fields(robot = robot_id, conversation = %msg.conversation_id, msg_id = %msg.native_id))]
    pub async fn process(&self, inbound_id: i64, robot_id: i64, msg: &Inbound) -> Result<(), EngineError> {
        let started = std::time::Instant::now();
        let Some(robot) = self.robots.get(&robot_id) else {
            tracing::warn!("message of an unknown robot; skipped");
            self.store.finish_inbound(inbound_id, status::SKIPPED, &[], &[], self.clock.now_ms()).await?;
            return Ok(());
        };
        let now_ms = self.clock.now_ms();
        let group = match msg.conversation {
            ConversationKind::Group => Some(self.group(robot.id, &msg.conversation_id, now_ms).await?),
            ConversationKind::Direct => None,
        };
        let member_id = match msg.sender_id.as_deref().filter(|_| !msg.is_self && !msg.ignorable) {
            Some(sender) => Some(self.member(sender, msg.sender_name.as_deref(), group.as_ref(), now_ms).await?),
            None => None,
        };
        let settings = group.as_ref().map(|g| GroupSettings::parse(&g.settings)).unwrap_or_default();
        let cx = Context { engine: self, robot: robot.clone(), group, member_id, settings, now_ms };
        let mut actions = Vec::new();
        for step in CHAIN {
            match step.handle(&cx, msg).await? {
                Flow::Continue => continue,
                Flow::Done(a) => {
                    tracing::debug!(?step, actions = a.len(), "handled");
                    actions = a;
                    break;
                }
            }
        }
        let not_before = match self.admit(&cx, msg, &actions).await? {
            Some(t) => t,
            None => {
                actions.retain(|a| !a.is_reply());
                now_ms
            }
        };
        let mut sends = Vec::new();
        let mut conversions = Vec::new();
        for action in actions {
            match action {
                Action::Reply(body) => {
                    let key = format!("reply:{}:{}", msg.dedupe_key, sends.len());
                    sends.push(outbox::enqueue(robot.id, &msg.conversation_id, body, key).not_before(not_before));
                }
                Action::ReplyOnce { key, body } => {
                    let key = format!("once:{key}");
                    sends.push(outbox::enqueue(robot.id, &msg.conversation_id, body, key).not_before(not_before));
                }
                Action::Notify(send) => sends.push(send.not_before(now_ms)),
                Action::Record(c) => conversions.push(*c),
            }
        }
        let new_sends =
            self.store.finish_inbound(inbound_id, status::DONE, &sends, &conversions, self.clock.now_ms()).await?;
        if new_sends > 0 {
            self.metrics.replies_queued.inc_by(new_sends);
            if let Some(wake) = self.outbox_wake.get(&robot.id) {
                wake.notify_one();
            }
        }
        self.metrics.processing_seconds.observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// When the replies among `actions` may go out (`None`: not at all), by the group's do-not-disturb hours
    /// and reply budget (kept in the database, so it holds whichever instance handles the message).
    async fn admit(&self, cx: &Context<'_>, msg: &Inbound, actions: &[Action]) -> Result<Option<i64>, EngineError> {
        let replies = actions.iter().filter(|a| a.is_reply()).count();
        if replies == 0 {
            return Ok(Some(cx.now_ms));
        }
        let chat = &self.settings.chat;
        let dnd = cx.group.as_ref().and_then(|_| cx.settings.dnd(chat));
        let quiet = limits::quiet(dnd, cx.now_ms, chat.utc_offset_hours);
        if quiet == limits::Quiet::Drop {
            tracing::info!(replies, "do-not-disturb hours: replies dropped");
            return Ok(None);
        }
        let key = format!("{}:{}", cx.robot.id, msg.conversation_id);
        let per_minute = chat.reply_budget_per_minute;
        let now = cx.now_ms;
        if !self.store.spend_reply_budget(&key, now, |w| limits::spend_budget(w, replies, per_minute, now)).await? {
            tracing::warn!(replies, "reply budget of the group spent: replies dropped");
            return Ok(None);
        }
        Ok(match quiet {
            limits::Quiet::Until(t) => {
                tracing::info!(replies, until = t, "do-not-disturb hours: replies queued");
                Some(t)
            }
            _ => Some(now),
        })
    }
}
