//! Newcomers who leave (拉新防刷): a removal notice from the gateway and the member-list sync both note that an
//! invited newcomer left the group, on both engines, through real GeWe callbacks and `getChatroomInfo`.

use crate::conversation::*;
use crate::helpers::{ROOM, TestDb};

on_both_engines!(a_removal_notice_and_a_member_sync_note_that_invited_newcomers_left_and_a_return_clears_it,);

const CAROL: Person = Person { wxid: "wxid_car0l", nick: "小卡" };
const DAVE: Person = Person { wxid: "wxid_dav3", nick: "大卫" };
const HOUR_SECS: i64 = 3_600;

async fn a_removal_notice_and_a_member_sync_note_that_invited_newcomers_left_and_a_return_clears_it(db: TestDb) {
    let chat = Chat::start_on(db, |_| {}).await;
    chat.join(ALICE, &[CAROL, DAVE]).await;
    let robot = chat.app.engine.robots.values().map(|r| r.id).min().unwrap();
    let group = chat.app.store.ensure_group(robot, ROOM, true, 0).await.unwrap().id;
    let (carol, dave) = (chat.member_id(CAROL).await, chat.member_id(DAVE).await);
    let store = &chat.app.store;
    assert_eq!(store.invite_left_at(group, carol).await.unwrap(), None);

    // An hour later the robot removes Carol: the 10002 sysmsg `你将"小卡"移出了群聊`, handled without a word.
    chat.advance_secs(HOUR_SECS);
    let removed_at = chat.app.clock.now_ms();
    let gewe = &chat.app.sim.sims.gewe;
    let id = gewe.deliver_removal(ROOM, None, &[CAROL.member_ref()]).await.unwrap();
    assert!(chat.replies_to(&id).await.is_empty());
    // The robot's own sends echo back as callbacks too, and one may arrive after the notice: find the notice.
    let callbacks = gewe.callbacks();
    let body = callbacks.iter().rev().map(|c| &c.body).find(|b| b.contains("移出了群聊")).expect("the notice").clone();
    assert!(body.contains("移出了群聊") && body.contains("\"MsgType\":10002"), "{body}");
    let left = store.invite_left_at(group, carol).await.unwrap().expect("Carol noted as left");
    assert!((removed_at..removed_at + 60_000).contains(&left), "{left} vs {removed_at}");
    assert!(!gewe.members(ROOM).iter().any(|m| m.wxid == CAROL.wxid));

    // Dave leaves quietly: the next member sync no longer lists him.
    chat.advance_secs(HOUR_SECS);
    gewe.remove_member(ROOM, DAVE.wxid);
    let synced_at = chat.app.clock.now_ms();
    chat.app.engine.lifecycle.sync_contacts(robot).await.unwrap();
    let left = store.invite_left_at(group, dave).await.unwrap().expect("Dave noted as left");
    assert!((synced_at..synced_at + 60_000).contains(&left));
    assert_eq!(store.invite_left_at(group, carol).await.unwrap().map(|l| l < synced_at), Some(true), "kept");

    // Dave is back in the list: no longer away.
    gewe.add_member(ROOM, DAVE.wxid, DAVE.nick);
    chat.app.engine.lifecycle.sync_contacts(robot).await.unwrap();
    assert_eq!(store.invite_left_at(group, dave).await.unwrap(), None);
}
