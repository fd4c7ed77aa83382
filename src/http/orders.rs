//! Admin JSON API for orders (bearer `admin.api_token`): the list of unattributed orders. Reconciliation is
//! served by the dashboard's API (`/admin/api/reconciliation`).

use super::AppState;
use super::auth::require_admin;
use super::error::AppError;
use crate::platform::Platform;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

fn platform(s: &str) -> Result<Platform, AppError> {
    s.parse().map_err(|e: crate::platform::UnknownPlatform| AppError::BadRequest(e.to_string()))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/api/orders/unattributed", get(unattributed))
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
