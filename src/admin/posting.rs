//! 发单: posting plans on the dashboard (list, create, edit, switch on/off), recent deliveries, and what posts
//! earned per plan, per group and per post (orders counted through the attribution tag each post's link carried).
//! The same data and actions as JSON under `/admin/api/posting/…`. Plans are checked by `Plan::validate`, the
//! check the owners' chat commands use.
//!
//! A partner sees and manages only plans whose targets are all their own groups (a list of them, or "all groups
//! of" their partner id); plans on every enabled group are admin only.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::groups::{serde_urlencoded_form, urlenc};
use super::session::Viewer;
use super::text::posting as x;
use super::view;
use crate::feeds::FeedFilter;
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::posting::{Cadence, Content, Plan, Schedule, Source, Targets, TimeWindow};
use crate::store::posting_admin::{DeliveryListRow, PlanRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const RECENT: i64 = 100;

/// A plan as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: i64,
    #[serde(flatten)]
    pub plan: Plan,
    /// Set for a plan an owner made from the chat.
    pub chat_group_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Counts and money of one plan, group or post. Money in 分.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Earned {
    pub queued: i64,
    pub failed: i64,
    /// Skipped deliveries by reason code.
    pub skipped: BTreeMap<String, i64>,
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostStat {
    pub delivery_id: i64,
    pub plan_id: i64,
    pub group_id: i64,
    pub item_key: String,
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub plans: BTreeMap<i64, Earned>,
    pub groups: BTreeMap<i64, Earned>,
    /// Posts that brought orders.
    pub posts: Vec<PostStat>,
    /// Every group in scope: what posts earned beside everything else.
    pub sources: Sources,
}

/// Orders and their money (分), invalid orders left out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Money {
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

impl Money {
    fn of(e: &Earned) -> Money {
        Money { orders: e.orders, gmv_fen: e.gmv_fen, estimated_fen: e.estimated_fen, settled_fen: e.settled_fen }
    }

    fn plus(self, o: Money) -> Money {
        Money {
            orders: self.orders + o.orders,
            gmv_fen: self.gmv_fen + o.gmv_fen,
            estimated_fen: self.estimated_fen + o.estimated_fen,
            settled_fen: self.settled_fen + o.settled_fen,
        }
    }

    fn minus(self, o: Money) -> Money {
        Money {
            orders: self.orders - o.orders,
            gmv_fen: self.gmv_fen - o.gmv_fen,
            estimated_fen: self.estimated_fen - o.estimated_fen,
            settled_fen: self.settled_fen - o.settled_fen,
        }
    }
}

/// Where a group's (or every group's) orders came from: plans' posts (through the tag each post's link carried),
/// and everything else (members' pasted links and searches, mass posts).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sources {
    pub posts: Money,
    pub others: Money,
}

/// The sources of the orders of `group` (every group in scope when `None`).
fn sources(
    stats: &BTreeMap<i64, Earned>,
    all: &[crate::store::posting_admin::GroupOrders],
    group: Option<i64>,
) -> Sources {
    let wanted = |g: i64| group.is_none_or(|x| x == g);
    let posts = stats.iter().filter(|(g, _)| wanted(**g)).fold(Money::default(), |m, (_, e)| m.plus(Money::of(e)));
    let total = all.iter().filter(|o| wanted(o.group_id)).fold(Money::default(), |m, o| {
        m.plus(Money {
            orders: o.orders,
            gmv_fen: o.gmv_fen,
            estimated_fen: o.estimated_fen,
            settled_fen: o.settled_fen,
        })
    });
    Sources { posts, others: total.minus(posts) }
}

/// The sources as a small table (概览 and 群 pages).
pub fn sources_table(s: &Sources) -> Markup {
    let row = |label: &str, m: &Money| {
        vec![
            html! { (label) },
            html! { (m.orders) },
            html! { (yuan(Fen(m.gmv_fen))) },
            html! { (yuan(Fen(m.estimated_fen))) },
            html! { (yuan(Fen(m.settled_fen))) },
        ]
    };
    let rows = [row(x::SOURCE_POSTS, &s.posts), row(x::SOURCE_OTHERS, &s.others)];
    html! { div #earned-sources { (view::table(x::SOURCES_COLUMNS, &rows)) } }
}

/// Where the orders of every group in scope came from, for the 概览 page. Markup as a `String` while the 概览 page
/// still builds strings.
pub async fn overview_sources(st: &AppState, v: &Viewer) -> Result<Markup, AdminError> {
    let s = stats_data(st, v).await?.sources;
    Ok(html! { h2 { (x::SOURCES_HEADING) } (sources_table(&s)) })
}

/// Whether the viewer may see and change a plan with these targets.
async fn may_manage(st: &AppState, v: &Viewer, targets: &Targets) -> Result<bool, AdminError> {
    let Some(p) = v.scope() else { return Ok(true) };
    Ok(match targets {
        Targets::AllEnabled => false,
        Targets::Partner(q) => *q == p,
        Targets::Groups(ids) => {
            for id in ids {
                match st.store.group_by_id(*id).await? {
                    Some(g) if g.partner_id == Some(p) => {}
                    _ => return Ok(false),
                }
            }
            !ids.is_empty()
        }
    })
}

pub async fn plans_data(st: &AppState, v: &Viewer) -> Result<Vec<PlanView>, AdminError> {
    let mut out = Vec::new();
    for r in st.store.posting_plans().await? {
        if may_manage(st, v, &r.stored.plan.targets).await? {
            out.push(view(r));
        }
    }
    Ok(out)
}

fn view(r: PlanRow) -> PlanView {
    PlanView {
        id: r.stored.id,
        plan: r.stored.plan,
        chat_group_id: r.stored.chat_group_id,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Checks (the chat commands' check, then the viewer's right to the targets) and stores; returns the plan's id.
pub async fn save(st: &AppState, v: &Viewer, id: Option<i64>, plan: &Plan) -> Result<i64, AdminError> {
    let templates = st.dispatcher.engine().renderer.template_names();
    plan.validate_with(&templates).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    if let Targets::Groups(ids) = &plan.targets {
        for gid in ids {
            if st.store.group_by_id(*gid).await?.is_none() {
                return Err(AdminError::BadRequest(x::group_missing(*gid)));
            }
        }
    }
    if !may_manage(st, v, &plan.targets).await? {
        return Err(AdminError::Forbidden);
    }
    let now = st.clock.now_ms();
    match id {
        None => Ok(st.store.create_plan(plan, now).await?),
        Some(id) => {
            let old = st.store.posting_plan(id).await?;
            if !may_manage(st, v, &old.stored.plan.targets).await? {
                return Err(AdminError::Forbidden);
            }
            st.store.update_plan(id, plan, now).await?;
            Ok(id)
        }
    }
}

pub async fn switch(st: &AppState, v: &Viewer, id: i64, enabled: bool) -> Result<(), AdminError> {
    let mut plan = st.store.posting_plan(id).await?.stored.plan;
    plan.enabled = enabled;
    save(st, v, Some(id), &plan).await.map(|_| ())
}

pub async fn deliveries_data(
    st: &AppState,
    v: &Viewer,
    plan_id: Option<i64>,
) -> Result<Vec<DeliveryListRow>, AdminError> {
    Ok(st.store.recent_deliveries(v.scope(), plan_id, RECENT).await?)
}

pub async fn stats_data(st: &AppState, v: &Viewer) -> Result<Stats, AdminError> {
    let mut plans: BTreeMap<i64, Earned> = BTreeMap::new();
    let mut groups: BTreeMap<i64, Earned> = BTreeMap::new();
    for c in st.store.delivery_counts(v.scope()).await? {
        for e in [plans.entry(c.plan_id).or_default(), groups.entry(c.group_id).or_default()] {
            match c.status.as_str() {
                "queued" => e.queued += c.count,
                "failed" => e.failed += c.count,
                _ => *e.skipped.entry(c.reason.clone().unwrap_or_default()).or_default() += c.count,
            }
        }
    }
    let mut posts = Vec::new();
    for o in st.store.delivery_orders(v.scope()).await? {
        for e in [plans.entry(o.plan_id).or_default(), groups.entry(o.group_id).or_default()] {
            e.orders += o.orders;
            e.gmv_fen += o.gmv_fen;
            e.estimated_fen += o.estimated_fen;
            e.settled_fen += o.settled_fen;
        }
        posts.push(PostStat {
            delivery_id: o.delivery_id,
            plan_id: o.plan_id,
            group_id: o.group_id,
            item_key: o.item_key,
            orders: o.orders,
            gmv_fen: o.gmv_fen,
            estimated_fen: o.estimated_fen,
            settled_fen: o.settled_fen,
        });
    }
    let all = st.store.group_orders(v.scope()).await?;
    let sources = sources(&groups, &all, None);
    Ok(Stats { plans, groups, posts, sources })
}

/// What posted content earned in one group, for the 群 page. Markup as a `String` while the 群 page still builds
/// strings.
pub async fn group_earned(st: &AppState, v: &Viewer, group_id: i64) -> Result<Markup, AdminError> {
    let mut stats = stats_data(st, v).await?;
    let all = st.store.group_orders(v.scope()).await?;
    let split = sources(&stats.groups, &all, Some(group_id));
    let e = stats.groups.remove(&group_id).unwrap_or_default();
    let cards = [
        (x::SENT, e.queued.to_string()),
        (x::SKIPPED, e.skipped.values().sum::<i64>().to_string()),
        (x::ORDERS, e.orders.to_string()),
        (x::GMV, yuan(Fen(e.gmv_fen))),
        (x::ESTIMATED, yuan(Fen(e.estimated_fen))),
        (x::SETTLED, yuan(Fen(e.settled_fen))),
    ];
    Ok(html! {
        h2 { (x::EARNED_HEADING) }
        div.cards.posting-earned {
            @for (label, figure) in &cards {
                div.card { span { (label) } b { (figure) } }
            }
        }
        (sources_table(&split))
    })
}

// ---- the form ----

/// The plan form as posted: lists separated by spaces or commas, amounts in 元.
#[derive(Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub name: String,
    /// `groups`, `partner` or `all`.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub partner_id: String,
    /// `selection` or `items`.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub items: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub min_commission: String,
    #[serde(default)]
    pub windows: String,
    /// Minutes between posts; empty when `times` is given.
    #[serde(default)]
    pub interval: String,
    /// Fixed local times, `10:00 20:30`.
    #[serde(default)]
    pub times: String,
    #[serde(default)]
    pub cap_hour: String,
    #[serde(default)]
    pub cap_day: String,
    pub enabled: Option<String>,
    /// Items per post: `1`, or `3`–`5` for a list post.
    #[serde(default)]
    pub per_post: String,
    /// A loaded poster template's name; empty: the group's.
    #[serde(default)]
    pub poster_template: String,
    /// A copy template; empty: the group's.
    #[serde(default)]
    pub copy_template: String,
}

/// The words of a list field: separated by white space or commas (ASCII or full-width).
pub(super) fn list(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == x::FULL_WIDTH_COMMA).filter(|t| !t.is_empty()).collect()
}

fn ids(s: &str, what: &str) -> Result<Vec<i64>, AdminError> {
    list(s).into_iter().map(|t| t.parse().map_err(|_| AdminError::BadRequest(x::bad_format(what)))).collect()
}

fn number(s: &str, what: &str) -> Result<u32, AdminError> {
    match s.trim() {
        "" => Ok(0),
        t => t.parse().map_err(|_| AdminError::BadRequest(x::bad_format(what))),
    }
}

fn minute_of_day(t: &str) -> Result<u16, AdminError> {
    let bad = || AdminError::BadRequest(x::BAD_TIME.into());
    let (h, m) = t
        .replace(x::FULL_WIDTH_COLON, ":")
        .split_once(':')
        .map_or((t.to_string(), "0".to_string()), |(h, m)| (h.into(), m.into()));
    let (h, m): (u16, u16) = (h.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl PlanForm {
    pub fn plan(&self) -> Result<Plan, AdminError> {
        let targets = match self.target.as_str() {
            "partner" => Targets::Partner(
                self.partner_id.trim().parse().map_err(|_| AdminError::BadRequest(x::BAD_PARTNER_ID.into()))?,
            ),
            "all" => Targets::AllEnabled,
            _ => Targets::Groups(ids(&self.groups, x::GROUP_IDS)?),
        };
        let source = match self.source.as_str() {
            "items" => Source::Items(ids(&self.items, x::ITEM_IDS)?),
            "collection" => Source::Collection,
            _ => {
                let platforms = match self.platform.trim() {
                    "" => Vec::new(),
                    p => vec![p.parse::<Platform>().map_err(|_| AdminError::BadRequest(x::BAD_PLATFORM.into()))?],
                };
                let min_commission = match self.min_commission.trim() {
                    "" => None,
                    s => Some(Fen::from_yuan_str(s).map_err(|_| AdminError::BadRequest(x::BAD_COMMISSION.into()))?),
                };
                let filter = FeedFilter {
                    platforms,
                    min_commission,
                    keywords: list(&self.keywords).into_iter().map(str::to_string).collect(),
                    ..FeedFilter::default()
                }
                .bounded();
                Source::Selection(Box::new(filter))
            }
        };
        let windows = list(&self.windows)
            .into_iter()
            .map(|w| w.parse::<TimeWindow>().map_err(|_| AdminError::BadRequest(x::BAD_WINDOWS.into())))
            .collect::<Result<Vec<_>, _>>()?;
        let cadence = if self.times.trim().is_empty() {
            match number(&self.interval, x::INTERVAL)? {
                0 if matches!(source, Source::Collection) => Cadence::AsTheyCome,
                m => Cadence::EveryMinutes(m),
            }
        } else {
            Cadence::At(list(&self.times).into_iter().map(minute_of_day).collect::<Result<Vec<_>, _>>()?)
        };
        Ok(Plan {
            name: self.name.trim().to_string(),
            targets,
            source,
            schedule: Schedule {
                windows,
                cadence,
                cap_per_hour: number(&self.cap_hour, x::CAP_HOUR)?,
                cap_per_day: number(&self.cap_day, x::CAP_DAY)?,
            },
            enabled: self.enabled.is_some(),
            content: Content {
                poster_template: Some(self.poster_template.trim().to_string()).filter(|t| !t.is_empty()),
                copy_template: Some(self.copy_template.trim().to_string()).filter(|t| !t.is_empty()),
                items: match self.per_post.trim() {
                    "" => 1,
                    n => n.parse().map_err(|_| AdminError::BadRequest(x::BAD_PER_POST.into()))?,
                },
            },
        })
    }

    /// The form filled from a stored plan.
    fn of(p: &Plan) -> PlanForm {
        let join = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
        let mut f = PlanForm { name: p.name.clone(), enabled: p.enabled.then(String::new), ..PlanForm::default() };
        match &p.targets {
            Targets::Groups(g) => (f.target, f.groups) = ("groups".into(), join(g)),
            Targets::Partner(id) => (f.target, f.partner_id) = ("partner".into(), id.to_string()),
            Targets::AllEnabled => f.target = "all".into(),
        }
        match &p.source {
            Source::Items(items) => (f.source, f.items) = ("items".into(), join(items)),
            Source::Collection => f.source = "collection".into(),
            Source::Selection(filter) => {
                f.source = "selection".into();
                f.platform = filter.platforms.first().map(|p| p.code().to_string()).unwrap_or_default();
                f.keywords = filter.keywords.join(" ");
                f.min_commission = filter.min_commission.map(format::yuan).unwrap_or_default();
            }
        }
        f.windows = p.schedule.windows.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        match &p.schedule.cadence {
            Cadence::EveryMinutes(m) => f.interval = m.to_string(),
            Cadence::AsTheyCome => f.interval = "0".into(),
            Cadence::At(t) => f.times = clock_times(t),
        }
        f.cap_hour = p.schedule.cap_per_hour.to_string();
        f.cap_day = p.schedule.cap_per_day.to_string();
        f.per_post = p.content.items.to_string();
        f.poster_template = p.content.poster_template.clone().unwrap_or_default();
        f.copy_template = p.content.copy_template.clone().unwrap_or_default();
        f
    }
}

fn describe_targets(t: &Targets) -> String {
    match t {
        Targets::Groups(g) => x::target_groups(&g.iter().map(i64::to_string).collect::<Vec<_>>()),
        Targets::Partner(p) => x::target_partner(*p),
        Targets::AllEnabled => x::TARGET_ALL_ENABLED.into(),
    }
}

fn describe_source(s: &Source) -> String {
    match s {
        Source::Items(i) => x::source_items(i.len()),
        Source::Collection => x::SOURCE_COLLECTION.to_string(),
        Source::Selection(f) => {
            let mut d = String::from(x::SOURCE_SELECTION);
            if let Some(p) = f.platforms.first() {
                let _ = write!(d, " · {}", p.display_name());
            }
            if !f.keywords.is_empty() {
                d.push_str(&x::with_keywords(&f.keywords.join(" ")));
            }
            if let Some(c) = f.min_commission {
                d.push_str(&x::with_min_commission(&yuan(c)));
            }
            d
        }
    }
}

/// Minutes of the day as `10:00 20:30`.
fn clock_times(t: &[u16]) -> String {
    t.iter().map(|m| format!("{:02}:{:02}", m / 60, m % 60)).collect::<Vec<_>>().join(" ")
}

fn describe_schedule(s: &Schedule) -> String {
    let windows = s.windows.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    let cadence = match &s.cadence {
        Cadence::EveryMinutes(m) => x::every_minutes(*m),
        Cadence::AsTheyCome => x::AS_THEY_COME.to_string(),
        Cadence::At(t) => x::at_times(&clock_times(t)),
    };
    x::schedule(&windows, &cadence, s.cap_per_hour, s.cap_per_day)
}

fn describe_content(c: &Content) -> String {
    let mut d = if c.items > 1 { x::list_post(c.items) } else { x::SINGLE_POST.to_string() };
    if let Some(t) = &c.poster_template {
        d.push_str(&x::with_poster(t));
    }
    if c.copy_template.is_some() {
        d.push_str(x::WITH_CUSTOM_COPY);
    }
    d
}

fn field(name: &str, label: &str, value: &str) -> Markup {
    html! { label { (label) input name=(name) value=(value) maxlength="200"; } }
}

fn plan_form(v: &Viewer, id: Option<i64>, f: &PlanForm, templates: &[String]) -> Markup {
    let action = id.map_or_else(|| "/admin/posting/plans".to_string(), |i| format!("/admin/posting/plans/{i}"));
    let mut platforms = vec![("", x::ALL_PLATFORMS)];
    platforms.extend(Platform::ALL.iter().map(|p| (p.code(), p.display_name())));
    let mut posters = vec![("", x::POSTER_OF_GROUP)];
    posters.extend(templates.iter().map(|t| (t.as_str(), t.as_str())));
    let form = html! {
        h2 { (if id.is_some() { x::EDIT_PLAN } else { x::NEW_PLAN }) }
        (field("name", x::PLAN_NAME, &f.name))
        (view::select("target", &f.target, x::TARGET_OPTIONS))
        (field("groups", x::GROUP_IDS_FIELD, &f.groups))
        (field("partner_id", x::PARTNER_ID, &f.partner_id))
        (view::select("source", &f.source, x::SOURCE_OPTIONS))
        (view::select("platform", &f.platform, &platforms))
        (field("keywords", x::KEYWORDS, &f.keywords))
        (field("min_commission", x::MIN_COMMISSION, &f.min_commission))
        (field("items", x::ITEM_IDS_FIELD, &f.items))
        (field("windows", x::WINDOWS_FIELD, &f.windows))
        (field("interval", x::INTERVAL_FIELD, &f.interval))
        (field("times", x::TIMES_FIELD, &f.times))
        (field("cap_hour", x::CAP_HOUR, &f.cap_hour))
        (field("cap_day", x::CAP_DAY, &f.cap_day))
        (view::select("per_post", &f.per_post, x::PER_POST_OPTIONS))
        (view::select("poster_template", &f.poster_template, &posters))
        (field("copy_template", x::COPY_TEMPLATE_FIELD, &f.copy_template))
        label { input type="checkbox" name="enabled" value="1" checked[f.enabled.is_some()]; (x::ON) }
        button type="submit" { (x::SAVE_PLAN) }
    };
    view::form(v, &action, "card filters", form)
}

fn status_label(s: &str) -> &'static str {
    match s {
        "queued" => x::DELIVERY_SENT,
        "skipped" => x::DELIVERY_SKIPPED,
        _ => x::DELIVERY_FAILED,
    }
}

/// The money cells of a row: GMV, estimated and settled commission, in 元.
fn money_cells(gmv_fen: i64, estimated_fen: i64, settled_fen: i64) -> [Markup; 3] {
    [html! { (yuan(Fen(gmv_fen))) }, html! { (yuan(Fen(estimated_fen))) }, html! { (yuan(Fen(settled_fen))) }]
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub msg: Option<String>,
    pub edit: Option<i64>,
}

/// The plans with what each earned, and their switch and edit links.
fn plans_table(v: &Viewer, plans: &[PlanView], stats: &Stats) -> Markup {
    let rows: Vec<Vec<Markup>> = plans
        .iter()
        .map(|p| {
            let e = stats.plans.get(&p.id).cloned().unwrap_or_default();
            let toggle = view::form(
                v,
                &format!("/admin/posting/plans/{}/enabled", p.id),
                "inline",
                html! {
                    input type="hidden" name="enabled" value=(if p.plan.enabled { 0 } else { 1 });
                    button type="submit" { (if p.plan.enabled { x::OFF } else { x::ON }) }
                },
            );
            let mut row = vec![
                html! { (p.id) },
                html! { span.plan-name { (p.plan.name) } },
                html! { (describe_targets(&p.plan.targets)) },
                html! { (describe_source(&p.plan.source)) },
                html! { (describe_schedule(&p.plan.schedule)) " · " (describe_content(&p.plan.content)) },
                html! {
                    @if p.plan.enabled { b.ok { (x::ON) } } @else { span.muted { (x::OFF) } }
                },
                html! { (e.queued) },
                html! { (e.skipped.values().sum::<i64>()) },
                html! { (e.orders) },
            ];
            row.extend(money_cells(e.gmv_fen, e.estimated_fen, e.settled_fen));
            row.push(html! { (toggle) " " a href={ "/admin/posting?edit=" (p.id) } { (x::EDIT) } });
            row
        })
        .collect();
    view::table(x::PLAN_COLUMNS, &rows)
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<PageQuery>) -> Result<Markup, PageError> {
    let plans = plans_data(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let stats = stats_data(&st, &v).await?;
    let editing = q.edit.and_then(|id| plans.iter().find(|p| p.id == id));
    let templates = st.dispatcher.engine().renderer.template_names();
    let form = match editing {
        Some(p) => plan_form(&v, Some(p.id), &PlanForm::of(&p.plan), &templates),
        None => {
            let blank = PlanForm {
                windows: "9-22".into(),
                interval: "30".into(),
                cap_hour: "2".into(),
                cap_day: "0".into(),
                per_post: "1".into(),
                ..PlanForm::default()
            };
            plan_form(&v, None, &blank, &templates)
        }
    };
    let groups: Vec<Vec<Markup>> = stats
        .groups
        .iter()
        .map(|(g, e)| {
            let skipped = e.skipped.iter().map(|(r, n)| format!("{r}:{n}")).collect::<Vec<_>>().join(" ");
            let mut row = vec![
                html! { a href={ "/admin/groups/" (g) } { (g) } },
                html! { (e.queued) },
                html! { (skipped) },
                html! {
                    (e.orders)
                },
            ];
            row.extend(money_cells(e.gmv_fen, e.estimated_fen, e.settled_fen));
            row
        })
        .collect();
    let posts: Vec<Vec<Markup>> = stats
        .posts
        .iter()
        .map(|p| {
            let mut row = vec![
                html! { (p.delivery_id) },
                html! { (p.plan_id) },
                html! { (p.group_id) },
                html! { (p.item_key) },
                html! { (p.orders) },
            ];
            row.extend(money_cells(p.gmv_fen, p.estimated_fen, p.settled_fen));
            row
        })
        .collect();
    let deliveries: Vec<Vec<Markup>> = deliveries_data(&st, &v, None)
        .await?
        .iter()
        .map(|d| {
            vec![
                html! { (d.plan_name) },
                html! { (d.item_title.as_deref().unwrap_or(&d.item_key)) },
                html! { (d.group_name) },
                html! { (d.robot_id) },
                html! { span class={ "delivery-" (d.status) } { (status_label(&d.status)) } },
                html! { (d.reason.as_deref().unwrap_or("-")) },
                html! { (format::datetime(d.created_at, offset)) },
            ]
        })
        .collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        h2 { (x::PLANS_HEADING) }
        (plans_table(&v, &plans, &stats))
        (form)
        h2 { (x::GROUPS_HEADING) }
        (view::table(x::GROUP_COLUMNS, &groups))
        h2 { (x::POSTS_HEADING) }
        (view::table(x::POST_COLUMNS, &posts))
        h2 { (x::DELIVERIES_HEADING) }
        div #deliveries { (view::table(x::DELIVERY_COLUMNS, &deliveries)) }
    };
    Ok(view::page(&v, "/admin/posting", x::POSTING, body))
}

/// Reads the posted form, acts on it, and goes back to the page with `ok` or the reason of a bad request.
async fn on_form<F, Fut>(body: &[u8], ok: &str, act: impl FnOnce(F) -> Fut) -> Result<Redirect, PageError>
where
    F: DeserializeOwned,
    Fut: Future<Output = Result<(), AdminError>>,
{
    let r = match serde_urlencoded_form::<F>(body) {
        Ok(f) => act(f).await,
        Err(e) => Err(e),
    };
    let msg = match r {
        Ok(()) => ok.to_string(),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/posting?msg={}", urlenc(&msg))))
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Viewer,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    on_form(&body, x::PLAN_SAVED, |f: PlanForm| async move { save(&st, &v, None, &f.plan()?).await.map(|_| ()) }).await
}

pub async fn update_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    on_form(&body, x::PLAN_SAVED, |f: PlanForm| async move { save(&st, &v, Some(id), &f.plan()?).await.map(|_| ()) })
        .await
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    pub enabled: String,
}

pub async fn switch_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    on_form(&body, x::SWITCHED, |f: SwitchForm| async move { switch(&st, &v, id, f.enabled == "1").await }).await
}

// ---- API ----

/// Posting plans (a partner sees the plans whose targets are all their groups).
#[utoipa::path(
    get,
    path = "/admin/api/posting/plans",
    tag = "posting",
    responses((status = 200, body = Vec<PlanView>)),
)]
pub async fn api_plans(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<PlanView>>, ApiError> {
    Ok(Json(plans_data(&st, &v).await?))
}

/// Creates a posting plan (targets: groups, a partner's groups or all enabled groups; source: a library filter,
/// library items or collection; cadence: every_minutes, at fixed minutes or as_they_come for collection; windows in
/// minutes of the day).
#[utoipa::path(
    post,
    path = "/admin/api/posting/plans",
    tag = "posting",
    request_body(content = Plan, example = json!({"name": super::text::api::PLAN_NAME, "targets": "all_enabled", "source": {"selection": {"platforms": ["pdd"]}}, "schedule": {"windows": [{"start_min": 1140, "end_min": 1320}], "cadence": {"every_minutes": 30}, "cap_per_hour": 2, "cap_per_day": 6}, "enabled": false})),
    responses((status = 200, body = PlanView)),
)]
pub async fn api_create(
    State(st): State<AppState>,
    v: Viewer,
    Json(plan): Json<Plan>,
) -> Result<Json<PlanView>, ApiError> {
    let id = save(&st, &v, None, &plan).await?;
    Ok(Json(view(st.store.posting_plan(id).await.map_err(AdminError::from)?)))
}

