//! Two instances on one PostgreSQL database, the gateway's callbacks reaching either: a group's messages are answered
//! in the order the database received them. The first message (a link: conversion and poster) reaches instance A,
//! the second (签到, answered at once) reaches instance B a moment later; B waits until A has answered.

use crate::helpers::*;
use dealbot::demo::settings_for_simulators;
use dealbot::sim::gewe::SentKind;
use dealbot::startup::{Application, Extras};
use std::time::Duration;
use tokio::net::TcpListener;

/// A second instance on the same database and simulators; returns its webhook URL.
async fn second_instance(app: &TestApp) -> (String, dealbot::startup::ShutdownHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let mut settings = settings_for_simulators(&app.sim.base, &base, &app.db.url, &app.secret);
    settings.orders.enabled = false;
    settings.feeds.enabled = false;
    let second = Application::build_with_listener(settings, listener, Extras::default()).await.unwrap();
    let shutdown = second.shutdown_handle();
    tokio::spawn(async move {
        let _ = second.run_until_stopped().await;
    });
    (format!("{base}/webhook/gewe/demo/{}", app.secret), shutdown)
}

#[tokio::test]
async fn a_groups_messages_reaching_two_instances_are_answered_in_arrival_order() {
    let app = TestApp::spawn_on(TestDb::postgres().await, |_| {}).await;
    let (second_webhook, second) = second_instance(&app).await;
    let gewe = &app.sim.sims.gewe;
    let link = group_text(7_100_000_000_000_000_001, "https://item.jd.com/100087654321.html", now_secs());
    let sign_in = group_text(7_100_000_000_000_000_002, "签到", now_secs());
    assert!(app.post_callback(&link).await.status().is_success());
    let r = app.http.post(&second_webhook).json(&sign_in).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let sent = eventually("both answers", Duration::from_secs(30), || async {
        let s = gewe.sent();
        (s.len() >= 3).then_some(s)
    })
    .await;
    let kinds: Vec<_> = sent.iter().map(|m| (m.kind, m.content.contains("签到"))).collect();
    assert!(matches!(sent[0].kind, SentKind::Image), "the link's poster first: {kinds:?}");
    assert!(matches!(sent[1].kind, SentKind::Text) && !sent[1].content.contains("签到"), "then its text: {kinds:?}");
    assert!(sent[2].content.contains("签到"), "the 签到 answer last: {kinds:?}");
    assert_eq!(sent.len(), 3, "each message answered once: {kinds:?}");
    second.shutdown();
}
