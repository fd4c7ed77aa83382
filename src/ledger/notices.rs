//! Private-chat notices to members about their orders (paid with the estimated rebate, settled, invalid),
//! enqueued through the outbox once per order and step.

use super::rules::Step;
use crate::chat::{Outbound, OutboundBody};
use crate::platform::Platform;
use crate::store::ledger::LedgerOrder;
use crate::store::outbox::NewOutbox;

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

/// The outbox row for a notice to `wxid` through `robot_id`.
pub fn outbox(step: Step, order: &LedgerOrder, robot_id: i64, wxid: &str, now: i64) -> Option<NewOutbox> {
    let content = text(step, order)?;
    let out = Outbound { conversation_id: wxid.to_string(), body: OutboundBody::Text { content, ats: Vec::new() } };
    Some(NewOutbox {
        robot_id,
        conversation_id: wxid.to_string(),
        idempotency_key: format!("ledger-notice:{}:{}", order.order_id, step.code()),
        body: serde_json::to_string(&out).ok()?,
        not_before: now,
    })
}
