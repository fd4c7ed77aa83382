//! Private chat as a service channel, through the webhook: every member command and the rule sets in private
//! chat, the daily help and the hand-over after two unanswered messages, friend requests accepted per policy
//! (accepted in the simulated gateway with the request's tickets), and the customer-service round trip member →
//! dashboard (headless Chromium) → member.

use crate::admin_browser::login;
use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, add_user};
use crate::admin_webdriver::Browser;
use crate::conversation::{ALICE, BOB, Chat, Person, chat_settings};
use crate::helpers::*;
use dealbot::chat::{Outbound, OutboundBody};
use dealbot::config::{FriendPolicy, LedgerSettings, Settings};
use dealbot::sim::gewe::SentKind;
use dealbot::store::Store;
use dealbot::store::keywords::{GLOBAL, NewKeyword, PRIVATE};
use dealbot::store::outbox::OutboxRow;
use dealbot::store::service::{direction, reason};
use sqlx::Row;
use std::time::Duration;

/// The operator's admin who gets hand-over alerts in private chat.
const OPERATOR: &str = "wxid_0p3rat0r_k3f";
const WAIT: Duration = Duration::from_secs(30);

fn private_settings(s: &mut Settings) {
    s.admin.wxids = vec![OPERATOR.to_string()];
    s.chat.cooldown_secs = 0;
    s.chat.search_cooldown_secs = 0;
    s.ledger = LedgerSettings { min_withdrawal_fen: 100, ..LedgerSettings::default() };
}

/// Waits until the inbound message `new_msg_id` is handled; returns its dedupe key.
async fn handled(app: &TestApp, new_msg_id: &str) -> String {
    let key = format!("{}:{new_msg_id}", dealbot::sim::gewe::DEFAULT_APP_ID);
    wait_handled(&app.store, &key).await;
    key
}

/// `who` writes `text` to the robot in private chat; returns the replies to that message, in order.
async fn private(app: &TestApp, who: Person, text: &str) -> Vec<OutboundBody> {
    let id = app.sim.sims.gewe.deliver_private_text(who.wxid, who.nick, text).await.unwrap();
    let key = handled(app, &id).await;
    let prefix = format!("reply:{key}:");
    let mut rows: Vec<OutboxRow> = app
        .store
        .outbox_for(who.wxid)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.idempotency_key.starts_with(&prefix))
        .collect();
    rows.sort_by_key(|r| r.idempotency_key[prefix.len()..].parse::<usize>().unwrap());
    rows.iter().map(|r| serde_json::from_str::<Outbound>(&r.body).unwrap().body).collect()
}

/// The single text reply to `text`, which carries no @-mention.
async fn private_text(app: &TestApp, who: Person, text: &str) -> String {
    let replies = private(app, who, text).await;
    match replies.as_slice() {
        [OutboundBody::Text { content, ats }] => {
            assert!(ats.is_empty(), "no @-mention in private chat");
            content.clone()
        }
        other => panic!("{text}: one text expected, got {other:?}"),
    }
}

