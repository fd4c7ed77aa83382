//! The world around the robot in the playground: buyers who pay through the robot's promotion links (下单) and
//! time passing at the unions (快进). Served beside the GeWe playground:
//!
//! - `POST /gewe/playground/order {"seq": N}`: a buyer pays through the promotion in the robot's message `seq`;
//!   the union whose link it is records one order, paid now, that goes on to settle.
//! - `POST /gewe/playground/advance {"days": D}` (1–[`MAX_ADVANCE_DAYS`]): the unions' clocks move `D` days, so
//!   their orders move along (paid → received → settled); then the hook the demo plugs in runs dealbot's order
//!   sync, which fetches the changes over HTTP as in production.

use super::Simulators;
use super::text::playground as text;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Most days one 快进 moves.
pub const MAX_ADVANCE_DAYS: u32 = 30;

/// Runs after the unions' clocks moved by the given time (the demo: move dealbot's order-sync clock along and
/// sync); its `Ok` value is reported as `sync`, its `Err` as the error.
pub type AfterAdvance = Arc<dyn Fn(Duration) -> BoxFuture<'static, Result<Value, String>> + Send + Sync>;

#[derive(Clone)]
struct World {
    sims: Simulators,
    after_advance: Option<AfterAdvance>,
}

/// The routes, to be merged into the GeWe simulator's router.
pub(super) fn router(sims: Simulators, after_advance: Option<AfterAdvance>) -> Router {
    Router::new()
        .route("/playground/order", post(order))
        .route("/playground/advance", post(advance))
        .with_state(World { sims, after_advance })
}

/// A purchase the unions recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// `pdd`, `jd` or `taobao`.
    pub platform: &'static str,
    /// The union's order key (`order_sn`, the JD row `id`, `trade_id`).
    pub order: String,
}

impl Simulators {
    /// A buyer pays through the promotion link found in `text`, at the union that issued it.
    pub fn buy(&self, text: &str) -> Option<Purchase> {
        let purchase = |platform, order: Option<String>| order.map(|order| Purchase { platform, order });
        purchase("jd", self.jd.buy(text))
            .or_else(|| purchase("taobao", self.taobao.buy(text)))
            .or_else(|| purchase("pdd", self.pdd.buy(text)))
    }

    /// Moves every union's clock forward.
    pub fn advance_unions(&self, by: Duration) {
        self.pdd.advance(by);
        self.jd.advance(by);
        self.taobao.advance(by);
    }
}

#[derive(Deserialize)]
struct OrderBody {
    seq: usize,
}

async fn order(State(world): State<World>, body: Result<axum::Json<OrderBody>, JsonRejection>) -> Response {
    let Ok(axum::Json(body)) = body else {
        return failure(StatusCode::BAD_REQUEST, text::ORDER_BODY_INVALID);
    };
    let Some(message) = world.sims.gewe.playground_message(body.seq) else {
        return failure(StatusCode::NOT_FOUND, &text::no_such_message(body.seq));
    };
    if !message.from_robot {
        return failure(StatusCode::UNPROCESSABLE_ENTITY, text::ORDER_ONLY_ON_ROBOT);
    }
    match world.sims.buy(&message.text) {
        Some(p) => {
            tracing::info!(platform = p.platform, order = %p.order, seq = body.seq, "playground: a buyer paid");
            axum::Json(json!({"ok": true, "platform": p.platform, "order": p.order})).into_response()
        }
        None => failure(StatusCode::UNPROCESSABLE_ENTITY, text::NO_PROMOTION_LINK),
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    days: u32,
}

async fn advance(State(world): State<World>, body: Result<axum::Json<AdvanceBody>, JsonRejection>) -> Response {
    let days = match body {
        Ok(axum::Json(AdvanceBody { days })) if (1..=MAX_ADVANCE_DAYS).contains(&days) => days,
        _ => return failure(StatusCode::BAD_REQUEST, &text::advance_days_invalid(MAX_ADVANCE_DAYS)),
    };
    let by = Duration::from_secs(u64::from(days) * 86_400);
    world.sims.advance_unions(by);
    let sync = match &world.after_advance {
        Some(hook) => match hook(by).await {
            Ok(report) => report,
            Err(e) => return failure(StatusCode::BAD_GATEWAY, &text::sync_failed(e)),
        },
        None => Value::Null,
    };
    axum::Json(json!({"ok": true, "days": days, "union_now": world.sims.jd.now(), "sync": sync})).into_response()
}

fn failure(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(json!({"ok": false, "error": msg}))).into_response()
}
