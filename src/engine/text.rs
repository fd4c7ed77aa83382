//! Every user-facing reply text, in Chinese, in one place; the commands' words and the Q&A lexicon in submodules.

pub mod commands;
pub mod copy;
pub mod qa;

use crate::affiliate::{Conversion, Product};
use crate::engine::group_settings::{Feature, GroupSettings, StreakReward};
use crate::platform::Platform;

/// Errors as members see them. Internal causes go to logs and metrics, never into chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The platform is down, throttling us or misconfigured.
    UnionUnavailable,
    /// The item exists but earns no commission.
    NoCommission,
    /// The link does not lead to a promotable item.
    NotAPromotableItem,
    /// A link of a platform we do not serve.
    UnsupportedPlatform(&'static str),
}

pub fn reply_error(e: &ReplyError) -> String {
    match e {
        ReplyError::UnionUnavailable => "系统繁忙，请稍后再试～".to_string(),
        ReplyError::NoCommission => "这个商品暂时没有推广佣金，换一个试试吧～".to_string(),
        ReplyError::NotAPromotableItem => "这个链接暂时无法转换，请确认是商品链接后再试～".to_string(),
        ReplyError::UnsupportedPlatform(name) => format!("暂不支持{name}的链接，目前支持拼多多、京东、淘宝～"),
    }
}

/// The `@昵称` prefix that must accompany an `ats` entry (U+2005 after the name, as WeChat writes it).
pub fn mention(nickname: &str) -> String {
    format!("@{nickname}\u{2005}")
}

pub fn platform_name(p: Platform) -> &'static str {
    p.display_name()
}

/// The default copy text (文案) for a converted product.
pub fn default_copy(c: &Conversion) -> String {
    let p: &Product = &c.product;
    let mut out = String::new();
    out.push_str(&format!("【{}】{}\n", platform_name(p.platform), p.title));
    match &p.coupon {
        Some(coupon) if p.final_price < p.price => {
            out.push_str(&format!("券后价 {}（原价 {}，券 {}）\n", p.final_price, p.price, coupon.amount));
        }
        _ => out.push_str(&format!("到手价 {}\n", p.final_price)),
    }
    if let Some(cmd) = &c.promotion.command {
        out.push_str(&format!("口令：{cmd}\n"));
    }
    out.push_str(&format!("下单链接：{}", c.promotion.best_url()));
    out
}

/// The one text answering a message with several product links: each item's copy (or why it could not be
/// converted), numbered, and how many links beyond the limit were left out.
pub fn item_list(entries: &[Result<String, String>], left_out: usize) -> String {
    let mut out = format!("共 {} 个商品：", entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let body = match entry {
            Ok(copy) | Err(copy) => copy,
        };
        out.push_str(&format!("\n\n{}. {body}", i + 1));
    }
    if left_out > 0 {
        out.push_str(&format!("\n\n另有 {left_out} 个链接未处理，一次最多处理 {} 个，请分开发送～", entries.len()));
    }
    out
}

/// The heading of a list post's poster.
pub fn list_poster_heading(items: usize) -> String {
    format!("今日好价 · {items} 件")
}

pub use crate::store::text::MEMBER_FALLBACK_NAME;

/// Asks a member to authorize (备案) with Pinduoduo so that their orders are counted for them.
pub fn pdd_binding_invite(url: &str) -> String {
    format!("为了给你记录拼多多返利，请先点击完成一次授权（只需一次）：{url}")
}

// ---- commands ----

/// A command the asker may not use.
pub fn refused(command: &str, needs_admin: bool) -> String {
    if needs_admin {
        format!("抱歉，「{command}」只有管理员可以使用～")
    } else {
        format!("抱歉，「{command}」只有群主或管理员可以使用～")
    }
}

pub fn feature_off(feature: &str) -> String {
    format!("本群暂未开启{feature}功能～")
}

pub fn cooling_down(secs: i64) -> String {
    format!("操作太频繁啦，{secs} 秒后再试～")
}