/// Texts queued (any key) into `conversation`.
async fn texts_to(store: &Store, conversation: &str) -> Vec<(String, String)> {
    store
        .outbox_for(conversation)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| match serde_json::from_str::<Outbound>(&r.body).unwrap().body {
            OutboundBody::Text { content, .. } => Some((r.idempotency_key, content)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn in_private_chat_links_search_mine_orders_withdraw_and_both_rule_sets_answer() {
    let chat = Chat::start_with(private_settings).await;
    let app = &chat.app;
    chat.ask(ALICE, "签到").await;
    let member = chat.member_id(ALICE).await;
    let store = &app.store;
    let rule = |group_id, pattern, reply| NewKeyword {
        group_id,
        match_kind: "contains",
        pattern,
        reply_kind: "text",
        reply,
        priority: 0,
    };
    store.upsert_keyword(&rule(GLOBAL, "发货", "下单后 48 小时内发货"), 1).await.unwrap();
    store.upsert_keyword(&rule(PRIVATE, "返利多久", "订单确认收货后返利到账"), 1).await.unwrap();
    let group_id = store.ensure_group(crate::admin_helpers::robot_id(app), ROOM, true, 1).await.unwrap().id;
    store.upsert_keyword(&rule(group_id, "群规", "本群禁止广告"), 1).await.unwrap();
    store.upsert_faq(PRIVATE, "怎么绑定淘宝账号", "发一个淘宝链接给我，按提示授权即可", 1).await.unwrap();

    // A pasted link: poster and copy, converted for Alice herself (her member tag), outside any group.
    let link = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
    let replies = private(app, ALICE, link).await;
    assert!(matches!(replies[0], OutboundBody::Image { .. }), "{replies:?}");
    let OutboundBody::Text { content, ats } = &replies[1] else { panic!("{replies:?}") };
    assert!(ats.is_empty() && content.contains("http"), "{content}");
    let row = sqlx::query("SELECT group_id, member_wxid, member_param FROM conversions ORDER BY id DESC LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(row.try_get::<Option<i64>, _>("group_id").unwrap(), None);
    assert_eq!(row.try_get::<Option<String>, _>("member_wxid").unwrap().as_deref(), Some(ALICE.wxid));
    let param: Option<String> = row.try_get("member_param").unwrap();
    assert!(param.as_deref().is_some_and(|p| p.contains(&format!("m{member}"))), "{param:?}");

    let found = private(app, ALICE, "查券 耳机").await;
    let Some(OutboundBody::Text { content, .. }) = found.last() else { panic!("{found:?}") };
    assert!(content.contains("「耳机」的优惠好物") && content.contains("下一页"), "{content}");
    let mine = private_text(app, ALICE, "我的").await;
    assert!(mine.contains("我的数据") && mine.contains("可提现"), "{mine}");
    let orders = private_text(app, ALICE, "订单").await;
    assert!(orders.contains("可提现"), "{orders}");
    assert!(private_text(app, ALICE, "提现 10").await.contains("可提现余额不足"));

    // Global rules and the private rule set answer; a group's own rule does not.
    assert_eq!(private_text(app, ALICE, "什么时候发货").await, "下单后 48 小时内发货");
    assert_eq!(private_text(app, ALICE, "返利多久到账").await, "订单确认收货后返利到账");
    assert_eq!(private_text(app, ALICE, "怎么绑定淘宝账号？").await, "发一个淘宝链接给我，按提示授权即可");
    assert!(private(app, ALICE, "群规是什么").await.is_empty(), "a group's rule stays in its group");
    // The private rule set does not answer in the group.
    chat.silent(ALICE, "返利多久到账").await;
    // 人工 in a group points to private chat.
    assert!(chat.ask(ALICE, "人工").await.contains("私聊"));
}

#[tokio::test]
async fn unknown_private_messages_get_the_help_once_a_day_and_the_second_one_is_handed_over() {
    let chat = Chat::start_with(private_settings).await;
    let app = &chat.app;
    let help_rows = || async {
        texts_to(&app.store, BOB.wxid).await.into_iter().filter(|(k, _)| k.starts_with("once:private-help:")).count()
    };
    assert!(private(app, BOB, "在吗").await.is_empty(), "the help is a once-a-day send, not a reply");
    assert_eq!(help_rows().await, 1);
    let (_, help) = texts_to(&app.store, BOB.wxid).await.into_iter().next().unwrap();
    assert!(help.contains("我能做这些") && help.contains("人工"), "{help}");

    // The second unanswered message of the day hands Bob over: he is told, the operator gets his message.
    let told = private_text(app, BOB, "我的包裹到哪了").await;
    assert!(told.contains("转接人工客服"), "{told}");
    assert_eq!(help_rows().await, 1, "no second help the same day");
    let alerts = texts_to(&app.store, OPERATOR).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].1.contains("我的包裹到哪了") && alerts[0].1.contains(BOB.wxid), "{alerts:?}");
    let open = app.store.open_service_conversation(crate::admin_helpers::robot_id(app), BOB.wxid).await.unwrap();
    let open = open.expect("an open hand-over");
    assert_eq!(open.reason, reason::UNANSWERED);

    // While it is open, Bob's messages are kept for the admins, without replies or new alerts.
    assert!(private(app, BOB, "还有一个问题").await.is_empty());
    let messages = app.store.service_messages(open.id, 10).await.unwrap();
    let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["我的包裹到哪了", "还有一个问题"]);
    assert_eq!(texts_to(&app.store, OPERATOR).await.len(), 1);

    // Closed, a day later: the help comes again, once.
    app.store.close_service_conversation(open.id, "boss", chat.now_ms()).await.unwrap();
    chat.advance_secs(24 * 3600);
    assert!(private(app, BOB, "你好").await.is_empty());
    assert_eq!(help_rows().await, 2);
}

/// Someone in none of the robot's groups (the synced member lists included).
const STRANGER: Person = Person { wxid: "wxid_str4nger", nick: "路人甲" };

/// Starts an app with `policy`; ALICE is known from the group (she spoke there), STRANGER is not.
async fn with_policy(policy: FriendPolicy) -> Chat {
    let chat = Chat::start_with(|s| {
        private_settings(s);
        s.private_chat.friend_policy = policy;
    })
    .await;
    chat.ask(ALICE, "签到").await;
    chat
}

/// `who` asks to be the robot's friend; returns whether the gateway made them a friend (waiting for the accept
/// to go out when `expected`).
async fn request_friendship(chat: &Chat, who: Person, expected: bool) -> bool {
    let gewe = &chat.app.sim.sims.gewe;
    let request = gewe.deliver_friend_request(who.wxid, who.nick, "我想进省钱群", None).await.unwrap();
    let callbacks = gewe.callbacks();
    let body = &callbacks.last().unwrap().body;
    let id = serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]["NewMsgId"].to_string();
    handled(&chat.app, &id).await;
    if expected {
        eventually("the friend accepted", WAIT, || async {
            gewe.friends().contains(&who.wxid.to_string()).then_some(())
        })
        .await;
        let call = gewe.contacts_calls().into_iter().find(|c| c.v3 == request.v3).expect("an addContacts call");
        assert_eq!((call.option, call.scene, call.v4.as_str(), call.ret), (3, request.scene, request.v4.as_str(), 200));
    }
    gewe.friends().contains(&who.wxid.to_string())
}

