//! Welcome and invites (拉新): one welcome @-mentioning every newcomer of a join, the inviter's points once per
//! newcomer whatever the gateway redelivers.

use crate::conversation::*;
use crate::helpers::*;
use dealbot::chat::OutboundBody;
use std::time::Duration;

const CAROL: Person = Person { wxid: "wxid_car0l", nick: "小卡" };
const DAVE: Person = Person { wxid: "wxid_dav3", nick: "大卫" };
const ERIN: Person = Person { wxid: "wxid_3rin", nick: "小艾" };

#[tokio::test]
async fn one_join_of_three_gets_one_welcome_with_three_mentions_and_the_inviter_points_once() {
    let chat = Chat::start_with(|s| s.chat.invite_points = 20).await;
    // The gateway posts every callback twice.
    chat.app.sim.sims.gewe.duplicate_callbacks(2);
    let replies = chat.join(ALICE, &[CAROL, DAVE, ERIN]).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    let OutboundBody::Text { content, ats } = &replies[0].body else { panic!("{replies:?}") };
    assert_eq!(ats, &vec![CAROL.wxid.to_string(), DAVE.wxid.to_string(), ERIN.wxid.to_string()]);
    for p in [CAROL, DAVE, ERIN] {
        assert!(content.contains(&p.at()), "{content}");
    }
    // Delivered through the gateway as one message whose mentions show.
    let sent = eventually("the welcome delivered", Duration::from_secs(20), || async {
        chat.app.sim.sims.gewe.sent().into_iter().find(|m| m.ats.len() == 3)
    })
    .await;
    assert!(sent.ats_in_content, "{sent:?}");

    let alice = chat.member_id(ALICE).await;
    assert_eq!(chat.app.store.points_balance(alice).await.unwrap(), 60, "20 for each newcomer, once");
    for p in [CAROL, DAVE, ERIN] {
        assert!(chat.app.store.member_id(p.wxid).await.unwrap().is_some(), "newcomers are registered");
    }

    // Re-joins, and the same newcomer brought by someone else, earn nothing more.
    chat.app.sim.sims.gewe.duplicate_callbacks(1);
    let again = chat.join(BOB, &[CAROL]).await;
    assert_eq!(again.len(), 1, "a re-join is welcomed again");
    assert_eq!(chat.app.store.points_balance(alice).await.unwrap(), 60);
    assert_eq!(chat.app.store.points_balance(chat.member_id(BOB).await).await.unwrap(), 0);
    assert_eq!(chat.app.store.points_ledger_sum(alice).await.unwrap(), 60);
    assert!(chat.ask(ALICE, "积分").await.contains("邀请新人 +20"));
}

#[tokio::test]
async fn many_newcomers_are_welcomed_in_batches() {
    let chat = Chat::start_with(|s| s.chat.welcome_max_mentions = 2).await;
    let replies = chat.join(ALICE, &[CAROL, DAVE, ERIN]).await;
    assert_eq!(replies.len(), 2, "{replies:?}");
    let ats: Vec<usize> = replies
        .iter()
        .map(|r| match &r.body {
            OutboundBody::Text { ats, .. } => ats.len(),
            _ => 0,
        })
        .collect();
    assert_eq!(ats, vec![2, 1]);
}
