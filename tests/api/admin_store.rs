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
    assert!(store.conversions_per_day(Some(wang), 0, 8 * 3_600_000).await.unwrap().is_empty());
    // Two conversions on one local day (UTC+8), one the next day, one in the other partner's group.
    let day = 20_786_i64 * 86_400_000 - 8 * 3_600_000;
    for (n, (group, at)) in
        [(g1.id, day + 1), (g1.id, day + 86_399_999), (g1.id, day + 86_400_000), (g2.id, day)].iter().enumerate()
    {
        sqlx::query(
            "INSERT INTO conversions (inbound_id, robot_id, group_id, member_wxid, platform, item_key, item_id, title, pid,
                 promotion_url, price_fen, final_price_fen, commission_fen, created_at)
             VALUES ($1, $2, $3, 'wxid_a', 'jd', 'k', 'i', 't', 'p', 'u', 1, 1, 1, $4)",
        )
        .bind(n as i64)
        .bind(robot.id)
        .bind(*group)
        .bind(*at)
        .execute(store.pool())
        .await
        .unwrap();
    }
    let days = store.conversions_per_day(Some(wang), 0, 8 * 3_600_000).await.unwrap();
    let pairs: Vec<(i64, i64)> = days.iter().map(|d| (d.day, d.count)).collect();
    assert_eq!(pairs, [(20_786, 2), (20_787, 1)]);
    assert_eq!(store.conversions_per_day(None, 0, 8 * 3_600_000).await.unwrap()[0].count, 3);
    let robots = store.robots_overview().await.unwrap();
    assert_eq!((robots[0].groups, robots[0].queued, robots[0].last_sent_at), (2, 0, None));
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
