//! 微信群采集 through the posting engine: a forwarded deal waits in each target group's posting queue and goes out
//! within that group's pacing (a collection plan's caps, or the source's own), so a burst from a source does not
//! flood any group; the rest wait, then go or are skipped with their reason. The per-group de-duplication is shared
//! with plans: the same item from a plan and from collection reaches a group once within the period.

use crate::admin_helpers::{partner_group, robot_id};
use crate::helpers::{TestApp, TestDb, eventually, group_text};
use dealbot::collection::SourceSpec;
use dealbot::feeds::FeedItem;
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets, post_now};
use dealbot::sim::catalog;
use dealbot::store::pids::PidOwner;
use dealbot::store::posting_queue::QueuedPost;
use serde_json::{Value, json};
use std::time::Duration;

on_both_engines!(
    a_burst_of_30_source_deals_in_one_minute_floods_no_group,
    the_same_item_from_a_plan_and_from_collection_reaches_a_group_once
);

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;
const TARGETS: [&str; 2] = ["48000000001@chatroom", "48000000002@chatroom"];
const PIDS: [u64; 2] = [3_100_000_301, 3_100_000_302];
const SOURCE: &str = "48000000101@chatroom";
const POSTER: &str = "wxid_xianbao_poster";

fn said(room: &str, sender: &str, id: u64, text: &str) -> Value {
    let mut v = group_text(id, text, T0 + 60);
    v["Data"]["FromUserName"]["string"] = json!(room);
    v["Data"]["Content"]["string"] = json!(format!("{sender}:\n{text}"));
    v["Data"]["PushContent"] = json!(format!("线报员 : {text}"));
    v
}

/// JD items the union promotes (a commission above zero), by sku.
fn jd_skus(n: usize) -> Vec<u64> {
    (100_012_050_000u64..).filter(|id| catalog::item_by_id(Platform::Jd, *id).commission_bps > 0).take(n).collect()
}

/// Two target groups with their own JD positions and a source forwarding to both with `spec`; returns the
/// target group ids and the source's.
async fn setup(db: TestDb, spec: SourceSpec) -> (TestApp, Vec<i64>, i64) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    app.clock.advance_ms((T0 + 60) * 1000 - app.clock.now_ms());
    app.sim.sims.jd.set_now(Some(T0 + 60));
    app.sim.sims.jd.set_automatic_orders(false);
    let now = app.clock.now_ms();
    let mut targets = Vec::new();
    for (n, (room, pid)) in TARGETS.iter().zip(PIDS).enumerate() {
        let (g, _) = partner_group(&app, &format!("群主{n}"), room, &format!("福利群{n}")).await;
        app.sim.sims.jd.add_position(pid, &format!("福利群{n}"));
        app.store.set_pid(Platform::Jd, &pid.to_string(), room, PidOwner::Group(g), now).await.unwrap();
        targets.push(g);
    }
    let source = app.store.ensure_group(robot_id(&app), SOURCE, false, now).await.unwrap().id;
    let spec = SourceSpec { targets: targets.clone(), senders: vec![POSTER.into()], ..spec };
    spec.validate(source).unwrap();
    app.store.save_collect_source(source, &spec, now).await.unwrap();
    (app, targets, source)
}

async fn queue_of(app: &TestApp, group: i64) -> Vec<QueuedPost> {
    app.store.queued_posts(group, 1000).await.unwrap()
}

fn count(posts: &[QueuedPost], status: &str, reason: Option<&str>) -> usize {
    posts.iter().filter(|p| p.status == status && p.reason.as_deref() == reason).count()
}

