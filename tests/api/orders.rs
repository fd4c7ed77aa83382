//! Order sync end to end: members of several groups convert through the webhook, the simulated unions make orders
//! for those conversions, sync reads them over HTTP, and every order lands with the right group and member.

use crate::helpers::*;
use dealbot::money::Fen;
use dealbot::order::Lifecycle;
use dealbot::orders::lease::Lease;
use dealbot::orders::sync::{OrderSync, SyncReport};
use dealbot::platform::Platform;
use dealbot::sim::catalog;
use dealbot::store::ledger::AccountKind;
use dealbot::store::orders::AttributionKind;
use dealbot::store::pids::PidOwner;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

const ADMIN_TOKEN: &str = "orders-admin-token-0123456789";
const ROOMS: [&str; 2] = ["30000000001@chatroom", "30000000002@chatroom"];
const MEMBERS: [(&str, &str); 2] = [("wxid_orders_a", "阿甲"), ("wxid_orders_b", "阿乙")];

/// The `n`-th promotable item id of `platform` from `base` on.
pub(crate) fn promotable(platform: Platform, base: u64, n: usize) -> u64 {
    (base..).filter(|id| catalog::item_by_id(platform, *id).commission_bps > 0).nth(n).unwrap()
}

pub(crate) fn link(platform: Platform, id: u64) -> String {
    match platform {
        Platform::Pdd => format!("https://mobile.yangkeduo.com/goods.html?goods_id={id}"),
        Platform::Jd => format!("https://item.jd.com/{id}.html"),
        Platform::Taobao => format!("https://item.taobao.com/item.htm?id={id}"),
    }
}

fn group_pid(platform: Platform, g: usize) -> String {
    match platform {
        Platform::Pdd => format!("9000001_20000000{g}"),
        Platform::Jd => format!("320000000{g}"),
        Platform::Taobao => format!("mm_{}_2181300208_11106700003{g}", dealbot::sim::taobao::PUB_ID),
    }
}

pub(crate) async fn sync_all(app: &TestApp) -> Vec<SyncReport> {
    let mut reports = Vec::new();
    for platform in Platform::ALL {
        let settings = &app.engine.settings;
        let sync = OrderSync::for_platform(&app.store, &app.engine.affiliates, platform, settings, &app.clock).unwrap();
        let lease = sync.lease("test");
        assert!(lease.acquire().await.unwrap());
        reports.push(sync.run(&lease).await.unwrap());
        lease.release().await.unwrap();
    }
    reports
}

/// Moves dealbot's clock and every union's clock forward together.
pub(crate) fn advance(app: &TestApp, by: Duration) {
    app.clock.advance_ms(i64::try_from(by.as_millis()).unwrap());
    app.sim.sims.pdd.advance(by);
    app.sim.sims.jd.advance(by);
    app.sim.sims.taobao.advance(by);
}

