//! The webhook under hostile or unlucky conditions: out-of-range fields, gateways that hang up mid-request, and a
//! database that fails for a moment while a message is handled.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A group text from `member` in `room`.
fn text_in(room: &str, member: &str, new_msg_id: u64, text: &str) -> Value {
    let mut body = group_text(new_msg_id, text, now_secs());
    body["Data"]["FromUserName"] = json!({ "string": room });
    body["Data"]["Content"] = json!({ "string": format!("{member}:\n{text}") });
    body
}

#[tokio::test]
async fn create_time_out_of_range_is_refused_with_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    for t in [json!(i64::MIN), json!(-1), json!(i64::MAX), json!(253_402_300_800_i64), json!(u64::MAX)] {
        let mut body = group_text(7012345678901230001, "帮助", now_secs());
        body["Data"]["CreateTime"] = t.clone();
        let r = app.post_callback(&body).await;
        assert_eq!(r.status(), 400, "CreateTime {t}");
    }
    for status in ["pending", "processing", "done", "skipped", "failed"] {
        assert_eq!(app.store.count_inbound(status).await.unwrap(), 0, "{status}");
    }
    // In range it is an ordinary message.
    let r = app.post_callback(&group_text(7012345678901230001, "帮助", now_secs())).await;
    assert_eq!(r.status(), 200);
}

/// Sends the whole request over a raw connection and closes it without reading the answer, as a gateway that
/// gives up (or crashes) mid-request does.
async fn post_and_hang_up(port: u16, path: &str, body: &[u8]) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    drop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_whose_gateway_hung_up_mid_request_are_each_answered_exactly_once() {
    const N: usize = 120;
    let app = TestApp::spawn().await;
    let path = format!("/webhook/gewe/demo/{}", app.secret);
    let rooms: Vec<String> = (0..N).map(|i| format!("2093145{i:04}@chatroom")).collect();
    let bodies: Vec<Value> = (0..N)
        .map(|i| text_in(&rooms[i], &format!("wxid_hangup{i}"), 7012345678901300000 + i as u64, "帮助"))
        .collect();
    // Every delivery is abandoned by its sender right after the request is written, all at once.
    let mut tasks = Vec::new();
    for b in &bodies {
        let bytes = serde_json::to_vec(b).unwrap();
        let path = path.clone();
        let port = app.port;
        tasks.push(tokio::spawn(async move { post_and_hang_up(port, &path, &bytes).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // The gateway got no answer, so it delivers each message again; recorded ones are duplicates.
    for b in &bodies {
        let r = app.post_callback(b).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert!(v["result"] == "accepted" || v["result"] == "duplicate" || v["result"] == "queued", "{v}");
    }
    let gewe = &app.sim.sims.gewe;
    eventually("a reply in every group", Duration::from_secs(60), || async {
        let answered: std::collections::HashSet<String> = gewe.sent().into_iter().map(|s| s.to_wxid).collect();
        rooms.iter().all(|r| answered.contains(r)).then_some(())
    })
    .await;
    eventually("every message handled", Duration::from_secs(30), || async {
        let busy =
            app.store.count_inbound("processing").await.unwrap() + app.store.count_inbound("pending").await.unwrap();
        (busy == 0).then_some(())
    })
    .await;
    let mut per_room: HashMap<String, usize> = HashMap::new();
    for s in gewe.sent() {
        *per_room.entry(s.to_wxid).or_default() += 1;
    }
    for r in &rooms {
        assert_eq!(per_room.get(r), Some(&1), "{r}: one reply per message");
    }
    assert_eq!(app.store.count_inbound("done").await.unwrap(), N as i64);
}

#[tokio::test]
async fn a_database_connection_killed_mid_message_is_retried_and_the_message_answered() {
    use sqlx::Connection;
    let app = TestApp::spawn_on(TestDb::postgres().await, |s| {
        s.engine.retry_backoff_base_ms = 200;
    })
    .await;
    // A second connection holds the groups table, so handling the message waits inside the database ...
    let mut locker = sqlx::postgres::PgConnection::connect(&app.db.url).await.unwrap();
    let mut tx = locker.begin().await.unwrap();
    sqlx::query("LOCK TABLE groups IN ACCESS EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
    let r = app.post_callback(&group_text(7012345678901240001, "帮助", now_secs())).await;
    assert_eq!(r.status(), 200);
    // ... where its connection is killed, as a database restart or a proxy dropping idle links would.
    let admin = sqlx::PgPool::connect(&app.db.url).await.unwrap();
    // Other workers may wait on the lock too (a busy machine schedules them there): connections waiting on a lock are
    // killed until the message's own attempt is seen failing.
    eventually("the message's attempt failed on its killed connection", Duration::from_secs(30), || async {
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
        .execute(&admin)
        .await
        .unwrap();
        let attempts: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(attempts), 0) FROM inbound").fetch_one(&admin).await.unwrap();
        (attempts >= 1).then_some(())
    })
    .await;
    tx.rollback().await.unwrap();
    let gewe = &app.sim.sims.gewe;
    let sent = eventually("the reply after the retry", Duration::from_secs(30), || async {
        let s = gewe.sent();
        (!s.is_empty()).then_some(s)
    })
    .await;
    assert_eq!(sent[0].to_wxid, ROOM);
    eventually("the message done", Duration::from_secs(10), || async {
        (app.store.count_inbound("done").await.unwrap() == 1).then_some(())
    })
    .await;
    assert_eq!(app.store.count_inbound("failed").await.unwrap(), 0);
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM inbound").fetch_one(&admin).await.unwrap();
    assert!(attempts >= 1, "the failed attempt was counted: {attempts}");
}
