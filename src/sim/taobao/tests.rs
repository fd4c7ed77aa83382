//! The simulator seen from raw HTTP: the official sign vectors, error envelopes, 淘口令 forms and order shapes.

use super::*;
// Requests are signed with the client's signer: the simulator checks them with its own (`sim::signature`).
use crate::affiliate::sign::md5_wrapped;
use crate::sim::support::wall_now;
use std::time::Duration;

async fn serve(sim: &TaobaoSim) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().nest("/taobao", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/taobao/router/rest")
}

async fn post(url: &str, form: &[(&str, &str)]) -> Value {
    let text = reqwest::Client::new().post(url).form(form).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A correctly md5-signed request with the current time.
async fn call(sim: &TaobaoSim, url: &str, method: &str, business: &[(&str, &str)]) -> Value {
    let creds = &sim.inner.creds;
    let ts = format_gmt8(wall_now());
    let mut form = vec![
        ("method", method),
        ("app_key", creds.taobao_app_key.as_str()),
        ("timestamp", ts.as_str()),
        ("format", "json"),
        ("v", "2.0"),
        ("sign_method", "md5"),
    ];
    form.extend_from_slice(business);
    let sign = md5_wrapped(&creds.taobao_app_secret, form.iter().copied());
    form.push(("sign", &sign));
    post(url, &form).await
}

#[tokio::test]
async fn the_official_tb1_request_is_accepted_for_all_three_sign_methods() {
    let creds = SimCredentials { taobao_app_secret: "helloworld".into(), ..Default::default() };
    assert_eq!(creds.taobao_app_key, "12345678");
    let sim = TaobaoSim::new(&creds, "http://cdn.test");
    sim.set_max_skew(Duration::from_secs(100 * 365 * 86_400));
    sim.add_session("test");
    let url = serve(&sim).await;
    for (sign_method, sign) in [
        ("md5", "66987CB115214E59E6EC978214934FB8"),
        ("hmac", "D56D7858309C31B6251083A874D48273"),
        ("hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8"),
    ] {
        let mut form = vec![
            ("method", SELLER_ITEM),
            ("app_key", "12345678"),
            ("session", "test"),
            ("timestamp", "2016-01-01 12:00:00"),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", sign_method),
            ("fields", "num_iid,title,nick,price,num"),
            ("num_iid", "11223344"),
            ("sign", sign),
        ];
        let v = post(&url, &form).await;
        let item = &v["item_seller_get_response"]["item"];
        assert_eq!(item["num_iid"], 11_223_344, "{sign_method}: {v}");
        assert!(item["title"].is_string() && item["price"].is_string());
        assert!(v["item_seller_get_response"]["request_id"].is_string());

        form[9] = ("sign", "00000000000000000000000000000000");
        let v = post(&url, &form).await;
        assert_eq!(v["error_response"]["code"], 25);
        assert_eq!(v["error_response"]["msg"], "Invalid signature");
    }
    assert_eq!(sim.calls(SELLER_ITEM), 6);
}

#[tokio::test]
async fn gateway_and_business_errors_have_the_top_shape() {
    let sim = TaobaoSim::new(&SimCredentials::default(), "http://cdn.test");
    let url = serve(&sim).await;
    let v = call(&sim, &url, "taobao.tbk.no.such", &[]).await;
    assert_eq!(v["error_response"]["code"], 22);
    let v = call(&sim, &url, DG_CONVERT, &[("adzone_id", "111")]).await;
    assert_eq!(v["error_response"]["code"], 40);
    assert_eq!(v["error_response"]["sub_code"], "isv.missing-parameter:material_list");
    let v = call(&sim, &url, DG_CONVERT, &[("adzone_id", "abc"), ("material_list", "x")]).await;
    assert_eq!(v["error_response"]["code"], 41);
    let v = call(&sim, &url, DG_CONVERT, &[("adzone_id", "111"), ("material_list", "https://www.taobao.com/")]).await;
    let e = &v["error_response"];
    assert_eq!((e["code"].clone(), e["msg"].clone()), (json!(15), json!("Remote service error")));
    assert_eq!((e["sub_code"].clone(), e["sub_msg"].clone()), (json!("30001"), json!("非法的物料id")));
    assert!(e["request_id"].is_string());
    let v = call(&sim, &url, SC_ORDERS, &[("start_time", "2025-01-01 08:00:00"), ("end_time", "2025-01-01 09:00:00")])
        .await;
    assert_eq!(v["error_response"]["code"], 27);
    let v = call(&sim, &url, TPWD_CREATE, &[("url", "https://item.taobao.com/item.htm?id=712345678901")]).await;
    assert_eq!(v["error_response"]["sub_msg"], "口令跳转url不支持口令转换");

    let stale = [
        ("method", ITEM_INFO),
        ("app_key", "12345678"),
        ("timestamp", "2020-01-01 00:00:00"),
        ("format", "json"),
        ("v", "2.0"),
        ("num_iids", "1"),
    ];
    let mut form = stale.to_vec();
    let sign = md5_wrapped("sim-taobao-secret", form.iter().copied());
    form.push(("sign", &sign));
    assert_eq!(post(&url, &form).await["error_response"]["code"], 31);

    sim.set_qps_limit(Some(1));
    let _ = call(&sim, &url, ITEM_INFO, &[("num_iids", "712345678901")]).await;
    let v = call(&sim, &url, ITEM_INFO, &[("num_iids", "712345678901")]).await;
    assert_eq!(v["error_response"]["code"], 7);
    assert_eq!(v["error_response"]["sub_msg"], "This ban will last for 1 more seconds");
}

#[tokio::test]
async fn tpwd_create_answers_all_three_eras_in_turn() {
    let sim = TaobaoSim::new(&SimCredentials::default(), "http://cdn.test");
    let url = serve(&sim).await;
    let v = call(
        &sim,
        &url,
        DG_CONVERT,
        &[("adzone_id", "111"), ("material_list", "https://item.taobao.com/item.htm?id=712345678901")],
    )
    .await;
    let link =
        v["tbk_dg_general_link_convert_response"]["data"]["material_url_list"]["material_url_list"][0]["link_info_dto"]
            ["cps_short_url"]
            .as_str()
            .map(str::to_string);
    let link = link.unwrap_or_else(|| panic!("{v}"));
    let mut models = Vec::new();
    for _ in 0..3 {
        let v = call(&sim, &url, TPWD_CREATE, &[("url", &link)]).await;
        let r = &v["tbk_tpwd_create_response"];
        models.push((
            r["data"]["model"].as_str().unwrap().to_string(),
            r["data"]["password_simple"].clone(),
            r["request_id"].clone(),
        ));
    }
    assert!(models[0].0.starts_with('￥') && models[0].0.chars().count() == 13 && models[0].2.is_string());
    assert!(models[1].0.contains(" https://m.tb.cn/h.") && models[1].0.contains("￥ CZ") && models[1].2.is_string());
    assert!(models[2].0.starts_with("6復製内容￥") && models[2].1.is_string() && models[2].2.is_null());
    // Every 淘口令 and m.tb.cn link resolves back to the converted item.
    let st = lock(&sim.inner.state);
    for (model, _, _) in &models {
        assert_eq!(materials::resolve(model, &st.issued), Some(712_345_678_901));
    }
}

#[tokio::test]
async fn orders_carry_dashes_ids_in_both_forms_and_respect_the_window() {
    let sim = TaobaoSim::new(&SimCredentials::default(), "http://cdn.test");
    sim.set_now(Some(1_735_689_600));
    let url = serve(&sim).await;
    for rel in ["1", "2"] {
        let v = call(
            &sim,
            &url,
            DG_CONVERT,
            &[("adzone_id", "111"), ("site_id", "222"), ("relation_id", rel), ("material_list", "￥Rt7bQm2XzPa￥")],
        )
        .await;
        assert!(v["tbk_dg_general_link_convert_response"].is_object(), "{v}");
    }
    sim.advance(Duration::from_secs(3600));
    let q = [("start_time", "2025-01-01 08:00:00"), ("end_time", "2025-01-01 11:00:00"), ("query_type", "4")];
    let v = call(&sim, &url, DG_ORDERS, &q).await;
    let data = &v["tbk_order_details_get_response"]["data"];
    let rows = data["results"]["publisher_order_dto"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r["trade_id"].is_string()) && rows.iter().any(|r| r["trade_id"].is_u64()));
    assert!(rows.iter().all(|r| r["tk_earning_time"] == "--" && r["tk_status"] == 12 && r["adzone_id"] == 111));
    assert!(data["position_index"].as_str().unwrap().contains('|'));
    assert_eq!(data["has_next"], false);

    let v = call(&sim, &url, DG_ORDERS, &[("start_time", "2025-01-01 08:00:00"), ("end_time", "2025-01-01 11:00:01")])
        .await;
    assert_eq!(v["error_response"]["code"], 15);
    let v = call(
        &sim,
        &url,
        DG_ORDERS,
        &[("start_time", "2025-01-01 08:00:00"), ("end_time", "2025-01-01 09:00:00"), ("page_no", "2")],
    )
    .await;
    assert_eq!(v["error_response"]["code"], 40);
}