pub fn usage(reason: &str, usage_line: &str) -> String {
    format!("{reason}\n用法：{usage_line}")
}

pub const DIALOG_CANCELLED: &str = "好的，已取消～";
/// What cancels an open dialog.
pub const CANCEL_WORD: &str = "取消";

pub fn dialog_prompt(prompt: &str, timeout_secs: i64) -> String {
    let within =
        if timeout_secs >= 60 { format!("{} 分钟", (timeout_secs + 59) / 60) } else { format!("{timeout_secs} 秒") };
    format!("{prompt}（{within}内有效，发送「取消」放弃）")
}

// ---- owner commands ----

pub fn feature_switched(feature: &str, on: bool) -> String {
    if on { format!("已开启{feature}✅") } else { format!("已关闭{feature}") }
}

pub fn keyword_saved(pattern: &str, replaced: bool) -> String {
    if replaced {
        format!("已更新关键词「{pattern}」的回复✅")
    } else {
        format!("已添加关键词「{pattern}」✅")
    }
}

pub fn keyword_deleted(pattern: &str, existed: bool) -> String {
    if existed { format!("已删除关键词「{pattern}」") } else { format!("本群没有关键词「{pattern}」") }
}

/// What marks an exact-match keyword (`=你好`).
pub const EXACT_MARKS: [char; 2] = ['=', '＝'];

pub const NO_KEYWORDS: &str = "本群还没有自动回复，用「设置关键词 <词> <回复>」添加～";
pub const NO_FAQ: &str = "本群还没有问答，用「设置问答 <问题> <答案>」添加～";

pub fn faq_saved(question: &str, replaced: bool) -> String {
    if replaced { format!("已更新问答「{question}」✅") } else { format!("已添加问答「{question}」✅") }
}

pub fn faq_deleted(question: &str, existed: bool) -> String {
    if existed { format!("已删除问答「{question}」") } else { format!("本群没有问答「{question}」") }
}

pub fn welcome_saved(default: bool) -> String {
    if default { "已恢复默认欢迎语".to_string() } else { "欢迎语已设置✅".to_string() }
}

pub fn copy_saved(default: bool) -> String {
    if default {
        "已恢复默认文案".to_string()
    } else {
        "文案模板已设置✅ 下次转链生效".to_string()
    }
}

pub fn poster_saved(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("海报模板已设为「{n}」✅"),
        None => "已恢复默认海报模板".to_string(),
    }
}

pub fn unknown_poster(name: &str, known: &[String]) -> String {
    if known.is_empty() {
        format!("没有「{name}」这个海报模板")
    } else {
        format!("没有「{name}」这个海报模板，可选：{}", known.join("、"))
    }
}

pub fn pid_bound(platform: Platform, pid: &str) -> String {
    format!("本群{}推广位已绑定为 {pid}✅", platform_name(platform))
}

pub const PID_TAKEN: &str = "这个推广位已被其他群或合伙人使用，请换一个～";

/// The malformed-PID reason, with an example of the platform's shape.
pub fn pid_malformed(platform: Platform) -> String {
    let example = match platform {
        Platform::Pdd => "123456_7890123",
        Platform::Jd => "3100000001",
        Platform::Taobao => "mm_123_456_789",
    };
    format!("{}推广位格式不对，应类似 {example}", platform.display_name())
}

/// Why a PID was not bound, as the owner (chat) or the dashboard user reads it.
pub fn pid_refused(platform: Platform, why: &crate::engine::pid_binding::PidRefusal) -> String {
    use crate::engine::pid_binding::PidRefusal;
    match why {
        PidRefusal::Malformed => pid_malformed(platform),
        PidRefusal::Reserved => "这是机器人的默认推广位，不能绑定给群或合伙人，请使用自己的推广位～".into(),
        PidRefusal::NotTheOperators => {
            format!("{}联盟账号下没有这个推广位，只能绑定本账号的推广位～", platform.display_name())
        }
        PidRefusal::Unconfirmed(_) => "暂时无法向联盟确认这个推广位，请稍后再试～".into(),
        PidRefusal::Taken => PID_TAKEN.into(),
        PidRefusal::Store(_) => "系统繁忙，请稍后再试～".into(),
    }
}

