//! Attribution per conversion and the money that follows it: tags on the default PIDs, tags against PIDs, old
//! member tags, claims and admins' assignments that re-split booked orders, notices that reach members of no
//! group, and the rebate members are shown being the rebate they are booked.

use crate::helpers::*;
use crate::orders::{advance, link, promotable, sync_all};
use dealbot::affiliate::orders::SyncedOrder;
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::{self, Holders, Rates};
use dealbot::money::{Bps, Fen};
use dealbot::order::Lifecycle;
use dealbot::orders::attribution::attribute;
use dealbot::orders::claims;
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::ledger::AccountKind;
use dealbot::store::orders::{AttributionKind, OrderAttribution};
use dealbot::store::pids::PidOwner;
use dealbot::store::stats_money::MoneyScope;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

on_both_engines!(
    partners_on_the_default_pids_see_their_own_groups_commission_and_every_balance_is_right,
    a_tag_that_disagrees_with_the_pid_wins_and_flags_the_order_and_old_member_tags_still_work,
    a_claim_after_sync_moves_the_members_share_and_orders_of_no_group_are_assigned_by_an_admin,
    notices_reach_members_of_orders_without_a_group,
    a_taobao_member_registers_once_and_their_orders_are_theirs_without_a_heuristic,
    a_settled_order_given_to_a_member_moves_available_money_and_is_flagged,
    an_admin_assigns_an_order_of_no_group_from_the_orders_page,
);

const ADMIN_TOKEN: &str = "attribution-admin-token-0123456789";
const ROOMS: [&str; 2] = ["31000000001@chatroom", "31000000002@chatroom"];
const MEMBERS: [(&str, &str); 2] = [("wxid_attr_a", "阿甲"), ("wxid_attr_b", "阿乙")];
const TEMPLATE: &str = "{标题}|{预估返利}|{链接}";

fn rates() -> LedgerSettings {
    LedgerSettings { rebate_bps: 5000, partner_bps: 1000, agent_bps: 500, ..LedgerSettings::default() }
}

fn base(platform: Platform) -> u64 {
    match platform {
        Platform::Pdd => 386_512_047_700,
        Platform::Jd => 100_087_654_300,
        Platform::Taobao => 712_345_678_900,
    }
}

async fn pending(s: &Store, kind: AccountKind, id: i64) -> i64 {
    s.ledger_balance(kind, id).await.unwrap().pending
}

async fn spawn(db: TestDb) -> TestApp {
    TestApp::spawn_on(db, |s| {
        s.admin.api_token = dealbot::config::Secret::new(ADMIN_TOKEN);
        s.ledger = rates();
    })
    .await
}

/// The figure after the title in the copy replies to `room`: title → rebate shown.
fn shown_rebates(app: &TestApp, room: &str) -> HashMap<String, Fen> {
    let mut out = HashMap::new();
    for m in app.sim.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == room) {
        let parts: Vec<&str> = m.content.split('|').collect();
        if let [head, figure, _] = parts.as_slice() {
            let title = head.rsplit('\u{2005}').next().unwrap_or(head).to_string();
            let yuan = figure.trim_start_matches('¥');
            let (y, f) = yuan.split_once('.').unwrap();
            out.insert(title, Fen(y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()));
        }
    }
    out
}

