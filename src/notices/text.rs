//! Every notice's text, in Chinese: what members and admins are told about events.

use crate::money::Fen;
use crate::platform::Platform;

// ---- member notices ----

/// 免单: a campaign paid a subsidy for the member's order.
pub fn subsidy_paid(platform: Platform, order_key: &str, amount: Fen) -> String {
    format!(
        "【免单通知】您的{}订单 {order_key} 参加免单活动，补贴 ¥{} 已到账，可发送「提现 金额」申请提现。",
        platform.display_name(),
        amount.yuan_string()
    )
}

/// The order was paid: its estimated rebate.
pub fn order_booked(platform: &str, key: &str, rebate: Fen) -> String {
    format!("【订单通知】您的{platform}订单 {key} 已付款，预估返利 ¥{}，确认收货并结算后可提现。", rebate.yuan_string())
}

/// The order settled: its rebate is available.
pub fn order_settled(platform: &str, key: &str, rebate: Fen) -> String {
    format!(
        "【订单通知】您的{platform}订单 {key} 已结算，返利 ¥{} 已到账，可发送「提现 金额」申请提现。",
        rebate.yuan_string()
    )
}

/// The order was refunded or ruled invalid: its rebate is gone.
pub fn order_reversed(platform: &str, key: &str) -> String {
    format!("【订单通知】您的{platform}订单 {key} 已失效（退款或违规），对应返利已取消。")
}

pub fn withdrawal_approved(amount: &str) -> String {
    format!("【提现通知】您的提现 ¥{amount} 已通过审核，将尽快打款。")
}

pub fn withdrawal_paid(amount: &str, method: &str, reference: &str) -> String {
    format!("【提现通知】您的提现 ¥{amount} 已打款（{method}，流水号 {reference}），请注意查收。")
}

pub fn withdrawal_rejected(amount: &str, reason: &str) -> String {
    format!("【提现通知】您的提现 ¥{amount} 未通过审核，原因：{reason}。金额已退回可提现余额。")
}

/// The agent application was approved; `pid` is the Pinduoduo promotion position made for the agent.
pub fn agent_approved(level: &str, invite_code: &str, pid: Option<&str>) -> String {
    let pid = pid.map(|p| format!("，拼多多推广位：{p}")).unwrap_or_default();
    format!("【代理申请】恭喜，您的代理申请已通过！等级：{level}，邀请码：{invite_code}{pid}。发送「我的」可查看分成。")
}

pub fn agent_rejected(reason: &str) -> String {
    format!("【代理申请】很抱歉，您的代理申请未通过，原因：{reason}。")
}

// ---- admin alerts ----

/// A robot's account went down (`state`: how, e.g. 掉线).
pub fn robot_down(state: &str, name: &str, reason: &str) -> String {
    format!(
        "【机器人{state}】机器人「{name}」{state}（{reason}）。它的待发消息已暂停，恢复后自动续发；可在后台「机器人」页重连、重新扫码，或把待发消息转给其他机器人。"
    )
}

pub fn robot_back(name: &str) -> String {
    format!("【机器人恢复在线】机器人「{name}」已恢复在线，暂停的消息正在续发。")
}

pub const PDD_AUTHORIZATION_LAPSED: &str =
    "【dealbot】多多进宝授权已过期：转链仍正常，需授权的接口已停止。请在管理后台重新授权。";

pub fn pdd_authorization_expiring(days: i64) -> String {
    format!("【dealbot】多多进宝授权将在 {days} 天内过期，请在管理后台重新授权。")
}

/// A union refused the operator's configuration (`code`: the union's error code, or `token`).
pub fn union_config(platform: Platform, code: &str, detail: &str) -> String {
    let what = match code {
        "token" => "授权已失效，请在管理后台重新授权",
        "60001" => "推广位未备案，请先完成备案",
        _ => "请检查 AppKey、密钥和服务器时间",
    };
    format!(
        "【dealbot】{}接口拒绝了转链（错误码 {code}）：{what}。会员看到的是「系统繁忙」。\n详情：{detail}",
        platform.display_name()
    )
}

/// A member's private chat was handed over to the admins (`asked`: the member asked for a human).
pub fn handover(name: &str, wxid: &str, asked: bool, message: &str) -> String {
    let why = if asked { "请求人工客服" } else { "的问题机器人答不上来" };
    format!("【客服】会员「{name}」（{wxid}）{why}：\n{message}\n请到管理后台「客服」页回复。")
}

/// Told to the admin after `#设为采集源` (`on`) or `#取消采集源`.
pub fn collect_source(group: &str, on: bool) -> String {
    if on {
        format!(
            "「{group}」已设为采集源：这里的线报会转成我们的链接转发到目标群；本群不再回复消息。目标群、清洗规则请在后台「采集」页设置。"
        )
    } else {
        format!("「{group}」已取消采集源，不再转发这里的消息。")
    }
}
