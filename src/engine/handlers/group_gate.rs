//! Groups where the robot is switched off get no replies.

use crate::chat::Inbound;
use crate::engine::{Context, EngineError, Flow};

pub async fn handle(cx: &Context<'_>, _msg: &Inbound) -> Result<Flow, EngineError> {
    match &cx.group {
        Some(g) if !g.enabled => Ok(Flow::Done(Vec::new())),
        _ => Ok(Flow::Continue),
    }
}
