//! The playground page's own endpoints (what its script calls: `say`, `messages`, `image/{i}`) drive dealbot
//! through the simulated gateway, and command replies come back on the page, for a member and for the owner.

use crate::helpers::TestApp;
use dealbot::sim::gewe::PLAYGROUND_OWNER_NICKNAME;
use serde_json::{Value, json};
use std::time::Duration;

const MEMBER: &str = "小红";

struct Page {
    app: TestApp,
    base: String,
    /// The page's `after` cursor.
    after: u64,
}

impl Page {
    async fn open() -> Page {
        let app = TestApp::spawn().await;
        dealbot::demo::prepare_playground(&app.engine).await.unwrap();
        let base = format!("{}/gewe/playground", app.sim.base);
        Page { app, base, after: 0 }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.app.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// What the page does on 发送.
    async fn say(&self, nickname: &str, text: &str) {
        let r = self.app.http.post(format!("{}/say", self.base)).json(&json!({"nickname": nickname, "text": text}));
        let answer: Value = r.send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["ok"], true, "{text}: {answer}");
    }

    /// What the page does on 发送 in another chat (`private` for 私聊).
    async fn say_in(&self, room: &str, nickname: &str, text: &str) {
        let body = json!({"nickname": nickname, "text": text, "room": room});
        let answer: Value =
            self.app.http.post(format!("{}/say", self.base)).json(&body).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["ok"], true, "{text}: {answer}");
    }

    /// Polls like the page until the robot posts a text containing `part`; returns the robot's entries seen.
    async fn bot_says(&mut self, part: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let page: Value = self.get(&format!("/messages?after={}", self.after)).await.json().await.unwrap();
            self.after = page["last"].as_u64().unwrap();
            for m in page["messages"].as_array().unwrap() {
                if m["from"] == "bot" {
                    seen.push(m.clone());
                }
            }
            if seen.iter().any(|m| m["text"].as_str().unwrap_or_default().contains(part)) {
                return seen;
            }
            assert!(std::time::Instant::now() < deadline, "the robot never said {part}: {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn the_playground_lets_a_member_and_the_owner_try_the_commands() {
    let mut page = Page::open().await;
    let html = page.get("").await.text().await.unwrap();
    for part in ["切换为群主", "查券 耳机", "#群状态", "#设置关键词"] {
        assert!(html.contains(part), "the page offers {part}");
    }
    let first: Value = page.get("/messages?after=0").await.json().await.unwrap();
    assert_eq!(first["owner"]["nickname"], PLAYGROUND_OWNER_NICKNAME, "the page learns whom to switch to");
    assert_eq!(first["connected"], true);

    // A member.
    page.say(MEMBER, "帮助").await;
    let help = page.bot_says("我能做这些").await;
    let help = help.last().unwrap()["text"].as_str().unwrap();
    assert!(help.starts_with(&format!("@{MEMBER}\u{2005}")) && !help.contains("群主命令"), "{help}");
    page.say(MEMBER, "签到").await;
    page.bot_says("签到成功").await;
    page.say(MEMBER, "查券 耳机").await;
    let found = page.bot_says("「耳机」的优惠好物").await;
    let poster = found.iter().find(|m| m["kind"] == "image").expect("a poster for the first result");
    let image = page.get(&format!("/{}", poster["image"].as_str().unwrap())).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    page.say(MEMBER, "#群状态").await;
    page.bot_says("只有群主或管理员可以使用").await;

    // The owner identity the page switches to.
    page.say(PLAYGROUND_OWNER_NICKNAME, "#群状态").await;
    let status = page.bot_says("本群状态").await;
    assert!(status.last().unwrap()["text"].as_str().unwrap().contains("群主：群主老王"), "{status:?}");
    page.say(PLAYGROUND_OWNER_NICKNAME, "#设置关键词").await;
    page.bot_says("请发送关键词").await;
    page.say(PLAYGROUND_OWNER_NICKNAME, "发货").await;
    page.bot_says("请发送回复内容").await;
    page.say(PLAYGROUND_OWNER_NICKNAME, "下单后 48 小时内发货").await;
    page.bot_says("已添加关键词「发货」").await;
    page.say(MEMBER, "什么时候发货呀").await;
    page.bot_says("下单后 48 小时内发货").await;

    let member = page.app.store.member_id(&dealbot::sim::gewe::playground_wxid(MEMBER)).await.unwrap().unwrap();
    assert_eq!(page.app.store.points_balance(member).await.unwrap(), 10);
}

#[tokio::test]
async fn in_the_playground_private_chat_links_search_and_questions_work_like_in_the_group() {
    let mut page = Page::open().await;
    let private = dealbot::sim::gewe::PRIVATE_ROOM;
    page.say_in(private, MEMBER, "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723").await;
    let converted = page.bot_says("http").await;
    assert!(converted.iter().any(|m| m["kind"] == "image"), "a poster: {converted:?}");
    let copy = converted.iter().rev().find(|m| m["kind"] != "image").unwrap()["text"].as_str().unwrap().to_string();
    assert!(!copy.starts_with('@'), "no @-mention in private chat: {copy}");
    page.say_in(private, MEMBER, "查券 耳机").await;
    page.bot_says("「耳机」的优惠好物").await;
    page.say_in(private, MEMBER, "返利多久到账呀").await;
    page.bot_says("发送「订单」查看明细").await;
}
