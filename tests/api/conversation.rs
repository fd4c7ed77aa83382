//! Scripted group conversations: a member says something through the simulated gateway, the test waits until
//! dealbot has handled that very message and reads the replies it queued for it.

use crate::helpers::*;
use dealbot::chat::{MemberRef, Outbound, OutboundBody};
use dealbot::config::Settings;
use sqlx::Row;

/// Someone in the group.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub wxid: &'static str,
    pub nick: &'static str,
}

pub const ADMIN: Person = Person { wxid: "wxid_0p3rat0r", nick: "运营小张" };
pub const OWNER: Person = Person { wxid: "wxid_gr0up0wn3r", nick: "群主老王" };
pub const ALICE: Person = Person { wxid: MEMBER, nick: MEMBER_NICK };
pub const BOB: Person = Person { wxid: "wxid_b0b", nick: "小波" };

impl Person {
    pub fn member_ref(self) -> MemberRef {
        MemberRef { wxid: self.wxid.into(), nickname: Some(self.nick.into()) }
    }

    /// How a message @-mentions this person.
    pub fn at(self) -> String {
        format!("@{}\u{2005}", self.nick)
    }
}

/// One reply queued for a message.
#[derive(Debug, Clone)]
pub struct Reply {
    pub body: OutboundBody,
    /// When the outbox may send it (unix ms).
    pub not_before: i64,
}

impl Reply {
    /// The text, or empty for other kinds.
    pub fn text(&self) -> &str {
        match &self.body {
            OutboundBody::Text { content, .. } => content,
            _ => "",
        }
    }

    pub fn is_image(&self) -> bool {
        matches!(self.body, OutboundBody::Image { .. })
    }
}

pub struct Chat {
    pub app: TestApp,
}

/// Days are advanced with the injectable clock, so messages may look old to the stale filter: widen it.
pub fn chat_settings(s: &mut Settings) {
    s.chat.admins = vec![ADMIN.wxid.to_string()];
    s.engine.max_message_age_secs = 400 * 24 * 3600;
}

