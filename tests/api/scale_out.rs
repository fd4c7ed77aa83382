//! Three instances on one PostgreSQL database (the real binary, three times) share one robot and the webhook load:
//! members' links arrive at all three, a plan fans a post out to many groups, and the instance sending for the robot
//! is killed with -9 mid-way (80 groups: see `GROUPS`). The survivors take its work over once its leases expire. At the end every message is
//! answered once, every group has the post once, a reply's poster comes before its text, and no two sends of the
//! robot arrived closer than its minimum gap (the simulator's arrival times).
//!
//! PostgreSQL itself is not restarted here: the test server is shared by every test and runs as another user, so
//! stopping it from a test is not possible without root.

use crate::helpers::*;
use dealbot::clock::Clock;
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets};
use dealbot::sim::gewe::SentKind;
use dealbot::store::pids::PidOwner;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SECRET: &str = "scale-out-webhook-secret-0123";
/// The fan-out's groups. 200 do not fit the test's three minutes in a debug build on a two-core machine (the
/// posting run's conversions, photos and posters, not the sending: 116 of 200 groups in 170 s measured), so the
/// test fans out to 80; `fanout_crash.rs` covers 200 groups with one instance.
const GROUPS: usize = 80;
/// Groups whose members paste links, and how many links in all.
const TALKING_GROUPS: usize = 20;
const MESSAGES: usize = 40;
const MIN_GAP_MS: u64 = 50;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn room(i: usize) -> String {
    format!("{}@chatroom", 33_000_000_000u64 + i as u64)
}

/// JD items the union promotes (commission above zero), one per message.
fn promotable_skus() -> Vec<u64> {
    (100_087_654_300u64..)
        .filter(|sku| dealbot::sim::catalog::item_by_id(Platform::Jd, *sku).commission_bps > 0)
        .take(MESSAGES)
        .collect()
}

