//! Kill -9 during `dealbot orders sync`: the real binary backfills three days of JD orders (seventy-odd one-hour
//! windows against a slow union), is killed mid-way, and the same command run again finishes the job. Every order
//! is stored exactly once, with one creation in its history, and the cursor reaches the end.

use crate::helpers::*;
use dealbot::affiliate::Attribution;
use dealbot::affiliate::jd::JdClient;
use dealbot::order::Lifecycle;
use dealbot::platform::Platform;
use dealbot::sim::SimCredentials;
use dealbot::store::ledger::AccountKind;
use std::process::Command;
use std::time::{Duration, Instant};

fn sync_command(config: &std::path::Path, since: i64) -> Dealbot {
    Dealbot::start(&["orders", "sync", "--platform", "jd", "--since", &since.to_string(), "--config"], config)
}

#[tokio::test]
async fn kill_9_during_an_order_backfill_loses_and_doubles_nothing() {
    let sim = SimServer::start().await;
    let db = TestDb::sqlite().await;
    let creds = SimCredentials::default();
    let settings =
        dealbot::demo::settings_for_simulators(&sim.base, "http://localhost:1", &db.url, "unused-secret-0123456789");
    let client = JdClient::new(settings.affiliate.jd.clone(), reqwest::Client::builder().no_proxy().build().unwrap());

    // Ninety-six conversions, one every 45 minutes over the last three days: as many JD orders.
    let start = now_secs() - 3 * 86_400 - 3_600;
    sim.sims.jd.set_now(Some(start));
    let reference = dealbot::links::recognize("https://item.jd.com/100012043978.html").remove(0);
    for i in 0..96 {
        let attr = Attribution { member: Some(format!("m{i}")), ..Attribution::pid_only("3100000001") };
        client.convert(&reference, &attr).await.unwrap();
        sim.sims.jd.advance(Duration::from_secs(45 * 60));
    }
    sim.sims.jd.set_now(None);
    sim.sims.jd.set_order_delay(Duration::from_millis(40));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dealbot.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[database]
url = "{db}"
[affiliate.jd]
enabled = true
gateway_url = "{base}/jd/routerjson"
app_key = "{key}"
app_secret = "{secret}"
default_pid = "3100000001"
qps = 50
[orders]
lease_ttl_secs = 2
"#,
            db = db.url,
            base = sim.base,
            key = creds.jd_app_key,
            secret = creds.jd_app_secret,
        ),
    )
    .unwrap();

    let store = db.store().await;
    let mut child = sync_command(&config, start);
    eventually("a third of the orders stored", Duration::from_secs(60), || async {
        (store.count_orders(Platform::Jd).await.unwrap() >= 30).then_some(())
    })
    .await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let stored_at_kill = store.count_orders(Platform::Jd).await.unwrap();
    assert!(stored_at_kill < 96, "killed mid-way ({stored_at_kill} of 96 stored)");

    let mut child = sync_command(&config, start);
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(began.elapsed() < Duration::from_secs(120), "the second run finishes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");

    let orders = store.orders_modified_between(Platform::Jd, 0, i64::MAX).await.unwrap();
    assert_eq!(orders.len(), 96, "every order stored");
    let mut members: Vec<i64> = Vec::new();
    for o in &orders {
        let events = store.order_events(o.id).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.note == "new").count(), 1, "{o:?}: {events:?}");
        members.push(o.member_tag.as_deref().unwrap().trim_start_matches('m').parse().unwrap());
    }
    members.sort();
    assert_eq!(members, (0..96).collect::<Vec<i64>>(), "each conversion's order once");
    assert!(store.orders_awaiting_ledger(10).await.unwrap().is_empty(), "every change handed to the ledger");
    // Nobody to share with: the operator holds every commission, each exactly once.
    let pending: i64 = orders.iter().filter(|o| o.lifecycle.is_pending()).map(|o| o.estimated_commission.0).sum();
    let settled: i64 =
        orders.iter().filter(|o| o.lifecycle == Lifecycle::Settled).map(|o| o.settled_commission.0).sum();
    let operator = store.ledger_balance(AccountKind::Operator, 0).await.unwrap();
    assert_eq!((operator.pending, operator.available), (pending, settled));
    assert!(pending > 0);
    assert_eq!(store.ledger_entries_sum(AccountKind::Operator, 0).await.unwrap(), operator);
    assert!(store.sync_cursor(Platform::Jd).await.unwrap().unwrap() >= now_secs() - 60);

    // The union and the store agree over the whole period.
    sim.sims.jd.set_order_delay(Duration::ZERO);
    // Off the test's runtime thread: the simulators answer on it.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_dealbot"))
            .args(["orders", "reconcile", "--platform", "jd", "--since", &start.to_string(), "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn")
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["union_orders"], 96, "{report}");
    assert_eq!(report["stored_orders"], 96, "{report}");
    for list in ["lost", "extra", "changed", "missing_in_ledger"] {
        assert_eq!(report[list], serde_json::json!([]), "{list}: {report}");
    }
    assert_eq!(report["union_commission"], report["stored_commission"], "{report}");
    assert_eq!(report["ledger_commission"], report["stored_commission"], "{report}");
}
