//! Chat commands: one table declares every command (names, who may use it, cooldown, arguments with the
//! question asked when one is missing, usage), one parser turns text into a [`Command`], and `帮助` is generated
//! from the table.
//!
//! Owner and admin commands need the configured prefix (`#设置关键词 …`); member commands work with or
//! without it, but only as the whole message (`签到`, `查券 耳机`), so ordinary chat never reads as a command.

use crate::config::DndPolicy;
use crate::engine::copy;
use crate::engine::group_settings::{Feature, StreakReward};
use crate::engine::keywords::{self, MatchKind, PatternError, ReplyBody};
use crate::engine::limits::QuietHours;
use crate::money::Fen;
use crate::platform::Platform;
use crate::posting::schedule::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, TimeWindow};

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

/// Identifies a table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Name {
    Help,
    Checkin,
    Points,
    Search,
    NextPage,
    Mine,
    ClaimOrder,
    MyOrders,
    Withdraw,
    FeatureOn,
    FeatureOff,
    SetKeyword,
    DeleteKeyword,
    ListKeywords,
    SetFaq,
    DeleteFaq,
    ListFaq,
    SetWelcome,
    SetCopy,
    SetPoster,
    BindPid,
    GroupStatus,
    SetDnd,
    ClearDnd,
    SetOwner,
    AddAdmin,
    Posting,
    PostingHours,
    PostingInterval,
    Exchange,
    FreeOrders,
    Leaderboard,
    Tasks,
    SetStreak,
    Human,
    SetRebate,
    ApplyAgent,
    JoinAgent,
}

/// One command as the table declares it.
#[derive(Debug)]
pub struct Spec {
    pub name: Name,
    /// What members type; the first is shown in help.
    pub names: &'static [&'static str],
    pub role: Role,
    pub cooldown: Cooldown,
    pub args: &'static [Arg],
    /// The arguments as help shows them (`<关键词>`).
    pub usage: &'static str,
    pub summary: &'static str,
    /// The group feature the command needs switched on.
    pub feature: Option<Feature>,
}

impl Spec {
    /// The key of this command's cooldown.
    pub fn cooldown_key(&self) -> &'static str {
        match self.cooldown {
            Cooldown::Search => "查券",
            _ => self.names[0],
        }
    }

    /// `#设置关键词 <词> <回复>`.
    pub fn usage_line(&self, prefix: &str) -> String {
        let p = if self.role == Role::Member { "" } else { prefix };
        if self.usage.is_empty() {
            format!("{p}{}", self.names[0])
        } else {
            format!("{p}{} {}", self.names[0], self.usage)
        }
    }
}

const FEATURE_LIST: &str = "转链、签到、查券、欢迎语、自动回复";

