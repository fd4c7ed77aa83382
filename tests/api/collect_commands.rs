//! `#设为采集源` / `#取消采集源` in a conversation: a member group an admin makes a source stops answering; when the
//! admin stops collecting from it, it is a member group again and answers replies and commands as before. A group
//! that was no member group before stays silent.

use crate::conversation::*;
use crate::helpers::ROOM;

#[tokio::test]
async fn stopping_collection_in_a_member_group_makes_it_answer_again() {
    let chat = Chat::start().await;
    chat.expect_reply(ALICE, "签到", "签到成功").await;

    chat.silent(ADMIN, "#设为采集源").await;
    let group = chat.group().await;
    assert!(chat.app.store.collect_source(group.id).await.unwrap().is_some());
    assert!(!group.enabled, "a source is no member group");
    chat.silent(ALICE, "帮助").await;
    chat.silent(OWNER, "#群状态").await;

    chat.silent(ADMIN, "#取消采集源").await;
    let group = chat.group().await;
    assert!(chat.app.store.collect_source(group.id).await.unwrap().is_none());
    assert!(group.enabled, "a member group again");
    chat.expect_reply(ALICE, "帮助", "我能做这些").await;
}

#[tokio::test]
async fn stopping_collection_in_a_group_that_was_no_member_group_keeps_it_silent() {
    let chat = Chat::start().await;
    chat.expect_reply(ALICE, "帮助", "我能做这些").await;
    let group = chat.group().await;
    chat.app.store.set_group_enabled(group.id, false, chat.now_ms()).await.unwrap();
    chat.app.engine.invalidate_group(group.robot_id, ROOM).await;

    chat.silent(ADMIN, "#设为采集源").await;
    chat.silent(ADMIN, "#取消采集源").await;
    let group = chat.group().await;
    assert!(chat.app.store.collect_source(group.id).await.unwrap().is_none(), "no source any more");
    assert!(!group.enabled, "still no member group");
    chat.silent(ALICE, "帮助").await;
}

impl Chat {
    /// The group's row as it is now.
    async fn group(&self) -> dealbot::store::groups::Group {
        let robot = self.app.engine.robots.keys().next().unwrap();
        self.app.store.ensure_group(robot, ROOM, true, self.now_ms()).await.unwrap()
    }

    /// `who` says `text`; a reply contains `part`.
    async fn expect_reply(&self, who: Person, text: &str, part: &str) {
        let replies = self.say(who, text).await;
        assert!(replies.iter().any(|r| r.text().contains(part)), "{text}: expected {part} in {replies:?}");
    }
}
