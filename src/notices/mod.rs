//! Notices: typed events turned into Chinese text and queued through the outbox, once per event.
//!
//! Members hear about their orders (paid with the estimated rebate, settled, invalid), their withdrawals
//! (approved, paid, rejected), free-order subsidies and their agent application; they are reached where they can
//! be ([`crate::store::Store::notice_target`]). Admins hear, in private chat, about the robots' accounts and the
//! union authorization.

use crate::chat::OutboundBody;
use crate::ledger::rules::Step;
use crate::money::Fen;
use crate::outbox::{self, NewOutbox};
use crate::platform::Platform;
use crate::robots::RobotState;
use crate::store::agents::{AgentApplication, status as application_status};
use crate::store::ledger::{LedgerOrder, NoticeTarget};
use crate::store::withdrawals::{Withdrawal, status as withdrawal_status};

/// Something a member is told.
#[derive(Debug, Clone, Copy)]
pub enum MemberNotice<'a> {
    /// Their order took `step` (booked, settled, reversed or clawed back).
    Order { step: Step, order: &'a LedgerOrder },
    /// A decision on (or the payment of) their withdrawal.
    Withdrawal(&'a Withdrawal),
    /// A free-order (免单) campaign paid a subsidy for their order.
    Subsidy { platform: Platform, order_id: i64, order_key: &'a str, amount: Fen },
    /// The decision on their agent application, with the Pinduoduo promotion position when one was made.
    AgentApplication { application: &'a AgentApplication, pid: Option<&'a str> },
}

impl MemberNotice<'_> {
    /// The text, or `None` for events members are not told about.
    pub fn text(&self) -> Option<String> {
        match *self {
            MemberNotice::Order { step, order } => order_text(step, order),
            MemberNotice::Withdrawal(w) => withdrawal_text(w),
            MemberNotice::Subsidy { platform, order_key, amount, .. } => Some(format!(
                "【免单通知】您的{}订单 {order_key} 参加免单活动，补贴 ¥{} 已到账，可发送「提现 金额」申请提现。",
                platform.display_name(),
                amount.yuan_string()
            )),
            MemberNotice::AgentApplication { application, pid } => Some(application_text(application, pid)),
        }
    }

    /// The outbox key: one notice per event.
    fn key(&self) -> String {
        match *self {
            MemberNotice::Order { step, order } => format!("ledger-notice:{}:{}", order.order_id, step.code()),
            MemberNotice::Withdrawal(w) => format!("withdrawal-notice:{}:{}", w.id, w.status),
            MemberNotice::Subsidy { order_id, .. } => format!("campaign-subsidy:{order_id}"),
            MemberNotice::AgentApplication { application: a, .. } => format!("agent-application:{}:{}", a.id, a.status),
        }
    }

    /// The send to `to`: in private chat as it is, in a group with an @-mention of the member. `None` when there is
    /// nothing to tell.
    pub fn send(&self, to: &NoticeTarget) -> Option<NewOutbox> {
        let content = self.text()?;
        let body = match &to.mention {
            Some((wxid, nickname)) => {
                OutboundBody::Text { content: format!("@{nickname}\u{2005}{content}"), ats: vec![wxid.clone()] }
            }
            None => OutboundBody::Text { content, ats: Vec::new() },
        };
        Some(outbox::enqueue(to.robot_id, &to.conversation_id, body, self.key()))
    }
}

fn order_text(step: Step, order: &LedgerOrder) -> Option<String> {
    let platform = order.platform.parse::<Platform>().map(|p| p.display_name()).unwrap_or("");
    let key = &order.order_key;
    match step {
        Step::Book => Some(format!(
            "【订单通知】您的{platform}订单 {key} 已付款，预估返利 ¥{}，确认收货并结算后可提现。",
            order.split.rebate.yuan_string()
        )),
        Step::Settle => Some(format!(
            "【订单通知】您的{platform}订单 {key} 已结算，返利 ¥{} 已到账，可发送「提现 金额」申请提现。",
            order.split.rebate.yuan_string()
        )),
        Step::Reverse | Step::Clawback => {
            Some(format!("【订单通知】您的{platform}订单 {key} 已失效（退款或违规），对应返利已取消。"))
        }
        Step::Void => None,
    }
}

fn withdrawal_text(w: &Withdrawal) -> Option<String> {
    let amount = w.amount.yuan_string();
    match w.status.as_str() {
        withdrawal_status::APPROVED => Some(format!("【提现通知】您的提现 ¥{amount} 已通过审核，将尽快打款。")),
        withdrawal_status::PAID => Some(format!(
            "【提现通知】您的提现 ¥{amount} 已打款（{}，流水号 {}），请注意查收。",
            w.payment_method.as_deref().unwrap_or(""),
            w.payment_ref.as_deref().unwrap_or("")
        )),
        withdrawal_status::REJECTED => {
            Some(format!("【提现通知】您的提现 ¥{amount} 未通过审核，原因：{}。金额已退回可提现余额。", w.reason))
        }
        _ => None,
    }
}

fn application_text(a: &AgentApplication, pid: Option<&str>) -> String {
    match a.status.as_str() {
        application_status::APPROVED => format!(
            "【代理申请】恭喜，您的代理申请已通过！等级：{}，邀请码：{}{}。发送「我的」可查看分成。",
            a.level.as_deref().unwrap_or(""),
            a.invite_code.as_deref().unwrap_or(""),
            pid.map(|p| format!("，拼多多推广位：{p}")).unwrap_or_default()
        ),
        _ => format!("【代理申请】很抱歉，您的代理申请未通过，原因：{}。", a.decision_reason),
    }
}

/// Something the admins are told in private chat.
#[derive(Debug, Clone, Copy)]
pub enum AdminAlert<'a> {
    /// A robot's account went down (`at`: unix ms).
    RobotDown { robot_id: i64, name: &'a str, state: RobotState, reason: &'a str, at: i64 },
    /// A robot's account is back online (`at`: unix ms).
    RobotBack { robot_id: i64, name: &'a str, at: i64 },
    /// The Pinduoduo authorization expires within `days` days (0: it lapsed); `refresh_expires_at` names the
    /// authorization.
    PddAuthorization { days: i64, refresh_expires_at: i64 },
}

impl AdminAlert<'_> {
    pub fn text(&self) -> String {
        match *self {
            AdminAlert::RobotDown { name, state, reason, .. } => format!(
                "【机器人{}】机器人「{name}」{}（{reason}）。它的待发消息已暂停，恢复后自动续发；可在后台「机器人」页重连、重新扫码，或把待发消息转给其他机器人。",
                state.label(),
                state.label(),
            ),
            AdminAlert::RobotBack { name, .. } => {
                format!("【机器人恢复在线】机器人「{name}」已恢复在线，暂停的消息正在续发。")
            }
            AdminAlert::PddAuthorization { days: 0, .. } => {
                "【dealbot】多多进宝授权已过期：转链仍正常，需授权的接口已停止。请在管理后台重新授权。".to_string()
            }
            AdminAlert::PddAuthorization { days, .. } => {
                format!("【dealbot】多多进宝授权将在 {days} 天内过期，请在管理后台重新授权。")
            }
        }
    }

    /// The outbox key: one alert per event and admin.
    fn key(&self) -> String {
        match *self {
            AdminAlert::RobotDown { robot_id, at, .. } => format!("robot-down:{robot_id}:{at}"),
            AdminAlert::RobotBack { robot_id, at, .. } => format!("robot-up:{robot_id}:{at}"),
            AdminAlert::PddAuthorization { days, refresh_expires_at } => {
                format!("pdd-auth-warning:{refresh_expires_at}:{days}")
            }
        }
    }

    /// The private-chat sends from robot `via` to each admin, keyed `<event>:<wxid>` so each is queued once however
    /// often the situation is reported.
    pub fn sends(&self, via: i64, admin_wxids: &[String]) -> Vec<NewOutbox> {
        let (text, key) = (self.text(), self.key());
        admin_wxids
            .iter()
            .map(|wxid| {
                let body = OutboundBody::Text { content: text.clone(), ats: Vec::new() };
                outbox::enqueue(via, wxid, body, format!("{key}:{wxid}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_in_a_group_is_mentioned_and_in_private_chat_is_not() {
        let notice =
            MemberNotice::Subsidy { platform: Platform::Jd, order_id: 7, order_key: "J123", amount: Fen(1_250) };
        let text = notice.text().unwrap();
        assert!(text.starts_with("【免单通知】") && text.contains("J123") && text.contains("补贴 ¥12.50"), "{text}");
        let group = NoticeTarget {
            robot_id: 1,
            conversation_id: "r@chatroom".into(),
            mention: Some(("wxid_a".into(), "阿明".into())),
        };
        let send = notice.send(&group).unwrap();
        assert_eq!((send.robot_id(), send.conversation_id(), send.key()), (1, "r@chatroom", "campaign-subsidy:7"));
        assert_eq!(
            send.outbound().body,
            OutboundBody::Text { content: format!("@阿明\u{2005}{text}"), ats: vec!["wxid_a".into()] }
        );
        let direct = NoticeTarget { robot_id: 1, conversation_id: "wxid_a".into(), mention: None };
        assert_eq!(
            notice.send(&direct).unwrap().outbound().body,
            OutboundBody::Text { content: text, ats: Vec::new() }
        );
    }

    #[test]
    fn an_alert_goes_to_every_admin_once() {
        let alert = AdminAlert::PddAuthorization { days: 0, refresh_expires_at: 99 };
        let sends = alert.sends(2, &["wxid_x".into(), "wxid_y".into()]);
        let keys: Vec<_> = sends.iter().map(|s| (s.robot_id(), s.conversation_id(), s.key())).collect();
        assert_eq!(
            keys,
            [(2, "wxid_x", "pdd-auth-warning:99:0:wxid_x"), (2, "wxid_y", "pdd-auth-warning:99:0:wxid_y")]
        );
        assert!(alert.text().contains("多多进宝授权已过期"));
    }
}
