//! A fan-out: one post to 500 groups spread over 5 robots, each group with its own PID, through the real posting
//! run (`posting::run_due`: pre-send re-check, per-group conversion, poster, enqueue with the delivery row) against
//! the in-process simulators on loopback and a SQLite file.
//!
//! Reports the wall time per delivered post (p50/p99; each group is its own one-group plan, served by its own run
//! so it can be timed, with the item re-check shared the way one run shares it), the process CPU time per post over
//! the whole fan-out, peak RSS, and the union calls made.
//! Run: `cargo bench --bench posting`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use dealbot::clock::Clock;
use dealbot::config::RobotSettings;
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets, run_due};
use dealbot::sim::{SimCredentials, Simulators};
use dealbot::startup::{Application, Extras};
use dealbot::store::pids::PidOwner;
use std::time::{Duration, Instant};

const GROUPS: usize = 500;
const ROBOTS: usize = 5;
/// 2026-01-05 00:00 Beijing time.
const DAY: i64 = 1_767_542_400;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// (user + system CPU seconds, peak RSS in KiB) of this process.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let fields: Vec<&str> = stat.rsplit(')').next().expect("fields").split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3).
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks as f64 / 100.0, hwm)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://localhost:{}", listener.local_addr().expect("addr").port());
        let sims = Simulators::new(&SimCredentials::default(), &base);
        sims.pdd.set_require_member_auth(false);
        let router = sims.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let db = format!("sqlite://{}", dir.path().join("bench.db").display());
        let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let public = format!("http://127.0.0.1:{}", app_listener.local_addr().expect("addr").port());
        let mut settings = dealbot::demo::settings_for_simulators(&base, &public, &db, "bench-secret-0123456789");
        settings.affiliate.pdd.qps = 1_000_000;
        settings.orders.enabled = false;
        settings.feeds.enabled = false;
        settings.chat.dnd_hours = String::new();
        let first = settings.robots[0].clone();
        // Five robots; their senders are pointed at a closed port so sending does not mix into the figures.
        settings.robots = (0..ROBOTS)
            .map(|i| RobotSettings {
                name: format!("bench{i}"),
                app_id: format!("{}{i}", first.app_id),
                wxid: format!("wxid_bench{i}"),
                base_url: "http://127.0.0.1:9/v2/api".into(),
                min_send_interval_ms: 3_000,
                send_jitter_ms: 2_000,
                ..first.clone()
            })
            .collect();
        let clock = Clock::system();
        let extras = Extras { clock: Some(clock.clone()), ..Extras::default() };
        let app = Application::build_with_listener(settings.clone(), app_listener, extras).await.expect("app");
        let engine = app.engine.clone();
        let store = engine.store.clone();
        let shutdown = app.shutdown_handle();
        let task = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });

        // The plan's hour is away from now, so the app's own posting worker never serves it.
        let real_hour = (clock.now_secs() / 3600 + 8).rem_euclid(24);
        let hour = if (8..=14).contains(&real_hour) { 18 } else { 11 };
        let run_at = (DAY + hour * 3600 + 590) * 1000;
        sims.pdd.set_now(Some(run_at / 1000));
        let refresh =
            FeedRefresh::for_platform(&store, &engine.affiliates, Platform::Pdd, &settings.feeds, &clock).unwrap();
        refresh.run().await.expect("library");

        let mut robot_ids: Vec<i64> = engine.robots.keys().collect();
        robot_ids.sort_unstable();
        let now = clock.now_ms();
        let mut plans = Vec::new();
        for i in 0..GROUPS {
            let room = format!("{}@chatroom", 33_000_000_000u64 + i as u64);
            let g = store.ensure_group(robot_ids[i % ROBOTS], &room, true, now).await.expect("group");
            let pid = format!("9000001_{}", 230_000_000 + i);
            store.set_pid(Platform::Pdd, &pid, &room, PidOwner::Group(g.id), now).await.expect("pid");
            let plan = Plan {
                name: format!("压测{i}"),
                targets: Targets::Groups(vec![g.id]),
                source: Source::Selection(Box::new(FeedFilter {
                    platforms: vec![Platform::Pdd],
                    ..FeedFilter::default()
                })),
                schedule: Schedule {
                    windows: vec![format!("{hour}-{}", hour + 1).parse().unwrap()],
                    cadence: Cadence::EveryMinutes(10),
                    cap_per_hour: 6,
                    cap_per_day: 0,
                },
                enabled: false,
                content: Default::default(),
            };
            plans.push((g.id, plan));
        }

        let names = [
            "pdd.ddk.goods.detail",
            "pdd.ddk.goods.promotion.url.generate",
            "pdd.ddk.goods.zs.unit.url.gen",
            "pdd.ddk.goods.search",
        ];
        let calls_before: Vec<u64> = names.iter().map(|n| sims.pdd.calls(n)).collect();
        let (cpu_before, _) = usage();
        let mut samples = Vec::with_capacity(GROUPS);
        let mut queued = 0;
        for (gid, plan) in &mut plans {
            plan.enabled = true;
            store.save_chat_plan(*gid, plan, now).await.expect("plan");
            let t = Instant::now();
            queued += run_due(&engine, run_at).await.expect("run").queued;
            samples.push(t.elapsed());
            plan.enabled = false;
            store.save_chat_plan(*gid, plan, now).await.expect("plan");
        }
        let (cpu_after, rss) = usage();
        assert_eq!(queued, GROUPS, "every group got its post");
        samples.sort();
        println!("fan-out: {GROUPS} groups over {ROBOTS} robots, {queued} posts queued");
        println!(
            "wall per delivered post (re-check share + conversion + poster + enqueue): p50 {:.2} ms  p99 {:.2} ms",
            percentile(&samples, 0.50).as_secs_f64() * 1e3,
            percentile(&samples, 0.99).as_secs_f64() * 1e3
        );
        println!(
            "process CPU per post (app + simulators): {:.2} ms; peak RSS {} MiB",
            (cpu_after - cpu_before) * 1e3 / GROUPS as f64,
            rss / 1024
        );
        for (n, before) in names.iter().zip(calls_before) {
            println!("union calls {n}: {}", sims.pdd.calls(n) - before);
        }
        shutdown.shutdown();
        let _ = task.await;
    });
}
