//! The chat store API on both engines: points ledger, check-ins, invites, auto-replies, Q&A, dialogs, admins,
//! partners.

use crate::helpers::TestDb;
use dealbot::store::Store;
use dealbot::store::checkins::{CheckinRule, NewCheckin};
use dealbot::store::dialogs::{Dialog, DialogKey};
use dealbot::store::invites::NewJoin;
use dealbot::store::keywords::NewKeyword;
use dealbot::store::points::{NewPoints, PointsOutcome};

on_both_engines!(
    the_points_ledger_is_idempotent_by_source_and_never_negative,
    a_checkin_is_once_a_day_and_the_same_message_gets_the_same_answer,
    an_inviter_earns_once_per_newcomer,
    keyword_rules_and_faq_entries_are_per_group_with_global_ones,
    dialogs_admins_and_partners,
);

async fn group(s: &Store) -> i64 {
    let r = s.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    s.ensure_group(r.id, "room@chatroom", true, 1).await.unwrap().id
}

fn points<'a>(member_id: i64, kind: &'a str, source: &'a str, delta: i64) -> NewPoints<'a> {
    NewPoints { member_id, kind, source, delta, group_id: None }
}

async fn the_points_ledger_is_idempotent_by_source_and_never_negative(db: TestDb) {
    let s = db.store().await;
    let m = s.touch_member("wxid_a", Some("阿明"), None, 1).await.unwrap();
    assert_eq!(s.points_balance(m).await.unwrap(), 0);
    assert_eq!(s.book_points(points(m, "task", "t1", 30), 2).await.unwrap(), PointsOutcome::Applied { balance: 30 });
    assert_eq!(s.book_points(points(m, "task", "t1", 30), 3).await.unwrap(), PointsOutcome::Duplicate);
    assert_eq!(s.book_points(points(m, "other", "t1", 5), 3).await.unwrap(), PointsOutcome::Applied { balance: 35 });
    assert_eq!(s.book_points(points(m, "redeem", "r1", -40), 4).await.unwrap(), PointsOutcome::Insufficient);
    assert_eq!(s.points_balance(m).await.unwrap(), 35, "nothing booked");
    assert_eq!(s.book_points(points(m, "redeem", "r1", -35), 5).await.unwrap(), PointsOutcome::Applied { balance: 0 });
    assert_eq!(s.book_points(points(m, "redeem", "r1", -35), 5).await.unwrap(), PointsOutcome::Duplicate);
    // A charge with no balance row at all.
    let n = s.touch_member("wxid_b", None, None, 1).await.unwrap();
    assert_eq!(s.book_points(points(n, "redeem", "r2", -1), 6).await.unwrap(), PointsOutcome::Insufficient);
    assert_eq!(s.points_ledger_sum(m).await.unwrap(), 0);
    assert_eq!(s.points_ledger_sum(n).await.unwrap(), 0);
    let recent = s.recent_points(m, 10).await.unwrap();
    assert_eq!(
        recent.iter().map(|p| p.delta).collect::<Vec<_>>(),
        vec![-35, 5, 30],
        "newest first, refused ones absent"
    );
}

