//! The order store on both engines: upserts that only move forward, history, cursors, leases, claims.

use crate::helpers::TestDb;
use dealbot::affiliate::orders::SyncedOrder;
use dealbot::clock::Clock;
use dealbot::money::{Bps, Fen};
use dealbot::order::Lifecycle;
use dealbot::orders::attribution::attribute;
use dealbot::orders::claims::{self, ClaimOutcome};
use dealbot::orders::lease::Lease;
use dealbot::platform::Platform;
use dealbot::store::orders::{AttributionKind, OrderAttribution, Upserted};
use dealbot::store::pids::PidOwner;

on_both_engines!(
    orders_move_only_forward_and_keep_their_history,
    late_and_repeated_records_change_nothing,
    attribution_is_filled_once_and_never_overwritten,
    the_ledger_mark_survives_until_taken,
    cursors_only_move_forward,
    one_lease_holder_at_a_time,
    claims_are_checked,
    pids_and_member_tags_attribute_orders,
);

fn order(key: &str, lifecycle: Lifecycle, raw: &str, modified: i64) -> SyncedOrder {
    SyncedOrder {
        platform: Platform::Pdd,
        order_key: key.into(),
        parent_key: None,
        item_id: "goods-sign-1".into(),
        item_title: "保温杯".into(),
        paid_amount: Fen(3432),
        estimated_commission: Fen(686),
        settled_commission: if lifecycle == Lifecycle::Settled { Fen(686) } else { Fen(0) },
        rate: Bps(2000),
        raw_status: raw.into(),
        lifecycle,
        pid: "9000001_100000001".into(),
        member_tag: None,
        ordered_at: Some(modified - 100),
        paid_at: Some(modified - 50),
        settled_at: None,
        modified_at: modified,
        raw: format!("{{\"order_status\":{raw}}}"),
    }
}

async fn orders_move_only_forward_and_keep_their_history(db: TestDb) {
    let s = db.store().await;
    let none = OrderAttribution::NONE;
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Paid, "0", 100), &none, 1).await.unwrap(), Upserted::Inserted);
    // Same state, new raw status (已支付 → 已成团), newer: taken.
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Paid, "1", 110), &none, 2).await.unwrap(), Upserted::Changed);
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Received, "2", 200), &none, 3).await.unwrap(), Upserted::Changed);
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Settled, "5", 300), &none, 4).await.unwrap(), Upserted::Changed);
    // Settled never moves back (only into invalid, a refund after settlement).
    assert_eq!(
        s.upsert_order(&order("A", Lifecycle::Received, "2", 400), &none, 5).await.unwrap(),
        Upserted::Unchanged
    );
    let o = s.order_by_key(Platform::Pdd, "A").await.unwrap().unwrap();
    assert_eq!(o.lifecycle, Lifecycle::Settled);
    assert_eq!(o.raw_status, "5");
    assert_eq!(o.commission(), Fen(686));
    assert_eq!(o.modified_at, 300);
    let history: Vec<(Lifecycle, String)> =
        s.order_events(o.id).await.unwrap().into_iter().map(|e| (e.lifecycle, e.raw_status)).collect();
    assert_eq!(
        history,
        vec![
            (Lifecycle::Paid, "0".into()),
            (Lifecycle::Paid, "1".into()),
            (Lifecycle::Received, "2".into()),
            (Lifecycle::Settled, "5".into())
        ]
    );
    // Invalid from paid is allowed.
    s.upsert_order(&order("B", Lifecycle::Paid, "1", 100), &none, 1).await.unwrap();
    assert_eq!(s.upsert_order(&order("B", Lifecycle::Invalid, "4", 150), &none, 2).await.unwrap(), Upserted::Changed);
    assert_eq!(s.order_by_key(Platform::Pdd, "B").await.unwrap().unwrap().lifecycle, Lifecycle::Invalid);
    assert_eq!(s.count_orders(Platform::Pdd).await.unwrap(), 2);
}

async fn late_and_repeated_records_change_nothing(db: TestDb) {
    let s = db.store().await;
    let none = OrderAttribution::NONE;
    s.upsert_order(&order("A", Lifecycle::Received, "2", 200), &none, 1).await.unwrap();
    // The same record again, and an older one arriving late.
    assert_eq!(
        s.upsert_order(&order("A", Lifecycle::Received, "2", 200), &none, 2).await.unwrap(),
        Upserted::Unchanged
    );
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Paid, "1", 150), &none, 3).await.unwrap(), Upserted::Unchanged);
    let mut stale = order("A", Lifecycle::Received, "2", 190);
    stale.estimated_commission = Fen(1);
    assert_eq!(s.upsert_order(&stale, &none, 4).await.unwrap(), Upserted::Unchanged);
    let o = s.order_by_key(Platform::Pdd, "A").await.unwrap().unwrap();
    assert_eq!((o.lifecycle, o.estimated_commission, o.revision), (Lifecycle::Received, Fen(686), 1));
    assert_eq!(s.order_events(o.id).await.unwrap().len(), 1);
}

