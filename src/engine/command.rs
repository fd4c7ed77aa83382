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
use crate::engine::text::commands as words;
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
            Cooldown::Search => words::SEARCH[0],
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

/// Every command. Help lists them in this order.
pub static TABLE: &[Spec] = &[
    Spec {
        names: words::CHECKIN,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::CHECKIN_SUMMARY,
        feature: Some(Feature::Checkin),
        bind: |_| Ok(call(member::checkin, ())),
    },
    Spec {
        names: words::POINTS,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::POINTS_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::points, ())),
    },
    Spec {
        names: words::SEARCH,
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[rest(words::SEARCH_ASK)],
        usage: words::SEARCH_USAGE,
        summary: words::SEARCH_SUMMARY,
        feature: Some(Feature::Search),
        bind: |a| Ok(call(member::search, search_keyword(&a[0])?)),
    },
    Spec {
        names: words::NEXT_PAGE,
        role: Role::Member,
        cooldown: Cooldown::Search,
        args: &[],
        usage: "",
        summary: words::NEXT_PAGE_SUMMARY,
        feature: Some(Feature::Search),
        bind: |_| Ok(call(member::next_page, ())),
    },
    Spec {
        names: words::MINE,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::MINE_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::mine, ())),
    },
    Spec {
        names: words::CLAIM_ORDER,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word(words::CLAIM_ORDER_ASK)],
        usage: words::CLAIM_ORDER_USAGE,
        summary: words::CLAIM_ORDER_SUMMARY,
        feature: None,
        bind: |a| Ok(call(member::claim_order, order_key(&a[0])?)),
    },
    Spec {
        names: words::MY_ORDERS,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::MY_ORDERS_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::my_orders, ())),
    },
    Spec {
        names: words::WITHDRAW,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word(words::WITHDRAW_ASK)],
        usage: words::WITHDRAW_USAGE,
        summary: words::WITHDRAW_SUMMARY,
        feature: None,
        bind: |a| Ok(call(member::withdraw, withdrawal_amount(&a[0])?)),
    },
    Spec {
        names: words::HUMAN,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::HUMAN_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::human, ())),
    },
    Spec {
        names: words::RULES,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::RULES_SUMMARY,
        feature: None,
        bind: |_| Ok(in_group(member::rules, ())),
    },
    Spec {
        names: words::HELP,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::HELP_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::help, ())),
    },
    Spec {
        names: words::FEATURE_ON,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::FEATURE_ON_ASK)],
        usage: words::FEATURE_ON_USAGE,
        summary: words::FEATURE_ON_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_feature, (feature(&a[0])?, true))),
    },
    Spec {
        names: words::FEATURE_OFF,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::FEATURE_OFF_ASK)],
        usage: words::FEATURE_OFF_USAGE,
        summary: words::FEATURE_OFF_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_feature, (feature(&a[0])?, false))),
    },
    Spec {
        names: words::SET_KEYWORD,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::SET_KEYWORD_ASK_PATTERN), rest(words::SET_KEYWORD_ASK_REPLY)],
        usage: words::SET_KEYWORD_USAGE,
        summary: words::SET_KEYWORD_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_keyword, keyword_rule(&a[0], &a[1])?)),
    },
    Spec {
        names: words::DELETE_KEYWORD,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::DELETE_KEYWORD_ASK)],
        usage: words::DELETE_KEYWORD_USAGE,
        summary: words::DELETE_KEYWORD_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::delete_keyword, keyword_pattern(&a[0])?)),
    },
    Spec {
        names: words::LIST_KEYWORDS,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: words::LIST_KEYWORDS_SUMMARY,
        feature: None,
        bind: |_| Ok(in_group(owner::list_keywords, ())),
    },
    Spec {
        names: words::SET_FAQ,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::SET_FAQ_ASK_QUESTION), rest(words::SET_FAQ_ASK_ANSWER)],
        usage: words::SET_FAQ_USAGE,
        summary: words::SET_FAQ_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_faq, faq(&a[0], &a[1])?)),
    },
    Spec {
        names: words::DELETE_FAQ,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest(words::DELETE_FAQ_ASK)],
        usage: words::DELETE_FAQ_USAGE,
        summary: words::DELETE_FAQ_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::delete_faq, faq_question(&a[0])?)),
    },
    Spec {
        names: words::LIST_FAQ,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: words::LIST_FAQ_SUMMARY,
        feature: None,
        bind: |_| Ok(in_group(owner::list_faq, ())),
    },
    Spec {
        names: words::SET_WELCOME,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest(words::SET_WELCOME_ASK)],
        usage: words::SET_WELCOME_USAGE,
        summary: words::SET_WELCOME_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_welcome, welcome_text(&a[0])?)),
    },
    Spec {
        names: words::SET_COPY,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[rest(words::SET_COPY_ASK)],
        usage: words::SET_COPY_USAGE,
        summary: words::SET_COPY_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_copy, copy_template(&a[0])?)),
    },
    Spec {
        names: words::SET_POSTER,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::SET_POSTER_ASK)],
        usage: words::SET_POSTER_USAGE,
        summary: words::SET_POSTER_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_poster, poster_name(&a[0])?)),
    },
    Spec {
        names: words::BIND_PID,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::BIND_PID_ASK_PLATFORM), word(words::BIND_PID_ASK_PID)],
        usage: words::BIND_PID_USAGE,
        summary: words::BIND_PID_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::bind_pid, platform_pid(&a[0], &a[1])?)),
    },
    Spec {
        names: words::GROUP_STATUS,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: words::GROUP_STATUS_SUMMARY,
        feature: None,
        bind: |_| Ok(in_group(owner::group_status, ())),
    },
    Spec {
        names: words::SET_DND,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::SET_DND_ASK), optional_word()],
        usage: words::SET_DND_USAGE,
        summary: words::SET_DND_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_dnd, quiet_hours(&a[0], optional(a, 1))?)),
    },
    Spec {
        names: words::CLEAR_DND,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[],
        usage: "",
        summary: words::CLEAR_DND_SUMMARY,
        feature: None,
        bind: |_| Ok(in_group(owner::clear_dnd, ())),
    },
    Spec {
        names: words::SET_OWNER,
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention(words::SET_OWNER_ASK)],
        usage: words::SET_OWNER_USAGE,
        summary: words::SET_OWNER_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_owner, a[0].clone())),
    },
    Spec {
        names: words::ADD_ADMIN,
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention(words::ADD_ADMIN_ASK)],
        usage: words::ADD_ADMIN_USAGE,
        summary: words::ADD_ADMIN_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::add_admin, a[0].clone())),
    },
    Spec {
        names: words::POSTING,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::POSTING_ASK)],
        usage: words::POSTING_USAGE,
        summary: words::POSTING_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Enabled(on_off(&a[0])?))),
    },
    Spec {
        names: words::POSTING_HOURS,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::POSTING_HOURS_ASK)],
        usage: words::POSTING_HOURS_USAGE,
        summary: words::POSTING_HOURS_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Hours(posting_hours(&a[0])?))),
    },
    Spec {
        names: words::POSTING_INTERVAL,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::POSTING_INTERVAL_ASK)],
        usage: words::POSTING_INTERVAL_USAGE,
        summary: words::POSTING_INTERVAL_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::posting, PlanChange::Interval(posting_interval(&a[0])?))),
    },
    Spec {
        names: words::EXCHANGE,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word(words::EXCHANGE_ASK)],
        usage: words::EXCHANGE_USAGE,
        summary: words::EXCHANGE_SUMMARY,
        feature: None,
        bind: |a| exchange(&a[0]),
    },
    Spec {
        names: words::FREE_ORDERS,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::FREE_ORDERS_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::free_orders, ())),
    },
    Spec {
        names: words::LEADERBOARD,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::LEADERBOARD_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::leaderboard, ())),
    },
    Spec {
        names: words::TASKS,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[],
        usage: "",
        summary: words::TASKS_SUMMARY,
        feature: None,
        bind: |_| Ok(call(member::tasks, ())),
    },
    Spec {
        names: words::STREAK_REWARD,
        role: Role::Owner,
        cooldown: Cooldown::Owner,
        args: &[word(words::STREAK_REWARD_ASK), optional_word()],
        usage: words::STREAK_REWARD_USAGE,
        summary: words::STREAK_REWARD_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_streak, streak_reward(&a[0], optional(a, 1))?)),
    },
    Spec {
        names: words::SET_REBATE,
        role: Role::Admin,
        cooldown: Cooldown::Owner,
        args: &[mention(words::SET_REBATE_ASK_MEMBER), word(words::SET_REBATE_ASK_RATE)],
        usage: words::SET_REBATE_USAGE,
        summary: words::SET_REBATE_SUMMARY,
        feature: None,
        bind: |a| Ok(in_group(owner::set_rebate, (a[0].clone(), rebate_rate(&a[1])?))),
    },
    Spec {
        names: words::APPLY_AGENT,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[rest(words::APPLY_AGENT_ASK)],
        usage: words::APPLY_AGENT_USAGE,
        summary: words::APPLY_AGENT_SUMMARY,
        feature: None,
        bind: |a| Ok(call(member::apply_agent, agent_reason(&a[0])?)),
    },
    Spec {
        names: words::INVITE_CODE,
        role: Role::Member,
        cooldown: Cooldown::Member,
        args: &[word(words::INVITE_CODE_ASK)],
        usage: words::INVITE_CODE_USAGE,
        summary: words::INVITE_CODE_SUMMARY,
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
    text.strip_prefix(prefix).or_else(|| if prefix == "#" { text.strip_prefix(words::FULL_WIDTH_HASH) } else { None })
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
        return Parsed::Invalid { spec, reason: words::TOO_MANY_ARGS.into() };
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
    words::DEFAULT.contains(&s.trim())
}

