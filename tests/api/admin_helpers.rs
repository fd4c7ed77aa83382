//! A dashboard client for black-box tests: keeps cookies by hand (so tests can read their flags), logs in through
//! the real form and sends forms with or without the CSRF token.

use crate::helpers::TestApp;
use dealbot::store::users::Role;
use reqwest::header::{COOKIE, SET_COOKIE};
use std::collections::BTreeMap;

pub const ADMIN: &str = "boss";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

/// Creates a dashboard user straight in the database (as `dealbot admin create` does).
pub async fn add_user(app: &TestApp, name: &str, password: &str, role: Role, partner_id: Option<i64>) -> i64 {
    dealbot::admin::settings::add_user(&app.store, name, password, role, partner_id, app.clock.now_ms()).await.unwrap()
}

/// The first robot's id (the demo robot every TestApp runs).
pub fn robot_id(app: &TestApp) -> i64 {
    app.engine.robots.keys().next().unwrap()
}

/// A group owned by a new partner named `partner`; returns (group id, partner id).
pub async fn partner_group(app: &TestApp, partner: &str, room: &str, name: &str) -> (i64, i64) {
    let now = app.clock.now_ms();
    let p = app.store.create_partner(partner, None, None, now).await.unwrap();
    let g = app.store.ensure_group(robot_id(app), room, true, now).await.unwrap();
    app.store.set_group_partner(g.id, Some(p), now).await.unwrap();
    app.store.set_group_name(g.id, name, now).await.unwrap();
    app.engine.invalidate_group(robot_id(app), room).await;
    (g.id, p)
}

pub struct AdminClient {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Raw `Set-Cookie` headers of the last response.
    pub last_set_cookies: Vec<String>,
}

impl AdminClient {
    pub fn new(app: &TestApp) -> AdminClient {
        AdminClient::at(&app.base)
    }

