//! `POST /webhook/gewe/{robot}/{secret}`: the GeWe callback. GeWe does not sign callbacks, so the robot's
//! secret is part of the registered callback URL and compared in constant time.
//!
//! The handler records the message durably (deduped by `Appid:NewMsgId`), hands it to the group's queue and
//! answers 200 at once; the engine handles it asynchronously. Recording and hand-over run in a task of their own,
//! so they complete even when the gateway disconnects mid-request.

use super::AppState;
use super::error::AppError;
use crate::chat::gewe::{self, GeweEvent, ParseError};
use crate::engine::dispatch::Job;
use crate::store::inbound::status;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tracing::Instrument;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhook/gewe/{robot}/{secret}", post(gewe_callback))
}

#[tracing::instrument(skip_all, fields(robot = ?robot))]
async fn gewe_callback(
    State(st): State<AppState>,
    Path((robot, secret)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let started = std::time::Instant::now();
    // The accept step runs as its own task: when the gateway hangs up (or the request times out) the handler
    // future is dropped, but a message recorded as `processing` must still reach its group's queue.
    let task_st = st.clone();
    let accepting = tokio::spawn(
        async move { accept(&task_st, &robot, &secret, &body).await }.instrument(tracing::Span::current()),
    );
    let result = accepting.await.unwrap_or_else(|e| Err(AppError::Internal(format!("accept task: {e}"))));
    st.metrics.webhook_seconds.observe(started.elapsed().as_secs_f64());
    match result {
        Ok(outcome) => {
            st.metrics.message_in(outcome);
            Ok(Json(json!({ "ret": 200, "msg": "success", "result": outcome })))
        }
        Err(e) => {
            st.metrics.message_in("rejected");
            Err(e)
        }
    }
}

async fn accept(st: &AppState, robot: &str, secret: &str, body: &[u8]) -> Result<&'static str, AppError> {
    let Some(rctx) = st.robots.by_name(robot) else { return Err(AppError::NotFound) };
    let expected = rctx.settings.webhook_secret.expose().as_bytes();
    if !bool::from(expected.ct_eq(secret.as_bytes())) {
        tracing::warn!("callback with a wrong secret");
        return Err(AppError::Unauthorized);
    }
    let event = gewe::parse_callback(body, &rctx.settings.nickname).map_err(|e| match e {
        ParseError::UnknownType(t) => AppError::Unprocessable(format!("unknown TypeName `{t}`")),
        other => AppError::BadRequest(other.to_string()),
    })?;
    let msg = match event {
        GeweEvent::Message(msg) => msg,
        GeweEvent::CallbackTest => return Ok("test"),
        GeweEvent::Offline => {
            tracing::warn!("gateway reports the account offline; sends are paused");
            let lifecycle = &st.dispatcher.engine().lifecycle;
            lifecycle
                .went_down(rctx.id, crate::robots::RobotState::Offline, crate::robots::text::GATEWAY_SAYS_OFFLINE)
                .await;
            return Ok("offline");
        }
        GeweEvent::ContactsChanged | GeweEvent::ContactsDeleted { .. } => return Ok("contacts"),
    };
    if msg.account_id != rctx.settings.app_id {
        return Err(AppError::BadRequest("Appid does not belong to this robot".into()));
    }
    admit(st, &rctx, msg).await
}

/// Records a parsed message durably (deduped) and hands it to its group's queue; stale, self-sent and ignorable
/// messages are recorded as skipped.
pub(super) async fn admit(
    st: &AppState,
    rctx: &crate::engine::RobotCtx,
    msg: Box<crate::chat::Inbound>,
) -> Result<&'static str, AppError> {
    let now_ms = st.clock.now_ms();
    let stale = (now_ms / 1000).saturating_sub(msg.created_at) > st.settings.engine.max_message_age_secs;
    let skip = msg.is_self || msg.ignorable || stale;
    let slot = if skip { None } else { st.dispatcher.reserve(&msg.conversation_id) };
    let row_status = match (skip, &slot) {
        (true, _) => status::SKIPPED,
        (false, Some(_)) => status::PROCESSING,
        (false, None) => status::PENDING,
    };
    let payload = serde_json::to_string(&msg).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = st
        .store
        .record_inbound(
            &msg.dedupe_key,
            rctx.id,
            &msg.conversation_id,
            msg.sender_id.as_deref(),
            row_status,
            &payload,
            now_ms,
        )
        .await?;
    let Some(id) = id else { return Ok("duplicate") };
    if msg.is_self {
        // The echo of our own send: it may confirm a send whose gateway call timed out.
        match crate::outbox::confirm_echo(&st.store, rctx.id, &msg, now_ms).await {
            Ok(true) => {
                if let Some(wake) = st.dispatcher.engine().outbox_wake.get(&rctx.id) {
                    wake.notify_one();
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot check the echo against timed-out sends"),
        }
    }
    if skip {
        return Ok(if stale { "stale" } else { "skipped" });
    }
    let lifecycle = &st.dispatcher.engine().lifecycle;
    lifecycle.touch_in(rctx.id).await;
    if msg.conversation == crate::chat::ConversationKind::Group {
        lifecycle.seen_room(rctx.id, &msg.conversation_id);
    }
    match slot {
        Some(slot) => {
            slot.send(Job { inbound_id: id, robot_id: rctx.id, msg: *msg, attempts: 0 });
            Ok("accepted")
        }
        None => Ok("queued"),
    }
}