impl Chat {
    pub async fn start() -> Chat {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> Chat {
        Self::start_on(TestDb::sqlite().await, tweak).await
    }

    /// [`Chat::start_with`] on `db`.
    pub async fn start_on(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> Chat {
        let app = TestApp::spawn_on(db, |s| {
            chat_settings(s);
            tweak(s);
        })
        .await;
        for p in [ADMIN, OWNER, ALICE, BOB] {
            app.sim.sims.gewe.add_member(ROOM, p.wxid, p.nick);
        }
        // The operator's JD account has the placement the scripts bind (`#绑定推广位 京东 3100000009`).
        app.sim.sims.jd.add_position(3100000009, "聊天推广位");
        Chat { app }
    }

    /// Starts with OWNER bound as the group's owner by ADMIN.
    pub async fn with_owner() -> Chat {
        Self::with_owner_and(|_| {}).await
    }

    pub async fn with_owner_and(tweak: impl FnOnce(&mut Settings)) -> Chat {
        let chat = Self::start_with(tweak).await;
        let r = chat.say(ADMIN, &format!("#设置群主 {}", OWNER.at())).await;
        assert!(r[0].text().contains("本群群主"), "{r:?}");
        chat
    }

    /// `who` writes `text`; returns the replies queued for that message once it is handled.
    pub async fn say(&self, who: Person, text: &str) -> Vec<Reply> {
        let id = self.app.sim.sims.gewe.deliver_text(ROOM, who.wxid, who.nick, text).await.unwrap();
        self.replies_to(&id).await
    }

    /// The replies queued for the message with gateway id `new_msg_id`, once it is handled.
    pub async fn replies_to(&self, new_msg_id: &str) -> Vec<Reply> {
        let key = format!("{}:{new_msg_id}", dealbot::sim::gewe::DEFAULT_APP_ID);
        wait_handled(&self.app.store, &key).await;
        let prefix = format!("reply:{key}:");
        let mut rows: Vec<_> = self
            .app
            .store
            .outbox_for(ROOM)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key.starts_with(&prefix))
            .collect();
        rows.sort_by_key(|r| r.idempotency_key[prefix.len()..].parse::<usize>().unwrap());
        rows.into_iter()
            .map(|r| {
                let out: Outbound = serde_json::from_str(&r.body).unwrap();
                Reply { body: out.body, not_before: r.next_attempt_at }
            })
            .collect()
    }

    /// `who` writes `text`; exactly one text reply is expected, returned without the @-mention.
    pub async fn ask(&self, who: Person, text: &str) -> String {
        let replies = self.say(who, text).await;
        assert_eq!(replies.len(), 1, "{text}: {replies:?}");
        let OutboundBody::Text { content, ats } = &replies[0].body else { panic!("{text}: {replies:?}") };
        assert_eq!(ats, &vec![who.wxid.to_string()], "replies @-mention the asker");
        content.strip_prefix(&who.at()).unwrap_or_else(|| panic!("{text}: no @-mention in {content}")).to_string()
    }

    /// `who` writes `text` and gets no reply.
    pub async fn silent(&self, who: Person, text: &str) {
        let replies = self.say(who, text).await;
        assert!(replies.is_empty(), "{text}: {replies:?}");
    }

    /// `inviter` brings `joined` into the group; returns the replies to the join message.
    pub async fn join(&self, inviter: Person, joined: &[Person]) -> Vec<Reply> {
        for p in joined {
            self.app.sim.sims.gewe.add_member(ROOM, p.wxid, p.nick);
        }
        let joined: Vec<MemberRef> = joined.iter().map(|p| p.member_ref()).collect();
        let id = self.app.sim.sims.gewe.deliver_join(ROOM, &inviter.member_ref(), &joined).await.unwrap();
        self.replies_to(&id).await
    }

    pub async fn member_id(&self, who: Person) -> i64 {
        self.app.store.member_id(who.wxid).await.unwrap().expect("registered member")
    }

    pub fn advance_secs(&self, secs: i64) {
        self.app.clock.advance_ms(secs * 1000);
    }

    pub fn now_ms(&self) -> i64 {
        self.app.clock.now_ms()
    }
}

// ---- every command, scripted: success, refusal, bad arguments, dialog, cooldown, do-not-disturb ----

use dealbot::engine::command::{Role, Spec, TABLE, find};
use dealbot::engine::group_settings::{DndSetting, GroupSettings};
use dealbot::engine::limits::QuietHours;

const HOUR_MS: i64 = 3_600_000;

/// How one command is exercised.
struct Script {
    /// The command as typed, by its name (`#设置关键词`, `签到`).
    cmd: &'static str,
    /// Good arguments (empty for none); `cmd` alone then asks for them.
    args: String,
    /// Part of the reply to `cmd args` when it succeeds.
    done: &'static str,
    /// Bad arguments and the reason replied.
    bad: String,
    reason: &'static str,
}

impl Script {
    fn spec(&self) -> &'static Spec {
        find(self.cmd.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("a script for {}, which is no command", self.cmd))
    }

    fn ok(&self) -> String {
        if self.args.is_empty() { self.cmd.to_string() } else { format!("{} {}", self.cmd, self.args) }
    }

    /// Who may use it.
    fn user(&self) -> Person {
        match self.spec().role {
            Role::Member => ALICE,
            Role::Owner => OWNER,
            Role::Admin => ADMIN,
        }
    }

    /// Whether `cmd` alone lacks an argument the robot asks for.
    fn asks(&self) -> bool {
        self.spec().args.iter().any(|a| !a.optional)
    }
}

/// The local (UTC+8) hour at `now_ms` and the instant it began.
fn local_hour(now_ms: i64) -> (i64, i64) {
    let local = now_ms + 8 * HOUR_MS;
    (local.div_euclid(HOUR_MS) % 24, local.div_euclid(HOUR_MS) * HOUR_MS - 8 * HOUR_MS)
}