#[tokio::test]
async fn a_member_consents_then_publisher_info_save_binds_them_once() {
    let creds = SimCredentials::default();
    let sim = TaobaoSim::new(&creds, "http://cdn.test");
    let url = serve(&sim).await;
    let base = url.trim_end_matches("/router/rest").to_string();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // The consent page sends the member back with a code and the state.
    let back = "http://dealbot.test/taobao/registered";
    let consent = http
        .get(format!("{base}/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", &creds.taobao_app_key),
            ("redirect_uri", back),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND);
    let location = url::Url::parse(consent.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    let q: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s1");
    // The code is exchanged once, with the app's secret, for the member's session.
    let exchange = |secret: &str| {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", creds.taobao_app_key.as_str()),
            ("client_secret", secret),
            ("code", q["code"].as_str()),
            ("redirect_uri", back),
        ];
        http.post(format!("{base}/oauth/token")).form(&form).send()
    };
    assert_eq!(exchange("wrong").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let token: Value = exchange(&creds.taobao_app_secret).await.unwrap().json().await.unwrap();
    let session = token["access_token"].as_str().unwrap().to_string();
    assert_eq!(exchange(&creds.taobao_app_secret).await.unwrap().status(), StatusCode::BAD_REQUEST, "used once");

    // publisher.info.save: signed, with the member's session, the operator's invite code and info_type 1.
    let save = |code: &'static str| {
        let session = session.clone();
        let (sim, url) = (sim.clone(), url.clone());
        async move {
            call(&sim, &url, PUBLISHER_SAVE, &[("session", &session), ("inviter_code", code), ("info_type", "1")]).await
        }
    };
    let first = save(MEMBER_INVITE_CODE).await;
    let data = &first["tbk_sc_publisher_info_save_response"]["data"];
    assert_eq!(data["desc"], "绑定成功", "{first}");
    let special = data["special_id"].as_u64().unwrap();
    let again = save(MEMBER_INVITE_CODE).await;
    assert_eq!(again["tbk_sc_publisher_info_save_response"]["data"]["special_id"], special);
    assert_eq!(again["tbk_sc_publisher_info_save_response"]["data"]["desc"], "重复绑定粉丝");
    let channel = save(CHANNEL_INVITE_CODE).await;
    assert!(channel["tbk_sc_publisher_info_save_response"]["data"]["relation_id"].as_u64().is_some(), "{channel}");
    let bad = save("NOPE").await;
    assert_eq!(bad["error_response"]["code"], 15, "{bad}");
    // Without a valid session, or with a wrong signature: TOP's own errors.
    let no_session =
        call(&sim, &url, PUBLISHER_SAVE, &[("inviter_code", MEMBER_INVITE_CODE), ("info_type", "1")]).await;
    assert_eq!(no_session["error_response"]["code"], 27, "{no_session}");
    let forged = post(
        &url,
        &[
            ("method", PUBLISHER_SAVE),
            ("app_key", &creds.taobao_app_key),
            ("session", &session),
            ("timestamp", &format_gmt8(wall_now())),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", "md5"),
            ("inviter_code", MEMBER_INVITE_CODE),
            ("info_type", "1"),
            ("sign", "00000000000000000000000000000000"),
        ],
    )
    .await;
    assert_eq!(forged["error_response"]["code"], 25, "{forged}");
    let missing = call(&sim, &url, PUBLISHER_SAVE, &[("session", &session), ("info_type", "1")]).await;
    assert_eq!(missing["error_response"]["code"], 40, "{missing}");
}

