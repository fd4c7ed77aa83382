//! The store API on both engines: every test runs once on SQLite and once on PostgreSQL.

use crate::helpers::TestDb;
use dealbot::money::Fen;
use dealbot::outbox::{self, NewOutbox};
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::conversions::NewConversion;
use dealbot::store::inbound::status;
use dealbot::store::outbox::status as ostatus;
use dealbot::store::pids::PidOwner;

on_both_engines!(
    inbound_is_deduplicated_even_after_reconnecting,
    finishing_a_message_commits_sends_and_conversions_once,
    outbox_rows_move_through_their_lifecycle,
    interrupted_sends_are_requeued_once_their_lease_expired,
    one_instance_at_a_time_holds_a_robot_and_its_pacing,
    sent_rows_are_pruned_in_batches_once_old_and_queued_ones_kept,
    groups_members_and_pids_resolve,
    media_expires,
    claims_are_exclusive,
    messages_in_hand_are_renewed_and_taken_over_only_when_their_instance_stops,
    tokens_states_and_warnings_are_kept_once,
);

fn send(robot: i64, key: &str) -> NewOutbox {
    let body = dealbot::chat::OutboundBody::Text { content: "好的".into(), ats: Vec::new() };
    outbox::enqueue(robot, "room@chatroom", body, key).not_before(0)
}

async fn robot(s: &Store) -> i64 {
    s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap().id
}

async fn inbound_is_deduplicated_even_after_reconnecting(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    let first = s
        .record_inbound("wx_app:7012345678901234567", r, "room@chatroom", Some("wxid_a"), status::PENDING, "{}", 10)
        .await
        .unwrap();
    assert!(first.is_some());
    let again = s
        .record_inbound("wx_app:7012345678901234567", r, "room@chatroom", Some("wxid_a"), status::PENDING, "{}", 11)
        .await
        .unwrap();
    assert_eq!(again, None);
    s.close().await;
    let s2 = db.store().await;
    let later = s2
        .record_inbound("wx_app:7012345678901234567", r, "room@chatroom", None, status::PENDING, "{}", 99)
        .await
        .unwrap();
    assert_eq!(later, None, "a restart must not forget dedupe keys");
    assert_eq!(s2.count_inbound(status::PENDING).await.unwrap(), 1);
    // Pruning keeps pending rows and drops old finished ones.
    let other = s2.record_inbound("wx_app:1", r, "room@chatroom", None, status::SKIPPED, "{}", 5).await.unwrap();
    assert!(other.is_some());
    assert_eq!(s2.prune_inbound(50, 1_000).await.unwrap(), 1);
    assert_eq!(s2.count_inbound(status::PENDING).await.unwrap(), 1);
}

async fn finishing_a_message_commits_sends_and_conversions_once(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    let id = s.record_inbound("k1", r, "room@chatroom", None, status::PROCESSING, "{}", 1).await.unwrap().unwrap();
    let conv = NewConversion {
        robot_id: r,
        group_id: None,
        member_wxid: Some("wxid_a".into()),
        platform: Platform::Pdd,
        item_key: "386512047723".into(),
        item_id: "386512047723".into(),
        title: "加厚抽纸".into(),
        pid: "9000001_100000001".into(),
        member_param: Some("m1".into()),
        promotion_url: "https://p.pinduoduo.com/Kx82LmQe".into(),
        short_url: None,
        price: Fen(1290),
        final_price: Fen(990),
        commission: Fen(99),
        tag_id: None,
    };
    let sends = [send(r, "reply:k1:0"), send(r, "reply:k1:1")];
    assert_eq!(s.finish_inbound(id, status::DONE, &sends, std::slice::from_ref(&conv), 2).await.unwrap(), 2);
    // Handling the same message again (after a crash) adds nothing.
    assert_eq!(s.finish_inbound(id, status::DONE, &sends, &[conv], 3).await.unwrap(), 0);
    assert_eq!(s.outbox_for("room@chatroom").await.unwrap().len(), 2);
    assert_eq!(s.count_inbound(status::DONE).await.unwrap(), 1);
}