/// One script per command, in table order (so 下一页 follows a 查券 and 删除关键词 a 设置关键词). The quiet hours
/// `#设置免打扰` sets start an hour from `now_ms`, so they never cover the test.
fn scripts(now_ms: i64) -> Vec<Script> {
    let (hour, _) = local_hour(now_ms);
    let later = format!("{}-{}", (hour + 2) % 24, (hour + 4) % 24);
    let s = |cmd, args: &str, done, bad: &str, reason| Script {
        cmd,
        args: args.to_string(),
        done,
        bad: bad.to_string(),
        reason,
    };
    let scripts = vec![
        s("签到", "", "签到成功", "多余", "参数太多了"),
        s("积分", "", "当前积分", "多余", "参数太多了"),
        s("查券", "耳机", "「耳机」的优惠好物", &"长".repeat(31), "关键词太长"),
        s("下一页", "", "「耳机」第 2 页", "多余", "参数太多了"),
        s("我的", "", "我的数据", "多余", "参数太多了"),
        s("绑定订单", "190108-374476636970002", "订单同步后", "abc", "订单号格式不对"),
        s("订单", "", "请私聊", "多余", "参数太多了"),
        s("提现", "10", "请私聊", "abc", "金额格式不对"),
        s("人工", "", "请私聊", "多余", "参数太多了"),
        s("规则", "", "本群规则", "多余", "参数太多了"),
        s("帮助", "", "我能做这些", "多余", "参数太多了"),
        s("#开启", "欢迎语", "已开启欢迎语", "飞行", "没有「飞行」这个功能"),
        s("#关闭", "欢迎语", "已关闭欢迎语", "飞行", "没有「飞行」这个功能"),
        s("#设置关键词", "发货 48 小时内发货", "关键词「发货」", "/(/ 回复", "正则表达式有误"),
        s("#删除关键词", "发货", "已删除关键词「发货」", "=", "关键词不能为空"),
        s("#关键词列表", "", "自动回复", "多余", "参数太多了"),
        s("#设置问答", "如何领取优惠券 点链接领券", "问答「如何领取优惠券」", "券 去领", "问题太短了"),
        s("#删除问答", "如何领取优惠券", "已删除问答", &"长".repeat(101), "问题最多 100 个字"),
        s("#问答列表", "", "问答", "多余", "参数太多了"),
        s("#设置欢迎语", "欢迎{新人}", "欢迎语已设置", &"长".repeat(501), "欢迎语最多 500 个字"),
        s("#设置文案", "{标题}{链接}", "文案模板已设置", "{标题}", "模板里要有 {链接} 或 {口令}"),
        s("#设置海报", "classic", "海报模板已设为「classic」", "../x", "模板名只能包含"),
        s("#绑定推广位", "京东 3100000009", "已绑定为 3100000009", "淘宝 123", "淘宝推广位格式不对"),
        s("#群状态", "", "本群状态", "多余", "参数太多了"),
        s("#设置免打扰", &later, "免打扰已设为", "晚上", "时段格式不对"),
        s("#关闭免打扰", "", "已关闭本群免打扰", "多余", "参数太多了"),
        s("#设置群主", &OWNER.at(), "已把 群主老王 设为本群群主", &format!("{} 多余", OWNER.at()), "参数太多了"),
        s("#添加管理员", &BOB.at(), "管理员", &format!("{} 多余", BOB.at()), "参数太多了"),
        s("#发单", "开", "自动发单已开启", "也许", "不认识「也许」"),
        s("#发单时间", "9-22", "每天 09:00-22:00", "22-9", "时段格式不对"),
        s("#发单间隔", "30", "每 30 分钟一单", "2", "间隔要在 5 到 1440 分钟之间"),
        // The member has the points of one check-in: far from the 500 an exchange takes at least.
        s("兑换", "500", "积分不足：当前积分", "0", "积分要写正整数"),
        s("免单", "", "免单活动", "多余", "参数太多了"),
        s("排行榜", "", "本月", "多余", "参数太多了"),
        s("任务", "", "今日任务", "多余", "参数太多了"),
        s("#连签奖励", "7 50", "每连续签到 7 天多得 50 积分", "0 50", "天数要在 1 到 365 之间"),
        s(
            "#设置返利",
            &format!("{} 60%", ALICE.at()),
            "的返利比例设为 60%",
            &format!("{} 150%", ALICE.at()),
            "比例要写 0 到 100",
        ),
        s("申请代理", "我有三个群", "代理申请", &"长".repeat(101), "理由最多 100 个字"),
        s("邀请码", "ABCD2345", "邀请码不存在", "AB", "邀请码是 4 到 16 位字母或数字"),
    ];
    // The scripts and the table name the same commands: one script per command, each by its name.
    for spec in TABLE {
        let named: Vec<_> = scripts.iter().filter(|s| s.spec() == spec).map(|s| s.cmd).collect();
        assert_eq!(named.len(), 1, "one script for {}: {named:?}", spec.name());
        assert_eq!(named[0].trim_start_matches('#'), spec.name(), "the script names {} by its name", spec.name());
    }
    assert_eq!(scripts.len(), TABLE.len());
    scripts
}

