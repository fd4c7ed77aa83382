//! Removals (`…将"X"移出了群聊`): the removed members' invitations into the group are noted as left, so that a
//! newcomer who leaves within `[campaigns] invite_min_stay_hours` never counts for their inviter. Nothing is said.

use crate::chat::{Inbound, InboundKind};
use crate::engine::{Context, EngineError, Flow};

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let InboundKind::Removed { by, removed } = &msg.kind else { return Ok(Flow::Continue) };
    let Some(group) = &cx.group else { return Ok(Flow::Done(Vec::new())) };
    for m in removed.iter().filter(|m| m.wxid != msg.bot_id) {
        let noted = cx.engine.store.record_leave(group.id, &m.wxid, cx.now_ms).await?;
        let by = by.as_ref().map(|b| b.wxid.as_str());
        tracing::info!(group = group.id, removed = %m.wxid, by, noted, "member removed from the group");
    }
    Ok(Flow::Done(Vec::new()))
}
