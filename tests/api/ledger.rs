//! The rebate ledger on both engines: splits, the lifecycle, idempotency, rate rules, clawbacks.

use crate::helpers::TestDb;
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::{Buckets, Phase, Step};
use dealbot::money::{Bps, Fen};
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::ledger::{AccountKind, RateScope, Share};
use dealbot::store::rate_rules::NewRateRule;
use dealbot::store::stats_money::MoneyScope;

on_both_engines!(
    a_paid_order_splits_its_commission_exactly_and_settles_at_the_settled_amount,
    the_same_report_twice_changes_nothing_and_late_reports_are_ignored,
    an_invalid_order_is_reversed_while_pending_and_clawed_back_after_settlement,
    the_most_specific_rate_rule_wins,
    the_daily_rollup_reports_per_group_partner_and_member,
    members_are_told_once_per_step_in_private_chat_when_notices_are_on,
);

/// A group owned by a partner whose agent is another partner; one member.
pub struct World {
    pub group: i64,
    pub partner: i64,
    pub agent: i64,
    pub member: i64,
}

pub async fn world(s: &Store) -> World {
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let g = s.ensure_group(r.id, "room@chatroom", true, 1).await.unwrap().id;
    let agent = s.create_partner("代理", Some("wxid_agent"), None, 1).await.unwrap();
    let partner = s.create_partner("群主", Some("wxid_partner"), Some(agent), 1).await.unwrap();
    s.set_group_partner(g, Some(partner), 1).await.unwrap();
    let member = s.touch_member("wxid_member", Some("阿明"), Some(g), 1).await.unwrap();
    World { group: g, partner, agent, member }
}

pub fn facts(w: &World, order_id: i64, lifecycle: Lifecycle, commission: i64) -> OrderFacts {
    OrderFacts {
        order_id,
        platform: Platform::Pdd,
        order_key: format!("sn-{order_id}"),
        lifecycle,
        commission: Fen(commission),
        paid_amount: Fen(commission * 10),
        group_id: Some(w.group),
        partner_id: Some(w.partner),
        member_id: Some(w.member),
        paid_at: Some(1_790_000_000),
    }
}

fn ledger(s: &Store) -> Ledger {
    let settings = LedgerSettings { rebate_bps: 5000, partner_bps: 1000, agent_bps: 500, ..LedgerSettings::default() };
    Ledger::with_settings(s.clone(), settings, 8)
}

async fn balance(s: &Store, kind: AccountKind, id: i64) -> Buckets {
    let b = s.ledger_balance(kind, id).await.unwrap();
    assert_eq!(b, s.ledger_entries_sum(kind, id).await.unwrap(), "balance = sum of entries for {kind:?} {id}");
    b
}

fn pending(n: i64) -> Buckets {
    Buckets { pending: n, ..Buckets::default() }
}

fn available(n: i64) -> Buckets {
    Buckets { available: n, ..Buckets::default() }
}

async fn a_paid_order_splits_its_commission_exactly_and_settles_at_the_settled_amount(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    let a = l.apply(&facts(&w, 1, Lifecycle::Paid, 999)).await.unwrap();
    assert_eq!(a.step, Some(Step::Book));
    assert_eq!(
        (a.split.rebate, a.split.partner, a.split.agent, a.split.operator),
        (Fen(499), Fen(99), Fen(49), Fen(352))
    );
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, pending(499));
    assert_eq!(balance(&s, AccountKind::Partner, w.partner).await, pending(99));
    assert_eq!(balance(&s, AccountKind::Agent, w.agent).await, pending(49));
    assert_eq!(balance(&s, AccountKind::Operator, 0).await, pending(352));

    // Received changes nothing; settled at a different commission corrects the amounts.
    assert_eq!(l.apply(&facts(&w, 1, Lifecycle::Received, 999)).await.unwrap().step, None);
    let a = l.apply(&facts(&w, 1, Lifecycle::Settled, 1201)).await.unwrap();
    assert_eq!(a.step, Some(Step::Settle));
    assert_eq!(a.split.total(), Fen(1201));
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, available(600));
    assert_eq!(balance(&s, AccountKind::Partner, w.partner).await, available(120));
    assert_eq!(balance(&s, AccountKind::Agent, w.agent).await, available(60));
    assert_eq!(balance(&s, AccountKind::Operator, 0).await, available(421));
    let o = s.ledger_order(1).await.unwrap().unwrap();
    assert_eq!(o.phase, Phase::Available);
    assert_eq!(o.commission_estimated, Fen(999));
    assert_eq!(o.commission_settled, Some(Fen(1201)));
    assert_eq!(o.rates.rebate, Bps(5000));

    // An order without a member or partner: everything to the operator.
    let mut f = facts(&w, 2, Lifecycle::Paid, 100);
    f.member_id = None;
    f.partner_id = None;
    let a = l.apply(&f).await.unwrap();
    assert_eq!(a.split.operator, Fen(100));
    assert_eq!(
        balance(&s, AccountKind::Operator, 0).await,
        Buckets { pending: 100, available: 421, ..Buckets::default() }
    );
}

