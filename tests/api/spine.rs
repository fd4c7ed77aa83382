//! The robot end to end: GeWe callback in, poster and text out through the simulated gateway.

use crate::helpers::*;
use dealbot::sim::gewe::SentKind;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn malformed_or_unauthorized_callbacks_get_a_4xx_and_store_nothing() {
    let app = TestApp::spawn().await;
    let url = app.webhook_url();
    let r = app.post_raw(&url, b"{not json".to_vec()).await;
    assert_eq!(r.status(), 400);
    let wrong = format!("{}/webhook/gewe/demo/wrong-secret-wrong-secret", app.base);
    let r = app.post_raw(&wrong, serde_json::to_vec(&group_text(1, "hi", now_secs())).unwrap()).await;
    assert_eq!(r.status(), 401);
    let unknown = format!("{}/webhook/gewe/nosuchrobot/{}", app.base, app.secret);
    let r = app.post_raw(&unknown, serde_json::to_vec(&group_text(2, "hi", now_secs())).unwrap()).await;
    assert_eq!(r.status(), 404);
    let huge = vec![b' '; 10 * 1024 * 1024];
    let r = app.post_raw(&url, huge).await;
    assert_eq!(r.status(), 413);
    let mut odd = group_text(3, "hi", now_secs());
    odd["TypeName"] = json!("NoSuchType");
    let r = app.post_callback(&odd).await;
    assert!(r.status().is_client_error(), "unknown TypeName: {}", r.status());
    for st in ["pending", "processing", "done", "skipped", "failed"] {
        assert_eq!(app.store.count_inbound(st).await.unwrap(), 0, "no row for rejected callbacks ({st})");
    }
    // Still alive.
    let r = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn self_echoes_and_stale_messages_get_no_reply() {
    let app = TestApp::spawn().await;
    let mut echo = group_text(11, "https://item.jd.com/100087654321.html", now_secs());
    echo["Data"]["FromUserName"] = json!(dealbot::sim::gewe::DEFAULT_BOT_WXID);
    echo["Data"]["ToUserName"] = json!(ROOM);
    echo["Data"]["Content"] = json!("https://item.jd.com/100087654321.html");
    assert_eq!(app.post_callback(&echo).await.status(), 200);
    let stale = group_text(12, "https://item.jd.com/100087654321.html", now_secs() - 3600);
    assert_eq!(app.post_callback(&stale).await.status(), 200);
    // A later message proves the pipeline ran past both without answering them.
    let ping = group_text(13, "https://item.jd.com/100087654322.html", now_secs());
    app.post_callback(&ping).await;
    let sent = eventually("the reply to the fresh message", Duration::from_secs(20), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() >= 2).then_some(s)
    })
    .await;
    assert_eq!(sent.len(), 2, "only the fresh message is answered: {sent:?}");
    // The echo and the stale message are recorded (for dedupe) but not handled; so are the gateway's echoes of
    // the robot's own two replies.
    // The gateway's echoes arrive asynchronously after the sends: wait for them, then check nothing more came.
    eventually("the two echoes recorded", Duration::from_secs(20), || async {
        (app.store.count_inbound("skipped").await.unwrap() >= 4).then_some(())
    })
    .await;
    assert_eq!(app.store.count_inbound("skipped").await.unwrap(), 4);
    let rows = app.store.outbox_for(ROOM).await.unwrap();
    let prefix = format!("reply:{}:13:", dealbot::sim::gewe::DEFAULT_APP_ID);
    assert!(rows.iter().all(|r| r.idempotency_key.starts_with(&prefix)), "{rows:?}");
}

fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(jpeg).expect("poster decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

#[tokio::test]
async fn a_pasted_pdd_link_gets_one_poster_and_one_text_mentioning_the_sender() {
    let app = TestApp::spawn().await;
    app.sim
        .sims
        .gewe
        .deliver_text(
            ROOM,
            MEMBER,
            MEMBER_NICK,
            "这个划算吗 https://mobile.yangkeduo.com/goods.html?goods_id=386512047723",
        )
        .await
        .unwrap();
    let sent = eventually("poster and text", Duration::from_secs(20), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() >= 2).then_some(s)
    })
    .await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let image = sent.iter().find(|m| m.kind == SentKind::Image).expect("one postImage");
    let text = sent.iter().find(|m| m.kind == SentKind::Text).expect("one postText");
    assert_eq!(image.to_wxid, ROOM);
    assert_eq!(text.to_wxid, ROOM);
    assert_eq!(text.ats, vec![MEMBER.to_string()]);
    assert!(text.content.starts_with(&format!("@{MEMBER_NICK}")), "{}", text.content);
    let jpeg = image.image_bytes.as_ref().expect("the gateway fetched the poster");
    let codes = decode_qr(jpeg);
    assert_eq!(codes.len(), 1, "one QR code on the poster");
    assert!(text.content.contains(&codes[0]), "the copy text carries the same link as the QR code");
    let rows = app.store.outbox_for(ROOM).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.status == "sent"));
    // The QR code holds the union's short link, which leads to the promotion URL with the configured PID.
    let target = app.sim.sims.pdd.resolve_short(&codes[0]).expect("a short link the union issued");
    assert!(target.contains(&format!("pid={}", dealbot::demo::DEMO_PDD_PID)), "{target}");
    let conv = app.store.recent_conversions(1).await.unwrap().remove(0);
    assert_eq!(conv.pid, dealbot::demo::DEMO_PDD_PID);
    assert_eq!(conv.promotion_url, target);
    assert_eq!(conv.member_wxid.as_deref(), Some(MEMBER));
    assert_eq!(Some(codes[0].as_str()), conv.short_url.as_deref().or(Some(conv.promotion_url.as_str())));
}

