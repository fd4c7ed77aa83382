//! Marketing on both engines: 免单 subsidies paid at settlement through order sync's ledger hand-over, their
//! limits, the budget under concurrent settlements, the clawback after a refund, and points exchange.

use crate::helpers::TestDb;
use dealbot::affiliate::orders::SyncedOrder;
use dealbot::campaigns::free_order::{CampaignOrder, Decision, settle_order};
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::Buckets;
use dealbot::money::{Bps, Fen};
use dealbot::order::Lifecycle;
use dealbot::orders::sync::settle_ledger;
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::campaigns::{CampaignItem, Limits, NewCampaign, Subsidy};
use dealbot::store::conversions::NewConversion;
use dealbot::store::exchange::{ExchangeOutcome, NewExchange};
use dealbot::store::inbound::status;
use dealbot::store::invite_rewards::InviteReward;
use dealbot::store::invites::NewJoin;
use dealbot::store::ledger::AccountKind;
use dealbot::store::orders::{AttributionKind, OrderAttribution};
use dealbot::store::points::{NewPoints, PointsOutcome};
use dealbot::store::rewards::RedeemOutcome;
use dealbot::store::robot_lifecycle::SyncedMember;

on_both_engines!(
    a_settled_campaign_order_is_paid_its_subsidy_once_and_a_refund_claws_it_back,
    campaign_limits_refuse_a_second_order_a_late_order_and_an_unconverted_item,
    points_exchange_is_exact_idempotent_and_capped_per_day,
    an_inviter_is_paid_once_at_a_newcomers_first_settled_order_and_not_for_rejoiners_or_known_members,
    newcomers_who_leave_within_the_minimum_stay_never_pay_their_inviter_nor_count_on_the_invite_board,
);
on_both_engines!(
    multi_thread: twenty_concurrent_settling_orders_never_overspend_the_budget,
    concurrent_exchanges_never_pass_the_daily_cap,
    reward_codes_are_handed_out_once_each_for_their_points,
);

const ITEM: &str = "386512047723";
/// Unix seconds at which the test orders are paid; the campaign runs around it.
const PAID_AT: i64 = 1_790_000_000;

struct World {
    robot: i64,
    group: i64,
    member: i64,
}

async fn world(s: &Store) -> World {
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let group = s.ensure_group(r.id, "room@chatroom", true, 1).await.unwrap().id;
    let member = s.touch_member("wxid_member", Some("阿明"), Some(group), 1).await.unwrap();
    World { robot: r.id, group, member }
}

fn campaign(subsidy: Subsidy, budget: i64, limits: Limits, groups: Vec<i64>) -> NewCampaign {
    NewCampaign {
        name: "新人免单".into(),
        subsidy,
        budget: Fen(budget),
        limits,
        starts_at: (PAID_AT - 3_600) * 1000,
        ends_at: (PAID_AT + 3_600) * 1000,
        items: vec![CampaignItem {
            platform: Platform::Pdd,
            item_id: ITEM.into(),
            title: "加厚抽纸".into(),
            price: Fen(990),
        }],
        groups,
    }
}

const NO_LIMITS: Limits = Limits { one_per_member: false, one_per_item: false, new_members_only: false };

/// The member converts `item` through the robot in the group at `at_ms`.
async fn convert(s: &Store, w: &World, wxid: &str, item: &str, at_ms: i64) {
    let key = format!("k-{wxid}-{item}-{at_ms}");
    let id = s.record_inbound(&key, w.robot, "room@chatroom", Some(wxid), status::PROCESSING, "{}", at_ms).await;
    let c = NewConversion {
        robot_id: w.robot,
        group_id: Some(w.group),
        member_wxid: Some(wxid.into()),
        platform: Platform::Pdd,
        item_key: item.into(),
        item_id: item.into(),
        title: "加厚抽纸".into(),
        pid: "9000001_100000001".into(),
        member_param: None,
        promotion_url: "https://p.pinduoduo.com/Kx82LmQe".into(),
        short_url: None,
        price: Fen(1290),
        final_price: Fen(990),
        commission: Fen(99),
        tag_id: None,
    };
    s.finish_inbound(id.unwrap().unwrap(), status::DONE, &[], &[c], at_ms).await.unwrap();
}

