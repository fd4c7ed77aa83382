//! Three instances on one PostgreSQL database (the real binary, three times) share one robot and the webhook load:
//! members' links arrive at all three, a plan fans a post out to many groups (see `GROUPS`), buyers pay through
//! some of the links, and faults strike mid-way:
//!
//! - the instance sending for the robot is killed with -9 exactly while the gateway has a message out and has not
//!   answered yet (the simulated gateway holds that answer): the documented window of the outbox's crash policy
//!   (`store/outbox.rs`), so that one message may arrive twice and no other may;
//! - PostgreSQL is restarted (`-m immediate`, every connection cut) while the survivors send and an order backfill
//!   (`dealbot orders sync`) runs. The test runs its own PostgreSQL cluster (`pg_cluster.rs`): the shared test
//!   server cannot be restarted under the other tests.
//!
//! The survivors take the killed instance's work over once its leases expire. At the end every message is answered
//! once, every group has the post once, a reply's poster comes before its text, no two sends of the robot arrived
//! closer than its minimum gap (the simulator's arrival times), every paid order is booked once and split to the 分,
//! and every account's balance is the sum of its ledger entries.

use crate::helpers::*;
use crate::pg_cluster::PgCluster;
use dealbot::clock::Clock;
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::money::Fen;
use dealbot::order::Lifecycle;
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets};
use dealbot::sim::gewe::{SentKind, SentMessage};
use dealbot::sim::jd::Settlement;
use dealbot::store::Store;
use dealbot::store::ledger::AccountKind;
use dealbot::store::pids::PidOwner;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SECRET: &str = "scale-out-webhook-secret-0123";
/// The fan-out's groups. A fan-out resizes each item's photo once (`poster::photo`), so 200 groups fit: 58 s for the
/// whole test alone on a two-core machine.
const GROUPS: usize = 200;
/// Groups whose members paste links, and how many links in all.
const TALKING_GROUPS: usize = 20;
const MESSAGES: usize = 40;
const MIN_GAP_MS: u64 = 50;
/// Replies whose link a buyer pays through.
const ORDERS: usize = 8;

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

/// What identifies one message in the gateway's log: recipient, text, image size.
fn key(m: &SentMessage) -> (String, String, Option<usize>) {
    (m.to_wxid.clone(), m.content.clone(), m.image_bytes.as_ref().map(|b| b.len()))
}

