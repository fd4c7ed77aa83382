//! The demo as a newcomer meets it: the real binary `dealbot demo` on a fresh data folder prints the dashboard
//! login; in headless Chromium a member pastes a JD link in the playground, presses 下单 on the robot's reply and
//! 快进30天, sees the rebate with `我的` in 私聊 and the settled commission on 概览. The same through the
//! scriptable endpoints alone, on another fresh folder; then a restart on that folder keeps the login and the money.

use crate::admin_helpers::AdminClient;
use crate::admin_webdriver::Browser;
use crate::helpers::eventually;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const JD_LINK: &str = "https://item.jd.com/100087654321.html";

/// The running demo, killed when the test ends however it ends.
struct Demo {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
    user: String,
    password: String,
    /// Every line the demo printed before it was ready.
    banner: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    /// Starts `dealbot demo --port 0 --data-dir DIR` and reads its banner up to the admin token line.
    fn start(data_dir: &Path) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dealbot"))
            .args(["demo", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dealbot demo starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads every line, so the demo never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut banner = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !banner.last().is_some_and(|l: &String| l.starts_with("admin API token")) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => banner.push(line),
                Err(e) => panic!("the demo printed {banner:?}, then {e}"),
            }
        }
        let dashboard: Vec<&String> = banner.iter().filter(|l| l.starts_with("dashboard: ")).collect();
        assert_eq!(dashboard.len(), 1, "one dashboard line: {banner:?}");
        let words: Vec<&str> = dashboard[0].split(' ').collect();
        assert_eq!((words.len(), words[2], words[4]), (6, "user:", "password:"), "{}", dashboard[0]);
        let url = words[1];
        let port = url.strip_prefix("http://localhost:").and_then(|r| r.strip_suffix("/admin")).expect(url);
        Demo {
            child,
            base: format!("http://127.0.0.1:{port}"),
            user: words[3].to_string(),
            password: words[5].to_string(),
            banner,
        }
    }

    fn playground(&self, path: &str) -> String {
        format!("{}/sim/gewe/playground{path}", self.base)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = http().post(self.playground(path)).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn messages(&self) -> Vec<Value> {
        let page: Value = http().get(self.playground("/messages?after=0")).send().await.unwrap().json().await.unwrap();
        page["messages"].as_array().unwrap().clone()
    }

    /// The first robot message after `after` in `room` (and for `peer`, in private chat) whose text has `needle`.
    async fn robot_says(&self, after: u64, room: &str, peer: Option<&str>, needle: &str) -> Value {
        eventually(&format!("the robot says {needle} in {room}"), Duration::from_secs(60), || async {
            self.messages().await.into_iter().find(|m| {
                m["seq"].as_u64().unwrap() > after
                    && m["from"] == "bot"
                    && m["room"] == room
                    && peer.is_none_or(|p| m["peer"] == p)
                    && m["text"].as_str().unwrap().contains(needle)
            })
        })
        .await
    }

    async fn last_seq(&self) -> u64 {
        self.messages().await.last().map_or(0, |m| m["seq"].as_u64().unwrap())
    }

    /// An admin session over HTTP with the printed login.
    async fn admin(&self) -> AdminClient {
        let mut admin = AdminClient::at(&self.base);
        let r = admin.login(&self.user, &self.password).await;
        assert_eq!(r.status().as_u16(), 303, "the printed login works");
        admin
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(150)).build().unwrap()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// What the ledger says, over the admin JSON API.
struct Money {
    /// Every order: (order key, lifecycle, settled commission).
    orders: Vec<(String, String, i64)>,
    /// 概览, today: settled commission.
    settled_today: i64,
}

async fn money(admin: &mut AdminClient) -> Money {
    let page: Value = admin.get("/admin/api/orders?platform=jd").await.json().await.unwrap();
    let orders = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let key = o["order_key"].as_str().unwrap().to_string();
            (key, o["lifecycle"].as_str().unwrap().to_string(), o["settled_commission"].as_i64().unwrap())
        })
        .collect();
    let overview: Value = admin.get("/admin/api/overview").await.json().await.unwrap();
    Money { orders, settled_today: overview["today"]["settled_commission"].as_i64().unwrap() }
}

