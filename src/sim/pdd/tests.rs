//! The simulated gateway driven with raw requests over HTTP: spec vectors, checks, envelopes, determinism.

use super::*;
// Requests are signed with the client's signer: the simulator checks them with its own (`sim::signature`).
use crate::affiliate::sign::md5_wrapped;
use serde_json::Value;

/// Accept any request timestamp (the spec vectors are signed at fixed instants).
const ANY_SKEW: Duration = Duration::MAX;

const PDD2_BODY: &str = r#"{"type":"pdd.ddk.goods.zs.unit.url.gen","client_id":"testClientId","timestamp":"1700000000","data_type":"JSON","version":"V1",
 "pid":"13943073_186718366","source_url":"https://mobile.yangkeduo.com/goods.html?goods_id=123456",
 "custom_parameters":"{\"uid\":\"g1m42\"}","sign":"CF5562A8534AD92C51B7F6A2EACF81E5"}"#;

fn creds(client_id: &str, secret: &str) -> SimCredentials {
    SimCredentials { pdd_client_id: client_id.into(), pdd_client_secret: secret.into(), ..SimCredentials::default() }
}

async fn serve(sim: &PddSim) -> String {
    let app = Router::new().nest("/pdd", sim.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("{base}/pdd/api/router")
}

async fn post_raw(url: &str, content_type: &str, body: String) -> String {
    reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Signs `params` (plus the common ones) with `testSecret` and posts them as JSON strings.
async fn call(url: &str, ts: i64, params: &[(&str, &str)]) -> Value {
    let ts = ts.to_string();
    let mut all: Vec<(&str, &str)> =
        vec![("client_id", "testClientId"), ("timestamp", &ts), ("data_type", "JSON"), ("version", "V1")];
    all.extend_from_slice(params);
    let sign = md5_wrapped("testSecret", all.iter().copied());
    let mut body: serde_json::Map<String, Value> = all.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    body.insert("sign".into(), json!(sign));
    serde_json::from_str(&post_raw(url, "application/json", Value::Object(body).to_string()).await).unwrap()
}

fn error_code(v: &Value) -> Option<i64> {
    v["error_response"]["error_code"].as_i64()
}

#[tokio::test]
async fn vector_pdd_2_request_is_accepted_as_json_and_as_form() {
    let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
    sim.set_now(Some(1_700_000_000));
    sim.set_max_skew(ANY_SKEW);
    sim.authorize_member("13943073_186718366", "g1m42");
    let url = serve(&sim).await;

    let v: Value = serde_json::from_str(&post_raw(&url, "application/json", PDD2_BODY.into()).await).unwrap();
    let r = &v["goods_zs_unit_generate_response"];
    let link = r["url"].as_str().unwrap();
    assert!(
        link.starts_with(
            "https://mobile.yangkeduo.com/duo_coupon_landing.html?goods_id=123456&pid=13943073_186718366&"
        ),
        "{link}"
    );
    assert!(link.contains("&customParameters=%7B%22uid%22%3A%22g1m42%22%7D&cpsSign=CC_231115_13943073_186718366_"));
    assert!(link.ends_with("&duoduo_type=2"));
    assert!(
        r["mobile_url"]
            .as_str()
            .unwrap()
            .contains("launch_url=duo_coupon_landing.html%3Fgoods_id%3D123456%26pid%3D13943073_186718366")
    );
    assert_eq!(r["short_url"].as_str().unwrap().len(), "https://p.pinduoduo.com/".len() + 8);
    assert!(r["request_id"].as_str().is_some_and(|id| id.len() == 17));

    let body: serde_json::Map<String, Value> = serde_json::from_str(PDD2_BODY).unwrap();
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(body.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())))
        .finish();
    let v: Value = serde_json::from_str(&post_raw(&url, "application/x-www-form-urlencoded", form).await).unwrap();
    assert!(v["goods_zs_unit_generate_response"]["url"].is_string(), "{v}");

    // one changed byte and the sign no longer holds
    let tampered = PDD2_BODY.replace("goods_id=123456", "goods_id=123457");
    let v: Value = serde_json::from_str(&post_raw(&url, "application/json", tampered).await).unwrap();
    let e = &v["error_response"];
    assert_eq!((e["error_code"].as_i64(), e["sub_code"].as_str()), (Some(20004), Some("20004")));
    assert_eq!((e["error_msg"].as_str(), e["sub_msg"].as_str()), (Some("签名验证失败"), Some("签名验证失败")));
    assert_eq!(sim.calls("pdd.ddk.goods.zs.unit.url.gen"), 3);
}