impl Chat {
    /// The text of the replies to `who`'s `text`, which must all @-mention them (without the mention).
    async fn texts(&self, who: Person, text: &str) -> Vec<String> {
        let replies = self.say(who, text).await;
        assert!(!replies.is_empty(), "{text}: no reply");
        replies
            .iter()
            .filter(|r| !r.is_image())
            .map(|r| {
                let OutboundBody::Text { content, ats } = &r.body else { panic!("{text}: {replies:?}") };
                assert_eq!(ats, &vec![who.wxid.to_string()], "{text}: replies @-mention the asker");
                content.strip_prefix(&who.at()).unwrap_or(content).to_string()
            })
            .collect()
    }

    /// `who` says `text`; some reply contains `part`.
    async fn expect(&self, who: Person, text: &str, part: &str) {
        let texts = self.texts(who, text).await;
        assert!(texts.iter().any(|t| t.contains(part)), "{text}: expected {part} in {texts:?}");
    }

    /// After the test changed the group's row behind the robot's back: the robot reads it again.
    async fn forget_group(&self) {
        let robot = self.app.engine.robots.keys().next().unwrap();
        self.app.engine.invalidate_group(robot, ROOM).await;
    }

    async fn group_id(&self) -> i64 {
        let row = sqlx::query("SELECT id FROM groups WHERE room_id = $1")
            .bind(ROOM)
            .fetch_one(self.app.store.pool())
            .await
            .unwrap();
        row.try_get("id").unwrap()
    }
}

#[tokio::test]
async fn every_command_succeeds_for_those_who_may_use_it_and_cools_down_per_member() {
    let chat = Chat::with_owner_and(|s| {
        s.chat.cooldown_secs = 5;
        s.chat.search_cooldown_secs = 15;
        s.chat.owner_cooldown_secs = 5;
    })
    .await;
    for script in scripts(chat.now_ms()) {
        // A new minute: a fresh reply budget, every cooldown over.
        chat.advance_secs(61);
        let who = script.user();
        chat.expect(who, &script.ok(), script.done).await;
        chat.expect(who, &script.ok(), "操作太频繁").await;
        chat.silent(who, &script.ok()).await;
    }
    // 查券 and 下一页 share one cooldown.
    chat.advance_secs(61);
    chat.expect(ALICE, "查券 耳机", "「耳机」的优惠好物").await;
    chat.expect(ALICE, "下一页", "操作太频繁").await;
}

#[tokio::test]
async fn every_owner_and_admin_command_politely_refuses_those_below_it() {
    let chat = Chat::with_owner().await;
    for script in scripts(chat.now_ms()) {
        let spec = script.spec();
        let below = match spec.role {
            Role::Member => continue,
            Role::Owner => vec![ALICE],
            Role::Admin => vec![ALICE, OWNER],
        };
        chat.advance_secs(61);
        let refusal = dealbot::engine::text::refused(spec.names[0], spec.role == Role::Admin);
        for who in below {
            assert_eq!(chat.texts(who, &script.ok()).await, vec![refusal.clone()], "{}", script.ok());
            // Not even the dialog opens for them.
            assert_eq!(chat.texts(who, script.cmd).await, vec![refusal.clone()], "{}", script.cmd);
        }
    }
    // Nothing was changed by the refused commands.
    assert!(chat.ask(OWNER, "#关键词列表").await.contains("本群还没有自动回复"));
}

