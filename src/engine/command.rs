//! Chat commands: one table declares every command — its names, who may use it, its cooldown, its arguments
//! (how each is read, the question asked when it is missing, the parser that validates them, the usage) and the
//! handler that runs it. Parsing, permission and cooldown checks, dispatch and `帮助` all read the table, so
//! adding a command is adding an entry (and its handler).
//!
//! Owner and admin commands need the configured prefix (`#设置关键词 …`); member commands work with or
//! without it, but only as the whole message (`签到`, `查券 耳机`), so ordinary chat never reads as a command.

use crate::chat::Inbound;
use crate::config::DndPolicy;
use crate::engine::copy;
use crate::engine::group_settings::{Feature, StreakReward};
use crate::engine::handlers::member_commands as member;
use crate::engine::handlers::owner_commands::{self as owner, PlanChange};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::keywords::{self, MatchKind, PatternError, ReplyBody};
use crate::engine::limits::QuietHours;
use crate::engine::{Action, Context, EngineError, text};
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use crate::posting::schedule::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, TimeWindow};
use crate::store::groups::Group;
use futures::future::BoxFuture;
use std::any::Any;
use std::fmt;

/// Who may use a command. Ordered: an admin may do what an owner may, an owner what a member may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    /// The group's owner: its partner.
    Owner,
    /// The operator.
    Admin,
}

/// Which cooldown a command is subject to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cooldown {
    /// `chat.cooldown_secs`, per member and command.
    Member,
    /// `chat.search_cooldown_secs`, shared by 查券 and 下一页.
    Search,
    /// `chat.owner_cooldown_secs`, per owner and command.
    Owner,
}

/// How an argument is read from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// One word.
    Word,
    /// The rest of the message.
    Rest,
    /// A member @-mentioned in the message.
    Mention,
}

#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub kind: ArgKind,
    /// Asked when the argument is missing.
    pub prompt: &'static str,
    pub optional: bool,
}

const fn word(prompt: &'static str) -> Arg {
    Arg { kind: ArgKind::Word, prompt, optional: false }
}
const fn rest(prompt: &'static str) -> Arg {
    Arg { kind: ArgKind::Rest, prompt, optional: false }
}
const fn mention(prompt: &'static str) -> Arg {
    Arg { kind: ArgKind::Mention, prompt, optional: false }
}
const fn optional_word() -> Arg {
    Arg { kind: ArgKind::Word, prompt: "", optional: true }
}

/// One command as the table declares it.
pub struct Spec {
    /// What members type; the first is the command's name, shown in help.
    pub names: &'static [&'static str],
    pub role: Role,
    pub cooldown: Cooldown,
    pub args: &'static [Arg],
    /// The arguments as help shows them (`<关键词>`).
    pub usage: &'static str,
    pub summary: &'static str,
    /// The group feature the command needs switched on.
    pub feature: Option<Feature>,
    /// Validates the arguments (all required ones present, in `args` order) and binds them to the handler;
    /// `Err` is the reason replied with the usage.
    pub bind: fn(&[String]) -> Result<Call, String>,
}

impl Spec {
    /// The command's name.
    pub fn name(&self) -> &'static str {
        self.names[0]
    }

    /// The key of this command's cooldown.
    pub fn cooldown_key(&self) -> &'static str {
        match self.cooldown {
            Cooldown::Search => "查券",
            _ => self.name(),
        }
    }

    /// `#设置关键词 <词> <回复>`.
    pub fn usage_line(&self, prefix: &str) -> String {
        let p = if self.role == Role::Member { "" } else { prefix };
        if self.usage.is_empty() { format!("{p}{}", self.name()) } else { format!("{p}{} {}", self.name(), self.usage) }
    }
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Spec({})", self.name())
    }
}

impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}
impl Eq for Spec {}

/// Who runs a command, where: what every handler is given.
pub struct Asker<'a> {
    pub cx: &'a Context<'a>,
    pub msg: &'a Inbound,
    pub role: Role,
    pub sender: &'a str,
    pub member_id: i64,
}

impl Asker<'_> {
    /// Replies `body` to the asker.
    pub async fn say(&self, body: &str) -> Result<Vec<Action>, EngineError> {
        Ok(vec![reply_text(self.cx, self.msg, body).await?])
    }
}

/// What a handler returns: the actions to take.
pub type Answer<'a> = BoxFuture<'a, Result<Vec<Action>, EngineError>>;
/// Runs a command with its validated arguments `A`.
pub type Handler<A> = for<'a> fn(&'a Asker<'a>, A) -> Answer<'a>;
/// Runs a command that changes or reads the group it is said in.
pub type GroupHandler<A> = for<'a> fn(&'a Asker<'a>, &'a Group, A) -> Answer<'a>;

/// A command with validated arguments, bound to its handler.
pub struct Call(Box<dyn Bound>);

