//! 发单: posting plans on the dashboard (list, create, edit, switch on/off), recent deliveries, and what posts
//! earned per plan, per group and per post (orders counted through the attribution tag each post's link carried).
//! The same data and actions as JSON under `/admin/api/posting/…`. Plans are checked by `Plan::validate`, the
//! check the owners' chat commands use.
//!
//! A partner sees and manages only plans whose targets are all their own groups (a list of them, or "all groups
//! of" their partner id); plans on every enabled group are admin only.

use super::error::{AdminError, ApiError, PageError};
use super::groups::{serde_urlencoded_form, urlenc};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::feeds::FeedFilter;
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::posting::{Cadence, Content, Plan, Schedule, Source, Targets, TimeWindow};
use crate::store::posting_admin::{DeliveryListRow, PlanRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
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
pub fn sources_table(s: &Sources) -> String {
    let row = |label: &str, m: &Money| {
        vec![
            label.to_string(),
            m.orders.to_string(),
            yuan(Fen(m.gmv_fen)),
            yuan(Fen(m.estimated_fen)),
            yuan(Fen(m.settled_fen)),
        ]
    };
    let table = html::table(
        &["来源", "订单", "GMV（元）", "预估佣金（元）", "结算佣金（元）"],
        &[row("发单", &s.posts), row("群友转链及群发", &s.others)],
    );
    format!("<div id=earned-sources>{table}</div>")
}

/// Where the orders of every group in scope came from, for the 概览 page.
pub async fn overview_sources(st: &AppState, v: &Viewer) -> Result<String, AdminError> {
    let s = stats_data(st, v).await?.sources;
    Ok(format!("<h2>收益来源（发单与其他）</h2>{}", sources_table(&s)))
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
                return Err(AdminError::BadRequest(format!("群 {gid} 不存在")));
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

/// What posted content earned in one group, for the 群 page.
pub async fn group_earned(st: &AppState, v: &Viewer, group_id: i64) -> Result<String, AdminError> {
    let mut stats = stats_data(st, v).await?;
    let all = st.store.group_orders(v.scope()).await?;
    let split = sources(&stats.groups, &all, Some(group_id));
    let e = stats.groups.remove(&group_id).unwrap_or_default();
    let skipped: i64 = e.skipped.values().sum();
    Ok(format!(
        "<h2>发单效果</h2><div class=\"cards posting-earned\"><div class=card><span>已发</span><b>{}</b></div>\
         <div class=card><span>跳过</span><b>{skipped}</b></div><div class=card><span>订单</span><b>{}</b></div>\
         <div class=card><span>GMV</span><b>{}</b></div><div class=card><span>预估佣金</span><b>{}</b></div>\
         <div class=card><span>结算佣金</span><b>{}</b></div></div>{}",
        e.queued,
        e.orders,
        yuan(Fen(e.gmv_fen)),
        yuan(Fen(e.estimated_fen)),
        yuan(Fen(e.settled_fen)),
        sources_table(&split),
    ))
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

fn list(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == '，').filter(|t| !t.is_empty()).collect()
}

fn ids(s: &str, what: &str) -> Result<Vec<i64>, AdminError> {
    list(s).into_iter().map(|t| t.parse().map_err(|_| AdminError::BadRequest(format!("{what}格式不对")))).collect()
}

fn number(s: &str, what: &str) -> Result<u32, AdminError> {
    match s.trim() {
        "" => Ok(0),
        t => t.parse().map_err(|_| AdminError::BadRequest(format!("{what}格式不对"))),
    }
}

fn minute_of_day(t: &str) -> Result<u16, AdminError> {
    let bad = || AdminError::BadRequest("发单时间格式不对（如 10:00 20:30）".into());
    let (h, m) =
        t.replace('：', ":").split_once(':').map_or((t.to_string(), "0".to_string()), |(h, m)| (h.into(), m.into()));
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
                self.partner_id.trim().parse().map_err(|_| AdminError::BadRequest("合伙人编号格式不对".into()))?,
            ),
            "all" => Targets::AllEnabled,
            _ => Targets::Groups(ids(&self.groups, "群编号")?),
        };
        let source = match self.source.as_str() {
            "items" => Source::Items(ids(&self.items, "商品编号")?),
            "collection" => Source::Collection,
            _ => {
                let platforms = match self.platform.trim() {
                    "" => Vec::new(),
                    p => vec![p.parse::<Platform>().map_err(|_| AdminError::BadRequest("平台不对".into()))?],
                };
                let min_commission = match self.min_commission.trim() {
                    "" => None,
                    s => Some(Fen::from_yuan_str(s).map_err(|_| AdminError::BadRequest("佣金金额格式不对".into()))?),
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
            .map(|w| {
                w.parse::<TimeWindow>().map_err(|_| AdminError::BadRequest("发单时段格式不对（如 9-12 14-22）".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cadence = if self.times.trim().is_empty() {
            match number(&self.interval, "发单间隔")? {
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
                cap_per_hour: number(&self.cap_hour, "每小时上限")?,
                cap_per_day: number(&self.cap_day, "每天上限")?,
            },
            enabled: self.enabled.is_some(),
            content: Content {
                poster_template: Some(self.poster_template.trim().to_string()).filter(|t| !t.is_empty()),
                copy_template: Some(self.copy_template.trim().to_string()).filter(|t| !t.is_empty()),
                items: match self.per_post.trim() {
                    "" => 1,
                    n => n.parse().map_err(|_| AdminError::BadRequest("每条商品数格式不对".into()))?,
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
                f.min_commission = filter.min_commission.map(html::yuan).unwrap_or_default();
            }
        }
        f.windows = p.schedule.windows.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        match &p.schedule.cadence {
            Cadence::EveryMinutes(m) => f.interval = m.to_string(),
            Cadence::AsTheyCome => f.interval = "0".into(),
            Cadence::At(t) => {
                f.times = t.iter().map(|m| format!("{:02}:{:02}", m / 60, m % 60)).collect::<Vec<_>>().join(" ")
            }
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
        Targets::Groups(g) => format!("群 {}", g.iter().map(i64::to_string).collect::<Vec<_>>().join("、")),
        Targets::Partner(p) => format!("合伙人 {p} 的全部群"),
        Targets::AllEnabled => "全部启用的群".into(),
    }
}

fn describe_source(s: &Source) -> String {
    match s {
        Source::Items(i) => format!("指定商品 {} 件", i.len()),
        Source::Collection => "采集转发".to_string(),
        Source::Selection(f) => {
            let mut d = String::from("选品库");
            if let Some(p) = f.platforms.first() {
                let _ = write!(d, " · {}", p.display_name());
            }
            if !f.keywords.is_empty() {
                let _ = write!(d, " · 关键词 {}", f.keywords.join(" "));
            }
            if let Some(c) = f.min_commission {
                let _ = write!(d, " · 佣金≥{}", yuan(c));
            }
            d
        }
    }
}

fn describe_schedule(s: &Schedule) -> String {
    let windows = s.windows.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    let cadence = match &s.cadence {
        Cadence::EveryMinutes(m) => format!("每 {m} 分钟"),
        Cadence::AsTheyCome => "随到随发".to_string(),
        Cadence::At(t) => {
            format!("定点 {}", t.iter().map(|m| format!("{:02}:{:02}", m / 60, m % 60)).collect::<Vec<_>>().join(" "))
        }
    };
    format!("{windows} · {cadence} · 每小时≤{} · 每天≤{}", s.cap_per_hour, s.cap_per_day)
}

fn describe_content(c: &Content) -> String {
    let mut d = if c.items > 1 { format!("清单 {} 件", c.items) } else { "单品".to_string() };
    if let Some(t) = &c.poster_template {
        let _ = write!(d, " · 海报 {t}");
    }
    if c.copy_template.is_some() {
        d.push_str(" · 自定义文案");
    }
    d
}

fn field(name: &str, label: &str, value: &str) -> String {
    format!("<label>{label}<input name={name} value=\"{}\" maxlength=200></label>", esc(value))
}

fn plan_form(v: &Viewer, id: Option<i64>, f: &PlanForm, templates: &[String]) -> String {
    let action = id.map_or_else(|| "/admin/posting/plans".to_string(), |i| format!("/admin/posting/plans/{i}"));
    let mut b = html::form_open(v, &action, "card filters");
    b.push_str(if id.is_some() { "<h2>修改计划</h2>" } else { "<h2>新建计划</h2>" });
    b.push_str(&field("name", "计划名", &f.name));
    b.push_str(&html::select(
        "target",
        &f.target,
        &[("groups", "指定群"), ("partner", "合伙人的全部群"), ("all", "全部启用的群")],
    ));
    b.push_str(&field("groups", "群编号（空格分隔）", &f.groups));
    b.push_str(&field("partner_id", "合伙人编号", &f.partner_id));
    b.push_str(&html::select(
        "source",
        &f.source,
        &[("selection", "选品库筛选"), ("items", "指定商品"), ("collection", "采集转发")],
    ));
    let mut platforms = vec![("", "全部平台")];
    platforms.extend(Platform::ALL.iter().map(|p| (p.code(), p.display_name())));
    b.push_str(&html::select("platform", &f.platform, &platforms));
    b.push_str(&field("keywords", "关键词", &f.keywords));
    b.push_str(&field("min_commission", "佣金≥（元）", &f.min_commission));
    b.push_str(&field("items", "商品编号（选品库编号）", &f.items));
    b.push_str(&field("windows", "发单时段（如 9-12 14-22）", &f.windows));
    b.push_str(&field("interval", "间隔（分钟；采集转发填 0 为随到随发）", &f.interval));
    b.push_str(&field("times", "或定点时间（如 10:00 20:30）", &f.times));
    b.push_str(&field("cap_hour", "每小时上限", &f.cap_hour));
    b.push_str(&field("cap_day", "每天上限", &f.cap_day));
    b.push_str(&html::select(
        "per_post",
        &f.per_post,
        &[("1", "单品"), ("3", "清单 3 件"), ("4", "清单 4 件"), ("5", "清单 5 件")],
    ));
    let mut posters = vec![("", "海报模板：群的设置")];
    posters.extend(templates.iter().map(|t| (t.as_str(), t.as_str())));
    b.push_str(&html::select("poster_template", &f.poster_template, &posters));
    b.push_str(&field("copy_template", "文案模板（留空用群的，如 {标题} 券后{券后价} {链接}）", &f.copy_template));
    let checked = if f.enabled.is_some() { " checked" } else { "" };
    let _ = write!(b, "<label><input type=checkbox name=enabled value=1{checked}>开启</label>");
    b.push_str("<button type=submit>保存计划</button></form>");
    b
}

fn status_label(s: &str) -> &'static str {
    match s {
        "queued" => "已发送",
        "skipped" => "已跳过",
        _ => "失败",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub msg: Option<String>,
    pub edit: Option<i64>,
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let plans = plans_data(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let stats = stats_data(&st, &v).await?;
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<h2>发单计划</h2>");
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            let e = stats.plans.get(&p.id).cloned().unwrap_or_default();
            let toggle = format!(
                "{}<input type=hidden name=enabled value={}><button type=submit>{}</button></form>",
                html::form_open(&v, &format!("/admin/posting/plans/{}/enabled", p.id), "inline"),
                if p.plan.enabled { 0 } else { 1 },
                if p.plan.enabled { "关闭" } else { "开启" }
            );
            vec![
                p.id.to_string(),
                format!("<span class=plan-name>{}</span>", esc(&p.plan.name)),
                esc(&describe_targets(&p.plan.targets)),
                esc(&describe_source(&p.plan.source)),
                esc(&format!("{} · {}", describe_schedule(&p.plan.schedule), describe_content(&p.plan.content))),
                if p.plan.enabled { "<b class=ok>开启</b>".into() } else { "<span class=muted>关闭</span>".into() },
                e.queued.to_string(),
                e.skipped.values().sum::<i64>().to_string(),
                e.orders.to_string(),
                yuan(Fen(e.gmv_fen)),
                yuan(Fen(e.estimated_fen)),
                yuan(Fen(e.settled_fen)),
                format!("{toggle} <a href=\"/admin/posting?edit={}\">修改</a>", p.id),
            ]
        })
        .collect();
    b.push_str(&html::table(
        &[
            "编号",
            "计划",
            "目标",
            "商品来源",
            "时段与频率",
            "状态",
            "已发",
            "跳过",
            "订单",
            "GMV",
            "预估佣金",
            "结算佣金",
            "操作",
        ],
        &rows,
    ));
    let editing = q.edit.and_then(|id| plans.iter().find(|p| p.id == id));
    let templates = st.dispatcher.engine().renderer.template_names();
    match editing {
        Some(p) => b.push_str(&plan_form(&v, Some(p.id), &PlanForm::of(&p.plan), &templates)),
        None => {
            let blank = PlanForm {
                windows: "9-22".into(),
                interval: "30".into(),
                cap_hour: "2".into(),
                cap_day: "0".into(),
                per_post: "1".into(),
                ..PlanForm::default()
            };
            b.push_str(&plan_form(&v, None, &blank, &templates));
        }
    }
    b.push_str("<h2>各群效果</h2>");
    let rows: Vec<Vec<String>> = stats
        .groups
        .iter()
        .map(|(g, e)| {
            let skipped = e.skipped.iter().map(|(r, n)| format!("{r}:{n}")).collect::<Vec<_>>().join(" ");
            vec![
                format!("<a href=\"/admin/groups/{g}\">{g}</a>"),
                e.queued.to_string(),
                esc(&skipped),
                e.orders.to_string(),
                yuan(Fen(e.gmv_fen)),
                yuan(Fen(e.estimated_fen)),
                yuan(Fen(e.settled_fen)),
            ]
        })
        .collect();
    b.push_str(&html::table(&["群", "已发", "跳过（原因:次数）", "订单", "GMV", "预估佣金", "结算佣金"], &rows));
    b.push_str("<h2>出单的发单</h2>");
    let rows: Vec<Vec<String>> = stats
        .posts
        .iter()
        .map(|p| {
            vec![
                p.delivery_id.to_string(),
                p.plan_id.to_string(),
                p.group_id.to_string(),
                esc(&p.item_key),
                p.orders.to_string(),
                yuan(Fen(p.gmv_fen)),
                yuan(Fen(p.estimated_fen)),
                yuan(Fen(p.settled_fen)),
            ]
        })
        .collect();
    b.push_str(&html::table(&["发单", "计划", "群", "商品", "订单", "GMV", "预估佣金", "结算佣金"], &rows));
    b.push_str("<h2>最近发单</h2>");
    let rows: Vec<Vec<String>> = deliveries_data(&st, &v, None)
        .await?
        .iter()
        .map(|d| {
            vec![
                esc(&d.plan_name),
                esc(d.item_title.as_deref().unwrap_or(&d.item_key)),
                esc(&d.group_name),
                d.robot_id.to_string(),
                format!("<span class=\"delivery-{}\">{}</span>", esc(&d.status), status_label(&d.status)),
                esc(d.reason.as_deref().unwrap_or("-")),
                html::datetime(d.created_at, offset),
            ]
        })
        .collect();
    b.push_str("<div id=deliveries>");
    b.push_str(&html::table(&["计划", "商品", "群", "机器人", "状态", "原因", "时间"], &rows));
    b.push_str("</div>");
    Ok(html::page(&v, "/admin/posting", "发单", &b))
}

fn back(r: Result<(), AdminError>, ok: &str) -> Result<Redirect, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/posting?msg={}", urlenc(ok)))),
        Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("/admin/posting?msg={}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Viewer,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    let r = async {
        let f: PlanForm = serde_urlencoded_form(&body)?;
        save(&st, &v, None, &f.plan()?).await.map(|_| ())
    }
    .await;
    back(r, "计划已保存")
}

pub async fn update_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    let r = async {
        let f: PlanForm = serde_urlencoded_form(&body)?;
        save(&st, &v, Some(id), &f.plan()?).await.map(|_| ())
    }
    .await;
    back(r, "计划已保存")
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
    let r = async {
        let f: SwitchForm = serde_urlencoded_form(&body)?;
        switch(&st, &v, id, f.enabled == "1").await
    }
    .await;
    back(r, "已切换")
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