fn search_keyword(s: &str) -> Result<String, String> {
    let keyword = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if keyword.chars().count() > 30 {
        return Err(words::KEYWORD_TOO_LONG.into());
    }
    Ok(keyword)
}

fn withdrawal_amount(s: &str) -> Result<Fen, String> {
    Fen::from_yuan_str(s).ok().filter(|a| a.0 > 0).ok_or_else(|| words::BAD_AMOUNT.to_string())
}

fn order_key(s: &str) -> Result<String, String> {
    if !crate::orders::claims::plausible_key(s) {
        return Err(words::BAD_ORDER_KEY.into());
    }
    Ok(s.to_string())
}

fn feature(s: &str) -> Result<Feature, String> {
    Feature::from_name(s).ok_or_else(|| words::unknown_feature(s))
}

fn pattern_reason(e: PatternError) -> String {
    match e {
        PatternError::Empty => words::PATTERN_EMPTY.into(),
        PatternError::TooLong => words::pattern_too_long(keywords::MAX_PATTERN_CHARS),
        PatternError::BadRegex => words::BAD_REGEX.into(),
    }
}

fn keyword_rule(pattern: &str, reply: &str) -> Result<(MatchKind, String, ReplyBody), String> {
    let (kind, pattern) = keywords::parse_pattern(pattern).map_err(pattern_reason)?;
    if reply.chars().count() > keywords::MAX_REPLY_CHARS {
        return Err(words::reply_too_long(keywords::MAX_REPLY_CHARS));
    }
    Ok((kind, pattern, ReplyBody::from_input(reply)))
}

