//! Payouts for partners and agents over the JSON API, on both engines: they see their balances and request
//! withdrawals (concurrent requests never overdraw); admins approve in a batch, export the approved ones as a CSV
//! for a batch transfer and record the payment (only then paid); rejections return the money; the finance log and
//! the monthly statement show it; partners see only their own and decide nothing; anonymous visitors get 401.

use crate::admin_helpers::{AdminClient, add_user};
use crate::helpers::{TestApp, TestDb, now_secs};
use dealbot::config::{LedgerSettings, Secret};
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::Buckets;
use dealbot::money::Fen;
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::ledger::AccountKind;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(
    multi_thread:
    partners_and_agents_withdraw_and_admins_pay_them_in_a_batch,
);

const TOKEN: &str = "payouts-admin-token-0123456789";
const PARTNER_USER: &str = "wang";
const PARTNER_PASSWORD: &str = "wang-password-123";

fn ledger_settings() -> LedgerSettings {
    LedgerSettings {
        rebate_bps: 5000,
        partner_bps: 1000,
        agent_bps: 500,
        min_withdrawal_fen: 100,
        max_withdrawal_fen: 100_000,
        ..LedgerSettings::default()
    }
}

/// The operator's world: an agent (whose name is a spreadsheet formula), their partner with a group, a member,
/// and one settled order of ¥100.00 commission: member 50.00, partner 10.00, agent 5.00, operator 35.00.
struct World {
    partner: i64,
    agent: i64,
    member: i64,
}

async fn world(app: &TestApp) -> World {
    let s = &app.store;
    let now = app.clock.now_ms();
    let robot = app.engine.robots.keys().next().unwrap();
    let agent = s.create_partner("=SUM(A1)", Some("wxid_agent_li"), None, now).await.unwrap();
    let partner = s.create_partner("小王", Some("wxid_partner_wang"), Some(agent), now).await.unwrap();
    let g = s.ensure_group(robot, "payouts@chatroom", true, now).await.unwrap().id;
    s.set_group_partner(g, Some(partner), now).await.unwrap();
    let member = s.touch_member("wxid_member_fang", Some("小芳"), Some(g), now).await.unwrap();
    let facts = OrderFacts {
        order_id: 1,
        platform: Platform::Pdd,
        order_key: "261203-000000000000001".into(),
        lifecycle: Lifecycle::Settled,
        commission: Fen(10_000),
        paid_amount: Fen(100_000),
        group_id: Some(g),
        partner_id: Some(partner),
        member_id: Some(member),
        paid_at: Some(now_secs()),
    };
    Ledger::with_settings(s.clone(), ledger_settings(), 8).apply(&facts).await.unwrap();
    World { partner, agent, member }
}

