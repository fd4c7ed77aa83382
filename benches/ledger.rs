//! Ledger benchmark: ingest synthetic paid orders through `Ledger::apply_all` (pages of 500, as order sync hands
//! them over), then time the 30-day per-group money report.
//!
//! `cargo bench --bench ledger -- [--orders N] [--engine sqlite|postgres]` (defaults: 1,000,000 orders, SQLite in
//! a temp dir). PostgreSQL gets a fresh database on `DEALBOT_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`). Not run by `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::local_day;
use dealbot::money::Fen;
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::stats_money::MoneyScope;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const GROUPS: i64 = 50;
const MEMBERS: i64 = 2_000;
const DAYS: i64 = 90;
const PAGE: usize = 500;
const REPORTS: usize = 200;

async fn database(engine: &str) -> (String, Option<tempfile::TempDir>) {
    if engine == "postgres" {
        use sqlx::Connection;
        let admin = std::env::var("DEALBOT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
        let name = format!("dealbot_bench_{:08x}", rand::random::<u32>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        (url.to_string(), None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        (format!("sqlite://{}", dir.path().join("bench.db").display()), Some(dir))
    }
}

fn p(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * q).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let orders: i64 = arg("--orders").map(|v| v.parse().unwrap()).unwrap_or(1_000_000);
    let engine = arg("--engine").unwrap_or_else(|| "sqlite".into());
    let (url, _dir) = database(&engine).await;
    let store = Store::connect(&url, 8).await.unwrap();
    store.migrate().await.unwrap();

    let robot = store.upsert_robot("bench", "wx_bench", "wxid_bench", "bench", 1).await.unwrap();
    let mut groups = Vec::new();
    let mut partners = Vec::new();
    for g in 0..GROUPS {
        let agent = if g % 5 == 0 { None } else { partners.get((g - g % 5) as usize).copied() };
        let partner = store.create_partner(&format!("p{g}"), None, agent, 1).await.unwrap();
        let group = store.ensure_group(robot.id, &format!("{g}@chatroom"), true, 1).await.unwrap().id;
        store.set_group_partner(group, Some(partner), 1).await.unwrap();
        groups.push(group);
        partners.push(partner);
    }
    let mut members = Vec::new();
    for m in 0..MEMBERS {
        let g = groups[(m % GROUPS) as usize];
        members.push(store.touch_member(&format!("wxid_{m}"), None, Some(g), 1).await.unwrap());
    }
    let ledger = Ledger::with_settings(store.clone(), LedgerSettings::default(), 8);
    let end_secs = 1_790_000_000;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let platforms = [Platform::Pdd, Platform::Jd, Platform::Taobao];

    let start = Instant::now();
    let mut page = Vec::with_capacity(PAGE);
    for id in 1..=orders {
        let m = rng.random_range(0..MEMBERS) as usize;
        let g = m % GROUPS as usize;
        let commission = rng.random_range(10..5_000);
        page.push(OrderFacts {
            order_id: id,
            platform: platforms[id as usize % 3],
            order_key: format!("bench-{id}"),
            lifecycle: Lifecycle::Paid,
            commission: Fen(commission),
            paid_amount: Fen(commission * 20),
            group_id: Some(groups[g]),
            partner_id: Some(partners[g]),
            member_id: Some(members[m]),
            paid_at: Some(end_secs - rng.random_range(0..DAYS * 86_400)),
        });
        if page.len() == PAGE || id == orders {
            ledger.apply_all(&page).await.unwrap();
            page.clear();
        }
        if id % 100_000 == 0 {
            eprintln!("{id} orders, {:.0} orders/s", id as f64 / start.elapsed().as_secs_f64());
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{engine}: ingested {orders} paid orders in {:.1} s = {:.0} orders/s",
        elapsed.as_secs_f64(),
        orders as f64 / elapsed.as_secs_f64()
    );

    let last_day = local_day(end_secs, 8);
    let mut samples = Vec::with_capacity(REPORTS);
    let mut lines = 0;
    for i in 0..REPORTS {
        let g = groups[i % groups.len()];
        let t = Instant::now();
        let rows = store.money_report(MoneyScope::Group(g), last_day - 29, last_day, 8).await.unwrap();
        samples.push(t.elapsed());
        lines += rows.len();
    }
    println!(
        "{engine}: 30-day per-group report, {REPORTS} runs ({} rows each on average): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        lines / REPORTS,
        p(&mut samples, 0.5).as_secs_f64() * 1e3,
        p(&mut samples, 0.95).as_secs_f64() * 1e3,
        p(&mut samples, 1.0).as_secs_f64() * 1e3,
    );
    store.close().await;
}
