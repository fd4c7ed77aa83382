//! 对账: one platform over a period, the orders the union reports against the stored ones (lost, extra, changed,
//! unattributed) and both commission totals, through [`crate::orders::reconcile`]. Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Admin;
use crate::http::AppState;
use crate::orders::OrdersError;
use crate::orders::reconcile::{Reconciliation, reconcile};
use crate::orders::source::OrderSource;
use crate::platform::Platform;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use std::fmt::Write as _;

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
    let platform: Platform = q.platform.parse().map_err(|_| AdminError::BadRequest("未知平台".into()))?;
    let now = st.clock.now_secs();
    let time = |s: &str, default: i64| match s.trim() {
        "" => Ok(default),
        t => crate::orders::parse_time_arg(t).ok_or_else(|| AdminError::BadRequest(format!("时间格式错误：{t}"))),
    };
    let until = time(&q.until, now)?;
    let since = time(&q.since, until - 86_400)?;
    if until < since || until - since > MAX_PERIOD_SECS {
        return Err(AdminError::BadRequest("对账区间无效（最长31天）".into()));
    }
    let engine = st.dispatcher.engine();
    let source = OrderSource::of(&engine.affiliates, platform, &st.settings.orders)
        .ok_or_else(|| AdminError::BadRequest(format!("未启用{}", platform.display_name())))?;
    let report = reconcile(&st.store, &source, since, until, now).await.map_err(|e| match e {
        OrdersError::Store(s) => AdminError::from(s),
        other => AdminError::Upstream(other.to_string()),
    })?;
    Ok(Some(report))
}

fn keys(list: &[String]) -> String {
    if list.is_empty() {
        return "<span class=muted>无</span>".into();
    }
    list.iter().map(|k| format!("<span class=tag>{}</span>", esc(k))).collect::<Vec<_>>().join(" ")
}

pub async fn page(
    State(st): State<AppState>,
    v: Admin,
    Query(q): Query<ReconcileQuery>,
) -> Result<Html<String>, PageError> {
    let report = data(&st, &v, &q).await;
    let mut b = String::from("<form method=get class=\"card row\" id=reconcile><label>平台<select name=platform>");
    for p in Platform::ALL {
        let sel = if q.platform == p.code() { " selected" } else { "" };
        let _ = write!(b, "<option value={}{sel}>{}</option>", p.code(), p.display_name());
    }
    let _ = write!(
        b,
        "</select></label><label>从<input name=since placeholder=2026-01-01 value=\"{}\"></label>\
         <label>到<input name=until placeholder=留空为现在 value=\"{}\"></label><button type=submit>对账</button></form>",
        esc(&q.since),
        esc(&q.until)
    );
    match report {
        Ok(None) => b.push_str("<p class=muted>选择平台和区间（北京时间，最长31天，默认最近24小时）后对账。</p>"),
        Ok(Some(r)) => {
            let clean =
                r.lost.is_empty() && r.extra.is_empty() && r.changed.is_empty() && r.missing_in_ledger.is_empty();
            let verdict = if clean { "<b class=ok>一致</b>" } else { "<b class=warn>有差异</b>" };
            let _ = write!(
                b,
                "<div class=cards><div class=card><span>结果</span>{verdict}</div>\
                 <div class=card><span>联盟订单</span><b>{}</b></div><div class=card><span>本地订单</span><b>{}</b></div>\
                 <div class=card><span>联盟佣金</span><b>{}</b></div><div class=card><span>本地佣金</span><b>{}</b></div>\
                 <div class=card><span>账本佣金</span><b>{}</b></div></div>",
                r.union_orders,
                r.stored_orders,
                yuan(r.union_commission),
                yuan(r.stored_commission),
                yuan(r.ledger_commission)
            );
            let _ = write!(
                b,
                "<h2>漏单（联盟有、本地无）</h2><p>{}</p><h2>多出（本地有、联盟无）</h2><p>{}</p><h2>账本未入账的已付款订单</h2><p>{}</p><h2>未归属会员</h2><p>{}</p><h2>状态或佣金不一致</h2>",
                keys(&r.lost),
                keys(&r.extra),
                keys(&r.missing_in_ledger),
                keys(&r.unattributed)
            );
            let rows: Vec<Vec<String>> = r
                .changed
                .iter()
                .map(|c| {
                    vec![
                        esc(&c.order_key),
                        c.union_lifecycle.display_name().into(),
                        c.stored_lifecycle.display_name().into(),
                        yuan(c.union_commission),
                        yuan(c.stored_commission),
                    ]
                })
                .collect();
            b.push_str(&html::table(&["订单号", "联盟状态", "本地状态", "联盟佣金", "本地佣金"], &rows));
        }
        Err(AdminError::BadRequest(m) | AdminError::Upstream(m)) => {
            let _ = write!(b, "<p class=error>{}</p>", esc(&m));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(html::page(&v, "/admin/reconciliation", "对账", &b))
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