async fn a_checkin_is_once_a_day_and_the_same_message_gets_the_same_answer(db: TestDb) {
    let s = db.store().await;
    let g = group(&s).await;
    let m = s.touch_member("wxid_a", None, Some(g), 1).await.unwrap();
    let rule = CheckinRule { points: 10, bonus_every: 2, bonus_points: 5 };
    let c = |day, key| NewCheckin { member_id: m, day, group_id: Some(g), message_key: key };
    let first = s.check_in(c(100, "k1"), rule, 1).await.unwrap();
    assert!(first.new);
    assert_eq!((first.streak, first.points, first.bonus, first.balance), (1, 10, 0, 10));
    let replay = s.check_in(c(100, "k1"), rule, 2).await.unwrap();
    assert!(replay.new, "the same message handled again gets its answer again");
    assert_eq!(replay.balance, 10);
    let second = s.check_in(c(100, "k2"), rule, 3).await.unwrap();
    assert!(!second.new);
    assert_eq!(second.balance, 10);
    let next = s.check_in(c(101, "k3"), rule, 4).await.unwrap();
    assert_eq!((next.streak, next.points, next.bonus, next.balance), (2, 15, 5, 25));
    assert_eq!(s.checkin_streak(m, 101).await.unwrap(), 2);
    assert_eq!(s.checkin_streak(m, 102).await.unwrap(), 2, "still running until a day is missed");
    assert_eq!(s.checkin_streak(m, 103).await.unwrap(), 0);
    let gap = s.check_in(c(103, "k4"), rule, 5).await.unwrap();
    assert_eq!((gap.streak, gap.balance), (1, 35));
    assert_eq!(s.points_ledger_sum(m).await.unwrap(), 35);
}

async fn an_inviter_earns_once_per_newcomer(db: TestDb) {
    let s = db.store().await;
    let g = group(&s).await;
    let inviter = s.touch_member("wxid_i", None, Some(g), 1).await.unwrap();
    let other = s.touch_member("wxid_o", None, Some(g), 1).await.unwrap();
    let newcomer = s.touch_member("wxid_n", None, Some(g), 1).await.unwrap();
    let join = |by| NewJoin { group_id: g, invitee_id: newcomer, inviter_id: Some(by), points: 20 };
    let first = s.record_join(join(inviter), 2).await.unwrap();
    assert_eq!((first.joins, first.inviter_balance), (1, Some(20)));
    let rejoin = s.record_join(join(inviter), 3).await.unwrap();
    assert_eq!((rejoin.joins, rejoin.inviter_balance), (2, None));
    let by_other = s.record_join(join(other), 4).await.unwrap();
    assert_eq!(by_other.inviter_balance, None);
    assert_eq!(s.points_balance(inviter).await.unwrap(), 20);
    assert_eq!(s.points_balance(other).await.unwrap(), 0);
    assert_eq!(s.count_invites_by(inviter).await.unwrap(), 1);
    // Joining by oneself (a QR code) earns nothing.
    let selfie = s.touch_member("wxid_s", None, Some(g), 1).await.unwrap();
    let own = NewJoin { group_id: g, invitee_id: selfie, inviter_id: Some(selfie), points: 20 };
    assert_eq!(s.record_join(own, 5).await.unwrap().inviter_balance, None);
}

async fn keyword_rules_and_faq_entries_are_per_group_with_global_ones(db: TestDb) {
    let s = db.store().await;
    let g = group(&s).await;
    let k = |group_id, pattern: &'static str, reply: &'static str| NewKeyword {
        group_id,
        match_kind: "contains",
        pattern,
        reply_kind: "text",
        reply,
        priority: 0,
    };
    assert!(!s.upsert_keyword(&k(g, "发货", "48小时"), 1).await.unwrap());
    assert!(s.upsert_keyword(&k(g, "发货", "24小时"), 2).await.unwrap(), "replaced");
    assert!(!s.upsert_keyword(&k(0, "客服", "找群主"), 3).await.unwrap());
    assert!(!s.upsert_keyword(&k(g + 1, "别的群", "x"), 3).await.unwrap());
    let rules = s.keyword_rules(g).await.unwrap();
    assert_eq!(rules.len(), 2, "the group's and the global ones: {rules:?}");
    let own = rules.iter().find(|r| r.group_id == g).unwrap();
    assert_eq!(own.reply, "24小时");
    s.count_keyword_hit(own.id).await.unwrap();
    assert_eq!(s.keyword_rules(g).await.unwrap().iter().find(|r| r.id == own.id).unwrap().hits, 1);
    assert!(s.delete_keyword(g, "发货").await.unwrap());
    assert!(!s.delete_keyword(g, "发货").await.unwrap());
    assert!(!s.delete_keyword(g, "客服").await.unwrap(), "global rules are not the group's to delete");

    assert!(!s.upsert_faq(0, "怎么提现", "全局答案", 1).await.unwrap());
    assert!(!s.upsert_faq(g, "怎么领券", "本群答案", 1).await.unwrap());
    assert!(s.upsert_faq(g, "怎么领券", "新答案", 2).await.unwrap());
    let faq = s.faq_entries(g).await.unwrap();
    assert_eq!(
        faq.iter().map(|f| f.question.as_str()).collect::<Vec<_>>(),
        vec!["怎么领券", "怎么提现"],
        "the group's first"
    );
    s.count_faq_hit(faq[0].id).await.unwrap();
    assert_eq!(s.faq_entries(g).await.unwrap()[0].hits, 1);
    assert!(s.delete_faq(g, "怎么领券").await.unwrap());
    assert_eq!(s.faq_entries(g).await.unwrap().len(), 1);
}