#[tokio::test]
async fn orders_from_several_groups_and_members_are_attributed_and_resyncing_changes_nothing() {
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.admin.api_token = dealbot::config::Secret::new(ADMIN_TOKEN);
        // Reconciling five days of JD reads 120 one-hour windows in one request.
        s.affiliate.jd.qps = 100;
        s.server.request_timeout_ms = 60_000;
    })
    .await;
    app.sim.sims.pdd.set_order_stage(Duration::from_secs(1_800));
    let robot_id = app.engine.robots.keys().next().unwrap();
    let now = app.clock.now_ms();
    let mut group_ids = Vec::new();
    // The first group has an owner (partner), who earns a share of its orders.
    let partner = app.store.ensure_partner("wxid_orders_owner", "群主", now).await.unwrap();
    for (g, room) in ROOMS.iter().enumerate() {
        let group = app.store.ensure_group(robot_id, room, true, now).await.unwrap();
        if g == 0 {
            app.store.set_group_partner(group.id, Some(partner), now).await.unwrap();
        }
        for platform in Platform::ALL {
            app.store.set_pid(platform, &group_pid(platform, g), room, PidOwner::Group(group.id), now).await.unwrap();
        }
        group_ids.push(group.id);
    }
    // Each member of each group converts a different item of each union.
    let mut n = 0;
    for room in ROOMS {
        for (wxid, nick) in MEMBERS {
            for platform in Platform::ALL {
                let base = match platform {
                    Platform::Pdd => 386_512_047_700,
                    Platform::Jd => 100_087_654_300,
                    Platform::Taobao => 712_345_678_900,
                };
                let text = format!("帮我转一下 {}", link(platform, promotable(platform, base, n)));
                app.sim.sims.gewe.deliver_text(room, wxid, nick, &text).await.unwrap();
            }
            n += 1;
        }
    }
    let conversions = eventually("twelve conversions", Duration::from_secs(60), || async {
        let c = app.store.recent_conversions(100).await.unwrap();
        (c.len() >= 12).then_some(c)
    })
    .await;
    assert_eq!(conversions.len(), 12);
    // PDD makes orders on request (one per conversion); JD and Taobao make one per conversion minutes later.
    let made: Vec<String> = app
        .http
        .post(format!("{}/pdd/sim/orders/generate", app.sim.base))
        .json(&serde_json::json!({"count": 4, "spread_secs": 300}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(made.len(), 4);
    advance(&app, Duration::from_secs(20 * 60));

    let first = sync_all(&app).await;
    let fetched: u64 = first.iter().map(|r| r.fetched).sum();
    assert_eq!(fetched, 12, "{first:?}");

    // Every order belongs to the group and member whose conversion it came from.
    let member_ids: HashMap<String, i64> = {
        let mut m = HashMap::new();
        for (wxid, _) in MEMBERS {
            m.insert(wxid.to_string(), app.store.member_id(wxid).await.unwrap().unwrap());
        }
        m
    };
    let mut checked = 0;
    for c in &conversions {
        let platform: Platform = c.platform.parse().unwrap();
        let orders = app.store.orders_modified_between(platform, 0, i64::MAX).await.unwrap();
        let member = member_ids.get(c.member_wxid.as_deref().unwrap()).copied();
        let matching: Vec<_> = orders
            .iter()
            .filter(|o| o.attribution.group_id == c.group_id && o.attribution.member_id == member)
            .collect();
        assert_eq!(matching.len(), 1, "one order for conversion {c:?}: {orders:#?}");
        let o = matching[0];
        let expected_kind =
            if platform == Platform::Taobao { AttributionKind::Heuristic } else { AttributionKind::Tag };
        assert_eq!(o.attribution.kind, expected_kind, "{o:?}");
        assert!(o.estimated_commission.0 > 0, "{o:?}");
        checked += 1;
    }
    assert_eq!(checked, 12);
    assert!(app.store.unattributed_orders(None, 100).await.unwrap().is_empty());

    // Days later the orders have moved on (received, settled or invalid); sync takes that.
    advance(&app, Duration::from_secs(5 * 86_400));
    let second = sync_all(&app).await;
    assert!(second.iter().map(|r| r.changed).sum::<u64>() > 0, "{second:?}");
    assert_eq!(second.iter().map(|r| r.inserted).sum::<u64>(), 0, "{second:?}");
    let mut states = Vec::new();
    for platform in Platform::ALL {
        for o in app.store.orders_modified_between(platform, 0, i64::MAX).await.unwrap() {
            states.push(o.lifecycle);
            assert!(o.attribution.member_id.is_some(), "attribution kept: {o:?}");
        }
    }
    assert_eq!(states.len(), 12);
    assert!(states.iter().all(|s| *s != Lifecycle::Paid), "{states:?}");

    // The ledger holds each member's rebate (50 %) and the owner's share (10 %) to the 分: pending until settled,
    // then available; nothing for invalid orders.
    let balances = ledger_matches_the_orders(&app, &member_ids, partner).await;

    // Three more runs change nothing, in the orders or in the ledger.
    let events_before = event_count(&app).await;
    for _ in 0..3 {
        for r in sync_all(&app).await {
            assert_eq!((r.inserted, r.changed, r.ledger_applied), (0, 0, 0), "{r:?}");
        }
    }
    assert_eq!(event_count(&app).await, events_before);
    assert_eq!(ledger_matches_the_orders(&app, &member_ids, partner).await, balances);

    // Reconciliation over the admin API: nothing lost, extra or changed; the same commission on both sides.
    let since = app.clock.now_secs() - 6 * 86_400;
    for platform in Platform::ALL {
        let url = format!("{}/admin/api/reconciliation?platform={platform}&since={since}", app.base);
        let unauthorized = app.http.get(&url).send().await.unwrap();
        assert_eq!(unauthorized.status(), 401);
        let r: Value = app.http.get(&url).bearer_auth(ADMIN_TOKEN).send().await.unwrap().json().await.unwrap();
        assert_eq!(r["union_orders"], 4, "{r}");
        assert_eq!(r["stored_orders"], 4, "{r}");
        assert_eq!(r["lost"], serde_json::json!([]), "{r}");
        assert_eq!(r["extra"], serde_json::json!([]), "{r}");
        assert_eq!(r["changed"], serde_json::json!([]), "{r}");
        assert_eq!(r["missing_in_ledger"], serde_json::json!([]), "{r}");
        assert_eq!(r["union_commission"], r["stored_commission"], "{r}");
        assert_eq!(r["ledger_commission"], r["stored_commission"], "{r}");
    }
}

/// Checks every account against the stored orders; returns the balances.
async fn ledger_matches_the_orders(
    app: &TestApp,
    members: &HashMap<String, i64>,
    partner: i64,
) -> Vec<(i64, i64, i64)> {
    let share = |commission: Fen, bps: i64| commission.0 * bps / 10_000;
    let mut expected: HashMap<(AccountKind, i64), (i64, i64)> = HashMap::new();
    for platform in Platform::ALL {
        for o in app.store.orders_modified_between(platform, 0, i64::MAX).await.unwrap() {
            let mut accounts = vec![(AccountKind::Member, o.attribution.member_id.unwrap(), 5_000)];
            if let Some(p) = o.attribution.partner_id {
                accounts.push((AccountKind::Partner, p, 1_000));
            }
            for (kind, id, bps) in accounts {
                let e = expected.entry((kind, id)).or_default();
                match o.lifecycle {
                    Lifecycle::Settled => e.1 += share(o.settled_commission, bps),
                    Lifecycle::Paid | Lifecycle::Received | Lifecycle::Verified => {
                        e.0 += share(o.estimated_commission, bps)
                    }
                    _ => {}
                }
            }
            let booked = app.store.ledger_order(o.id).await.unwrap().expect("every order reached the ledger");
            assert_eq!(booked.holders.member, o.attribution.member_id, "{o:?}");
        }
    }
    let mut out = Vec::new();
    let accounts = members.values().map(|m| (AccountKind::Member, *m)).chain([(AccountKind::Partner, partner)]);
    for (kind, id) in accounts {
        let b = app.store.ledger_balance(kind, id).await.unwrap();
        let (pending, available) = expected.get(&(kind, id)).copied().unwrap_or_default();
        assert_eq!((b.pending, b.available), (pending, available), "{kind:?} {id}");
        assert_eq!(app.store.ledger_entries_sum(kind, id).await.unwrap(), b);
        out.push((id, b.pending, b.available));
    }
    assert!(out.iter().any(|(_, _, available)| *available > 0), "some money settled: {out:?}");
    out
}

async fn event_count(app: &TestApp) -> usize {
    let mut n = 0;
    for platform in Platform::ALL {
        for o in app.store.orders_modified_between(platform, 0, i64::MAX).await.unwrap() {
            n += app.store.order_events(o.id).await.unwrap().len();
        }
    }
    n
}

#[tokio::test]
async fn a_member_claims_an_unattributed_order_in_the_chat() {
    // The claim is sent after the clocks moved on: it must not count as a stale message.
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.engine.max_message_age_secs = 86_400;
        s.admin.api_token = dealbot::config::Secret::new(ADMIN_TOKEN);
    })
    .await;
    let robot_id = app.engine.robots.keys().next().unwrap();
    let group = app.store.ensure_group(robot_id, ROOM, true, app.clock.now_ms()).await.unwrap();
    // Two members convert the same Taobao item: the heuristic cannot tell whose the order is.
    let item = promotable(Platform::Taobao, 712_345_678_900, 0);
    app.store
        .set_pid(Platform::Taobao, &group_pid(Platform::Taobao, 0), ROOM, PidOwner::Group(group.id), app.clock.now_ms())
        .await
        .unwrap();
    for (wxid, nick) in MEMBERS {
        app.sim.sims.gewe.deliver_text(ROOM, wxid, nick, &link(Platform::Taobao, item)).await.unwrap();
    }
    eventually("two conversions", Duration::from_secs(60), || async {
        (app.store.recent_conversions(10).await.unwrap().len() >= 2).then_some(())
    })
    .await;
    advance(&app, Duration::from_secs(20 * 60));
    sync_all(&app).await;
    let unattributed = app.store.unattributed_orders(Some(Platform::Taobao), 10).await.unwrap();
    assert_eq!(unattributed.len(), 2, "ambiguous orders stay unattributed and are listed: {unattributed:?}");
    assert!(unattributed.iter().all(|o| o.attribution.group_id == Some(group.id)));
    let listed: Value = app
        .http
        .get(format!("{}/admin/api/orders/unattributed?platform=taobao", app.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    let (wxid, nick) = MEMBERS[0];
    let key = unattributed[0].order_key.clone();
    let sent_before = app.sim.sims.gewe.sent().len();
    app.sim.sims.gewe.deliver_text(ROOM, wxid, nick, &format!("绑定订单 {key}")).await.unwrap();
    let reply = eventually("the claim reply", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() > sent_before).then(|| s[sent_before].content.clone())
    })
    .await;
    assert!(reply.contains("已绑定"), "{reply}");
    let o = app.store.order_by_key(Platform::Taobao, &key).await.unwrap().unwrap();
    assert_eq!(o.attribution.member_id, app.store.member_id(wxid).await.unwrap());
    assert_eq!(o.attribution.kind, AttributionKind::Claim);

    // The other member cannot take it any more.
    let (other, other_nick) = MEMBERS[1];
    let sent_before = app.sim.sims.gewe.sent().len();
    app.sim.sims.gewe.deliver_text(ROOM, other, other_nick, &format!("绑定订单 {key}")).await.unwrap();
    let reply = eventually("the refusal", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() > sent_before).then(|| s[sent_before].content.clone())
    })
    .await;
    assert!(reply.contains("无法绑定"), "{reply}");
    let o = app.store.order_by_key(Platform::Taobao, &key).await.unwrap().unwrap();
    assert_eq!(o.attribution.member_id, app.store.member_id(wxid).await.unwrap());
}