#[tokio::test]
async fn the_same_callback_three_times_and_after_a_restart_yields_one_reply() {
    let app = TestApp::spawn().await;
    let body = group_text(7012345678901234567, "https://item.jd.com/100087654321.html", now_secs());
    for _ in 0..2 {
        assert_eq!(app.post_callback(&body).await.status(), 200);
    }
    eventually("the first reply", Duration::from_secs(20), || async {
        (app.sim.sims.gewe.sent().len() >= 2).then_some(())
    })
    .await;
    let app = app.restart().await;
    assert_eq!(app.post_callback(&body).await.status(), 200);
    // A different message after the duplicate proves the duplicate was already passed over.
    let next = group_text(7012345678901234999, "https://item.jd.com/100087654322.html", now_secs());
    app.post_callback(&next).await;
    let sent = eventually("the second message's reply", Duration::from_secs(20), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() >= 4).then_some(s)
    })
    .await;
    assert_eq!(sent.len(), 4, "two replies for two distinct messages: {sent:?}");
    assert_eq!(app.store.outbox_for(ROOM).await.unwrap().len(), 4);
}

#[tokio::test]
async fn operations_endpoints_report_health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let get = |path: &'static str| {
        let url = format!("{}{path}", app.base);
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    assert_eq!(get("/healthz").await.status(), 200);
    assert_eq!(get("/readyz").await.status(), 200);
    app.post_callback(&group_text(42, "大家好", now_secs())).await;
    app.post_callback(&group_text(42, "大家好", now_secs())).await;
    let body = get("/metrics").await.text().await.unwrap();
    assert!(body.contains("dealbot_messages_in_total{result=\"accepted\"} 1"), "{body}");
    assert!(body.contains("dealbot_messages_in_total{result=\"duplicate\"} 1"), "{body}");
    assert!(body.contains("dealbot_webhook_seconds_bucket"), "{body}");
    assert!(body.contains("dealbot_outbox_queued"), "{body}");
    assert_eq!(get("/playground").await.status(), 404, "the playground exists only in the demo");
    assert_eq!(get("/media/00000000000000000000000000000000.jpg").await.status(), 404);
    assert_eq!(get("/media/..%2F..%2Fetc%2Fpasswd").await.status(), 404);
}

#[tokio::test]
async fn after_an_offline_callback_sends_wait_until_the_gateway_reconnects() {
    let app = TestApp::spawn().await;
    let gewe = &app.sim.sims.gewe;
    // The simulated account drops offline: the gateway refuses sends until `login/reconnection` is called.
    gewe.deliver_offline().await.unwrap();
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://item.jd.com/100087654321.html").await.unwrap();
    let sent = eventually("replies after reconnection", Duration::from_secs(20), || async {
        let s = gewe.sent();
        (s.len() == 2).then_some(s)
    })
    .await;
    assert!(sent.iter().all(|m| m.to_wxid == ROOM));
    // Had dealbot sent before asking the gateway to reconnect, the gateway would have refused those sends.
    let attempts = gewe.send_attempts();
    assert_eq!(attempts.len(), 2, "no send was tried while offline: {attempts:?}");
}

