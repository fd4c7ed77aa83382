//! Messages the robot never answers: its own echoes, official accounts and system senders, and kinds that carry
//! no text to act on.

use crate::chat::{Inbound, InboundKind};
use crate::engine::{Context, EngineError, Flow};

pub async fn handle(_cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    if msg.is_self || msg.ignorable || msg.sender_id.is_none() {
        return Ok(Flow::Done(Vec::new()));
    }
    match msg.kind {
        InboundKind::Text | InboundKind::Link { .. } | InboundKind::MiniProgram { .. } | InboundKind::Quote { .. } => {
            Ok(Flow::Continue)
        }
        _ => Ok(Flow::Done(Vec::new())),
    }
}