/// A plan that paces collection's deals in `group` as they come, at most `cap_per_hour` an hour.
async fn collection_plan(app: &TestApp, group: i64, cap_per_hour: u32) -> i64 {
    let plan = Plan {
        name: "采集随到随发".into(),
        targets: Targets::Groups(vec![group]),
        source: Source::Collection,
        schedule: Schedule {
            windows: vec!["0-24".parse().unwrap()],
            cadence: Cadence::AsTheyCome,
            cap_per_hour,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().unwrap();
    app.store.save_chat_plan(group, &plan, app.clock.now_ms()).await.unwrap()
}

async fn a_burst_of_30_source_deals_in_one_minute_floods_no_group(db: TestDb) {
    // The first group is paced by the source (3 an hour, no gap), the second by a collection plan (2 an hour).
    let spec = SourceSpec { gap_secs: 0, cap_per_hour: 3, max_wait_mins: 120, ..SourceSpec::default() };
    let (app, targets, source) = setup(db, spec).await;
    let plan_id = collection_plan(&app, targets[1], 2).await;

    for (n, sku) in jd_skus(30).into_iter().enumerate() {
        let text = format!("【京东】好物{n} 券后 9.9\nhttps://item.jd.com/{sku}.html");
        app.post_callback(&said(SOURCE, POSTER, 9_300_001 + n as u64, &text)).await;
    }
    eventually("the 30 deals forwarded into the queues", Duration::from_secs(120), || async {
        let rows = app.store.recent_collect_messages(Some(source), 100).await.unwrap();
        (rows.len() == 30 && rows.iter().all(|m| m.outcome == "forwarded")).then_some(())
    })
    .await;
    let (first, second) = (queue_of(&app, targets[0]).await, queue_of(&app, targets[1]).await);
    assert_eq!((count(&first, "queued", None), count(&first, "waiting", None)), (3, 27), "the source's cap");
    assert_eq!((count(&second, "queued", None), count(&second, "waiting", None)), (2, 28), "the plan's cap");
    assert_eq!(app.store.outbox_for(TARGETS[0]).await.unwrap().len(), 6, "3 deals: a poster and a text each");
    assert_eq!(app.store.outbox_for(TARGETS[1]).await.unwrap().len(), 4, "2 deals");
    let rows = app.store.plan_deliveries(plan_id, 100).await.unwrap();
    assert_eq!(rows.iter().filter(|d| d.status == "queued" && d.group_id == targets[1]).count(), 2, "{rows:?}");
    // The oldest go first.
    let served: Vec<i64> = first.iter().filter(|p| p.status == "queued").map(|p| p.message_id).collect();
    let waiting_min = first.iter().filter(|p| p.status == "waiting").map(|p| p.message_id).min().unwrap();
    assert!(served.iter().all(|m| *m < waiting_min), "{served:?} before {waiting_min}");

    // An hour on, the caps let out the next ones; the rest keep waiting.
    app.clock.advance_ms(3_601_000);
    dealbot::posting::queue::serve(&app.engine, app.clock.now_ms(), None).await.unwrap();
    let (first, second) = (queue_of(&app, targets[0]).await, queue_of(&app, targets[1]).await);
    assert_eq!((count(&first, "queued", None), count(&first, "waiting", None)), (6, 24));
    assert_eq!((count(&second, "queued", None), count(&second, "waiting", None)), (4, 26));

    // Past the longest wait, what still waits is skipped with its reason, and nothing more is sent.
    app.clock.advance_ms(3_600_000);
    dealbot::posting::queue::serve(&app.engine, app.clock.now_ms(), None).await.unwrap();
    let (first, second) = (queue_of(&app, targets[0]).await, queue_of(&app, targets[1]).await);
    assert_eq!((count(&first, "queued", None), count(&first, "skipped", Some("expired"))), (6, 24));
    assert_eq!((count(&second, "queued", None), count(&second, "skipped", Some("expired"))), (4, 26));
    assert_eq!(app.store.outbox_for(TARGETS[0]).await.unwrap().len(), 12);
    assert_eq!(app.store.outbox_for(TARGETS[1]).await.unwrap().len(), 8);
}

/// The JD item `sku` in the library, as the union lists it now.
async fn library_item(app: &TestApp, sku: u64) -> i64 {
    let product = app.engine.affiliates.jd.as_ref().unwrap().goods(&sku.to_string()).await.unwrap();
    let entry = dealbot::affiliate::feed::FeedEntry { product, short_title: None, category: None };
    let item = FeedItem::from_entry(entry, "test");
    app.store.upsert_feed_items(std::slice::from_ref(&item), app.clock.now_ms()).await.unwrap();
    let only = dealbot::feeds::FeedFilter { platforms: vec![Platform::Jd], ..Default::default() };
    let stored = app.store.feed_items(&only, dealbot::feeds::FeedSort::Commission, 100, 0).await.unwrap();
    stored.into_iter().find(|s| s.item.key == sku.to_string()).unwrap().id
}

/// A plan posting the library items `items` to `group`, stored switched off (it posts only when told to).
async fn items_plan(app: &TestApp, group: i64, items: Vec<i64>) -> dealbot::store::posting::StoredPlan {
    let plan = Plan {
        name: "指定商品".into(),
        targets: Targets::Groups(vec![group]),
        source: Source::Items(items),
        schedule: Schedule {
            windows: vec!["0-24".parse().unwrap()],
            cadence: Cadence::EveryMinutes(30),
            cap_per_hour: 0,
            cap_per_day: 0,
        },
        enabled: false,
        content: Default::default(),
    };
    let id = app.store.save_chat_plan(group, &plan, app.clock.now_ms()).await.unwrap();
    app.store.chat_plan(group).await.unwrap().filter(|p| p.id == id).unwrap()
}

async fn the_same_item_from_a_plan_and_from_collection_reaches_a_group_once(db: TestDb) {
    let spec = SourceSpec { gap_secs: 0, ..SourceSpec::default() };
    let (app, targets, _source) = setup(db, spec).await;
    let skus = jd_skus(2);

    // A plan posts the first item to the first group.
    let first_item = library_item(&app, skus[0]).await;
    let plan = items_plan(&app, targets[0], vec![first_item]).await;
    let report = post_now(&app.engine, &plan, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 1, "{report:?}");

    // The same item from the source: the first group had it, the second gets it.
    let text = format!("【京东】好物 券后 9.9\nhttps://item.jd.com/{}.html", skus[0]);
    app.post_callback(&said(SOURCE, POSTER, 9_400_001, &text)).await;
    let (first, second) = eventually("the deal decided in both groups", Duration::from_secs(60), || async {
        let (first, second) = (queue_of(&app, targets[0]).await, queue_of(&app, targets[1]).await);
        let decided = |q: &[QueuedPost]| !q.is_empty() && q.iter().all(|p| p.status != "waiting");
        (decided(&first) && decided(&second)).then_some((first, second))
    })
    .await;
    assert_eq!((first[0].status.as_str(), first[0].reason.as_deref()), ("skipped", Some("duplicate")), "{first:?}");
    assert_eq!(count(&second, "queued", None), 1, "{second:?}");
    assert_eq!(app.store.outbox_for(TARGETS[0]).await.unwrap().len(), 2, "only the plan's poster and text");

    // The other way round: collection forwards the second item to both groups; a plan then has nothing for the
    // first group within the period.
    let text = format!("【京东】又一个好物 券后 19.9\nhttps://item.jd.com/{}.html", skus[1]);
    app.post_callback(&said(SOURCE, POSTER, 9_400_002, &text)).await;
    eventually("the second deal queued in both groups", Duration::from_secs(60), || async {
        let a = count(&queue_of(&app, targets[0]).await, "queued", None);
        let b = count(&queue_of(&app, targets[1]).await, "queued", None);
        (a == 1 && b == 2).then_some(())
    })
    .await;
    let second_item = library_item(&app, skus[1]).await;
    let plan = items_plan(&app, targets[0], vec![second_item]).await;
    app.clock.advance_ms(60_000);
    let report = post_now(&app.engine, &plan, app.clock.now_ms()).await.unwrap();
    assert_eq!(report.queued, 0, "{report:?}");
    assert_eq!(app.store.outbox_for(TARGETS[0]).await.unwrap().len(), 4, "the plan's post and the forwarded deal");
}
