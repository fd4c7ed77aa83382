//! 概览: the numbers of today, 7 and 30 days, a daily chart and the top groups.

use super::charts::{self, Series};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc};
use super::session::Viewer;
use crate::http::AppState;
use crate::store::dashboard::GroupSummary;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use std::fmt::Write as _;

const DAY_MS: i64 = 86_400_000;

/// Numbers over one period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Period {
    pub conversions: i64,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub today: Period,
    pub days_7: Period,
    pub days_30: Period,
    /// Local days (since 1970-01-01) of the chart, oldest first, and the conversions of each.
    pub days: Vec<i64>,
    pub conversions_per_day: Vec<i64>,
    pub top_groups: Vec<GroupSummary>,
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
    let sum_last = |n: usize| per_day.iter().rev().take(n).sum::<i64>();
    let mut top_groups = st.store.groups_overview(v.scope(), now - 7 * DAY_MS).await?;
    top_groups.sort_by(|a, b| b.conversions_7d.cmp(&a.conversions_7d).then(a.id.cmp(&b.id)));
    top_groups.truncate(5);
    Ok(Overview {
        today: Period { conversions: sum_last(1) },
        days_7: Period { conversions: sum_last(7) },
        days_30: Period { conversions: sum_last(30) },
        days,
        conversions_per_day: per_day,
        top_groups,
    })
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let o = data(&st, &v).await?;
    let mut b = String::from(
        "<div class=scroll><table class=kpi><thead><tr><th></th><th>今日</th><th>近7天</th><th>近30天</th></tr></thead><tbody>",
    );
    let _ = write!(
        b,
        "<tr id=kpi-conversions><th>转链</th><td>{}</td><td>{}</td><td>{}</td></tr>",
        o.today.conversions, o.days_7.conversions, o.days_30.conversions
    );
    b.push_str("</tbody></table></div>");
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
    Ok(html::page(&v, "/admin", "概览", &b))
}

pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Overview>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}