async fn dialogs_admins_and_partners(db: TestDb) {
    let s = db.store().await;
    let g = group(&s).await;
    let key = DialogKey { robot_id: 1, conversation_id: "room@chatroom", member_wxid: "wxid_a" };
    assert_eq!(s.dialog(key).await.unwrap(), None);
    let d = Dialog { command: "设置关键词".into(), args: vec!["发货".into()], expires_at: 100 };
    s.save_dialog(key, &d, 1).await.unwrap();
    assert_eq!(s.dialog(key).await.unwrap(), Some(d.clone()));
    let d2 = Dialog { command: "查券".into(), args: vec![], expires_at: 200 };
    s.save_dialog(key, &d2, 2).await.unwrap();
    assert_eq!(s.dialog(key).await.unwrap(), Some(d2));
    let other = DialogKey { member_wxid: "wxid_b", ..key };
    s.save_dialog(other, &d, 2).await.unwrap();
    assert_eq!(s.prune_dialogs(150).await.unwrap(), 1);
    assert!(s.dialog(other).await.unwrap().is_none());
    s.clear_dialog(key).await.unwrap();
    assert!(s.dialog(key).await.unwrap().is_none());

    assert!(!s.is_admin("wxid_x").await.unwrap());
    assert!(s.add_admin("wxid_x", 1).await.unwrap());
    assert!(!s.add_admin("wxid_x", 2).await.unwrap());
    assert!(s.is_admin("wxid_x").await.unwrap());

    let p = s.ensure_partner("wxid_p", "老王", 1).await.unwrap();
    assert_eq!(s.ensure_partner("wxid_p", "改名", 2).await.unwrap(), p);
    assert_eq!(s.partner_wxid(p).await.unwrap().as_deref(), Some("wxid_p"));
    s.set_group_partner(g, Some(p), 3).await.unwrap();
    s.set_group_settings(g, r#"{"features":{"search":false}}"#, 3).await.unwrap();
    s.set_copy_template(g, Some("{标题}{链接}"), 3).await.unwrap();
    s.set_poster_template(g, Some("classic"), 3).await.unwrap();
    let row = s.ensure_group(1, "room@chatroom", true, 4).await.unwrap();
    assert_eq!(row.partner_id, Some(p));
    // A partner may own many groups.
    let g2 = s.ensure_group(1, "room2@chatroom", true, 4).await.unwrap().id;
    s.set_group_partner(g2, Some(p), 4).await.unwrap();
    assert_eq!(s.ensure_group(1, "room2@chatroom", true, 5).await.unwrap().partner_id, Some(p));
    assert_eq!(s.ensure_group(1, "room@chatroom", true, 5).await.unwrap().partner_id, Some(p));
    assert_eq!(row.settings, r#"{"features":{"search":false}}"#);
    assert_eq!(row.copy_template.as_deref(), Some("{标题}{链接}"));
    assert_eq!(row.poster_template.as_deref(), Some("classic"));
}