fn bearer(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.http.request(method, format!("{}{path}", app.base)).bearer_auth(TOKEN)
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let r = bearer(app, reqwest::Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn post_json(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let r = bearer(app, reqwest::Method::POST, path).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// 20 concurrent requests of ¥3.00 on one account, through `send`; returns the accepted ids.
async fn twenty_at_once<F, Fut>(send: F) -> Vec<i64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value> + Send + 'static,
{
    let tasks: Vec<_> = (0..20).map(|_| tokio::spawn(send())).collect();
    let mut ids = Vec::new();
    for t in tasks {
        let v = t.await.unwrap();
        match v["outcome"].as_str().unwrap() {
            "accepted" => ids.push(v["id"].as_i64().unwrap()),
            "already_open" | "insufficient" => {}
            other => panic!("unexpected {other}: {v}"),
        }
    }
    ids
}

fn buckets(v: &Value) -> Buckets {
    Buckets {
        pending: v["pending_fen"].as_i64().unwrap(),
        available: v["available_fen"].as_i64().unwrap(),
        withdrawing: v["withdrawing_fen"].as_i64().unwrap(),
        debt: v["debt_fen"].as_i64().unwrap(),
        paid_out: v["paid_fen"].as_i64().unwrap(),
    }
}

async fn partners_and_agents_withdraw_and_admins_pay_them_in_a_batch(db: TestDb) {
    let app = TestApp::spawn_on(db, |s| {
        s.admin.api_token = Secret::new(TOKEN);
        s.ledger = ledger_settings();
    })
    .await;
    let w = world(&app).await;
    add_user(&app, PARTNER_USER, PARTNER_PASSWORD, Role::Partner, Some(w.partner)).await;
    let mut p = AdminClient::new(&app);
    p.login(PARTNER_USER, PARTNER_PASSWORD).await;
    let pcsrf = p.csrf().await;

    // The partner sees their own balances only: ¥10.00 available as partner.
    let mine: Value = p.get("/admin/api/accounts").await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["partner_id"], json!(w.partner));
    assert_eq!(buckets(&mine[0]["partner"]), Buckets { available: 1000, ..Buckets::default() });

    // 20 concurrent requests of ¥3.00 from the partner's session: one is accepted, the balance never overdrawn.
    let cookie = format!("dealbot_session={}", p.session().unwrap());
    let url = format!("{}/admin/api/accounts/withdraw", app.base);
    let send = || {
        let (http, url, cookie, csrf) = (app.http.clone(), url.clone(), cookie.clone(), pcsrf.clone());
        async move {
            let r = http
                .post(&url)
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .json(&json!({"account": "partner", "amount_fen": 300}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let partner_ids = twenty_at_once(send).await;
    assert_eq!(partner_ids.len(), 1, "one open request at a time");
    let pb = app.store.ledger_balance(AccountKind::Partner, w.partner).await.unwrap();
    assert_eq!(pb, Buckets { available: 700, withdrawing: 300, ..Buckets::default() });
    assert_eq!(pb, app.store.ledger_entries_sum(AccountKind::Partner, w.partner).await.unwrap());

    // The agent's ¥5.00: 20 concurrent requests through the admin API for them.
    let send = || {
        let req = bearer(&app, reqwest::Method::POST, "/admin/api/accounts/withdraw")
            .json(&json!({"account": "agent", "amount_fen": 300, "partner_id": w.agent.to_string()}));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let agent_ids = twenty_at_once(send).await;
    assert_eq!(agent_ids.len(), 1);
    let (_, more) = post_json(
        &app,
        "/admin/api/accounts/withdraw",
        json!({"account": "agent", "amount_fen": 50, "partner_id": w.agent.to_string()}),
    )
    .await;
    assert_eq!(more["outcome"], "below_minimum");

    // The partner cannot withdraw for the agent, nor decide, pay or export anything.
    let r = p
        .post_json(
            "/admin/api/accounts/withdraw",
            &json!({"account": "agent", "amount_fen": 100, "partner_id": w.agent.to_string()}),
            Some(&pcsrf),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let all = [partner_ids[0], agent_ids[0]];
    for (path, body) in [
        ("/admin/api/withdrawals/approve".to_string(), json!({"ids": all})),
        ("/admin/api/withdrawals/pay".to_string(), json!({"ids": all, "method": "银行转账", "reference": "X"})),
        (format!("/admin/api/withdrawals/{}/approve", agent_ids[0]), json!({})),
        (format!("/admin/api/withdrawals/{}/reject", agent_ids[0]), json!({"reason": "不给"})),
        (format!("/admin/api/withdrawals/{}/pay", partner_ids[0]), json!({"method": "银行转账", "reference": "X"})),
    ] {
        assert_eq!(p.post_json(&path, &body, Some(&pcsrf)).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(p.get("/admin/withdrawals/approved.csv").await.status(), StatusCode::FORBIDDEN);
    // The partner's list holds their own request, not the agent's.
    let seen: Value = p.get("/admin/api/withdrawals").await.json().await.unwrap();
    let seen: Vec<i64> = seen.as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect();
    assert_eq!(seen, vec![partner_ids[0]]);
    // Anonymous visitors get 401 on the API and the login page elsewhere.
    for path in ["/admin/api/withdrawals", "/admin/api/accounts", "/admin/api/statements", "/admin/api/ledger-entries"]
    {
        let r = app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let anon = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/admin/withdrawals", "/admin/withdrawals/approved.csv", "/admin/finance", "/admin/statements"] {
        let r = anon.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/admin/login", "{path}");
    }

    // The admin approves both (and an unknown id) in one batch; a second batch (a double click) decides nothing.
    let (status, batch) =
        post_json(&app, "/admin/api/withdrawals/approve", json!({"ids": [all[0], all[1], 999_999]})).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    assert_eq!(batch["done"].as_array().unwrap().len(), 2, "{batch}");
    assert_eq!(batch["skipped"], json!([999_999]));
    let (_, again) = post_json(&app, "/admin/api/withdrawals/approve", json!({"ids": all})).await;
    assert_eq!((again["done"].as_array().unwrap().len(), &again["skipped"]), (0, &json!(all)));
    // Approved is not paid: the money is still being withdrawn.
    assert_eq!(app.store.ledger_balance(AccountKind::Partner, w.partner).await.unwrap().withdrawing, 300);

    // The CSV for the batch transfer: amounts in 元 with two decimals, formulas neutralised.
    let r = bearer(&app, reqwest::Method::GET, "/admin/withdrawals/approved.csv").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains(&format!("{},合伙人分成,{},小王,3.00,", partner_ids[0], w.partner)), "{csv}");
    assert!(csv.contains(&format!("{},代理分成,{},'=SUM(A1),3.00,", agent_ids[0], w.agent)), "{csv}");

    // The payment is recorded for the batch: now they are paid.
    let (status, paid) = post_json(
        &app,
        "/admin/api/withdrawals/pay",
        json!({"ids": all, "method": "银行转账", "reference": "B20261203001"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["done"].as_array().unwrap().len(), 2);
    assert!(
        paid["done"].as_array().unwrap().iter().all(|w| w["status"] == "paid" && w["payment_ref"] == "B20261203001")
    );
    let (_, twice) =
        post_json(&app, "/admin/api/withdrawals/pay", json!({"ids": all, "method": "银行转账", "reference": "B2"}))
            .await;
    assert_eq!(twice["skipped"], json!(all), "paid once");

    // A rejection returns the money; its reason is kept.
    let (_, next) = post_json(
        &app,
        "/admin/api/accounts/withdraw",
        json!({"account": "partner", "amount_fen": 200, "partner_id": w.partner.to_string()}),
    )
    .await;
    let next_id = next["id"].as_i64().unwrap();
    let (status, rejected) =
        post_json(&app, &format!("/admin/api/withdrawals/{next_id}/reject"), json!({"reason": "收款账户有误"})).await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")));

    // Balances of member, partner, agent and operator, to the 分, equal what the dashboard shows.
    let s = &app.store;
    let partner = s.ledger_balance(AccountKind::Partner, w.partner).await.unwrap();
    let agent = s.ledger_balance(AccountKind::Agent, w.agent).await.unwrap();
    assert_eq!(partner, Buckets { available: 700, paid_out: 300, ..Buckets::default() });
    assert_eq!(agent, Buckets { available: 200, paid_out: 300, ..Buckets::default() });
    assert_eq!(
        s.ledger_balance(AccountKind::Member, w.member).await.unwrap(),
        Buckets { available: 5000, ..Buckets::default() }
    );
    assert_eq!(
        s.ledger_balance(AccountKind::Operator, 0).await.unwrap(),
        Buckets { available: 3500, ..Buckets::default() }
    );
    let shown: Value = p.get("/admin/api/accounts").await.json().await.unwrap();
    assert_eq!(buckets(&shown[0]["partner"]), partner);
    let all_accounts = get_json(&app, "/admin/api/accounts").await;
    let agent_row = all_accounts.as_array().unwrap().iter().find(|a| a["partner_id"] == json!(w.agent)).unwrap();
    assert_eq!(buckets(&agent_row["agent"]), agent);
    for a in [AccountKind::Partner, AccountKind::Agent, AccountKind::Member, AccountKind::Operator] {
        let id = match a {
            AccountKind::Partner => w.partner,
            AccountKind::Agent => w.agent,
            AccountKind::Member => w.member,
            AccountKind::Operator => 0,
        };
        assert_eq!(s.ledger_balance(a, id).await.unwrap(), s.ledger_entries_sum(a, id).await.unwrap(), "{a:?}");
    }

    // 财务日志: the partner's account entries, each linked to its order or request; others' accounts are refused.
    let log: Value = p
        .get(&format!("/admin/api/ledger-entries?account=partner&account_id={}", w.partner))
        .await
        .json()
        .await
        .unwrap();
    let entries = log["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["account_kind"] == "partner" && e["link"].is_string()), "{log}");
    let links: Vec<&str> = entries.iter().map(|e| e["link"].as_str().unwrap()).collect();
    assert!(links.contains(&"/admin/finance?order=1"), "{links:?}");
    assert!(links.contains(&format!("/admin/withdrawals#w{}", partner_ids[0]).as_str()), "{links:?}");
    let kinds =
        get_json(&app, &format!("/admin/api/ledger-entries?account=agent&account_id={}&kind=withdrawal", w.agent))
            .await;
    assert_eq!(kinds["entries"].as_array().unwrap().len(), 2, "requested and paid: {kinds}");
    for path in [
        format!("/admin/api/ledger-entries?account=agent&account_id={}", w.agent),
        format!("/admin/api/ledger-entries?account=member&account_id={}", w.member),
        format!("/admin/api/statements?partner_id={}", w.agent),
    ] {
        assert_eq!(p.get(&path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }

    // The monthly statement: the order, the shares, what was paid out, the balances.
    let st: Value = p.get("/admin/api/statements").await.json().await.unwrap();
    assert_eq!((st["partner_id"].as_i64(), st["orders"].as_i64()), (Some(w.partner), Some(1)), "{st}");
    assert_eq!((st["commission_fen"].as_i64(), st["partner_share_fen"].as_i64()), (Some(10_000), Some(1000)));
    let acc = &st["accounts"][0];
    assert_eq!(acc["account_kind"], "partner");
    assert_eq!(
        (acc["opening_balance_fen"].as_i64(), acc["orders_fen"].as_i64(), acc["paid_out_fen"].as_i64()),
        (Some(0), Some(1000), Some(300))
    );
    assert_eq!((acc["closing_balance_fen"].as_i64(), acc["closing_available_fen"].as_i64()), (Some(700), Some(700)));
    let agent_st = get_json(&app, &format!("/admin/api/statements?partner_id={}", w.agent)).await;
    assert_eq!(
        (agent_st["agent_share_fen"].as_i64(), agent_st["accounts"][1]["paid_out_fen"].as_i64()),
        (Some(500), Some(300))
    );
    let month = st["month"].as_str().unwrap().to_string();
    let r = bearer(&app, reqwest::Method::GET, &format!("/admin/statements.csv?partner_id={}&month={month}", w.agent))
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.contains("合伙人,'=SUM(A1),月份"), "{csv}");
    assert!(csv.contains("代理分成,0.00,5.00,0.00,3.00,2.00,2.00,0.00,0.00"), "{csv}");
    assert!(csv.contains("261203-000000000000001,已结算,100.00,0.00,5.00"), "{csv}");

    // The pages render; the partner's show nothing of the agent.
    for (path, expect) in [
        ("/admin/accounts", "提现记录"),
        ("/admin/finance", "财务日志"),
        ("/admin/statements", "月度对账单 · 小王"),
        ("/admin/withdrawals", "提现审核"),
    ] {
        let r = p.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(expect) && !html.contains("SUM(A1)"), "{path}: {html}");
    }
    let r = bearer(&app, reqwest::Method::GET, "/admin/finance?order=1").send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("订单 261203-000000000000001") && html.contains("代理分成"), "{html}");
}

/// The withdrawal notices queued for `wxid`.
async fn withdrawal_notices(app: &TestApp, wxid: &str) -> Vec<String> {
    let rows = app.store.outbox_for(wxid).await.unwrap();
    rows.into_iter()
        .filter(|r| r.idempotency_key.starts_with("withdrawal-notice:"))
        .map(|r| match serde_json::from_str::<dealbot::chat::Outbound>(&r.body).unwrap().body {
            dealbot::chat::OutboundBody::Text { content, .. } => content,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_partner_sees_their_shares_and_withdraws_in_private_chat_and_hears_the_decisions() {
    use crate::conversation::{Chat, OWNER};
    use crate::money_chat::direct;
    let chat = Chat::with_owner_and(|s| {
        s.ledger = ledger_settings();
        s.chat.cooldown_secs = 0;
        s.admin.api_token = Secret::new(TOKEN);
    })
    .await;
    let app = &chat.app;
    let partner = app.store.partner_by_wxid(OWNER.wxid).await.unwrap().expect("the owner is a partner");
    let facts = OrderFacts {
        order_id: 7,
        platform: Platform::Jd,
        order_key: "261203-000000000000007".into(),
        lifecycle: Lifecycle::Settled,
        commission: Fen(10_000),
        paid_amount: Fen(100_000),
        group_id: None,
        partner_id: Some(partner),
        member_id: None,
        paid_at: Some(now_secs()),
    };
    Ledger::with_settings(app.store.clone(), ledger_settings(), 8).apply(&facts).await.unwrap();

    let mine = direct(&chat, OWNER, "我的").await.join("\n");
    assert!(mine.contains("合伙人分成：待结算 ¥0.00，可提现 ¥10.00，提现中 ¥0.00，已提现 ¥0.00"), "{mine}");
    let r = direct(&chat, OWNER, "提现 20").await.join("\n");
    assert!(r.contains("余额不足") && r.contains("¥10.00"), "{r}");
    let r = direct(&chat, OWNER, "提现 6").await.join("\n");
    assert!(r.contains("【合伙人分成】提现申请已提交：¥6.00") && r.contains("剩余可提现 ¥4.00"), "{r}");
    let r = direct(&chat, OWNER, "提现 1").await.join("\n");
    assert!(r.contains("还有一笔提现在审核中"), "{r}");
    let mine = direct(&chat, OWNER, "我的").await.join("\n");
    assert!(mine.contains("合伙人分成：待结算 ¥0.00，可提现 ¥4.00，提现中 ¥6.00"), "{mine}");

    // The admin rejects with a reason: the partner is told and the money is back; the next request is approved
    // and paid, and the partner is told each time.
    let open = get_json(app, "/admin/api/withdrawals").await;
    let id = open[0]["id"].as_i64().unwrap();
    assert_eq!((open[0]["account_kind"].as_str(), open[0]["partner_id"].as_i64()), (Some("partner"), Some(partner)));
    let (status, _) =
        post_json(app, &format!("/admin/api/withdrawals/{id}/reject"), json!({"reason": "请先实名认证"})).await;
    assert_eq!(status, StatusCode::OK);
    let told = withdrawal_notices(app, OWNER.wxid).await;
    assert!(told.iter().any(|t| t.contains("未通过审核") && t.contains("请先实名认证")), "{told:?}");
    let r = direct(&chat, OWNER, "提现 10").await.join("\n");
    assert!(r.contains("提现申请已提交：¥10.00"), "{r}");
    let id = get_json(app, "/admin/api/withdrawals").await[0]["id"].as_i64().unwrap();
    post_json(app, &format!("/admin/api/withdrawals/{id}/approve"), json!({})).await;
    let (status, _) =
        post_json(app, &format!("/admin/api/withdrawals/{id}/pay"), json!({"method": "支付宝", "reference": "A77"}))
            .await;
    assert_eq!(status, StatusCode::OK);
    let told = withdrawal_notices(app, OWNER.wxid).await;
    assert!(told.iter().any(|t| t.contains("¥10.00 已通过审核")), "{told:?}");
    assert!(told.iter().any(|t| t.contains("¥10.00 已打款") && t.contains("A77")), "{told:?}");
    let mine = direct(&chat, OWNER, "我的").await.join("\n");
    assert!(mine.contains("合伙人分成：待结算 ¥0.00，可提现 ¥0.00，提现中 ¥0.00，已提现 ¥10.00"), "{mine}");
    assert_eq!(
        app.store.ledger_balance(AccountKind::Partner, partner).await.unwrap(),
        Buckets { paid_out: 1000, ..Buckets::default() }
    );
}