#[tokio::test]
async fn the_background_worker_syncs_on_its_schedule_under_the_lease() {
    let app = TestApp::spawn_on(TestDb::postgres().await, |s| {
        s.orders.enabled = true;
        s.orders.jd_interval_secs = 1;
        s.affiliate.jd.qps = 100;
    })
    .await;
    let item = promotable(Platform::Jd, 100_087_654_300, 0);
    app.sim.sims.gewe.deliver_text(ROOM, MEMBERS[0].0, MEMBERS[0].1, &link(Platform::Jd, item)).await.unwrap();
    eventually("the conversion", Duration::from_secs(60), || async {
        (!app.store.recent_conversions(10).await.unwrap().is_empty()).then_some(())
    })
    .await;
    advance(&app, Duration::from_secs(20 * 60));
    let order = eventually("the order synced in the background", Duration::from_secs(60), || async {
        app.store.orders_modified_between(Platform::Jd, 0, i64::MAX).await.unwrap().pop()
    })
    .await;
    assert_eq!(order.attribution.member_id, app.store.member_id(MEMBERS[0].0).await.unwrap());
    assert!(app.store.sync_cursor(Platform::Jd).await.unwrap().is_some());
    // The worker holds the lease only while it runs: a backfill (`dealbot orders sync`) takes it between runs.
    let other = Lease::new(app.store.clone(), app.clock.clone(), Lease::name_for(Platform::Jd), "other", 60_000);
    eventually("the lease free between runs", Duration::from_secs(30), || async {
        other.acquire().await.unwrap().then_some(())
    })
    .await;
    let cursor = app.store.sync_cursor(Platform::Jd).await.unwrap();
    other.release().await.unwrap();
    advance(&app, Duration::from_secs(20 * 60));
    eventually("the worker runs again once the lease is free", Duration::from_secs(60), || async {
        (app.store.sync_cursor(Platform::Jd).await.unwrap() != cursor).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_refund_reverses_the_rebate_and_a_refund_after_settlement_is_clawed_back() {
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.admin.api_token = dealbot::config::Secret::new(ADMIN_TOKEN);
    })
    .await;
    let (wxid, nick) = MEMBERS[0];
    for n in 0..2 {
        let text = link(Platform::Pdd, promotable(Platform::Pdd, 386_512_047_700, n));
        app.sim.sims.gewe.deliver_text(ROOM, wxid, nick, &text).await.unwrap();
    }
    eventually("two conversions", Duration::from_secs(60), || async {
        (app.store.recent_conversions(10).await.unwrap().len() >= 2).then_some(())
    })
    .await;
    let made = app.sim.sims.pdd.generate_orders(2, Duration::from_secs(60));
    assert_eq!(made.len(), 2);
    let sync =
        OrderSync::for_platform(&app.store, &app.engine.affiliates, Platform::Pdd, &app.engine.settings, &app.clock)
            .unwrap();
    let lease = sync.lease("test");
    assert!(lease.acquire().await.unwrap());
    sync.run(&lease).await.unwrap();
    let member = app.store.member_id(wxid).await.unwrap().unwrap();
    let order = |sn: &str| {
        let sn = sn.to_string();
        let store = app.store.clone();
        async move { store.order_by_key(Platform::Pdd, &sn).await.unwrap().unwrap() }
    };
    let (refunded, kept) = (order(&made[0]).await, order(&made[1]).await);
    let rebate = |o: &dealbot::store::orders::StoredOrder| o.estimated_commission.0 * 5_000 / 10_000;
    let balance = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!(balance.pending, rebate(&refunded) + rebate(&kept));

    // One order is refunded, the other settles (over the simulator's HTTP admin call).
    let set_status = |sn: &str, status: i64| {
        let body = serde_json::json!({"order_sn": sn, "order_status": status, "at": app.sim.sims.pdd.now() + 60});
        app.http.post(format!("{}/pdd/sim/orders/status", app.sim.base)).json(&body).send()
    };
    assert_eq!(set_status(&made[0], 4).await.unwrap().status(), 204);
    assert_eq!(set_status(&made[1], 5).await.unwrap().status(), 204);
    assert_eq!(set_status("000000-000000000000000", 5).await.unwrap().status(), 422);
    advance(&app, Duration::from_secs(120));
    sync.run(&lease).await.unwrap();
    assert_eq!(order(&made[0]).await.lifecycle, Lifecycle::Invalid);
    assert_eq!(order(&made[1]).await.lifecycle, Lifecycle::Settled);
    let balance = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!((balance.pending, balance.available), (0, rebate(&kept)));

    // A refund after settlement: the order turns invalid, the available rebate is clawed back and the order
    // flagged; reconciliation then agrees with the union, and another sync changes nothing.
    assert_eq!(set_status(&made[1], 4).await.unwrap().status(), 204);
    advance(&app, Duration::from_secs(120));
    let r = sync.run(&lease).await.unwrap();
    assert_eq!((r.changed, r.inserted), (1, 0), "{r:?}");
    let stored = order(&made[1]).await;
    assert_eq!((stored.lifecycle, stored.raw_status.as_str()), (Lifecycle::Invalid, "4"));
    let after = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!((after.pending, after.available), (0, 0), "{after:?}");
    assert!(app.store.ledger_order(stored.id).await.unwrap().unwrap().flagged);
    advance(&app, Duration::from_secs(120));
    let again = sync.run(&lease).await.unwrap();
    assert_eq!(again.changed, 0, "{again:?}");
    assert_eq!(app.store.ledger_balance(AccountKind::Member, member).await.unwrap(), after);
    let since = app.clock.now_secs() - 3_600;
    let url = format!("{}/admin/api/reconciliation?platform=pdd&since={since}", app.base);
    let report: Value = app.http.get(&url).bearer_auth(ADMIN_TOKEN).send().await.unwrap().json().await.unwrap();
    assert!(report["changed"].as_array().unwrap().is_empty(), "{report}");
}