async fn outbox_rows_move_through_their_lifecycle(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    s.enqueue(&[send(r, "a"), send(r, "b")], 1).await.unwrap();
    let due = s.due_outbox(r, 10, 10).await.unwrap();
    assert_eq!(due.iter().map(|d| d.idempotency_key.as_str()).collect::<Vec<_>>(), ["a"], "b waits behind a");
    assert!(!s.claim_send(due[0].id, "i1", 100, 10).await.unwrap(), "only the robot's holder claims");
    assert_eq!(s.take_robot(r, "i1", 100_000, 10).await.unwrap(), Some(0));
    assert!(s.claim_send(due[0].id, "i1", 100, 10).await.unwrap());
    assert!(!s.claim_send(due[0].id, "i1", 100, 10).await.unwrap(), "a row is claimed once");
    assert!(s.due_outbox(r, 10, 10).await.unwrap().is_empty(), "b waits while a is being sent");
    s.mark_sent(due[0].id, "{\"ret\":200}", 11).await.unwrap();
    let b = s.due_outbox(r, 12, 10).await.unwrap().remove(0);
    assert_eq!(b.idempotency_key, "b");
    assert!(s.claim_send(b.id, "i1", 100, 12).await.unwrap());
    s.mark_retry(b.id, "HTTP 502", 1_000, 12).await.unwrap();
    assert!(s.due_outbox(r, 999, 10).await.unwrap().is_empty(), "not due before its backoff");
    assert_eq!(s.next_outbox_due(r).await.unwrap(), Some(1_000));
    let row = s.due_outbox(r, 1_000, 10).await.unwrap().remove(0);
    assert_eq!(row.attempts, 1);
    assert!(s.claim_send(row.id, "i1", 2_000, 1_000).await.unwrap());
    s.mark_dead(row.id, "ret=-1: 参数错误", 1_001).await.unwrap();
    let dead = s.outbox_row(row.id).await.unwrap();
    assert_eq!(dead.status, ostatus::DEAD);
    assert_eq!(dead.attempts, 2);
    assert_eq!(dead.last_error.as_deref(), Some("ret=-1: 参数错误"));
    assert_eq!(s.outbox_count(ostatus::SENT).await.unwrap(), 1);
}

async fn interrupted_sends_are_requeued_once_their_lease_expired(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    s.enqueue(&[send(r, "x")], 1).await.unwrap();
    let row = s.due_outbox(r, 1, 1).await.unwrap().remove(0);
    s.take_robot(r, "i1", 1_000, 2).await.unwrap();
    assert!(s.claim_send(row.id, "i1", 100, 2).await.unwrap());
    assert_eq!(s.requeue_interrupted(r, 50).await.unwrap(), 0, "a live instance's send keeps its claim");
    assert!(s.renew_send(row.id, "i1", 200, 60).await.unwrap());
    assert_eq!(s.requeue_interrupted(r, 150).await.unwrap(), 0, "renewed while the call runs");
    assert_eq!(s.requeue_interrupted(r, 201).await.unwrap(), 1);
    let row = s.outbox_row(row.id).await.unwrap();
    assert_eq!(row.status, ostatus::QUEUED);
    assert_eq!(row.last_error.as_deref(), Some("interrupted while sending"));
}

async fn one_instance_at_a_time_holds_a_robot_and_its_pacing(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    assert_eq!(s.take_robot(r, "i1", 1_000, 10).await.unwrap(), Some(0));
    assert_eq!(s.take_robot(r, "i2", 1_000, 20).await.unwrap(), None, "i1 holds it");
    assert!(s.set_robot_next_send(r, "i1", 700, 1_000, 30).await.unwrap());
    assert_eq!(s.take_robot(r, "i1", 1_000, 40).await.unwrap(), Some(700), "renewed, pacing kept");
    assert_eq!(s.take_robot(r, "i2", 1_000, 1_039).await.unwrap(), None, "not yet expired");
    assert_eq!(s.take_robot(r, "i2", 1_000, 1_041).await.unwrap(), Some(700), "taken over with its pacing");
    assert!(!s.set_robot_next_send(r, "i1", 900, 1_000, 1_050).await.unwrap(), "i1 lost it");
    s.enqueue(&[send(r, "y")], 1_060).await.unwrap();
    let row = s.due_outbox(r, 1_060, 1).await.unwrap().remove(0);
    assert!(!s.claim_send(row.id, "i1", 2_000, 1_060).await.unwrap(), "a former holder claims nothing");
    s.release_robot(r, "i2").await.unwrap();
    assert_eq!(s.take_robot(r, "i3", 1_000, 1_070).await.unwrap(), Some(700), "released: free at once");
}