async fn partners_on_the_default_pids_see_their_own_groups_commission_and_every_balance_is_right(db: TestDb) {
    let app = spawn(db).await;
    let s = &app.store;
    app.sim.sims.pdd.set_order_stage(Duration::from_secs(1_800));
    let robot_id = app.engine.robots.keys().next().unwrap();
    let now = app.clock.now_ms();
    // Two partners, each owning one group; the first has an agent. No PID is bound anywhere: every conversion
    // goes out on the robot's default PIDs.
    let agent = s.create_partner("代理", Some("wxid_attr_agent"), None, now).await.unwrap();
    let partners = [
        s.create_partner("群主甲", Some("wxid_attr_p1"), Some(agent), now).await.unwrap(),
        s.create_partner("群主乙", Some("wxid_attr_p2"), None, now).await.unwrap(),
    ];
    let mut groups = Vec::new();
    for (g, room) in ROOMS.iter().enumerate() {
        let group = s.ensure_group(robot_id, room, true, now).await.unwrap();
        s.set_group_partner(group.id, Some(partners[g]), now).await.unwrap();
        s.set_copy_template(group.id, Some(TEMPLATE), now).await.unwrap();
        groups.push(group.id);
    }
    for (g, room) in ROOMS.iter().enumerate() {
        let (wxid, nick) = MEMBERS[g];
        for platform in Platform::ALL {
            let text = format!("帮我转一下 {}", link(platform, promotable(platform, base(platform), g)));
            app.sim.sims.gewe.deliver_text(room, wxid, nick, &text).await.unwrap();
        }
    }
    eventually("six conversions", Duration::from_secs(60), || async {
        (s.recent_conversions(100).await.unwrap().len() >= 6).then_some(())
    })
    .await;
    let made: Vec<String> = app
        .http
        .post(format!("{}/pdd/sim/orders/generate", app.sim.base))
        .json(&serde_json::json!({"count": 2, "spread_secs": 300}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(made.len(), 2);
    advance(&app, Duration::from_secs(20 * 60));
    sync_all(&app).await;

    let members: Vec<i64> = {
        let mut v = Vec::new();
        for (wxid, _) in MEMBERS {
            v.push(s.member_id(wxid).await.unwrap().unwrap());
        }
        v
    };
    let mut expected: HashMap<(AccountKind, i64), i64> = HashMap::new();
    let mut per_group: HashMap<i64, i64> = HashMap::new();
    let mut n = 0;
    for platform in Platform::ALL {
        for o in s.orders_modified_between(platform, 0, i64::MAX).await.unwrap() {
            n += 1;
            let g = groups.iter().position(|g| Some(*g) == o.attribution.group_id).expect("every order has its group");
            assert_eq!(o.attribution.member_id, Some(members[g]), "{o:?}");
            assert_eq!(o.attribution.partner_id, Some(partners[g]), "{o:?}");
            let kind = if platform == Platform::Taobao { AttributionKind::Heuristic } else { AttributionKind::Tag };
            assert_eq!(o.attribution.kind, kind, "{o:?}");
            assert!(!o.attribution.conflict);
            if o.lifecycle == Lifecycle::Invalid {
                continue;
            }
            *per_group.entry(groups[g]).or_default() += o.commission().0;
            let holders = Holders {
                member: Some(members[g]),
                partner: Some(partners[g]),
                agent: (g == 0).then_some(agent),
                agent2: None,
            };
            let split = rules::split(
                o.commission(),
                Rates { rebate: Bps(5000), partner: Bps(1000), agent: Bps(500), agent2: Bps(0) },
                holders,
            );
            *expected.entry((AccountKind::Member, members[g])).or_default() += split.rebate.0;
            *expected.entry((AccountKind::Partner, partners[g])).or_default() += split.partner.0;
            if g == 0 {
                *expected.entry((AccountKind::Agent, agent)).or_default() += split.agent.0;
            }
            *expected.entry((AccountKind::Operator, 0)).or_default() += split.operator.0;
        }
    }
    assert_eq!(n, 6, "one order per conversion");
    for ((kind, id), amount) in &expected {
        assert_eq!(pending(s, *kind, *id).await, *amount, "{kind:?} {id}");
    }

    // 概览 shows each partner (one group each) with their group's commission; so does each group's report.
    let overview: Value = app
        .http
        .get(format!("{}/admin/api/overview", app.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (g, partner) in partners.iter().enumerate() {
        let row = overview["top_partners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["partner_id"] == *partner)
            .unwrap_or_else(|| panic!("partner {partner} on 概览: {overview}"));
        assert_eq!(row["estimated_commission"].as_i64(), Some(per_group[&groups[g]]), "{row}");
        let day = app.clock.now_secs().div_euclid(86_400) + 1;
        let report = s.money_report(MoneyScope::Group(groups[g]), day - 30, day, 8).await.unwrap();
        let total: i64 = report.iter().map(|r| r.commission_estimated.0).sum();
        assert_eq!(total, per_group[&groups[g]], "group {g}: {report:?}");
    }

    // The rebate each member was shown is the rebate they are booked, to the 分, for orders of one piece (the
    // figure is per piece); orders of several pieces earn at least as much.
    let conversions = s.recent_conversions(100).await.unwrap();
    let mut exact = 0;
    for (g, room) in ROOMS.iter().enumerate() {
        let shown = shown_rebates(&app, room);
        assert_eq!(shown.len(), 3, "{shown:?}");
        for platform in Platform::ALL {
            for o in s.orders_modified_between(platform, 0, i64::MAX).await.unwrap() {
                if o.attribution.member_id != Some(members[g]) || o.lifecycle == Lifecycle::Invalid {
                    continue;
                }
                let c = conversions.iter().find(|c| c.platform == platform.code() && c.item_id == o.item_id).unwrap();
                let figure = *shown.get(&o.item_title).unwrap_or_else(|| panic!("{}: {shown:?}", o.item_title));
                assert!(figure.0 > 0 && figure.0 * 2 <= c.commission.0 + 1, "{figure:?} of {c:?}");
                let booked = s.ledger_order(o.id).await.unwrap().unwrap();
                if o.paid_amount == c.final_price {
                    assert_eq!(booked.split.rebate, figure, "{o:?}");
                    exact += 1;
                } else {
                    assert!(booked.split.rebate >= figure, "{booked:?} vs {figure:?}");
                }
            }
        }
    }
    assert!(exact > 0, "at least one order of one piece");
}

fn order(key: &str, pid: &str, tag: Option<String>) -> SyncedOrder {
    SyncedOrder {
        platform: Platform::Pdd,
        order_key: key.into(),
        parent_key: None,
        item_id: "goods-sign-attr".into(),
        item_title: "保温杯".into(),
        paid_amount: Fen(3432),
        estimated_commission: Fen(686),
        settled_commission: Fen(0),
        rate: Bps(2000),
        raw_status: "0".into(),
        lifecycle: Lifecycle::Paid,
        pid: pid.into(),
        member_tag: tag,
        ordered_at: Some(1_790_000_000),
        paid_at: Some(1_790_000_050),
        settled_at: None,
        modified_at: 1_790_000_100,
        raw: "{}".into(),
    }
}

async fn a_tag_that_disagrees_with_the_pid_wins_and_flags_the_order_and_old_member_tags_still_work(db: TestDb) {
    let s = db.store().await;
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let g1 = s.ensure_group(r.id, "a@chatroom", true, 1).await.unwrap().id;
    let g2 = s.ensure_group(r.id, "b@chatroom", true, 1).await.unwrap().id;
    let partner = s.create_partner("群主", Some("wxid_owner"), None, 1).await.unwrap();
    s.set_group_partner(g1, Some(partner), 1).await.unwrap();
    s.set_pid(Platform::Pdd, "9000001_200000002", "b", PidOwner::Group(g2), 1).await.unwrap();
    let member = s.touch_member("wxid_m", Some("阿明"), Some(g1), 1).await.unwrap();
    let tag = s.attribution_tag_for(r.id, Some(g1), Some(member), Platform::Pdd, "k", 0, 1).await.unwrap();

    // The tag names a conversion in g1; the PID is g2's: the tag wins, the order is flagged.
    let o = order("190108-1", "9000001_200000002", Some(format!("m{member}_c{tag}")));
    let a = attribute(&s, &o, 3_600).await.unwrap();
    let want = OrderAttribution {
        group_id: Some(g1),
        partner_id: Some(partner),
        member_id: Some(member),
        kind: AttributionKind::Tag,
        conflict: true,
    };
    assert_eq!(a, want);
    s.upsert_order(&o, &a, 1).await.unwrap();
    let stored = s.order_by_key(Platform::Pdd, "190108-1").await.unwrap().unwrap();
    assert_eq!(stored.attribution, want);

    // On the default PID the tag alone gives group, partner and member, and nothing disagrees.
    let o = order("190108-2", "9000001_999999999", Some(format!("m{member}_c{tag}")));
    assert_eq!(attribute(&s, &o, 3_600).await.unwrap(), OrderAttribution { conflict: false, ..want });

    // A tag of another platform names nothing.
    let jd_tag = s.attribution_tag_for(r.id, Some(g2), Some(member), Platform::Jd, "k", 0, 1).await.unwrap();
    let o = order("190108-3", "9000001_999999999", Some(format!("c{jd_tag}")));
    assert_eq!(attribute(&s, &o, 3_600).await.unwrap().group_id, None);

    // Tags of earlier versions (`m<id>`): the member from the tag, the group from the PID.
    let o = order("190108-4", "9000001_200000002", Some(format!("m{member}")));
    let a = attribute(&s, &o, 3_600).await.unwrap();
    assert_eq!(
        a,
        OrderAttribution {
            group_id: Some(g2),
            partner_id: None,
            member_id: Some(member),
            kind: AttributionKind::Tag,
            conflict: false
        }
    );
}

async fn a_claim_after_sync_moves_the_members_share_and_orders_of_no_group_are_assigned_by_an_admin(db: TestDb) {
    let app = spawn(db).await;
    let s = &app.store;
    let robot_id = app.engine.robots.keys().next().unwrap();
    let now = app.clock.now_ms();
    let partner = s.create_partner("群主", Some("wxid_claim_owner"), None, now).await.unwrap();
    let group = s.ensure_group(robot_id, ROOMS[0], true, now).await.unwrap().id;
    s.set_group_partner(group, Some(partner), now).await.unwrap();
    s.set_pid(Platform::Pdd, "9000001_300000001", ROOMS[0], PidOwner::Group(group), now).await.unwrap();
    let (wxid, nick) = MEMBERS[0];
    // The member says hello, so that they exist.
    app.sim.sims.gewe.deliver_text(ROOMS[0], wxid, nick, "大家好").await.unwrap();
    let member = eventually("the member", Duration::from_secs(30), || async { s.member_id(wxid).await.unwrap() }).await;

    // Two orders come back without a member: one through the group's PID, one on a PID of no group.
    let ledger = Ledger::with_settings(s.clone(), rates(), 8);
    for (key, pid) in [("190108-500000000000001", "9000001_300000001"), ("190108-500000000000002", "9000001_1")] {
        let o = order(key, pid, None);
        let a = attribute(s, &o, 3_600).await.unwrap();
        s.upsert_order(&o, &a, now).await.unwrap();
    }
    claims::settle_ledger(s, &ledger).await.unwrap();
    let operator_before = pending(s, AccountKind::Operator, 0).await;
    assert_eq!(pending(s, AccountKind::Member, member).await, 0);
    assert_eq!(operator_before, 686 - 68 + 686, "the operator holds all but the partner's share");

    // The member claims the group's order in the group: their pending balance rises by exactly their share
    // (50 % of 686), taken from the operator's provisional share.
    app.sim.sims.gewe.deliver_text(ROOMS[0], wxid, nick, "绑定订单 190108-500000000000001").await.unwrap();
    eventually("the re-split", Duration::from_secs(30), || async {
        (pending(s, AccountKind::Member, member).await == 343).then_some(())
    })
    .await;
    assert_eq!(pending(s, AccountKind::Operator, 0).await, operator_before - 343);
    assert_eq!(pending(s, AccountKind::Partner, partner).await, 68);
    let booked = s.ledger_order(s.order_by_key(Platform::Pdd, "190108-500000000000001").await.unwrap().unwrap().id);
    assert_eq!(booked.await.unwrap().unwrap().holders.member, Some(member));

    // The order of no group cannot be claimed by the member (after the command's cool-down).
    app.clock.advance_ms(10_000);
    app.sim.sims.gewe.deliver_text(ROOMS[0], wxid, nick, "绑定订单 190108-500000000000002").await.unwrap();
    eventually("the refusal", Duration::from_secs(30), || async {
        app.sim.sims.gewe.sent().iter().any(|m| m.content.contains("无法绑定")).then_some(())
    })
    .await;
    assert_eq!(pending(s, AccountKind::Member, member).await, 343);

    // An admin assigns it, with a reason: logged, and re-split at once.
    let loose = s.order_by_key(Platform::Pdd, "190108-500000000000002").await.unwrap().unwrap();
    let url = format!("{}/admin/api/orders/{}/assign", app.base, loose.id);
    let assign = |reason: &'static str| {
        let request = app.http.post(&url).bearer_auth(ADMIN_TOKEN);
        async move { request.json(&serde_json::json!({"member_id": member, "reason": reason})).send().await.unwrap() }
    };
    assert_eq!(assign(" ").await.status(), 400);
    let ok = assign("会员提供了付款截图").await;
    assert_eq!(ok.status(), 200, "{:?}", ok.text().await);
    assert_eq!(pending(s, AccountKind::Member, member).await, 343 + 343);
    assert_eq!(pending(s, AccountKind::Operator, 0).await, operator_before - 343 - 343);
    let log = s.order_assignments(loose.id).await.unwrap();
    assert_eq!(log, vec![(member, "api".to_string(), "会员提供了付款截图".to_string())]);
    for kind in [AccountKind::Member, AccountKind::Operator, AccountKind::Partner] {
        let id = match kind {
            AccountKind::Member => member,
            AccountKind::Partner => partner,
            _ => 0,
        };
        assert_eq!(s.ledger_balance(kind, id).await.unwrap(), s.ledger_entries_sum(kind, id).await.unwrap());
    }
}

async fn notices_reach_members_of_orders_without_a_group(db: TestDb) {
    let app = spawn(db).await;
    let s = &app.store;
    let robot_id = app.engine.robots.keys().next().unwrap();
    let now = app.clock.now_ms();
    s.ensure_group(robot_id, ROOMS[1], true, now).await.unwrap();
    let (wxid, nick) = MEMBERS[1];
    // The member converts in the group (so that is where they last converted).
    let text = format!("转 {}", link(Platform::Jd, promotable(Platform::Jd, base(Platform::Jd), 0)));
    app.sim.sims.gewe.deliver_text(ROOMS[1], wxid, nick, &text).await.unwrap();
    eventually("the conversion", Duration::from_secs(30), || async {
        (!s.recent_conversions(10).await.unwrap().is_empty()).then_some(())
    })
    .await;
    let member = s.member_id(wxid).await.unwrap().unwrap();
    let ledger = Ledger::with_settings(s.clone(), LedgerSettings { member_notices: true, ..rates() }, 8);
    let book = |key: &'static str| {
        let ledger = ledger.clone();
        async move {
            // An order with the member's tag only: no group.
            let o = order(key, "9000001_1", Some(format!("m{member}")));
            let a = attribute(s, &o, 3_600).await.unwrap();
            assert_eq!((a.group_id, a.member_id), (None, Some(member)));
            s.upsert_order(&o, &a, now).await.unwrap();
            claims::settle_ledger(s, &ledger).await.unwrap();
        }
    };
    // Not a contact: the notice goes to the group where they last converted, mentioning them.
    book("190108-600000000000001").await;
    let in_group: Vec<_> = s.outbox_for(ROOMS[1]).await.unwrap();
    let notice = in_group.iter().find(|o| o.body.contains("190108-600000000000001")).expect("the notice in the group");
    assert!(notice.body.contains("已付款") && notice.body.contains(wxid), "{}", notice.body);
    assert!(s.outbox_for(wxid).await.unwrap().is_empty());

    // Once they have written to the robot in private chat, notices go there.
    app.sim.sims.gewe.deliver_text(wxid, wxid, nick, "我的").await.unwrap();
    eventually("the private message", Duration::from_secs(30), || async {
        s.is_private_contact(robot_id, wxid).await.unwrap().then_some(())
    })
    .await;
    book("190108-600000000000002").await;
    let private = s.outbox_for(wxid).await.unwrap();
    assert!(private.iter().any(|o| o.body.contains("190108-600000000000002") && o.body.contains("已付款")));

    // Withdrawal decisions reach them in private chat: approved with the amount, rejected with the reason.
    let o = s.order_by_key(Platform::Pdd, "190108-600000000000001").await.unwrap().unwrap();
    let mut settled = o.facts();
    settled.lifecycle = Lifecycle::Settled;
    ledger.apply(&settled).await.unwrap();
    let rebate = s.ledger_balance(AccountKind::Member, member).await.unwrap().available;
    assert_eq!(rebate, 343);
    for (approve, reason) in [(false, "信息不符"), (true, "")] {
        let id = match ledger.request_withdrawal(member, Fen(100)).await.unwrap() {
            dealbot::store::withdrawals::WithdrawalRequest::Accepted { id, .. } => id,
            other => panic!("{other:?}"),
        };
        ledger.decide_withdrawal(id, approve, "admin", reason).await.unwrap();
    }
    let bodies: Vec<String> = s.outbox_for(wxid).await.unwrap().into_iter().map(|o| o.body).collect();
    assert!(bodies.iter().any(|b| b.contains("未通过审核") && b.contains("信息不符")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("¥1.00 已通过审核")), "{bodies:?}");
}

async fn a_taobao_member_registers_once_and_their_orders_are_theirs_without_a_heuristic(db: TestDb) {
    let app = spawn(db).await;
    let s = &app.store;
    let robot_id = app.engine.robots.keys().next().unwrap();
    s.ensure_group(robot_id, ROOMS[0], true, app.clock.now_ms()).await.unwrap();
    let [(a, a_nick), (b, b_nick)] = MEMBERS;
    let item = |n| link(Platform::Taobao, promotable(Platform::Taobao, base(Platform::Taobao), n));
    // The first Taobao conversion brings the registration link, in private chat; the second does not.
    for n in 0..2 {
        app.sim.sims.gewe.deliver_text(ROOMS[0], a, a_nick, &format!("转 {}", item(n))).await.unwrap();
    }
    eventually("two conversions", Duration::from_secs(30), || async {
        (s.recent_conversions(10).await.unwrap().len() >= 2).then_some(())
    })
    .await;
    let invites = eventually("the invite", Duration::from_secs(30), || async {
        let sent: Vec<_> =
            app.sim.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == a && m.content.contains("淘宝授权")).collect();
        (!sent.is_empty()).then_some(sent)
    })
    .await;
    assert_eq!(invites.len(), 1, "{invites:?}");
    let url = invites[0].content.split_whitespace().last().unwrap().rsplit('：').next().unwrap().to_string();

    // The member opens it and consents; Taobao sends them back to dealbot, which binds them.
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("授权成功"));
    let member = s.member_id(a).await.unwrap().unwrap();
    let tag = s.taobao_member_tag(member).await.unwrap().unwrap();
    assert!(tag.starts_with("special:"), "{tag}");
    // The link works once.
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 400);

    // Both members convert the same item on the same default PID: the heuristic could not tell them apart, the
    // registration does.
    app.clock.advance_ms(10_000);
    app.sim.sims.gewe.deliver_text(ROOMS[0], a, a_nick, &format!("再转 {}", item(5))).await.unwrap();
    app.sim.sims.gewe.deliver_text(ROOMS[0], b, b_nick, &format!("我也要 {}", item(5))).await.unwrap();
    eventually("four conversions", Duration::from_secs(30), || async {
        (s.recent_conversions(10).await.unwrap().len() >= 4).then_some(())
    })
    .await;
    let registered = s.recent_conversions(10).await.unwrap();
    assert!(registered.iter().any(|c| c.member_param.as_deref() == Some(tag.as_str())), "{registered:?}");
    advance(&app, Duration::from_secs(20 * 60));
    sync_all(&app).await;
    let orders = s.orders_modified_between(Platform::Taobao, 0, i64::MAX).await.unwrap();
    let theirs: Vec<_> = orders.iter().filter(|o| o.member_tag.as_deref() == Some(tag.as_str())).collect();
    assert_eq!(theirs.len(), 1, "{orders:#?}");
    assert_eq!(theirs[0].attribution.member_id, Some(member));
    assert_eq!(theirs[0].attribution.kind, AttributionKind::Tag);
}

