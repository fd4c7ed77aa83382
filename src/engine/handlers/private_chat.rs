//! Private chat as a service channel: friend requests accepted per `private_chat.friend_policy` (with a
//! welcome), and the last word on private messages nothing else answered: kept for the admins while a
//! hand-over (客服) is open, else the help text (once a day) and, after `handover_after_misses` such messages in a
//! day, a hand-over to the operator's admins (`admin.wxids`).

use crate::chat::{ConversationKind, FriendRequest, Inbound, InboundKind, OutboundBody};
use crate::config::FriendPolicy;
use crate::engine::command::{self, Role};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::limits::local_day;
use crate::engine::{Action, Context, EngineError, Flow, text};
use crate::notices::AdminAlert;
use crate::store::service::{direction, reason};

/// A friend request: accepted (then welcomed) when the policy allows, else left for the operator.
pub async fn friend_request(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let InboundKind::FriendRequest(request) = &msg.kind else { return Ok(Flow::Continue) };
    if !accepts(cx, request).await? {
        tracing::info!(requester = %request.wxid, "friend request left for the operator by the policy");
        return Ok(Flow::Done(Vec::new()));
    }
    tracing::info!(requester = %request.wxid, scene = request.scene, "accepting a friend request");
    let settings = &cx.engine.settings.private_chat;
    let welcome = if settings.welcome.trim().is_empty() { text::friend_welcome() } else { settings.welcome.clone() };
    let accept = OutboundBody::AcceptFriend { v3: request.v3.clone(), v4: request.v4.clone(), scene: request.scene };
    Ok(Flow::Done(vec![Action::Reply(accept), reply_text(cx, msg, &welcome).await?]))
}

async fn accepts(cx: &Context<'_>, request: &FriendRequest) -> Result<bool, EngineError> {
    Ok(match cx.engine.settings.private_chat.friend_policy {
        FriendPolicy::All => true,
        FriendPolicy::None => false,
        FriendPolicy::GroupMembers => cx.engine.store.is_member_of_robot_groups(cx.robot.id, &request.wxid).await?,
    })
}

/// Hands the member's private chat over to the admins (or adds to the open hand-over): the member is told, and
/// each admin gets the member's message once per hand-over.
pub async fn hand_over(cx: &Context<'_>, msg: &Inbound, why: &str) -> Result<Vec<Action>, EngineError> {
    let Some(sender) = msg.sender_id.as_deref().filter(|_| msg.conversation == ConversationKind::Direct) else {
        return Ok(Vec::new());
    };
    let e = cx.engine;
    let body = if msg.text.trim().is_empty() { msg.raw_text.as_str() } else { msg.text.as_str() };
    let opened = e.store.hand_over(cx.robot.id, sender, cx.member_id, why, (&msg.dedupe_key, body), cx.now_ms).await?;
    let asked = why == reason::ASKED;
    let mut actions = vec![reply_text(cx, msg, &text::handed_over(asked)).await?];
    if opened.new {
        tracing::info!(member = %sender, reason = why, conversation = opened.conversation_id, "handed over to the admins");
        let name = match msg.sender_name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => e.store.member_nickname(sender).await?.unwrap_or_else(|| sender.to_string()),
        };
        let alert = AdminAlert::Handover {
            conversation_id: opened.conversation_id,
            name: &name,
            wxid: sender,
            asked,
            message: body,
        };
        actions.extend(alert.sends(cx.robot.id, &e.settings.admin.wxids).into_iter().map(Action::Notify));
    }
    Ok(actions)
}

/// A private text nothing else answered.
pub async fn unanswered(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let Some(sender) = msg.sender_id.as_deref() else { return Ok(Flow::Continue) };
    if msg.conversation != ConversationKind::Direct
        || !matches!(msg.kind, InboundKind::Text | InboundKind::Quote { .. })
    {
        return Ok(Flow::Continue);
    }
    let e = cx.engine;
    if let Some(open) = e.store.open_service_conversation(cx.robot.id, sender).await? {
        e.store.add_service_message(open.id, direction::IN, &msg.text, None, &msg.dedupe_key, cx.now_ms).await?;
        return Ok(Flow::Done(Vec::new()));
    }
    let day = local_day(cx.now_ms, e.settings.chat.utc_offset_hours);
    let misses = e.store.count_private_miss(cx.robot.id, sender, day, &msg.dedupe_key, cx.now_ms).await?;
    let limit = e.settings.private_chat.handover_after_misses;
    if limit > 0 && misses >= limit {
        return Ok(Flow::Done(hand_over(cx, msg, reason::UNANSWERED).await?));
    }
    let help = text::private_help(&command::help(Role::Member, &e.settings.chat.command_prefix));
    let Action::Reply(body) = reply_text(cx, msg, &help).await? else { return Ok(Flow::Done(Vec::new())) };
    Ok(Flow::Done(vec![Action::ReplyOnce { key: format!("private-help:{}:{sender}:{day}", cx.robot.id), body }]))
}