    /// A client of the dealbot at `base` (e.g. a demo started as a process).
    pub fn at(base: &str) -> AdminClient {
        let http = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        AdminClient { base: base.to_string(), http, cookies: BTreeMap::new(), last_set_cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, resp: &reqwest::Response) {
        self.last_set_cookies =
            resp.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        for c in &self.last_set_cookies {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let resp =
            self.http.get(format!("{}{path}", self.base)).header(COOKIE, self.cookie_header()).send().await.unwrap();
        self.absorb(&resp);
        resp
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.absorb(&resp);
        resp
    }

    /// A JSON POST with the `X-CSRF-Token` header when `csrf` is given.
    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value, csrf: Option<&str>) -> reqwest::Response {
        let mut req = self.http.post(format!("{}{path}", self.base)).header(COOKIE, self.cookie_header()).json(body);
        if let Some(t) = csrf {
            req = req.header("X-CSRF-Token", t);
        }
        let resp = req.send().await.unwrap();
        self.absorb(&resp);
        resp
    }

    /// The `_csrf` value of the first form on a page.
    pub fn form_token(html: &str) -> String {
        const FIELD: &str = r#"name="_csrf" value=""#;
        let at = html.find(FIELD).expect("a form with a CSRF field") + FIELD.len();
        html[at..].split('"').next().unwrap().to_string()
    }

    /// Logs in through the login form; returns the response to the POST.
    /// A session cookie already held is sent with the POST (not with the GET, which would redirect).
    pub async fn login(&mut self, user: &str, password: &str) -> reqwest::Response {
        let held = self.cookies.remove("dealbot_session");
        let page = self.get("/admin/login").await.text().await.unwrap();
        if let Some(s) = held {
            self.cookies.insert("dealbot_session".into(), s);
        }
        let token = Self::form_token(&page);
        self.post_form("/admin/login", &[("_csrf", &token), ("username", user), ("password", password)]).await
    }

    /// The session's CSRF token, as a script reads it.
    pub async fn csrf(&mut self) -> String {
        let me: serde_json::Value = self.get("/admin/api/me").await.json().await.unwrap();
        me["csrf_token"].as_str().unwrap().to_string()
    }

    pub fn session(&self) -> Option<&str> {
        self.cookies.get("dealbot_session").map(String::as_str)
    }
}

/// Members of two partners' groups paste JD links; the simulated union makes an order for each conversion and the
/// real sync stores them and hands them to the ledger. Returns (group of 小王, group of 小李, partner 小王).
pub async fn synced_jd_orders(app: &TestApp) -> (i64, i64, i64) {
    use dealbot::platform::Platform;
    use dealbot::store::pids::PidOwner;
    let (wang_group, wang) = partner_group(app, "小王", "111@chatroom", "省钱一群").await;
    let (li_group, _) = partner_group(app, "小李", "222@chatroom", "好物二群").await;
    let now = app.clock.now_ms();
    app.store.set_pid(Platform::Jd, "3200000001", "省钱一群", PidOwner::Group(wang_group), now).await.unwrap();
    app.store.set_pid(Platform::Jd, "3200000002", "好物二群", PidOwner::Group(li_group), now).await.unwrap();
    let pastes = [
        ("111@chatroom", "wxid_m3mb3r77", "阿明", 100_087_654_321_u64),
        ("111@chatroom", "wxid_fang0520", "小芳", 100_087_654_322),
        ("222@chatroom", "wxid_lei1999", "雷雷", 100_087_654_324),
    ];
    let fetched = jd_pastes_synced(app, &pastes).await;
    assert_eq!(fetched, 3);
    (wang_group, li_group, wang)
}

/// Members paste JD links (room, wxid, nickname, item id); 20 minutes later the union has an order for each
/// conversion and the real sync stores them and hands them to the ledger. Returns how many orders the sync fetched.
pub async fn jd_pastes_synced(app: &TestApp, pastes: &[(&str, &str, &str, u64)]) -> u64 {
    use dealbot::platform::Platform;
    use std::time::Duration;
    let before = app.store.recent_conversions(1000).await.unwrap().len();
    for (room, wxid, nick, item) in pastes.iter().copied() {
        let text = format!("https://item.jd.com/{item}.html");
        app.sim.sims.gewe.deliver_text(room, wxid, nick, &text).await.unwrap();
    }
    crate::helpers::eventually("the conversions", Duration::from_secs(30), || async {
        (app.store.recent_conversions(1000).await.unwrap().len() == before + pastes.len()).then_some(())
    })
    .await;
    // The union books the orders minutes later; dealbot's clock and the union's move together.
    let later = Duration::from_secs(20 * 60);
    app.clock.advance_ms(i64::try_from(later.as_millis()).unwrap());
    app.sim.sims.jd.advance(later);
    let settings = &app.engine.settings;
    let sync = dealbot::orders::sync::OrderSync::for_platform(
        &app.store,
        &app.engine.affiliates,
        Platform::Jd,
        settings,
        &app.clock,
    )
    .unwrap();
    let lease = sync.lease("test");
    assert!(lease.acquire().await.unwrap());
    let report = sync.run(&lease).await.unwrap();
    lease.release().await.unwrap();
    report.fetched
}

/// The ledger as the running service configures it.
pub fn ledger(app: &TestApp) -> dealbot::ledger::Ledger {
    let s = &app.engine.settings;
    dealbot::ledger::Ledger::with_settings(app.store.clone(), s.ledger.clone(), s.chat.utc_offset_hours)
}

/// A member with a settled order booked by the ledger (rebate available) and an open withdrawal of `amount`.
/// Returns the withdrawal id.
pub async fn open_withdrawal(app: &TestApp, group: i64, partner: i64, wxid: &str, nick: &str, amount: i64) -> i64 {
    use dealbot::money::Fen;
    let now = app.clock.now_ms();
    let member = app.store.touch_member(wxid, Some(nick), Some(group), now).await.unwrap();
    let facts = dealbot::order::OrderFacts {
        order_id: 900_000 + member,
        platform: dealbot::platform::Platform::Jd,
        order_key: format!("settled-{member}"),
        lifecycle: dealbot::order::Lifecycle::Settled,
        commission: Fen(20_000),
        paid_amount: Fen(99_900),
        group_id: Some(group),
        partner_id: Some(partner),
        member_id: Some(member),
        paid_at: Some(now / 1000),
    };
    let l = ledger(app);
    l.apply(&facts).await.unwrap();
    match l.request_withdrawal(member, Fen(amount)).await.unwrap() {
        dealbot::store::withdrawals::WithdrawalRequest::Accepted { id, .. } => id,
        other => panic!("withdrawal refused: {other:?}"),
    }
}
