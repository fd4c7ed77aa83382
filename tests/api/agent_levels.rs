//! 代理系统: agent levels on 代理设置 (admins only, validated), the daily level review (upgrades, downgrades, logged,
//! never retroactive), the invite tree (邀请码 in chat, an agent's group; one tree per member, no cycles) and the
//! second-level share, end to end: an agent applies in chat, is approved in headless Chromium, a member joins its
//! tree, the member's order syncs from the union simulator and settles, and member, agent, second-level agent and
//! operator are paid to the 分 — what 我的 shows; then the agent withdraws in chat, the admin approves and pays a
//! batch on 提现审核 in the browser, and the agent is told, and their statement, its CSV and 我的 show the payout.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::admin_webdriver::Browser;
use crate::conversation::{ALICE, BOB, Chat, OWNER, Person};
use crate::helpers::{ROOM, TestApp, TestDb, eventually};
use crate::money_chat::direct;
use crate::orders::{advance, sync_all};
use dealbot::ledger::rules::{Buckets, Phase};
use dealbot::money::{Bps, Fen};
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::sim::gewe::SentKind;
use dealbot::store::Store;
use dealbot::store::agent_levels::{NewAgentLevel, Via};
use dealbot::store::agents::{AgentDecision, Applied, status};
use dealbot::store::ledger::{AccountKind, BookingConfig};
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(
    admins_set_agent_levels_within_bounds_and_approve_at_any_of_them_while_partners_are_refused,
    the_daily_review_moves_agents_by_their_last_30_days_and_booked_orders_keep_their_split,
    invite_codes_put_a_member_in_one_tree_once_and_never_in_a_cycle,
    in_the_browser_an_approved_agents_member_pays_member_agent_second_level_agent_and_operator_to_the_fen,
);

const CAROL: Person = Person { wxid: "wxid_car0l_t", nick: "小卡" };
const DAY_MS: i64 = 86_400_000;

