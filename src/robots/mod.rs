//! Robot lifecycle: each account's state as the gateway shows it, the per-account breaker that holds the
//! account's sends while it is down and probes it, alerts to the admins, and the groups and members synced from
//! the gateway's contacts.
//!
//! ```text
//! send answered 已离线 / 未登录 ─┐                         ┌─ checkOnline / reconnection ok ─► came_back: online,
//! Offline callback ─────────────┴► went_down: state, hold ─┤                                     sends resume, sync
//!                                  sends, alert the admins └─ reconnection fails ─► needs re-login (QR)
//! ```
//!
//! The state lives in the database (`robots.state`), so a restarted process keeps holding a down account's sends.

pub mod login;
pub mod member_sync;
pub mod registry;
pub mod state;
pub mod text;

use crate::chat::SendError;
use crate::chat::gewe::GeweClient;
use crate::clock::Clock;
use crate::notices::AdminAlert;
use crate::store::robot_lifecycle::{GroupName, SyncedMember};
use crate::store::{Store, StoreError};
pub use registry::{Robots, Wakes};
pub use state::{RobotState, account_down};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Notify;

/// Writes of a robot's last message in/out time are at most this often (the page shows minutes, not ms).
const TOUCH_EVERY_MS: i64 = 5_000;
/// An unnamed group is shown by this many of its members' names.
const NAME_FROM_MEMBERS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum RobotError {
    #[error("gateway: {0}")]
    Gateway(#[from] SendError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown robot {0}")]
    UnknownRobot(i64),
}

/// One robot account as the lifecycle drives it.
#[derive(Clone)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// The account's own wxid (not a member of its groups' member lists).
    pub wxid: String,
    pub client: GeweClient,
    /// Set while the account is down: its outbox sender holds the sends and probes the account.
    pub offline: Arc<AtomicBool>,
    /// Wakes the account's outbox sender.
    pub wake: Arc<Notify>,
}

/// The robots' lifecycle, shared by the webhook, the outbox senders and the dashboard.
#[derive(Clone)]
pub struct Lifecycle {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    admin_wxids: Vec<String>,
    auto_enable_groups: bool,
    accounts: RwLock<BTreeMap<i64, Account>>,
    last_in: Mutex<HashMap<i64, i64>>,
    last_out: Mutex<HashMap<i64, i64>>,
    /// Rooms synced (or being synced) since start, per robot.
    synced: Mutex<HashSet<(i64, String)>>,
    /// QR logins in progress, per robot.
    logins: Mutex<HashMap<i64, login::PendingLogin>>,
    /// Serialises an account's state changes with the reading of its state from the database, so that a refresh
    /// that read "online" just before an `Offline` callback cannot reopen the account it closed.
    transitions: tokio::sync::Mutex<()>,
}

impl Lifecycle {
    pub fn new(
        store: Store,
        clock: Clock,
        admin_wxids: Vec<String>,
        auto_enable_groups: bool,
        accounts: Vec<Account>,
    ) -> Lifecycle {
        Lifecycle {
            inner: Arc::new(Inner {
                store,
                clock,
                admin_wxids,
                auto_enable_groups,
                accounts: RwLock::new(accounts.into_iter().map(|a| (a.id, a)).collect()),
                last_in: Default::default(),
                last_out: Default::default(),
                synced: Default::default(),
                logins: Default::default(),
                transitions: Default::default(),
            }),
        }
    }

