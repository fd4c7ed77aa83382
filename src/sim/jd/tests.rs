//! The simulator seen from raw HTTP: gateway checks, envelopes and limits.

use super::*;
// Requests are signed with the client's signer: the simulator checks them with its own (`sim::signature`).
use crate::affiliate::sign::md5_wrapped;
use crate::sim::support::{format_gmt8, wall_now};

async fn serve(sim: &JdSim) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().nest("/jd", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jd/routerjson")
}

async fn post(url: &str, form: &[(&str, &str)]) -> Value {
    let text = reqwest::Client::new().post(url).form(form).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A correctly signed request with the current time.
async fn call(sim: &JdSim, url: &str, method: &str, param_json: &Value) -> Value {
    let creds = &sim.inner.creds;
    let ts = format_gmt8(wall_now());
    let pj = param_json.to_string();
    let mut form = vec![
        ("method", method),
        ("app_key", creds.jd_app_key.as_str()),
        ("timestamp", ts.as_str()),
        ("format", "json"),
        ("v", "1.0"),
        ("sign_method", "md5"),
        ("360buy_param_json", pj.as_str()),
    ];
    let sign = md5_wrapped(&creds.jd_app_secret, form.iter().copied());
    form.push(("sign", &sign));
    post(url, &form).await
}

/// The inner `…Result` of a wire-form answer.
fn result(v: &Value, method: &str, key: &str) -> Value {
    let outer = &v[format!("{}_responce", method.replace('.', "_"))];
    assert_eq!(outer["code"], "0", "{v}");
    serde_json::from_str(outer[key].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn the_jd2_vector_request_is_accepted_and_a_wrong_sign_refused() {
    let creds =
        SimCredentials { jd_app_key: "testAppKey".into(), jd_app_secret: "testSecret".into(), ..Default::default() };
    let sim = JdSim::new(&creds, "http://cdn.test");
    sim.set_max_skew(Duration::from_secs(100 * 365 * 86_400));
    let url = serve(&sim).await;
    let pj = r#"{"promotionCodeReq":{"materialId":"https://item.jd.com/100012043978.html","positionId":3100000001,"chainType":3}}"#;
    let mut form = vec![
        ("method", BYSUBUNIONID),
        ("app_key", "testAppKey"),
        ("timestamp", "2024-01-01 12:00:00"),
        ("format", "json"),
        ("v", "1.0"),
        ("sign_method", "md5"),
        ("360buy_param_json", pj),
        ("sign", "EDEF44EC3458962857606E679350CE91"),
    ];
    let v = post(&url, &form).await;
    let r = result(&v, BYSUBUNIONID, "getResult");
    assert_eq!(r["code"], 200);
    assert_eq!(r["message"], "success");
    assert!(r["requestId"].as_str().unwrap().starts_with("o_0b"));
    assert!(r["data"]["shortURL"].as_str().unwrap().starts_with("https://u.jd.com/"));
    assert!(r["data"]["clickURL"].as_str().unwrap().starts_with("https://union-click.jd.com/jdc?e=&p="));

    form[7] = ("sign", "EDEF44EC3458962857606E679350CE92");
    let v = post(&url, &form).await;
    assert_eq!(v, json!({"error_response": {"code": "12", "zh_desc": "无效签名"}}));
}

#[tokio::test]
async fn gateway_checks_come_before_business() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test");
    let url = serve(&sim).await;
    let v = call(&sim, &url, "jd.union.open.no.such.method", &json!({})).await;
    assert_eq!(v["error_response"]["code"], "15");
    assert_eq!(v["error_response"]["zh_desc"], "不存在的方法名");
    assert_eq!(sim.calls("jd.union.open.no.such.method"), 1);

    let v = post(&url, &[("method", GOODS_QUERY), ("app_key", "sim-jd-key")]).await;
    assert_eq!(v["error_response"]["code"], "11");

    let stale = "2020-01-01 00:00:00";
    let pj = r#"{"goodsReqDTO":{"keyword":"抽纸"}}"#;
    let mut form = vec![
        ("method", GOODS_QUERY),
        ("app_key", "sim-jd-key"),
        ("timestamp", stale),
        ("v", "1.0"),
        ("360buy_param_json", pj),
    ];
    let sign = md5_wrapped("sim-jd-secret", form.iter().copied());
    form.push(("sign", &sign));
    assert_eq!(post(&url, &form).await["error_response"]["code"], "16");
    form[1] = ("app_key", "someone-else");
    assert_eq!(post(&url, &form).await["error_response"]["code"], "13");
}

#[tokio::test]
async fn order_queries_enforce_the_window_and_page_size() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test");
    let url = serve(&sim).await;
    let q = |start: &str, end: &str, size: u64| json!({"orderReq": {"pageIndex": 1, "pageSize": size, "type": 3, "startTime": start, "endTime": end}});
    let v = call(&sim, &url, ORDER_ROW_QUERY, &q("2025-01-01 08:00:00", "2025-01-01 09:00:01", 20)).await;
    assert_eq!(result(&v, ORDER_ROW_QUERY, "queryResult")["code"], 2_002_453);
    let v = call(&sim, &url, ORDER_ROW_QUERY, &q("2025-01-01 08:00:00", "2025-01-01 09:00:00", 501)).await;
    assert_eq!(result(&v, ORDER_ROW_QUERY, "queryResult")["code"], 2_002_400);
    let v = call(&sim, &url, ORDER_ROW_QUERY, &q("2025-01-01 08:00:00", "2025-01-01 09:00:00", 500)).await;
    let r = result(&v, ORDER_ROW_QUERY, "queryResult");
    assert_eq!((r["code"].clone(), r["hasMore"].clone()), (json!(200), json!(false)));
}

#[tokio::test]
async fn order_ids_above_2_pow_53_come_as_numbers_and_strings() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test");
    sim.set_now(Some(1_735_689_600));
    let url = serve(&sim).await;
    for sub in ["a1", "b2"] {
        let req = json!({"promotionCodeReq": {"materialId": "https://item.jd.com/100012043978.html", "positionId": 42, "subUnionId": sub}});
        let v = call(&sim, &url, BYSUBUNIONID, &req).await;
        assert_eq!(result(&v, BYSUBUNIONID, "getResult")["code"], 200, "{v}");
    }
    sim.advance(Duration::from_secs(3600));
    let q = json!({"orderReq": {"type": 1, "startTime": "2025-01-01 08:00:00", "endTime": "2025-01-01 09:00:00"}});
    let v = call(&sim, &url, ORDER_ROW_QUERY, &q).await;
    let text =
        v[format!("{}_responce", ORDER_ROW_QUERY.replace('.', "_"))]["queryResult"].as_str().unwrap().to_string();
    let r: Value = serde_json::from_str(&text).unwrap();
    let rows = r["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|row| row["id"].is_string()) && rows.iter().any(|row| row["id"].is_u64()));
    for row in rows {
        let id = row["id"].as_str().map(str::to_string).unwrap_or_else(|| row["id"].to_string());
        assert!(id.parse::<u64>().unwrap() > 1 << 53);
        assert!(text.contains(&id), "ids print exactly");
        assert_eq!(row["positionId"], 42);
        assert_eq!(row["validCode"], 16);
    }
}

#[tokio::test]
async fn the_qps_limit_answers_2001609() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test");
    sim.set_qps_limit(Some(1));
    let url = serve(&sim).await;
    let q = json!({"goodsReqDTO": {"keyword": "抽纸"}});
    let first = call(&sim, &url, GOODS_QUERY, &q).await;
    assert_eq!(result(&first, GOODS_QUERY, "queryResult")["code"], 200);
    let second = call(&sim, &url, GOODS_QUERY, &q).await;
    assert_eq!(result(&second, GOODS_QUERY, "queryResult")["code"], 2_001_609);
}

