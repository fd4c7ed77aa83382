//! Admin JSON API for orders (bearer `admin.api_token`): reconciliation of a platform over a period and the list
//! of unattributed orders.

use super::AppState;
use super::auth::require_admin;
use super::error::AppError;
use crate::orders::OrdersError;
use crate::orders::reconcile::{Reconciliation, reconcile};
use crate::orders::source::OrderSource;
use crate::platform::Platform;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Most union windows one request may read (JD: about eight days of one-hour windows); longer periods are for
/// `dealbot orders reconcile`.
const MAX_WINDOWS: i64 = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/orders/reconcile", get(reconcile_route))
        .route("/admin/api/orders/unattributed", get(unattributed))
}

#[derive(Deserialize)]
struct ReconcileQuery {
    platform: String,
    /// Unix seconds, `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss` (Beijing time).
    since: String,
    until: Option<String>,
}

fn platform(s: &str) -> Result<Platform, AppError> {
    s.parse().map_err(|e: crate::platform::UnknownPlatform| AppError::BadRequest(e.to_string()))
}

async fn reconcile_route(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReconcileQuery>,
) -> Result<Json<Reconciliation>, AppError> {
    require_admin(&st, &headers)?;
    let platform = platform(&q.platform)?;
    let now = st.clock.now_secs();
    let time =
        |s: &str| crate::orders::parse_time_arg(s).ok_or_else(|| AppError::BadRequest(format!("时间格式错误: {s}")));
    let since = time(&q.since)?;
    let until = q.until.as_deref().map(time).transpose()?.unwrap_or(now);
    let engine = st.dispatcher.engine();
    let source = OrderSource::of(&engine.affiliates, platform, &st.settings.orders).ok_or(AppError::NotFound)?;
    if until < since || (until - since) / source.max_window_secs() >= MAX_WINDOWS {
        return Err(AppError::BadRequest("对账区间无效或过长，长区间请用命令行 dealbot orders reconcile".into()));
    }
    let report = reconcile(&st.store, &source, since, until, now).await.map_err(|e| match e {
        OrdersError::Store(s) => AppError::from(s),
        other => AppError::Unprocessable(other.to_string()),
    })?;
    Ok(Json(report))
}

#[derive(Deserialize)]
struct UnattributedQuery {
    platform: Option<String>,
}

#[derive(Serialize)]
struct UnattributedOrder {
    platform: Platform,
    order_key: String,
    item_title: String,
    lifecycle: crate::order::Lifecycle,
    commission_fen: i64,
    group_id: Option<i64>,
    pid: String,
    member_tag: Option<String>,
}

async fn unattributed(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<UnattributedQuery>,
) -> Result<Json<Vec<UnattributedOrder>>, AppError> {
    require_admin(&st, &headers)?;
    let platform = q.platform.as_deref().map(platform).transpose()?;
    let orders = st.store.unattributed_orders(platform, 500).await?;
    Ok(Json(
        orders
            .into_iter()
            .map(|o| UnattributedOrder {
                platform: o.platform,
                commission_fen: o.commission().0,
                order_key: o.order_key,
                item_title: o.item_title,
                lifecycle: o.lifecycle,
                group_id: o.attribution.group_id,
                pid: o.pid,
                member_tag: o.member_tag,
            })
            .collect(),
    ))
}