impl Call {
    pub fn run<'a>(self, asker: &'a Asker<'a>) -> Answer<'a> {
        self.0.run(asker)
    }

    /// The validated arguments, when they are an `A`.
    pub fn args<A: 'static>(&self) -> Option<&A> {
        self.0.args().downcast_ref()
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

trait Bound: Send + fmt::Debug {
    fn run<'a>(self: Box<Self>, asker: &'a Asker<'a>) -> Answer<'a>;
    fn args(&self) -> &dyn Any;
}

struct Anywhere<A> {
    run: Handler<A>,
    args: A,
}

struct InGroup<A> {
    run: GroupHandler<A>,
    args: A,
}

impl<A: fmt::Debug> fmt::Debug for Anywhere<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.args.fmt(f)
    }
}

impl<A: fmt::Debug> fmt::Debug for InGroup<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.args.fmt(f)
    }
}

impl<A: fmt::Debug + Send + 'static> Bound for Anywhere<A> {
    fn run<'a>(self: Box<Self>, asker: &'a Asker<'a>) -> Answer<'a> {
        (self.run)(asker, self.args)
    }

    fn args(&self) -> &dyn Any {
        &self.args
    }
}

impl<A: fmt::Debug + Send + 'static> Bound for InGroup<A> {
    fn run<'a>(self: Box<Self>, asker: &'a Asker<'a>) -> Answer<'a> {
        match &asker.cx.group {
            Some(group) => (self.run)(asker, group, self.args),
            None => Box::pin(asker.say(text::NOT_IN_GROUP)),
        }
    }

    fn args(&self) -> &dyn Any {
        &self.args
    }
}

/// Binds a command that runs in groups and private chat.
fn call<A: fmt::Debug + Send + 'static>(run: Handler<A>, args: A) -> Call {
    Call(Box::new(Anywhere { run, args }))
}

/// Binds a command that runs in a group only.
fn in_group<A: fmt::Debug + Send + 'static>(run: GroupHandler<A>, args: A) -> Call {
    Call(Box::new(InGroup { run, args }))
}

const FEATURE_LIST: &str = "转链、签到、查券、欢迎语、自动回复";

