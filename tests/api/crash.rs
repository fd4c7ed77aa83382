//! Kill -9 with replies queued: the real binary is killed mid-send and restarted; every reply is delivered once.
//!
//! Policy (see `store/outbox.rs`): at-least-once with the gateway response recorded. The row being sent when the
//! process dies is sent again after the restart. The test kills the process while a send is in flight (the
//! simulated gateway holds each response for a while and records the message only when it answers, as a real
//! gateway drops a request whose client vanished), so the interrupted send was never delivered and exactly one
//! copy of each reply arrives.

use crate::helpers::*;
use dealbot::chat::OutboundBody;
use dealbot::outbox::{self, NewOutbox};
use std::time::{Duration, SystemTime};

const SECRET: &str = "crash-test-webhook-secret-0123";

#[tokio::test]
async fn kill_9_with_fifty_replies_queued_delivers_each_exactly_once() {
    let sim = SimServer::start().await;
    sim.sims.gewe.delay_responses(Duration::from_millis(150));
    let db = TestDb::sqlite().await;
    let bot = sim.sims.gewe.bot();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dealbot.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[server]
port = 0
[database]
url = "{db}"
[[robots]]
name = "crash"
base_url = "{base}/gewe/v2/api"
token = "{token}"
app_id = "{app_id}"
wxid = "{wxid}"
webhook_secret = "{SECRET}"
min_send_interval_ms = 0
send_jitter_ms = 0
min_group_interval_ms = 0
"#,
            db = db.url,
            base = sim.base,
            token = dealbot::sim::SimCredentials::default().gewe_token,
            app_id = bot.app_id,
            wxid = bot.wxid,
        ),
    )
    .unwrap();

    // Queue 50 replies before the robot starts.
    let store = db.store().await;
    let robot = store.upsert_robot("crash", &bot.app_id, &bot.wxid, "", 1).await.unwrap();
    let sends: Vec<NewOutbox> = (0..50)
        .map(|i| {
            let body = OutboundBody::Text { content: format!("第{i}条回复"), ats: vec![] };
            outbox::enqueue(robot.id, ROOM, body, format!("crash-test:{i}")).not_before(0)
        })
        .collect();
    assert_eq!(store.enqueue(&sends, 1).await.unwrap(), 50);

    let mut child = Dealbot::serve(&config);
    eventually("ten replies delivered", Duration::from_secs(60), || async {
        (sim.sims.gewe.sent().len() >= 10).then_some(())
    })
    .await;
    // Kill while the next send is in flight: well after the last delivery, well before the gateway answers.
    eventually("a send in flight", Duration::from_secs(30), || async {
        let last = sim.sims.gewe.sent().last().map(|m| m.at)?;
        let since = SystemTime::now().duration_since(last).ok()?;
        (since >= Duration::from_millis(30) && since <= Duration::from_millis(100)).then_some(())
    })
    .await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let delivered_before = sim.sims.gewe.sent().len();
    assert!(delivered_before < 50, "the kill happened with replies still queued");

    let child = Dealbot::serve(&config);
    let sent = eventually("all fifty replies", Duration::from_secs(90), || async {
        let s = sim.sims.gewe.sent();
        (s.len() >= 50).then_some(s)
    })
    .await;
    eventually("every row marked sent", Duration::from_secs(30), || async {
        let rows = store.outbox_for(ROOM).await.unwrap();
        rows.iter().all(|r| r.status == "sent").then_some(())
    })
    .await;
    drop(child);
    let mut contents: Vec<String> = sent.iter().map(|m| m.content.clone()).collect();
    contents.sort();
    let mut expected: Vec<String> = (0..50).map(|i| format!("第{i}条回复")).collect();
    expected.sort();
    assert_eq!(contents, expected, "each reply exactly once, none lost");
}