async fn sent_rows_are_pruned_in_batches_once_old_and_queued_ones_kept(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    s.enqueue(&[send(r, "p1"), send(r, "p2"), send(r, "p3"), send(r, "p4")], 1).await.unwrap();
    s.take_robot(r, "i1", 100_000, 10).await.unwrap();
    for at in [100, 200, 5_000] {
        let row = s.due_outbox(r, at, 10).await.unwrap().remove(0);
        assert!(s.claim_send(row.id, "i1", at + 1_000, at).await.unwrap());
        s.mark_sent(row.id, "{}", at).await.unwrap();
    }
    assert_eq!(s.prune_outbox(1_000, 1).await.unwrap(), 2, "two old sent rows, one per statement");
    let left: Vec<String> =
        s.outbox_for("room@chatroom").await.unwrap().into_iter().map(|r| r.idempotency_key).collect();
    assert_eq!(left, ["p3", "p4"], "the recent sent row and the queued one stay");
}

async fn groups_members_and_pids_resolve(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    let g = s.ensure_group(r, "room@chatroom", true, 1).await.unwrap();
    assert!(g.enabled);
    let g2 = s.ensure_group(r, "room@chatroom", false, 2).await.unwrap();
    assert_eq!(g.id, g2.id, "registration is idempotent and keeps the switch");
    s.set_group_enabled(g.id, false, 3).await.unwrap();
    assert!(!s.ensure_group(r, "room@chatroom", true, 4).await.unwrap().enabled);

    let m = s.touch_member("wxid_a", Some("阿明"), Some(g.id), 1).await.unwrap();
    assert_eq!(s.touch_member("wxid_a", None, Some(g.id), 2).await.unwrap(), m);
    assert_eq!(s.member_nickname("wxid_a").await.unwrap().as_deref(), Some("阿明"));
    s.touch_member("wxid_a", Some("阿明2"), None, 3).await.unwrap();
    assert_eq!(s.member_nickname("wxid_a").await.unwrap().as_deref(), Some("阿明2"));

    let partner = s.create_partner("张三", Some("wxid_owner"), None, 1).await.unwrap();
    s.set_group_partner(g.id, Some(partner), 2).await.unwrap();
    s.set_pid(Platform::Pdd, "1_1", "张三", PidOwner::Partner(partner), 3).await.unwrap();
    s.set_pid(Platform::Pdd, "1_2", "张三新", PidOwner::Partner(partner), 4).await.unwrap();
    assert_eq!(s.pid_of(Platform::Pdd, PidOwner::Partner(partner)).await.unwrap().as_deref(), Some("1_2"));
    assert_eq!(s.pid_of(Platform::Jd, PidOwner::Partner(partner)).await.unwrap(), None);
    assert_eq!(s.ensure_group(r, "room@chatroom", true, 5).await.unwrap().partner_id, Some(partner));
}

async fn media_expires(db: TestDb) {
    let s = db.store().await;
    let bytes = vec![0xFF, 0xD8, 0xFF, 0x00, 0x42];
    s.put_media("0123456789abcdef0123456789abcdef", "image/jpeg", &bytes, 100, 1).await.unwrap();
    let m = s.get_media("0123456789abcdef0123456789abcdef", 50).await.unwrap().unwrap();
    assert_eq!(m.bytes, bytes);
    assert!(s.get_media("0123456789abcdef0123456789abcdef", 100).await.unwrap().is_none());
    assert_eq!(s.prune_media(100).await.unwrap(), 1);
}

async fn claims_are_exclusive(db: TestDb) {
    let s = db.store().await.with_claims("i1", 1_000);
    let other = db.store().await.with_claims("i2", 1_000);
    let r = robot(&s).await;
    let id = s.record_inbound("c1", r, "room@chatroom", None, status::PENDING, "{}", 1).await.unwrap().unwrap();
    let (a, b) = tokio::join!(s.claim_inbound(id, 2), other.claim_inbound(id, 2));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one claim wins");
    assert_eq!(s.pending_inbound(0, 10).await.unwrap().len(), 0);
    assert_eq!(s.reset_processing(3).await.unwrap(), 0, "a live instance's message keeps its claim");
    assert_eq!(s.reset_processing(1_003).await.unwrap(), 1, "its instance stopped renewing: taken back");
    assert_eq!(s.pending_inbound(0, 10).await.unwrap().len(), 1);
}

