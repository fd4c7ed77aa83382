//! The admin JSON API against its OpenAPI document: every documented operation exists on the real router, refuses
//! anonymous callers, and answers its example with the documented shape.

use crate::admin_helpers::{AdminClient, partner_group};
use crate::helpers::{TestApp, TestDb};
use dealbot::config::Secret;
use dealbot::platform::Platform;
use dealbot::store::pids::PidOwner;
use reqwest::StatusCode;
use serde_json::Value;

const TOKEN: &str = "admin-api-token-for-tests-0123";

async fn app_with_token() -> TestApp {
    TestApp::spawn_on(TestDb::sqlite().await, |s| s.admin.api_token = Secret::new(TOKEN)).await
}

/// `schema` with its `$ref` to `#/components/schemas` followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "$ref {r} names no schema");
            resolve(doc, target)
        }
        None => schema,
    }
}

/// Whether `v` has the shape of `schema`: a list (non-empty: seeded data) of such values, an object with the
/// `required` properties, one of the `oneOf` (or `anyOf`) alternatives, all of the `allOf` parts, `null` where the
/// schema allows it, a string of the `enum`.
fn shape(doc: &Value, schema: &Value, v: &Value) -> Result<(), String> {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if v.is_null() && types.contains(&"null") {
        return Ok(());
    }
    if let Some(alternatives) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let errors: Vec<String> = alternatives.iter().filter_map(|a| shape(doc, a, v).err()).collect();
        return if errors.len() < alternatives.len() { Ok(()) } else { Err(errors.join("; ")) };
    }
    if let Some(parts) = schema["allOf"].as_array() {
        return parts.iter().try_for_each(|p| shape(doc, p, v));
    }
    if types.contains(&"array") {
        let items = v.as_array().ok_or_else(|| format!("not a list: {v}"))?;
        if items.is_empty() {
            return Err("an empty list (seeded data expected)".into());
        }
        return items.iter().try_for_each(|item| shape(doc, &schema["items"], item));
    }
    if let Some(values) = schema["enum"].as_array() {
        return if values.contains(v) { Ok(()) } else { Err(format!("{v} is none of {values:?}")) };
    }
    if types.contains(&"null") && types.len() == 1 {
        return if v.is_null() { Ok(()) } else { Err(format!("not null: {v}")) };
    }
    if types.contains(&"object") || schema.get("properties").is_some() {
        let obj = v.as_object().ok_or_else(|| format!("not an object: {v}"))?;
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            if !obj.contains_key(key) {
                return Err(format!("`{key}` missing in {v}"));
            }
        }
    }
    Ok(())
}

fn check_shape(op: &str, doc: &Value, schema: &Value, v: &Value) {
    assert!(schema.is_object(), "{op}: no schema of its 200 answer");
    if let Err(e) = shape(doc, schema, v) {
        panic!("{op}: {e}");
    }
}

#[test]
fn the_shape_check_finds_a_missing_required_property_behind_refs_and_nullables() {
    let doc = serde_json::json!({ "components": { "schemas": {
        "Item": { "type": "object", "required": ["id", "name"], "properties": {} },
    } } });
    let item = serde_json::json!({ "$ref": "#/components/schemas/Item" });
    let list = serde_json::json!({ "type": "array", "items": item });
    let nullable = serde_json::json!({ "oneOf": [{ "type": "null" }, item] });
    let whole = serde_json::json!({ "id": 1, "name": "x" });
    let partial = serde_json::json!({ "id": 1 });
    assert!(shape(&doc, &item, &whole).is_ok());
    assert!(shape(&doc, &item, &partial).is_err());
    assert!(shape(&doc, &list, &serde_json::json!([whole, partial])).is_err());
    assert!(shape(&doc, &nullable, &Value::Null).is_ok());
    assert!(shape(&doc, &nullable, &partial).is_err());
    assert!(shape(&doc, &serde_json::json!({ "allOf": [item] }), &partial).is_err());
}

