//! Dashboard users, sessions and read models on both engines.

use crate::helpers::TestDb;
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::{NewUser, Role};

async fn users_and_sessions(store: Store) {
    let u = NewUser { username: "boss", password_hash: "$argon2id$x", role: Role::Admin, partner_id: None };
    let id = store.create_user(&u, 1).await.unwrap();
    assert!(matches!(store.create_user(&u, 2).await, Err(dealbot::store::StoreError::Conflict(_))));
    store.create_session("h1", id, "csrf1", 1_000, 10).await.unwrap();
    let s = store.session("h1", 999).await.unwrap().unwrap();
    assert_eq!((s.user.username.as_str(), s.csrf_token.as_str(), s.user.role), ("boss", "csrf1", Role::Admin));
    assert!(store.session("h1", 1_000).await.unwrap().is_none(), "expired at expires_at");
    assert!(store.session("nope", 0).await.unwrap().is_none());
    // A new password ends every session; so does disabling.
    store.set_user_password(id, "$argon2id$y", 20).await.unwrap();
    assert!(store.session("h1", 500).await.unwrap().is_none());
    store.create_session("h2", id, "csrf2", 1_000, 30).await.unwrap();
    store.set_user_disabled(id, true, 40).await.unwrap();
    assert!(store.session("h2", 500).await.unwrap().is_none());
    store.set_user_disabled(id, false, 50).await.unwrap();
    store.create_session("h3", id, "csrf3", 100, 60).await.unwrap();
    assert_eq!(store.prune_sessions(100).await.unwrap(), 1);
    assert_eq!(store.user_by_name("boss").await.unwrap().unwrap().password_hash, "$argon2id$y");
}

async fn read_models_are_scoped_to_a_partner(store: Store) {
    let robot = store.upsert_robot("r", "app", "wxid_bot", "机器人", 1).await.unwrap();
    let wang = store.create_partner("小王", None, None, 1).await.unwrap();
    let li = store.create_partner("小李", None, None, 1).await.unwrap();
    let g1 = store.ensure_group(robot.id, "1@chatroom", true, 1).await.unwrap();
    let g2 = store.ensure_group(robot.id, "2@chatroom", true, 1).await.unwrap();
    store.set_group_partner(g1.id, Some(wang), 1).await.unwrap();
    store.set_group_partner(g2.id, Some(li), 1).await.unwrap();
    let a = store.touch_member("wxid_a", Some("阿明"), Some(g1.id), 1).await.unwrap();
    store.touch_member("wxid_b", Some("小芳"), Some(g2.id), 1).await.unwrap();
    store.set_pid(Platform::Jd, "311", "小王", PidOwner::Partner(wang), 1).await.unwrap();
    store.set_pid(Platform::Jd, "322", "小李", PidOwner::Partner(li), 1).await.unwrap();

    assert_eq!(store.groups_overview(None, 0).await.unwrap().len(), 2);
    let mine = store.groups_overview(Some(wang), 0).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].id, mine[0].members, mine[0].partner_name.as_deref()), (g1.id, 1, Some("小王")));
    assert_eq!(store.partners(Some(wang)).await.unwrap().len(), 1);
    assert_eq!(store.pids_of_kind("partner", Some(wang)).await.unwrap()[0].pid, "311");
    assert_eq!(store.pids_of_kind("partner", None).await.unwrap().len(), 2);
    let members = store.members_overview(Some(wang), "", 50, 0).await.unwrap();
    assert_eq!(members.iter().map(|m| m.wxid.as_str()).collect::<Vec<_>>(), ["wxid_a"]);
    assert_eq!(store.members_overview(None, "小芳", 50, 0).await.unwrap().len(), 1);
    assert_eq!(store.members_overview(None, "", 50, 0).await.unwrap().len(), 2);
    assert!(store.member_summary(a, Some(li)).await.unwrap().is_none());
    assert_eq!(store.member_summary(a, Some(wang)).await.unwrap().unwrap().nickname, "阿明");
    let robots = store.robots_overview().await.unwrap();
    assert_eq!((robots[0].groups, robots[0].queued, robots[0].last_sent_at), (2, 0, None));
    // Partners ranked by the commission the ledger booked; what members are owed.
    let ledger = dealbot::ledger::Ledger::with_settings(store.clone(), Default::default(), 8);
    for (n, (partner, group, member, commission)) in
        [(wang, g1.id, a, 10_000), (li, g2.id, a, 30_000)].iter().enumerate()
    {
        let facts = dealbot::order::OrderFacts {
            order_id: n as i64 + 1,
            platform: Platform::Jd,
            order_key: format!("k{n}"),
            lifecycle: dealbot::order::Lifecycle::Paid,
            commission: dealbot::money::Fen(*commission),
            paid_amount: dealbot::money::Fen(100_000),
            group_id: Some(*group),
            partner_id: Some(*partner),
            member_id: Some(*member),
            paid_at: Some(1_795_900_000),
        };
        ledger.apply(&facts).await.unwrap();
    }
    let top = store.top_partners(None, 0, 5).await.unwrap();
    assert_eq!(
        top.iter().map(|p| (p.name.as_str(), p.estimated_commission.0)).collect::<Vec<_>>(),
        [("小李", 30_000), ("小王", 10_000)]
    );
    assert_eq!(store.top_partners(Some(wang), 0, 5).await.unwrap().len(), 1);
    let owed = store.rebates_owed(None).await.unwrap();
    let balance = store.ledger_balance(dealbot::store::ledger::AccountKind::Member, a).await.unwrap();
    assert_eq!((owed.pending.0, owed.available.0), (balance.pending, 0));
    assert!(owed.pending.0 > 0);
    assert_eq!(store.rebates_owed(Some(li)).await.unwrap().pending.0, 0, "member a is not in 小李's groups");
}

#[tokio::test]
async fn users_and_sessions_sqlite() {
    users_and_sessions(TestDb::sqlite().await.store().await).await;
}

#[tokio::test]
async fn users_and_sessions_postgres() {
    users_and_sessions(TestDb::postgres().await.store().await).await;
}

#[tokio::test]
async fn read_models_are_scoped_to_a_partner_sqlite() {
    read_models_are_scoped_to_a_partner(TestDb::sqlite().await.store().await).await;
}

#[tokio::test]
async fn read_models_are_scoped_to_a_partner_postgres() {
    read_models_are_scoped_to_a_partner(TestDb::postgres().await.store().await).await;
}
