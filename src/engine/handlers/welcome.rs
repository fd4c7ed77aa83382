//! Welcome and invites (拉新): a join (10002) registers the newcomers, records who invited them and books the
//! inviter's points once per newcomer, then welcomes them with @-mentions, several newcomers in one message.

use crate::chat::{Inbound, InboundKind, MemberRef, OutboundBody};
use crate::engine::group_settings::Feature;
use crate::engine::text;
use crate::engine::{Action, Context, EngineError, Flow};
use crate::store::invites::NewJoin;

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let InboundKind::Join { inviter, joined } = &msg.kind else { return Ok(Flow::Continue) };
    let Some(group) = &cx.group else { return Ok(Flow::Done(Vec::new())) };
    let e = cx.engine;
    let chat = &e.settings.chat;
    let is_person = |m: &&MemberRef| !m.wxid.is_empty() && m.wxid != msg.bot_id;
    let inviter_id = match inviter.as_ref().filter(is_person) {
        Some(i) => Some(e.member(&i.wxid, i.nickname.as_deref(), Some(group), cx.now_ms).await?),
        None => None,
    };
    let newcomers: Vec<&MemberRef> = joined.iter().filter(is_person).collect();
    for m in &newcomers {
        let invitee_id = e.member(&m.wxid, m.nickname.as_deref(), Some(group), cx.now_ms).await?;
        let join = NewJoin { group_id: group.id, invitee_id, inviter_id, points: chat.invite_points };
        let outcome = e.store.record_join(join, cx.now_ms).await?;
        // A newcomer of an agent's group joins the agent's tree (unless in one already).
        if let Some(agent) = e.store.group_agent(group.id).await? {
            let via = crate::store::agent_levels::Via::Group;
            let joined = e.store.join_agent_tree(invitee_id, agent, via, cx.now_ms).await?;
            tracing::info!(invitee = %m.wxid, ?joined, "group newcomer and the agent tree");
        }
        if let Some(balance) = outcome.inviter_balance {
            tracing::info!(invitee = %m.wxid, balance, "inviter earned points");
        }
    }
    if newcomers.is_empty() || !cx.settings.enabled(Feature::Welcome) {
        return Ok(Flow::Done(Vec::new()));
    }
    let template = cx.settings.welcome_text.as_deref().unwrap_or(text::DEFAULT_WELCOME);
    let actions = newcomers.chunks(chat.welcome_max_mentions.max(1)).map(|batch| welcome(template, batch)).collect();
    Ok(Flow::Done(actions))
}

/// One welcome @-mentioning `batch`: at `{新人}` in the template, else before it.
fn welcome(template: &str, batch: &[&MemberRef]) -> Action {
    let mentions: String = batch
        .iter()
        .map(|m| text::mention(m.nickname.as_deref().filter(|n| !n.is_empty()).unwrap_or(text::MEMBER_FALLBACK_NAME)))
        .collect();
    let content = if template.contains(text::NEWCOMERS) {
        template.replacen(text::NEWCOMERS, &mentions, 1).replace(text::NEWCOMERS, "")
    } else {
        format!("{mentions}{template}")
    };
    Action::Reply(OutboundBody::Text { content, ats: batch.iter().map(|m| m.wxid.clone()).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(wxid: &str, nick: &str) -> MemberRef {
        MemberRef { wxid: wxid.into(), nickname: Some(nick.into()) }
    }

    #[test]
    fn the_welcome_mentions_every_newcomer_where_the_template_says() {
        let (a, b) = (m("wxid_a", "小红"), m("wxid_b", "小明"));
        let Action::Reply(OutboundBody::Text { content, ats }) = welcome("欢迎{新人}！", &[&a, &b]) else {
            panic!()
        };
        assert_eq!(content, "欢迎@小红\u{2005}@小明\u{2005}！");
        assert_eq!(ats, vec!["wxid_a", "wxid_b"]);
        let Action::Reply(OutboundBody::Text { content, .. }) = welcome("进群请看群公告", &[&a]) else {
            panic!()
        };
        assert_eq!(content, "@小红\u{2005}进群请看群公告");
        let nameless = MemberRef { wxid: "wxid_c".into(), nickname: None };
        let Action::Reply(OutboundBody::Text { content, .. }) = welcome("{新人}{新人}", &[&nameless]) else {
            panic!()
        };
        assert_eq!(content, "@群友\u{2005}");
    }
}
