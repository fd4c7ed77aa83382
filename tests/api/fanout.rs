//! Fan-outs in process: one plan to many groups shares each item's pre-send re-check across the groups, converts
//! once per group, writes each post's sends and delivery row together, and spaces one robot's posts by its pacing
//! instead of queueing them all due at one instant.

use crate::admin_helpers::robot_id;
use crate::helpers::{TestApp, TestDb};
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets, run_due};
use dealbot::store::pids::PidOwner;

/// 2026-01-05 00:00 Beijing time.
const DAY: i64 = 1_767_542_400;
const GROUPS: usize = 40;

on_both_engines!(a_fan_out_shares_the_recheck_and_is_paced_per_robot);

async fn a_fan_out_shares_the_recheck_and_is_paced_per_robot(db: TestDb) {
    let app = TestApp::spawn_on(db, |s| {
        for r in &mut s.robots {
            r.min_send_interval_ms = 500;
            r.send_jitter_ms = 0;
        }
    })
    .await;
    // The plan posts in one daytime hour, run explicitly on DAY when every group has had its first slot (staggered over the first ten minutes); the app's own posting worker
    // (on today's clock) is outside that hour, so it never serves these slots itself.
    let real_hour = (crate::helpers::now_secs() / 3600 + 8).rem_euclid(24);
    let hour = if (8..=14).contains(&real_hour) { 18 } else { 11 };
    let run_at = (DAY + hour * 3600 + 590) * 1000;
    app.sim.sims.pdd.set_now(Some(run_at / 1000));
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
    let mut groups = Vec::new();
    for i in 0..GROUPS {
        let room = format!("{}@chatroom", 31_000_000_000u64 + i as u64);
        let g = app.store.ensure_group(robot_id(&app), &room, true, now).await.unwrap();
        let pid = format!("9000001_{}", 210_000_000 + i);
        app.store.set_pid(Platform::Pdd, &pid, &room, PidOwner::Group(g.id), now).await.unwrap();
        groups.push((g.id, room));
    }
    let plan = Plan {
        name: "扇出计划".into(),
        targets: Targets::Groups(groups.iter().map(|g| g.0).collect()),
        source: Source::Selection(Box::new(FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() })),
        schedule: Schedule {
            windows: vec![format!("{hour}-{}", hour + 1).parse().unwrap()],
            cadence: Cadence::EveryMinutes(10),
            cap_per_hour: 6,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().unwrap();
    let plan_id = app.store.save_chat_plan(groups[0].0, &plan, now).await.unwrap();

    let pdd = &app.sim.sims.pdd;
    let detail_before = pdd.calls("pdd.ddk.goods.detail");
    let generate = |p: &dealbot::sim::pdd::PddSim| {
        p.calls("pdd.ddk.goods.zs.unit.url.gen") + p.calls("pdd.ddk.goods.promotion.url.generate")
    };
    let generate_before = generate(pdd);
    let report = run_due(&app.engine, run_at).await.unwrap();
    assert_eq!(report.queued, GROUPS, "{report:?}");
    assert_eq!(report.skipped, 0, "{report:?}");

    // Every group got the same first item: one re-check for all of them, one conversion per group, and the
    // item's details read once (the re-check leaves its reading for the conversions).
    let deliveries = app.store.plan_deliveries(plan_id, 1000).await.unwrap();
    let queued: Vec<_> = deliveries.iter().filter(|d| d.status == "queued").collect();
    assert_eq!(queued.len(), GROUPS);
    let items: std::collections::BTreeSet<&str> = queued.iter().map(|d| d.item_key.as_str()).collect();
    assert_eq!(items.len(), 1, "one item for the whole fan-out");
    // (A conversion may call the link API twice, when PDD refuses the member parameter and it converts again with
    // the PID only.)
    let conversions = generate(pdd) - generate_before;
    let details = pdd.calls("pdd.ddk.goods.detail") - detail_before;
    assert!((GROUPS as u64..2 * GROUPS as u64).contains(&conversions), "one conversion per group: {conversions}");
    assert!((1..=2).contains(&details), "one re-check and one shared item lookup for the fan-out: {details}");

    // Paced: the k-th post of the robot is due k × 2 × (2 messages × 500 ms) after the run, both its messages
    // at once; and every delivery row has its sends.
    let mut due: Vec<i64> = Vec::new();
    for (_, room) in &groups {
        let rows = app.store.outbox_for(room).await.unwrap();
        assert_eq!(rows.len(), 2, "{room}: poster and text queued with the delivery row");
        let first = rows.iter().map(|r| r.next_attempt_at).min().unwrap();
        assert!(rows.iter().all(|r| r.idempotency_key.starts_with(&format!("post:{plan_id}:"))));
        due.push(first);
    }
    // Rows already sent keep the due time they were queued with; sort what we saw.
    due.sort_unstable();
    let expected: Vec<i64> = (0..GROUPS as i64).map(|k| run_at + k * 2_000).collect();
    assert_eq!(due, expected, "posts spaced by the robot's pacing, not all due at once");

    // The same slots again: nothing new, no further re-check.
    let detail_mid = pdd.calls("pdd.ddk.goods.detail");
    assert_eq!(run_due(&app.engine, run_at + 5_000).await.unwrap().queued, 0);
    assert_eq!(pdd.calls("pdd.ddk.goods.detail"), detail_mid);
}