async fn admin(app: &TestApp) -> (AdminClient, String) {
    add_user(app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    (c, csrf)
}

/// A partner's dashboard session and its CSRF token.
async fn partner_client(app: &TestApp, partner: i64) -> (AdminClient, String) {
    add_user(app, "wang", "wang-password-123", Role::Partner, Some(partner)).await;
    let mut p = AdminClient::new(app);
    p.login("wang", "wang-password-123").await;
    let csrf = p.csrf().await;
    (p, csrf)
}

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn level(name: &str, tier: i64, share: i64, second: i64) -> Value {
    json!({"name": name, "tier": tier, "share_bps": share, "second_bps": second})
}

async fn admins_set_agent_levels_within_bounds_and_approve_at_any_of_them_while_partners_are_refused(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    let (mut c, csrf) = admin(&app).await;
    let (status, levels) = json_of(c.get("/admin/api/agent-levels").await).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = levels.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["普通代理", "高级代理", "合伙人"]);

    let url = "/admin/api/agent-levels";
    let (status, gold) = json_of(c.post_json(url, &level("金牌代理", 4, 1200, 600), Some(&csrf)).await).await;
    assert_eq!(status, StatusCode::OK, "{gold}");
    let gold_id = gold["id"].as_i64().unwrap();
    for bad in [
        level("金牌代理", 5, 100, 100),
        level("银牌代理", 4, 100, 100),
        level("银牌代理", 5, 10_001, 0),
        level("银牌代理", 5, 0, -1),
        level(" ", 5, 0, 0),
        level(&"长".repeat(21), 5, 0, 0),
        level("银牌代理", 0, 0, 0),
        level("银牌代理", 100, 0, 0),
        json!({"name": "银牌代理", "tier": 5, "share_bps": 100, "second_bps": 0, "min_invited": -1}),
        json!({"name": "银牌代理", "tier": 5, "share_bps": 100, "second_bps": 0, "min_commission_fen": 2_000_000_000i64}),
    ] {
        let r = c.post_json(url, &bad, Some(&csrf)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(app.store.agent_levels().await.unwrap().len(), 4, "nothing invalid was saved");
    let change = json!({"name": "金牌代理", "tier": 4, "share_bps": 1300, "second_bps": 600, "min_invited": 100,
                        "min_orders": 500, "min_commission_fen": 1_000_000});
    let (status, changed) = json_of(c.post_json(&format!("{url}/{gold_id}"), &change, Some(&csrf)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((changed["share_bps"].as_i64(), changed["min_orders"].as_i64()), (Some(1300), Some(500)));
    let (_, spare) = json_of(c.post_json(url, &level("临时", 9, 0, 0), Some(&csrf)).await).await;
    let spare = spare["id"].as_i64().unwrap();
    let r = c.post_json(&format!("{url}/{spare}/delete"), &json!({}), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.post_json(&format!("{url}/{spare}/delete"), &json!({}), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "gone already");

    // Approval picks from the levels: a member approved at the new level holds it, logged.
    let now = app.clock.now_ms();
    let member = app.store.touch_member("wxid_gold_agent", Some("金金"), None, now).await.unwrap();
    let Applied::Recorded(application) = app.store.apply_for_agent(member, "有五个群", now).await.unwrap() else {
        panic!("recorded")
    };
    let approve = json!({"action": "approve", "level": "金牌代理"});
    let (status, decided) =
        json_of(c.post_json(&format!("/admin/api/agent-applications/{application}"), &approve, Some(&csrf)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let partner = decided["partner_id"].as_i64().unwrap();
    let (_, agents) = json_of(c.get("/admin/api/agents").await).await;
    assert_eq!(agents[0]["partner_id"].as_i64(), Some(partner), "{agents}");
    assert_eq!(agents[0]["level"], "金牌代理");
    assert_eq!(agents[0]["invite_code"], decided["invite_code"]);
    let (_, changes) = json_of(c.get("/admin/api/agent-level-changes").await).await;
    assert_eq!((changes[0]["to_level"].as_str(), changes[0]["reason"].as_str()), (Some("金牌代理"), Some("审核通过")));
    let r = c.post_json(&format!("{url}/{gold_id}/delete"), &json!({}), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a level in use stays");
    let page = c.get("/admin/agents").await.text().await.unwrap();
    for part in ["代理设置", "金牌代理", "13%", "等级变动", "审核通过", decided["invite_code"].as_str().unwrap()]
    {
        assert!(page.contains(part), "{part} on the page");
    }

    // A partner can neither see nor change levels, nor approve.
    let (mut p, pcsrf) = partner_client(&app, partner).await;
    for path in ["/admin/api/agent-levels", "/admin/api/agents", "/admin/api/agent-level-changes", "/admin/agents"] {
        assert_eq!(p.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let r = p.post_json(url, &level("我的等级", 7, 9000, 0), Some(&pcsrf)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = p.post_json(&format!("{url}/{gold_id}"), &level("金牌代理", 4, 9000, 0), Some(&pcsrf)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let fields =
        [("_csrf", pcsrf.as_str()), ("name", "我的等级"), ("tier", "7"), ("share_bps", "9000"), ("second_bps", "0")];
    assert_eq!(p.post_form("/admin/agent-levels", &fields).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        p.post_form(&format!("/admin/agent-levels/{gold_id}/delete"), &fields[..1]).await.status(),
        StatusCode::FORBIDDEN
    );
    let levels = app.store.agent_levels().await.unwrap();
    assert_eq!(levels.len(), 4);
    assert_eq!(levels.iter().find(|l| l.id == gold_id).unwrap().share_bps, 1300, "unchanged by the partner");
    // Anonymous visitors are refused too.
    let anon = app.http.get(format!("{}/admin/api/agent-levels", app.base)).send().await.unwrap();
    assert!(anon.status() == StatusCode::UNAUTHORIZED || anon.status() == StatusCode::FORBIDDEN, "{}", anon.status());
}

/// Registers `wxid` as an agent at `level` (by name) through the store: application, then approval.
async fn store_agent(s: &Store, wxid: &str, level: &str, code: &str, now: i64) -> (i64, i64) {
    let member = s.touch_member(wxid, Some("代理"), None, now).await.unwrap();
    let Applied::Recorded(id) = s.apply_for_agent(member, "想做代理", now).await.unwrap() else { panic!() };
    let partner = s.ensure_partner(wxid, "代理", now).await.unwrap();
    let l = s.agent_levels().await.unwrap().into_iter().find(|l| l.name == level).unwrap();
    let d = AgentDecision::Approve { level_id: l.id, level: l.name, partner_id: partner, invite_code: code.into() };
    s.decide_agent_application(id, &d, "admin", now).await.unwrap();
    (member, partner)
}

fn order(id: i64, member: i64, lifecycle: Lifecycle, commission: i64) -> OrderFacts {
    OrderFacts {
        order_id: id,
        platform: Platform::Pdd,
        order_key: format!("review-{id}"),
        lifecycle,
        commission: Fen(commission),
        paid_amount: Fen(commission * 10),
        group_id: None,
        partner_id: None,
        member_id: Some(member),
        paid_at: Some(1_790_000_000),
    }
}

async fn the_daily_review_moves_agents_by_their_last_30_days_and_booked_orders_keep_their_split(db: TestDb) {
    let s = db.store().await;
    let cfg = BookingConfig {
        defaults: dealbot::ledger::rules::Rates {
            rebate: Bps(5000),
            partner: Bps(1000),
            agent: Bps(500),
            agent2: Bps(0),
        },
        utc_offset_hours: 8,
    };
    let t0 = 1_800_000_000_000i64;
    let (_, agent) = store_agent(&s, "wxid_review_agent", "高级代理", "REVIEW01", t0).await;
    let member = s.touch_member("wxid_review_member", None, None, t0).await.unwrap();
    s.join_agent_tree(member, agent, Via::Code, t0).await.unwrap();
    s.book_orders(&[order(1, member, Lifecycle::Paid, 1_000)], cfg, t0 + 1_000).await.unwrap();
    let first = s.ledger_order(1).await.unwrap().unwrap();
    assert_eq!((first.holders.agent, first.rates.agent, first.split.agent), (Some(agent), Bps(800), Fen(80)));

    // The next day: too few figures for 高级代理, but a level holds for 30 days after it was given.
    let r = dealbot::agents::review_due(&s, t0 + DAY_MS, 8).await.unwrap().unwrap();
    assert_eq!((r.agents, r.changes), (1, 0));
    assert_eq!(dealbot::agents::review_due(&s, t0 + DAY_MS + 1_000, 8).await.unwrap(), None, "once a day");
    assert_eq!(s.agent(agent).await.unwrap().unwrap().level, "高级代理");

    // 31 days on, nothing in the window: down to 普通代理, logged with the figures.
    let t1 = t0 + 31 * DAY_MS;
    let r = dealbot::agents::review_due(&s, t1, 8).await.unwrap().unwrap();
    assert_eq!(r.changes, 1);
    assert_eq!(s.agent(agent).await.unwrap().unwrap().level, "普通代理");
    let log = s.agent_level_changes(10).await.unwrap();
    assert_eq!(log[0].from_level.as_deref(), Some("高级代理"));
    assert_eq!((log[0].to_level.as_str(), log[0].changed_at), ("普通代理", t1));
    assert_eq!(log[0].reason, "降级：近 30 天邀请 0 人、订单 0 笔、佣金 ¥0.00");

    // New orders use the new level; the booked one keeps its split, also when it settles after the change.
    s.book_orders(&[order(2, member, Lifecycle::Paid, 1_000)], cfg, t1 + 1_000).await.unwrap();
    assert_eq!(s.ledger_order(2).await.unwrap().unwrap().rates.agent, Bps(500));
    s.book_orders(&[order(1, member, Lifecycle::Settled, 1_200)], cfg, t1 + 2_000).await.unwrap();
    let settled = s.ledger_order(1).await.unwrap().unwrap();
    assert_eq!((settled.phase, settled.rates.agent, settled.split.agent), (Phase::Available, Bps(800), Fen(96)));
    assert_eq!(s.ledger_balance(AccountKind::Agent, agent).await.unwrap().available, 96);

    // With easier conditions and two new members, the next review upgrades it again.
    let mut senior = s.agent_levels().await.unwrap().into_iter().find(|l| l.name == "高级代理").unwrap();
    senior.min_invited = 2;
    senior.min_orders = 1;
    let easier = NewAgentLevel {
        name: senior.name.clone(),
        tier: senior.tier,
        share: Bps(senior.share_bps),
        second: Bps(senior.second_bps),
        min_invited: 2,
        min_orders: 1,
        min_commission: Fen(0),
    };
    s.save_agent_level(Some(senior.id), &easier, t1).await.unwrap();
    for w in ["wxid_review_m2", "wxid_review_m3"] {
        let m = s.touch_member(w, None, None, t1).await.unwrap();
        s.join_agent_tree(m, agent, Via::Group, t1 + 3_000).await.unwrap();
    }
    let t2 = t1 + DAY_MS;
    assert_eq!(dealbot::agents::review_due(&s, t2, 8).await.unwrap().map(|r| r.changes), Some(1));
    let log = s.agent_level_changes(10).await.unwrap();
    assert_eq!((log[0].from_level.as_deref(), log[0].to_level.as_str()), (Some("普通代理"), "高级代理"));
    assert_eq!(log[0].reason, "升级：近 30 天邀请 2 人、订单 1 笔、佣金 ¥10.00");
    assert_eq!(log.len(), 3, "approval, downgrade, upgrade: {log:?}");
    s.book_orders(&[order(3, member, Lifecycle::Paid, 1_000)], cfg, t2 + 1_000).await.unwrap();
    assert_eq!(s.ledger_order(3).await.unwrap().unwrap().rates.agent, Bps(800));
    assert_eq!(s.ledger_order(2).await.unwrap().unwrap().rates.agent, Bps(500), "never retroactive");
}

/// `who` applies in private chat and an admin approves at `level` through the JSON API: (partner id, invite code).
async fn approved(chat: &Chat, c: &mut AdminClient, csrf: &str, who: Person, level: &str) -> (i64, String) {
    let reply = direct(chat, who, "申请代理 我有几个群").await.join("\n");
    assert!(reply.contains("已提交"), "{reply}");
    let open = chat.app.store.agent_applications(status::OPEN, 10).await.unwrap();
    let id = open.iter().find(|a| a.wxid == who.wxid).unwrap().id;
    let approve = json!({"action": "approve", "level": level});
    let (status, a) =
        json_of(c.post_json(&format!("/admin/api/agent-applications/{id}"), &approve, Some(csrf)).await).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    (a["partner_id"].as_i64().unwrap(), a["invite_code"].as_str().unwrap().to_string())
}

async fn invite_codes_put_a_member_in_one_tree_once_and_never_in_a_cycle(db: TestDb) {
    let chat = Chat::start_on(db, |s| s.chat.cooldown_secs = 0).await;
    let app = &chat.app;
    let (mut c, csrf) = admin(app).await;
    let (bob, bob_code) = approved(&chat, &mut c, &csrf, BOB, "普通代理").await;

    assert!(chat.ask(ALICE, "邀请码 ZZZZ9999").await.contains("邀请码不存在"));
    assert!(chat.ask(ALICE, "邀请码 a!").await.contains("4 到 16 位"));
    let joined = chat.ask(ALICE, &format!("邀请码 {}", bob_code.to_lowercase())).await;
    assert!(joined.contains("已加入代理") && joined.contains(BOB.nick), "{joined}");
    let alice = chat.member_id(ALICE).await;
    assert_eq!(app.store.member_tree_agent(alice).await.unwrap(), Some(bob));
    // An agent cannot invite themselves.
    let own = direct(&chat, BOB, &format!("邀请码 {bob_code}")).await.join("\n");
    assert!(own.contains("不能填写自己的邀请码"), "{own}");
    let bob_member = chat.member_id(BOB).await;
    assert_eq!(app.store.member_tree_agent(bob_member).await.unwrap(), None);

    // Alice becomes an agent in Bob's tree; Bob cannot then join Alice's (A invites B invites A).
    let (alice_agent, alice_code) = approved(&chat, &mut c, &csrf, ALICE, "高级代理").await;
    let cycle = chat.ask(BOB, &format!("邀请码 {alice_code}")).await;
    assert!(cycle.contains("不能填写"), "{cycle}");
    assert_eq!(app.store.member_tree_agent(bob_member).await.unwrap(), None);
    let agents = app.store.agents(10).await.unwrap();
    let alice_row = agents.iter().find(|a| a.partner_id == alice_agent).unwrap();
    assert_eq!((alice_row.inviter_id, alice_row.members), (Some(bob), 0));
    assert_eq!(agents.iter().find(|a| a.partner_id == bob).unwrap().members, 1);

    // The first valid invite wins: Carol joins Alice's tree through the code; a later code and a join of Bob's
    // group change nothing. A newcomer of Bob's group joins Bob's tree.
    app.sim.sims.gewe.add_member(ROOM, CAROL.wxid, CAROL.nick);
    assert!(chat.ask(CAROL, &format!("邀请码 {alice_code}")).await.contains("已加入代理"));
    let carol = chat.member_id(CAROL).await;
    assert!(chat.ask(CAROL, &format!("邀请码 {bob_code}")).await.contains("只能填写一次"));
    let group =
        app.store.ensure_group(crate::admin_helpers::robot_id(app), ROOM, true, app.clock.now_ms()).await.unwrap().id;
    app.store.set_group_partner(group, Some(bob), app.clock.now_ms()).await.unwrap();
    chat.join(OWNER, &[CAROL]).await;
    assert_eq!(app.store.member_tree_agent(carol).await.unwrap(), Some(alice_agent));
    const DAVE: Person = Person { wxid: "wxid_d4ve_t", nick: "阿德" };
    chat.join(OWNER, &[DAVE]).await;
    let dave = chat.member_id(DAVE).await;
    assert_eq!(app.store.member_tree_agent(dave).await.unwrap(), Some(bob), "joined through the agent's group");
}

async fn in_the_browser_an_approved_agents_member_pays_member_agent_second_level_agent_and_operator_to_the_fen(
    db: TestDb,
) {
    let chat = Chat::start_on(db, |s| {
        s.chat.cooldown_secs = 0;
        // The shares of one order are small: any amount of at least ¥0.01 may be withdrawn.
        s.ledger.min_withdrawal_fen = 1;
    })
    .await;
    let app = &chat.app;
    let pdd = &app.sim.sims.pdd;
    pdd.set_require_member_auth(false);
    pdd.set_order_stage(Duration::from_secs(60));
    let (mut c, csrf) = admin(app).await;
    // Bob is an agent already (普通代理: 2 % second-level share); Alice joins his tree, then applies herself.
    let (bob, bob_code) = approved(&chat, &mut c, &csrf, BOB, "普通代理").await;
    assert!(chat.ask(ALICE, &format!("邀请码 {bob_code}")).await.contains("已加入代理"));
    assert!(direct(&chat, ALICE, "申请代理 我有三个 500 人的群").await.join("\n").contains("已提交"));
    let application = app.store.agent_applications(status::OPEN, 10).await.unwrap()[0].id;

    // The admin approves her at 高级代理 (8 %) on 代理审核 in the browser.
    let b = Browser::start(1280, 900).await;
    crate::admin_browser::login(&b, app, ADMIN).await;
    b.goto(&format!("{}/admin/agents", app.base)).await;
    let page = b.source().await;
    assert!(page.contains("代理设置") && page.contains("我有三个 500 人的群"), "the queue and the settings");
    b.exec("document.querySelector('form.approve select[name=level]').value = '高级代理';", json!([])).await;
    b.click(&format!("button[data-id='{application}']")).await;
    b.wait_url("msg=").await;
    assert!(b.source().await.contains("已通过"));
    let a = app.store.agent_application(application).await.unwrap().unwrap();
    assert_eq!((a.status.as_str(), a.level.as_deref()), (status::APPROVED, Some("高级代理")));
    let alice = a.partner_id.unwrap();
    let alice_code = a.invite_code.unwrap();
    assert!(app.store.pid_of(Platform::Pdd, PidOwner::Partner(alice)).await.unwrap().is_some(), "a PID");
    b.goto(&format!("{}/admin/agents#agent-settings", app.base)).await;
    let settings = b.text("#agent-settings").await;
    assert!(settings.contains(&alice_code) && settings.contains("高级代理"), "{settings}");

    // Carol joins Alice's tree with the code, pastes a Pinduoduo link in the group and buys through the reply.
    app.sim.sims.gewe.add_member(ROOM, CAROL.wxid, CAROL.nick);
    assert!(chat.ask(CAROL, &format!("邀请码 {alice_code}")).await.contains("已加入代理"));
    let item = dealbot::sim::catalog::listed(Platform::Pdd).into_iter().find(|i| i.commission_bps > 0).unwrap();
    let paste = format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", item.id);
    let before = app.sim.sims.gewe.sent().len();
    app.sim.sims.gewe.deliver_text(ROOM, CAROL.wxid, CAROL.nick, &paste).await.unwrap();
    // Carol buys through the union's link in the reply.
    let sn = eventually("the conversion's reply", Duration::from_secs(30), || async {
        let sent = app.sim.sims.gewe.sent();
        sent[before.min(sent.len())..]
            .iter()
            .filter(|m| m.to_wxid == ROOM && m.kind == SentKind::Text)
            .find_map(|m| pdd.buy(&m.content))
    })
    .await;
    advance(app, Duration::from_secs(30 * 60));
    sync_all(app).await;
    let synced = app.store.order_by_key(Platform::Pdd, &sn).await.unwrap().expect("synced");
    let carol = chat.member_id(CAROL).await;
    assert_eq!(synced.attribution.member_id, Some(carol), "{synced:?}");
    let booked = app.store.ledger_order(synced.id).await.unwrap().expect("booked");
    assert_eq!(booked.phase, Phase::Available, "settled: {booked:?}");

    // Exact to the 分: rebate 50 %, Alice 8 % (高级代理), Bob 2 % (普通代理's second-level share), the operator
    // the rest; every share truncated toward zero.
    let c_fen = booked.commission_settled.unwrap().0;
    assert!(c_fen > 0);
    let (rebate, agent, agent2) = (c_fen * 5000 / 10_000, c_fen * 800 / 10_000, c_fen * 200 / 10_000);
    let operator = c_fen - rebate - agent - agent2;
    assert_eq!((booked.holders.agent, booked.holders.agent2), (Some(alice), Some(bob)));
    let balance = |kind, id| async move { app.store.ledger_balance(kind, id).await.unwrap().available };
    assert_eq!(balance(AccountKind::Member, carol).await, rebate);
    assert_eq!(balance(AccountKind::Agent, alice).await, agent);
    assert_eq!(balance(AccountKind::Agent, bob).await, agent2);
    assert_eq!(balance(AccountKind::Operator, 0).await, operator);
    assert_eq!(rebate + agent + agent2 + operator, c_fen);
    // The 分佣设置 preview for Carol's order computes the same shares.
    let preview =
        json!({"platform": "pdd", "member_id": carol, "paid_fen": booked.paid_amount.0, "commission_fen": c_fen});
    let (status, p) = json_of(c.post_json("/admin/api/rate-rules/preview", &preview, Some(&csrf)).await).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let figures = ["rebate_fen", "agent_fen", "agent2_fen", "operator_fen"].map(|k| p[k].as_i64().unwrap());
    assert_eq!(figures, [rebate, agent, agent2, operator], "{p}");
    let yuan = |f: i64| format!("¥{}.{:02}", f / 100, f % 100);
    let mine = direct(&chat, CAROL, "我的").await.join("\n");
    assert!(mine.contains(&format!("可提现 {}", yuan(rebate))), "{mine}");
    let alice_mine = direct(&chat, ALICE, "我的").await.join("\n");
    assert!(alice_mine.contains("代理分成") && alice_mine.contains(&yuan(agent)), "{alice_mine}");

    // Alice withdraws part of her agent share in private chat; Bob asks for his second-level share too.
    let withdrawn = agent - agent / 3;
    assert!(withdrawn > 0 && agent2 > 0, "shares to withdraw: {agent}, {agent2}");
    let r = direct(&chat, ALICE, &format!("提现 {}", Fen(withdrawn).yuan_string())).await.join("\n");
    let submitted =
        format!("【代理分成】提现申请已提交：{}，审核通过后发放。剩余可提现 {}", yuan(withdrawn), yuan(agent / 3));
    assert!(r.contains(&submitted), "{r}");
    let r = direct(&chat, BOB, &format!("提现 {}", Fen(agent2).yuan_string())).await.join("\n");
    assert!(r.contains("【代理分成】提现申请已提交"), "{r}");
    let open = app.store.withdrawals_with_status(dealbot::store::withdrawals::status::OPEN, 10).await.unwrap();
    let request = |id: i64| open.iter().find(|w| (w.account_kind, w.account_id) == (AccountKind::Agent, id)).unwrap();
    let (alice_w, bob_w) = (request(alice).id, request(bob).id);
    assert_eq!((request(alice).amount, request(bob).amount), (Fen(withdrawn), Fen(agent2)));
    let operator_before = app.store.ledger_balance(AccountKind::Operator, 0).await.unwrap();

    // On 提现审核 the admin ticks both, approves them in one batch, then records the batch's payment.
    b.goto(&format!("{}/admin/withdrawals", app.base)).await;
    for id in [alice_w, bob_w] {
        b.click(&format!("input[form=batch-approve][value='{id}']")).await;
    }
    b.click("#batch-approve button[type=submit]").await;
    b.wait_url("msg=").await;
    assert!(b.source().await.contains(&format!("已通过 2 笔，共 {} 元", Fen(withdrawn + agent2).yuan_string())));
    let status = |id: i64| async move { app.store.withdrawal(id).await.unwrap().status };
    assert_eq!((status(alice_w).await, status(bob_w).await), ("approved".into(), "approved".into()));
    assert_eq!(app.store.ledger_balance(AccountKind::Agent, alice).await.unwrap().withdrawing, withdrawn);
    for id in [alice_w, bob_w] {
        b.click(&format!("input[form=batch-pay][value='{id}']")).await;
    }
    b.type_into("#batch-pay input[name=method]", "支付宝").await;
    b.type_into("#batch-pay input[name=reference]", "AG20261203-15").await;
    b.click("#batch-pay button[type=submit]").await;
    eventually("the payment", Duration::from_secs(20), || async {
        (status(alice_w).await == "paid" && status(bob_w).await == "paid").then_some(())
    })
    .await;
    let w = app.store.withdrawal(alice_w).await.unwrap();
    assert_eq!(
        (w.payment_method.as_deref(), w.payment_ref.as_deref(), w.paid_by.as_deref()),
        (Some("支付宝"), Some("AG20261203-15"), Some(ADMIN))
    );

    // Alice is told through the gateway; her agent share is paid out, the rest still available; the operator's
    // balance is untouched by the payout.
    let paid_notice = format!("【提现通知】您的提现 {} 已打款（支付宝，流水号 AG20261203-15）", yuan(withdrawn));
    eventually("Alice's payment notice", Duration::from_secs(30), || async {
        let sent = app.sim.sims.gewe.sent();
        sent.iter().any(|m| m.to_wxid == ALICE.wxid && m.content.contains(&paid_notice)).then_some(())
    })
    .await;
    let alice_balance = app.store.ledger_balance(AccountKind::Agent, alice).await.unwrap();
    assert_eq!(alice_balance, Buckets { available: agent / 3, paid_out: withdrawn, ..Buckets::default() });
    assert_eq!(alice_balance, app.store.ledger_entries_sum(AccountKind::Agent, alice).await.unwrap());
    assert_eq!(
        app.store.ledger_balance(AccountKind::Agent, bob).await.unwrap(),
        Buckets { paid_out: agent2, ..Buckets::default() }
    );
    assert_eq!(app.store.ledger_balance(AccountKind::Operator, 0).await.unwrap(), operator_before);

    // Her monthly statement (she has no dashboard login: the admin's view of it) and its CSV, to the 分.
    let (status, st) = json_of(c.get(&format!("/admin/api/statements?partner_id={alice}")).await).await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!((st["partner_id"].as_i64(), st["orders"].as_i64()), (Some(alice), Some(1)), "{st}");
    assert_eq!((st["commission_fen"].as_i64(), st["agent_share_fen"].as_i64()), (Some(c_fen), Some(agent)), "{st}");
    let acc = st["accounts"].as_array().unwrap().iter().find(|a| a["account_kind"] == "agent").unwrap();
    assert_eq!(
        ["opening_balance_fen", "orders_fen", "paid_out_fen", "closing_balance_fen", "closing_available_fen"]
            .map(|k| acc[k].as_i64().unwrap()),
        [0, agent, withdrawn, agent / 3, agent / 3],
        "{st}"
    );
    let month = st["month"].as_str().unwrap().to_string();
    let r = c.get(&format!("/admin/statements.csv?partner_id={alice}&month={month}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let y = |f: i64| Fen(f).yuan_string();
    let agent_row = format!("代理分成,0.00,{},0.00,{},{},{}", y(agent), y(withdrawn), y(agent / 3), y(agent / 3));
    assert!(csv.contains(&agent_row), "{agent_row}\n{csv}");
    assert!(csv.contains(&format!("{sn},已结算,{},0.00,{}\r\n", y(c_fen), y(agent))), "{csv}");
    // Bob's statement lists the order too, with his second-level share, and his payout.
    let (_, st) = json_of(c.get(&format!("/admin/api/statements?partner_id={bob}")).await).await;
    assert_eq!((st["orders"].as_i64(), st["agent_share_fen"].as_i64()), (Some(1), Some(agent2)), "{st}");
    let acc = st["accounts"].as_array().unwrap().iter().find(|a| a["account_kind"] == "agent").unwrap();
    assert_eq!(["orders_fen", "paid_out_fen"].map(|k| acc[k].as_i64().unwrap()), [agent2, agent2], "{st}");

    // 我的 in her private chat shows the ledger's figures.
    let alice_mine = direct(&chat, ALICE, "我的").await.join("\n");
    let line = format!("代理分成：待结算 ¥0.00，可提现 {}，提现中 ¥0.00，已提现 {}", yuan(agent / 3), yuan(withdrawn));
    assert!(alice_mine.contains(&line), "{line}\n{alice_mine}");
}