#[tokio::test]
async fn friend_requests_are_accepted_per_policy_with_a_welcome_and_the_same_member_record() {
    // Only members of our groups (the default).
    let chat = with_policy(FriendPolicy::GroupMembers).await;
    let in_group = chat.member_id(ALICE).await;
    assert!(request_friendship(&chat, ALICE, true).await);
    assert_eq!(chat.member_id(ALICE).await, in_group, "the friend is the member known from the group");
    let gewe = &chat.app.sim.sims.gewe;
    let welcome = eventually("the welcome sent", WAIT, || async {
        gewe.sent().into_iter().find(|m| m.to_wxid == ALICE.wxid && m.kind == SentKind::Text)
    })
    .await;
    assert!(welcome.content.contains("发商品链接给我"), "{}", welcome.content);
    assert!(!request_friendship(&chat, STRANGER, false).await, "a stranger is not accepted");
    assert!(gewe.pending_friend_requests().iter().any(|r| r.wxid == STRANGER.wxid), "left for the operator");
    assert!(chat.app.store.outbox_for(STRANGER.wxid).await.unwrap().is_empty(), "nothing sent to the stranger");

    // Everyone.
    let chat = with_policy(FriendPolicy::All).await;
    assert!(request_friendship(&chat, STRANGER, true).await);
    assert!(chat.app.store.member_id(STRANGER.wxid).await.unwrap().is_some(), "the new friend is a member");

    // Nobody.
    let chat = with_policy(FriendPolicy::None).await;
    assert!(!request_friendship(&chat, ALICE, false).await);
    assert!(chat.app.sim.sims.gewe.contacts_calls().is_empty());
}