/// A posting plan on `group` with one delivery, so the posting lists have something to show.
async fn seed_posting(app: &TestApp, group: i64) {
    let now = app.clock.now_ms();
    let plan = dealbot::posting::Plan::for_chat(group);
    let plan_id = app.store.create_plan(&plan, now).await.unwrap();
    let d = dealbot::store::posting::NewDelivery {
        plan_id,
        group_id: group,
        robot_id: crate::admin_helpers::robot_id(app),
        slot_at: now / 1000,
        platform: Platform::Jd,
        item_key: "100087654321",
        status: "skipped",
        reason: Some("coupon"),
        outbox_key: None,
        promotion_url: None,
        tag_id: None,
    };
    app.store.record_delivery(&d, now).await.unwrap();
    // A library item (id 1) for the selection examples.
    let item = dealbot::feeds::FeedItem {
        platform: Platform::Jd,
        key: "100087654321".into(),
        title: "抽纸 24 包".into(),
        short_title: None,
        image_url: None,
        price: dealbot::money::Fen(3_990),
        final_price: dealbot::money::Fen(2_990),
        coupon: None,
        commission_rate: dealbot::money::Bps(1_000),
        commission: dealbot::money::Fen(299),
        sales: 100,
        sales_text: None,
        shop: "纸品店".into(),
        category: "日用".into(),
        source: "elite:22".into(),
    };
    app.store.upsert_feed_items(&[item], now).await.unwrap();
}

/// An order of `group` that no member is attributed to, for the unattributed list and the assignment example.
async fn seed_unattributed_order(app: &TestApp, group: i64) -> i64 {
    use dealbot::store::orders::{AttributionKind, OrderAttribution};
    let now = app.clock.now_ms();
    let order = dealbot::affiliate::orders::SyncedOrder {
        platform: Platform::Pdd,
        order_key: "260101-000000000000001".into(),
        parent_key: None,
        item_id: "goods-sign-1".into(),
        item_title: "保温杯".into(),
        paid_amount: dealbot::money::Fen(3_432),
        estimated_commission: dealbot::money::Fen(686),
        settled_commission: dealbot::money::Fen(0),
        rate: dealbot::money::Bps(2_000),
        raw_status: "0".into(),
        lifecycle: dealbot::order::Lifecycle::Paid,
        pid: "9000001_100000001".into(),
        member_tag: None,
        ordered_at: Some(now - 100),
        paid_at: Some(now - 50),
        settled_at: None,
        modified_at: now,
        raw: "{}".into(),
    };
    let attribution = OrderAttribution {
        group_id: Some(group),
        partner_id: None,
        member_id: None,
        kind: AttributionKind::Group,
        conflict: false,
    };
    app.store.upsert_order(&order, &attribution, now).await.unwrap();
    app.store.order_by_key(Platform::Pdd, &order.order_key).await.unwrap().unwrap().id
}

/// An approved agent, so the agent lists have something to show.
async fn seed_agent(app: &TestApp, group: i64) {
    use dealbot::store::agents::{AgentDecision, Applied};
    let now = app.clock.now_ms();
    let member = app.store.touch_member("wxid_agent77", Some("阿七"), Some(group), now).await.unwrap();
    let Applied::Recorded(id) = app.store.apply_for_agent(member, "老代理", now).await.unwrap() else { panic!() };
    let partner_id = app.store.ensure_partner("wxid_agent77", "阿七", now).await.unwrap();
    let level = app.store.agent_levels().await.unwrap().remove(0);
    let d =
        AgentDecision::Approve { level_id: level.id, level: level.name, partner_id, invite_code: "SEED7777".into() };
    app.store.decide_agent_application(id, &d, "seed", now).await.unwrap();
}

