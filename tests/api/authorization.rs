//! Pinduoduo 多多客授权 end to end with the simulator: start, callback, refresh, expiry warnings, lapse.

use crate::helpers::*;
use dealbot::config::Secret;
use std::time::Duration;

const TOKEN: &str = "admin-api-token-0123456789";
const OPERATOR: &str = "wxid_operator";
const DAY: u64 = 86_400;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn pdd_authorization_flows_from_start_to_lapse_with_warnings_at_7_3_and_1_days() {
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.admin.api_token = Secret::new(TOKEN);
        s.admin.wxids = vec![OPERATOR.into()];
    })
    .await;
    let pdd = &app.sim.sims.pdd;
    pdd.set_token_lifetimes(Duration::from_secs(2 * DAY), Duration::from_secs(10 * DAY));
    let http = no_redirects();

    // Only an admin may start it.
    let r = http.get(format!("{}/auth/pdd/start", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.get(format!("{}/auth/pdd/start", app.base)).bearer_auth(TOKEN).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let authorize = r.headers()["location"].to_str().unwrap().to_string();
    assert!(authorize.starts_with(&format!("{}/pdd/open.html?", app.sim.base)), "{authorize}");
    assert!(authorize.contains("state="));
    // The authorize page sends the admin back with a code.
    let r = http.get(&authorize).send().await.unwrap();
    assert!(r.status().is_redirection());
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.starts_with(&format!("{}/auth/pdd/callback?", app.base)), "{callback}");
    let r = http.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("授权成功"));
    // A used state does not work twice.
    assert_eq!(http.get(&callback).send().await.unwrap().status(), 400);

    let status: serde_json::Value = http
        .get(format!("{}/auth/pdd/status", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "ok");
    let days = status["days_left"].as_i64().unwrap();
    assert!((9..=10).contains(&days), "{status}");

    let auth = app.engine.pdd_auth.clone().unwrap();
    let advance = |days: u64| {
        pdd.advance(Duration::from_secs(days * DAY));
        app.clock.advance_ms((days * DAY * 1000) as i64);
    };

    // 4 days on: the access token (2 days) has expired; a token-needing call refreshes once and retries.
    advance(4);
    assert_eq!(auth.check_warnings().await.unwrap().len(), 1, "6 days left: the 7-day warning");
    assert!(auth.check_warnings().await.unwrap().is_empty(), "each warning once");
    let pids = auth.with_token(|c| async move { c.query_pids(1, 10).await }).await.unwrap();
    let _ = pids;
    let s = auth.status().await.unwrap();
    assert_eq!(s.state, "ok", "refreshed: a fresh 10-day refresh token");

    advance(8);
    let w = auth.check_warnings().await.unwrap();
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("3 天"), "{w:?}");
    advance(1);
    let w = auth.check_warnings().await.unwrap();
    assert!(w[0].contains("1 天"), "{w:?}");
    assert_eq!(auth.status().await.unwrap().state, "expiring");
    advance(2);
    let w = auth.check_warnings().await.unwrap();
    assert!(w[0].contains("已过期"), "{w:?}");
    let s = auth.status().await.unwrap();
    assert_eq!(s.state, "lapsed");
    assert!(s.message.contains("转链仍正常"));

    // Conversions that need no token keep working after the lapse.
    let refs = dealbot::links::recognize("https://mobile.yangkeduo.com/goods.html?goods_id=386512047723");
    let attr = dealbot::affiliate::Attribution::pid_only(dealbot::demo::DEMO_PDD_PID);
    assert!(app.engine.affiliates.convert(&refs[0], &attr).await.is_ok());
    // The operator got each warning in private chat: 7-day, 3-day, 1-day, lapsed.
    let sent = eventually("four warnings", Duration::from_secs(20), || async {
        let s: Vec<_> = app.sim.sims.gewe.sent().into_iter().filter(|m| m.to_wxid == OPERATOR).collect();
        (s.len() == 4).then_some(s)
    })
    .await;
    assert!(sent.iter().all(|m| m.content.contains("多多进宝授权") && m.ats.is_empty()));
}
