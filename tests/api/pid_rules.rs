//! Nobody takes a PID that is not theirs: the operator's default PIDs are reserved, chat and dashboard parse PIDs
//! the same way, only PIDs the union lists under the operator's account are bound, and binding is atomic.

use crate::admin_helpers::{AdminClient, add_user, partner_group};
use crate::conversation::*;
use crate::helpers::{ROOM, TestDb};
use dealbot::demo::{DEMO_JD_PID, DEMO_PDD_PID, DEMO_TAOBAO_PID};
use dealbot::platform::Platform;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "partner-password-1";

/// POSTs a PID as a logged-in dashboard user; the status and the `error` text.
async fn bind_on_dashboard(client: &mut AdminClient, path: &str, platform: &str, pid: &str) -> (StatusCode, String) {
    let csrf = client.csrf().await;
    let resp = client.post_json(path, &json!({ "platform": platform, "pid": pid }), Some(&csrf)).await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_string())
}

/// A demo-like setup: two partners, each owning a group, everyone on the default PIDs. The partner of the chat
/// group (群主老王) and the other partner (小李) both try to take the defaults.
#[tokio::test]
async fn partners_are_refused_the_default_pids_in_chat_and_on_the_dashboard() {
    let chat = Chat::with_owner().await;
    let app = &chat.app;
    let wang = app.store.ensure_partner(OWNER.wxid, OWNER.nick, app.clock.now_ms()).await.unwrap();
    let (li_group, li) = partner_group(app, "小李", "222@chatroom", "好物二群").await;
    add_user(app, "wang", PASSWORD, Role::Partner, Some(wang)).await;
    add_user(app, "li", PASSWORD, Role::Partner, Some(li)).await;

    // Chat: the default of each platform is refused with the reason, nothing is bound.
    for (platform, pid) in [("京东", DEMO_JD_PID), ("拼多多", DEMO_PDD_PID), ("淘宝", DEMO_TAOBAO_PID)] {
        let reply = chat.ask(OWNER, &format!("#绑定推广位 {platform} {pid}")).await;
        assert!(reply.contains("默认推广位，不能绑定"), "{platform}: {reply}");
        chat.advance_secs(61);
    }
    // Dashboard API, for each partner's own record and for their group.
    let wang_group = app.store.ensure_group(crate::admin_helpers::robot_id(app), ROOM, true, 0).await.unwrap().id;
    for (user, partner, group) in [("wang", wang, wang_group), ("li", li, li_group)] {
        let mut client = AdminClient::new(app);
        assert_eq!(client.login(user, PASSWORD).await.status(), StatusCode::SEE_OTHER);
        for (platform, pid) in [("jd", DEMO_JD_PID), ("pdd", DEMO_PDD_PID), ("taobao", DEMO_TAOBAO_PID)] {
            for path in [format!("/admin/api/partners/{partner}/pids"), format!("/admin/api/groups/{group}/pids")] {
                let (status, error) = bind_on_dashboard(&mut client, &path, platform, pid).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{user} {path} {platform}");
                assert!(error.contains("默认推广位，不能绑定"), "{user} {path} {platform}: {error}");
            }
        }
    }
    for platform in Platform::ALL {
        for owner in
            [PidOwner::Partner(wang), PidOwner::Partner(li), PidOwner::Group(wang_group), PidOwner::Group(li_group)]
        {
            assert_eq!(app.store.pid_of(platform, owner).await.unwrap(), None, "{platform:?} {owner:?}");
        }
    }
    // The robot still converts on the default.
    assert_eq!(chat.say(ALICE, "https://item.jd.com/100087654321.html").await.len(), 2);
    assert_eq!(app.store.recent_conversions(1).await.unwrap()[0].pid, DEMO_JD_PID);
}

#[tokio::test]
async fn a_robots_own_default_pid_is_reserved_too_even_when_the_union_lists_it() {
    let chat = Chat::with_owner_and(|s| s.robots[0].jd_pid = "3100000555".into()).await;
    chat.app.sim.sims.jd.add_position(3100000555, "机器人默认");
    let reply = chat.ask(OWNER, "#绑定推广位 京东 3100000555").await;
    assert!(reply.contains("默认推广位，不能绑定"), "{reply}");
}

#[tokio::test]
async fn chat_and_dashboard_refuse_malformed_pids_with_the_same_reason() {
    let chat = Chat::with_owner().await;
    let app = &chat.app;
    let wang = app.store.ensure_partner(OWNER.wxid, OWNER.nick, app.clock.now_ms()).await.unwrap();
    add_user(app, "wang", PASSWORD, Role::Partner, Some(wang)).await;
    let mut client = AdminClient::new(app);
    client.login("wang", PASSWORD).await;
    for (name, code, bad) in
        [("淘宝", "taobao", "mm_1_2"), ("拼多多", "pdd", "9000001-100000002"), ("京东", "jd", "31000x0001")]
    {
        let platform: Platform = code.parse().unwrap();
        let reason = dealbot::engine::text::pid_malformed(platform);
        let in_chat = chat.ask(OWNER, &format!("#绑定推广位 {name} {bad}")).await;
        assert!(in_chat.starts_with(&reason), "{in_chat}");
        chat.advance_secs(61);
        let (status, error) =
            bind_on_dashboard(&mut client, &format!("/admin/api/partners/{wang}/pids"), code, bad).await;
        assert_eq!((status, error), (StatusCode::BAD_REQUEST, reason));
    }
}

