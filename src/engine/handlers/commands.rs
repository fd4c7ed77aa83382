//! What every command goes through, whichever step parsed it: permission, feature switch and cooldown, then a
//! dialog for a missing argument, a usage reply for bad ones, or the command itself.

use crate::chat::Inbound;
use crate::engine::command::{Command, Cooldown, Parsed, Role, Spec};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::handlers::{member_commands, owner_commands};
use crate::engine::limits;
use crate::engine::{Context, EngineError, Flow, roles, text};
use crate::store::dialogs::{Dialog, DialogKey};

/// The members a message @-mentions, the robot and @所有人 left out: command arguments.
pub fn mentioned(msg: &Inbound) -> Vec<String> {
    msg.mentions.iter().filter(|m| **m != msg.bot_id && m.as_str() != "notify@all").cloned().collect()
}

/// The parsed command's table entry.
pub fn spec_of(p: &Parsed) -> Option<&'static Spec> {
    match p {
        Parsed::NotACommand => None,
        Parsed::Ready(s, _) | Parsed::Missing { spec: s, .. } | Parsed::Invalid { spec: s, .. } => Some(*s),
    }
}

/// The key of the sender's dialog in this conversation.
pub fn dialog_key<'a>(cx: &Context<'_>, msg: &'a Inbound, sender: &'a str) -> DialogKey<'a> {
    DialogKey { robot_id: cx.robot.id, conversation_id: &msg.conversation_id, member_wxid: sender }
}

/// Answers a parsed command. `continued` is true for the answer to a dialog (no second cooldown check).
pub async fn respond(cx: &Context<'_>, msg: &Inbound, parsed: Parsed, continued: bool) -> Result<Flow, EngineError> {
    let Some(spec) = spec_of(&parsed) else { return Ok(Flow::Continue) };
    let Some(sender) = msg.sender_id.as_deref() else { return Ok(Flow::Continue) };
    // In private chat only member commands apply (我的, 订单, 提现 and the like); group settings need a group.
    if cx.group.is_none() && spec.role != Role::Member {
        return Ok(Flow::Continue);
    }
    let e = cx.engine;
    let chat = &e.settings.chat;
    let say = |body: String| async move { Ok(Flow::Done(vec![reply_text(cx, msg, &body).await?])) };
    let role = roles::role_of(cx, sender).await?;
    if role < spec.role {
        return say(text::refused(spec.names[0], spec.role == Role::Admin)).await;
    }
    if let Some(f) = spec.feature
        && !cx.settings.enabled(f)
    {
        return say(text::feature_off(f.name())).await;
    }
    let secs = match spec.cooldown {
        Cooldown::Member => chat.cooldown_secs,
        Cooldown::Search => chat.search_cooldown_secs,
        Cooldown::Owner => chat.owner_cooldown_secs,
    };
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
                command: spec.names[0].to_string(),
                args,
                expires_at: cx.now_ms + chat.dialog_timeout_secs * 1000,
            };
            e.store.prune_dialogs(cx.now_ms).await?;
            e.store.save_dialog(dialog_key(cx, msg, sender), &dialog, cx.now_ms).await?;
            say(text::dialog_prompt(prompt, chat.dialog_timeout_secs)).await
        }
        Parsed::Invalid { spec, reason } => say(text::usage(&reason, &spec.usage_line(&chat.command_prefix))).await,
        Parsed::Ready(spec, command) => {
            e.caches.limits.start(sender, spec.cooldown_key(), secs, cx.now_ms);
            run(cx, msg, role, spec, command).await.map(Flow::Done)
        }
    }
}

async fn run(
    cx: &Context<'_>,
    msg: &Inbound,
    role: Role,
    spec: &Spec,
    command: Command,
) -> Result<Vec<crate::engine::Action>, EngineError> {
    if spec.role == Role::Member {
        member_commands::execute(cx, msg, role, command).await
    } else {
        owner_commands::execute(cx, msg, command).await
    }
}