#[tokio::test]
async fn every_documented_operation_answers_on_the_real_routes_as_documented() {
    let app = app_with_token().await;
    app.sim.sims.jd.add_position(3100998877, "王的群");
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    let member = app.store.touch_member("wxid_fang0520", Some("小芳"), Some(group), app.clock.now_ms()).await.unwrap();
    let withdrawal = crate::admin_helpers::open_withdrawal(&app, group, partner, "wxid_lei1999", "雷雷", 3_000).await;
    let rejected = crate::admin_helpers::open_withdrawal(&app, group, partner, "wxid_zhou88", "周周", 2_000).await;
    seed_posting(&app, group).await;
    let seed_rule = dealbot::store::rate_rules::NewRateRule {
        share: dealbot::store::ledger::Share::Partner,
        scope: dealbot::store::ledger::RateScope::Platform("pdd".into()),
        bps: dealbot::money::Bps(1_200),
        effective_from: app.clock.now_ms(),
    };
    crate::admin_helpers::ledger(&app).create_rate_rule(&seed_rule, "seed").await.unwrap();
    let applicant = app.store.touch_member("wxid_zhou99", Some("周周"), Some(group), app.clock.now_ms()).await.unwrap();
    app.store.apply_for_agent(applicant, "我有两个群", app.clock.now_ms()).await.unwrap();
    seed_agent(&app, group).await;
    let order = seed_unattributed_order(&app, group).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let doc: Value = http
        .get(format!("{}/admin/api/openapi.json", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut seen = 0;
    // GETs first, so the examples that change data run after the reads.
    for want in ["get", "post"] {
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                // Calls to a chat gateway are exercised against a simulated one (tests/api/robot_login.rs), image
                // uploads by tests/api/mass_uploads.rs.
                let json_body = op.pointer("/requestBody/content").is_none_or(|c| c.get("application/json").is_some());
                if method != want || op["x-calls-gateway"] == true || !json_body {
                    continue;
                }
                let id = if path.starts_with("/admin/api/orders/") {
                    order
                } else if path.starts_with("/admin/api/groups/") {
                    group
                } else if path.starts_with("/admin/api/partners/") {
                    partner
                } else if path.ends_with("/reject") {
                    rejected
                } else if path.starts_with("/admin/api/withdrawals/") {
                    withdrawal
                } else if path.starts_with("/admin/api/agent-levels/") {
                    // Deleting: the level the create example made (unused); changing: the first level.
                    let levels = app.store.agent_levels().await.unwrap();
                    if path.ends_with("/delete") { levels.last() } else { levels.first() }.expect("a level").id
                } else if path.starts_with("/admin/api/agent-applications/") {
                    app.store.agent_applications("open", 1).await.unwrap()[0].id
                } else if path.starts_with("/admin/api/rate-rules/") {
                    // An open rule (open ones are listed first): the seeded one or the one the examples made.
                    app.store.rate_rules(50).await.unwrap().first().expect("a rule").id
                } else if path.starts_with("/admin/api/robots/") {
                    crate::admin_helpers::robot_id(&app)
                } else if path.starts_with("/admin/api/posting/plans/") {
                    // The plan the create example (run before: paths are listed in order) made.
                    app.store.posting_plans().await.unwrap().last().expect("a plan").stored.id
                } else {
                    member
                };
                let last_plan = app.store.posting_plans().await.unwrap().last().map_or(0, |p| p.stored.id);
                let url = format!("{}{}", app.base, path.replace("{id}", &id.to_string()));
                let name = format!("{method} {path}");
                let build = |auth: bool| {
                    let mut req = if method == "get" { http.get(&url) } else { http.post(&url) };
                    if auth {
                        req = req.bearer_auth(TOKEN);
                    }
                    if let Some(ex) = op.pointer("/requestBody/content/application~1json/example") {
                        let mut ex = ex.clone();
                        if let Some(m) = ex.get_mut("member_id") {
                            *m = serde_json::json!(member);
                        }
                        if let Some(plan) = ex.get_mut("plan_id") {
                            // The plan the create and update examples made (an items plan by then).
                            *plan = serde_json::json!(last_plan);
                        }
                        req = req.json(&ex);
                    }
                    req
                };
                assert_eq!(build(false).send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "{name}");
                let resp = build(true).send().await.unwrap();
                assert_eq!(resp.status(), StatusCode::OK, "{name}");
                let body: Value = resp.json().await.unwrap();
                check_shape(&name, &doc, &op["responses"]["200"]["content"]["application/json"]["schema"], &body);
                seen += 1;
            }
        }
    }
    assert!(seen >= 65, "{seen} operations");
    // The examples took effect.
    let g = app.store.group_by_id(group).await.unwrap().unwrap();
    assert!(g.settings.contains("欢迎新朋友"), "{}", g.settings);
    assert_eq!(app.store.pid_of(Platform::Jd, PidOwner::Group(group)).await.unwrap().as_deref(), Some("3100998877"));
    assert!(app.store.user_by_name("ops2").await.unwrap().is_some());
    assert_eq!(app.store.withdrawal(withdrawal).await.unwrap().status, "paid", "approved, then its payment recorded");
    assert_eq!(app.store.withdrawal(rejected).await.unwrap().reason, "收款信息有误");
    assert!(app.store.agent_applications("open", 1).await.unwrap().is_empty(), "the application was decided");
    assert!(app.store.unattributed_orders(None, 10).await.unwrap().is_empty(), "the order was assigned");
}

