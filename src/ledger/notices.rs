//! Notices to members about their orders (paid with the estimated rebate, settled, invalid) and their withdrawals
//! (approved with the amount, rejected with the reason), enqueued through the outbox once per order and step or
//! per decision. They go where the member can be reached ([`crate::store::Store::notice_target`]).

use super::rules::Step;
use crate::chat::{Outbound, OutboundBody};
use crate::platform::Platform;
use crate::store::ledger::{LedgerOrder, NoticeTarget};
use crate::store::outbox::NewOutbox;
use crate::store::withdrawals::{Withdrawal, status};

/// The notice text for an order after `step`, or `None` for steps members are not told about.
pub fn text(step: Step, order: &LedgerOrder) -> Option<String> {
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

/// The outbox row for a notice about an order.
pub fn outbox(step: Step, order: &LedgerOrder, to: &NoticeTarget, now: i64) -> Option<NewOutbox> {
    let key = format!("ledger-notice:{}:{}", order.order_id, step.code());
    send(to, text(step, order)?, key, now)
}

/// The text of a withdrawal decision or payment: approved with the amount, paid with the transfer's method and
/// reference, or rejected with the reason.
pub fn withdrawal_text(w: &Withdrawal) -> Option<String> {
    let amount = w.amount.yuan_string();
    match w.status.as_str() {
        status::APPROVED => Some(format!("【提现通知】您的提现 ¥{amount} 已通过审核，将尽快打款。")),
        status::PAID => Some(format!(
            "【提现通知】您的提现 ¥{amount} 已打款（{}，流水号 {}），请注意查收。",
            w.payment_method.as_deref().unwrap_or(""),
            w.payment_ref.as_deref().unwrap_or("")
        )),
        status::REJECTED => {
            Some(format!("【提现通知】您的提现 ¥{amount} 未通过审核，原因：{}。金额已退回可提现余额。", w.reason))
        }
        _ => None,
    }
}

/// The outbox row telling the requester about the decision on (or the payment of) their withdrawal.
pub fn withdrawal_outbox(w: &Withdrawal, to: &NoticeTarget, now: i64) -> Option<NewOutbox> {
    send(to, withdrawal_text(w)?, format!("withdrawal-notice:{}:{}", w.id, w.status), now)
}

/// The outbox row telling a member that a free-order (免单) campaign paid a subsidy for their order.
pub fn subsidy_outbox(
    platform: Platform,
    order_id: i64,
    order_key: &str,
    amount: crate::money::Fen,
    to: &NoticeTarget,
    now: i64,
) -> Option<NewOutbox> {
    let content = format!(
        "【免单通知】您的{}订单 {order_key} 参加免单活动，补贴 ¥{} 已到账，可发送「提现 金额」申请提现。",
        platform.display_name(),
        amount.yuan_string()
    );
    send(to, content, format!("campaign-subsidy:{order_id}"), now)
}

/// A text to a member: in private chat as it is, in a group with an @-mention of the member.
pub(crate) fn send(to: &NoticeTarget, content: String, idempotency_key: String, now: i64) -> Option<NewOutbox> {
    let body = match &to.mention {
        Some((wxid, nickname)) => {
            OutboundBody::Text { content: format!("@{nickname}\u{2005}{content}"), ats: vec![wxid.clone()] }
        }
        None => OutboundBody::Text { content, ats: Vec::new() },
    };
    let out = Outbound { conversation_id: to.conversation_id.clone(), body };
    Some(NewOutbox {
        robot_id: to.robot_id,
        conversation_id: to.conversation_id.clone(),
        idempotency_key,
        body: serde_json::to_string(&out).ok()?,
        not_before: now,
    })
}
