//! 概览: the numbers of today, 7 and 30 days, a daily chart and the top groups.

use super::charts::{self, Series};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::GroupSummary;
use crate::store::money_stats::{DayMoney, PartnerMoney, RebatesOwed};
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use std::fmt::Write as _;

const DAY_MS: i64 = 86_400_000;

/// Numbers over one period: conversions, and the ledger's figures of orders paid in it (local days).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Period {
    pub conversions: i64,
    #[serde(flatten)]
    pub money: DayMoney,
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
    /// What members are owed now.
    pub rebates_owed: RebatesOwed,
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
    let money = st.store.money_per_day(v.scope(), first).await?;
    let money_of = |d: i64| money.iter().find(|m| m.day == d).copied().unwrap_or_default();
    let period = |n: usize| {
        let mut p = Period::default();
        for (d, conv) in days.iter().zip(&per_day).rev().take(n) {
            p.conversions += conv;
            p.money = p.money.plus(money_of(*d));
        }
        p.money.day = today;
        p
    };
    let top_partners = st.store.top_partners(v.scope(), first, 5).await?;
    let rebates_owed = st.store.rebates_owed(v.scope()).await?;
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
        rebates_owed,
    })
}

/// A row of the figures table: element id, label, how to show a period's value.
type KpiRow = (&'static str, &'static str, fn(&Period) -> String);

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let o = data(&st, &v).await?;
    let mut b = String::from(
        "<div class=scroll><table class=kpi><thead><tr><th></th><th>今日</th><th>近7天</th><th>近30天</th></tr></thead><tbody>",
    );
    let rows: [KpiRow; 7] = [
        ("kpi-conversions", "转链", |p| p.conversions.to_string()),
        ("kpi-orders", "订单", |p| p.money.orders.to_string()),
        ("kpi-invalid", "其中失效", |p| p.money.invalid_orders.to_string()),
        ("kpi-gmv", "成交额（元）", |p| yuan(p.money.gmv)),
        ("kpi-estimated", "预估佣金（元）", |p| yuan(p.money.estimated_commission)),
        ("kpi-settled", "结算佣金（元）", |p| yuan(p.money.settled_commission)),
        ("kpi-rebate", "预估返利（元）", |p| yuan(p.money.estimated_rebate)),
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
    let owed = &o.rebates_owed;
    let _ = write!(
        b,
        "<h2>应付会员返利（元）</h2><div class=cards id=owed><div class=card><span>待结算</span><b>{}</b></div>\
         <div class=card><span>可提现</span><b>{}</b></div><div class=card><span>提现中</span><b>{}</b></div>\
         <div class=card><span>已支付</span><b>{}</b></div></div>",
        yuan(owed.pending),
        yuan(owed.available),
        yuan(owed.withdrawing),
        yuan(owed.paid_out)
    );
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