#[tokio::test]
async fn a_hand_over_goes_from_the_member_to_the_dashboard_and_the_reply_back_to_the_member() {
    let app = TestApp::spawn_on(TestDb::postgres().await, |s| {
        chat_settings(s);
        private_settings(s);
    })
    .await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, dealbot::store::users::Role::Admin, None).await;
    let gewe = &app.sim.sims.gewe;

    // Alice asks for a person; the operator is alerted in private chat with her message.
    let told = private_text(&app, ALICE, "人工").await;
    assert!(told.contains("转接人工客服"), "{told}");
    private(&app, ALICE, "我的订单 190108-374476636970002 一直没到账").await;
    let alert = eventually("the operator alerted", WAIT, || async {
        gewe.sent().into_iter().find(|m| m.to_wxid == OPERATOR && m.kind == SentKind::Text)
    })
    .await;
    assert!(alert.content.contains("请求人工客服") && alert.content.contains(ALICE.wxid), "{}", alert.content);

    // The admin reads the conversation on 客服 and replies.
    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/service", app.base)).await;
    assert_eq!(b.text("h1").await, "客服");
    assert_eq!(b.count("section.service").await, 1);
    let shown = b.text("section.service").await;
    assert!(shown.contains(ALICE.nick) && shown.contains("一直没到账"), "{shown}");
    b.type_into("section.service textarea[name=body]", "您好，订单已帮您补录，今天内到账").await;
    b.click("section.service form.reply button[type=submit]").await;
    b.wait_url("msg=").await;
    assert!(b.text("p.notice").await.contains("回复已发送"));
    assert!(b.text("section.service ol.messages").await.contains("今天内到账"), "the reply is in the conversation");

    // The robot delivers it to Alice in private chat.
    let reply = eventually("the reply delivered", WAIT, || async {
        gewe.sent().into_iter().find(|m| m.to_wxid == ALICE.wxid && m.content.contains("今天内到账"))
    })
    .await;
    assert_eq!(reply.kind, SentKind::Text);
    let c = app.store.open_service_conversations(10).await.unwrap().pop().unwrap();
    let dirs: Vec<String> =
        app.store.service_messages(c.id, 10).await.unwrap().into_iter().map(|m| m.direction).collect();
    assert_eq!(dirs, [direction::IN, direction::IN, direction::OUT]);

    // Closing ends it: the page is empty and a late reply is refused.
    b.click("section.service form.close button[type=submit]").await;
    // The reply's redirect already carried `msg=`: wait for the close itself, then read the page afresh.
    eventually("the conversation closed", WAIT, || async {
        app.store.open_service_conversations(10).await.unwrap().is_empty().then_some(())
    })
    .await;
    b.goto(&format!("{}/admin/service", app.base)).await;
    assert_eq!(b.count("section.service").await, 0);
    let viewer_refused = app.store.service_reply(c.id, "迟到的回复", ADMIN, &late_send(c.robot_id), 1).await.unwrap();
    assert!(!viewer_refused);

    // The private-chat rule set is kept on the same page: a keyword added there answers in private chat only.
    b.type_into("form.rule input[name=pattern]", "营业时间").await;
    b.type_into("form.rule input[name=reply]", "客服每天 9:00–21:00 在线").await;
    b.click("form.rule button[type=submit]").await;
    b.wait_url("msg=").await;
    assert!(b.text("p.notice").await.contains("私聊关键词已保存"));
    assert_eq!(private_text(&app, ALICE, "营业时间是几点").await, "客服每天 9:00–21:00 在线");
    b.type_into("form.faq input[name=question]", "可以开发票吗").await;
    b.type_into("form.faq input[name=answer]", "可以，确认收货后在订单页申请").await;
    b.click("form.faq button[type=submit]").await;
    // The rule's redirect already carried `msg=`: wait for the entry itself.
    eventually("the Q&A entry saved", WAIT, || async {
        let faq = app.store.faq_entries(PRIVATE).await.unwrap();
        faq.iter().any(|f| f.group_id == PRIVATE && f.question.contains("开发票")).then_some(())
    })
    .await;
    assert_eq!(private_text(&app, ALICE, "可以开发票吗？").await, "可以，确认收货后在订单页申请");
    let rows = app.store.keyword_rules(PRIVATE).await.unwrap();
    assert!(rows.iter().any(|r| r.group_id == PRIVATE && r.pattern == "营业时间"), "{rows:?}");
}

