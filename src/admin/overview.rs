//! 概览: the numbers of today, 7 and 30 days, a daily chart and the top groups.

use super::charts::{self, Series};
use super::error::{AdminError, ApiError, PageError};
use super::format::yuan;
use super::groups;
use super::session::Viewer;
use super::text::people as x;
use super::view;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::GroupSummary;
use crate::store::money_stats::{PartnerMoney, RebatesOwed};
use crate::store::stats_money::{MoneyRow, MoneyScope};
use axum::Json;
use axum::extract::State;
use maud::{Markup, Render, html};
use serde::Serialize;

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
    /// The figures of one row of the ledger's money report.
    fn of(r: &MoneyRow) -> Figures {
        Figures {
            conversions: r.conversions,
            orders: r.orders,
            invalid_orders: r.invalid_orders,
            gmv: r.gmv,
            estimated_commission: r.commission_estimated,
            settled_commission: r.commission_settled,
            estimated_rebate: r.rebate_estimated,
        }
    }

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
        report
            .iter()
            .filter(|r| r.day == d && !r.platform.is_empty())
            .fold(Figures::default(), |acc, r| acc.plus(&Figures::of(r)))
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

/// A figure card: its label above its value.
pub(super) fn card(label: &str, value: impl Render) -> Markup {
    html! { div.card { span { (label) } b { (value) } } }
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Markup, PageError> {
    let o = data(&st, &v).await?;
    let kpis: [KpiRow; 7] = [
        ("kpi-conversions", x::CONVERSIONS, |p| p.conversions.to_string()),
        ("kpi-orders", x::ORDERS, |p| p.orders.to_string()),
        ("kpi-invalid", x::INVALID_ORDERS, |p| p.invalid_orders.to_string()),
        ("kpi-gmv", x::GMV_YUAN, |p| yuan(p.gmv)),
        ("kpi-estimated", x::ESTIMATED_COMMISSION_YUAN, |p| yuan(p.estimated_commission)),
        ("kpi-settled", x::SETTLED_COMMISSION_YUAN, |p| yuan(p.settled_commission)),
        ("kpi-rebate", x::ESTIMATED_REBATE_YUAN, |p| yuan(p.estimated_rebate)),
    ];
    let owed = &o.rebates_owed;
    let groups: Vec<Vec<Markup>> = o
        .top_groups
        .iter()
        .map(|g| {
            vec![groups::link(g), html! { (g.partner_name.as_deref().unwrap_or("-")) }, html! { (g.conversions_7d) }]
        })
        .collect();
    let partners: Vec<Vec<Markup>> = o
        .top_partners
        .iter()
        .map(|p| {
            vec![
                html! { a href={ "/admin/partners/" (p.partner_id) } { (p.name) } },
                html! { (p.orders) },
                html! { (yuan(p.estimated_commission)) },
            ]
        })
        .collect();
    let sources = super::posting::overview_sources(&st, &v).await?;
    let body = html! {
        div.scroll {
            table.kpi {
                thead { tr { th {} th { (x::TODAY) } th { (x::LAST_7_DAYS) } th { (x::LAST_30_DAYS) } } }
                tbody {
                    @for (id, label, f) in kpis {
                        tr id=(id) { th { (label) } td { (f(&o.today)) } td { (f(&o.days_7)) } td { (f(&o.days_30)) } }
                    }
                }
            }
        }
        h2 { (x::REBATES_OWED_YUAN) }
        div.cards #owed {
            (card(x::PENDING, yuan(owed.pending)))
            (card(x::AVAILABLE, yuan(owed.available)))
            (card(x::WITHDRAWING, yuan(owed.withdrawing)))
            (card(x::PAID_OUT, yuan(owed.paid_out)))
        }
        (charts::daily_lines(
            x::DAILY_COMMISSION,
            &o.days,
            &[
                Series { label: x::ESTIMATED_COMMISSION, class: "est", values: o.estimated_per_day.iter().map(|f| f.0).collect() },
                Series { label: x::SETTLED_COMMISSION, class: "settled", values: o.settled_per_day.iter().map(|f| f.0).collect() },
            ],
            |fen| yuan(Fen(fen)),
        ))
        (charts::daily_lines(
            x::DAILY_CONVERSIONS,
            &o.days,
            &[Series { label: x::CONVERSIONS, class: "est", values: o.conversions_per_day.clone() }],
            |n| n.to_string(),
        ))
        h2 { (x::ACTIVE_GROUPS) }
        (view::table(x::ACTIVE_GROUPS_COLUMNS, &groups))
        h2 { (x::TOP_PARTNERS) }
        (view::table(x::TOP_PARTNERS_COLUMNS, &partners))
        (sources)
    };
    Ok(view::page(&v, "/admin", x::OVERVIEW, body))
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
