//! 对账: one platform over a period, the orders the union reports against the stored ones (lost, extra, changed,
//! unattributed) and both commission totals, through [`crate::orders::reconcile`]. Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::format::yuan;
use super::orders::platform_options;
use super::session::Admin;
use super::statements::figure;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::orders::OrdersError;
use crate::orders::reconcile::{Reconciliation, reconcile};
use crate::orders::source::OrderSource;
use crate::platform::Platform;
use axum::Json;
use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

/// Longest period one report covers (the union is read window by window).
const MAX_PERIOD_SECS: i64 = 31 * 86_400;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReconcileQuery {
    #[serde(default)]
    pub platform: String,
    /// Unix seconds, `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss` (Beijing time); empty: the last 24 hours.
    #[serde(default)]
    pub since: String,
    /// Same forms; empty: now.
    #[serde(default)]
    pub until: String,
}

/// `None` when no platform was chosen yet (the page shows the form only).
pub async fn data(st: &AppState, _v: &Admin, q: &ReconcileQuery) -> Result<Option<Reconciliation>, AdminError> {
    if q.platform.trim().is_empty() {
        return Ok(None);
    }
    let platform: Platform = q.platform.parse().map_err(|_| AdminError::BadRequest(m::UNKNOWN_PLATFORM.into()))?;
    let now = st.clock.now_secs();
    let time = |s: &str, default: i64| match s.trim() {
        "" => Ok(default),
        t => crate::orders::parse_time_arg(t).ok_or_else(|| AdminError::BadRequest(m::bad_time(t))),
    };
    let until = time(&q.until, now)?;
    let since = time(&q.since, until - 86_400)?;
    if until < since || until - since > MAX_PERIOD_SECS {
        return Err(AdminError::BadRequest(m::BAD_PERIOD.into()));
    }
    let engine = st.dispatcher.engine();
    let source = OrderSource::of(&engine.affiliates, platform, &st.settings.orders)
        .ok_or_else(|| AdminError::BadRequest(m::not_enabled(platform.display_name())))?;
    let report = reconcile(&st.store, &source, since, until, now).await.map_err(|e| match e {
        OrdersError::Store(s) => AdminError::from(s),
        other => AdminError::Upstream(other.to_string()),
    })?;
    Ok(Some(report))
}

fn keys(list: &[String]) -> Markup {
    html! {
        @if list.is_empty() {
            span.muted { (m::NONE) }
        }
        @for (i, k) in list.iter().enumerate() {
            @if i > 0 { " " }
            span.tag { (k) }
        }
    }
}

fn report(r: &Reconciliation) -> Markup {
    let clean = r.lost.is_empty() && r.extra.is_empty() && r.changed.is_empty() && r.missing_in_ledger.is_empty();
    let rows: Vec<Vec<Markup>> = r
        .changed
        .iter()
        .map(|c| {
            vec![
                html! { (c.order_key) },
                html! { (c.union_lifecycle.display_name()) },
                html! { (c.stored_lifecycle.display_name()) },
                html! { (yuan(c.union_commission)) },
                html! { (yuan(c.stored_commission)) },
            ]
        })
        .collect();
    html! {
        div.cards {
            div.card {
                span { (m::RESULT) }
                @if clean { b.ok { (m::CONSISTENT) } } @else { b.warn { (m::DIFFERENT) } }
            }
            (figure(m::UNION_ORDERS, r.union_orders))
            (figure(m::STORED_ORDERS, r.stored_orders))
            (figure(m::UNION_COMMISSION, yuan(r.union_commission)))
            (figure(m::STORED_COMMISSION, yuan(r.stored_commission)))
            (figure(m::LEDGER_COMMISSION, yuan(r.ledger_commission)))
        }
        h2 { (m::LOST) } p { (keys(&r.lost)) }
        h2 { (m::EXTRA) } p { (keys(&r.extra)) }
        h2 { (m::MISSING_IN_LEDGER) } p { (keys(&r.missing_in_ledger)) }
        h2 { (m::UNATTRIBUTED) } p { (keys(&r.unattributed)) }
        h2 { (m::CHANGED) }
        (view::table(m::CHANGED_COLUMNS, &rows))
    }
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<ReconcileQuery>) -> Result<Markup, PageError> {
    let outcome = match data(&st, &v, &q).await {
        Ok(None) => html! { p.muted { (m::RECONCILE_HINT) } },
        Ok(Some(r)) => report(&r),
        Err(AdminError::BadRequest(msg) | AdminError::Upstream(msg)) => html! { p.error { (msg) } },
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        form method="get" class="card row" #reconcile {
            label { (m::PLATFORM) (view::select("platform", &q.platform, &platform_options())) }
            label { (m::DATE_FROM) input name="since" placeholder="2026-01-01" value=(q.since); }
            label { (m::DATE_TO) input name="until" placeholder=(m::UNTIL_NOW) value=(q.until); }
            button type="submit" { (m::RECONCILE) }
        }
        (outcome)
    };
    Ok(view::page(&v, "/admin/reconciliation", m::RECONCILE, body))
}

/// Reconciles a platform's union orders with the stored ones and the ledger (since, until as unix seconds or
/// Beijing yyyy-MM-dd, the last 24 hours by default; null without a platform).
#[utoipa::path(
    get,
    path = "/admin/api/reconciliation",
    tag = "orders",
    params(ReconcileQuery),
    responses((status = 200, body = Option<Reconciliation>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api(
    State(st): State<AppState>,
    v: Admin,
    Query(q): Query<ReconcileQuery>,
) -> Result<Json<Option<Reconciliation>>, ApiError> {
    Ok(Json(data(&st, &v, &q).await?))
}