async fn attribution_is_filled_once_and_never_overwritten(db: TestDb) {
    let s = db.store().await;
    let group_only = OrderAttribution {
        group_id: Some(7),
        partner_id: Some(3),
        member_id: None,
        kind: AttributionKind::Group,
        conflict: false,
    };
    let member = OrderAttribution { member_id: Some(11), kind: AttributionKind::Heuristic, ..group_only };
    let other = OrderAttribution { member_id: Some(12), kind: AttributionKind::Tag, ..group_only };
    s.upsert_order(&order("A", Lifecycle::Paid, "0", 100), &group_only, 1).await.unwrap();
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Paid, "0", 100), &member, 2).await.unwrap(), Upserted::Changed);
    assert_eq!(s.upsert_order(&order("A", Lifecycle::Paid, "0", 100), &other, 3).await.unwrap(), Upserted::Unchanged);
    let o = s.order_by_key(Platform::Pdd, "A").await.unwrap().unwrap();
    assert_eq!(o.attribution, member);
    assert!(s.unattributed_orders(None, 10).await.unwrap().is_empty());
    s.upsert_order(&order("B", Lifecycle::Paid, "0", 100), &group_only, 1).await.unwrap();
    let un = s.unattributed_orders(Some(Platform::Pdd), 10).await.unwrap();
    assert_eq!(un.iter().map(|o| o.order_key.as_str()).collect::<Vec<_>>(), vec!["B"]);
}

async fn the_ledger_mark_survives_until_taken(db: TestDb) {
    let s = db.store().await;
    let none = OrderAttribution::NONE;
    s.upsert_order(&order("A", Lifecycle::Paid, "0", 100), &none, 1).await.unwrap();
    let pending = s.orders_awaiting_ledger(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    let first = pending[0].clone();
    // A change lands before the ledger took the first revision: marking the old revision keeps it pending.
    s.upsert_order(&order("A", Lifecycle::Received, "2", 200), &none, 2).await.unwrap();
    s.mark_ledger_applied(first.id, first.revision).await.unwrap();
    let pending = s.orders_awaiting_ledger(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].lifecycle, Lifecycle::Received);
    assert_eq!(pending[0].facts().commission, Fen(686));
    s.mark_ledger_applied(pending[0].id, pending[0].revision).await.unwrap();
    assert!(s.orders_awaiting_ledger(10).await.unwrap().is_empty());
}

async fn cursors_only_move_forward(db: TestDb) {
    let s = db.store().await;
    assert_eq!(s.sync_cursor(Platform::Jd).await.unwrap(), None);
    s.advance_sync_cursor(Platform::Jd, 1_000, 1).await.unwrap();
    s.advance_sync_cursor(Platform::Jd, 500, 2).await.unwrap();
    assert_eq!(s.sync_cursor(Platform::Jd).await.unwrap(), Some(1_000));
    s.advance_sync_cursor(Platform::Jd, 2_000, 3).await.unwrap();
    assert_eq!(s.sync_cursor(Platform::Jd).await.unwrap(), Some(2_000));
    assert_eq!(s.sync_cursor(Platform::Pdd).await.unwrap(), None);
}

async fn one_lease_holder_at_a_time(db: TestDb) {
    let s = db.store().await;
    let clock = Clock::system();
    let a = Lease::new(s.clone(), clock.clone(), "orders-sync:jd", "a", 60_000);
    let b = Lease::new(s.clone(), clock.clone(), "orders-sync:jd", "b", 60_000);
    // Racing acquisitions: exactly one wins.
    let (ra, rb) = tokio::join!(a.acquire(), b.acquire());
    assert!(ra.unwrap() ^ rb.unwrap(), "exactly one holder");
    let (winner, loser) = if a.acquire().await.unwrap() { (a, b) } else { (b, a) };
    assert!(winner.renew().await.unwrap());
    assert!(!loser.acquire().await.unwrap());
    // Expiry hands it over.
    clock.advance_ms(61_000);
    assert!(loser.acquire().await.unwrap());
    assert!(!winner.renew().await.unwrap(), "a lapsed holder learns it lost the lease");
    loser.release().await.unwrap();
    assert!(winner.acquire().await.unwrap());
}

