//! The posting engine end to end: a plan on two groups with their own PIDs posts from the selection library through
//! the outbox to the simulated gateway; each group's poster QR holds that group's own link; a slot is served once;
//! the next slot takes another item.

use crate::admin_helpers::robot_id;
use crate::helpers::{TestApp, eventually};
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets, run_due};
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use std::time::Duration;

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;

fn decode_qr(jpeg: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(jpeg).expect("poster decodes").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}

#[tokio::test]
async fn a_plan_posts_to_each_group_with_its_own_link_once_per_slot() {
    let app = TestApp::spawn().await;
    // The app and the unions on one clock: 10:01 Beijing time on T0's day.
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.pdd.set_now(Some(T0 + 60));
    let refresh = FeedRefresh::for_platform(
        &app.store,
        &app.engine.affiliates,
        Platform::Pdd,
        &app.engine.settings.feeds,
        &app.clock,
    )
    .unwrap();
    assert!(refresh.run().await.unwrap().items > 0);

    let now = app.clock.now_ms();
    let rooms = ["30000000001@chatroom", "30000000002@chatroom"];
    let pids = ["9000001_200000001", "9000001_200000002"];
    let mut groups = Vec::new();
    for (room, pid) in rooms.iter().zip(pids) {
        let g = app.store.ensure_group(robot_id(&app), room, true, now).await.unwrap();
        app.store.set_pid(Platform::Pdd, pid, room, PidOwner::Group(g.id), now).await.unwrap();
        groups.push(g.id);
    }
    let plan = Plan {
        name: "测试计划".into(),
        targets: Targets::Groups(groups.clone()),
        source: Source::Selection(Box::new(FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() })),
        schedule: Schedule {
            windows: vec!["0-24".parse().unwrap()],
            cadence: Cadence::EveryMinutes(10),
            cap_per_hour: 6,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().unwrap();
    // Stored as the chat plan of the first group (one way to store plans for now).
    let plan_id = app.store.save_chat_plan(groups[0], &plan, now).await.unwrap();

    let report = run_due(&app.engine, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 2, "{report:?}: group 1 at 10:00, group 2 at 09:55 (staggered by 5 minutes)");
    let sent = eventually("a poster and a text in each group", Duration::from_secs(30), || async {
        let s = app.sim.sims.gewe.sent();
        (s.len() >= 4).then_some(s)
    })
    .await;
    let deliveries = app.store.plan_deliveries(plan_id, 10).await.unwrap();
    for (room, pid) in rooms.iter().zip(pids) {
        let image = sent.iter().find(|m| m.to_wxid == *room && m.kind == SentKind::Image).expect("a poster");
        let text = sent.iter().find(|m| m.to_wxid == *room && m.kind == SentKind::Text).expect("a text");
        let codes = decode_qr(image.image_bytes.as_ref().expect("the gateway fetched the poster"));
        assert_eq!(codes.len(), 1);
        assert!(text.content.contains(&codes[0]), "the text carries the QR's link");
        let target = app.sim.sims.pdd.resolve_short(&codes[0]).expect("a short link the union issued");
        assert!(target.contains(&format!("pid={pid}")), "{room}: {target}");
        let group = groups[rooms.iter().position(|r| r == room).unwrap()];
        let d = deliveries.iter().find(|d| d.group_id == group && d.status == "queued").expect("a delivery row");
        assert_eq!(d.promotion_url.as_deref(), Some(codes[0].as_str()));
    }

    // The same slots again: nothing new.
    assert_eq!(run_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 0);
    assert_eq!(app.store.outbox_for(rooms[0]).await.unwrap().len(), 2);

    // Ten minutes on: the next slot of each group, with an item that group has not had.
    app.clock.advance_ms(600_000);
    app.sim.sims.pdd.set_now(Some(T0 + 660));
    assert_eq!(run_due(&app.engine, app.clock.now_ms()).await.unwrap().queued, 2);
    let deliveries = app.store.plan_deliveries(plan_id, 10).await.unwrap();
    for g in &groups {
        let keys: Vec<&str> = deliveries
            .iter()
            .filter(|d| d.group_id == *g && d.status == "queued")
            .map(|d| d.item_key.as_str())
            .collect();
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0], keys[1], "no item twice in a group");
    }
}