async fn messages_in_hand_are_renewed_and_taken_over_only_when_their_instance_stops(db: TestDb) {
    let s = db.store().await.with_claims("i1", 1_000);
    let other = db.store().await.with_claims("i2", 1_000);
    let r = robot(&s).await;
    let id = s.record_inbound("c2", r, "room@chatroom", None, status::PROCESSING, "{}", 10).await.unwrap().unwrap();
    assert!(!other.claim_inbound(id, 500).await.unwrap(), "born claimed by the instance that received it");
    assert_eq!(s.renew_inbound_claims(900).await.unwrap(), 1);
    assert_eq!(other.reset_processing(1_500).await.unwrap(), 0, "renewed until 1900");
    assert_eq!(other.reset_processing(1_901).await.unwrap(), 1, "i1 died: i2 takes it back");
    assert!(other.claim_inbound(id, 1_902).await.unwrap());
    assert_eq!(s.renew_inbound_claims(1_903).await.unwrap(), 0, "i1's claim is gone");
}

async fn tokens_states_and_warnings_are_kept_once(db: TestDb) {
    use dealbot::config::Secret;
    use dealbot::store::tokens::StoredTokens;
    let s = db.store().await;
    assert!(s.tokens(Platform::Pdd).await.unwrap().is_none());
    let t = StoredTokens {
        access_token: Secret::new("acc-1"),
        refresh_token: Secret::new("ref-1"),
        expires_at: 1_000,
        refresh_expires_at: 9_000,
        owner_id: "o1".into(),
        owner_name: "多多客".into(),
        refreshed_at: 10,
    };
    s.save_tokens(Platform::Pdd, &t, 1).await.unwrap();
    let t2 = StoredTokens { access_token: Secret::new("acc-2"), refreshed_at: 20, ..t.clone() };
    s.save_tokens(Platform::Pdd, &t2, 2).await.unwrap();
    assert_eq!(s.tokens(Platform::Pdd).await.unwrap(), Some(t2));

    s.put_oauth_state(Platform::Pdd, "st-1", 100, 1).await.unwrap();
    assert!(!s.take_oauth_state(Platform::Jd, "st-1", 50).await.unwrap(), "state is per platform");
    assert!(!s.take_oauth_state(Platform::Pdd, "st-1", 100).await.unwrap(), "expired");
    s.put_oauth_state(Platform::Pdd, "st-2", 100, 1).await.unwrap();
    assert!(s.take_oauth_state(Platform::Pdd, "st-2", 50).await.unwrap());
    assert!(!s.take_oauth_state(Platform::Pdd, "st-2", 50).await.unwrap(), "single use");

    assert!(s.mark_token_warning(Platform::Pdd, 9_000, 7, 1).await.unwrap());
    assert!(!s.mark_token_warning(Platform::Pdd, 9_000, 7, 2).await.unwrap());
    assert!(s.mark_token_warning(Platform::Pdd, 9_000, 3, 3).await.unwrap());
    assert!(s.mark_token_warning(Platform::Pdd, 19_000, 7, 4).await.unwrap(), "a new token is warned again");
}

on_both_engines!(reads_proceed_while_a_write_transaction_is_held_open);

/// Dashboard and statistics reads go through the store's reader: on SQLite they do not queue behind the single
/// writer's open transaction, and on both engines they see the last committed state.
async fn reads_proceed_while_a_write_transaction_is_held_open(db: TestDb) {
    let s = db.store().await;
    let r = robot(&s).await;
    s.enqueue(&[send(r, "a")], 1).await.unwrap();
    let mut tx = s.pool().begin().await.unwrap();
    sqlx::query("DELETE FROM outbox").execute(&mut *tx).await.unwrap();
    assert_eq!(s.outbox_count(ostatus::QUEUED).await.unwrap(), 1, "the delete is not committed yet");
    assert_eq!(s.robots_overview().await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    assert_eq!(s.outbox_count(ostatus::QUEUED).await.unwrap(), 0);
}
