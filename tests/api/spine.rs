//! The robot end to end: GeWe callback in, poster and text out through the simulated gateway.

use crate::helpers::*;
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
    let mut echo = group_text(11, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723", now_secs());
    echo["Data"]["FromUserName"] = json!(dealbot::sim::gewe::DEFAULT_BOT_WXID);
    echo["Data"]["ToUserName"] = json!(ROOM);
    echo["Data"]["Content"] = json!("https://mobile.yangkeduo.com/goods.html?goods_id=386512047723");
    assert_eq!(app.post_callback(&echo).await.status(), 200);
    let stale = group_text(12, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723", now_secs() - 3600);
    assert_eq!(app.post_callback(&stale).await.status(), 200);
    // A later message proves the pipeline ran past both without answering them.
    let ping = group_text(13, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047724", now_secs());
    app.post_callback(&ping).await;
    let sent = eventually("the reply to the fresh message", Duration::from_secs(20), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() >= 2).then_some(s)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sim.sims.gewe.sent().len(), 2, "only the fresh message is answered: {sent:?}");
    assert_eq!(app.store.count_inbound("skipped").await.unwrap(), 2);
}