fn synced(key: &str, lifecycle: Lifecycle, paid_at: i64, modified_at: i64) -> SyncedOrder {
    SyncedOrder {
        platform: Platform::Pdd,
        order_key: key.into(),
        parent_key: None,
        item_id: ITEM.into(),
        item_title: "加厚抽纸".into(),
        paid_amount: Fen(990),
        estimated_commission: Fen(200),
        settled_commission: Fen(if lifecycle == Lifecycle::Settled { 200 } else { 0 }),
        rate: Bps(2000),
        raw_status: "x".into(),
        lifecycle,
        pid: "9000001_100000001".into(),
        member_tag: None,
        ordered_at: Some(paid_at),
        paid_at: Some(paid_at),
        settled_at: None,
        modified_at,
        raw: "{}".into(),
    }
}

fn attribution(w: &World) -> OrderAttribution {
    OrderAttribution {
        group_id: Some(w.group),
        partner_id: None,
        member_id: Some(w.member),
        kind: AttributionKind::Tag,
        conflict: false,
    }
}

/// Inviters get 100 points and ¥3.00 when a newcomer's first order settles, if the newcomer stayed 24 hours.
const INVITE_REWARD: InviteReward = InviteReward { points: 100, fen: Fen(300), min_stay_ms: 24 * HOUR_MS };
const HOUR_MS: i64 = 3_600_000;

fn ledger(s: &Store) -> Ledger {
    let settings = LedgerSettings { rebate_bps: 5000, partner_bps: 0, agent_bps: 0, ..LedgerSettings::default() };
    Ledger::with_settings(s.clone(), settings, 8).with_invite_reward(INVITE_REWARD)
}

async fn member_balance(s: &Store, member: i64) -> Buckets {
    let b = s.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!(b, s.ledger_entries_sum(AccountKind::Member, member).await.unwrap(), "balance = sum of entries");
    b
}

/// Hands the order's new state to the ledger (and so to the campaigns) as order sync does.
async fn sync(s: &Store, w: &World, o: &SyncedOrder) {
    s.upsert_order(o, &attribution(w), 1).await.unwrap();
    settle_ledger(s, &ledger(s)).await.unwrap();
}

async fn a_settled_campaign_order_is_paid_its_subsidy_once_and_a_refund_claws_it_back(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let id = s.create_campaign(&campaign(Subsidy::Full { cap: Fen(800) }, 10_000, NO_LIMITS, vec![w.group]), 1).await;
    let id = id.unwrap();
    convert(&s, &w, "wxid_member", ITEM, (PAID_AT - 60) * 1000).await;

    // Paid: only the rebate is pending; no subsidy before settlement.
    sync(&s, &w, &synced("sn-1", Lifecycle::Paid, PAID_AT, PAID_AT + 1)).await;
    assert_eq!(member_balance(&s, w.member).await, Buckets { pending: 100, ..Buckets::default() });
    assert_eq!(s.campaign(id).await.unwrap().unwrap().spent, Fen(0));

    // Settled: the rebate and the subsidy (paid 9.90, capped at 8.00) become available.
    sync(&s, &w, &synced("sn-1", Lifecycle::Settled, PAID_AT, PAID_AT + 2)).await;
    assert_eq!(member_balance(&s, w.member).await, Buckets { available: 100 + 800, ..Buckets::default() });
    let c = s.campaign(id).await.unwrap().unwrap();
    assert_eq!((c.spent, c.budget_left()), (Fen(800), Fen(9_200)));
    let payouts = s.campaign_payouts(id, 10).await.unwrap();
    assert_eq!(payouts.len(), 1);
    assert_eq!((payouts[0].amount, payouts[0].nickname.as_str(), payouts[0].clawed_back), (Fen(800), "阿明", false));
    // The member is told where she can be reached (not a private contact yet: in her group, @-mentioned), with
    // the amount the ledger booked.
    let told = |s: Store| async move {
        s.outbox_for("room@chatroom")
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.body.contains("【免单通知】") && r.body.contains("@阿明"))
            .collect::<Vec<_>>()
    };
    let notices = told(s.clone()).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].body.contains("补贴 ¥8.00 已到账"), "{}", notices[0].body);

    // The same state handed over again pays nothing more.
    let order_id = s.order_by_key(Platform::Pdd, "sn-1").await.unwrap().unwrap().id;
    let again = CampaignOrder {
        order_id,
        platform: Platform::Pdd,
        item_id: ITEM.into(),
        member_id: Some(w.member),
        lifecycle: Lifecycle::Settled,
        paid_amount: Fen(990),
        paid_at: Some(PAID_AT),
    };
    assert_eq!(settle_order(&s, &again, 5).await.unwrap(), Decision::None);
    assert_eq!(member_balance(&s, w.member).await.available, 900);
    sync(&s, &w, &synced("sn-1", Lifecycle::Settled, PAID_AT, PAID_AT + 2)).await;
    assert_eq!(told(s.clone()).await.len(), 1, "told once");

    // Refunded after payout: the rebate and the subsidy are taken back from the available balance.
    sync(&s, &w, &synced("sn-1", Lifecycle::Invalid, PAID_AT, PAID_AT + 3)).await;
    assert_eq!(member_balance(&s, w.member).await, Buckets::default());
    assert!(s.campaign_payouts(id, 10).await.unwrap()[0].clawed_back);
    let c = s.campaign(id).await.unwrap().unwrap();
    assert_eq!((c.spent, c.budget_left()), (Fen(0), c.budget), "the clawed-back subsidy is budget again");
    // A second refund report takes nothing twice.
    let refunded = CampaignOrder { lifecycle: Lifecycle::Invalid, ..again };
    assert_eq!(settle_order(&s, &refunded, 6).await.unwrap(), Decision::None);
    assert_eq!(member_balance(&s, w.member).await, Buckets::default());
}