/// Every command. Help lists them in this order.
pub static TABLE: &[Spec] = &[
    Spec {
        names: &["签到"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "每日签到领积分，连续签到有奖励",
        feature: Some(Feature::Checkin),
        bind: |_| Ok(call(member::checkin, ())),
    },
    Spec {
        names: &["积分", "我的积分"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "查看积分和最近变动",
        feature: None,
        bind: |_| Ok(call(member::points, ())),
    },
    Spec {
        names: &["查券", "搜券"],
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[rest("请发送要查的商品关键词，例如：蓝牙耳机")],
        usage: "<关键词>",
        summary: "搜索有券的商品",
        feature: Some(Feature::Search),
        bind: |a| Ok(call(member::search, search_keyword(&a[0])?)),
    },
    Spec {
        names: &["下一页"],
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[],
        usage: "",
        summary: "查券结果的下一页",
        feature: Some(Feature::Search),
        bind: |_| Ok(call(member::next_page, ())),
    },
    Spec {
        names: &["我的"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "我的转链次数和积分",
        feature: None,
        bind: |_| Ok(call(member::mine, ())),
    },
    Spec {
        names: &["绑定订单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送订单号，例如：绑定订单 190108-374476636970002")],
        usage: "<订单号>",
        summary: "没记到你名下的订单，发订单号认领",
        feature: None,
        bind: |a| Ok(call(member::claim_order, order_key(&a[0])?)),
    },
    Spec {
        names: &["订单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "我的订单和返利明细（私聊）",
        feature: None,
        bind: |_| Ok(call(member::my_orders, ())),
    },
    Spec {
        names: &["提现"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送提现金额（元），例如：提现 10")],
        usage: "<金额>",
        summary: "把可提现的返利提出来（私聊）",
        feature: None,
        bind: |a| Ok(call(member::withdraw, withdrawal_amount(&a[0])?)),
    },
    Spec {
        names: &["人工", "转人工", "人工客服"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "转人工客服（私聊）",
        feature: None,
        bind: |_| Ok(call(member::human, ())),
    },
    Spec {
        names: &["规则", "群规则"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "本群开了哪些功能、免打扰时段和连签奖励",
        feature: None,
        bind: |_| Ok(in_group(member::rules, ())),
    },
    Spec {
        names: &["帮助", "菜单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "显示本帮助",
        feature: None,
        bind: |_| Ok(call(member::help, ())),
    },
    Spec {
        names: &["开启"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要开启的功能：转链、签到、查券、欢迎语、自动回复")],
        usage: "<功能>",
        summary: "开启功能（转链、签到、查券、欢迎语、自动回复）",
        feature: None,
        bind: |a| Ok(in_group(owner::set_feature, (feature(&a[0])?, true))),
    },
    Spec {
        names: &["关闭"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要关闭的功能：转链、签到、查券、欢迎语、自动回复")],
        usage: "<功能>",
        summary: "关闭功能",
        feature: None,
        bind: |a| Ok(in_group(owner::set_feature, (feature(&a[0])?, false))),
    },
    Spec {
        names: &["设置关键词", "添加关键词"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送关键词（前加 = 为完全匹配，/…/ 为正则）"), rest("请发送回复内容（图片请发图片链接）")],
        usage: "<词> <回复>",
        summary: "自动回复：消息含<词>时回复（=词 完全匹配，/正则/）",
        feature: None,
        bind: |a| Ok(in_group(owner::set_keyword, keyword_rule(&a[0], &a[1])?)),
    },
    Spec {
        names: &["删除关键词"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要删除的关键词")],
        usage: "<词>",
        summary: "删除自动回复",
        feature: None,
        bind: |a| Ok(in_group(owner::delete_keyword, keyword_pattern(&a[0])?)),
    },
    Spec {
        names: &["关键词列表"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群的自动回复",
        feature: None,
        bind: |_| Ok(in_group(owner::list_keywords, ())),
    },
    Spec {
        names: &["设置问答", "添加问答"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送问题"), rest("请发送答案")],
        usage: "<问题> <答案>",
        summary: "智能问答：相似的问题都会得到这个答案",
        feature: None,
        bind: |a| Ok(in_group(owner::set_faq, faq(&a[0], &a[1])?)),
    },
    Spec {
        names: &["删除问答"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest("请发送要删除的问题")],
        usage: "<问题>",
        summary: "删除问答",
        feature: None,
        bind: |a| Ok(in_group(owner::delete_faq, faq_question(&a[0])?)),
    },
    Spec {
        names: &["问答列表"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群的问答",
        feature: None,
        bind: |_| Ok(in_group(owner::list_faq, ())),
    },
    Spec {
        names: &["设置欢迎语"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest("请发送欢迎语（{新人} 会替换为@新成员；发送 默认 恢复默认）")],
        usage: "<文本>",
        summary: "新人入群的欢迎语，{新人} 处@新成员",
        feature: None,
        bind: |a| Ok(in_group(owner::set_welcome, welcome_text(&a[0])?)),
    },
    Spec {
        names: &["设置文案"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest(
            "请发送文案模板，可用 {标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}；发送 默认 恢复默认",
        )],
        usage: "<模板>",
        summary: "转链文案模板：{标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}",
        feature: None,
        bind: |a| Ok(in_group(owner::set_copy, copy_template(&a[0])?)),
    },
    Spec {
        names: &["设置海报"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送海报模板名（发送 默认 恢复默认）")],
        usage: "<模板名>",
        summary: "选择海报模板",
        feature: None,
        bind: |a| Ok(in_group(owner::set_poster, poster_name(&a[0])?)),
    },
    Spec {
        names: &["绑定推广位"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送平台：拼多多、京东或淘宝"), word("请发送推广位 PID")],
        usage: "<平台> <PID>",
        summary: "本群使用自己的推广位（拼多多 123_456，京东 数字，淘宝 mm_1_2_3）",
        feature: None,
        bind: |a| Ok(in_group(owner::bind_pid, platform_pid(&a[0], &a[1])?)),
    },
    Spec {
        names: &["群状态"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群设置、推广位和今日转链",
        feature: None,
        bind: |_| Ok(in_group(owner::group_status, ())),
    },
    Spec {
        names: &["设置免打扰"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送免打扰时段，例如 23-7"), optional_word()],
        usage: "<时段> [排队|丢弃]",
        summary: "免打扰时段内的回复排队到结束后发送，或丢弃",
        feature: None,
        bind: |a| Ok(in_group(owner::set_dnd, quiet_hours(&a[0], optional(a, 1))?)),
    },
    Spec {
        names: &["关闭免打扰"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "本群不设免打扰",
        feature: None,
        bind: |_| Ok(in_group(owner::clear_dnd, ())),
    },
    Spec {
        names: &["设置群主", "绑定群主"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要设为群主的成员")],
        usage: "@成员",
        summary: "把成员设为本群群主（合伙人）",
        feature: None,
        bind: |a| Ok(in_group(owner::set_owner, a[0].clone())),
    },
    Spec {
        names: &["添加管理员"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要添加的管理员")],
        usage: "@成员",
        summary: "添加机器人管理员",
        feature: None,
        bind: |a| Ok(in_group(owner::add_admin, a[0].clone())),
    },
    Spec {
        names: &["发单"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送 开 或 关")],
        usage: "开|关",
        summary: "机器人按计划在本群自动发优惠商品",
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Enabled(on_off(&a[0])?))),
    },
    Spec {
        names: &["发单时间"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送发单时段，例如 9-22")],
        usage: "<时段>",
        summary: "每天在这个时段内自动发单",
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Hours(posting_hours(&a[0])?))),
    },
    Spec {
        names: &["发单间隔"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送发单间隔（分钟），例如 30")],
        usage: "<分钟>",
        summary: "每隔多少分钟发一单",
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Interval(posting_interval(&a[0])?))),
    },
    Spec {
        names: &["兑换", "积分兑换"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送要兑换的积分数（例如：兑换 500）或奖品名（私聊兑换）")],
        usage: "<积分>|<奖品>",
        summary: "积分兑换成可提现返利，或兑换奖品（私聊）",
        feature: None,
        bind: |a| exchange(&a[0]),
    },
    Spec {
        names: &["免单", "免单活动"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "查看进行中的免单活动",
        feature: None,
        bind: |_| Ok(call(member::free_orders, ())),
    },
    Spec {
        names: &["排行榜"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "本月签到榜和邀请榜",
        feature: None,
        bind: |_| Ok(call(member::leaderboard, ())),
    },
    Spec {
        names: &["任务", "每日任务"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "今日任务和进度，完成即得积分",
        feature: None,
        bind: |_| Ok(call(member::tasks, ())),
    },
    Spec {
        names: &["连签奖励", "设置连签奖励"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送每连续签到几天奖励一次，例如：7 50（每连续 7 天奖励 50 积分）"), optional_word()],
        usage: "<天数> <积分>|默认",
        summary: "本群连续签到奖励：每连续<天数>天多得<积分>",
        feature: None,
        bind: |a| Ok(in_group(owner::set_streak, streak_reward(&a[0], optional(a, 1))?)),
    },
    Spec {
        names: &["设置返利"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要设置返利的成员"), word("请发送返利比例，例如 60%")],
        usage: "@成员 <比例>",
        summary: "设置成员的返利比例（新订单生效）",
        feature: None,
        bind: |a| Ok(in_group(owner::set_rebate, (a[0].clone(), rebate_rate(&a[1])?))),
    },
    Spec {
        names: &["申请代理"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[rest("请简单说明申请理由，例如：我有 3 个 500 人的群")],
        usage: "<理由>",
        summary: "申请成为代理，审核通过后获得专属推广位和邀请码",
        feature: None,
        bind: |a| Ok(call(member::apply_agent, agent_reason(&a[0])?)),
    },
    Spec {
        names: &["邀请码"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送代理给您的邀请码，例如：邀请码 ABC23456")],
        usage: "<邀请码>",
        summary: "填写代理的邀请码，加入代理团队",
        feature: None,
        bind: |a| Ok(call(member::join_agent, invite_code(&a[0])?)),
    },
];

/// What a message says, command-wise.
#[derive(Debug)]
pub enum Parsed {
    /// Ordinary chat.
    NotACommand,
    Ready(&'static Spec, Call),
    /// Arguments are missing: `args` are those given so far; ask `spec.args[args.len()].prompt`.
    Missing {
        spec: &'static Spec,
        args: Vec<String>,
    },
    /// Bad arguments: reply `reason` and the usage.
    Invalid {
        spec: &'static Spec,
        reason: String,
    },
}

impl Parsed {
    /// The command's table entry.
    pub fn spec(&self) -> Option<&'static Spec> {
        match self {
            Parsed::NotACommand => None,
            Parsed::Ready(s, _) | Parsed::Missing { spec: s, .. } | Parsed::Invalid { spec: s, .. } => Some(*s),
        }
    }
}

/// The table entry a name (or alias) belongs to.
pub fn find(name: &str) -> Option<&'static Spec> {
    TABLE.iter().find(|s| s.names.contains(&name))
}

/// Strips the command prefix (the full-width form of `#` too).
fn strip_prefix<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return None;
    }
    text.strip_prefix(prefix).or_else(|| if prefix == "#" { text.strip_prefix('＃') } else { None })
}

/// Parses a message. `mentions` are the members it @-mentions (the robot excluded).
pub fn parse(text: &str, mentions: &[String], prefix: &str) -> Parsed {
    let t = text.trim();
    let (prefixed, body) = match strip_prefix(t, prefix) {
        Some(b) => (true, b.trim_start()),
        None => (false, t),
    };
    // Without a prefix a command must be followed by a space or nothing ("签到了吗" is chat).
    let strict = !prefixed || prefix.is_empty();
    let mut best: Option<(&'static Spec, &str)> = None;
    for s in TABLE {
        for name in s.names {
            let Some(rest) = body.strip_prefix(name) else { continue };
            if strict && !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
                continue;
            }
            // The longest name wins: "关闭免打扰" over "关闭".
            if best.is_none_or(|(_, r)| rest.len() < r.len()) {
                best = Some((s, rest));
            }
        }
    }
    let Some((spec, rest)) = best else { return Parsed::NotACommand };
    if !prefixed && !prefix.is_empty() && spec.role > Role::Member {
        return Parsed::NotACommand;
    }
    if strict && spec.args.is_empty() && !rest.trim().is_empty() {
        return Parsed::NotACommand;
    }
    collect(spec, Vec::new(), rest, mentions)
}

/// Continues a command with more input (the rest of its message, or a dialog answer): fills the arguments
/// after `given` from `input` and `mentions`, then validates.
pub fn collect(spec: &'static Spec, given: Vec<String>, input: &str, mentions: &[String]) -> Parsed {
    let mut args = given;
    let mut rest = input.trim();
    let mut mentions = mentions.iter();
    while args.len() < spec.args.len() {
        let arg = spec.args[args.len()];
        let value = match arg.kind {
            ArgKind::Word => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let (w, r) = rest.split_at(end);
                rest = r.trim_start();
                w.to_string()
            }
            ArgKind::Rest => std::mem::take(&mut rest).to_string(),
            ArgKind::Mention => mentions.next().cloned().unwrap_or_default(),
        };
        if value.is_empty() {
            if arg.optional {
                break;
            }
            return Parsed::Missing { spec, args };
        }
        args.push(value);
    }
    if !rest.is_empty() {
        return Parsed::Invalid { spec, reason: "参数太多了".into() };
    }
    match (spec.bind)(&args) {
        Ok(call) => Parsed::Ready(spec, call),
        Err(reason) => Parsed::Invalid { spec, reason },
    }
}

// ---- argument parsers: each validates what a table entry's `bind` passes to its handler ----

/// An optional argument: empty when not given.
fn optional(a: &[String], i: usize) -> &str {
    a.get(i).map(String::as_str).unwrap_or_default()
}

fn is_default(s: &str) -> bool {
    matches!(s.trim(), "默认" | "恢复默认")
}

fn search_keyword(s: &str) -> Result<String, String> {
    let keyword = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if keyword.chars().count() > 30 {
        return Err("关键词太长了，最多 30 个字".into());
    }
    Ok(keyword)
}

fn withdrawal_amount(s: &str) -> Result<Fen, String> {
    Fen::from_yuan_str(s)
        .ok()
        .filter(|a| a.0 > 0)
        .ok_or_else(|| "金额格式不对，例如：提现 10 或 提现 10.50".to_string())
}

fn order_key(s: &str) -> Result<String, String> {
    if !crate::orders::claims::plausible_key(s) {
        return Err("订单号格式不对，订单号可在订单详情里复制".into());
    }
    Ok(s.to_string())
}

fn feature(s: &str) -> Result<Feature, String> {
    Feature::from_name(s).ok_or_else(|| format!("没有「{s}」这个功能，可选：{FEATURE_LIST}"))
}

fn pattern_reason(e: PatternError) -> String {
    match e {
        PatternError::Empty => "关键词不能为空".into(),
        PatternError::TooLong => format!("关键词最多 {} 个字", keywords::MAX_PATTERN_CHARS),
        PatternError::BadRegex => "正则表达式有误或太复杂".into(),
    }
}

fn keyword_rule(pattern: &str, reply: &str) -> Result<(MatchKind, String, ReplyBody), String> {
    let (kind, pattern) = keywords::parse_pattern(pattern).map_err(pattern_reason)?;
    if reply.chars().count() > keywords::MAX_REPLY_CHARS {
        return Err(format!("回复最多 {} 个字", keywords::MAX_REPLY_CHARS));
    }
    Ok((kind, pattern, ReplyBody::from_input(reply)))
}

fn keyword_pattern(s: &str) -> Result<String, String> {
    keywords::parse_pattern(s).map(|(_, pattern)| pattern).map_err(pattern_reason)
}

fn faq(question: &str, answer: &str) -> Result<(String, String), String> {
    if question.chars().count() > 100 || answer.chars().count() > keywords::MAX_REPLY_CHARS {
        return Err("问题最多 100 个字，答案最多 1000 个字".into());
    }
    if crate::engine::qa::normalize(question).concat().chars().count() < 2 {
        return Err("问题太短了".into());
    }
    Ok((question.to_string(), answer.to_string()))
}

fn faq_question(s: &str) -> Result<String, String> {
    if s.chars().count() > 100 {
        return Err("问题最多 100 个字".into());
    }
    Ok(s.to_string())
}

/// `None` restores the default.
fn welcome_text(s: &str) -> Result<Option<String>, String> {
    if s.chars().count() > 500 {
        return Err("欢迎语最多 500 个字".into());
    }
    Ok((!is_default(s)).then(|| s.to_string()))
}

/// `None` restores the default.
fn copy_template(s: &str) -> Result<Option<String>, String> {
    if is_default(s) {
        return Ok(None);
    }
    copy::validate(s).map_err(|e| e.reason())?;
    Ok(Some(s.to_string()))
}

/// `None` restores the default.
fn poster_name(s: &str) -> Result<Option<String>, String> {
    if is_default(s) {
        Ok(None)
    } else if s.chars().count() <= 32 && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
        Ok(Some(s.to_string()))
    } else {
        Err("模板名只能包含字母、数字、_ 和 -".into())
    }
}

fn platform_pid(platform: &str, pid: &str) -> Result<(Platform, String), String> {
    let platform: Platform =
        platform.parse().map_err(|_| format!("不支持「{platform}」，平台可选：拼多多、京东、淘宝"))?;
    let pid = crate::affiliate::pid::parse(platform, pid).ok_or_else(|| text::pid_malformed(platform))?;
    Ok((platform, pid))
}

fn quiet_hours(hours: &str, policy: &str) -> Result<(QuietHours, Option<DndPolicy>), String> {
    let hours: QuietHours = hours.parse().map_err(|_| "时段格式不对，例如 23-7（23 点到次日 7 点）".to_string())?;
    let policy = match policy {
        "" => None,
        "排队" | "queue" => Some(DndPolicy::Queue),
        "丢弃" | "drop" => Some(DndPolicy::Drop),
        other => return Err(format!("不认识「{other}」，可选：排队、丢弃")),
    };
    Ok((hours, policy))
}

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        "开" | "开启" | "on" => Ok(true),
        "关" | "关闭" | "off" => Ok(false),
        other => Err(format!("不认识「{other}」，可选：开、关")),
    }
}

fn posting_hours(s: &str) -> Result<TimeWindow, String> {
    s.parse().map_err(|_| "时段格式不对，例如 9-22 或 08:30-22:30".to_string())
}

fn posting_interval(s: &str) -> Result<u32, String> {
    let minutes: u32 = s.trim_end_matches("分钟").parse().map_err(|_| "间隔要写分钟数，例如 30".to_string())?;
    if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes) {
        return Err(format!("间隔要在 {MIN_INTERVAL_MINUTES} 到 {MAX_INTERVAL_MINUTES} 分钟之间"));
    }
    Ok(minutes)
}

/// A number is points for rebate balance; anything else names a reward.
fn exchange(s: &str) -> Result<Call, String> {
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        if s.chars().count() > 30 {
            return Err("奖品名最多 30 个字".into());
        }
        return Ok(call(member::redeem, s.to_string()));
    }
    let points: i64 = s
        .trim_end_matches("积分")
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| "积分要写正整数，例如：兑换 500".to_string())?;
    Ok(call(member::exchange, points))
}

/// `None` restores the configured reward.
fn streak_reward(days: &str, points: &str) -> Result<Option<StreakReward>, String> {
    if is_default(days) && points.is_empty() {
        return Ok(None);
    }
    let every_days: i64 = days
        .trim_end_matches('天')
        .parse()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| "天数要在 1 到 365 之间".to_string())?;
    let bonus_points: i64 = points
        .trim_end_matches("积分")
        .parse()
        .ok()
        .filter(|p| (1..=10_000).contains(p))
        .ok_or_else(|| "奖励积分要在 1 到 10000 之间".to_string())?;
    Ok(Some(StreakReward { every_days, bonus_points }))
}

fn rebate_rate(s: &str) -> Result<Bps, String> {
    Bps::from_percent_str(s.trim_end_matches(['%', '％']))
        .ok()
        .filter(|r| (0..=10_000).contains(&r.0))
        .ok_or_else(|| "比例要写 0 到 100 之间的百分数，例如 60%".to_string())
}

fn agent_reason(s: &str) -> Result<String, String> {
    let reason = s.trim();
    if reason.chars().count() > 100 {
        return Err("理由最多 100 个字".into());
    }
    Ok(reason.to_string())
}

/// An agent's invite code, upper-cased.
fn invite_code(s: &str) -> Result<String, String> {
    let code = s.trim();
    if !(4..=16).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("邀请码是 4 到 16 位字母或数字".into());
    }
    Ok(code.to_ascii_uppercase())
}

/// The help text for someone of `role`: only what they may use.
pub fn help(role: Role, prefix: &str) -> String {
    let mut out = String::from("我能做这些：");
    for s in TABLE.iter().filter(|s| s.role == Role::Member) {
        out.push_str(&format!("\n· {} —— {}", s.usage_line(prefix), s.summary));
    }
    out.push_str("\n· 发商品链接 —— 转成带券链接和海报");
    if role >= Role::Owner {
        out.push_str(&format!("\n群主命令（以 {prefix} 开头）："));
        for s in TABLE.iter().filter(|s| s.role == Role::Owner) {
            out.push_str(&format!("\n· {} —— {}", s.usage_line(prefix), s.summary));
        }
    }
    if role >= Role::Admin {
        out.push_str("\n管理员命令：");
        for s in TABLE.iter().filter(|s| s.role == Role::Admin) {
            out.push_str(&format!("\n· {} —— {}", s.usage_line(prefix), s.summary));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Parsed {
        parse(text, &[], "#")
    }

    /// The command `text` runs and its arguments, which must be an `A`.
    fn ready<A: Clone + 'static>(text: &str) -> (&'static str, A) {
        ready_with(text, &[])
    }

    fn ready_with<A: Clone + 'static>(text: &str, mentions: &[String]) -> (&'static str, A) {
        match parse(text, mentions, "#") {
            Parsed::Ready(s, c) => {
                let args = c.args::<A>().unwrap_or_else(|| panic!("{text}: other arguments {c:?}"));
                (s.name(), args.clone())
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    fn invalid(text: &str) -> String {
        match p(text) {
            Parsed::Invalid { reason, .. } => reason,
            other => panic!("{text}: {other:?}"),
        }
    }

    /// The command whose arguments `text` lacks, and those it gave.
    fn missing(text: &str) -> (&'static str, Vec<String>) {
        match p(text) {
            Parsed::Missing { spec, args } => (spec.name(), args),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn chat(parsed: Parsed) -> bool {
        matches!(parsed, Parsed::NotACommand)
    }

    #[test]
    fn set_rebate_takes_a_mention_and_a_percent() {
        let m = ["wxid_m".to_string()];
        assert_eq!(ready_with("#设置返利 60%", &m), ("设置返利", ("wxid_m".to_string(), Bps(6000))));
        assert_eq!(ready_with("#设置返利 12.5", &m), ("设置返利", ("wxid_m".to_string(), Bps(1250))));
        assert!(matches!(parse("#设置返利 120%", &m, "#"), Parsed::Invalid { .. }));
        assert!(matches!(parse("#设置返利 -5%", &m, "#"), Parsed::Invalid { .. }));
        assert!(matches!(parse("#设置返利 60%", &[], "#"), Parsed::Missing { .. }));
    }

    #[test]
    fn member_commands_work_with_or_without_the_prefix_but_only_as_the_whole_message() {
        assert_eq!(ready("签到"), ("签到", ()));
        assert_eq!(ready(" #签到 "), ("签到", ()));
        assert_eq!(ready("＃签到"), ("签到", ()));
        assert_eq!(ready("积分"), ("积分", ()));
        assert_eq!(ready("我的积分"), ("积分", ()));
        assert_eq!(ready("我的"), ("我的", ()));
        assert_eq!(ready("帮助"), ("帮助", ()));
        assert_eq!(ready("下一页"), ("下一页", ()));
        assert_eq!(ready("查券 蓝牙  耳机"), ("查券", "蓝牙 耳机".to_string()));
        assert_eq!(ready("#查券耳机"), ("查券", "耳机".to_string()));
        for text in ["签到了吗", "今天签到", "积分怎么用", "查券耳机", "帮助一下", "签到 啦", "我的天", "hello", ""]
        {
            assert!(chat(p(text)), "{text}");
        }
    }

    #[test]
    fn owner_commands_need_the_prefix() {
        assert!(chat(p("设置关键词 你好 欢迎")));
        assert!(chat(p("群状态")));
        assert_eq!(ready("#群状态"), ("群状态", ()));
        assert_eq!(ready("#开启转链"), ("开启", (Feature::Convert, true)));
        assert_eq!(ready("#关闭 查券"), ("关闭", (Feature::Search, false)));
        assert_eq!(ready("#关闭免打扰"), ("关闭免打扰", ()), "the longest name wins");
        assert_eq!(invalid("#群状态 详细"), "参数太多了");
    }

    #[test]
    fn an_empty_prefix_makes_every_command_strict() {
        assert!(matches!(parse("群状态", &[], ""), Parsed::Ready(s, _) if s.name() == "群状态"));
        assert!(chat(parse("群状态了", &[], "")));
        assert!(matches!(parse("设置关键词 a b", &[], ""), Parsed::Ready(..)));
    }

    #[test]
    fn keyword_arguments_split_into_a_word_and_the_rest() {
        assert_eq!(
            ready("#设置关键词 发货 下单后 48 小时内发货\n周末顺延"),
            (
                "设置关键词",
                (MatchKind::Contains, "发货".to_string(), ReplyBody::Text("下单后 48 小时内发货\n周末顺延".into()))
            )
        );
        assert_eq!(
            ready("#设置关键词 =你好 https://cdn.example.com/hi.png"),
            (
                "设置关键词",
                (MatchKind::Exact, "你好".to_string(), ReplyBody::Image("https://cdn.example.com/hi.png".into()))
            )
        );
        assert_eq!(invalid("#设置关键词 /(/ 回复"), "正则表达式有误或太复杂");
        assert_eq!(ready("#删除关键词 =你好"), ("删除关键词", "你好".to_string()));
    }

    #[test]
    fn missing_arguments_become_a_dialog_that_collects_them() {
        let s = find("设置关键词").unwrap();
        assert_eq!(missing("#设置关键词"), ("设置关键词", vec![]));
        assert_eq!(missing("#设置关键词 你好"), ("设置关键词", vec!["你好".to_string()]));
        // The answer to "请发送回复内容" is the whole message.
        let Parsed::Ready(_, c) = collect(s, vec!["你好".into()], " 欢迎 光临 ", &[]) else { panic!() };
        assert_eq!(
            c.args::<(MatchKind, String, ReplyBody)>(),
            Some(&(MatchKind::Contains, "你好".to_string(), ReplyBody::Text("欢迎 光临".into())))
        );
        // An answer to "请发送关键词" may carry the reply too.
        assert!(matches!(collect(s, vec![], "你好 欢迎", &[]), Parsed::Ready(..)));
        assert_eq!(missing("查券"), ("查券", vec![]));
        assert_eq!(missing("#设置群主"), ("设置群主", vec![]));
        assert_eq!(ready_with("#设置群主", &["wxid_x".into()]), ("设置群主", "wxid_x".to_string()));
    }

    #[test]
    fn arguments_are_validated_with_a_reason() {
        assert!(invalid("#开启 飞行").contains("可选：转链"));
        assert!(invalid("#绑定推广位 唯品会 123").contains("平台可选"));
        assert!(invalid("#绑定推广位 淘宝 123").contains("mm_123_456_789"));
        assert!(invalid("#绑定推广位 拼多多 abc").contains("123456_7890123"));
        assert_eq!(ready("#绑定推广位 京东 3100000009"), ("绑定推广位", (Platform::Jd, "3100000009".to_string())));
        assert_eq!(
            ready("#绑定推广位 拼多多 9000001_100000002"),
            ("绑定推广位", (Platform::Pdd, "9000001_100000002".to_string()))
        );
        assert_eq!(ready("#绑定推广位 淘宝 mm_1_2_3"), ("绑定推广位", (Platform::Taobao, "mm_1_2_3".to_string())));
        assert!(invalid("#设置文案 {标题}").contains("{链接}"));
        assert!(invalid("#设置文案 {价格}{链接}").contains("不认识 {价格}"));
        assert_eq!(ready("#设置文案 默认"), ("设置文案", None::<String>));
        assert_eq!(ready("#设置海报 默认"), ("设置海报", None::<String>));
        assert!(invalid("#设置海报 ../x").contains("模板名"));
        assert_eq!(ready("#设置免打扰 23-7"), ("设置免打扰", (QuietHours { start: 23, end: 7 }, None::<DndPolicy>)));
        assert_eq!(
            ready("#设置免打扰 22-8 丢弃"),
            ("设置免打扰", (QuietHours { start: 22, end: 8 }, Some(DndPolicy::Drop)))
        );
        assert!(invalid("#设置免打扰 晚上").contains("23-7"));
        assert!(invalid("#设置免打扰 23-7 静音").contains("排队"));
        assert_eq!(ready("#设置欢迎语 默认"), ("设置欢迎语", None::<String>));
        assert_eq!(invalid("#设置问答 券 去领"), "问题太短了");
        assert!(invalid(&format!("查券 {}", "长".repeat(31))).contains("关键词太长"));
        assert_eq!(ready("兑换 500"), ("兑换", 500_i64));
        assert_eq!(ready("兑换 月卡"), ("兑换", "月卡".to_string()), "a name is a reward");
        assert_eq!(ready("#发单 开"), ("发单", PlanChange::Enabled(true)));
        assert_eq!(ready("#发单间隔 30分钟"), ("发单间隔", PlanChange::Interval(30)));
    }

    #[test]
    fn every_table_entry_is_reachable_by_each_of_its_names() {
        for s in TABLE {
            for name in s.names {
                let text = format!("#{name}");
                let got = p(&text).spec().unwrap_or_else(|| panic!("{text} is no command"));
                assert_eq!(got, s, "{text}");
                assert_eq!(find(name), Some(s), "{name} belongs to one command");
            }
            assert!(
                s.args.iter().all(|a| a.optional || !a.prompt.is_empty()),
                "{} asks for every missing argument",
                s.name()
            );
        }
    }

    #[test]
    fn help_shows_only_what_the_asker_may_use() {
        let member = help(Role::Member, "#");
        assert!(member.contains("签到") && member.contains("查券 <关键词>"));
        assert!(!member.contains("设置关键词") && !member.contains("设置群主"));
        let owner = help(Role::Owner, "#");
        assert!(owner.contains("#设置关键词 <词> <回复>") && !owner.contains("设置群主"));
        let admin = help(Role::Admin, "#");
        assert!(admin.contains("#设置群主 @成员"));
    }
}