#[tokio::test]
async fn vector_pdd_1_passes_the_sign_check_with_json_numbers() {
    let sim = PddSim::new(&creds("1", "testSecret"), "http://cdn.test");
    sim.set_now(Some(1_480_411_125));
    sim.set_max_skew(ANY_SKEW);
    let url = serve(&sim).await;
    let body = r#"{"type":"pdd.order.number.list.get","sign":"E4DE3ED21002510DED352819E7AE6775","client_id":"1","page":1,"page_size":10,"data_type":"XML","timestamp":1480411125,"order_status":1,"access_token":"asd78172s8ds9a921j9qqwda12312w1w21211"}"#;
    let v: Value = serde_json::from_str(&post_raw(&url, "application/json", body.into()).await).unwrap();
    // the signature holds; the simulator only lacks this non-ddk API
    assert_eq!(v["error_response"]["error_msg"], "参数错误:type", "{v}");
    let bad = body.replace("\"page\":1", "\"page\":2");
    let v: Value = serde_json::from_str(&post_raw(&url, "application/json", bad).await).unwrap();
    assert_eq!(error_code(&v), Some(20004));
}

#[tokio::test]
async fn gateway_checks_client_timestamp_params_and_type() {
    let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
    sim.set_now(Some(1_700_000_000));
    sim.set_max_skew(ANY_SKEW);
    let url = serve(&sim).await;
    let zs = ("type", "pdd.ddk.goods.zs.unit.url.gen");

    let v = call(&url, 1_700_000_000, &[zs, ("pid", "1_2")]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:source_url");
    assert_eq!(v["error_response"]["sub_code"], "10000");

    // the request timestamp is checked against the wall clock, whatever the business clock says
    sim.set_max_skew(Duration::from_secs(600));
    let short = ("source_url", "https://p.pinduoduo.com/Kx82LmQe");
    let v = call(&url, wall_now() + 700, &[zs, ("pid", "1_2"), short]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:timestamp");
    let v = call(&url, wall_now() - 500, &[zs, ("pid", "1_2"), short]).await;
    assert!(v["goods_zs_unit_generate_response"].is_object(), "{v}");
    sim.set_max_skew(ANY_SKEW);

    let v = call(&url, 1_700_000_000, &[("type", "pdd.ddk.no.such.api")]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:type");
    let v = call(&url, 1_700_000_000, &[("type", "pdd.ddk.oauth.goods.pid.query")]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:access_token");
    let v = call(&url, 1_700_000_000, &[zs, ("pid", "1_2"), ("source_url", "https://example.com/x")]).await;
    assert_eq!((error_code(&v), v["error_response"]["sub_msg"].as_str()), (Some(50001), Some("非法的source_url")));
    let v = call(&url, 1_700_000_000, &[("type", "pdd.ddk.goods.detail"), ("goods_id", "123")]).await;
    assert_eq!(v["error_response"]["sub_msg"], "goodsId已下线，请使用goodsSign来替代");

    let other = PddSim::new(&creds("someone-else", "testSecret"), "http://cdn.test");
    other.set_max_skew(ANY_SKEW);
    let other_url = serve(&other).await;
    let v = call(&other_url, 1_700_000_000, &[("type", "pdd.ddk.goods.pid.query")]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:client_id");
}

#[tokio::test]
async fn unbound_members_get_the_verbatim_60001_until_authorized() {
    let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
    sim.set_now(Some(1_700_000_000));
    sim.set_max_skew(ANY_SKEW);
    let url = serve(&sim).await;
    let params = [
        ("type", "pdd.ddk.goods.zs.unit.url.gen"),
        ("pid", "13943073_186718366"),
        ("source_url", "https://mobile.yangkeduo.com/goods.html?goods_id=123456"),
        ("custom_parameters", r#"{"uid":"g1m42"}"#),
    ];
    let v = call(&url, 1_700_000_000, &params).await;
    let e = &v["error_response"];
    assert_eq!((e["error_code"].as_i64(), e["sub_code"].as_str()), (Some(50001), Some("60001")));
    assert_eq!(e["error_msg"], "业务服务错误");
    assert_eq!(e["sub_msg"], NOT_BOUND_MSG);

    let query = [
        ("type", "pdd.ddk.member.authority.query"),
        ("pid", "13943073_186718366"),
        ("custom_parameters", r#"{"uid":"g1m42"}"#),
    ];
    assert_eq!(call(&url, 1_700_000_000, &query).await["authority_query_response"]["bind"], 0);
    let auth = call(
        &url,
        1_700_000_000,
        &[
            ("type", "pdd.ddk.rp.prom.url.generate"),
            ("channel_type", "10"),
            ("p_id_list", r#"["13943073_186718366"]"#),
            ("custom_parameters", r#"{"uid":"g1m42"}"#),
        ],
    )
    .await;
    let rec = &auth["rp_promotion_url_generate_response"]["url_list"][0];
    assert!(rec["url"].as_str().unwrap().starts_with(
        "https://mobile.yangkeduo.com/duo_coupon_landing.html?__page=auth&pid=13943073_186718366&customParameters=%7B%22uid%22%3A%22g1m42%22%7D&cpsSign=CC_231115_13943073_186718366_"
    ));
    assert!(rec["mobile_url"].as_str().unwrap().contains("launch_url=duo_coupon_landing.html%3F__page%3Dauth%26pid%3D13943073_186718366%26customParameters%3D%257B%2522uid"));
    assert_eq!(rec["we_app_info"]["app_id"], "wxa918198f16869201");
    assert_eq!(rec["we_app_info"]["user_name"], "gh_a6611aee87d6");

    let base = url.trim_end_matches("/api/router");
    let status = reqwest::Client::new()
        .post(format!("{base}/sim/authorize_member"))
        .json(&json!({"pid": "13943073_186718366", "uid": "g1m42"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(call(&url, 1_700_000_000, &query).await["authority_query_response"]["bind"], 1);
    assert!(call(&url, 1_700_000_000, &params).await["goods_zs_unit_generate_response"].is_object());

    let long = format!(r#"{{"uid":"{}"}}"#, "x".repeat(60));
    let v = call(&url, 1_700_000_000, &[params[0], params[1], params[2], ("custom_parameters", &long)]).await;
    assert_eq!(v["error_response"]["error_msg"], "参数错误:custom_parameters");
}

#[tokio::test]
async fn throttle_answers_the_configured_code_beyond_the_rate() {
    let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
    sim.set_max_skew(ANY_SKEW);
    sim.set_qps_limit(Some(1));
    let url = serve(&sim).await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(error_code(&call(&url, 0, &[("type", "pdd.ddk.goods.pid.query")]).await));
    }
    assert_eq!(codes[0], None);
    assert!(codes.contains(&Some(70031)), "{codes:?}");
    sim.set_qps_limit(None);
    assert_eq!(error_code(&call(&url, 0, &[("type", "pdd.ddk.goods.pid.query")]).await), None);
}

#[tokio::test]
async fn a_fixed_clock_replays_answers_byte_for_byte() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
        sim.set_now(Some(1_700_000_000));
        sim.set_max_skew(ANY_SKEW);
        sim.set_require_member_auth(false);
        let url = serve(&sim).await;
        let mut answers = vec![post_raw(&url, "application/json", PDD2_BODY.into()).await];
        let search =
            call(&url, 1_700_000_000, &[("type", "pdd.ddk.goods.search"), ("keyword", "抽纸"), ("page_size", "3")]);
        answers.push(search.await.to_string());
        sim.generate_orders(5, Duration::from_secs(3_600));
        let orders = call(
            &url,
            1_700_000_000,
            &[
                ("type", "pdd.ddk.order.list.increment.get"),
                ("start_update_time", "1699990000"),
                ("end_update_time", "1700000000"),
                ("page_size", "10"),
            ],
        );
        answers.push(orders.await.to_string());
        runs.push(answers);
    }
    assert_eq!(runs[0], runs[1]);
    let orders: Value = serde_json::from_str(&runs[0][2]).unwrap();
    assert_eq!(orders["order_list_get_response"]["total_count"], 5);
}

#[tokio::test]
async fn recommend_pages_whole_pages_only_with_string_categories() {
    let sim = PddSim::new(&creds("testClientId", "testSecret"), "http://cdn.test");
    sim.set_now(Some(1_767_578_400));
    let url = serve(&sim).await;
    let ts = wall_now();
    let page = call(&url, ts, &[("type", "pdd.ddk.goods.recommend.get"), ("limit", "20"), ("offset", "20")]).await;
    let inner = &page["goods_basic_detail_response"];
    assert_eq!(inner["list"].as_array().unwrap().len(), 20, "{page}");
    let first = &inner["list"][0];
    assert!(first["cat_id"].is_string() && first["opt_id"].is_string() && first["merchant_type"].is_string());
    assert!(inner["list_id"].is_string() && inner["search_id"].is_string() && inner["total"].is_number());
    let bad = call(&url, ts, &[("type", "pdd.ddk.goods.recommend.get"), ("limit", "20"), ("offset", "10")]).await;
    assert_eq!(error_code(&bad), Some(10000), "offset must be a multiple of limit");
    assert_eq!(bad["error_response"]["error_msg"], "参数错误:offset");
    let similar = call(&url, ts, &[("type", "pdd.ddk.goods.recommend.get"), ("channel_type", "3")]).await;
    assert_eq!(error_code(&similar), Some(10000), "channel 3 needs goods_sign_list");
    let unknown = call(&url, ts, &[("type", "pdd.ddk.goods.recommend.get"), ("channel_type", "8")]).await;
    assert_eq!(unknown["goods_basic_detail_response"]["list"], json!([]));
}
