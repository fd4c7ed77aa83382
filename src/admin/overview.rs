//! 概览: the numbers of today, 7 and 30 days, a daily chart and the top groups.

use super::charts::{self, Series};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::GroupSummary;
use crate::store::order_list::PartnerMoney;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use std::fmt::Write as _;

const DAY_MS: i64 = 86_400_000;

/// Numbers over one period. Orders, GMV and commission count orders by their (local) day of payment; invalid
/// orders count for nothing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Period {
    pub conversions: i64,
    pub orders: i64,
    pub gmv: Fen,
    pub estimated_commission: Fen,
    pub settled_commission: Fen,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub today: Period,
    pub days_7: Period,
    pub days_30: Period,
    /// Local days (since 1970-01-01) of the chart, oldest first, and the conversions of each.
    pub days: Vec<i64>,
    pub conversions_per_day: Vec<i64>,
    pub estimated_per_day: Vec<Fen>,
    pub settled_per_day: Vec<Fen>,
    pub top_groups: Vec<GroupSummary>,
    /// By estimated commission over 30 days.
    pub top_partners: Vec<PartnerMoney>,
}

pub async fn data(st: &AppState, v: &Viewer) -> Result<Overview, AdminError> {
    let offset_ms = st.settings.chat.utc_offset_hours * 3_600_000;
    let now = st.clock.now_ms();
    let today = (now + offset_ms).div_euclid(DAY_MS);
    let first = today - 29;
    let since = first * DAY_MS - offset_ms;
    let counts = st.store.conversions_per_day(v.scope(), since, offset_ms).await?;
    let days: Vec<i64> = (first..=today).collect();
    let per_day: Vec<i64> = days.iter().map(|d| counts.iter().find(|c| c.day == *d).map_or(0, |c| c.count)).collect();
    let money = st.store.order_money_per_day(v.scope(), since.div_euclid(1000), offset_ms / 1000).await?;
    let money_of = |d: i64| money.iter().find(|m| m.day == d).copied().unwrap_or_default();
    let period = |n: usize| {
        let mut p = Period::default();
        for (d, conv) in days.iter().zip(&per_day).rev().take(n) {
            let m = money_of(*d);
            p.conversions += conv;
            p.orders += m.orders;
            p.gmv = p.gmv + m.gmv;
            p.estimated_commission = p.estimated_commission + m.estimated_commission;
            p.settled_commission = p.settled_commission + m.settled_commission;
        }
        p
    };
    let top_partners = st.store.top_partners(v.scope(), since.div_euclid(1000), 5).await?;
    let mut top_groups = st.store.groups_overview(v.scope(), now - 7 * DAY_MS).await?;
    top_groups.sort_by(|a, b| b.conversions_7d.cmp(&a.conversions_7d).then(a.id.cmp(&b.id)));
    top_groups.truncate(5);
    Ok(Overview {
        today: period(1),
        days_7: period(7),
        days_30: period(30),
        estimated_per_day: days.iter().map(|d| money_of(*d).estimated_commission).collect(),
        settled_per_day: days.iter().map(|d| money_of(*d).settled_commission).collect(),
        days,
        conversions_per_day: per_day,
        top_groups,
        top_partners,
    })
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let o = data(&st, &v).await?;
    let mut b = String::from(
        "<div class=scroll><table class=kpi><thead><tr><th></th><th>今日</th><th>近7天</th><th>近30天</th></tr></thead><tbody>",
    );
    let rows: [(&str, &str, fn(&Period) -> String); 5] = [
        ("kpi-conversions", "转链", |p| p.conversions.to_string()),
        ("kpi-orders", "订单", |p| p.orders.to_string()),
        ("kpi-gmv", "成交额（元）", |p| yuan(p.gmv)),
        ("kpi-estimated", "预估佣金（元）", |p| yuan(p.estimated_commission)),
        ("kpi-settled", "结算佣金（元）", |p| yuan(p.settled_commission)),
    ];
    for (id, label, f) in rows {
        let _ = write!(
            b,
            "<tr id={id}><th>{label}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            f(&o.today),
            f(&o.days_7),
            f(&o.days_30)
        );
    }
    b.push_str("</tbody></table></div>");
    b.push_str(&charts::daily_lines(
        "每日佣金",
        &o.days,
        &[
            Series { label: "预估佣金", class: "est", values: o.estimated_per_day.iter().map(|f| f.0).collect() },
            Series { label: "结算佣金", class: "settled", values: o.settled_per_day.iter().map(|f| f.0).collect() },
        ],
        |fen| yuan(Fen(fen)),
    ));
    b.push_str(&charts::daily_lines(
        "每日转链",
        &o.days,
        &[Series { label: "转链", class: "est", values: o.conversions_per_day.clone() }],
        |n| n.to_string(),
    ));
    b.push_str("<h2>活跃群（近7天）</h2>");
    let rows: Vec<Vec<String>> = o
        .top_groups
        .iter()
        .map(|g| {
            vec![
                format!(
                    "<a href=\"/admin/groups/{}\">{}</a>",
                    g.id,
                    esc(if g.name.is_empty() { &g.room_id } else { &g.name })
                ),
                esc(g.partner_name.as_deref().unwrap_or("-")),
                g.conversions_7d.to_string(),
            ]
        })
        .collect();
    b.push_str(&html::table(&["群", "合伙人", "转链"], &rows));
    b.push_str("<h2>合伙人（近30天预估佣金）</h2>");
    let rows: Vec<Vec<String>> = o
        .top_partners
        .iter()
        .map(|p| {
            vec![
                format!("<a href=\"/admin/partners/{}\">{}</a>", p.partner_id, esc(&p.name)),
                p.orders.to_string(),
                yuan(p.estimated_commission),
            ]
        })
        .collect();
    b.push_str(&html::table(&["合伙人", "订单", "预估佣金（元）"], &rows));
    Ok(html::page(&v, "/admin", "概览", &b))
}

pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Overview>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