pub fn dnd_set(hours: &str, queue: bool) -> String {
    let what = if queue { "期间的回复会在结束后发出" } else { "期间不回复" };
    format!("免打扰已设为 {hours} 点，{what}")
}

pub const DND_CLEARED: &str = "已关闭本群免打扰";

// Quiet hours as owners type them (`23-7`, `23点至7点`, `23：00～7：00`).
pub const HOURS_SEPARATORS: [char; 6] = ['-', '~', '－', '～', '至', '到'];
/// 点, after an hour.
pub const HOUR: char = '点';
/// `：00` with a full-width colon, after an hour.
pub const ON_THE_HOUR: &str = "：00";

/// `nickname` when the member has spoken or joined before.
pub fn owner_set(nickname: Option<&str>) -> String {
    match nickname {
        Some(n) => format!("已把 {n} 设为本群群主✅"),
        None => "已设置本群群主✅".to_string(),
    }
}

pub fn admin_added(nickname: Option<&str>, new: bool) -> String {
    let who = nickname.map(|n| format!(" {n} ")).unwrap_or_default();
    if new {
        format!("已添加管理员{who}✅")
    } else {
        format!("{}已经是管理员了", nickname.unwrap_or("对方"))
    }
}

pub const NOT_IN_GROUP: &str = "请在群里使用这个命令～";

// ---- 关键词列表 / 问答列表 ----

pub const KEYWORD_LIST: &str = "本群自动回复";
pub const FAQ_LIST: &str = "本群问答";
/// An image reply in the keyword list.
pub const IMAGE_REPLY: &str = "[图片]";

/// `heading` and one line per rule: (what matches, the reply's excerpt, hits).
pub fn rule_list(heading: &str, rules: Vec<(String, String, i64)>) -> String {
    let mut out = format!("{heading} {} 条：", rules.len());
    for (i, (pattern, reply, hits)) in rules.iter().enumerate() {
        out.push_str(&format!("\n{}. {pattern} → {reply}（命中 {hits} 次）", i + 1));
    }
    out
}

// ---- member commands ----

pub fn checked_in(points: i64, bonus: i64, streak: i64, balance: i64) -> String {
    let bonus = if bonus > 0 { format!("（含连续签到奖励 {bonus}）") } else { String::new() };
    format!("签到成功✅ 获得 {points} 积分{bonus}\n已连续签到 {streak} 天，当前积分 {balance}")
}

pub fn already_checked_in(streak: i64, balance: i64) -> String {
    format!("今天已经签到过了～已连续签到 {streak} 天，当前积分 {balance}，明天再来吧")
}

pub fn points_kind(kind: &str) -> &str {
    match kind {
        "checkin" => "签到",
        "streak_bonus" => "连续签到奖励",
        "invite" => "邀请新人",
        "exchange" => "兑换返利",
        "task" => "每日任务",
        other => other,
    }
}

pub fn points_summary(balance: i64, lines: &[String]) -> String {
    let mut out = format!("当前积分：{balance}");
    if lines.is_empty() {
        out.push_str("\n还没有积分变动，发送「签到」领积分吧～");
    } else {
        out.push_str("\n最近变动：");
        for l in lines {
            out.push('\n');
            out.push_str(l);
        }
    }
    out
}

pub fn mine(conversions: i64, today: i64, balance: i64, streak: i64, invites: i64) -> String {
    format!(
        "我的数据：\n转链 {conversions} 次（今日 {today} 次）\n积分 {balance}\n连续签到 {streak} 天\n邀请新人 {invites} 位"
    )
}

pub fn search_header(keyword: &str, page: u32) -> String {
    if page <= 1 { format!("「{keyword}」的优惠好物：") } else { format!("「{keyword}」第 {page} 页：") }
}