#[tokio::test]
async fn optimus_material_has_the_flat_wire_shape_and_refuses_unknown_materials() {
    let sim = TaobaoSim::new(&SimCredentials::default(), "http://cdn.test");
    sim.set_now(Some(1_767_578_400));
    let url = serve(&sim).await;
    let m = "taobao.tbk.dg.optimus.material";
    let v = call(&sim, &url, m, &[("adzone_id", "3000"), ("material_id", "3756"), ("page_size", "100")]).await;
    let r = &v["tbk_dg_optimus_material_response"];
    assert_eq!(r["is_default"], "false", "a string");
    let items = r["result_list"]["map_data"].as_array().unwrap();
    assert_eq!(r["total_count"].as_u64(), Some(items.len() as u64));
    let with_coupon = items.iter().find(|i| i.get("coupon_amount").is_some()).unwrap();
    assert!(with_coupon["coupon_amount"].is_number(), "a number of 元 in optimus");
    assert_eq!(with_coupon["coupon_end_time"].as_str().unwrap().len(), 13, "milliseconds as text");
    assert!(with_coupon["commission_rate"].as_str().unwrap().contains('.'), "a % string");
    assert!(with_coupon["click_url"].as_str().unwrap().starts_with("//"), "protocol-relative");
    assert!(with_coupon["seller_id"].as_u64().unwrap() > 1 << 53);
    let bad = call(&sim, &url, m, &[("adzone_id", "3000"), ("material_id", "1")]).await;
    assert_eq!(bad["error_response"]["code"], 15);
    assert_eq!(bad["error_response"]["sub_msg"], "非法的物料id");
    let big = call(&sim, &url, m, &[("adzone_id", "3000"), ("material_id", "3756"), ("page_size", "101")]).await;
    assert_eq!(big["error_response"]["code"], 41);
}