#[tokio::test]
async fn every_command_answers_bad_arguments_with_the_reason_and_its_usage() {
    let chat = Chat::with_owner_and(|s| s.chat.owner_cooldown_secs = 5).await;
    for script in scripts(chat.now_ms()) {
        chat.advance_secs(61);
        let spec = script.spec();
        let usage = format!("\n用法：{}", spec.usage_line("#"));
        let bad = format!("{} {}", script.cmd, script.bad);
        // Member commands take extra words only with the prefix: without it, "签到 多余" is chat.
        let bad = if spec.args.is_empty() && !bad.starts_with('#') { format!("#{bad}") } else { bad };
        let texts = chat.texts(script.user(), &bad).await;
        assert_eq!(texts.len(), 1, "{bad}: {texts:?}");
        assert!(texts[0].starts_with(script.reason) && texts[0].ends_with(&usage), "{bad}: {texts:?}");
        // A refused command starts no cooldown: the corrected one goes through at once.
        chat.expect(script.user(), &script.ok(), script.done).await;
    }
}

#[tokio::test]
async fn every_command_missing_an_argument_asks_for_it_and_the_answer_completes_it() {
    let chat = Chat::with_owner().await;
    let scripts = scripts(chat.now_ms());
    assert!(scripts.iter().filter(|s| s.asks()).count() >= 14);
    for script in scripts.iter().filter(|s| s.asks()) {
        chat.advance_secs(61);
        let who = script.user();
        let prompt = script.spec().args[0].prompt;
        assert_eq!(chat.texts(who, script.cmd).await, vec![format!("{prompt}（2 分钟内有效，发送「取消」放弃）")]);
        chat.expect(who, &script.args, script.done).await;
    }
    // Commands without arguments just run.
    for script in scripts.iter().filter(|s| !s.asks()) {
        chat.advance_secs(61);
        chat.expect(script.user(), script.cmd, script.done).await;
    }
}

#[tokio::test]
async fn every_command_runs_in_do_not_disturb_hours_and_its_reply_waits_for_the_end_or_is_dropped() {
    let chat = Chat::with_owner().await;
    let group = chat.group_id().await;
    let (hour, hour_start) = local_hour(chat.now_ms());
    // Three hours: both rounds of scripts (61 s apart each) stay inside them.
    let ends = hour_start + 3 * HOUR_MS;
    let quiet = |policy| {
        let hours = QuietHours { start: hour as u8, end: ((hour + 3) % 24) as u8 };
        GroupSettings { dnd: DndSetting::Hours { hours, policy }, ..GroupSettings::default() }.to_json()
    };
    let scripts = scripts(chat.now_ms());
    for script in &scripts {
        // Reset every time: some commands change the settings.
        chat.app.store.set_group_settings(group, &quiet(dealbot::config::DndPolicy::Queue), 1).await.unwrap();
        chat.forget_group().await;
        chat.advance_secs(61);
        let replies = chat.say(script.user(), &script.ok()).await;
        assert!(!replies.is_empty(), "{}", script.ok());
        assert!(replies.iter().all(|r| r.not_before == ends), "{}: {replies:?}", script.ok());
        assert!(replies.iter().any(|r| r.text().contains(script.done)), "{}: {replies:?}", script.ok());
    }
    assert!(chat.app.sim.sims.gewe.sent().iter().all(|m| !m.content.contains("签到成功")), "nothing sent yet");
    for script in &scripts {
        chat.app.store.set_group_settings(group, &quiet(dealbot::config::DndPolicy::Drop), 1).await.unwrap();
        chat.forget_group().await;
        chat.advance_secs(61);
        chat.silent(script.user(), &script.ok()).await;
    }
}
