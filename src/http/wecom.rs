//! `/webhook/wecom/{robot}`: the WeCom 智能机器人 callback (chat-gateways spec §3.1, §4).
//!
//! - `GET` with `msg_signature`, `timestamp`, `nonce`, `echostr`: URL verification; the answer is the decrypted
//!   echostr, exactly.
//! - `POST` with the same signature parameters and `{"encrypt":"…"}`: a message. It is verified, decrypted,
//!   recorded and queued like a GeWe callback, and answered with an encrypted stream reply (empty, not finished).
//!   WeCom's stream refresh callbacks are answered with the stream's current content, finished once the message
//!   was handled and its replies left the outbox. Replies that find no open stream go through the message's
//!   `response_url`. An `enter_chat` event gets the welcome as an encrypted passive reply.
//!
//! The query is percent-decoded without turning `+` into a space: echostr is base64.

use super::AppState;
use super::error::AppError;
use crate::chat::wecom::aibot::{self, AibotEvent};
use crate::chat::wecom::{CryptoError, WecomCrypto};
use crate::config::GatewayKind;
use crate::engine::RobotCtx;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhook/wecom/{robot}", get(verify_url).post(callback))
}

struct Signed {
    msg_signature: String,
    timestamp: String,
    nonce: String,
    echostr: Option<String>,
}

fn signed(query: Option<&str>) -> Result<Signed, AppError> {
    let mut fields: HashMap<&str, String> = HashMap::new();
    for pair in query.unwrap_or_default().split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(v)
            .decode_utf8()
            .map_err(|_| AppError::BadRequest("query is not UTF-8".into()))?;
        fields.insert(k, v.into_owned());
    }
    let mut take = |k: &'static str| {
        fields.remove(k).filter(|v| !v.is_empty()).ok_or_else(|| AppError::BadRequest(format!("missing {k}")))
    };
    Ok(Signed {
        msg_signature: take("msg_signature")?,
        timestamp: take("timestamp")?,
        nonce: take("nonce")?,
        echostr: take("echostr").ok(),
    })
}

fn aibot_robot(st: &AppState, robot: &str) -> Result<(RobotCtx, WecomCrypto), AppError> {
    let rctx =
        st.robots.by_name(robot).filter(|r| r.settings.gateway == GatewayKind::WecomAibot).ok_or(AppError::NotFound)?;
    let s = &rctx.settings;
    let crypto = WecomCrypto::new(s.token.expose(), s.encoding_aes_key.expose(), "")
        .map_err(|e| AppError::Internal(format!("robot {robot}: {e}")))?;
    Ok((rctx, crypto))
}

fn crypto_error(e: CryptoError) -> AppError {
    match e {
        CryptoError::Signature => {
            tracing::warn!("WeCom callback with a wrong signature");
            AppError::Unauthorized
        }
        other => AppError::BadRequest(other.to_string()),
    }
}

#[tracing::instrument(skip_all, fields(robot = ?robot))]
async fn verify_url(
    State(st): State<AppState>,
    Path(robot): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<String, AppError> {
    let (_, crypto) = aibot_robot(&st, &robot)?;
    let q = signed(query.as_deref())?;
    let echostr = q.echostr.ok_or_else(|| AppError::BadRequest("missing echostr".into()))?;
    crypto.open(&q.msg_signature, &q.timestamp, &q.nonce, &echostr).map_err(crypto_error)
}

#[tracing::instrument(skip_all, fields(robot = ?robot))]
async fn callback(
    State(st): State<AppState>,
    Path(robot): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, AppError> {
    let started = std::time::Instant::now();
    let (rctx, crypto) = aibot_robot(&st, &robot)?;
    let q = signed(query.as_deref())?;
    let encrypt = aibot::envelope_encrypt(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let plain = crypto.open(&q.msg_signature, &q.timestamp, &q.nonce, &encrypt).map_err(crypto_error)?;
    let now_secs = st.clock.now_ms() / 1000;
    let event = aibot::parse_plaintext(&plain, &rctx.settings.nickname, now_secs)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let response = match event {
        AibotEvent::Message(msg) => {
            if msg.account_id != rctx.settings.app_id {
                return Err(AppError::BadRequest("aibotid does not belong to this robot".into()));
            }
            // The stream opens before the message is queued, so that no reply can miss it.
            let streams = &st.launcher.streams;
            let frame = streams.open(rctx.id, &msg.conversation_id, &msg.dedupe_key, st.clock.now_ms());
            // Recorded and queued in a task of its own, so a hang-up cannot lose a recorded message.
            let task_st = st.clone();
            let task_robot = rctx.clone();
            let outcome = tokio::spawn(async move { super::webhook::admit(&task_st, &task_robot, msg).await })
                .await
                .unwrap_or_else(|e| Err(AppError::Internal(format!("accept task: {e}"))));
            let outcome = outcome.inspect_err(|_| streams.close(&frame.id))?;
            st.metrics.message_in(outcome);
            if matches!(outcome, "accepted" | "queued") {
                axum::Json(aibot::passive_reply(&crypto, &frame.to_json(), now_secs, &fresh_nonce())).into_response()
            } else {
                streams.close(&frame.id);
                StatusCode::OK.into_response()
            }
        }
        AibotEvent::StreamRefresh { aibotid, id } => {
            if aibotid != rctx.settings.app_id {
                return Err(AppError::BadRequest("aibotid does not belong to this robot".into()));
            }
            let streams = &st.launcher.streams;
            match streams.answering(&id).filter(|(robot_id, _)| *robot_id == rctx.id) {
                Some((robot_id, key)) => {
                    let settled = st.store.reply_settled(robot_id, &key).await?;
                    match streams.refresh(&id, settled, st.clock.now_ms()) {
                        Some(frame) => {
                            axum::Json(aibot::passive_reply(&crypto, &frame.to_json(), now_secs, &fresh_nonce()))
                                .into_response()
                        }
                        None => StatusCode::OK.into_response(),
                    }
                }
                // Unknown or expired: acknowledged with nothing, the replies go through the response_url.
                None => StatusCode::OK.into_response(),
            }
        }
        AibotEvent::EnterChat => {
            let welcome = aibot::welcome_text(crate::engine::text::WECOM_WELCOME);
            axum::Json(aibot::passive_reply(&crypto, &welcome, now_secs, &fresh_nonce())).into_response()
        }
        AibotEvent::Other => StatusCode::OK.into_response(),
    };
    st.metrics.webhook_seconds.observe(started.elapsed().as_secs_f64());
    Ok(response)
}

fn fresh_nonce() -> String {
    format!("{:016x}", rand::random::<u64>())
}