/// One 查券 result line.
pub fn search_line(n: usize, c: &Conversion) -> String {
    let p = &c.product;
    let coupon = match &p.coupon {
        Some(coupon) if p.final_price < p.price => format!("（领券减{}元）", coupon.amount.yuan_compact()),
        _ => String::new(),
    };
    format!(
        "{n}.【{}】{}\n券后¥{}{coupon}\n{}",
        platform_name(p.platform),
        p.title,
        p.final_price.yuan_compact(),
        c.promotion.best_url()
    )
}

pub const SEARCH_MORE: &str = "发送「下一页」看更多";

pub fn search_nothing(keyword: &str) -> String {
    format!("没找到「{keyword}」的优惠商品，换个关键词试试～")
}

pub const SEARCH_NO_MORE: &str = "没有更多了，换个关键词试试～";
pub const SEARCH_FIRST: &str = "请先发送「查券 关键词」～";

// ---- 绑定订单 ----

pub const CLAIM_BOUND: &str = "订单已绑定到你名下，返利会在订单结算后到账～";
pub const CLAIM_ALREADY_YOURS: &str = "这笔订单已经是你的了～";
pub const CLAIM_PENDING: &str = "收到！订单同步后会自动核对并绑定，请稍后用「我的」查看";
pub const CLAIM_REFUSED: &str = "这笔订单已归属其他人或不是在本群下单的，无法绑定。如有疑问请联系群主";
pub const CLAIM_NOT_IN_GROUP: &str = "请在下单时所在的群里发送「绑定订单 订单号」～";

// ---- welcome ----

/// Where the welcome text puts the newcomers' @-mentions.
pub const NEWCOMERS: &str = "{新人}";
pub const DEFAULT_WELCOME: &str = "欢迎{新人}加入本群🎉\n发链接给我可以领券省钱，发送「帮助」看看我还能做什么～";

// ---- 群状态 ----

// The group features, as owners name them (开启 / 关闭) and 群状态 shows them.
pub const FEATURE_CONVERT: &str = "转链";
pub const FEATURE_CHECKIN: &str = "签到";
pub const FEATURE_SEARCH: &str = "查券";
pub const FEATURE_WELCOME: &str = "欢迎语";
pub const FEATURE_AUTO_REPLY: &str = "自动回复";
pub const FEATURE_WELCOME_ALIASES: &[&str] = &["欢迎"];
pub const FEATURE_AUTO_REPLY_ALIASES: &[&str] = &["关键词", "问答"];

/// Every feature and whether the group has it on: `转链 开 · 签到 关 · …`.
pub fn features_line(settings: &GroupSettings) -> String {
    let on: Vec<String> =
        Feature::ALL.iter().map(|f| format!("{} {}", f.name(), on_off(settings.enabled(*f)))).collect();
    on.join(" · ")
}

/// 规则: `quiet` is the do-not-disturb hours and whether replies wait for their end (else they are dropped).
pub fn group_rules(features: &str, quiet: Option<(String, bool)>, streak: StreakReward) -> String {
    let quiet = match quiet {
        Some((hours, true)) => format!("{hours} 点，期间的回复在结束后发出"),
        Some((hours, false)) => format!("{hours} 点，期间不回复"),
        None => "无".to_string(),
    };
    let streak = streak_rule(streak.every_days, streak.bonus_points);
    format!("本群规则：\n功能：{features}\n免打扰：{quiet}\n连续签到：{streak}\n发送「帮助」查看全部命令")
}

// Where a PID shown by 群状态 comes from.
pub const PID_OF_GROUP: &str = "本群";
pub const PID_OF_OWNER: &str = "群主";
pub const PID_OF_ROBOT: &str = "机器人";
pub const PID_DEFAULT: &str = "默认";

/// A platform's PID and where it comes from, or that it has none.
pub fn pid_line(platform: Platform, pid: Option<(&str, &str)>) -> String {
    match pid {
        Some((pid, source)) => format!("{} {pid}（{source}）", platform.display_name()),
        None => format!("{} 未设置", platform.display_name()),
    }
}

