//! Dashboard authentication: login, cookie flags, session rotation, expiry, rate limiting, CSRF, roles.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user, partner_group};
use crate::helpers::{TestApp, TestDb};
use dealbot::store::users::Role;
use reqwest::StatusCode;

async fn app_with_admin() -> TestApp {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    app
}

#[tokio::test]
async fn pages_redirect_to_login_and_the_api_answers_401_when_logged_out() {
    let app = app_with_admin().await;
    let mut c = AdminClient::new(&app);
    let r = c.get("/admin/groups").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin/login");
    assert_eq!(c.get("/admin/api/groups").await.status(), StatusCode::UNAUTHORIZED);
    let r = c.get("/admin/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("登录"));
}

#[tokio::test]
async fn login_sets_a_fresh_http_only_strict_session_cookie_and_logout_ends_it() {
    let app = app_with_admin().await;
    let mut c = AdminClient::new(&app);
    // A session id planted before login (session fixation) is not kept.
    let planted = "ab".repeat(32);
    c.cookies.insert("dealbot_session".into(), planted.clone());
    let r = c.login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin");
    let set = c.last_set_cookies.iter().find(|s| s.starts_with("dealbot_session=")).unwrap().clone();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=43200"] {
        assert!(set.contains(flag), "{flag} missing in {set}");
    }
    assert!(!set.contains("Secure"), "no Secure flag over plain http: {set}");
    let first = c.session().unwrap().to_string();
    assert_ne!(first, planted);
    assert_eq!(first.len(), 64);
    let page = c.get("/admin").await.text().await.unwrap();
    assert!(page.contains("概览") && page.contains(ADMIN));

    // Logging in again rotates the id; the old one no longer opens anything.
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let second = c.session().unwrap().to_string();
    assert_ne!(first, second);
    let mut old = AdminClient::new(&app);
    old.cookies.insert("dealbot_session".into(), first);
    assert_eq!(old.get("/admin/api/me").await.status(), StatusCode::UNAUTHORIZED);

    // The database keeps only a hash of the id.
    let row = app.store.session(&second, app.clock.now_ms()).await.unwrap();
    assert!(row.is_none(), "sessions are looked up by hash, never by the raw id");

    let token = c.csrf().await;
    let r = c.post_form("/admin/logout", &[("_csrf", &token)]).await;
    assert_eq!(r.headers()["location"], "/admin/login");
    let mut again = AdminClient::new(&app);
    again.cookies.insert("dealbot_session".into(), second);
    assert_eq!(again.get("/admin/api/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookies_are_secure_when_served_over_https() {
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.server.public_base_url = "https://deals.example.com".into();
    })
    .await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let set = c.last_set_cookies.iter().find(|s| s.starts_with("dealbot_session=")).unwrap();
    assert!(set.contains("; Secure") && set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_user_name() {
    let app = app_with_admin().await;
    let mut c = AdminClient::new(&app);
    for _ in 0..5 {
        let r = c.login(ADMIN, "wrong-password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    }
    // Locked: even the right password is refused now, with a Retry-After.
    let r = c.login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    assert!(r.text().await.unwrap().contains("尝试次数过多"));
    assert!(c.session().is_none());
    // Another name is not affected.
    add_user(&app, "ops", ADMIN_PASSWORD, Role::Admin, None).await;
    assert_eq!(c.login("ops", ADMIN_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_users_and_disabled_users_cannot_log_in() {
    let app = app_with_admin().await;
    let id = add_user(&app, "gone", ADMIN_PASSWORD, Role::Admin, None).await;
    app.store.set_user_disabled(id, true, app.clock.now_ms()).await.unwrap();
    let mut c = AdminClient::new(&app);
    assert_eq!(c.login("nobody", ADMIN_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(c.login("gone", ADMIN_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_expire() {
    let app = app_with_admin().await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(c.get("/admin/api/me").await.status(), StatusCode::OK);
    app.clock.advance_ms(12 * 3600 * 1000 + 1000);
    assert_eq!(c.get("/admin/api/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(c.get("/admin").await.headers()["location"], "/admin/login");
}

#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let app = app_with_admin().await;
    let (group, _) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let path = format!("/admin/groups/{group}");
    // form without the token, and with a wrong one
    let r = c.post_form(&path, &[("name", "改名")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("表单已失效"));
    let r = c.post_form(&path, &[("_csrf", "00"), ("name", "改名")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // API call without the header
    let api = format!("/admin/api/groups/{group}");
    let r = c.post_json(&api, &serde_json::json!({"name": "改名"}), None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.group_by_id(group).await.unwrap().unwrap().name, "王的群");
    // with the token both work
    let token = c.csrf().await;
    let r = c.post_form(&path, &[("_csrf", &token), ("name", "改名一"), ("enabled", "true")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.group_by_id(group).await.unwrap().unwrap().name, "改名一");
    let r = c.post_json(&api, &serde_json::json!({"name": "改名二"}), Some(&token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.store.group_by_id(group).await.unwrap().unwrap().name, "改名二");
    // The login form has its own token: a login post without it is refused.
    let mut fresh = AdminClient::new(&app);
    let r = fresh.post_form("/admin/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_partner_sees_only_their_own_groups_and_no_admin_pages() {
    let app = app_with_admin().await;
    let (mine, me) = partner_group(&app, "小王", "111@chatroom", "王的群").await;
    let (theirs, _) = partner_group(&app, "小李", "222@chatroom", "李的群").await;
    add_user(&app, "wang", ADMIN_PASSWORD, Role::Partner, Some(me)).await;
    let mut c = AdminClient::new(&app);
    c.login("wang", ADMIN_PASSWORD).await;
    let list = c.get("/admin/groups").await.text().await.unwrap();
    assert!(list.contains("王的群") && !list.contains("李的群"));
    let api: serde_json::Value = c.get("/admin/api/groups").await.json().await.unwrap();
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(api[0]["id"], mine);
    assert_eq!(c.get(&format!("/admin/groups/{theirs}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.get(&format!("/admin/api/groups/{theirs}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.get(&format!("/admin/groups/{mine}")).await.status(), StatusCode::OK);
    let token = c.csrf().await;
    let r = c.post_json(&format!("/admin/api/groups/{theirs}"), &serde_json::json!({"name": "x"}), Some(&token)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A partner cannot move a group to themselves or reach admin-only pages.
    let r =
        c.post_json(&format!("/admin/api/groups/{mine}"), &serde_json::json!({"partner_id": me}), Some(&token)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin_only = dealbot::admin::nav().iter().filter(|e| e.audience == dealbot::admin::routes::Audience::AdminOnly);
    let admin_only: Vec<&str> = admin_only.map(|e| e.path).collect();
    assert!(admin_only.contains(&"/admin/robots") && admin_only.contains(&"/admin/withdrawal-log"), "{admin_only:?}");
    for p in admin_only {
        assert_eq!(c.get(p).await.status(), StatusCode::FORBIDDEN, "{p}");
    }
    let partners: serde_json::Value = c.get("/admin/api/partners").await.json().await.unwrap();
    assert_eq!(partners.as_array().unwrap().len(), 1);
    assert_eq!(partners[0]["name"], "小王");
}

#[tokio::test]
async fn the_admin_create_command_makes_an_argon2id_admin_who_can_log_in() {
    let app = TestApp::spawn().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dealbot"))
        .args(["admin", "create", "founder"])
        .env("DEALBOT__DATABASE__URL", &app.db.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"a-very-long-secret\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let user = app.store.user_by_name("founder").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(user.password_hash.starts_with("$argon2id$"));
    let mut c = AdminClient::new(&app);
    assert_eq!(c.login("founder", "a-very-long-secret").await.status(), StatusCode::SEE_OTHER);
}