/// The member's available rebate in the ledger.
async fn available_rebate(admin: &mut AdminClient, nickname: &str) -> i64 {
    let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", nickname).finish();
    let list: Value = admin.get(&format!("/admin/api/members?{q}")).await.json().await.unwrap();
    let member = list.as_array().unwrap().iter().find(|m| m["nickname"] == nickname).expect("the member is listed");
    let detail: Value = admin.get(&format!("/admin/api/members/{}", member["id"])).await.json().await.unwrap();
    detail["balance"]["available"].as_i64().unwrap()
}

async fn wait_until_enabled(b: &Browser, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    let script = format!("return document.querySelector('{css}').disabled;");
    while b.exec(&script, json!([])).await != json!(false) {
        assert!(std::time::Instant::now() < deadline, "{css} stays disabled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The texts of the chat bubbles the page shows.
async fn bubbles(b: &Browser) -> Vec<String> {
    let v = b.exec("return [...document.querySelectorAll('#log .bubble')].map(n => n.textContent);", json!([])).await;
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

async fn browser_flow(demo: &Demo) -> (String, String) {
    let b = Browser::start(1000, 900).await;
    // The dashboard first: the printed login lets the newcomer in.
    b.goto(&format!("{}/admin", demo.base)).await;
    b.wait_url("/admin/login").await;
    b.type_into("input[name=username]", &demo.user).await;
    b.type_into("input[name=password]", &demo.password).await;
    b.click("#login button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while b.url().await.ends_with("/admin/login") {
        assert!(std::time::Instant::now() < deadline, "login did not leave the login page");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(b.text("#kpi-settled td").await, "0.00");

    // The playground: paste a JD link in the member group.
    b.goto(&format!("{}/playground", demo.base)).await;
    b.wait_url("/sim/gewe/playground").await;
    let dashboard = b.exec("return document.getElementById('dashboard').getAttribute('href');", json!([])).await;
    assert_eq!(dashboard, "/admin", "the playground links to the dashboard");
    let me = b.text("#me").await;
    b.type_into("#text", JD_LINK).await;
    b.click("#send").await;
    eventually("the 下单 button under the robot's reply", Duration::from_secs(60), || async {
        (b.count("#log .buy").await > 0).then_some(())
    })
    .await;
    b.click("#log .buy").await;
    eventually("the order placed", Duration::from_secs(30), || async {
        (b.text("#log .buy").await == "已下单").then_some(())
    })
    .await;
    b.click("#advance-30").await;
    wait_until_enabled(&b, "#advance-30").await;
    let toast = b.text("#toast").await;
    assert!(toast.contains("已快进 30 天"), "{toast}");

    // 私聊: 我的 shows the rebate.
    b.click("#rooms button[data-room=private]").await;
    b.type_into("#text", "我的").await;
    b.click("#send").await;
    let mine = eventually("我的 answered in 私聊", Duration::from_secs(60), || async {
        bubbles(&b).await.into_iter().find(|t| t.contains("可提现"))
    })
    .await;
    assert!(bubbles(&b).await.iter().all(|t| !t.contains(JD_LINK)), "the group's messages stay in the group");
    if let Ok(dir) = std::env::var("DEALBOT_SCREENSHOT_DIR") {
        std::fs::write(Path::new(&dir).join("playground-private.png"), b.screenshot().await).unwrap();
        b.click("#rooms button[data-room='45810326871@chatroom']").await;
        std::fs::write(Path::new(&dir).join("playground.png"), b.screenshot().await).unwrap();
    }

    // 概览 shows the settled commission of today.
    b.goto(&format!("{}/admin", demo.base)).await;
    let settled = b.text("#kpi-settled td").await;
    (me, format!("{mine}\n{settled}"))
}

/// A fresh data folder and the demo on it; checks the login file.
fn fresh_demo(dir: &tempfile::TempDir) -> (Demo, PathBuf) {
    let data: PathBuf = dir.path().join("demo-data");
    let demo = Demo::start(&data);
    assert!(demo.banner.iter().any(|l| l.contains("/playground")), "{:?}", demo.banner);
    let login_file = data.join(dealbot::demo::DASHBOARD_LOGIN_FILE);
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&login_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(&login_file).unwrap()).unwrap();
    assert_eq!((stored["user"].as_str(), stored["password"].as_str()), (Some(&*demo.user), Some(&*demo.password)));
    assert!(demo.password.len() >= 16, "a random password: {}", demo.password);
    (demo, data)
}

#[tokio::test]
async fn in_the_browser_a_demo_order_settles_after_30_days_and_shows_in_private_chat_and_on_the_overview() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, _) = fresh_demo(&dir);
    let (member, shown) = browser_flow(&demo).await;
    let mut admin = demo.admin().await;
    let m = money(&mut admin).await;
    assert_eq!(m.orders.len(), 1, "one order per 下单");
    let (_, lifecycle, settled) = &m.orders[0];
    assert_eq!(lifecycle, "settled");
    assert!(*settled > 0);
    assert_eq!(m.settled_today, *settled, "概览 counts the order settled today");
    let rebate = available_rebate(&mut admin, &member).await;
    assert!(rebate > 0 && rebate < *settled, "the member's share: {rebate} of {settled}");
    let (mine, overview_settled) = shown.rsplit_once('\n').unwrap();
    assert!(mine.contains(&format!("可提现 ¥{}", yuan(rebate))), "{mine}");
    assert_eq!(overview_settled, yuan(*settled), "概览 shows the settled commission");
}

#[tokio::test]
async fn over_http_alone_a_demo_order_settles_and_a_restart_keeps_the_login_and_the_money() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, data) = fresh_demo(&dir);
    let mut admin = demo.admin().await;
    let nick = "脚本小刘";
    let rooms: Value =
        http().get(demo.playground(&format!("/rooms?nickname={nick}"))).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = rooms.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["省钱福利群", "私聊", "线报源"]);
    let group = rooms[0]["room"].as_str().unwrap().to_string();
    let peer = rooms[1]["peer"].as_str().unwrap().to_string();
    // The demo runs a 免单 campaign on the playground's sample item.
    let before = demo.last_seq().await;
    let (status, _) = demo.post("/say", json!({"nickname": nick, "text": "免单"})).await;
    assert_eq!(status, 200);
    let free = demo.robot_says(before, &group, None, dealbot::engine::text::DEMO_CAMPAIGN_NAME).await;
    assert!(free["text"].as_str().unwrap().contains("截止"), "{free}");
    let before = demo.last_seq().await;
    let (status, _) = demo.post("/say", json!({"nickname": nick, "text": JD_LINK})).await;
    assert_eq!(status, 200);
    let reply = demo.robot_says(before, &group, None, "u.jd.com").await;
    let member_seq = before + 1;
    for (body, expected) in [
        (json!({"seq": member_seq}), 422),
        (json!({"seq": 1_000_000}), 404),
        (json!({"seq": "one"}), 400),
        (json!({}), 400),
    ] {
        let (status, answer) = demo.post("/order", body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(answer["ok"], false);
        assert!(!answer["error"].as_str().unwrap().is_empty());
    }
    let (status, bought) = demo.post("/order", json!({"seq": reply["seq"]})).await;
    assert_eq!((status, bought["platform"].as_str()), (200, Some("jd")), "{bought}");
    let paid = money(&mut admin).await;
    assert!(paid.orders.is_empty(), "dealbot learns of the order from the union's order list only");
    for days in [0, 31, -1] {
        let (status, _) = demo.post("/advance", json!({"days": days})).await;
        assert_eq!(status, 400, "{days} days");
    }
    let (status, advanced) = demo.post("/advance", json!({"days": 30})).await;
    assert_eq!(status, 200, "{advanced}");
    assert_eq!(advanced["sync"]["platforms"], json!(["pdd", "jd", "taobao"]));
    let before = demo.last_seq().await;
    let (status, _) = demo.post("/say", json!({"nickname": nick, "text": "我的", "room": "private"})).await;
    assert_eq!(status, 200);
    let mine = demo.robot_says(before, "private", Some(&peer), "可提现").await;
    let now = money(&mut admin).await;
    assert_eq!(now.orders.len(), 1);
    let (key, lifecycle, settled) = &now.orders[0];
    assert_eq!((key.as_str(), lifecycle.as_str()), (bought["order"].as_str().unwrap(), "settled"));
    assert!(*settled > 0);
    assert_eq!(now.settled_today, *settled, "概览 counts the order settled today");
    let rebate = available_rebate(&mut admin, nick).await;
    assert!(rebate > 0 && rebate < *settled, "the member's share: {rebate} of {settled}");
    assert!(mine["text"].as_str().unwrap().contains(&format!("可提现 ¥{}", yuan(rebate))), "{mine}");
    // The private chat stays out of the group.
    let messages = demo.messages().await;
    assert!(messages.iter().filter(|m| m["room"] == group).all(|m| !m["text"].as_str().unwrap().contains("可提现")));

    // A restart on the same folder keeps the login, the orders and the money.
    let (user, password) = (demo.user.clone(), demo.password.clone());
    drop(demo);
    let demo = Demo::start(&data);
    assert_eq!((&demo.user, &demo.password), (&user, &password), "the login is kept");
    let mut admin = demo.admin().await;
    let kept = money(&mut admin).await;
    assert_eq!((kept.orders, kept.settled_today), (now.orders, now.settled_today));
    assert_eq!(available_rebate(&mut admin, nick).await, rebate);
    let (status, _) = demo.post("/say", json!({"nickname": nick, "text": "我的", "room": "private"})).await;
    assert_eq!(status, 200);
    let mine = demo.robot_says(0, "private", Some(&peer), "可提现").await;
    assert!(mine["text"].as_str().unwrap().contains(&format!("可提现 ¥{}", yuan(rebate))), "{mine}");
    // The unions' time stays where 快进 left it.
    let offset = std::fs::read_to_string(data.join(dealbot::demo::UNION_CLOCK_FILE)).unwrap();
    assert_eq!(offset.trim(), (30 * 86_400).to_string());
}