/// 群主 when the partner has no member name.
pub const OWNER_BOUND: &str = "已绑定";
pub const OWNER_UNBOUND: &str = "未绑定";

/// What 群状态 shows.
pub struct GroupStatus<'a> {
    pub features: String,
    pub owner: String,
    pub custom_welcome: bool,
    pub custom_copy: bool,
    /// The group's poster template, else `default_poster`.
    pub poster: Option<String>,
    pub default_poster: &'a str,
    /// The do-not-disturb hours, whether they are the configured default, and whether replies wait.
    pub dnd: Option<(String, bool, bool)>,
    pub pids: Vec<String>,
    pub rules: usize,
    pub faqs: usize,
    pub today: i64,
}

pub fn group_status(s: &GroupStatus) -> String {
    let custom = |set: bool| if set { "自定义" } else { "默认" };
    let poster = s.poster.clone().unwrap_or_else(|| format!("{}（默认）", s.default_poster));
    let dnd = match &s.dnd {
        None => "无".to_string(),
        Some((hours, true, _)) => format!("{hours} 点（默认）"),
        Some((hours, false, queue)) => format!("{hours} 点（{}）", if *queue { "排队" } else { "丢弃" }),
    };
    format!(
        "本群状态：\n功能：{}\n群主：{}\n欢迎语：{}\n文案：{}\n海报：{poster}\n免打扰：{dnd}\n推广位：{}\n自动回复 {} 条，问答 {} 条\n今日转链：{} 次",
        s.features,
        s.owner,
        custom(s.custom_welcome),
        custom(s.custom_copy),
        s.pids.join("；"),
        s.rules,
        s.faqs,
        s.today,
    )
}

pub fn on_off(on: bool) -> &'static str {
    if on { "开" } else { "关" }
}

/// 订单 and 提现 asked in a group: money is discussed in private chat only.
pub fn money_in_private() -> String {
    "返利和提现涉及个人信息，请私聊我发送「订单」或「提现 金额」～".to_string()
}

/// The rebate part of 我的, in private chat.
pub fn mine_money(b: &crate::ledger::rules::Buckets) -> String {
    balance_line("返利", b)
}

/// `\n<label>：待结算 …，可提现 …，提现中 …，已提现 …`.
fn balance_line(label: &str, b: &crate::ledger::rules::Buckets) -> String {
    use crate::money::Fen;
    format!(
        "\n{label}：待结算 ¥{}，可提现 ¥{}，提现中 ¥{}，已提现 ¥{}",
        Fen(b.pending).yuan_string(),
        Fen(b.available).yuan_string(),
        Fen(b.withdrawing).yuan_string(),
        Fen(b.paid_out).yuan_string()
    )
}

/// 我的 of a partner (and agent) in private chat: their shares' balances.
pub fn mine_partner_money(partner: &crate::ledger::rules::Buckets, agent: &crate::ledger::rules::Buckets) -> String {
    let mut out = balance_line("合伙人分成", partner);
    if !agent.is_zero() {
        out.push_str(&balance_line("代理分成", agent));
    }
    out
}

/// The reply to 提现.
pub fn withdrawal(amount: crate::money::Fen, outcome: &crate::store::withdrawals::WithdrawalRequest) -> String {
    use crate::store::withdrawals::WithdrawalRequest as W;
    match outcome {
        W::Accepted { available, .. } => format!(
            "提现申请已提交：¥{}，审核通过后发放。剩余可提现 ¥{}",
            amount.yuan_string(),
            available.yuan_string()
        ),
        W::AlreadyOpen => "你还有一笔提现在审核中，处理完再申请哦～".to_string(),
        W::Insufficient { available } => format!("可提现余额不足：当前可提现 ¥{}", available.yuan_string()),
        W::BelowMinimum { min } => format!("单次提现最少 ¥{}", min.yuan_string()),
        W::AboveMaximum { max } => format!("单次提现最多 ¥{}", max.yuan_string()),
    }
}