    fn accounts(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<i64, Account>> {
        self.inner.accounts.read().unwrap_or_else(|p| p.into_inner())
    }

    fn account(&self, robot_id: i64) -> Result<Account, RobotError> {
        self.accounts().get(&robot_id).cloned().ok_or(RobotError::UnknownRobot(robot_id))
    }

    /// A robot added while running (or its account after a login bound it to a wxid).
    pub fn add_account(&self, account: Account) {
        self.inner.accounts.write().unwrap_or_else(|p| p.into_inner()).insert(account.id, account);
    }

    /// Start-up: an account recorded as down stays held until a probe finds it back.
    pub async fn restore(&self) -> Result<(), RobotError> {
        let accounts: Vec<Account> = self.accounts().values().cloned().collect();
        for a in &accounts {
            let status = self.inner.store.robot_status(a.id).await?;
            if RobotState::parse(&status.state).is_some_and(|s| s != RobotState::Online) {
                a.offline.store(true, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// Reads the account's state from the database into its breaker: another instance sharing the database may have
    /// seen it go down (an Offline callback) or come back. Returns whether it is down.
    pub async fn refresh(&self, robot_id: i64) -> Result<bool, RobotError> {
        let Ok(account) = self.account(robot_id) else { return Ok(false) };
        let _transition = self.inner.transitions.lock().await;
        let status = self.inner.store.robot_status(robot_id).await?;
        let down = RobotState::parse(&status.state).is_some_and(|s| s != RobotState::Online);
        account.offline.store(down, Ordering::SeqCst);
        Ok(down)
    }

    /// The account cannot send: hold its sends, record the state and, when it was online, alert the admins.
    pub async fn went_down(&self, robot_id: i64, state: RobotState, reason: &str) {
        if let Err(e) = self.went_down_inner(robot_id, state, reason).await {
            tracing::error!(robot = robot_id, error = %e, "cannot record the robot going down");
        }
    }

    async fn went_down_inner(&self, robot_id: i64, state: RobotState, reason: &str) -> Result<(), RobotError> {
        let account = self.account(robot_id)?;
        let store = &self.inner.store;
        let now = self.inner.clock.now_ms();
        let transition = self.inner.transitions.lock().await;
        account.offline.store(true, Ordering::SeqCst);
        let before = store.robot_status(robot_id).await?;
        if !store.set_robot_state(robot_id, state.as_str(), reason, now).await? {
            return Ok(());
        }
        drop(transition);
        tracing::warn!(robot = robot_id, state = state.as_str(), reason, "robot account down; its sends are held");
        store.add_robot_event(robot_id, state.as_str(), reason, now).await?;
        if before.state == RobotState::Online.as_str() {
            let alert = AdminAlert::RobotDown { robot_id, name: &account.name, state, reason, at: now };
            self.alert(robot_id, &alert).await?;
        }
        Ok(())
    }

    /// The account answers again: its held sends resume, the admins hear of it and its contacts are synced.
    pub async fn came_back(&self, robot_id: i64) {
        if let Err(e) = self.came_back_inner(robot_id).await {
            tracing::error!(robot = robot_id, error = %e, "cannot record the robot coming back");
        }
    }

    async fn came_back_inner(&self, robot_id: i64) -> Result<(), RobotError> {
        let account = self.account(robot_id)?;
        let store = &self.inner.store;
        let now = self.inner.clock.now_ms();
        let transition = self.inner.transitions.lock().await;
        let changed = store.set_robot_state(robot_id, RobotState::Online.as_str(), "", now).await?;
        account.offline.store(false, Ordering::SeqCst);
        drop(transition);
        account.wake.notify_one();
        if changed {
            tracing::info!(robot = robot_id, "robot account online; held sends resume");
            store.add_robot_event(robot_id, RobotState::Online.as_str(), "", now).await?;
            self.alert(robot_id, &AdminAlert::RobotBack { robot_id, name: &account.name, at: now }).await?;
            let me = self.clone();
            tokio::spawn(async move { me.sync_contacts_logged(robot_id).await });
        }
        Ok(())
    }

    /// Tells every admin in private chat, through another robot that is online (or, for good news, the robot
    /// itself). Without one, the dashboard's event log is the only alert.
    async fn alert(&self, about: i64, alert: &AdminAlert<'_>) -> Result<(), RobotError> {
        let online = |a: &&Account| !a.offline.load(Ordering::SeqCst);
        let accounts = self.accounts().clone();
        let via = accounts.values().filter(|a| a.id != about).find(online).or(accounts.get(&about).filter(online));
        let Some(via) = via else {
            let now = self.inner.clock.now_ms();
            self.inner.store.add_robot_event(about, "alert_undelivered", text::ALERT_UNDELIVERED, now).await?;
            return Ok(());
        };
        let now = self.inner.clock.now_ms();
        let sends = alert.sends(via.id, &self.inner.admin_wxids);
        self.inner.store.enqueue(&sends, now).await?;
        via.wake.notify_one();
        Ok(())
    }

    /// Asks the gateway to restore the account's connection (the dashboard's 重连), then checks it.
    pub async fn reconnect(&self, robot_id: i64) -> Result<RobotState, RobotError> {
        let account = self.account(robot_id)?;
        let back = match account.client.reconnect().await {
            Ok(()) => account.client.check_online().await?,
            Err(e) => {
                let reason = text::reconnect_failed(&error_text(&e));
                self.went_down(robot_id, RobotState::NeedsLogin, &reason).await;
                return Ok(RobotState::NeedsLogin);
            }
        };
        if back {
            self.came_back(robot_id).await;
            Ok(RobotState::Online)
        } else {
            self.went_down(robot_id, RobotState::NeedsLogin, text::STILL_OFFLINE_AFTER_RECONNECT).await;
            Ok(RobotState::NeedsLogin)
        }
    }

    /// Logs the account out at the gateway (the dashboard's 退出登录); its sends are held until it logs in again.
    pub async fn log_out(&self, robot_id: i64) -> Result<(), RobotError> {
        self.account(robot_id)?.client.logout().await?;
        self.went_down(robot_id, RobotState::NeedsLogin, text::LOGGED_OUT_BY_ADMIN).await;
        Ok(())
    }

    /// Notes a message received by the robot (written at most every few seconds).
    pub async fn touch_in(&self, robot_id: i64) {
        if self.due(&self.inner.last_in, robot_id)
            && let Err(e) = self.inner.store.touch_robot_in(robot_id, self.inner.clock.now_ms()).await
        {
            tracing::warn!(robot = robot_id, error = %e, "cannot record the last message in");
        }
    }

    /// Notes a message the gateway accepted from the robot.
    pub async fn touch_out(&self, robot_id: i64) {
        if self.due(&self.inner.last_out, robot_id)
            && let Err(e) = self.inner.store.touch_robot_out(robot_id, self.inner.clock.now_ms()).await
        {
            tracing::warn!(robot = robot_id, error = %e, "cannot record the last message out");
        }
    }

    fn due(&self, last: &Mutex<HashMap<i64, i64>>, robot_id: i64) -> bool {
        let now = self.inner.clock.now_ms();
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        let prev = last.get(&robot_id).copied().unwrap_or(i64::MIN);
        if now.saturating_sub(prev) < TOUCH_EVERY_MS {
            return false;
        }
        last.insert(robot_id, now);
        true
    }

    /// A message came from `room`: the first time since start, its name and members are synced in the background
    /// (a group the robot was just added to appears on 群 with its name).
    pub fn seen_room(&self, robot_id: i64, room: &str) {
        let fresh = self.inner.synced.lock().unwrap_or_else(|p| p.into_inner()).insert((robot_id, room.to_string()));
        if fresh {
            let me = self.clone();
            let room = room.to_string();
            tokio::spawn(async move {
                if let Err(e) = me.sync_room(robot_id, &room).await {
                    tracing::warn!(robot = robot_id, room, error = %e, "cannot sync the group");
                }
            });
        }
    }

    /// Syncs every group of the robot: the ones saved to its contacts and the ones it already knows.
    pub async fn sync_contacts(&self, robot_id: i64) -> Result<usize, RobotError> {
        let account = self.account(robot_id)?;
        let mut rooms = account.client.saved_chatrooms().await?;
        for room in self.inner.store.robot_rooms(robot_id).await? {
            if !rooms.contains(&room) {
                rooms.push(room);
            }
        }
        let mut synced = 0;
        for room in &rooms {
            self.inner.synced.lock().unwrap_or_else(|p| p.into_inner()).insert((robot_id, room.clone()));
            match self.sync_room(robot_id, room).await {
                Ok(()) => synced += 1,
                Err(e) => tracing::warn!(robot = robot_id, room, error = %e, "cannot sync the group"),
            }
        }
        Ok(synced)
    }

    /// The picture of an inbound image message (its CDN XML) through the robot's account, at most `max_bytes`.
    pub async fn download_image(&self, robot_id: i64, xml: &str, max_bytes: usize) -> Result<Vec<u8>, RobotError> {
        Ok(self.account(robot_id)?.client.download_image(xml, max_bytes).await?)
    }

    pub async fn sync_contacts_logged(&self, robot_id: i64) {
        match self.sync_contacts(robot_id).await {
            Ok(n) => tracing::info!(robot = robot_id, groups = n, "contacts synced"),
            Err(e) => tracing::warn!(robot = robot_id, error = %e, "cannot sync contacts"),
        }
    }

    async fn sync_room(&self, robot_id: i64, room: &str) -> Result<(), RobotError> {
        // The time before the fetch: a newcomer whose join arrives while the list is on its way is not "missing".
        let now = self.inner.clock.now_ms();
        let info = self.account(robot_id)?.client.chatroom_info(room).await?;
        let name = if info.name.trim().is_empty() {
            let names: Vec<&str> =
                info.members.iter().map(|m| m.display_name.as_str()).filter(|n| !n.is_empty()).collect();
            GroupName::StandIn(names.into_iter().take(NAME_FROM_MEMBERS).collect::<Vec<_>>().join(text::NAME_SEPARATOR))
        } else {
            GroupName::Gateway(info.name.trim().to_string())
        };
        let store = &self.inner.store;
        let account = self.account(robot_id)?;
        let wxid = &account.wxid;
        let count = info.members.iter().filter(|m| &m.wxid != wxid).count() as i64;
        let group_id = store.sync_group(robot_id, room, &name, count, self.inner.auto_enable_groups, now).await?;
        let members: Vec<SyncedMember> = info
            .members
            .into_iter()
            .filter(|m| &m.wxid != wxid)
            .map(|m| SyncedMember { wxid: m.wxid, nickname: m.nickname, display_name: m.display_name })
            .collect();
        store.sync_group_members(group_id, &members, now).await?;
        Ok(())
    }
}

/// The gateway's words for a failure, for the operator.
pub fn error_text(e: &SendError) -> String {
    match e {
        SendError::Rejected { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}