async fn campaign_limits_refuse_a_second_order_a_late_order_and_an_unconverted_item(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let limits = Limits { one_per_member: true, one_per_item: false, new_members_only: true };
    let id = s.create_campaign(&campaign(Subsidy::Fixed { amount: Fen(300) }, 10_000, limits, vec![]), 1).await;
    let id = id.unwrap();

    // Not converted through the robot: not a campaign order.
    sync(&s, &w, &synced("sn-1", Lifecycle::Settled, PAID_AT, PAID_AT + 1)).await;
    assert_eq!(s.campaign(id).await.unwrap().unwrap().spent, Fen(0));
    assert_eq!(member_balance(&s, w.member).await.available, 100, "only the rebate");

    // Converted now, but this member's earlier order makes the next one not their first.
    convert(&s, &w, "wxid_member", ITEM, (PAID_AT - 60) * 1000).await;
    sync(&s, &w, &synced("sn-2", Lifecycle::Settled, PAID_AT + 10, PAID_AT + 11)).await;
    assert_eq!(s.campaign(id).await.unwrap().unwrap().spent, Fen(0), "new members only");

    // A newcomer's first order is paid; their second is refused (one per member).
    let bob = s.touch_member("wxid_bob", Some("小博"), Some(w.group), 1).await.unwrap();
    let wb = World { member: bob, ..w };
    convert(&s, &wb, "wxid_bob", ITEM, (PAID_AT - 30) * 1000).await;
    sync(&s, &wb, &synced("sn-3", Lifecycle::Settled, PAID_AT + 20, PAID_AT + 21)).await;
    assert_eq!(member_balance(&s, bob).await.available, 100 + 300);
    sync(&s, &wb, &synced("sn-4", Lifecycle::Settled, PAID_AT + 30, PAID_AT + 31)).await;
    assert_eq!(member_balance(&s, bob).await.available, 100 + 100 + 300, "one subsidy per member, first order only");

    // Paid after the campaign ended: no subsidy.
    let carol = s.touch_member("wxid_carol", Some("卡罗"), Some(wb.group), 1).await.unwrap();
    let wc = World { member: carol, ..wb };
    convert(&s, &wc, "wxid_carol", ITEM, (PAID_AT - 20) * 1000).await;
    sync(&s, &wc, &synced("sn-5", Lifecycle::Settled, PAID_AT + 7_200, PAID_AT + 7_201)).await;
    assert_eq!(member_balance(&s, carol).await.available, 100);

    // Paused: nothing more is paid.
    assert!(s.set_campaign_running(id, false, 2).await.unwrap());
    let dave = s.touch_member("wxid_dave", Some("大卫"), Some(wc.group), 1).await.unwrap();
    let wd = World { member: dave, ..wc };
    convert(&s, &wd, "wxid_dave", ITEM, (PAID_AT - 10) * 1000).await;
    sync(&s, &wd, &synced("sn-6", Lifecycle::Settled, PAID_AT + 40, PAID_AT + 41)).await;
    assert_eq!(member_balance(&s, dave).await.available, 100);
    let c = s.campaign(id).await.unwrap().unwrap();
    assert_eq!((c.spent, c.running), (Fen(300), false));
    assert_eq!(s.campaign_participants(id).await.unwrap(), 4);
}