/// The reply to 提现 from a partner's or agent's account (`label`: 合伙人分成 / 代理分成).
pub fn account_withdrawal(
    label: &str,
    amount: crate::money::Fen,
    outcome: &crate::store::withdrawals::WithdrawalRequest,
) -> String {
    format!("【{label}】{}", withdrawal(amount, outcome))
}

/// Asks a member, in private chat and once, to register with Taobao so that their Taobao orders are theirs.
pub fn taobao_registration_invite(url: &str) -> String {
    format!("为了把你的淘宝订单自动计入返利，请点击完成一次淘宝授权（只需一次）：{url}")
}

/// The group's posting plan after an owner changed it.
pub fn posting_plan(on: bool, windows: &[String], interval_minutes: Option<u32>) -> String {
    let windows = windows.join("、");
    let every = interval_minutes.map(|m| format!("，每 {m} 分钟一单")).unwrap_or_default();
    if on {
        format!("自动发单已开启✅ 每天 {windows}{every}")
    } else {
        format!("自动发单已关闭。开启后每天 {windows}{every}")
    }
}

/// The WeCom 智能机器人's answer when someone opens a chat with it.
pub const WECOM_WELCOME: &str = "你好，我是省钱助手👋 发商品链接给我，帮你查券领返利；发「帮助」看全部指令";

// --- Marketing: points exchange (兑换), free-order campaigns (免单), leaderboards (排行榜) ---

pub fn exchange_refused(refusal: crate::campaigns::ExchangeRefusal) -> String {
    use crate::campaigns::ExchangeRefusal as R;
    match refusal {
        R::Off => "积分兑换暂未开放".to_string(),
        R::BelowMinimum { min } => format!("最少兑换 {min} 积分，例如：兑换 {min}"),
        R::NotAMultiple { unit } => format!("兑换的积分须是 {unit} 的整数倍"),
        R::AboveDailyCap { cap } => format!("每天最多兑换 {cap} 积分"),
    }
}

pub fn exchanged(
    points: i64,
    fen: crate::money::Fen,
    outcome: crate::store::exchange::ExchangeOutcome,
    cap: i64,
) -> String {
    use crate::store::exchange::ExchangeOutcome as O;
    match outcome {
        O::Done { points_left, today } => format!(
            "兑换成功✅ {points} 积分 → ¥{} 已计入可提现返利\n剩余积分 {points_left}，今日已兑换 {today}/{cap} 积分",
            fen.yuan_string()
        ),
        O::Duplicate => "这次兑换已经处理过了，发送「积分」查看".to_string(),
        O::Insufficient { balance } => format!("积分不足：当前积分 {balance}，兑换需要 {points} 积分"),
        O::OverDailyCap { today } => {
            format!("超出每日兑换上限：今日已兑换 {today} 积分，每天最多 {cap} 积分，明天再来吧")
        }
    }
}

/// `全额免单（最高¥20.00）` or `立减¥5.00`.
pub fn subsidy(s: crate::store::campaigns::Subsidy) -> String {
    use crate::store::campaigns::Subsidy;
    match s {
        Subsidy::Full { cap } => format!("全额免单（最高¥{}）", cap.yuan_string()),
        Subsidy::Fixed { amount } => format!("补贴¥{}", amount.yuan_string()),
    }
}

/// A campaign's item in lists: `标题（平台）`.
pub fn campaign_item(title: &str, platform: Platform) -> String {
    format!("{title}（{}）", platform.display_name())
}

/// The running campaigns: one block per campaign (`title`, `subsidy`, `items`, `ends` as MM-DD).
pub fn free_orders(campaigns: &[(String, String, Vec<String>, String)]) -> String {
    if campaigns.is_empty() {
        return "暂时没有进行中的免单活动，敬请期待～".to_string();
    }
    let mut out = String::from("🎁 进行中的免单活动");
    for (i, (name, subsidy, items, ends)) in campaigns.iter().enumerate() {
        out.push_str(&format!("\n{}. {name}：{subsidy}，{ends} 截止", i + 1));
        for item in items {
            out.push_str(&format!("\n   · {item}"));
        }
    }
    out.push_str("\n把活动商品链接发给我转链后下单，订单结算后补贴自动计入返利");
    out
}

