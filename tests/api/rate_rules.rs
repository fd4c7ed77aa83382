//! 分佣设置 end to end: rules made through the dashboard's JSON API apply to orders synced from the simulated
//! union from their effective time on, never to orders booked before; the preview equals what the ledger books;
//! the orders page names the rule behind each order; partners cannot see or change rules; admins set a member's
//! rebate from the chat.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, jd_pastes_synced, partner_group};
use crate::conversation::{ADMIN as CHAT_ADMIN, ALICE, Chat, OWNER, Person};
use crate::helpers::{TestApp, TestDb};
use dealbot::money::{Bps, Fen};
use dealbot::platform::Platform;
use dealbot::store::ledger::{LedgerOrder, RateScope, Share};
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn admin(app: &TestApp) -> (AdminClient, String) {
    add_user(app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    (c, csrf)
}

/// The ledger's orders of `member` (wxid), newest first.
async fn member_orders(app: &TestApp, wxid: &str) -> Vec<LedgerOrder> {
    let id = app.store.member_id(wxid).await.unwrap().unwrap();
    app.store.member_ledger_orders(id, 50).await.unwrap()
}

/// The preview of an order of this member in this group with the booked order's amounts.
async fn preview_of(c: &mut AdminClient, csrf: &str, group: i64, o: &LedgerOrder) -> Value {
    let body = json!({
        "platform": "jd",
        "group_id": group,
        "member_id": o.holders.member,
        "paid_fen": o.paid_amount.0,
        "commission_fen": o.commission_estimated.0,
    });
    let r = c.post_json("/admin/api/rate-rules/preview", &body, Some(csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn assert_preview_is_booking(p: &Value, o: &LedgerOrder) {
    let got =
        (p["rebate_fen"].as_i64(), p["partner_fen"].as_i64(), p["agent_fen"].as_i64(), p["operator_fen"].as_i64());
    let booked = (Some(o.split.rebate.0), Some(o.split.partner.0), Some(o.split.agent.0), Some(o.split.operator.0));
    assert_eq!(got, booked, "preview {p} = ledger {o:?}");
    assert_eq!(p["commission_fen"].as_i64(), Some(o.commission_estimated.0));
}

#[tokio::test]
async fn a_rate_change_applies_to_new_orders_only_and_the_preview_is_what_the_ledger_books() {
    // Each sync moves dealbot's clock 20 minutes on: later messages must not look stale.
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| s.engine.max_message_age_secs = 24 * 3600).await;
    let (mut c, csrf) = admin(&app).await;
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let now = app.clock.now_ms();
    app.store.set_pid(Platform::Jd, "3200000001", "省钱一群", PidOwner::Group(group), now).await.unwrap();

    // Invalid rules are refused with a reason.
    for (body, why) in [
        (json!({"share": "rebate", "scope": "group", "scope_key": group.to_string(), "percent": "101"}), "0% 到 100%"),
        (json!({"share": "rebate", "scope": "group", "scope_key": group.to_string(), "percent": "-1"}), "0% 到 100%"),
        (json!({"share": "rebate", "scope": "group", "scope_key": "99999", "percent": "50"}), "不存在"),
        (json!({"share": "bonus", "scope": "global", "percent": "5"}), "rebate"),
        (json!({"share": "rebate", "scope": "global", "percent": "5", "effective_from": now - 3_600_000}), "早于"),
        // The default partner and agent shares leave less than 95 % for the member.
        (json!({"share": "rebate", "scope": "group", "scope_key": group.to_string(), "percent": "95"}), "100%"),
    ] {
        let r = c.post_json("/admin/api/rate-rules", &body, Some(&csrf)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains(why), "{body}: {e}");
    }
    let body = json!({"share": "rebate", "scope": "group", "scope_key": group.to_string(), "percent": "70"});
    let r = c.post_json("/admin/api/rate-rules", &body, Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v1: Value = r.json().await.unwrap();
    assert_eq!((v1["bps"].as_i64(), v1["in_force"].as_bool()), (Some(7000), Some(true)), "{v1}");
    let body = json!({"share": "partner", "scope": "partner", "scope_key": partner.to_string(), "percent": "12.5"});
    let partner_rule: Value = c.post_json("/admin/api/rate-rules", &body, Some(&csrf)).await.json().await.unwrap();

    jd_pastes_synced(&app, &[("111@chatroom", "wxid_m3mb3r77", "阿明", 100_087_654_321)]).await;
    let first = member_orders(&app, "wxid_m3mb3r77").await;
    assert_eq!(first.len(), 1, "{first:?}");
    let first = first[0].clone();
    assert_eq!((first.rates.rebate, first.rates.partner), (Bps(7000), Bps(1250)));
    assert!(first.split.rebate > Fen(0));
    assert_eq!(first.split.total(), first.commission_estimated);
    let applied = app.store.applied_rules(first.order_id).await.unwrap().unwrap();
    assert_eq!((applied.rebate, applied.partner), (v1["id"].as_i64(), partner_rule["id"].as_i64()));
    assert_eq!(applied.agent, None, "no agent rule: the default");
    let p = preview_of(&mut c, &csrf, group, &first).await;
    assert_preview_is_booking(&p, &first);
    assert_eq!(p["rules"]["rebate"], v1["id"]);

    // The change: 40 % from now on.
    let id = v1["id"].as_i64().unwrap();
    let r = c.post_json(&format!("/admin/api/rate-rules/{id}"), &json!({"percent": "40"}), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v2: Value = r.json().await.unwrap();
    assert_eq!(v2["bps"].as_i64(), Some(4000));
    let rules: Value = c.get("/admin/api/rate-rules").await.json().await.unwrap();
    let old = rules.as_array().unwrap().iter().find(|r| r["id"] == v1["id"]).unwrap();
    assert!(old["ended_at"].as_i64().is_some() && old["in_force"] == false, "{old}");

    jd_pastes_synced(&app, &[("111@chatroom", "wxid_m3mb3r77", "阿明", 100_087_654_322)]).await;
    let orders = member_orders(&app, "wxid_m3mb3r77").await;
    assert_eq!(orders.len(), 2, "{orders:?}");
    let (second, first_now) = (&orders[0], &orders[1]);
    assert_eq!(first_now.order_id, first.order_id);
    assert_eq!(first_now.rates, first.rates, "the order booked before the change keeps its rates");
    assert_eq!(first_now.split, first.split);
    assert_eq!(second.rates.rebate, Bps(4000), "the new order uses the new rule");
    assert_eq!(app.store.applied_rules(second.order_id).await.unwrap().unwrap().rebate, v2["id"].as_i64());
    assert_preview_is_booking(&preview_of(&mut c, &csrf, group, second).await, second);

    // The orders page names the rule behind each order.
    let page = c.get("/admin/orders").await.text().await.unwrap();
    assert!(page.contains(&format!("返利 70%（<a href=\"/admin/rates\">#{id}</a>）")), "{page}");
    assert!(page.contains(&format!("返利 40%（<a href=\"/admin/rates\">#{}</a>）", v2["id"])), "{page}");
    assert!(page.contains("代理 "), "{page}");

    // Ending the rule returns the group to the defaults for new orders.
    let r = c.post_json(&format!("/admin/api/rate-rules/{}/end", v2["id"]), &json!({}), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p = preview_of(&mut c, &csrf, group, second).await;
    assert_eq!(p["rebate_bps"].as_i64(), Some(app.engine.settings.ledger.rebate_bps));
    assert_eq!(p["rules"]["rebate"], Value::Null);
    let again = c.post_json(&format!("/admin/api/rate-rules/{}/end", v2["id"]), &json!({}), Some(&csrf)).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "an ended rule cannot end twice");

    // The page: the form makes a rule, the preview shows the split.
    let html = c.get("/admin/rates?platform=jd&amount=100&commission=20").await.text().await.unwrap();
    assert!(html.contains("分佣设置") && html.contains(r#"id="rate-preview""#), "{html}");
    let d = &app.engine.settings.ledger;
    let expected_rebate = Fen(2000).apply_rate(Bps(d.rebate_bps));
    assert!(html.contains(&format!("会员 ¥{}", dealbot::admin::format::yuan(expected_rebate))), "{html}");
    let token = AdminClient::form_token(&html);
    let fields = [("_csrf", token.as_str()), ("share", "agent"), ("scope", "global"), ("percent", "3")];
    let r = c.post_form("/admin/rates", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rules = app.store.rate_rules(50).await.unwrap();
    assert!(rules.iter().any(|r| r.share == Share::Agent && r.scope == RateScope::Global && r.bps == Bps(300)));
}

/// A settled order of `commission` in the partner's group, booked by the ledger.
async fn settle(app: &TestApp, order_id: i64, group: i64, partner: i64, commission: i64) {
    let f = dealbot::order::OrderFacts {
        order_id,
        platform: Platform::Jd,
        order_key: format!("settled-{order_id}"),
        lifecycle: dealbot::order::Lifecycle::Settled,
        commission: Fen(commission),
        paid_amount: Fen(commission * 10),
        group_id: Some(group),
        partner_id: Some(partner),
        member_id: None,
        paid_at: Some(app.clock.now_secs()),
    };
    crate::admin_helpers::ledger(app).apply(&f).await.unwrap();
}

#[tokio::test]
async fn partners_can_neither_see_nor_change_rate_rules() {
    let app = TestApp::spawn().await;
    let (mut c, csrf) = admin(&app).await;
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let body = json!({"share": "partner", "scope": "partner", "scope_key": partner.to_string(), "percent": "10"});
    let rule: Value = c.post_json("/admin/api/rate-rules", &body, Some(&csrf)).await.json().await.unwrap();
    let id = rule["id"].as_i64().unwrap();

    add_user(&app, "wang", "wang-password-123", Role::Partner, Some(partner)).await;
    let mut p = AdminClient::new(&app);
    p.login("wang", "wang-password-123").await;
    let pcsrf = p.csrf().await;
    assert_eq!(p.get("/admin/rates").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.get("/admin/api/rate-rules").await.status(), StatusCode::FORBIDDEN);
    let raise = json!({"share": "partner", "scope": "partner", "scope_key": partner.to_string(), "percent": "90"});
    assert_eq!(p.post_json("/admin/api/rate-rules", &raise, Some(&pcsrf)).await.status(), StatusCode::FORBIDDEN);
    let change = json!({"percent": "90"});
    let r = p.post_json(&format!("/admin/api/rate-rules/{id}"), &change, Some(&pcsrf)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = p.post_json(&format!("/admin/api/rate-rules/{id}/end"), &json!({}), Some(&pcsrf)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let preview = json!({"group_id": group});
    assert_eq!(
        p.post_json("/admin/api/rate-rules/preview", &preview, Some(&pcsrf)).await.status(),
        StatusCode::FORBIDDEN
    );
    let page = p.get("/admin/rates").await.text().await.unwrap();
    assert!(!page.contains("10%"), "{page}");

    // 资产管理: a partner sees their own balances only; the admin sees every partner's.
    let (li_group, li) = partner_group(&app, "小李", "222@chatroom", "好物二群").await;
    settle(&app, 1, group, partner, 10_000).await;
    settle(&app, 2, li_group, li, 20_000).await;
    let mine: Value = p.get("/admin/api/accounts").await.json().await.unwrap();
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["partner_id"].as_i64(), Some(partner));
    // 10 % of ¥100 by the partner rule above.
    assert_eq!(mine[0]["partner"]["available_fen"].as_i64(), Some(1_000), "{mine:?}");
    let page = p.get("/admin/accounts").await.text().await.unwrap();
    assert!(page.contains("小王") && !page.contains("小李"), "{page}");
    let all: Value = c.get("/admin/api/accounts").await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let home = p.get("/admin").await.text().await.unwrap();
    assert!(!home.contains("/admin/rates"), "the partner's navigation has no 分佣设置");
    // Nothing changed.
    let rules = app.store.rate_rules(50).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!((rules[0].bps, rules[0].ended_at), (Bps(1000), None));
    // And without a session, nothing at all.
    let anon = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = anon.get(format!("{}/admin/api/rate-rules", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_set_a_members_rebate_in_chat_and_others_are_refused() {
    let chat = Chat::with_owner().await;
    let app = &chat.app;
    // 阿明 speaks first, so the robot knows her.
    chat.ask(ALICE, "帮助").await;
    let refused = chat.ask(OWNER, &format!("#设置返利 {} 60%", ALICE.at())).await;
    assert!(refused.contains("只有管理员可以使用"), "{refused}");
    let refused = chat.ask(ALICE, &format!("#设置返利 {} 99%", ALICE.at())).await;
    assert!(refused.contains("只有管理员可以使用"), "{refused}");
    assert!(app.store.rate_rules(10).await.unwrap().is_empty());

    let bad = chat.ask(CHAT_ADMIN, &format!("#设置返利 {} 150%", ALICE.at())).await;
    assert!(bad.contains("0 到 100") && bad.contains("用法：#设置返利 @成员 <比例>"), "{bad}");
    let over = chat.ask(CHAT_ADMIN, &format!("#设置返利 {} 99%", ALICE.at())).await;
    assert!(over.contains("不能超过 100%"), "{over}");
    assert!(app.store.rate_rules(10).await.unwrap().is_empty());
    // Someone who joined the group after its member list was synced and has not spoken yet.
    let stranger = Person { wxid: "wxid_n0body", nick: "路人甲" };
    app.sim.sims.gewe.add_member(crate::helpers::ROOM, stranger.wxid, stranger.nick);
    let unknown = chat.ask(CHAT_ADMIN, &format!("#设置返利 {} 60%", stranger.at())).await;
    assert!(unknown.contains("还不认识"), "{unknown}");

    let done = chat.ask(CHAT_ADMIN, &format!("#设置返利 {} 60%", ALICE.at())).await;
    assert!(done.contains("阿明") && done.contains("60%") && done.contains("新订单"), "{done}");
    let rules = app.store.rate_rules(10).await.unwrap();
    let alice = app.store.member_id(ALICE.wxid).await.unwrap().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!((rules[0].share, &rules[0].scope, rules[0].bps), (Share::Rebate, &RateScope::Member(alice), Bps(6000)));
    assert_eq!(rules[0].created_by, format!("chat:{}", CHAT_ADMIN.wxid));
    // What 阿明 is shown for her next order is 60 % of the commission.
    let facts = dealbot::order::OrderFacts {
        order_id: 0,
        platform: Platform::Jd,
        order_key: String::new(),
        lifecycle: dealbot::order::Lifecycle::Paid,
        commission: Fen(1000),
        paid_amount: Fen(10_000),
        group_id: None,
        partner_id: None,
        member_id: Some(alice),
        paid_at: None,
    };
    let split = crate::admin_helpers::ledger(app).preview(&facts).await.unwrap();
    assert_eq!(split.rebate, Fen(600));
}

#[tokio::test]
async fn partners_see_their_shares_in_private_chat() {
    let chat = Chat::with_owner().await;
    let app = &chat.app;
    let robot = crate::admin_helpers::robot_id(app);
    let room = app.engine.group(robot, crate::helpers::ROOM, app.clock.now_ms()).await.unwrap();
    let partner = room.partner_id.expect("OWNER owns the group");
    settle(app, 1, room.id, partner, 10_000).await;
    let share = Fen(10_000).apply_rate(Bps(app.engine.settings.ledger.partner_bps));
    let mine = crate::money_chat::direct(&chat, OWNER, "我的").await.join("\n");
    let expected = format!("合伙人分成：待结算 ¥0.00，可提现 ¥{}", share.yuan_string());
    assert!(mine.contains(&expected), "{mine}");
    let member = crate::money_chat::direct(&chat, ALICE, "我的").await.join("\n");
    assert!(!member.contains("合伙人分成"), "{member}");
    // In the group, balances stay private.
    let in_group = chat.ask(OWNER, "我的").await;
    assert!(!in_group.contains("合伙人分成"), "{in_group}");
}