async fn twenty_concurrent_settling_orders_never_overspend_the_budget(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    // 7 subsidies of 5.00 fit in 37.00.
    let id = s.create_campaign(&campaign(Subsidy::Fixed { amount: Fen(500) }, 3_700, NO_LIMITS, vec![]), 1).await;
    let id = id.unwrap();
    convert(&s, &w, "wxid_member", ITEM, (PAID_AT - 60) * 1000).await;
    let mut tasks = Vec::new();
    for n in 0..20 {
        let s = s.clone();
        let o = CampaignOrder {
            order_id: 1_000 + n,
            platform: Platform::Pdd,
            item_id: ITEM.into(),
            member_id: Some(w.member),
            lifecycle: Lifecycle::Settled,
            paid_amount: Fen(990),
            paid_at: Some(PAID_AT + n),
        };
        tasks.push(tokio::spawn(async move { settle_order(&s, &o, 10).await.unwrap() }));
    }
    let mut paid = 0;
    for t in tasks {
        match t.await.unwrap() {
            Decision::Paid { amount, .. } => {
                assert_eq!(amount, Fen(500));
                paid += 1;
            }
            Decision::Refused => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(paid, 7);
    let c = s.campaign(id).await.unwrap().unwrap();
    assert_eq!((c.spent, c.budget_left()), (Fen(3_500), Fen(200)));
    assert_eq!(member_balance(&s, w.member).await.available, 3_500, "the member got exactly what was spent");
    assert_eq!(s.campaign_payouts(id, 100).await.unwrap().len(), 7);
}

async fn give_points(s: &Store, member: i64, points: i64) {
    let source = format!("seed-{member}");
    let p = NewPoints { member_id: member, kind: "checkin", source: &source, delta: points, group_id: None };
    assert!(matches!(s.book_points(p, 1).await.unwrap(), PointsOutcome::Applied { .. }));
}

fn exchange(member: i64, points: i64, key: &str, cap: i64) -> NewExchange<'_> {
    NewExchange { member_id: member, points, fen: Fen(points), day: 20_000, daily_cap: cap, key, group_id: None }
}

async fn points_exchange_is_exact_idempotent_and_capped_per_day(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    give_points(&s, w.member, 1_200).await;

    let done = s.exchange_points(exchange(w.member, 500, "m1", 1_000), 2).await.unwrap();
    assert_eq!(done, ExchangeOutcome::Done { points_left: 700, today: 500 });
    assert_eq!(member_balance(&s, w.member).await, Buckets { available: 500, ..Buckets::default() });
    // The same request again books nothing.
    assert_eq!(s.exchange_points(exchange(w.member, 500, "m1", 1_000), 3).await.unwrap(), ExchangeOutcome::Duplicate);
    assert_eq!(s.points_balance(w.member).await.unwrap(), 700);
    assert_eq!(member_balance(&s, w.member).await.available, 500);

    // Past the day's cap: refused whole, nothing booked.
    let over = s.exchange_points(exchange(w.member, 600, "m2", 1_000), 4).await.unwrap();
    assert_eq!(over, ExchangeOutcome::OverDailyCap { today: 500 });
    // More than the balance: refused whole.
    let poor = s.exchange_points(exchange(w.member, 800, "m3", 5_000), 5).await.unwrap();
    assert_eq!(poor, ExchangeOutcome::Insufficient { balance: 700 });
    // A refused request's key is free again: the member may retry it.
    let ok = s.exchange_points(exchange(w.member, 500, "m2", 1_000), 6).await.unwrap();
    assert_eq!(ok, ExchangeOutcome::Done { points_left: 200, today: 1_000 });

    assert_eq!(s.points_balance(w.member).await.unwrap(), 200);
    assert_eq!(s.points_ledger_sum(w.member).await.unwrap(), 200, "points balance = points ledger");
    assert_eq!(member_balance(&s, w.member).await.available, 1_000, "every point out is a 分 in");
    assert_eq!(s.points_exchanged_on(w.member, 20_000).await.unwrap(), 1_000);
    // Another day has its own cap.
    let tomorrow = NewExchange { day: 20_001, ..exchange(w.member, 200, "m4", 1_000) };
    assert_eq!(s.exchange_points(tomorrow, 7).await.unwrap(), ExchangeOutcome::Done { points_left: 0, today: 200 });
}

async fn concurrent_exchanges_never_pass_the_daily_cap(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    give_points(&s, w.member, 10_000).await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let s = s.clone();
        let member = w.member;
        tasks.push(tokio::spawn(async move {
            let key = format!("k{n}");
            s.exchange_points(exchange(member, 100, &key, 500), 2).await.unwrap()
        }));
    }
    let mut done = 0;
    for t in tasks {
        match t.await.unwrap() {
            ExchangeOutcome::Done { .. } => done += 1,
            ExchangeOutcome::OverDailyCap { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(done, 5);
    assert_eq!(s.points_balance(w.member).await.unwrap(), 9_500);
    assert_eq!(member_balance(&s, w.member).await.available, 500);
}

/// In Chromium: an admin creates a campaign on the 免单活动 page (a hand-picked item, a fixed subsidy, a budget
/// for two, one target group, an announcement); a member's settled order shows up as a participant, a paid order,
/// the subsidy paid and the budget left; pausing it says so.
#[tokio::test]
async fn a_campaign_made_on_the_page_shows_its_participants_orders_subsidy_and_budget_and_pauses() {
    use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, add_user};
    use crate::admin_webdriver::Browser;
    use crate::helpers::TestApp;
    use dealbot::store::users::Role;
    use serde_json::json;

    let app = TestApp::spawn_on(TestDb::sqlite().await, |_| {}).await;
    let s = app.store.clone();
    let w = world(&s).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/campaigns", app.base)).await;
    assert!(b.text("main").await.contains("暂无数据"));
    b.type_into("form.campaign-form input[name=name]", "双十二免单").await;
    b.exec("document.querySelector('form.campaign-form select[name=subsidy_kind]').value = 'fixed';", json!([])).await;
    b.type_into("form.campaign-form input[name=subsidy]", "5").await;
    b.type_into("form.campaign-form input[name=budget]", "12").await;
    b.exec(
        "document.querySelector('form.campaign-form input[name=starts]').value = '2020-01-01T00:00';
         document.querySelector('form.campaign-form input[name=ends]').value = '2035-01-01T00:00';",
        json!([]),
    )
    .await;
    b.type_into("form.campaign-form textarea[name=items]", &format!("拼多多 {ITEM} 加厚抽纸 9.90")).await;
    b.type_into("form.campaign-form input[name=groups]", &w.group.to_string()).await;
    b.click("form.campaign-form button[type=submit]").await;
    b.wait_url("msg=").await;
    let notice = b.text("p.notice").await;
    assert_eq!(notice, "已创建免单活动「双十二免单」，活动公告将发到 1 个群");
    // The announcement is a mass post to the target group, sent by the posting engine.
    let posts = s.mass_posts(None, 10).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].post.groups, vec![w.group]);
    assert!(posts[0].post.text.contains("免单活动「双十二免单」开始啦！补贴¥5.00"), "{}", posts[0].post.text);
    let id = s.campaigns().await.unwrap()[0].id;
    assert_eq!(s.campaign(id).await.unwrap().unwrap().items[0].item_id, ITEM);

    // Three members order the item; the budget (12.00) covers two subsidies of 5.00.
    for (n, wxid) in ["wxid_a", "wxid_b", "wxid_c"].into_iter().enumerate() {
        let member = s.touch_member(wxid, Some(&format!("会员{n}")), Some(w.group), 1).await.unwrap();
        let wm = World { member, ..w };
        convert(&s, &wm, wxid, ITEM, (PAID_AT - 60) * 1000).await;
        let n = n as i64;
        sync(&s, &wm, &synced(&format!("sn-{n}"), Lifecycle::Settled, PAID_AT + n, PAID_AT + 10 + n)).await;
    }
    b.goto(&format!("{}/admin/campaigns", app.base)).await;
    let row = b.text("main table tbody tr:first-child").await;
    assert!(row.contains("双十二免单") && row.contains("进行中"), "{row}");
    assert_eq!(b.text("main table tbody tr:first-child .spent").await, "10.00");
    assert_eq!(b.text("main table tbody tr:first-child .left").await, "2.00");
    let cells: Vec<String> = (6..=7).map(|i| format!("main table tbody tr:first-child td:nth-child({i})")).collect();
    assert_eq!(b.text(&cells[0]).await, "3", "participants");
    assert_eq!(b.text(&cells[1]).await, "2", "paid orders");

    b.click("main table tbody tr:first-child a").await;
    b.wait_url(&format!("/admin/campaigns/{id}")).await;
    let detail = b.text("main").await;
    assert!(detail.contains("会员0") && detail.contains("会员1") && !detail.contains("会员2"), "{detail}");
    assert!(detail.contains("已补贴"), "{detail}");

    b.goto(&format!("{}/admin/campaigns", app.base)).await;
    b.click("form.switch button[type=submit]").await;
    b.wait_url("msg=").await;
    assert_eq!(b.text("p.notice").await, format!("活动 {id} 已暂停"));
    assert!(b.text("main table tbody tr:first-child").await.contains("已暂停"));
    assert!(!s.campaign(id).await.unwrap().unwrap().running);

    // Rewards redeemed with points: codes uploaded on the same page (loaded afresh, so that `msg=` in the URL
    // comes from this form's answer and not from the pause before it).
    b.goto(&format!("{}/admin/campaigns", app.base)).await;
    b.type_into("form.reward-form input[name=name]", "京东E卡").await;
    b.type_into("form.reward-form input[name=points]", "300").await;
    b.type_into("form.reward-form textarea[name=codes]", "JD-0001\nJD-0002\nJD-0001").await;
    b.click("form.reward-form button[type=submit]").await;
    b.wait_url("msg=").await;
    assert_eq!(b.text("p.notice").await, "奖品「京东E卡」已保存，新增 2 个兑换码");
    assert_eq!(b.text(".reward-name").await, "京东E卡");
    assert_eq!(b.text(".reward-left").await, "2");
}