/// 下单 at each union: a member converts a link of each platform; a buyer pays through each of the robot's replies;
/// 30 days later the real sync has every order settled, attributed to the member, and the rebate available.
#[tokio::test]
async fn a_buyer_paying_through_the_robots_reply_makes_one_order_at_each_union_that_settles() {
    use crate::helpers::{ROOM, TestApp, TestDb};
    use dealbot::orders::sync::OrderSync;
    use dealbot::platform::Platform;
    use dealbot::store::ledger::AccountKind;

    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.affiliate.jd.qps = 1_000;
        s.affiliate.taobao.qps = 1_000;
    })
    .await;
    let sims = &app.sim.sims;
    sims.pdd.set_require_member_auth(false);
    sims.jd.set_automatic_orders(false);
    sims.taobao.set_automatic_orders(false);
    sims.jd.set_settlement(dealbot::sim::jd::Settlement::AfterDays(7));
    let (wxid, nick) = ("wxid_demo_buyer", "阿买");
    let links = [
        (Platform::Pdd, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723"),
        (Platform::Jd, JD_LINK),
        (Platform::Taobao, "￥Rt7bQm2XzPa￥"),
    ];
    for (platform, link) in links {
        let sent_before = sims.gewe.sent().len();
        sims.gewe.deliver_text(ROOM, wxid, nick, link).await.unwrap();
        let reply = eventually("the robot's promotion", Duration::from_secs(60), || async {
            sims.gewe.sent().into_iter().skip(sent_before).find(|s| s.content.contains(nick)).map(|s| s.content)
        })
        .await;
        let bought = sims.buy(&reply).unwrap_or_else(|| panic!("no union link in {reply}"));
        assert_eq!(bought.platform, platform.code(), "{reply}");
    }
    assert_eq!(sims.buy("https://u.jd.com/NotOurs 和 ￥NotAToken1￥"), None);

    let sync_all = || async {
        for platform in Platform::ALL {
            let settings = &app.engine.settings;
            let sync =
                OrderSync::for_platform(&app.store, &app.engine.affiliates, platform, settings, &app.clock).unwrap();
            let lease = sync.lease("test");
            assert!(lease.acquire().await.unwrap());
            sync.run(&lease).await.unwrap();
            lease.release().await.unwrap();
        }
    };
    let orders = |platform| app.store.orders_modified_between(platform, 0, i64::MAX);
    // Paid now: dealbot reads them as paid.
    sync_all().await;
    for platform in Platform::ALL {
        let o = orders(platform).await.unwrap();
        assert_eq!(o.len(), 1, "{platform}: one order per 下单");
        assert_eq!(o[0].lifecycle, dealbot::order::Lifecycle::Paid, "{platform}");
    }
    let by = Duration::from_secs(30 * 86_400);
    sims.advance_unions(by);
    app.clock.advance_ms(i64::try_from(by.as_millis()).unwrap());
    sync_all().await;
    for platform in Platform::ALL {
        let o = orders(platform).await.unwrap();
        assert_eq!(o.len(), 1, "{platform}: one order per 下单");
        assert_eq!(o[0].lifecycle, dealbot::order::Lifecycle::Settled, "{platform}");
        assert_eq!(o[0].attribution.member_id, app.store.member_id(wxid).await.unwrap(), "{platform}");
    }
    let member = app.store.member_id(wxid).await.unwrap().unwrap();
    let balance = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!(balance.pending, 0);
    assert!(balance.available > 0);
}