/// Replaces a posting plan (checked as on creation).
#[utoipa::path(
    post,
    path = "/admin/api/posting/plans/{id}",
    tag = "posting",
    params(("id" = i64, Path, description = "Plan id")),
    request_body(content = Plan, example = json!({"name": super::text::api::PLAN_NAME, "targets": "all_enabled", "source": {"items": [1, 2]}, "schedule": {"windows": [{"start_min": 1140, "end_min": 1320}], "cadence": {"at": [1170, 1260]}, "cap_per_hour": 2, "cap_per_day": 6}, "enabled": false})),
    responses((status = 200, body = PlanView)),
)]
pub async fn api_update(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(plan): Json<Plan>,
) -> Result<Json<PlanView>, ApiError> {
    save(&st, &v, Some(id), &plan).await?;
    Ok(Json(view(st.store.posting_plan(id).await.map_err(AdminError::from)?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SwitchInput {
    pub enabled: bool,
}

/// Switches a posting plan on or off.
#[utoipa::path(
    post,
    path = "/admin/api/posting/plans/{id}/enabled",
    tag = "posting",
    params(("id" = i64, Path, description = "Plan id")),
    request_body(content = SwitchInput, example = json!({"enabled": true})),
    responses((status = 200, body = PlanView)),
)]
pub async fn api_switch(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(s): Json<SwitchInput>,
) -> Result<Json<PlanView>, ApiError> {
    switch(&st, &v, id, s.enabled).await?;
    Ok(Json(view(st.store.posting_plan(id).await.map_err(AdminError::from)?)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    pub plan_id: Option<i64>,
}

/// Recent deliveries of posting plans (filter plan_id; status queued, skipped or failed).
#[utoipa::path(
    get,
    path = "/admin/api/posting/deliveries",
    tag = "posting",
    params(DeliveriesQuery),
    responses((status = 200, body = Vec<DeliveryListRow>)),
)]
pub async fn api_deliveries(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<DeliveriesQuery>,
) -> Result<Json<Vec<DeliveryListRow>>, ApiError> {
    Ok(Json(deliveries_data(&st, &v, q.plan_id).await?))
}

/// Posting results per plan and per group (sent, skip reasons, orders, GMV, estimated and settled commission in
/// fen), and the posts that sold.
#[utoipa::path(
    get,
    path = "/admin/api/posting/stats",
    tag = "posting",
    responses((status = 200, body = Stats)),
)]
pub async fn api_stats(State(st): State<AppState>, v: Viewer) -> Result<Json<Stats>, ApiError> {
    Ok(Json(stats_data(&st, &v).await?))
}