/// A member of group `g` pastes a JD link (message `i`).
fn link_message(i: usize, sku: u64, g: usize) -> serde_json::Value {
    let text = format!("https://item.jd.com/{sku}.html");
    let mut body = group_text(9_300_000_000_000_000_000 + i as u64, &text, now_secs());
    body["Data"]["FromUserName"]["string"] = room(g).into();
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_a_robot_and_take_over_from_one_killed_mid_fan_out() {
    let started = Instant::now();
    let sim = SimServer::start().await;
    sim.sims.gewe.delay_responses(Duration::from_millis(20));
    let db = TestDb::postgres().await;
    let ports = [free_port(), free_port(), free_port()];
    // Media is served by instance 0 (behind a load balancer any instance would do); it is never the one killed.
    let mut settings =
        dealbot::demo::settings_for_simulators(&sim.base, &format!("http://127.0.0.1:{}", ports[0]), &db.url, SECRET);
    settings.orders.enabled = false;
    settings.feeds.enabled = false;
    settings.chat.dnd_hours = String::new();
    settings.chat.reply_budget_per_minute = 1_000;
    settings.outbox.lease_ms = 2_000;
    settings.robots[0].min_send_interval_ms = MIN_GAP_MS;
    settings.robots[0].send_jitter_ms = 0;
    settings.robots[0].min_group_interval_ms = 0;
    let dir = tempfile::tempdir().unwrap();
    let configs: Vec<_> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let mut s = settings.clone();
            s.server.port = *port;
            let path = dir.path().join(format!("dealbot-{i}.toml"));
            std::fs::write(&path, toml::to_string(&s).unwrap()).unwrap();
            path
        })
        .collect();

    // The library, the groups with their own PIDs and a plan posting to all of them once a day, a minute ago.
    let store = db.store().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let affiliates = dealbot::affiliate::Affiliates::from_settings(&settings.affiliate, http.clone());
    let clock = Clock::system();
    let refresh = FeedRefresh::for_platform(&store, &affiliates, Platform::Pdd, &settings.feeds, &clock).unwrap();
    assert!(refresh.run().await.unwrap().items > 0);
    let r = &settings.robots[0];
    let robot = store.upsert_robot(&r.name, &r.app_id, &r.wxid, "", 1).await.unwrap();
    let now = clock.now_ms();
    let mut groups = Vec::new();
    for i in 0..GROUPS {
        let g = store.ensure_group(robot.id, &room(i), true, now).await.unwrap();
        let pid = format!("9000001_{}", 230_000_000 + i);
        store.set_pid(Platform::Pdd, &pid, &room(i), PidOwner::Group(g.id), now).await.unwrap();
        sim.sims.pdd.authorize_member(&pid, "p0");
        groups.push(g.id);
    }
    let offset_secs = settings.chat.utc_offset_hours * 3600;
    let minute_ago = u16::try_from(((now / 1000 + offset_secs).rem_euclid(86_400) / 60 - 1).max(0)).unwrap();
    let plan = Plan {
        name: "三实例扇出".into(),
        targets: Targets::Groups(groups.clone()),
        source: Source::Selection(Box::new(FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() })),
        schedule: Schedule {
            windows: vec!["0-24".parse().unwrap()],
            cadence: Cadence::At(vec![minute_ago]),
            cap_per_hour: 6,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().unwrap();
    let plan_id = store.save_chat_plan(groups[0], &plan, now).await.unwrap();

    // Instances 1 and 2 start first, so one of them takes the robot (and is killed); instance 0 joins after.
    let mut bots: Vec<Option<Dealbot>> =
        vec![None, Some(Dealbot::serve(&configs[1])), Some(Dealbot::serve(&configs[2]))];
    let holder = eventually("an instance holds the robot", Duration::from_secs(60), || async {
        let row = sqlx::query("SELECT holder FROM outbox_robots WHERE lease_until > 0")
            .fetch_optional(store.pool())
            .await
            .unwrap()?;
        let holder: String = sqlx::Row::get(&row, "holder");
        (!holder.is_empty()).then_some(holder)
    })
    .await;
    bots[0] = Some(Dealbot::serve(&configs[0]));
    let pid_of = |b: &Option<Dealbot>| b.as_ref().map(|b| b.0.id());
    let victim = (1..3).find(|i| holder.starts_with(&format!("{}-", pid_of(&bots[*i]).unwrap()))).expect("1 or 2");
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}/webhook/gewe/{}/{SECRET}", settings.robots[0].name))
        .collect();
    eventually("all three instances answer", Duration::from_secs(60), || async {
        for p in ports {
            http.get(format!("http://127.0.0.1:{p}/healthz")).send().await.ok()?;
        }
        Some(())
    })
    .await;

    let skus = promotable_skus();
    // The first half of the links, spread over the three instances (as a load balancer would).
    let post = |url: String, body: serde_json::Value| {
        let http = http.clone();
        async move { http.post(url).json(&body).send().await.map(|r| r.status().as_u16()) }
    };
    for i in 0..MESSAGES / 2 {
        assert_eq!(post(urls[i % 3].clone(), link_message(i, skus[i], i % TALKING_GROUPS)).await.unwrap(), 200);
    }
    eventually("sixty messages delivered", Duration::from_secs(90), || async {
        (sim.sims.gewe.sent().len() >= 60).then_some(())
    })
    .await;
    let mut killed = bots[victim].take().unwrap();
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    let at_kill = sim.sims.gewe.sent().len();
    assert!(at_kill < 2 * GROUPS, "killed mid fan-out ({at_kill} messages)");
    // The second half reaches the survivors only.
    let survivors: Vec<&String> = (0..3).filter(|i| *i != victim).map(|i| &urls[i]).collect();
    for i in MESSAGES / 2..MESSAGES {
        let url = survivors[i % 2].clone();
        assert_eq!(post(url, link_message(i, skus[i], i % TALKING_GROUPS)).await.unwrap(), 200);
    }

    let expected = 2 * GROUPS + 2 * MESSAGES;
    // Waits for the work, within the test's three minutes; the counts below tell what was missing, if anything.
    let deadline = started + Duration::from_secs(170);
    while Instant::now() < deadline {
        let sent = store.outbox_count("sent").await.unwrap();
        let done = store.count_inbound("done").await.unwrap();
        if sim.sims.gewe.sent().len() >= expected && sent == expected as i64 && done == MESSAGES as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "scale-out progress: {} delivered, {} rows sent, {} messages done, {} queued rows, {} deliveries",
        sim.sims.gewe.sent().len(),
        store.outbox_count("sent").await.unwrap(),
        store.count_inbound("done").await.unwrap(),
        store.outbox_count("queued").await.unwrap(),
        store.plan_deliveries(plan_id, 10_000).await.unwrap().len(),
    );
    // Let a late duplicate show up if there is one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(bots);

    let sent = sim.sims.gewe.sent();
    let attempts = sim.sims.gewe.send_attempts();
    let mut gaps: Vec<u128> =
        attempts.windows(2).map(|w| w[1].at.duration_since(w[0].at).unwrap_or_default().as_millis()).collect();
    gaps.sort();
    let under = gaps.iter().filter(|g| **g < u128::from(MIN_GAP_MS)).count();
    let mut by_key: BTreeMap<(String, String, Option<usize>), usize> = BTreeMap::new();
    for m in &sent {
        let bytes = m.image_bytes.as_ref().map(|b| b.len());
        *by_key.entry((m.to_wxid.clone(), m.content.clone(), bytes)).or_default() += 1;
    }
    let duplicates = by_key.values().filter(|n| **n > 1).count();
    eprintln!(
        "scale-out: {} sends, {} send calls, {duplicates} duplicates, {under} gaps under {MIN_GAP_MS} ms, smallest gap {} ms, \
         median {} ms, killed instance {victim} after {at_kill} sends, {:.1} s in all",
        sent.len(),
        attempts.len(),
        gaps.first().copied().unwrap_or_default(),
        gaps.get(gaps.len() / 2).copied().unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(sent.len(), expected, "no message twice, none lost");
    assert_eq!(duplicates, 0);
    assert_eq!(under, 0, "the robot's minimum gap holds across instances");
    for g in 0..GROUPS {
        let kinds: Vec<SentKind> = sent.iter().filter(|m| m.to_wxid == room(g)).map(|m| m.kind).collect();
        let replies = if g < TALKING_GROUPS { MESSAGES / TALKING_GROUPS } else { 0 };
        assert_eq!(kinds.len(), 2 * (1 + replies), "{}: the post once and each reply once", room(g));
        for pair in kinds.chunks(2) {
            assert_eq!(pair, [SentKind::Image, SentKind::Text], "{}: a poster, then its text", room(g));
        }
    }
    let deliveries = store.plan_deliveries(plan_id, 10_000).await.unwrap();
    assert_eq!(deliveries.iter().filter(|d| d.status == "queued").count(), GROUPS, "one delivery per group");
    // The ledger is balanced: every account's balance is the sum of its entries.
    let unbalanced = sqlx::query(
        "SELECT b.account_kind FROM ledger_balances b
         LEFT JOIN (SELECT account_kind, account_id, SUM(pending_delta) AS p, SUM(available_delta) AS a
                    FROM ledger_entries GROUP BY account_kind, account_id) e
           ON e.account_kind = b.account_kind AND e.account_id = b.account_id
         WHERE b.pending <> COALESCE(e.p, 0) OR b.available <> COALESCE(e.a, 0)",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(unbalanced.is_empty(), "ledger balances equal the sums of their entries");
    assert!(started.elapsed() < Duration::from_secs(180), "under three minutes");
}
