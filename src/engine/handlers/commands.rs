//! Chat commands, as the command table declares them: permission, feature switch and cooldown, then a dialog
//! for a missing argument, a usage reply for bad ones, or the command's handler.

use crate::chat::Inbound;
use crate::engine::command::{self, Asker, Cooldown, Parsed, Role};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::limits;
use crate::engine::{Context, EngineError, Flow, roles, text};
use crate::store::dialogs::{Dialog, DialogKey};

/// The members a message @-mentions, the robot and @所有人 left out: command arguments.
pub fn mentioned(msg: &Inbound) -> Vec<String> {
    msg.mentions.iter().filter(|m| **m != msg.bot_id && m.as_str() != "notify@all").cloned().collect()
}

/// The key of the sender's dialog in this conversation.
pub fn dialog_key<'a>(cx: &Context<'_>, msg: &'a Inbound, sender: &'a str) -> DialogKey<'a> {
    DialogKey { robot_id: cx.robot.id, conversation_id: &msg.conversation_id, member_wxid: sender }
}

/// A message that is a command.
pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let parsed = command::parse(&msg.text, &mentioned(msg), &cx.engine.settings.chat.command_prefix);
    respond(cx, msg, parsed, false).await
}

/// Answers a parsed command. `continued` is true for the answer to a dialog (no second cooldown check).
pub async fn respond(cx: &Context<'_>, msg: &Inbound, parsed: Parsed, continued: bool) -> Result<Flow, EngineError> {
    let Some(spec) = parsed.spec() else { return Ok(Flow::Continue) };
    let (Some(sender), Some(member_id)) = (msg.sender_id.as_deref(), cx.member_id) else {
        return Ok(Flow::Continue);
    };
    // In private chat only member commands apply (我的, 订单, 提现 and the like); group settings need a group.
    if cx.group.is_none() && spec.role != Role::Member {
        return Ok(Flow::Continue);
    }
    let e = cx.engine;
    let chat = &e.settings.chat;
    let say = |body: String| async move { Ok(Flow::Done(vec![reply_text(cx, msg, &body).await?])) };
    let role = roles::role_of(cx, sender).await?;
    if role < spec.role {
        return say(text::refused(spec.name(), spec.role == Role::Admin)).await;
    }
    if let Some(f) = spec.feature
        && !cx.settings.enabled(f)
    {
        return say(text::feature_off(f.name())).await;
    }
    // A command that asked for its arguments or was refused for bad ones starts no cooldown: the member may
    // correct it at once. A dialog's answer is not checked again.
    if !continued {
        match e.caches.limits.check(sender, spec.cooldown_key(), cx.now_ms) {
            limits::Cooldown::Ready => {}
            limits::Cooldown::Wait { secs, notify: true } => return say(text::cooling_down(secs)).await,
            limits::Cooldown::Wait { notify: false, .. } => return Ok(Flow::Done(Vec::new())),
        }
    }
    match parsed {
        Parsed::NotACommand => Ok(Flow::Continue),
        Parsed::Missing { spec, args } => {
            let prompt = spec.args.get(args.len()).map(|a| a.prompt).unwrap_or_default();
            let dialog = Dialog {
                command: spec.name().to_string(),
                args,
                expires_at: cx.now_ms + chat.dialog_timeout_secs * 1000,
            };
            e.store.prune_dialogs(cx.now_ms).await?;
            e.store.save_dialog(dialog_key(cx, msg, sender), &dialog, cx.now_ms).await?;
            say(text::dialog_prompt(prompt, chat.dialog_timeout_secs)).await
        }
        Parsed::Invalid { spec, reason } => say(text::usage(&reason, &spec.usage_line(&chat.command_prefix))).await,
        Parsed::Ready(spec, call) => {
            let secs = match spec.cooldown {
                Cooldown::Member => chat.cooldown_secs,
                Cooldown::Search => chat.search_cooldown_secs,
                Cooldown::Owner => chat.owner_cooldown_secs,
            };
            e.caches.limits.start(sender, spec.cooldown_key(), secs, cx.now_ms);
            let asker = Asker { cx, msg, role, sender, member_id };
            call.run(&asker).await.map(Flow::Done)
        }
    }
}