#[tokio::test]
async fn creating_a_pdd_pid_names_it_after_the_partner_and_shows_its_beian_status() {
    let app = app_with_token().await;
    let (_, partner) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let d: Value = http
        .post(format!("{}/admin/api/partners/{partner}/pdd-pid", app.base))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pid = app.store.pid_of(Platform::Pdd, PidOwner::Partner(partner)).await.unwrap().expect("a pdd pid");
    let listed = d["pids"].as_array().unwrap();
    assert!(listed.iter().any(|p| p["platform"] == "pdd" && p["pid"] == pid.as_str() && p["name"] == "小王"), "{d}");
    assert_eq!(d["beian"]["pid"], pid.as_str());
    assert_eq!(d["beian"]["bound"], false, "{d}");
    assert!(d["beian"]["url"].as_str().unwrap().contains("__page=auth"), "{d}");
}

#[tokio::test]
async fn a_wrong_bearer_token_is_refused_even_with_a_valid_session() {
    let app = app_with_token().await;
    crate::admin_helpers::add_user(&app, "boss", "correct-horse-battery", dealbot::store::users::Role::Admin, None)
        .await;
    let mut c = AdminClient::new(&app);
    c.login("boss", "correct-horse-battery").await;
    let resp = c
        .http
        .get(format!("{}/admin/api/me", app.base))
        .header("cookie", format!("dealbot_session={}", c.session().unwrap()))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reconciliation_of_synced_orders_is_clean_and_partners_cannot_run_it() {
    let app = app_with_token().await;
    let (_, _, wang) = crate::admin_helpers::synced_jd_orders(&app).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/admin/api/reconciliation?platform=jd", app.base);
    let r: Value = http.get(&url).bearer_auth(TOKEN).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["union_orders"], 3, "{r}");
    assert_eq!(r["stored_orders"], 3, "{r}");
    assert_eq!(r["union_commission"], r["stored_commission"]);
    assert!(r["lost"].as_array().unwrap().is_empty() && r["changed"].as_array().unwrap().is_empty(), "{r}");
    let bad: Value = http
        .get(format!("{}/admin/api/reconciliation?platform=jd&since=2026-01-01&until=2026-03-01", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(bad["error"].as_str().unwrap().contains("31"), "{bad}");

    crate::admin_helpers::add_user(
        &app,
        "wang",
        "correct-horse-battery",
        dealbot::store::users::Role::Partner,
        Some(wang),
    )
    .await;
    let mut c = AdminClient::new(&app);
    c.login("wang", "correct-horse-battery").await;
    assert_eq!(c.get("/admin/api/reconciliation?platform=jd").await.status(), StatusCode::FORBIDDEN);
    // A partner's order list holds their own orders only, whatever they ask for.
    let mine: Value = c.get("/admin/api/orders").await.json().await.unwrap();
    let orders = mine["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "{mine}");
    assert!(orders.iter().all(|o| o["partner_id"] == wang));
    assert_eq!(c.get(&format!("/admin/api/orders?partner={}", wang + 1)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.get("/admin/orders.csv").await.text().await.unwrap().lines().count(), 3);
}