fn keyword_pattern(s: &str) -> Result<String, String> {
    keywords::parse_pattern(s).map(|(_, pattern)| pattern).map_err(pattern_reason)
}

fn faq(question: &str, answer: &str) -> Result<(String, String), String> {
    if question.chars().count() > 100 || answer.chars().count() > keywords::MAX_REPLY_CHARS {
        return Err(words::FAQ_TOO_LONG.into());
    }
    if crate::engine::qa::normalize(question).concat().chars().count() < 2 {
        return Err(words::QUESTION_TOO_SHORT.into());
    }
    Ok((question.to_string(), answer.to_string()))
}

fn faq_question(s: &str) -> Result<String, String> {
    if s.chars().count() > 100 {
        return Err(words::QUESTION_TOO_LONG.into());
    }
    Ok(s.to_string())
}

/// `None` restores the default.
fn welcome_text(s: &str) -> Result<Option<String>, String> {
    if s.chars().count() > 500 {
        return Err(words::WELCOME_TOO_LONG.into());
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
        Err(words::BAD_POSTER_NAME.into())
    }
}

fn platform_pid(platform: &str, pid: &str) -> Result<(Platform, String), String> {
    let platform: Platform = platform.parse().map_err(|_| words::unsupported_platform(platform))?;
    let pid = crate::affiliate::pid::parse(platform, pid).ok_or_else(|| text::pid_malformed(platform))?;
    Ok((platform, pid))
}