async fn an_inviter_is_paid_once_at_a_newcomers_first_settled_order_and_not_for_rejoiners_or_known_members(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let inviter = w.member;
    let t0 = 1_000_000;
    // A newcomer, a re-joiner and a member known long before being "invited".
    let nina = s.touch_member("wxid_nina", Some("妮娜"), Some(w.group), t0).await.unwrap();
    let rex = s.touch_member("wxid_rex", Some("雷克斯"), Some(w.group), t0).await.unwrap();
    let kim = s.touch_member("wxid_kim", Some("金"), Some(w.group), 1).await.unwrap();
    for (who, times) in [(nina, 1), (rex, 2), (kim, 1)] {
        for _ in 0..times {
            let j = NewJoin { group_id: w.group, invitee_id: who, inviter_id: Some(inviter), points: 0 };
            s.record_join(j, t0).await.unwrap();
        }
    }
    let before = s.points_balance(inviter).await.unwrap();

    // Paid is not enough; settled pays the inviter 100 points and ¥3.00.
    let wn = World { member: nina, ..w };
    sync(&s, &wn, &synced("n-1", Lifecycle::Paid, PAID_AT, PAID_AT + 1)).await;
    assert_eq!(s.points_balance(inviter).await.unwrap(), before);
    sync(&s, &wn, &synced("n-1", Lifecycle::Settled, PAID_AT, PAID_AT + 2)).await;
    assert_eq!(s.points_balance(inviter).await.unwrap(), before + 100);
    assert_eq!(member_balance(&s, inviter).await, Buckets { available: 300, ..Buckets::default() });
    // The newcomer's next order rewards nothing more.
    sync(&s, &wn, &synced("n-2", Lifecycle::Settled, PAID_AT + 5, PAID_AT + 6)).await;
    assert_eq!(s.points_balance(inviter).await.unwrap(), before + 100);
    assert_eq!(member_balance(&s, inviter).await.available, 300);

    // Re-joiners and members known before their invitation earn their inviter nothing.
    for (who, key) in [(rex, "r-1"), (kim, "k-1")] {
        sync(&s, &World { member: who, ..w }, &synced(key, Lifecycle::Settled, PAID_AT, PAID_AT + 3)).await;
    }
    assert_eq!(s.points_balance(inviter).await.unwrap(), before + 100);
    assert_eq!(member_balance(&s, inviter).await.available, 300);

    // The rewarded order is refunded: the money and the points go back, once.
    sync(&s, &wn, &synced("n-1", Lifecycle::Invalid, PAID_AT, PAID_AT + 9)).await;
    assert_eq!(member_balance(&s, inviter).await, Buckets::default());
    assert_eq!(s.points_balance(inviter).await.unwrap(), before);
    sync(&s, &wn, &synced("n-1", Lifecycle::Invalid, PAID_AT, PAID_AT + 10)).await;
    assert_eq!(s.points_balance(inviter).await.unwrap(), before);
    assert_eq!(s.points_ledger_sum(inviter).await.unwrap(), s.points_balance(inviter).await.unwrap());
}