/// The month's boards: (nickname, count) lines of check-in days and of newcomers invited.
pub fn leaderboard(checkins: &[(String, i64)], invites: &[(String, i64)]) -> String {
    if checkins.is_empty() && invites.is_empty() {
        return "本月还没有人上榜，发送「签到」抢占第一吧～".to_string();
    }
    let mut out = String::from("🏆 本月签到榜");
    if checkins.is_empty() {
        out.push_str("\n（暂无）");
    }
    for (i, (name, n)) in checkins.iter().enumerate() {
        out.push_str(&format!("\n{}. {name} {n} 天", i + 1));
    }
    out.push_str("\n🤝 本月邀请榜");
    if invites.is_empty() {
        out.push_str("\n（暂无）");
    }
    for (i, (name, n)) in invites.iter().enumerate() {
        out.push_str(&format!("\n{}. {name} {n} 人", i + 1));
    }
    out
}

/// The demo's 免单 campaign on the playground's sample item.
pub const DEMO_CAMPAIGN_NAME: &str = "新人免单（演示）";

/// The post announcing a 免单 campaign in its target groups.
pub fn campaign_announcement(name: &str, subsidy: &str, items: &[String], ends: &str) -> String {
    let mut out = format!("🎁 免单活动「{name}」开始啦！{subsidy}，{ends} 截止");
    for item in items {
        out.push_str(&format!("\n· {item}"));
    }
    out.push_str("\n把活动商品链接发到群里转链后下单，订单结算后补贴自动计入返利。发送「免单」查看活动");
    out
}

pub fn task_name(kind: crate::config::TaskKind) -> &'static str {
    use crate::config::TaskKind;
    match kind {
        TaskKind::Checkin => "签到",
        TaskKind::Convert => "转链",
        TaskKind::Invite => "邀请新人",
        TaskKind::FirstOrder => "首次下单",
    }
}

/// `任务`: each task's progress, then what was completed since the member last asked.
pub fn tasks_today(t: &crate::campaigns::tasks::Today) -> String {
    if t.lines.is_empty() {
        return "今天没有任务，发送「签到」领积分吧～".to_string();
    }
    let mut out = String::from("📋 今日任务");
    for l in &t.lines {
        let mark = if l.done >= l.limit { "✅" } else { "⬜" };
        out.push_str(&format!("\n{mark} {} {}/{}（每次 +{} 积分）", task_name(l.kind), l.done, l.limit, l.points));
    }
    let new: Vec<String> = t
        .lines
        .iter()
        .filter(|l| l.new_points > 0)
        .map(|l| format!("{} +{}", task_name(l.kind), l.new_points))
        .collect();
    if !new.is_empty() {
        out.push_str(&format!("\n🎉 完成任务：{}，积分已到账", new.join("，")));
    }
    out.push_str(&format!("\n当前积分 {}", t.balance));
    out
}

fn streak_rule(every_days: i64, bonus_points: i64) -> String {
    if every_days > 0 && bonus_points > 0 {
        format!("每连续签到 {every_days} 天多得 {bonus_points} 积分")
    } else {
        "无连续签到奖励".to_string()
    }
}

/// The group's streak reward after an owner set it (`default`: back to the configured one).
pub fn streak_set(every_days: i64, bonus_points: i64, default: bool) -> String {
    let rule = streak_rule(every_days, bonus_points);
    if default {
        format!("已恢复默认连续签到奖励：{rule}")
    } else {
        format!("本群连续签到奖励已设为：{rule}")
    }
}

pub fn reward_in_private() -> String {
    "奖品兑换码只发给你本人，请私聊我发送「兑换 奖品名」".to_string()
}