fn quiet_hours(hours: &str, policy: &str) -> Result<(QuietHours, Option<DndPolicy>), String> {
    let hours: QuietHours = hours.parse().map_err(|_| words::BAD_QUIET_HOURS.to_string())?;
    let policy = match policy {
        "" => None,
        p if words::QUEUE.contains(&p) => Some(DndPolicy::Queue),
        p if words::DROP.contains(&p) => Some(DndPolicy::Drop),
        other => return Err(words::unknown_dnd_policy(other)),
    };
    Ok((hours, policy))
}

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        s if words::ON.contains(&s) => Ok(true),
        s if words::OFF.contains(&s) => Ok(false),
        other => Err(words::unknown_on_off(other)),
    }
}

fn posting_hours(s: &str) -> Result<TimeWindow, String> {
    s.parse().map_err(|_| words::BAD_POSTING_HOURS.to_string())
}

fn posting_interval(s: &str) -> Result<u32, String> {
    let minutes: u32 = s.trim_end_matches(words::MINUTES).parse().map_err(|_| words::BAD_INTERVAL.to_string())?;
    if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes) {
        return Err(words::interval_out_of_range(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES));
    }
    Ok(minutes)
}

/// A number is points for rebate balance; anything else names a reward.
fn exchange(s: &str) -> Result<Call, String> {
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        if s.chars().count() > 30 {
            return Err(words::REWARD_NAME_TOO_LONG.into());
        }
        return Ok(call(member::redeem, s.to_string()));
    }
    let points: i64 = s
        .trim_end_matches(words::POINTS_UNIT)
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| words::BAD_EXCHANGE_POINTS.to_string())?;
    Ok(call(member::exchange, points))
}

/// `None` restores the configured reward.
fn streak_reward(days: &str, points: &str) -> Result<Option<StreakReward>, String> {
    if is_default(days) && points.is_empty() {
        return Ok(None);
    }
    let every_days: i64 = days
        .trim_end_matches(words::DAYS)
        .parse()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| words::BAD_STREAK_DAYS.to_string())?;
    let bonus_points: i64 = points
        .trim_end_matches(words::POINTS_UNIT)
        .parse()
        .ok()
        .filter(|p| (1..=10_000).contains(p))
        .ok_or_else(|| words::BAD_STREAK_POINTS.to_string())?;
    Ok(Some(StreakReward { every_days, bonus_points }))
}

fn rebate_rate(s: &str) -> Result<Bps, String> {
    Bps::from_percent_str(s.trim_end_matches(words::PERCENT_SIGNS))
        .ok()
        .filter(|r| (0..=10_000).contains(&r.0))
        .ok_or_else(|| words::BAD_REBATE_RATE.to_string())
}

fn agent_reason(s: &str) -> Result<String, String> {
    let reason = s.trim();
    if reason.chars().count() > 100 {
        return Err(words::REASON_TOO_LONG.into());
    }
    Ok(reason.to_string())
}

/// An agent's invite code, upper-cased.
fn invite_code(s: &str) -> Result<String, String> {
    let code = s.trim();
    if !(4..=16).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(words::BAD_INVITE_CODE.into());
    }
    Ok(code.to_ascii_uppercase())
}

/// The help text for someone of `role`: only what they may use.
pub fn help(role: Role, prefix: &str) -> String {
    let lines = |r: Role| -> String {
        TABLE.iter().filter(|s| s.role == r).map(|s| words::help_line(&s.usage_line(prefix), s.summary)).collect()
    };
    let mut out = format!("{}{}{}", words::HELP_HEADING, lines(Role::Member), words::HELP_LINKS);
    if role >= Role::Owner {
        out.push_str(&words::help_owner_heading(prefix));
        out.push_str(&lines(Role::Owner));
    }
    if role >= Role::Admin {
        out.push_str(words::HELP_ADMIN_HEADING);
        out.push_str(&lines(Role::Admin));
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