#[tokio::test]
async fn jingfen_caps_the_page_size_and_answers_202_past_the_end() {
    let sim = JdSim::new(&SimCredentials::default(), "http://cdn.test");
    sim.set_now(Some(1_767_578_400));
    let url = serve(&sim).await;
    let m = "jd.union.open.goods.jingfen.query";
    let ok =
        result(&call(&sim, &url, m, &json!({"goodsReq": {"eliteId": 22, "pageSize": 50}})).await, m, "queryResult");
    assert_eq!(ok["code"], 200);
    assert!(ok["data"].is_array(), "a flat array on the wire");
    assert_eq!(ok["data"][0]["resourceInfo"]["eliteId"], 22);
    let total = ok["totalCount"].as_u64().unwrap();
    let big =
        result(&call(&sim, &url, m, &json!({"goodsReq": {"eliteId": 22, "pageSize": 51}})).await, m, "queryResult");
    assert_eq!(big["code"], 401);
    let past = json!({"goodsReq": {"eliteId": 22, "pageSize": 50, "pageIndex": total / 50 + 2}});
    assert_eq!(result(&call(&sim, &url, m, &past).await, m, "queryResult")["code"], 202);
    let missing = result(&call(&sim, &url, m, &json!({"goodsReq": {}})).await, m, "queryResult");
    assert_eq!(missing["code"], 401, "eliteId is required");
}
