//! Kill -9 during a fan-out to 200 groups: the real binary starts a plan's posts to 200 groups, is killed while they
//! are being queued and sent, and is started again; every group gets the post exactly once, none is skipped.
//!
//! A post's sends and its delivery row are one transaction (`Store::queue_post`), so a slot the kill interrupted
//! has neither and is served again, and a slot that has its row has its sends. Sends follow the outbox's policy
//! (`store/outbox.rs`): the send in flight at the kill is sent again; the simulated gateway records a message only
//! when it answers, as a real gateway drops a request whose client vanished, and the test kills while a send is in
//! flight, so exactly one copy of each message arrives.

use crate::helpers::*;
use dealbot::clock::Clock;
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets};
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use std::time::{Duration, SystemTime};

const SECRET: &str = "fanout-crash-webhook-secret-01";
const GROUPS: usize = 200;

#[tokio::test]
async fn kill_9_during_a_200_group_fan_out_posts_to_every_group_exactly_once() {
    let sim = SimServer::start().await;
    sim.sims.gewe.delay_responses(Duration::from_millis(100));
    let db = TestDb::sqlite().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut settings =
        dealbot::demo::settings_for_simulators(&sim.base, &format!("http://127.0.0.1:{port}"), &db.url, SECRET);
    settings.server.port = port;
    settings.orders.enabled = false;
    settings.feeds.enabled = false;
    settings.chat.dnd_hours = String::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dealbot.toml");
    std::fs::write(&config, toml::to_string(&settings).unwrap()).unwrap();

    // The library, 200 groups with their own PIDs and a plan posting to all of them once a day, a minute before
    // the robot starts.
    let store = db.store().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let affiliates = dealbot::affiliate::Affiliates::from_settings(&settings.affiliate, http);
    let clock = Clock::system();
    let refresh = FeedRefresh::for_platform(&store, &affiliates, Platform::Pdd, &settings.feeds, &clock).unwrap();
    assert!(refresh.run().await.unwrap().items > 0);
    let r = &settings.robots[0];
    let robot = store.upsert_robot(&r.name, &r.app_id, &r.wxid, "", 1).await.unwrap();
    let now = clock.now_ms();
    let mut groups = Vec::new();
    for i in 0..GROUPS {
        let room = format!("{}@chatroom", 32_000_000_000u64 + i as u64);
        let g = store.ensure_group(robot.id, &room, true, now).await.unwrap();
        let pid = format!("9000001_{}", 220_000_000 + i);
        store.set_pid(Platform::Pdd, &pid, &room, PidOwner::Group(g.id), now).await.unwrap();
        // The operator 备案'd the PID with its own uid, so each post converts in one call.
        sim.sims.pdd.authorize_member(&pid, "p0");
        groups.push((g.id, room));
    }
    let offset_secs = settings.chat.utc_offset_hours * 3600;
    let minute_ago = u16::try_from(((now / 1000 + offset_secs).rem_euclid(86_400) / 60 - 1).max(0)).unwrap();
    let plan = Plan {
        name: "崩溃扇出".into(),
        targets: Targets::Groups(groups.iter().map(|g| g.0).collect()),
        source: Source::Selection(Box::new(FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() })),
        schedule: Schedule {
            windows: vec!["0-24".parse().unwrap()],
            // One slot a day, a minute ago: the restarted robot serves exactly that slot, and no later slot of the
            // plan falls due while the test runs, however long a loaded machine takes.
            cadence: Cadence::At(vec![minute_ago]),
            cap_per_hour: 6,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().unwrap();
    let plan_id = store.save_chat_plan(groups[0].0, &plan, now).await.unwrap();

    let mut child = Dealbot::serve(&config);
    eventually("twenty messages delivered", Duration::from_secs(120), || async {
        (sim.sims.gewe.sent().len() >= 20).then_some(())
    })
    .await;
    // Kill while the next send is in flight: after the last delivery, before the gateway answers.
    eventually("a send in flight", Duration::from_secs(60), || async {
        let last = sim.sims.gewe.sent().last().map(|m| m.at)?;
        let since = SystemTime::now().duration_since(last).ok()?;
        (since >= Duration::from_millis(20) && since <= Duration::from_millis(70)).then_some(())
    })
    .await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let delivered_before = sim.sims.gewe.sent().len();
    assert!(delivered_before < 2 * GROUPS, "the kill happened mid fan-out ({delivered_before} messages)");
    // Every row written before the kill has its sends.
    for d in store.plan_deliveries(plan_id, 10_000).await.unwrap() {
        let room = &groups.iter().find(|g| g.0 == d.group_id).unwrap().1;
        assert_eq!(store.outbox_for(room).await.unwrap().len(), 2, "{room}: a delivery row without its sends");
    }

    let child = Dealbot::serve(&config);
    let sent = eventually("a poster and a text in every group", Duration::from_secs(240), || async {
        let s = sim.sims.gewe.sent();
        (s.len() >= 2 * GROUPS).then_some(s)
    })
    .await;
    eventually("every send marked sent", Duration::from_secs(60), || async {
        for (_, room) in &groups {
            let rows = store.outbox_for(room).await.unwrap();
            if rows.len() != 2 || rows.iter().any(|r| r.status != "sent") {
                return None;
            }
        }
        Some(())
    })
    .await;
    drop(child);
    let sent = {
        // Anything that arrived after the count was reached is counted too.
        let late = sim.sims.gewe.sent();
        if late.len() > sent.len() { late } else { sent }
    };
    assert_eq!(sent.len(), 2 * GROUPS, "no message twice");
    for (_, room) in &groups {
        let here: Vec<_> = sent.iter().filter(|m| m.to_wxid == *room).collect();
        assert_eq!(here.iter().filter(|m| m.kind == SentKind::Image).count(), 1, "{room}: one poster");
        assert_eq!(here.iter().filter(|m| m.kind == SentKind::Text).count(), 1, "{room}: one text");
    }
    let deliveries = store.plan_deliveries(plan_id, 10_000).await.unwrap();
    let queued: std::collections::BTreeSet<i64> =
        deliveries.iter().filter(|d| d.status == "queued").map(|d| d.group_id).collect();
    assert_eq!(queued.len(), GROUPS, "one queued delivery per group, none skipped");
    assert_eq!(deliveries.iter().filter(|d| d.status == "queued").count(), GROUPS);
}