#[tokio::test]
async fn only_pids_the_union_lists_under_the_operators_account_are_bound() {
    let chat = Chat::with_owner().await;
    let app = &chat.app;
    let sims = &app.sim.sims;
    let wang = app.store.ensure_partner(OWNER.wxid, OWNER.nick, app.clock.now_ms()).await.unwrap();
    add_user(app, "wang", PASSWORD, Role::Partner, Some(wang)).await;
    let mut client = AdminClient::new(app);
    client.login("wang", PASSWORD).await;
    let own = format!("/admin/api/partners/{wang}/pids");

    // JD: a positionId of somebody else's account, then one the operator's account lists.
    let refused = chat.ask(OWNER, "#绑定推广位 京东 3188880001").await;
    assert!(refused.contains("京东联盟账号下没有这个推广位"), "{refused}");
    sims.jd.add_position(3188880001, "二群");
    chat.advance_secs(61);
    assert!(chat.ask(OWNER, "#绑定推广位 京东 3188880001").await.contains("已绑定为 3188880001"));
    assert!(sims.jd.calls("jd.union.open.position.query") >= 2);

    // Pinduoduo: pid.query decides.
    let (status, error) = bind_on_dashboard(&mut client, &own, "pdd", "9000001_177770001").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("拼多多联盟账号下没有这个推广位"), "{error}");
    sims.pdd.add_pid("9000001_177770001", "小王");
    let (status, _) = bind_on_dashboard(&mut client, &own, "pdd", "9000001_177770001").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.pid_of(Platform::Pdd, PidOwner::Partner(wang)).await.unwrap().as_deref(),
        Some("9000001_177770001")
    );
    assert!(sims.pdd.calls("pdd.ddk.goods.pid.query") >= 2);

    // Taobao: the member id must be the operator's (the configured PID is mm_1000_…).
    let (status, error) = bind_on_dashboard(&mut client, &own, "taobao", "mm_2999_2000_3999").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("淘宝联盟账号下没有这个推广位"), "{error}");
    let (status, _) = bind_on_dashboard(&mut client, &own, "taobao", "mm_1000_2000_3999").await;
    assert_eq!(status, StatusCode::OK);

    // Pinduoduo down: the PID cannot be confirmed, so it is not bound.
    sims.pdd.add_pid("9000001_177770002", "小王");
    sims.pdd.inject(dealbot::sim::pdd::PddFault::HttpStatus(502), 10);
    let (status, error) = bind_on_dashboard(&mut client, &own, "pdd", "9000001_177770002").await;
    sims.pdd.clear_faults();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("暂时无法向联盟确认"), "{error}");
    assert_eq!(
        app.store.pid_of(Platform::Pdd, PidOwner::Partner(wang)).await.unwrap().as_deref(),
        Some("9000001_177770001")
    );
}

/// Many owners bind one PID at the same moment: exactly one gets it, the rest are told it is taken, and each
/// loser keeps the PID it had.
async fn concurrent_binds_of_one_pid_let_exactly_one_owner_win(db: TestDb) {
    let store = db.store().await;
    let robot = store.upsert_robot("bot", "wx_app", "wxid_bot", "小助手", 1).await.unwrap().id;
    let mut owners = Vec::new();
    for i in 0..6 {
        let partner = store.create_partner(&format!("合伙人{i}"), None, None, 1).await.unwrap();
        owners.push(PidOwner::Partner(partner));
        let group = store.ensure_group(robot, &format!("{i}@chatroom"), true, 1).await.unwrap();
        owners.push(PidOwner::Group(group.id));
    }
    for (i, owner) in owners.iter().enumerate() {
        assert!(store.set_pid(Platform::Jd, &format!("3300000{i:03}"), "旧", *owner, 1).await.unwrap());
    }
    for round in 0..5 {
        let pid = format!("34000000{round}");
        let binds = owners.iter().map(|owner| {
            let (store, pid, owner) = (store.clone(), pid.clone(), *owner);
            tokio::spawn(async move { (owner, store.set_pid(Platform::Jd, &pid, "新", owner, 2).await.unwrap()) })
        });
        let results: Vec<(PidOwner, bool)> =
            futures::future::join_all(binds).await.into_iter().map(Result::unwrap).collect();
        let winners: Vec<PidOwner> = results.iter().filter(|(_, won)| *won).map(|(o, _)| *o).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        assert_eq!(store.pid_holder(Platform::Jd, &pid).await.unwrap(), Some(winners[0]));
        for (i, owner) in owners.iter().enumerate() {
            let held = store.pid_of(Platform::Jd, *owner).await.unwrap();
            if *owner == winners[0] {
                assert_eq!(held.as_deref(), Some(pid.as_str()));
            } else if round == 0 {
                assert_eq!(held, Some(format!("3300000{i:03}")), "a loser keeps its PID");
            }
        }
    }
}

on_both_engines!(multi_thread: concurrent_binds_of_one_pid_let_exactly_one_owner_win);