async fn a_settled_order_given_to_a_member_moves_available_money_and_is_flagged(db: TestDb) {
    let s = db.store().await;
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let g = s.ensure_group(r.id, "a@chatroom", true, 1).await.unwrap().id;
    let member = s.touch_member("wxid_m", Some("阿明"), Some(g), 1).await.unwrap();
    let ledger = Ledger::with_settings(s.clone(), rates(), 8);
    let mut o = order("190108-700000000000001", "9000001_1", None);
    o.lifecycle = Lifecycle::Settled;
    o.settled_commission = Fen(1001);
    let a = attribute(&s, &o, 3_600).await.unwrap();
    s.upsert_order(&o, &a, 1).await.unwrap();
    claims::settle_ledger(&s, &ledger).await.unwrap();
    let operator = s.ledger_balance(AccountKind::Operator, 0).await.unwrap();
    assert_eq!(operator.available, 1001);
    let id = s.order_by_key(Platform::Pdd, "190108-700000000000001").await.unwrap().unwrap().id;
    claims::assign(&s, &ledger, id, member, "admin", "补单", 2).await.unwrap();
    let m = s.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!((m.pending, m.available), (0, 500), "half of the settled commission, truncated");
    assert_eq!(s.ledger_balance(AccountKind::Operator, 0).await.unwrap().available, 501);
    let booked = s.ledger_order(id).await.unwrap().unwrap();
    assert!(booked.flagged, "a settled order re-split is flagged");
    assert_eq!(booked.split.total(), Fen(1001));
    // Handing the order over again changes nothing.
    claims::settle_ledger(&s, &ledger).await.unwrap();
    assert_eq!(s.ledger_balance(AccountKind::Member, member).await.unwrap().available, 500);
    for (kind, id) in [(AccountKind::Member, member), (AccountKind::Operator, 0)] {
        assert_eq!(s.ledger_balance(kind, id).await.unwrap(), s.ledger_entries_sum(kind, id).await.unwrap());
    }
}