async fn claims_are_checked(db: TestDb) {
    let s = db.store().await;
    let m1 = s.touch_member("wxid_one", Some("一号"), None, 1).await.unwrap();
    let m2 = s.touch_member("wxid_two", Some("二号"), None, 1).await.unwrap();
    let in_group = |g| OrderAttribution {
        group_id: Some(g),
        partner_id: None,
        member_id: None,
        kind: AttributionKind::Group,
        conflict: false,
    };
    s.upsert_order(&order("111111-000000000000001", Lifecycle::Paid, "0", 100), &in_group(5), 1).await.unwrap();
    s.upsert_order(&order("111111-000000000000002", Lifecycle::Paid, "0", 100), &in_group(6), 1).await.unwrap();
    // Another group's order is refused; this group's is bound, once.
    assert_eq!(claims::claim(&s, "111111-000000000000002", m1, Some(5), 2).await.unwrap(), ClaimOutcome::Refused);
    assert_eq!(claims::claim(&s, "111111-000000000000001", m1, Some(5), 2).await.unwrap(), ClaimOutcome::Bound);
    assert_eq!(claims::claim(&s, "111111-000000000000001", m1, Some(5), 3).await.unwrap(), ClaimOutcome::AlreadyYours);
    assert_eq!(claims::claim(&s, "111111-000000000000001", m2, Some(5), 3).await.unwrap(), ClaimOutcome::Refused);
    let o = s.order_by_key(Platform::Pdd, "111111-000000000000001").await.unwrap().unwrap();
    assert_eq!((o.attribution.member_id, o.attribution.kind), (Some(m1), AttributionKind::Claim));
    // A claim before the order arrives is applied when it does.
    assert_eq!(claims::claim(&s, "111111-000000000000003", m2, Some(5), 4).await.unwrap(), ClaimOutcome::Pending);
    s.upsert_order(&order("111111-000000000000003", Lifecycle::Paid, "0", 100), &in_group(5), 5).await.unwrap();
    claims::apply_pending(&s, Platform::Pdd, "111111-000000000000003", 6).await.unwrap();
    let o = s.order_by_key(Platform::Pdd, "111111-000000000000003").await.unwrap().unwrap();
    assert_eq!(o.attribution.member_id, Some(m2));
}

async fn pids_and_member_tags_attribute_orders(db: TestDb) {
    let s = db.store().await;
    let robot = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap().id;
    let group = s.ensure_group(robot, "room@chatroom", true, 1).await.unwrap();
    let partner = s.ensure_partner("wxid_owner", "群主", 1).await.unwrap();
    s.set_group_partner(group.id, Some(partner), 1).await.unwrap();
    s.set_pid(Platform::Taobao, "mm_128572012_2181300208_111067000033", "群", PidOwner::Group(group.id), 1)
        .await
        .unwrap();
    s.set_pid(Platform::Pdd, "9000001_100000009", "合伙人", PidOwner::Partner(partner), 1).await.unwrap();
    let member = s.touch_member("wxid_member", Some("阿明"), Some(group.id), 1).await.unwrap();
    s.bind_member_tag(Platform::Taobao, "relation:2145841445", member, 1).await.unwrap();

    // Taobao orders carry the adzone and the relation_id.
    let mut tb = order("1446862356240876331", Lifecycle::Paid, "12", 100);
    tb.platform = Platform::Taobao;
    tb.pid = "111067000033".into();
    tb.member_tag = Some("relation:2145841445".into());
    let a = attribute(&s, &tb, 3_600).await.unwrap();
    assert_eq!(
        a,
        OrderAttribution {
            group_id: Some(group.id),
            partner_id: Some(partner),
            member_id: Some(member),
            kind: AttributionKind::Tag,
            conflict: false,
        }
    );
    // A partner's PID gives the partner; `m<id>` of a member who does not exist gives no member.
    let mut pdd = order("A", Lifecycle::Paid, "0", 100);
    pdd.pid = "9000001_100000009".into();
    pdd.member_tag = Some(format!("m{}", member + 1000));
    let a = attribute(&s, &pdd, 3_600).await.unwrap();
    assert_eq!((a.group_id, a.partner_id, a.member_id, a.kind), (None, Some(partner), None, AttributionKind::Group));
    pdd.member_tag = Some(format!("m{member}"));
    assert_eq!(attribute(&s, &pdd, 3_600).await.unwrap().member_id, Some(member));
    // An unknown PID and no tag: nothing.
    let mut stray = order("B", Lifecycle::Paid, "0", 100);
    stray.pid = "1_2".into();
    assert_eq!(attribute(&s, &stray, 3_600).await.unwrap(), OrderAttribution::NONE);
}
