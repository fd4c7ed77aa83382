//! Messages the robot never answers: its own echoes, official accounts and system senders, other bots (our
//! other robots and `chat.ignored_wxids`), and kinds that carry no text to act on. Joins and removals (system
//! messages without a sender) pass on to the welcome and leave steps.

use crate::chat::{Inbound, InboundKind};
use crate::engine::{Context, EngineError, Flow};

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    if msg.is_self || msg.ignorable {
        return Ok(Flow::Done(Vec::new()));
    }
    if let Some(sender) = msg.sender_id.as_deref() {
        let e = cx.engine;
        let a_bot = e.robots.values().any(|r| r.settings.wxid == sender)
            || e.settings.chat.ignored_wxids.iter().any(|w| w == sender);
        if a_bot {
            return Ok(Flow::Done(Vec::new()));
        }
    }
    match msg.kind {
        InboundKind::Join { .. } | InboundKind::Removed { .. } | InboundKind::FriendRequest(_) => Ok(Flow::Continue),
        _ if msg.sender_id.is_none() => Ok(Flow::Done(Vec::new())),
        InboundKind::Text | InboundKind::Link { .. } | InboundKind::MiniProgram { .. } | InboundKind::Quote { .. } => {
            Ok(Flow::Continue)
        }
        _ => Ok(Flow::Done(Vec::new())),
    }
}