async fn the_same_report_twice_changes_nothing_and_late_reports_are_ignored(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    assert_eq!(l.apply(&facts(&w, 7, Lifecycle::Unpaid, 100)).await.unwrap().step, None);
    assert!(s.ledger_order(7).await.unwrap().is_none(), "unpaid orders are not booked");
    assert!(l.apply(&facts(&w, 7, Lifecycle::Paid, 100)).await.unwrap().changed());
    assert!(!l.apply(&facts(&w, 7, Lifecycle::Paid, 100)).await.unwrap().changed());
    assert!(l.apply(&facts(&w, 7, Lifecycle::Settled, 100)).await.unwrap().changed());
    assert!(!l.apply(&facts(&w, 7, Lifecycle::Settled, 100)).await.unwrap().changed());
    assert!(!l.apply(&facts(&w, 7, Lifecycle::Paid, 100)).await.unwrap().changed(), "never backwards");
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, available(50));
    // A batch with repeats inside it.
    let batch =
        [facts(&w, 8, Lifecycle::Paid, 40), facts(&w, 8, Lifecycle::Paid, 40), facts(&w, 9, Lifecycle::Settled, 60)];
    let out = l.apply_all(&batch).await.unwrap();
    assert_eq!(out.iter().map(|a| a.step).collect::<Vec<_>>(), vec![Some(Step::Book), None, Some(Step::Settle)]);
    assert_eq!(
        balance(&s, AccountKind::Member, w.member).await,
        Buckets { pending: 20, available: 80, ..Buckets::default() }
    );
    // The member's statement: newest first, pending ones with the month they are expected to settle.
    let st = l.statement(w.member, 10).await.unwrap();
    assert_eq!(st.balance.pending, 20);
    let lines: Vec<_> = st.lines.iter().map(|x| (x.order_key.as_str(), x.base.0, x.rebate.0, x.phase)).collect();
    assert_eq!(
        lines,
        vec![("sn-9", 60, 30, Phase::Available), ("sn-8", 40, 20, Phase::Pending), ("sn-7", 100, 50, Phase::Available)]
    );
    assert_eq!(st.lines[1].expected_settlement.as_deref(), Some("2026-10"));
    assert_eq!(st.lines[0].expected_settlement, None);
    let text = dealbot::ledger::statement::render(&st);
    assert!(text.contains("sn-8：佣金 ¥0.40 × 50% = 返利 ¥0.20，待结算，预计 2026-10 结算"), "{text}");
}

async fn an_invalid_order_is_reversed_while_pending_and_clawed_back_after_settlement(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    l.apply(&facts(&w, 1, Lifecycle::Paid, 200)).await.unwrap();
    assert_eq!(l.apply(&facts(&w, 1, Lifecycle::Invalid, 200)).await.unwrap().step, Some(Step::Reverse));
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, Buckets::default());
    assert_eq!(balance(&s, AccountKind::Operator, 0).await, Buckets::default());
    assert!(!l.apply(&facts(&w, 1, Lifecycle::Settled, 200)).await.unwrap().changed(), "invalid is final");

    // Invalid before anything was booked: a later paid report books nothing.
    assert_eq!(l.apply(&facts(&w, 2, Lifecycle::Invalid, 200)).await.unwrap().step, Some(Step::Void));
    assert!(!l.apply(&facts(&w, 2, Lifecycle::Paid, 200)).await.unwrap().changed());

    // Settled, then refunded: clawed back and flagged.
    l.apply(&facts(&w, 3, Lifecycle::Settled, 300)).await.unwrap();
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, available(150));
    assert_eq!(l.apply(&facts(&w, 3, Lifecycle::Invalid, 300)).await.unwrap().step, Some(Step::Clawback));
    assert_eq!(balance(&s, AccountKind::Member, w.member).await, Buckets::default());
    assert_eq!(balance(&s, AccountKind::Partner, w.partner).await, Buckets::default());
    let flagged = s.flagged_ledger_orders(10).await.unwrap();
    assert_eq!(flagged.iter().map(|o| o.order_id).collect::<Vec<_>>(), vec![3]);
    assert_eq!(flagged[0].phase, Phase::ClawedBack);
}

fn rule(share: Share, scope: RateScope, bps: i64) -> NewRateRule {
    NewRateRule { share, scope, bps: Bps(bps), effective_from: 1 }
}