async fn reward_codes_are_handed_out_once_each_for_their_points(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let codes = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(s.add_reward_codes("京东E卡", 300, &codes(&["A1", "A2", "A3"]), 1).await.unwrap(), 3);
    assert_eq!(s.add_reward_codes("京东E卡", 300, &codes(&["A3", "A4"]), 2).await.unwrap(), 1, "known codes skipped");

    // Five members redeem at once: four codes, each handed out once.
    let mut members = Vec::new();
    for n in 0..5 {
        let m = s.touch_member(&format!("wxid_r{n}"), None, Some(w.group), 1).await.unwrap();
        give_points(&s, m, 1_000).await;
        members.push(m);
    }
    let mut tasks = Vec::new();
    for (n, m) in members.iter().copied().enumerate() {
        let s = s.clone();
        let key = format!("key{n}");
        tasks.push(tokio::spawn(async move {
            let outcome = s.redeem_reward(m, "京东E卡", &key, None, 3).await.unwrap();
            (m, key, outcome)
        }));
    }
    let mut handed = Vec::new();
    let mut served = Vec::new();
    let mut sold_out = 0;
    for t in tasks {
        let (member, key, outcome) = t.await.unwrap();
        match outcome {
            RedeemOutcome::Done { code, points, points_left } => {
                assert_eq!((points, points_left), (300, 700));
                served.push((member, key, code.clone()));
                handed.push(code);
            }
            RedeemOutcome::SoldOut => sold_out += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    handed.sort();
    assert_eq!(handed, ["A1", "A2", "A3", "A4"]);
    assert_eq!(sold_out, 1);
    let charged: i64 = {
        let mut total = 0;
        for m in &members {
            total += 1_000 - s.points_balance(*m).await.unwrap();
            assert_eq!(s.points_ledger_sum(*m).await.unwrap(), s.points_balance(*m).await.unwrap());
        }
        total
    };
    assert_eq!(charged, 4 * 300, "only the served redemptions were charged");

    // The same request again gets its code again, charged once.
    let (member, key, code) = &served[0];
    let again = s.redeem_reward(*member, "京东E卡", key, None, 4).await.unwrap();
    assert_eq!(again, RedeemOutcome::Duplicate { code: code.clone() });
    assert_eq!(s.points_balance(*member).await.unwrap(), 700);
    // Too few points: refused, the code stays free.
    s.add_reward_codes("京东E卡", 300, &codes(&["A5"]), 5).await.unwrap();
    let poor = s.touch_member("wxid_poor", None, Some(w.group), 1).await.unwrap();
    give_points(&s, poor, 100).await;
    let refused = s.redeem_reward(poor, "京东E卡", "poor1", None, 6).await.unwrap();
    assert_eq!(refused, RedeemOutcome::Insufficient { points: 300, balance: 100 });
    assert_eq!(s.rewards().await.unwrap()[0].left, 1);
    assert_eq!(s.redeem_reward(poor, "没有的奖品", "poor2", None, 7).await.unwrap(), RedeemOutcome::UnknownReward);
}

#[tokio::test]
async fn partners_and_anonymous_visitors_can_neither_see_nor_change_campaigns() {
    use crate::admin_helpers::{AdminClient, add_user, partner_group};
    use dealbot::store::users::Role;
    use reqwest::StatusCode;
    let app = crate::helpers::TestApp::spawn().await;
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let new = campaign(Subsidy::Fixed { amount: Fen(500) }, 10_000, NO_LIMITS, vec![group]);
    let id = app.store.create_campaign(&new, 1).await.unwrap();
    let detail = format!("/admin/campaigns/{id}");
    let running = format!("/admin/campaigns/{id}/running");

    // A partner whose own group the campaign targets: no page, no change, no pause, no reward upload.
    add_user(&app, "wang", "wang-password-123", Role::Partner, Some(partner)).await;
    let mut p = AdminClient::new(&app);
    p.login("wang", "wang-password-123").await;
    let csrf = p.csrf().await;
    for path in ["/admin/campaigns", detail.as_str()] {
        assert_eq!(p.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let create = [("_csrf", csrf.as_str()), ("name", "偷偷免单"), ("budget", "99999"), ("amount", "100")];
    assert_eq!(p.post_form("/admin/campaigns", &create).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.post_form(&running, &[("_csrf", csrf.as_str())]).await.status(), StatusCode::FORBIDDEN);
    let reward = [("_csrf", csrf.as_str()), ("name", "京东E卡"), ("points", "1"), ("codes", "X-1")];
    assert_eq!(p.post_form("/admin/campaigns/rewards", &reward).await.status(), StatusCode::FORBIDDEN);

    // Nobody logged in: nothing shown, nothing changed.
    let mut anon = AdminClient::new(&app);
    for path in ["/admin/campaigns", detail.as_str()] {
        let r = anon.get(path).await;
        assert_ne!(r.status(), StatusCode::OK, "{path}");
        assert!(!r.text().await.unwrap().contains("新人免单"), "{path}");
    }
    assert_ne!(anon.post_form(&running, &[]).await.status(), StatusCode::OK);

    let c = app.store.campaign(id).await.unwrap().unwrap();
    assert!(c.running && c.spent == Fen(0), "the campaign is untouched");
    assert_eq!(app.store.campaigns().await.unwrap().len(), 1, "no campaign was created");
}

/// The group's member list as a sync reads it: the inviter plus `wxids`.
fn listed(wxids: &[&str]) -> Vec<SyncedMember> {
    std::iter::once("wxid_member")
        .chain(wxids.iter().copied())
        .map(|w| SyncedMember { wxid: w.into(), nickname: String::new(), display_name: String::new() })
        .collect()
}

async fn newcomers_who_leave_within_the_minimum_stay_never_pay_their_inviter_nor_count_on_the_invite_board(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let inviter = w.member;
    let t0 = 1_000_000_000;
    let at = |hours: i64| t0 + hours * HOUR_MS;
    // Sam leaves after 2 h (a sync sees it), Rita is removed after 1 h (a notice), Lou leaves after 30 h and comes
    // back, Bea leaves after 2 h and re-joins.
    let newcomers = ["wxid_sam", "wxid_rita", "wxid_lou", "wxid_bea"];
    let mut ids = Vec::new();
    for wxid in newcomers {
        let id = s.touch_member(wxid, None, Some(w.group), t0).await.unwrap();
        let j = NewJoin { group_id: w.group, invitee_id: id, inviter_id: Some(inviter), points: 0 };
        s.record_join(j, t0).await.unwrap();
        ids.push(id);
    }
    let [sam, rita, lou, bea] = ids[..] else { unreachable!() };
    let board = |min_stay_ms: i64| {
        let s = s.clone();
        async move { s.invite_board(Some(w.group), 0, i64::MAX, 10, min_stay_ms).await.unwrap() }
    };
    assert_eq!(board(24 * HOUR_MS).await[0].count, 4);

    assert!(s.record_leave(w.group, "wxid_rita", at(1)).await.unwrap());
    assert!(!s.record_leave(w.group, "wxid_rita", at(1) + 5).await.unwrap(), "already away");
    assert!(!s.record_leave(w.group, "wxid_nobody", at(1)).await.unwrap());
    // An empty list (a gateway hiccup) notes nobody; the 2 h list misses Sam, Rita and Bea.
    s.sync_group_members(w.group, &[], at(2)).await.unwrap();
    assert_eq!(s.invite_left_at(w.group, sam).await.unwrap(), None);
    s.sync_group_members(w.group, &listed(&["wxid_lou"]), at(2)).await.unwrap();
    assert_eq!(s.invite_left_at(w.group, sam).await.unwrap(), Some(at(2)));
    assert_eq!(s.invite_left_at(w.group, rita).await.unwrap(), Some(at(1)), "the first note stands");
    assert_eq!(s.invite_left_at(w.group, bea).await.unwrap(), Some(at(2)));
    let j = NewJoin { group_id: w.group, invitee_id: bea, inviter_id: Some(inviter), points: 0 };
    assert_eq!(s.record_join(j, at(3)).await.unwrap().joins, 2);
    assert_eq!(s.invite_left_at(w.group, bea).await.unwrap(), None, "back");
    s.sync_group_members(w.group, &listed(&["wxid_lou", "wxid_bea"]), at(30)).await.unwrap();
    s.sync_group_members(w.group, &listed(&["wxid_bea"]), at(30) + 1).await.unwrap();
    assert_eq!(s.invite_left_at(w.group, lou).await.unwrap(), Some(at(30) + 1));
    s.sync_group_members(w.group, &listed(&["wxid_lou", "wxid_bea"]), at(31)).await.unwrap();
    assert_eq!(s.invite_left_at(w.group, lou).await.unwrap(), None, "back");

    // On the board only Lou counts (Bea's first stay was 2 h); without a minimum stay all four would.
    let ranked = board(24 * HOUR_MS).await;
    assert_eq!((ranked[0].member_id, ranked[0].count), (inviter, 1));
    assert_eq!(board(0).await[0].count, 4);

    // Their first orders settle: only Lou's pays the inviter (100 points and ¥3.00).
    let before = s.points_balance(inviter).await.unwrap();
    for (who, key) in [(sam, "s-1"), (rita, "r-1"), (bea, "b-1")] {
        sync(&s, &World { member: who, ..w }, &synced(key, Lifecycle::Settled, PAID_AT, PAID_AT + 3)).await;
    }
    assert_eq!(s.points_balance(inviter).await.unwrap(), before);
    assert_eq!(member_balance(&s, inviter).await, Buckets::default());
    sync(&s, &World { member: lou, ..w }, &synced("l-1", Lifecycle::Settled, PAID_AT, PAID_AT + 3)).await;
    assert_eq!(s.points_balance(inviter).await.unwrap(), before + 100);
    assert_eq!(member_balance(&s, inviter).await, Buckets { available: 300, ..Buckets::default() });
    assert_eq!(s.points_ledger_sum(inviter).await.unwrap(), s.points_balance(inviter).await.unwrap());
}
