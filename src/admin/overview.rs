//! 概览: the numbers of today, 7 and 30 days, a daily chart and the top groups.

use super::charts::{self, Series};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::GroupSummary;
use crate::store::money_stats::{PartnerMoney, RebatesOwed};
use crate::store::stats_money::MoneyScope;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use std::fmt::Write as _;

const DAY_MS: i64 = 86_400_000;

/// Figures of a day or a period: conversions, and the ledger's figures of the orders paid in it (local days), from
/// the ledger's money report.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub conversions: i64,
    /// Orders booked.
    pub orders: i64,
    /// Of which later invalid (refunds, risk control).
    pub invalid_orders: i64,
    pub gmv: Fen,
    pub estimated_commission: Fen,
    pub settled_commission: Fen,
    /// Members' rebates as estimated at booking (less reversals).
    pub estimated_rebate: Fen,
}

impl Figures {
    fn plus(self, o: &Figures) -> Figures {
        Figures {
            conversions: self.conversions + o.conversions,
            orders: self.orders + o.orders,
            invalid_orders: self.invalid_orders + o.invalid_orders,
            gmv: self.gmv + o.gmv,
            estimated_commission: self.estimated_commission + o.estimated_commission,
            settled_commission: self.settled_commission + o.settled_commission,
            estimated_rebate: self.estimated_rebate + o.estimated_rebate,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub today: Figures,
    pub days_7: Figures,
    pub days_30: Figures,
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
    let scope = match v.scope() {
        None => MoneyScope::All,
        Some(p) => MoneyScope::Partner(p),
    };
    let report = st.store.money_report(scope, first, today, st.settings.chat.utc_offset_hours).await?;
    let days: Vec<i64> = (first..=today).collect();
    // The report has one row per day and platform; the overview adds the platforms up.
    let money_of = |d: i64| {
        report.iter().filter(|r| r.day == d && !r.platform.is_empty()).fold(Figures::default(), |acc, r| Figures {
            conversions: acc.conversions + r.conversions,
            orders: acc.orders + r.orders,
            invalid_orders: acc.invalid_orders + r.invalid_orders,
            gmv: acc.gmv + r.gmv,
            estimated_commission: acc.estimated_commission + r.commission_estimated,
            settled_commission: acc.settled_commission + r.commission_settled,
            estimated_rebate: acc.estimated_rebate + r.rebate_estimated,
        })
    };
    let per_day: Vec<Figures> = days.iter().map(|d| money_of(*d)).collect();
    let period = |n: usize| per_day.iter().rev().take(n).fold(Figures::default(), |a, b| a.plus(b));
    let top_partners = st.store.top_partners(v.scope(), first, 5).await?;
    let rebates_owed = st.store.rebates_owed(v.scope()).await?;
    let mut top_groups = st.store.groups_overview(v.scope(), now - 7 * DAY_MS).await?;
    top_groups.sort_by(|a, b| b.conversions_7d.cmp(&a.conversions_7d).then(a.id.cmp(&b.id)));
    top_groups.truncate(5);
    Ok(Overview {
        today: period(1),
        days_7: period(7),
        days_30: period(30),
        estimated_per_day: per_day.iter().map(|f| f.estimated_commission).collect(),
        settled_per_day: per_day.iter().map(|f| f.settled_commission).collect(),
        conversions_per_day: per_day.iter().map(|f| f.conversions).collect(),
        days,
        top_groups,
        top_partners,
        rebates_owed,
    })
}

/// A row of the figures table: element id, label, how to show a period's value.
type KpiRow = (&'static str, &'static str, fn(&Figures) -> String);

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let o = data(&st, &v).await?;
    let mut b = String::from(
        "<div class=scroll><table class=kpi><thead><tr><th></th><th>今日</th><th>近7天</th><th>近30天</th></tr></thead><tbody>",
    );
    let rows: [KpiRow; 7] = [
        ("kpi-conversions", "转链", |p| p.conversions.to_string()),
        ("kpi-orders", "订单", |p| p.orders.to_string()),
        ("kpi-invalid", "其中失效", |p| p.invalid_orders.to_string()),
        ("kpi-gmv", "成交额（元）", |p| yuan(p.gmv)),
        ("kpi-estimated", "预估佣金（元）", |p| yuan(p.estimated_commission)),
        ("kpi-settled", "结算佣金（元）", |p| yuan(p.settled_commission)),
        ("kpi-rebate", "预估返利（元）", |p| yuan(p.estimated_rebate)),
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
    b.push_str(&super::posting::overview_sources(&st, &v).await?);
    Ok(html::page(&v, "/admin", "概览", &b))
}

/// Overview: rebates owed, conversions and commission per day, top groups and partners.
#[utoipa::path(
    get,
    path = "/admin/api/overview",
    tag = "overview",
    responses((status = 200, body = Overview)),
)]
pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Overview>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