async fn the_most_specific_rate_rule_wins(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    l.create_rate_rule(&rule(Share::Rebate, RateScope::Platform("pdd".into()), 6000), "test").await.unwrap();
    l.create_rate_rule(&rule(Share::Rebate, RateScope::Group(w.group), 7000), "test").await.unwrap();
    l.create_rate_rule(&rule(Share::Agent, RateScope::Partner(w.agent), 200), "test").await.unwrap();
    l.create_rate_rule(&rule(Share::Partner, RateScope::Platform("jd".into()), 3000), "test").await.unwrap();
    assert!(l.create_rate_rule(&rule(Share::Rebate, RateScope::Member(w.member), 10_001), "test").await.is_err());
    let a = l.apply(&facts(&w, 1, Lifecycle::Paid, 1000)).await.unwrap();
    assert_eq!((a.split.rebate, a.split.partner, a.split.agent), (Fen(700), Fen(100), Fen(20)));
    // Refused: with the 30 % partner share on JD the shares would add up to more than 100 %.
    assert!(l.create_rate_rule(&rule(Share::Rebate, RateScope::Member(w.member), 8000), "test").await.is_err());
    l.create_rate_rule(&rule(Share::Rebate, RateScope::Member(w.member), 6500), "test").await.unwrap();
    let a = l.apply(&facts(&w, 2, Lifecycle::Paid, 1000)).await.unwrap();
    assert_eq!(a.split.rebate, Fen(650));
    // Rates are frozen at booking: settling order 1 keeps its 70 %.
    let a = l.apply(&facts(&w, 1, Lifecycle::Settled, 1000)).await.unwrap();
    assert_eq!(a.split.rebate, Fen(700));
    assert_eq!(a.split.total(), Fen(1000));
}

async fn the_daily_rollup_reports_per_group_partner_and_member(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    // 1_790_000_000 is 14:13 UTC = 22:13 at UTC+8, the same local day 20717.
    let day = dealbot::ledger::rules::local_day(1_790_000_000, 8);
    assert_eq!(day, 20717);
    l.apply(&facts(&w, 1, Lifecycle::Paid, 1000)).await.unwrap();
    l.apply(&facts(&w, 2, Lifecycle::Paid, 500)).await.unwrap();
    l.apply(&facts(&w, 2, Lifecycle::Settled, 600)).await.unwrap();
    l.apply(&facts(&w, 3, Lifecycle::Paid, 400)).await.unwrap();
    l.apply(&facts(&w, 3, Lifecycle::Invalid, 400)).await.unwrap();
    let mut jd = facts(&w, 4, Lifecycle::Paid, 100);
    jd.platform = Platform::Jd;
    l.apply(&jd).await.unwrap();
    let rows = s.money_report(MoneyScope::Group(w.group), day - 29, day, 8).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.platform.as_str()).collect::<Vec<_>>(), vec!["jd", "pdd"]);
    let pdd = &rows[1];
    assert_eq!((pdd.day, pdd.orders, pdd.invalid_orders), (day, 3, 1));
    assert_eq!(pdd.gmv, Fen(19_000));
    assert_eq!(pdd.commission_estimated, Fen(1500), "the invalid order's estimate is taken out");
    assert_eq!(pdd.commission_settled, Fen(600));
    assert_eq!((pdd.rebate_estimated, pdd.rebate_settled), (Fen(750), Fen(300)));
    assert_eq!(s.money_report(MoneyScope::Partner(w.partner), day, day, 8).await.unwrap(), rows);
    assert_eq!(s.money_report(MoneyScope::Member(w.member), day, day, 8).await.unwrap(), rows);
    assert!(s.money_report(MoneyScope::Group(w.group + 1), day - 29, day, 8).await.unwrap().is_empty());
    assert!(s.money_report(MoneyScope::Group(w.group), day + 1, day + 30, 8).await.unwrap().is_empty());
    let all = s.money_report(MoneyScope::All, day, day, 8).await.unwrap();
    assert_eq!(all, rows);
}

async fn members_are_told_once_per_step_in_private_chat_when_notices_are_on(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    // The member has written to the robot in private chat: a contact, told there.
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    s.record_inbound("dm-1", r.id, "wxid_member", Some("wxid_member"), "done", "{}", 1).await.unwrap();
    let l = ledger(&s);
    l.apply(&facts(&w, 1, Lifecycle::Paid, 999)).await.unwrap();
    l.apply(&facts(&w, 1, Lifecycle::Paid, 999)).await.unwrap();
    let sent = s.outbox_for("wxid_member").await.unwrap();
    assert_eq!(sent.len(), 1, "one notice per order and step");
    assert!(sent[0].body.contains("已付款，预估返利 ¥4.99"), "{}", sent[0].body);
    l.apply(&facts(&w, 1, Lifecycle::Settled, 1000)).await.unwrap();
    l.apply(&facts(&w, 2, Lifecycle::Paid, 200)).await.unwrap();
    l.apply(&facts(&w, 2, Lifecycle::Invalid, 200)).await.unwrap();
    let bodies: Vec<String> = s.outbox_for("wxid_member").await.unwrap().into_iter().map(|o| o.body).collect();
    assert_eq!(bodies.len(), 4);
    assert!(bodies[1].contains("已结算，返利 ¥5.00 已到账"), "{}", bodies[1]);
    assert!(bodies[3].contains("已失效"), "{}", bodies[3]);

    let quiet = LedgerSettings { member_notices: false, ..LedgerSettings::default() };
    let l = Ledger::with_settings(s.clone(), quiet, 8);
    l.apply(&facts(&w, 3, Lifecycle::Paid, 200)).await.unwrap();
    assert_eq!(s.outbox_for("wxid_member").await.unwrap().len(), 4, "switched off");
}