/// `dealbot orders sync --platform jd --since SINCE` (the backfill) with `config`.
fn backfill(config: &std::path::Path, since: i64) -> Dealbot {
    Dealbot::start(&["orders", "sync", "--platform", "jd", "--since", &since.to_string(), "--config"], config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_a_robot_through_a_kill_at_the_gateway_and_a_database_restart() {
    let started = Instant::now();
    let cluster = PgCluster::start();
    let db_url = cluster.fresh_database().await;
    let sim = SimServer::start().await;
    sim.sims.gewe.delay_responses(Duration::from_millis(20));
    // JD makes orders only of links a buyer pays through; the buyers pay two days back (the union's clock stands
    // there until then), so the orders are finished and settled by the time the backfill reads them.
    let paid_at = now_secs() - 2 * 86_400 - 3_600;
    sim.sims.jd.set_automatic_orders(false);
    sim.sims.jd.set_settlement(Settlement::AfterDays(1));
    sim.sims.jd.set_now(Some(paid_at));
    let ports = [free_port(), free_port(), free_port()];
    // Media is served by instance 0 (behind a load balancer any instance would do); it is never the one killed.
    let mut settings =
        dealbot::demo::settings_for_simulators(&sim.base, &format!("http://127.0.0.1:{}", ports[0]), &db_url, SECRET);
    settings.orders.enabled = false;
    settings.feeds.enabled = false;
    settings.ledger.member_notices = false;
    // A backfill the restart interrupts leaves its lease behind; the next one waits this long at most.
    settings.orders.lease_ttl_secs = 5;
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

    // The library, the groups with their own PIDs and a plan posting to all of them once a day, a minute ago. The
    // talking groups belong to a partner whose agent is another partner, so every order has four shares.
    let store = Store::connect(&db_url, 4).await.unwrap();
    store.migrate().await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let affiliates = dealbot::affiliate::Affiliates::from_settings(&settings.affiliate, http.clone());
    let clock = Clock::system();
    let refresh = FeedRefresh::for_platform(&store, &affiliates, Platform::Pdd, &settings.feeds, &clock).unwrap();
    assert!(refresh.run().await.unwrap().items > 0);
    let r = &settings.robots[0];
    let robot = store.upsert_robot(&r.name, &r.app_id, &r.wxid, "", 1).await.unwrap();
    let now = clock.now_ms();
    let agent = store.create_partner("代理", Some("wxid_chaos_agent"), None, now).await.unwrap();
    let partner = store.create_partner("群主", Some("wxid_chaos_partner"), Some(agent), now).await.unwrap();
    let mut groups = Vec::new();
    for i in 0..GROUPS {
        let g = store.ensure_group(robot.id, &room(i), true, now).await.unwrap();
        let pid = format!("9000001_{}", 230_000_000 + i);
        store.set_pid(Platform::Pdd, &pid, &room(i), PidOwner::Group(g.id), now).await.unwrap();
        sim.sims.pdd.authorize_member(&pid, "p0");
        if i < TALKING_GROUPS {
            store.set_group_partner(g.id, Some(partner), now).await.unwrap();
        }
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
    eventually("an instance holds the robot", Duration::from_secs(60), || async {
        robot_holder(&store).await.filter(|h| !h.is_empty())
    })
    .await;
    bots[0] = Some(Dealbot::serve(&configs[0]));
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
    // Buyers pay through the first replies' links; then the union's clock follows the wall clock again.
    let replies = eventually("replies to pay through", Duration::from_secs(90), || async {
        let texts: Vec<String> = sim
            .sims
            .gewe
            .sent()
            .into_iter()
            .filter(|m| m.kind == SentKind::Text && m.content.contains("u.jd.com"))
            .map(|m| m.content)
            .collect();
        (texts.len() >= ORDERS).then_some(texts)
    })
    .await;
    let bought: Vec<String> = replies[..ORDERS].iter().map(|t| sim.sims.jd.buy(t).expect("a JD link")).collect();
    sim.sims.jd.set_now(None);
    // The backfill runs beside the instances, through the kill and the restart below; it may fail on the restart.
    let mut first_backfill = backfill(&configs[0], paid_at - 3_600);
    eventually("sixty messages delivered", Duration::from_secs(90), || async {
        (sim.sims.gewe.sent().len() >= 60).then_some(())
    })
    .await;

    // Kill -9 the sending instance while the gateway has its message out and has not answered.
    let held = sim.sims.gewe.hold_answer(1);
    let held_index = tokio::time::timeout(Duration::from_secs(30), held.delivered()).await.expect("a send held");
    let holder = robot_holder(&store).await.unwrap_or_default();
    let pid_of = |b: &Option<Dealbot>| b.as_ref().map(|b| b.0.id());
    let victim = (1..3)
        .find(|i| holder.starts_with(&format!("{}-", pid_of(&bots[*i]).unwrap())))
        .unwrap_or_else(|| panic!("instance 1 or 2 sends for the robot, not {holder}"));
    let mut killed = bots[victim].take().unwrap();
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    held.release();
    let at_kill = sim.sims.gewe.sent().len();
    assert!(at_kill < 2 * GROUPS, "killed mid fan-out ({at_kill} messages)");
    // The second half reaches the survivors only.
    let survivors: Vec<&String> = (0..3).filter(|i| *i != victim).map(|i| &urls[i]).collect();
    for i in MESSAGES / 2..MESSAGES {
        let url = survivors[i % 2].clone();
        assert_eq!(post(url, link_message(i, skus[i], i % TALKING_GROUPS)).await.unwrap(), 200);
    }

    // PostgreSQL restarts while the survivors send; every connection of every pool is cut.
    eventually("twenty more messages delivered", Duration::from_secs(90), || async {
        (sim.sims.gewe.sent().len() >= at_kill + 20).then_some(())
    })
    .await;
    let at_restart = sim.sims.gewe.sent().len();
    let restart_began = Instant::now();
    tokio::task::block_in_place(|| cluster.restart());
    let restart_took = restart_began.elapsed();
    drop(store);
    let store = Store::connect(&db_url, 4).await.unwrap();

    let expected = 2 * GROUPS + 2 * MESSAGES;
    // Waits for the work, within the test's three minutes; the counts below tell what was missing, if anything.
    let deadline = started + Duration::from_secs(165);
    while Instant::now() < deadline {
        let sent = store.outbox_count("sent").await.unwrap_or_default();
        let done = store.count_inbound("done").await.unwrap_or_default();
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
    // The backfill that ran through the faults has ended (or failed); run again, it books nothing twice.
    let first_status = tokio::task::block_in_place(|| first_backfill.0.wait().unwrap());
    let status = tokio::task::block_in_place(|| backfill(&configs[0], paid_at - 3_600).0.wait().unwrap());
    assert!(status.success(), "the backfill after the faults: {status}");
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
        *by_key.entry(key(m)).or_default() += 1;
    }
    let held_key = key(&sent[held_index]);
    let held_copies = by_key[&held_key];
    let duplicates = by_key.iter().filter(|(k, n)| **n > 1 && **k != held_key).count();
    eprintln!(
        "scale-out: {} sends, {} send calls, {duplicates} duplicates besides the held send ({held_copies} copies of \
         it), {under} gaps under {MIN_GAP_MS} ms, smallest gap {} ms, median {} ms, killed instance {victim} after \
         {at_kill} sends, PostgreSQL restarted after {at_restart} sends in {:.1} s, first backfill {first_status}, \
         {:.1} s in all",
        sent.len(),
        attempts.len(),
        gaps.first().copied().unwrap_or_default(),
        gaps.get(gaps.len() / 2).copied().unwrap_or_default(),
        restart_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(held_copies <= 2, "the send held at the kill arrives at most twice");
    assert_eq!(duplicates, 0, "no other message twice");
    assert_eq!(sent.len(), expected + held_copies - 1, "none lost");
    assert_eq!(under, 0, "the robot's minimum gap holds across instances");
    for g in 0..GROUPS {
        // The held send's second copy (if any) follows the first: the interrupted row went out again.
        let mut seen_held = false;
        let kinds: Vec<SentKind> = sent
            .iter()
            .filter(|m| m.to_wxid == room(g))
            .filter(|m| !(key(m) == held_key && std::mem::replace(&mut seen_held, true)))
            .map(|m| m.kind)
            .collect();
        let replies = if g < TALKING_GROUPS { MESSAGES / TALKING_GROUPS } else { 0 };
        assert_eq!(kinds.len(), 2 * (1 + replies), "{}: the post once and each reply once", room(g));
        for pair in kinds.chunks(2) {
            assert_eq!(pair, [SentKind::Image, SentKind::Text], "{}: a poster, then its text", room(g));
        }
    }
    let deliveries = store.plan_deliveries(plan_id, 10_000).await.unwrap();
    assert_eq!(deliveries.iter().filter(|d| d.status == "queued").count(), GROUPS, "one delivery per group");

    // Every paid order once, settled, split to the 分 into four shares, each booked once.
    let orders = store.orders_modified_between(Platform::Jd, 0, i64::MAX).await.unwrap();
    let mut keys: Vec<&str> = orders.iter().map(|o| o.order_key.as_str()).collect();
    keys.sort();
    let mut expected_keys: Vec<&str> = bought.iter().map(String::as_str).collect();
    expected_keys.sort();
    assert_eq!(keys, expected_keys, "every paid order stored once");
    let member = store.member_id(MEMBER).await.unwrap().expect("the member who pasted the links");
    let mut shares: BTreeMap<(AccountKind, i64), i64> = BTreeMap::new();
    for o in &orders {
        assert_eq!(o.lifecycle, Lifecycle::Settled, "{o:?}");
        let booked = store.ledger_order(o.id).await.unwrap().unwrap_or_else(|| panic!("{} booked", o.order_key));
        let split = booked.split;
        assert_eq!(split.total(), o.commission(), "{}: the shares sum to the commission", o.order_key);
        assert!(split.rebate > Fen(0) && split.partner > Fen(0) && split.agent > Fen(0), "{split:?}");
        assert_eq!(split.agent2, Fen(0), "{split:?}");
        assert_eq!(booked.holders.member, Some(member), "{booked:?}");
        assert_eq!(booked.holders.partner, Some(partner), "{booked:?}");
        assert_eq!(booked.holders.agent, Some(agent), "{booked:?}");
        // Booked once: the order's entries add up to its commission, all of it available.
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(pending_delta), 0) AS BIGINT) AS p,
                    CAST(COALESCE(SUM(available_delta), 0) AS BIGINT) AS a
             FROM ledger_entries WHERE order_id = $1",
        )
        .bind(o.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
        let (p, a): (i64, i64) = (sqlx::Row::get(&row, "p"), sqlx::Row::get(&row, "a"));
        assert_eq!((p, a), (0, o.commission().0), "{}: booked once", o.order_key);
        *shares.entry((AccountKind::Member, member)).or_default() += split.rebate.0;
        *shares.entry((AccountKind::Partner, partner)).or_default() += split.partner.0;
        *shares.entry((AccountKind::Agent, agent)).or_default() += split.agent.0;
        *shares.entry((AccountKind::Operator, 0)).or_default() += split.operator.0;
    }
    for ((kind, id), amount) in &shares {
        let balance = store.ledger_balance(*kind, *id).await.unwrap();
        assert_eq!(balance, store.ledger_entries_sum(*kind, *id).await.unwrap(), "{kind:?} {id}: balance = entries");
        assert_eq!((balance.pending, balance.available), (0, *amount), "{kind:?} {id}");
    }
    // Every account is balanced: its balance is the sum of its entries.
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

/// The instance holding the robot's sends (`<pid>-<random>`), if any holds it.
async fn robot_holder(store: &Store) -> Option<String> {
    let row = sqlx::query("SELECT holder FROM outbox_robots WHERE lease_until > 0")
        .fetch_optional(store.pool())
        .await
        .ok()??;
    Some(sqlx::Row::get(&row, "holder"))
}