#[tokio::test]
async fn a_member_without_pdd_authorization_gets_the_binding_link_once() {
    let app = TestApp::spawn().await;
    let pdd = &app.sim.sims.pdd;
    pdd.set_require_member_auth(true);
    let gewe = &app.sim.sims.gewe;
    let link = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, link).await.unwrap();
    let first = eventually("poster, text and the binding link", Duration::from_secs(20), || async {
        let s = gewe.sent();
        (s.len() >= 3).then_some(s)
    })
    .await;
    let invite = &first[2];
    assert!(invite.content.contains("授权"), "{}", invite.content);
    assert!(invite.content.contains("__page=auth"), "the 备案 link: {}", invite.content);
    assert_eq!(invite.ats, vec![MEMBER.to_string()]);
    let conv = app.store.recent_conversions(1).await.unwrap().remove(0);
    assert_eq!(conv.member_param, None, "converted with the PID only");

    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047724")
        .await
        .unwrap();
    eventually("the second reply", Duration::from_secs(20), || async { (gewe.sent().len() >= 5).then_some(()) }).await;

    // The member authorizes; the next conversion carries their parameter.
    let uid = format!("m{}", app.store.member_id(MEMBER).await.unwrap().unwrap());
    pdd.authorize_member(dealbot::demo::DEMO_PDD_PID, &uid);
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047725")
        .await
        .unwrap();
    let sent = eventually("the third reply", Duration::from_secs(20), || async {
        let s = gewe.sent();
        (s.len() >= 7).then_some(s)
    })
    .await;
    assert_eq!(
        sent.len(),
        7,
        "the binding link was sent once: {:?}",
        sent.iter().map(|m| &m.content).collect::<Vec<_>>()
    );
    let conv = app.store.recent_conversions(1).await.unwrap().remove(0);
    let param = conv.member_param.unwrap_or_default();
    assert!(param.starts_with(&format!("{uid}_c")), "the member and this conversion's tag: {param}");
}

#[tokio::test]
async fn each_platforms_sample_link_converts_through_the_real_path() {
    let app = TestApp::spawn().await;
    let gewe = &app.sim.sims.gewe;
    let samples = [
        ("pdd", "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723"),
        ("jd", "【京东】https://item.jd.com/100087654321.html「加厚抽纸24包」"),
        ("taobao", "复制这段话￥Rt7bQm2XzPa￥打开手淘"),
    ];
    for (i, (_, text)) in samples.iter().enumerate() {
        let room = format!("5550000{i}@chatroom");
        gewe.deliver_text(&room, MEMBER, MEMBER_NICK, text).await.unwrap();
    }
    // Each group gets its poster and text; the member may also get a private message (the Taobao registration
    // invite), so wait per group rather than for a total.
    let sent = eventually("a poster and a text in each group", Duration::from_secs(30), || async {
        let s = gewe.sent();
        (0..samples.len())
            .all(|i| s.iter().filter(|m| m.to_wxid == format!("5550000{i}@chatroom")).count() >= 2)
            .then_some(s)
    })
    .await;
    for (i, (platform, _)) in samples.iter().enumerate() {
        let room = format!("5550000{i}@chatroom");
        let mine: Vec<_> = sent.iter().filter(|m| m.to_wxid == room).collect();
        assert_eq!(mine.len(), 2, "{platform}: {mine:?}");
        assert!(mine.iter().any(|m| m.kind == SentKind::Image && m.image_bytes.is_some()), "{platform} poster");
        assert!(mine.iter().any(|m| m.kind == SentKind::Text && m.content.contains("下单链接")), "{platform} text");
    }
    let platforms: Vec<String> =
        app.store.recent_conversions(10).await.unwrap().into_iter().map(|c| c.platform).collect();
    for p in ["pdd", "jd", "taobao"] {
        assert!(platforms.iter().any(|x| x == p), "{p} converted: {platforms:?}");
    }
}

#[tokio::test]
async fn the_same_link_pasted_thirty_times_at_once_costs_one_upstream_conversion() {
    // Every group (and member) gets a link tagged for it; repeats of one conversion share the link.
    let app = TestApp::spawn().await;
    let gewe = &app.sim.sims.gewe;
    let link = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
    let deliveries =
        (0..30).map(|_| async move { gewe.deliver_text("6660001@chatroom", MEMBER, MEMBER_NICK, link).await.unwrap() });
    futures::future::join_all(deliveries).await;
    eventually("thirty messages handled", Duration::from_secs(60), || async {
        (app.store.count_inbound(dealbot::store::inbound::status::DONE).await.unwrap() >= 30).then_some(())
    })
    .await;
    assert_eq!(app.sim.sims.pdd.calls("pdd.ddk.goods.zs.unit.url.gen"), 1, "one upstream conversion for 30 pastes");
    // In another group the same member gets a link of its own.
    gewe.deliver_text("6660002@chatroom", MEMBER, MEMBER_NICK, link).await.unwrap();
    eventually("the second group's conversion", Duration::from_secs(30), || async {
        (app.sim.sims.pdd.calls("pdd.ddk.goods.zs.unit.url.gen") == 2).then_some(())
    })
    .await;
}
