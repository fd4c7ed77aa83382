//! 申请代理 → 代理审核: members apply in private chat, an admin approves on the dashboard with a level (the member
//! becomes a partner with a Pinduoduo PID made through the simulated union's `pid.generate` and an invite code) or
//! rejects with a reason; the applicant is told in chat. Partners cannot decide.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::conversation::{ALICE, BOB, Chat, Person};
use crate::money_chat::direct;
use dealbot::chat::{Outbound, OutboundBody};
use dealbot::platform::Platform;
use dealbot::store::agents::status;
use dealbot::store::pids::PidOwner;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::json;

/// The decision notices queued for `who` in private chat.
async fn notices(chat: &Chat, who: Person) -> Vec<String> {
    let rows = chat.app.store.outbox_for(who.wxid).await.unwrap();
    rows.into_iter()
        .filter(|r| r.idempotency_key.starts_with("agent-application:"))
        .map(|r| match serde_json::from_str::<Outbound>(&r.body).unwrap().body {
            OutboundBody::Text { content, .. } => content,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_member_applies_in_chat_and_is_approved_with_a_pid_and_an_invite_code_or_rejected_with_a_reason() {
    let chat = Chat::start_with(|s| s.chat.cooldown_secs = 0).await;
    let app = &chat.app;
    let reply = direct(&chat, ALICE, "申请代理 我有 3 个 500 人的群").await.join("\n");
    assert!(reply.contains("已提交"), "{reply}");
    assert!(direct(&chat, ALICE, "申请代理 再申请一次").await.join("\n").contains("审核中"));
    let asked = direct(&chat, BOB, "申请代理").await.join("\n");
    assert!(asked.contains("申请理由"), "a missing reason is asked for: {asked}");
    assert!(direct(&chat, BOB, "想赚点零花钱").await.join("\n").contains("已提交"));
    let open = app.store.agent_applications(status::OPEN, 10).await.unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    let (alice_app, bob_app) = (open[0].id, open[1].id);
    assert_eq!(open[0].reason, "我有 3 个 500 人的群");
    assert_eq!(open[1].reason, "想赚点零花钱");

    // A partner can see nothing and decide nothing.
    let wang = app.store.create_partner("小王", None, None, app.clock.now_ms()).await.unwrap();
    add_user(app, "wang", "wang-password-123", Role::Partner, Some(wang)).await;
    let mut p = AdminClient::new(app);
    p.login("wang", "wang-password-123").await;
    let pcsrf = p.csrf().await;
    assert_eq!(p.get("/admin/agents").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.get("/admin/api/agent-applications").await.status(), StatusCode::FORBIDDEN);
    let approve = json!({"action": "approve", "level": "合伙人"});
    let r = p.post_json(&format!("/admin/api/agent-applications/{alice_app}"), &approve, Some(&pcsrf)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = p.post_form(&format!("/admin/agents/{alice_app}"), &[("_csrf", &pcsrf), ("action", "approve")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.agent_applications(status::OPEN, 10).await.unwrap().len(), 2);

    add_user(app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let page = c.get("/admin/agents").await.text().await.unwrap();
    assert!(page.contains("我有 3 个 500 人的群") && page.contains("想赚点零花钱"), "{page}");
    let token = AdminClient::form_token(&page);
    let path = format!("/admin/agents/{alice_app}");
    let r = c.post_form(&path, &[("_csrf", &token), ("action", "approve"), ("level", "总代理")]).await;
    assert!(r.headers()["location"].to_str().unwrap().contains("msg="), "an unknown level is refused");
    let r = c.post_form(&path, &[("_csrf", &token), ("action", "approve"), ("level", "高级代理")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let a = app.store.agent_application(alice_app).await.unwrap().unwrap();
    assert_eq!((a.status.as_str(), a.level.as_deref()), (status::APPROVED, Some("高级代理")));
    let code = a.invite_code.clone().unwrap();
    assert_eq!(code.len(), 8);
    let partner = a.partner_id.unwrap();
    assert_eq!(app.store.partner_by_wxid(ALICE.wxid).await.unwrap(), Some(partner));
    let pid = app.store.pid_of(Platform::Pdd, PidOwner::Partner(partner)).await.unwrap().expect("a generated PID");
    let told = notices(&chat, ALICE).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("已通过") && told[0].contains("高级代理") && told[0].contains(&code), "{told:?}");
    assert!(told[0].contains(&pid), "{told:?}");
    // A second click changes nothing.
    let r = c.post_form(&path, &[("_csrf", &token), ("action", "approve"), ("level", "合伙人")]).await;
    assert!(r.headers()["location"].to_str().unwrap().contains("msg="));
    assert_eq!(app.store.agent_application(alice_app).await.unwrap().unwrap().level.as_deref(), Some("高级代理"));
    assert!(direct(&chat, ALICE, "申请代理 再来").await.join("\n").contains("已经是代理"));
    assert!(direct(&chat, ALICE, "我的").await.join("\n").contains("合伙人分成"), "the new agent sees their shares");

    // Rejecting needs a reason, which reaches the applicant.
    let csrf = c.csrf().await;
    let reject = |reason: &str| json!({"action": "reject", "reason": reason});
    let url = format!("/admin/api/agent-applications/{bob_app}");
    assert_eq!(c.post_json(&url, &reject(" "), Some(&csrf)).await.status(), StatusCode::BAD_REQUEST);
    let r = c.post_json(&url, &reject("群规模不足 100 人"), Some(&csrf)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let told = notices(&chat, BOB).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("未通过") && told[0].contains("群规模不足 100 人"), "{told:?}");
    assert_eq!(app.store.partner_by_wxid(BOB.wxid).await.unwrap(), None);
    let decided = c.get("/admin/agents").await.text().await.unwrap();
    assert!(decided.contains(&code) && decided.contains("群规模不足 100 人"), "{decided}");
}