fn late_send(robot_id: i64) -> dealbot::outbox::NewOutbox {
    service_send(robot_id, ALICE.wxid, "service-reply:late").not_before(0)
}

fn service_send(robot_id: i64, wxid: &str, key: &str) -> dealbot::outbox::NewOutbox {
    let body = OutboundBody::Text { content: "好的".into(), ats: Vec::new() };
    dealbot::outbox::enqueue(robot_id, wxid, body, key)
}

on_both_engines!(hand_overs_open_once_keep_each_message_once_and_close);

async fn hand_overs_open_once_keep_each_message_once_and_close(db: TestDb) {
    let s = db.store().await;
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let g = s.ensure_group(r.id, "room@chatroom", true, 1).await.unwrap();
    let m = s.touch_member("wxid_a", Some("阿明"), Some(g.id), 1).await.unwrap();
    s.touch_member("wxid_b", Some("阿波"), None, 1).await.unwrap();
    assert!(s.is_member_of_robot_groups(r.id, "wxid_a").await.unwrap());
    assert!(!s.is_member_of_robot_groups(r.id, "wxid_b").await.unwrap());
    assert!(!s.is_member_of_robot_groups(r.id + 1, "wxid_a").await.unwrap(), "another robot's groups");

    // Misses count per day; the same message counted twice is one.
    assert_eq!(s.count_private_miss(r.id, "wxid_a", 100, "k1", 1).await.unwrap(), 1);
    assert_eq!(s.count_private_miss(r.id, "wxid_a", 100, "k1", 1).await.unwrap(), 1);
    assert_eq!(s.count_private_miss(r.id, "wxid_a", 100, "k2", 2).await.unwrap(), 2);
    assert_eq!(s.count_private_miss(r.id, "wxid_a", 101, "k3", 3).await.unwrap(), 1);

    let first = s.hand_over(r.id, "wxid_a", Some(m), reason::ASKED, ("k4", "人工"), 10).await.unwrap();
    assert!(first.new);
    let again = s.hand_over(r.id, "wxid_a", Some(m), reason::UNANSWERED, ("k5", "在吗"), 11).await.unwrap();
    assert_eq!((again.conversation_id, again.new), (first.conversation_id, false));
    assert!(!s.add_service_message(first.conversation_id, direction::IN, "在吗", None, "k5", 12).await.unwrap());
    let c = s.service_conversation(first.conversation_id).await.unwrap();
    assert_eq!((c.status.as_str(), c.reason.as_str(), c.member_id), ("open", reason::ASKED, Some(m)));

    let send = service_send(r.id, "wxid_a", "service-reply:t1").not_before(13);
    assert!(s.service_reply(c.id, "好的", "boss", &send, 13).await.unwrap());
    assert_eq!(s.outbox_for("wxid_a").await.unwrap().len(), 1, "the reply is queued with it");
    let msgs = s.service_messages(c.id, 10).await.unwrap();
    let seen: Vec<(&str, &str)> = msgs.iter().map(|m| (m.direction.as_str(), m.body.as_str())).collect();
    assert_eq!(seen, [("in", "人工"), ("in", "在吗"), ("out", "好的")]);
    assert_eq!(msgs[2].sent_by.as_deref(), Some("boss"));
    assert_eq!(s.open_service_conversations(10).await.unwrap().len(), 1);

    assert!(s.close_service_conversation(c.id, "boss", 14).await.unwrap());
    assert!(!s.close_service_conversation(c.id, "boss", 15).await.unwrap());
    assert!(s.open_service_conversations(10).await.unwrap().is_empty());
    assert!(s.open_service_conversation(r.id, "wxid_a").await.unwrap().is_none());
    let send2 = service_send(r.id, "wxid_a", "service-reply:t2").not_before(13);
    assert!(!s.service_reply(c.id, "迟到", "boss", &send2, 16).await.unwrap(), "a closed conversation takes no reply");
    // A new hand-over opens a new conversation.
    let next = s.hand_over(r.id, "wxid_a", Some(m), reason::ASKED, ("k6", "人工"), 20).await.unwrap();
    assert!(next.new && next.conversation_id != c.id);
}
