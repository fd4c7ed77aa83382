//! Scripted group conversations: a member says something through the simulated gateway, the test waits until
//! dealbot has handled that very message and reads the replies it queued for it.

use crate::helpers::*;
use dealbot::chat::{MemberRef, Outbound, OutboundBody};
use dealbot::config::Settings;
use sqlx::Row;
use std::time::Duration;

/// Someone in the group.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub wxid: &'static str,
    pub nick: &'static str,
}

pub const ADMIN: Person = Person { wxid: "wxid_0p3rat0r", nick: "运营小张" };
pub const OWNER: Person = Person { wxid: "wxid_gr0up0wn3r", nick: "群主老王" };
pub const ALICE: Person = Person { wxid: MEMBER, nick: MEMBER_NICK };
pub const BOB: Person = Person { wxid: "wxid_b0b", nick: "小波" };

impl Person {
    pub fn member_ref(self) -> MemberRef {
        MemberRef { wxid: self.wxid.into(), nickname: Some(self.nick.into()) }
    }

    /// How a message @-mentions this person.
    pub fn at(self) -> String {
        format!("@{}\u{2005}", self.nick)
    }
}

/// One reply queued for a message.
#[derive(Debug, Clone)]
pub struct Reply {
    pub body: OutboundBody,
    /// When the outbox may send it (unix ms).
    pub not_before: i64,
}

impl Reply {
    /// The text, or empty for other kinds.
    pub fn text(&self) -> &str {
        match &self.body {
            OutboundBody::Text { content, .. } => content,
            _ => "",
        }
    }

    pub fn is_image(&self) -> bool {
        matches!(self.body, OutboundBody::Image { .. })
    }
}

pub struct Chat {
    pub app: TestApp,
}

/// Days are advanced with the injectable clock, so messages may look old to the stale filter: widen it.
pub fn chat_settings(s: &mut Settings) {
    s.chat.admins = vec![ADMIN.wxid.to_string()];
    s.engine.max_message_age_secs = 400 * 24 * 3600;
}

impl Chat {
    pub async fn start() -> Chat {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> Chat {
        let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
            chat_settings(s);
            tweak(s);
        })
        .await;
        for p in [ADMIN, OWNER, ALICE, BOB] {
            app.sim.sims.gewe.add_member(ROOM, p.wxid, p.nick);
        }
        Chat { app }
    }

    /// Starts with OWNER bound as the group's owner by ADMIN.
    pub async fn with_owner() -> Chat {
        Self::with_owner_and(|_| {}).await
    }

    pub async fn with_owner_and(tweak: impl FnOnce(&mut Settings)) -> Chat {
        let chat = Self::start_with(tweak).await;
        let r = chat.say(ADMIN, &format!("#设置群主 {}", OWNER.at())).await;
        assert!(r[0].text().contains("本群群主"), "{r:?}");
        chat
    }

    /// `who` writes `text`; returns the replies queued for that message once it is handled.
    pub async fn say(&self, who: Person, text: &str) -> Vec<Reply> {
        let id = self.app.sim.sims.gewe.deliver_text(ROOM, who.wxid, who.nick, text).await.unwrap();
        self.replies_to(&id).await
    }

    /// The replies queued for the message with gateway id `new_msg_id`, once it is handled.
    pub async fn replies_to(&self, new_msg_id: &str) -> Vec<Reply> {
        let key = format!("{}:{new_msg_id}", dealbot::sim::gewe::DEFAULT_APP_ID);
        let status = eventually("the message handled", Duration::from_secs(30), || async {
            let row = sqlx::query("SELECT status FROM inbound WHERE dedupe_key = $1")
                .bind(&key)
                .fetch_optional(self.app.store.pool())
                .await
                .unwrap()?;
            let status: String = row.try_get("status").unwrap();
            (status != "pending" && status != "processing").then_some(status)
        })
        .await;
        assert_eq!(status, "done", "{key}");
        let prefix = format!("reply:{key}:");
        let mut rows: Vec<_> = self
            .app
            .store
            .outbox_for(ROOM)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key.starts_with(&prefix))
            .collect();
        rows.sort_by_key(|r| r.idempotency_key[prefix.len()..].parse::<usize>().unwrap());
        rows.into_iter()
            .map(|r| {
                let out: Outbound = serde_json::from_str(&r.body).unwrap();
                Reply { body: out.body, not_before: r.next_attempt_at }
            })
            .collect()
    }

    /// `who` writes `text`; exactly one text reply is expected, returned without the @-mention.
    pub async fn ask(&self, who: Person, text: &str) -> String {
        let replies = self.say(who, text).await;
        assert_eq!(replies.len(), 1, "{text}: {replies:?}");
        let OutboundBody::Text { content, ats } = &replies[0].body else { panic!("{text}: {replies:?}") };
        assert_eq!(ats, &vec![who.wxid.to_string()], "replies @-mention the asker");
        content.strip_prefix(&who.at()).unwrap_or_else(|| panic!("{text}: no @-mention in {content}")).to_string()
    }

    /// `who` writes `text` and gets no reply.
    pub async fn silent(&self, who: Person, text: &str) {
        let replies = self.say(who, text).await;
        assert!(replies.is_empty(), "{text}: {replies:?}");
    }

    /// `inviter` brings `joined` into the group; returns the replies to the join message.
    pub async fn join(&self, inviter: Person, joined: &[Person]) -> Vec<Reply> {
        for p in joined {
            self.app.sim.sims.gewe.add_member(ROOM, p.wxid, p.nick);
        }
        let joined: Vec<MemberRef> = joined.iter().map(|p| p.member_ref()).collect();
        let id = self.app.sim.sims.gewe.deliver_join(ROOM, &inviter.member_ref(), &joined).await.unwrap();
        self.replies_to(&id).await
    }

    pub async fn member_id(&self, who: Person) -> i64 {
        self.app.store.member_id(who.wxid).await.unwrap().expect("registered member")
    }

    pub fn advance_secs(&self, secs: i64) {
        self.app.clock.advance_ms(secs * 1000);
    }

    pub fn now_ms(&self) -> i64 {
        self.app.clock.now_ms()
    }
}