/// A redemption's answer; `rewards` are listed when the name is unknown.
pub fn redeemed(
    name: &str,
    outcome: &crate::store::rewards::RedeemOutcome,
    rewards: &[crate::store::rewards::Reward],
) -> String {
    use crate::store::rewards::RedeemOutcome as R;
    match outcome {
        R::Done { code, points, points_left } => {
            format!("兑换成功✅ 「{name}」消耗 {points} 积分\n兑换码：{code}\n剩余积分 {points_left}")
        }
        R::Duplicate { code } => format!("这次兑换已经处理过了，兑换码：{code}"),
        R::SoldOut => format!("「{name}」已经兑完了，请留意补货"),
        R::Insufficient { points, balance } => format!("积分不足：当前积分 {balance}，「{name}」需要 {points} 积分"),
        R::UnknownReward => {
            let list: Vec<String> =
                rewards.iter().filter(|r| r.left > 0).map(|r| format!("{}（{} 积分）", r.name, r.points)).collect();
            if list.is_empty() {
                format!("没有「{name}」这个奖品，目前没有可兑换的奖品")
            } else {
                format!("没有「{name}」这个奖品，可兑换：{}", list.join("、"))
            }
        }
    }
}

// ---- Private chat as a service channel (friend requests, help, hand-over to the admins) ----

/// The built-in welcome for a new friend.
pub fn friend_welcome() -> String {
    "你好，我是你的省钱小助手～\n· 发商品链接给我，马上转成带券链接和海报\n· 查券 关键词：找优惠券\n\
     · 我的 / 订单 / 提现：查看和提取返利\n· 人工：联系人工客服"
        .to_string()
}

/// 人工 typed in a group.
pub fn human_in_private() -> String {
    "人工客服请私聊我发送「人工」～".to_string()
}

/// The help a private message without an answer gets (once a day).
pub fn private_help(help: &str) -> String {
    format!("没看懂你的意思～{help}\n· 人工 —— 转人工客服")
}

/// Told to the member when their chat is handed to the admins.
pub fn handed_over(asked: bool) -> String {
    if asked {
        "已为你转接人工客服，请稍候，客服的回复会在这里发给你。".to_string()
    } else {
        "这个问题我暂时答不上来，已为你转接人工客服，请稍候，客服的回复会在这里发给你。".to_string()
    }
}

/// Q&A the demo seeds into the private-chat rule set.
pub const PRIVATE_CHAT_DEMO_FAQ: &[(&str, &str)] = &[
    ("返利多久到账", "订单确认收货后返利会转为可提现，发送「订单」查看明细。"),
    ("怎么提现", "发送「提现 金额」即可申请，例如：提现 10，审核通过后发放。"),
];

pub fn rebate_set(nickname: Option<&str>, percent: &str) -> String {
    let who = nickname.map(|n| format!(" {n} ")).unwrap_or_else(|| "该成员".to_string());
    format!("已把{who}的返利比例设为 {percent}✅ 之后的新订单按此比例返利，已下的订单不变")
}

pub const REBATE_MEMBER_UNKNOWN: &str = "还不认识这位成员，请对方先在群里说句话再设置";

pub const REBATE_OVER_100: &str = "设置失败：会员返利、合伙人和代理分成加起来不能超过 100%";

pub const AGENT_APPLIED: &str = "代理申请已提交✅ 审核结果会私聊通知您";

pub const AGENT_PENDING: &str = "您的代理申请正在审核中，请耐心等待";

pub const AGENT_ALREADY: &str = "您已经是代理了，发送「我的」查看分成";
/// 邀请码: joined an agent's team.
pub fn invite_code_joined(agent: &str) -> String {
    format!("已加入代理「{agent}」的团队✅ 之后的订单返利照常发放")
}
/// 邀请码: no agent has this code.
pub const INVITE_CODE_UNKNOWN: &str = "邀请码不存在，请核对后再发";
/// 邀请码: the member belongs to a team already (the first invite counts).
pub const INVITE_CODE_ALREADY: &str = "您已经加入过代理团队了，邀请码只能填写一次";
/// 邀请码: an agent's own code, or one that would make a circle of agents.
pub const INVITE_CODE_REFUSED: &str = "不能填写自己的邀请码，也不能填写自己下级代理的邀请码";
