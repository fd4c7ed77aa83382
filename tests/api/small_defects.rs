//! Smaller defects, each with its test: 查券 asks Pinduoduo, the one-time 备案 invite obeys do-not-disturb hours and
//! the reply budget, the group cache is read, and a partner sees only their groups' part of a shared member's
//! balance.

use crate::admin_helpers::{AdminClient, add_user, ledger, partner_group};
use crate::conversation::*;
use crate::helpers::{ROOM, TestApp, TestDb};
use dealbot::chat::Outbound;
use dealbot::engine::group_settings::{DndSetting, GroupSettings};
use dealbot::engine::limits::QuietHours;
use dealbot::money::Fen;
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

const PDD_LINK: &str = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";

#[tokio::test]
async fn coupon_search_asks_pinduoduo_too() {
    let chat = Chat::start().await;
    let pdd = &chat.app.sim.sims.pdd;
    let keyword: String = dealbot::sim::catalog::listed(Platform::Pdd)[0].title.chars().take(2).collect();
    let replies = chat.say(ALICE, &format!("查券 {keyword}")).await;
    assert!(!replies.is_empty());
    assert!(pdd.calls("pdd.ddk.goods.search") >= 1, "查券 must search Pinduoduo");
}

/// The 备案 invitation rows (拼多多授权) (one-time sends) queued into the group so far.
async fn invites(chat: &Chat) -> Vec<dealbot::store::outbox::OutboxRow> {
    let rows = chat.app.store.outbox_for(ROOM).await.unwrap();
    rows.into_iter()
        .filter(|r| r.idempotency_key.starts_with("once:"))
        .filter(|r| match serde_json::from_str::<Outbound>(&r.body).unwrap().body {
            dealbot::chat::OutboundBody::Text { content, .. } => content.contains("授权"),
            _ => false,
        })
        .collect()
}

async fn group_id(chat: &Chat) -> i64 {
    chat.app.store.ensure_group(robot(chat), ROOM, true, chat.now_ms()).await.unwrap().id
}

fn robot(chat: &Chat) -> i64 {
    chat.app.engine.robots.keys().next().unwrap()
}

#[tokio::test]
async fn the_pdd_binding_invite_obeys_do_not_disturb_hours() {
    let chat = Chat::start().await;
    chat.app.sim.sims.pdd.set_require_member_auth(true);
    // A first message registers the group; then quiet hours covering now, dropping replies.
    chat.say(ALICE, "你好").await;
    let group = group_id(&chat).await;
    let now = chat.now_ms();
    let hour = (now / 3_600_000 + chat.app.engine.settings.chat.utc_offset_hours).rem_euclid(24);
    let quiet = |policy| {
        let hours = QuietHours { start: hour as u8, end: ((hour + 2) % 24) as u8 };
        GroupSettings { dnd: DndSetting::Hours { hours, policy }, ..GroupSettings::default() }.to_json()
    };
    chat.app.store.set_group_settings(group, &quiet(dealbot::config::DndPolicy::Drop), now).await.unwrap();
    chat.app.engine.invalidate_group(robot(&chat), ROOM).await;
    assert!(chat.say(ALICE, PDD_LINK).await.is_empty());
    assert!(invites(&chat).await.is_empty(), "the invite is a reply like any other: dropped in quiet hours");

    chat.app.store.set_group_settings(group, &quiet(dealbot::config::DndPolicy::Queue), now).await.unwrap();
    chat.app.engine.invalidate_group(robot(&chat), ROOM).await;
    let replies = chat.say(BOB, PDD_LINK).await;
    let until = replies.first().expect("queued replies").not_before;
    assert!(until > chat.now_ms());
    let queued = invites(&chat).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].next_attempt_at, until, "the invite waits for the end of the quiet hours too");
}