/// Every command. Help lists them in this order.
pub static TABLE: &[Spec] = &[
    Spec {
        name: Name::Checkin,
        names: &["签到"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "每日签到领积分，连续签到有奖励",
        feature: Some(Feature::Checkin),
    },
    Spec {
        name: Name::Points,
        names: &["积分", "我的积分"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "查看积分和最近变动",
        feature: None,
    },
    Spec {
        name: Name::Search,
        names: &["查券", "搜券"],
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[rest("请发送要查的商品关键词，例如：蓝牙耳机")],
        usage: "<关键词>",
        summary: "搜索有券的商品",
        feature: Some(Feature::Search),
    },
    Spec {
        name: Name::NextPage,
        names: &["下一页"],
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[],
        usage: "",
        summary: "查券结果的下一页",
        feature: Some(Feature::Search),
    },
    Spec {
        name: Name::Mine,
        names: &["我的"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "我的转链次数和积分",
        feature: None,
    },
    Spec {
        name: Name::ClaimOrder,
        names: &["绑定订单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送订单号，例如：绑定订单 190108-374476636970002")],
        usage: "<订单号>",
        summary: "没记到你名下的订单，发订单号认领",
        feature: None,
    },
    Spec {
        name: Name::MyOrders,
        names: &["订单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "我的订单和返利明细（私聊）",
        feature: None,
    },
    Spec {
        name: Name::Withdraw,
        names: &["提现"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送提现金额（元），例如：提现 10")],
        usage: "<金额>",
        summary: "把可提现的返利提出来（私聊）",
        feature: None,
    },
    Spec {
        name: Name::Human,
        names: &["人工", "转人工", "人工客服"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "转人工客服（私聊）",
        feature: None,
    },
    Spec {
        name: Name::Help,
        names: &["帮助", "菜单"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "显示本帮助",
        feature: None,
    },
    Spec {
        name: Name::FeatureOn,
        names: &["开启"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要开启的功能：转链、签到、查券、欢迎语、自动回复")],
        usage: "<功能>",
        summary: "开启功能（转链、签到、查券、欢迎语、自动回复）",
        feature: None,
    },
    Spec {
        name: Name::FeatureOff,
        names: &["关闭"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要关闭的功能：转链、签到、查券、欢迎语、自动回复")],
        usage: "<功能>",
        summary: "关闭功能",
        feature: None,
    },
    Spec {
        name: Name::SetKeyword,
        names: &["设置关键词", "添加关键词"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送关键词（前加 = 为完全匹配，/…/ 为正则）"), rest("请发送回复内容（图片请发图片链接）")],
        usage: "<词> <回复>",
        summary: "自动回复：消息含<词>时回复（=词 完全匹配，/正则/）",
        feature: None,
    },
    Spec {
        name: Name::DeleteKeyword,
        names: &["删除关键词"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送要删除的关键词")],
        usage: "<词>",
        summary: "删除自动回复",
        feature: None,
    },
    Spec {
        name: Name::ListKeywords,
        names: &["关键词列表"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群的自动回复",
        feature: None,
    },
    Spec {
        name: Name::SetFaq,
        names: &["设置问答", "添加问答"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送问题"), rest("请发送答案")],
        usage: "<问题> <答案>",
        summary: "智能问答：相似的问题都会得到这个答案",
        feature: None,
    },
    Spec {
        name: Name::DeleteFaq,
        names: &["删除问答"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest("请发送要删除的问题")],
        usage: "<问题>",
        summary: "删除问答",
        feature: None,
    },
    Spec {
        name: Name::ListFaq,
        names: &["问答列表"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群的问答",
        feature: None,
    },
    Spec {
        name: Name::SetWelcome,
        names: &["设置欢迎语"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest("请发送欢迎语（{新人} 会替换为@新成员；发送 默认 恢复默认）")],
        usage: "<文本>",
        summary: "新人入群的欢迎语，{新人} 处@新成员",
        feature: None,
    },
    Spec {
        name: Name::SetCopy,
        names: &["设置文案"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest(
            "请发送文案模板，可用 {标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}；发送 默认 恢复默认",
        )],
        usage: "<模板>",
        summary: "转链文案模板：{标题} {券后价} {原价} {优惠券} {预估返利} {链接} {口令}",
        feature: None,
    },
    Spec {
        name: Name::SetPoster,
        names: &["设置海报"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送海报模板名（发送 默认 恢复默认）")],
        usage: "<模板名>",
        summary: "选择海报模板",
        feature: None,
    },
    Spec {
        name: Name::BindPid,
        names: &["绑定推广位"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送平台：拼多多、京东或淘宝"), word("请发送推广位 PID")],
        usage: "<平台> <PID>",
        summary: "本群使用自己的推广位（拼多多 123_456，京东 数字，淘宝 mm_1_2_3）",
        feature: None,
    },
    Spec {
        name: Name::GroupStatus,
        names: &["群状态"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "查看本群设置、推广位和今日转链",
        feature: None,
    },
    Spec {
        name: Name::SetDnd,
        names: &["设置免打扰"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送免打扰时段，例如 23-7"), optional_word()],
        usage: "<时段> [排队|丢弃]",
        summary: "免打扰时段内的回复排队到结束后发送，或丢弃",
        feature: None,
    },
    Spec {
        name: Name::ClearDnd,
        names: &["关闭免打扰"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: "本群不设免打扰",
        feature: None,
    },
    Spec {
        name: Name::SetOwner,
        names: &["设置群主", "绑定群主"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要设为群主的成员")],
        usage: "@成员",
        summary: "把成员设为本群群主（合伙人）",
        feature: None,
    },
    Spec {
        name: Name::AddAdmin,
        names: &["添加管理员"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要添加的管理员")],
        usage: "@成员",
        summary: "添加机器人管理员",
        feature: None,
    },
    Spec {
        name: Name::Posting,
        names: &["发单"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送 开 或 关")],
        usage: "开|关",
        summary: "机器人按计划在本群自动发优惠商品",
        feature: None,
    },
    Spec {
        name: Name::PostingHours,
        names: &["发单时间"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送发单时段，例如 9-22")],
        usage: "<时段>",
        summary: "每天在这个时段内自动发单",
        feature: None,
    },
    Spec {
        name: Name::PostingInterval,
        names: &["发单间隔"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送发单间隔（分钟），例如 30")],
        usage: "<分钟>",
        summary: "每隔多少分钟发一单",
        feature: None,
    },
    Spec {
        name: Name::Exchange,
        names: &["兑换", "积分兑换"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送要兑换的积分数（例如：兑换 500）或奖品名（私聊兑换）")],
        usage: "<积分>|<奖品>",
        summary: "积分兑换成可提现返利，或兑换奖品（私聊）",
        feature: None,
    },
    Spec {
        name: Name::FreeOrders,
        names: &["免单", "免单活动"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "查看进行中的免单活动",
        feature: None,
    },
    Spec {
        name: Name::Leaderboard,
        names: &["排行榜"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "本月签到榜和邀请榜",
        feature: None,
    },
    Spec {
        name: Name::Tasks,
        names: &["任务", "每日任务"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: "今日任务和进度，完成即得积分",
        feature: None,
    },
    Spec {
        name: Name::SetStreak,
        names: &["连签奖励", "设置连签奖励"],
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word("请发送每连续签到几天奖励一次，例如：7 50（每连续 7 天奖励 50 积分）"), optional_word()],
        usage: "<天数> <积分>|默认",
        summary: "本群连续签到奖励：每连续<天数>天多得<积分>",
        feature: None,
    },
    Spec {
        name: Name::SetRebate,
        names: &["设置返利"],
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention("请@要设置返利的成员"), word("请发送返利比例，例如 60%")],
        usage: "@成员 <比例>",
        summary: "设置成员的返利比例（新订单生效）",
        feature: None,
    },
    Spec {
        name: Name::ApplyAgent,
        names: &["申请代理"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[rest("请简单说明申请理由，例如：我有 3 个 500 人的群")],
        usage: "<理由>",
        summary: "申请成为代理，审核通过后获得专属推广位和邀请码",
        feature: None,
    },
    Spec {
        name: Name::JoinAgent,
        names: &["邀请码"],
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word("请发送代理给您的邀请码，例如：邀请码 ABC23456")],
        usage: "<邀请码>",
        summary: "填写代理的邀请码，加入代理团队",
        feature: None,
    },
];

/// A parsed command, arguments validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Checkin,
    Points,
    Search {
        keyword: String,
    },
    NextPage,
    Mine,
    ClaimOrder {
        order_key: String,
    },
    MyOrders,
    Withdraw {
        amount: Fen,
    },
    /// 人工: hand the private chat over to the operator's admins.
    Human,
    SetFeature {
        feature: Feature,
        on: bool,
    },
    SetKeyword {
        kind: MatchKind,
        pattern: String,
        reply: ReplyBody,
    },
    DeleteKeyword {
        pattern: String,
    },
    ListKeywords,
    SetFaq {
        question: String,
        answer: String,
    },
    DeleteFaq {
        question: String,
    },
    ListFaq,
    /// `None` restores the default.
    SetWelcome {
        text: Option<String>,
    },
    SetCopy {
        template: Option<String>,
    },
    SetPoster {
        name: Option<String>,
    },
    BindPid {
        platform: Platform,
        pid: String,
    },
    GroupStatus,
    SetDnd {
        hours: QuietHours,
        policy: Option<DndPolicy>,
    },
    ClearDnd,
    SetOwner {
        wxid: String,
    },
    AddAdmin {
        wxid: String,
    },
    SetPosting {
        on: bool,
    },
    SetPostingHours {
        window: TimeWindow,
    },
    SetPostingInterval {
        minutes: u32,
    },
    Exchange {
        points: i64,
    },
    Redeem {
        reward: String,
    },
    FreeOrders,
    Leaderboard,
    Tasks,
    /// `None` restores the configured reward.
    SetStreak {
        reward: Option<StreakReward>,
    },
    SetRebate {
        wxid: String,
        rate: crate::money::Bps,
    },
    ApplyAgent {
        reason: String,
    },
    /// An agent's invite code, upper-cased.
    JoinAgent {
        code: String,
    },
}

/// What a message says, command-wise.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Ordinary chat.
    NotACommand,
    Ready(&'static Spec, Command),
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

impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Spec {}

/// The table entry of `name`.
pub fn spec(name: Name) -> Option<&'static Spec> {
    TABLE.iter().find(|s| s.name == name)
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
    match finish(spec, &args) {
        Ok(c) => Parsed::Ready(spec, c),
        Err(reason) => Parsed::Invalid { spec, reason },
    }
}

fn is_default(s: &str) -> bool {
    matches!(s.trim(), "默认" | "恢复默认")
}

fn pattern_reason(e: PatternError) -> String {
    match e {
        PatternError::Empty => "关键词不能为空".into(),
        PatternError::TooLong => format!("关键词最多 {} 个字", keywords::MAX_PATTERN_CHARS),
        PatternError::BadRegex => "正则表达式有误或太复杂".into(),
    }
}

fn finish(spec: &Spec, a: &[String]) -> Result<Command, String> {
    let arg = |i: usize| a.get(i).map(String::as_str).unwrap_or_default();
    Ok(match spec.name {
        Name::Help => Command::Help,
        Name::Checkin => Command::Checkin,
        Name::Points => Command::Points,
        Name::Search => {
            let keyword = arg(0).split_whitespace().collect::<Vec<_>>().join(" ");
            if keyword.chars().count() > 30 {
                return Err("关键词太长了，最多 30 个字".into());
            }
            Command::Search { keyword }
        }
        Name::NextPage => Command::NextPage,
        Name::Mine => Command::Mine,
        Name::MyOrders => Command::MyOrders,
        Name::Human => Command::Human,
        Name::Withdraw => {
            let amount = Fen::from_yuan_str(arg(0))
                .ok()
                .filter(|a| a.0 > 0)
                .ok_or_else(|| "金额格式不对，例如：提现 10 或 提现 10.50".to_string())?;
            Command::Withdraw { amount }
        }
        Name::ClaimOrder => {
            if !crate::orders::claims::plausible_key(arg(0)) {
                return Err("订单号格式不对，订单号可在订单详情里复制".into());
            }
            Command::ClaimOrder { order_key: arg(0).to_string() }
        }
        Name::FeatureOn | Name::FeatureOff => {
            let feature = Feature::from_name(arg(0))
                .ok_or_else(|| format!("没有「{}」这个功能，可选：{FEATURE_LIST}", arg(0)))?;
            Command::SetFeature { feature, on: spec.name == Name::FeatureOn }
        }
        Name::SetKeyword => {
            let (kind, pattern) = keywords::parse_pattern(arg(0)).map_err(pattern_reason)?;
            if arg(1).chars().count() > keywords::MAX_REPLY_CHARS {
                return Err(format!("回复最多 {} 个字", keywords::MAX_REPLY_CHARS));
            }
            Command::SetKeyword { kind, pattern, reply: ReplyBody::from_input(arg(1)) }
        }
        Name::DeleteKeyword => {
            let (_, pattern) = keywords::parse_pattern(arg(0)).map_err(pattern_reason)?;
            Command::DeleteKeyword { pattern }
        }
        Name::ListKeywords => Command::ListKeywords,
        Name::SetFaq => {
            if arg(0).chars().count() > 100 || arg(1).chars().count() > keywords::MAX_REPLY_CHARS {
                return Err("问题最多 100 个字，答案最多 1000 个字".into());
            }
            if crate::engine::qa::normalize(arg(0)).concat().chars().count() < 2 {
                return Err("问题太短了".into());
            }
            Command::SetFaq { question: arg(0).to_string(), answer: arg(1).to_string() }
        }
        Name::DeleteFaq => {
            if arg(0).chars().count() > 100 {
                return Err("问题最多 100 个字".into());
            }
            Command::DeleteFaq { question: arg(0).to_string() }
        }
        Name::ListFaq => Command::ListFaq,
        Name::SetWelcome => {
            if arg(0).chars().count() > 500 {
                return Err("欢迎语最多 500 个字".into());
            }
            Command::SetWelcome { text: (!is_default(arg(0))).then(|| arg(0).to_string()) }
        }
        Name::SetCopy => {
            if is_default(arg(0)) {
                Command::SetCopy { template: None }
            } else {
                copy::validate(arg(0)).map_err(|e| e.reason())?;
                Command::SetCopy { template: Some(arg(0).to_string()) }
            }
        }
        Name::SetPoster => {
            let name = arg(0);
            if is_default(name) {
                Command::SetPoster { name: None }
            } else if name.chars().count() <= 32 && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                Command::SetPoster { name: Some(name.to_string()) }
            } else {
                return Err("模板名只能包含字母、数字、_ 和 -".into());
            }
        }
        Name::BindPid => {
            let platform: Platform =
                arg(0).parse().map_err(|_| format!("不支持「{}」，平台可选：拼多多、京东、淘宝", arg(0)))?;
            let pid = crate::affiliate::pid::parse(platform, arg(1))
                .ok_or_else(|| crate::engine::text::pid_malformed(platform))?;
            Command::BindPid { platform, pid }
        }
        Name::GroupStatus => Command::GroupStatus,
        Name::SetDnd => {
            let hours: QuietHours =
                arg(0).parse().map_err(|_| "时段格式不对，例如 23-7（23 点到次日 7 点）".to_string())?;
            let policy = match arg(1) {
                "" => None,
                "排队" | "queue" => Some(DndPolicy::Queue),
                "丢弃" | "drop" => Some(DndPolicy::Drop),
                other => return Err(format!("不认识「{other}」，可选：排队、丢弃")),
            };
            Command::SetDnd { hours, policy }
        }
        Name::ClearDnd => Command::ClearDnd,
        Name::SetOwner => Command::SetOwner { wxid: arg(0).to_string() },
        Name::AddAdmin => Command::AddAdmin { wxid: arg(0).to_string() },
        Name::Posting => match arg(0) {
            "开" | "开启" | "on" => Command::SetPosting { on: true },
            "关" | "关闭" | "off" => Command::SetPosting { on: false },
            other => return Err(format!("不认识「{other}」，可选：开、关")),
        },
        Name::PostingHours => Command::SetPostingHours {
            window: arg(0).parse().map_err(|_| "时段格式不对，例如 9-22 或 08:30-22:30".to_string())?,
        },
        Name::PostingInterval => {
            let minutes: u32 =
                arg(0).trim_end_matches("分钟").parse().map_err(|_| "间隔要写分钟数，例如 30".to_string())?;
            if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes) {
                return Err(format!("间隔要在 {MIN_INTERVAL_MINUTES} 到 {MAX_INTERVAL_MINUTES} 分钟之间"));
            }
            Command::SetPostingInterval { minutes }
        }
        // A number is points for rebate balance; anything else names a reward.
        Name::Exchange if !arg(0).starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
            if arg(0).chars().count() > 30 {
                return Err("奖品名最多 30 个字".into());
            }
            Command::Redeem { reward: arg(0).to_string() }
        }
        Name::Exchange => {
            let points: i64 = arg(0)
                .trim_end_matches("积分")
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| "积分要写正整数，例如：兑换 500".to_string())?;
            Command::Exchange { points }
        }
        Name::FreeOrders => Command::FreeOrders,
        Name::Leaderboard => Command::Leaderboard,
        Name::Tasks => Command::Tasks,
        Name::SetStreak => {
            if is_default(arg(0)) && arg(1).is_empty() {
                return Ok(Command::SetStreak { reward: None });
            }
            let every_days: i64 = arg(0)
                .trim_end_matches('天')
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| "天数要在 1 到 365 之间".to_string())?;
            let bonus_points: i64 = arg(1)
                .trim_end_matches("积分")
                .parse()
                .ok()
                .filter(|p| (1..=10_000).contains(p))
                .ok_or_else(|| "奖励积分要在 1 到 10000 之间".to_string())?;
            Command::SetStreak { reward: Some(StreakReward { every_days, bonus_points }) }
        }
        Name::SetRebate => {
            let rate = crate::money::Bps::from_percent_str(arg(1).trim_end_matches(['%', '％']))
                .ok()
                .filter(|r| (0..=10_000).contains(&r.0))
                .ok_or_else(|| "比例要写 0 到 100 之间的百分数，例如 60%".to_string())?;
            Command::SetRebate { wxid: arg(0).to_string(), rate }
        }
        Name::ApplyAgent => {
            let reason = arg(0).trim();
            if reason.chars().count() > 100 {
                return Err("理由最多 100 个字".into());
            }
            Command::ApplyAgent { reason: reason.to_string() }
        }
        Name::JoinAgent => {
            let code = arg(0).trim();
            if !(4..=16).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err("邀请码是 4 到 16 位字母或数字".into());
            }
            Command::JoinAgent { code: code.to_ascii_uppercase() }
        }
    })
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

    fn ready(text: &str) -> Command {
        match p(text) {
            Parsed::Ready(_, c) => c,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn invalid(text: &str) -> String {
        match p(text) {
            Parsed::Invalid { reason, .. } => reason,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn set_rebate_takes_a_mention_and_a_percent() {
        let p = parse("#设置返利 60%", &["wxid_m".into()], "#");
        let Parsed::Ready(_, c) = p else { panic!("{p:?}") };
        assert_eq!(c, Command::SetRebate { wxid: "wxid_m".into(), rate: crate::money::Bps(6000) });
        let p = parse("#设置返利 12.5", &["wxid_m".into()], "#");
        assert!(matches!(p, Parsed::Ready(_, Command::SetRebate { rate: crate::money::Bps(1250), .. })), "{p:?}");
        assert!(matches!(parse("#设置返利 120%", &["wxid_m".into()], "#"), Parsed::Invalid { .. }));
        assert!(matches!(parse("#设置返利 -5%", &["wxid_m".into()], "#"), Parsed::Invalid { .. }));
        assert!(matches!(parse("#设置返利 60%", &[], "#"), Parsed::Missing { .. }));
    }

    #[test]
    fn member_commands_work_with_or_without_the_prefix_but_only_as_the_whole_message() {
        assert_eq!(ready("签到"), Command::Checkin);
        assert_eq!(ready(" #签到 "), Command::Checkin);
        assert_eq!(ready("＃签到"), Command::Checkin);
        assert_eq!(ready("积分"), Command::Points);
        assert_eq!(ready("我的积分"), Command::Points);
        assert_eq!(ready("我的"), Command::Mine);
        assert_eq!(ready("帮助"), Command::Help);
        assert_eq!(ready("下一页"), Command::NextPage);
        assert_eq!(ready("查券 蓝牙  耳机"), Command::Search { keyword: "蓝牙 耳机".into() });
        assert_eq!(ready("#查券耳机"), Command::Search { keyword: "耳机".into() });
        for chat in ["签到了吗", "今天签到", "积分怎么用", "查券耳机", "帮助一下", "签到 啦", "我的天", "hello", ""]
        {
            assert_eq!(p(chat), Parsed::NotACommand, "{chat}");
        }
    }

    #[test]
    fn owner_commands_need_the_prefix() {
        assert_eq!(p("设置关键词 你好 欢迎"), Parsed::NotACommand);
        assert_eq!(p("群状态"), Parsed::NotACommand);
        assert_eq!(ready("#群状态"), Command::GroupStatus);
        assert_eq!(ready("#开启转链"), Command::SetFeature { feature: Feature::Convert, on: true });
        assert_eq!(ready("#关闭 查券"), Command::SetFeature { feature: Feature::Search, on: false });
        assert_eq!(ready("#关闭免打扰"), Command::ClearDnd, "the longest name wins");
        assert_eq!(invalid("#群状态 详细"), "参数太多了");
    }

    #[test]
    fn an_empty_prefix_makes_every_command_strict() {
        assert_eq!(parse("群状态", &[], ""), Parsed::Ready(spec(Name::GroupStatus).unwrap(), Command::GroupStatus));
        assert_eq!(parse("群状态了", &[], ""), Parsed::NotACommand);
        assert!(matches!(parse("设置关键词 a b", &[], ""), Parsed::Ready(..)));
    }

    #[test]
    fn keyword_arguments_split_into_a_word_and_the_rest() {
        assert_eq!(
            ready("#设置关键词 发货 下单后 48 小时内发货\n周末顺延"),
            Command::SetKeyword {
                kind: MatchKind::Contains,
                pattern: "发货".into(),
                reply: ReplyBody::Text("下单后 48 小时内发货\n周末顺延".into())
            }
        );
        assert_eq!(
            ready("#设置关键词 =你好 https://cdn.example.com/hi.png"),
            Command::SetKeyword {
                kind: MatchKind::Exact,
                pattern: "你好".into(),
                reply: ReplyBody::Image("https://cdn.example.com/hi.png".into())
            }
        );
        assert_eq!(invalid("#设置关键词 /(/ 回复"), "正则表达式有误或太复杂");
        assert_eq!(ready("#删除关键词 =你好"), Command::DeleteKeyword { pattern: "你好".into() });
    }

    #[test]
    fn missing_arguments_become_a_dialog_that_collects_them() {
        let s = spec(Name::SetKeyword).unwrap();
        assert_eq!(p("#设置关键词"), Parsed::Missing { spec: s, args: vec![] });
        assert_eq!(p("#设置关键词 你好"), Parsed::Missing { spec: s, args: vec!["你好".into()] });
        // The answer to "请发送回复内容" is the whole message.
        assert_eq!(
            collect(s, vec!["你好".into()], " 欢迎 光临 ", &[]),
            Parsed::Ready(
                s,
                Command::SetKeyword {
                    kind: MatchKind::Contains,
                    pattern: "你好".into(),
                    reply: ReplyBody::Text("欢迎 光临".into())
                }
            )
        );
        // An answer to "请发送关键词" may carry the reply too.
        assert!(matches!(collect(s, vec![], "你好 欢迎", &[]), Parsed::Ready(..)));
        assert_eq!(p("查券"), Parsed::Missing { spec: spec(Name::Search).unwrap(), args: vec![] });
        assert_eq!(p("#设置群主"), Parsed::Missing { spec: spec(Name::SetOwner).unwrap(), args: vec![] });
        assert_eq!(
            parse("#设置群主", &["wxid_x".into()], "#"),
            Parsed::Ready(spec(Name::SetOwner).unwrap(), Command::SetOwner { wxid: "wxid_x".into() })
        );
    }

    #[test]
    fn arguments_are_validated_with_a_reason() {
        assert!(invalid("#开启 飞行").contains("可选：转链"));
        assert!(invalid("#绑定推广位 唯品会 123").contains("平台可选"));
        assert!(invalid("#绑定推广位 淘宝 123").contains("mm_123_456_789"));
        assert!(invalid("#绑定推广位 拼多多 abc").contains("123456_7890123"));
        assert_eq!(
            ready("#绑定推广位 京东 3100000009"),
            Command::BindPid { platform: Platform::Jd, pid: "3100000009".into() }
        );
        assert_eq!(
            ready("#绑定推广位 拼多多 9000001_100000002"),
            Command::BindPid { platform: Platform::Pdd, pid: "9000001_100000002".into() }
        );
        assert_eq!(
            ready("#绑定推广位 淘宝 mm_1_2_3"),
            Command::BindPid { platform: Platform::Taobao, pid: "mm_1_2_3".into() }
        );
        assert!(invalid("#设置文案 {标题}").contains("{链接}"));
        assert!(invalid("#设置文案 {价格}{链接}").contains("不认识 {价格}"));
        assert_eq!(ready("#设置文案 默认"), Command::SetCopy { template: None });
        assert_eq!(ready("#设置海报 默认"), Command::SetPoster { name: None });
        assert!(invalid("#设置海报 ../x").contains("模板名"));
        assert_eq!(
            ready("#设置免打扰 23-7"),
            Command::SetDnd { hours: QuietHours { start: 23, end: 7 }, policy: None }
        );
        assert_eq!(
            ready("#设置免打扰 22-8 丢弃"),
            Command::SetDnd { hours: QuietHours { start: 22, end: 8 }, policy: Some(DndPolicy::Drop) }
        );
        assert!(invalid("#设置免打扰 晚上").contains("23-7"));
        assert!(invalid("#设置免打扰 23-7 静音").contains("排队"));
        assert_eq!(ready("#设置欢迎语 默认"), Command::SetWelcome { text: None });
        assert_eq!(invalid("#设置问答 券 去领"), "问题太短了");
        assert!(invalid(&format!("查券 {}", "长".repeat(31))).contains("关键词太长"));
    }

    #[test]
    fn every_table_entry_is_reachable_by_each_of_its_names() {
        for s in TABLE {
            for name in s.names {
                let text = format!("#{name}");
                match parse(&text, &[], "#") {
                    Parsed::Ready(got, _) | Parsed::Missing { spec: got, .. } => assert_eq!(got.name, s.name, "{text}"),
                    other => panic!("{text}: {other:?}"),
                }
            }
            assert!(
                s.args.iter().all(|a| a.optional || !a.prompt.is_empty()),
                "{:?} asks for every missing argument",
                s.name
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
