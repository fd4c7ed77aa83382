//! Notices: typed events turned into Chinese text and queued through the outbox, once per event.
//!
//! Members hear about their orders (paid with the estimated rebate, settled, invalid), their withdrawals
//! (approved, paid, rejected), free-order subsidies and their agent application; they are reached where they can
//! be ([`crate::store::Store::notice_target`]). Admins hear, in private chat, about the robots' accounts, the
//! union authorization, a union refusing the operator's configuration and members handed over to them; an admin
//! who marks a group as a collection source is told so. The texts live in `text`.

use crate::chat::OutboundBody;
use crate::ledger::rules::Step;
use crate::money::Fen;
use crate::outbox::{self, NewOutbox};
use crate::platform::Platform;
use crate::robots::RobotState;
use crate::store::agents::{AgentApplication, status as application_status};
use crate::store::ledger::{LedgerOrder, NoticeTarget};
use crate::store::withdrawals::{Withdrawal, status as withdrawal_status};

mod text;

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
            MemberNotice::Subsidy { platform, order_key, amount, .. } => {
                Some(text::subsidy_paid(platform, order_key, amount))
            }
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
        Step::Book => Some(text::order_booked(platform, key, order.split.rebate)),
        Step::Settle => Some(text::order_settled(platform, key, order.split.rebate)),
        Step::Reverse | Step::Clawback => Some(text::order_reversed(platform, key)),
        Step::Void => None,
    }
}

fn withdrawal_text(w: &Withdrawal) -> Option<String> {
    let amount = w.amount.yuan_string();
    match w.status.as_str() {
        withdrawal_status::APPROVED => Some(text::withdrawal_approved(&amount)),
        withdrawal_status::PAID => Some(text::withdrawal_paid(
            &amount,
            w.payment_method.as_deref().unwrap_or(""),
            w.payment_ref.as_deref().unwrap_or(""),
        )),
        withdrawal_status::REJECTED => Some(text::withdrawal_rejected(&amount, &w.reason)),
        _ => None,
    }
}

fn application_text(a: &AgentApplication, pid: Option<&str>) -> String {
    match a.status.as_str() {
        application_status::APPROVED => {
            text::agent_approved(a.level.as_deref().unwrap_or(""), a.invite_code.as_deref().unwrap_or(""), pid)
        }
        _ => text::agent_rejected(&a.decision_reason),
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
    /// A union refused the operator's configuration with `code` (told once per platform, code and local `day`);
    /// `detail` is the union's error.
    UnionConfig { platform: Platform, code: &'a str, detail: &'a str, day: i64 },
    /// A member's private chat was handed over to the admins (told once per service `conversation_id`); `asked`:
    /// the member asked for a human, else the robot could not answer `message`.
    Handover { conversation_id: i64, name: &'a str, wxid: &'a str, asked: bool, message: &'a str },
}

impl AdminAlert<'_> {
    pub fn text(&self) -> String {
        match *self {
            AdminAlert::RobotDown { name, state, reason, .. } => text::robot_down(state.label(), name, reason),
            AdminAlert::RobotBack { name, .. } => text::robot_back(name),
            AdminAlert::PddAuthorization { days: 0, .. } => text::PDD_AUTHORIZATION_LAPSED.to_string(),
            AdminAlert::PddAuthorization { days, .. } => text::pdd_authorization_expiring(days),
            AdminAlert::UnionConfig { platform, code, detail, .. } => text::union_config(platform, code, detail),
            AdminAlert::Handover { name, wxid, asked, message, .. } => text::handover(name, wxid, asked, message),
        }
    }

    /// The outbox key: one alert per event and admin. The engine's alerts keep the `once:` keys of the engine's
    /// sends.
    fn key(&self) -> String {
        match *self {
            AdminAlert::RobotDown { robot_id, at, .. } => format!("robot-down:{robot_id}:{at}"),
            AdminAlert::RobotBack { robot_id, at, .. } => format!("robot-up:{robot_id}:{at}"),
            AdminAlert::PddAuthorization { days, refresh_expires_at } => {
                format!("pdd-auth-warning:{refresh_expires_at}:{days}")
            }
            AdminAlert::UnionConfig { platform, code, day, .. } => {
                format!("once:union-alert:{}:{code}:{day}", platform.code())
            }
            AdminAlert::Handover { conversation_id, .. } => format!("once:handover:{conversation_id}"),
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

/// The acknowledgement, in private chat, to the admin who marked (`on`) or unmarked a group as a collection source:
/// the source itself hears nothing.
#[derive(Debug, Clone, Copy)]
pub struct SourceMarked<'a> {
    pub group: &'a str,
    pub on: bool,
}

impl SourceMarked<'_> {
    pub fn text(&self) -> String {
        text::collect_source(self.group, self.on)
    }

    /// The send from robot `via` to `admin`, once for the admin's message `message_key`.
    pub fn send(&self, via: i64, admin: &str, message_key: &str) -> NewOutbox {
        let body = OutboundBody::Text { content: self.text(), ats: Vec::new() };
        outbox::enqueue(via, admin, body, format!("once:collect-mark:{message_key}"))
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