async fn an_admin_assigns_an_order_of_no_group_from_the_orders_page(db: TestDb) {
    use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
    let app = spawn(db).await;
    let s = &app.store;
    add_user(&app, ADMIN, ADMIN_PASSWORD, dealbot::store::users::Role::Admin, None).await;
    let member = s.touch_member("wxid_page_member", Some("阿页"), None, 1).await.unwrap();
    let o = order("190108-800000000000001", "9000001_1", None);
    let a = attribute(s, &o, 3_600).await.unwrap();
    s.upsert_order(&o, &a, 1).await.unwrap();
    claims::settle_ledger(s, &Ledger::with_settings(s.clone(), rates(), 8)).await.unwrap();
    let id = s.order_by_key(Platform::Pdd, "190108-800000000000001").await.unwrap().unwrap().id;

    let mut admin = AdminClient::new(&app);
    assert_eq!(admin.login(ADMIN, ADMIN_PASSWORD).await.status(), 303);
    let page = admin.get("/admin/orders").await.text().await.unwrap();
    let action = format!("/admin/orders/{id}/assign");
    let at = page.find(&format!("action=\"{action}\"")).expect("an assign form for the order of no group");
    let token = AdminClient::form_token(&page[at..]);
    let member_text = member.to_string();
    let done =
        admin.post_form(&action, &[("_csrf", &token), ("member_id", &member_text), ("reason", "客服核实")]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(s.order_assignments(id).await.unwrap(), vec![(member, ADMIN.to_string(), "客服核实".to_string())]);
    assert_eq!(pending(s, AccountKind::Member, member).await, 343);
    // Without the CSRF token nothing happens.
    let forged = admin.post_form(&action, &[("member_id", "1"), ("reason", "x")]).await;
    assert_eq!(forged.status(), 403);
    assert_eq!(s.order_assignments(id).await.unwrap().len(), 1);
}
