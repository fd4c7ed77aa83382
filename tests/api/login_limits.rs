//! The login under attack: parallel guesses, many addresses and names, and the operator's way back in.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::helpers::{TestApp, TestDb};
use dealbot::admin::ratelimit::{LimitError, LoginLimiter};
use dealbot::config::AdminSettings;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use std::process::Command;

async fn forty_parallel_wrong_passwords_verify_at_most_the_allowed_failures(db: TestDb) {
    let app = TestApp::spawn_on(db, |_| {}).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let max = app.engine.settings.admin.login_max_failures as usize;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let mut c = AdminClient::new(&app);
        tasks.push(tokio::spawn(async move { c.login(ADMIN, &format!("wrong-password-{i}")).await.status() }));
    }
    let mut verified = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => verified += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    // A 401 is an attempt whose password was verified; the others were refused before any hashing.
    assert!((1..=max).contains(&verified), "{verified} of 40 guesses were verified (limit {max})");
    let r = AdminClient::new(&app).login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the name is locked, even for the right password");
}

async fn one_client_address_is_limited_across_user_names(db: TestDb) {
    let app = TestApp::spawn_on(db, |s| s.admin.login_max_attempts_per_address = 3).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    for name in ["alice", "bob", "carol"] {
        assert_eq!(c.login(name, "guess-guess-guess").await.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    let r = c.login("dave", "guess-guess-guess").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the fourth name from the same address");
    assert_eq!(c.login(ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn an_admin_locked_out_by_a_stranger_gets_back_in_with_admin_unlock(db: TestDb) {
    let url = db.url.clone();
    let app = TestApp::spawn_on(db, |_| {}).await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut stranger = AdminClient::new(&app);
    for _ in 0..app.engine.settings.admin.login_max_failures {
        stranger.login(ADMIN, "not-the-password").await;
    }
    let mut me = AdminClient::new(&app);
    assert_eq!(me.login(ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dealbot.toml");
    std::fs::write(&config, format!("[database]\nurl = \"{url}\"\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dealbot"))
        .args(["admin", "unlock", "BOSS", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("lifted"));

    assert_eq!(me.login(ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert!(me.session().is_some());
}

async fn many_failing_names_never_unlock_a_locked_one(db: TestDb) {
    let store = db.store().await;
    let settings = AdminSettings { login_max_failures: 3, login_window_secs: 900, ..AdminSettings::default() };
    let limiter = LoginLimiter::new(store.clone(), &settings);
    let now = dealbot::store::now_ms();
    for _ in 0..3 {
        limiter.admit(ADMIN, None, now).await.unwrap();
    }
    assert!(matches!(limiter.admit(ADMIN, None, now).await, Err(LimitError::Locked { .. })));
    // More names than the old in-memory limiter kept (10,000) fail afterwards.
    for i in 0..10_050 {
        limiter.admit(&format!("name{i}"), None, now + 1).await.unwrap();
    }
    let locked = limiter.admit(ADMIN, None, now + 2).await;
    assert!(matches!(locked, Err(LimitError::Locked { retry_after_secs }) if retry_after_secs > 800), "{locked:?}");
    // The lock ends with its window, for that name alone.
    let later = now + 900_001;
    assert!(limiter.admit(ADMIN, None, later).await.is_ok());
    assert_eq!(store.prune_login_attempts(later - 900_000).await.unwrap(), 10_050);
}

on_both_engines!(multi_thread: forty_parallel_wrong_passwords_verify_at_most_the_allowed_failures);
on_both_engines!(
    one_client_address_is_limited_across_user_names,
    an_admin_locked_out_by_a_stranger_gets_back_in_with_admin_unlock,
    many_failing_names_never_unlock_a_locked_one,
);
