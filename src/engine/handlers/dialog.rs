//! The answer to a question the robot asked ("请发送回复内容"): the member's next message in the same
//! conversation completes the waiting command, unless it is a command itself, `取消`, or came too late.

use crate::chat::Inbound;
use crate::engine::command::{self, Parsed};
use crate::engine::handlers::commands::{self, dialog_key, mentioned};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::{Context, EngineError, Flow, text};

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let Some(sender) = msg.sender_id.as_deref() else { return Ok(Flow::Continue) };
    let store = &cx.engine.store;
    let key = dialog_key(cx, msg, sender);
    let Some(dialog) = store.dialog(key).await? else { return Ok(Flow::Continue) };
    store.clear_dialog(key).await?;
    if dialog.expires_at < cx.now_ms {
        return Ok(Flow::Continue);
    }
    let answer = msg.text.trim();
    if answer == text::CANCEL_WORD {
        return Ok(Flow::Done(vec![reply_text(cx, msg, text::DIALOG_CANCELLED).await?]));
    }
    let mentions = mentioned(msg);
    if !matches!(command::parse(answer, &mentions, &cx.engine.settings.chat.command_prefix), Parsed::NotACommand) {
        // A new command replaces the question.
        return Ok(Flow::Continue);
    }
    let Some(spec) = command::find(&dialog.command) else { return Ok(Flow::Continue) };
    commands::respond(cx, msg, command::collect(spec, dialog.args, answer, &mentions), true).await
}
