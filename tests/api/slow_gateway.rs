//! A slow gateway never doubles a post: when a send call times out although the gateway delivered the message, the
//! gateway's self-sent echo confirms it and it is not sent again; a reply's poster and text keep their order.

use crate::helpers::*;
use dealbot::sim::gewe::SentKind;
use std::time::Duration;

#[tokio::test]
async fn a_gateway_answering_after_the_send_timeout_gets_each_part_of_a_reply_once_and_in_order() {
    let sim = SimServer::start().await;
    sim.sims.gewe.answer_late(Duration::from_millis(1_500));
    let app = TestApp::spawn_with(sim, TestDb::sqlite().await, |s| {
        s.outbox.send_timeout_ms = 300;
        s.outbox.echo_wait_ms = 20_000;
    })
    .await;
    let gewe = &app.sim.sims.gewe;
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723")
        .await
        .unwrap();
    eventually("both parts confirmed by their echoes", Duration::from_secs(30), || async {
        let rows = app.store.outbox_for(ROOM).await.unwrap();
        (rows.len() == 2 && rows.iter().all(|r| r.status == "sent")).then_some(())
    })
    .await;
    let kinds: Vec<SentKind> = gewe.sent().iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [SentKind::Image, SentKind::Text], "each part once, the poster first");
    let rows = app.store.outbox_for(ROOM).await.unwrap();
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:?}");
}

#[tokio::test]
async fn a_send_that_timed_out_without_an_echo_is_sent_again_after_the_wait() {
    let sim = SimServer::start().await;
    // The first call never reaches the gateway's delivery (the client gives up first and the gateway drops it).
    sim.sims.gewe.delay_responses(Duration::from_millis(1_000));
    let app = TestApp::spawn_with(sim, TestDb::sqlite().await, |s| {
        s.outbox.send_timeout_ms = 300;
        s.outbox.echo_wait_ms = 500;
    })
    .await;
    let gewe = &app.sim.sims.gewe;
    gewe.deliver_text(ROOM, MEMBER, MEMBER_NICK, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723")
        .await
        .unwrap();
    eventually("the poster timed out once", Duration::from_secs(20), || async {
        let rows = app.store.outbox_for(ROOM).await.unwrap();
        rows.first().filter(|r| r.attempts >= 1 && r.status == "queued").map(|_| ())
    })
    .await;
    gewe.delay_responses(Duration::ZERO);
    eventually("both parts sent", Duration::from_secs(30), || async {
        let rows = app.store.outbox_for(ROOM).await.unwrap();
        (rows.len() == 2 && rows.iter().all(|r| r.status == "sent")).then_some(())
    })
    .await;
    let kinds: Vec<SentKind> = gewe.sent().iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [SentKind::Image, SentKind::Text], "sent again, once, and still before the text");
}