#[tokio::test]
async fn the_pdd_binding_invite_counts_against_the_reply_budget() {
    // Poster, copy and invite: three replies fit once per minute.
    let chat = Chat::start_with(|s| s.chat.reply_budget_per_minute = 3).await;
    chat.app.sim.sims.pdd.set_require_member_auth(true);
    assert_eq!(chat.say(ALICE, PDD_LINK).await.len(), 2);
    assert_eq!(invites(&chat).await.len(), 1);
    // The budget is spent: BOB's replies, his invite included, are dropped.
    assert!(chat.say(BOB, PDD_LINK).await.is_empty());
    assert_eq!(invites(&chat).await.len(), 1, "no invite past the budget");
    // A minute later the budget is back and BOB gets his invite then.
    chat.advance_secs(61);
    assert_eq!(chat.say(BOB, PDD_LINK).await.len(), 2);
    assert_eq!(invites(&chat).await.len(), 2);
}

#[tokio::test]
async fn messages_of_a_known_group_are_served_from_the_group_cache() {
    let chat = Chat::start().await;
    let loads = || chat.app.engine.metrics.group_loads.get();
    let before = loads();
    for text in ["你好", "在吗", "今天有什么好价"] {
        chat.say(ALICE, text).await;
    }
    assert_eq!(loads() - before, 1, "one database read for three messages of one group");
    // A change made through the robot is seen at once (the cache entry is dropped).
    chat.app.engine.invalidate_group(robot(&chat), ROOM).await;
    chat.say(ALICE, "再来").await;
    assert_eq!(loads() - before, 2);
}

/// One member in the groups of two partners, an order from each group: each partner sees the rebate of their
/// own group's order, the operator (admin) sees both.
async fn a_partner_sees_only_their_groups_part_of_a_shared_members_balance(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    let (wang_group, wang) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let (li_group, li) = partner_group(&app, "小李", "222@chatroom", "好物二群").await;
    let now = app.clock.now_ms();
    let member = app.store.touch_member("wxid_shared01", Some("共享"), Some(wang_group), now).await.unwrap();
    app.store.touch_member("wxid_shared01", Some("共享"), Some(li_group), now).await.unwrap();
    let l = ledger(&app);
    for (i, (group, partner, commission)) in
        [(wang_group, wang, 10_000), (li_group, li, 30_000)].into_iter().enumerate()
    {
        let facts = OrderFacts {
            order_id: 700_000 + i as i64,
            platform: Platform::Jd,
            order_key: format!("shared-{i}"),
            lifecycle: Lifecycle::Paid,
            commission: Fen(commission),
            paid_amount: Fen(commission * 10),
            group_id: Some(group),
            partner_id: Some(partner),
            member_id: Some(member),
            paid_at: Some(now / 1000),
        };
        l.apply(&facts).await.unwrap();
    }
    let bps = app.engine.settings.ledger.rebate_bps;
    let share = |commission: i64| commission * bps / 10_000;
    add_user(&app, "wang", "wang-password-1", Role::Partner, Some(wang)).await;
    add_user(&app, "li", "li-password-12", Role::Partner, Some(li)).await;
    add_user(&app, "boss", "boss-password-1", Role::Admin, None).await;
    for (user, password, expected) in [
        ("wang", "wang-password-1", share(10_000)),
        ("li", "li-password-12", share(30_000)),
        ("boss", "boss-password-1", share(10_000) + share(30_000)),
    ] {
        let mut client = AdminClient::new(&app);
        assert_eq!(client.login(user, password).await.status(), StatusCode::SEE_OTHER);
        let resp = client.get(&format!("/admin/api/members/{member}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{user}");
        let detail: Value = resp.json().await.unwrap();
        assert_eq!(detail["balance"]["pending"], expected, "{user}: {detail}");
        let page = client.get(&format!("/admin/members/{member}")).await.text().await.unwrap();
        let shown = dealbot::admin::format::yuan(Fen(expected));
        assert!(
            page.contains(&format!("<span>待结算</span><b>{shown}</b>")),
            "{user}: the 会员 page shows {shown}: {page}"
        );
        assert_eq!(
            page.contains("返利余额（元，来自你的群）"),
            user != "boss",
            "{user}: the page says whose part it is"
        );
    }
}

on_both_engines!(a_partner_sees_only_their_groups_part_of_a_shared_members_balance);
