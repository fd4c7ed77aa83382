//! 采集 (group collection): source groups with their sender filters, cleaning rules, filters, targets and pacing;
//! a live preview (paste a deal, see what each target group would get); per-source stats (messages seen,
//! forwarded, dropped by reason, orders and commission of what it fed) and the recent source messages with their
//! outcome. Admins only. JSON API under `/admin/api/collection`.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc};
use super::session::Admin;
use crate::collection::receive::{self, TargetPreview};
use crate::collection::{CleanRule, SourceSpec};
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::collection::{CollectMessageRow, SourceRow, SourceStats};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

const RECENT_LIMIT: i64 = 100;
/// Longest deal pasted into the preview, in bytes.
const MAX_PREVIEW_BYTES: usize = 8 * 1024;

/// A source's rules as the page and the API send them: lists as text (one per line or comma-separated), money
/// in 元. A cleaning rule line starting with `re:` is a regular expression; any other removes the lines that
/// contain it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SourceInput {
    pub group_id: i64,
    pub targets: Vec<i64>,
    pub senders: String,
    pub announcers: String,
    pub rules: String,
    pub include: String,
    pub exclude: String,
    pub platforms: Vec<String>,
    pub min_price: String,
    pub min_coupon: String,
    pub min_commission: String,
    pub gap_secs: Option<u32>,
    pub cap_per_hour: Option<u32>,
    pub cap_per_day: Option<u32>,
    pub max_wait_mins: Option<u32>,
    pub keep_images: bool,
    pub pair_window_secs: Option<u32>,
    pub dedup_hours: Option<u32>,
}

fn bad(m: impl Into<String>) -> AdminError {
    AdminError::BadRequest(m.into())
}

fn list(s: &str) -> Vec<String> {
    s.split(['\n', ',', '，']).map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn yuan(s: &str, what: &str) -> Result<Fen, AdminError> {
    if s.trim().is_empty() {
        return Ok(Fen::ZERO);
    }
    Fen::from_yuan_str(s.trim()).map_err(|_| bad(format!("{what}格式不对（元，如 9.9）")))
}

impl SourceInput {
    pub fn spec(&self) -> Result<SourceSpec, AdminError> {
        let defaults = SourceSpec::default();
        let rules = self
            .rules
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.strip_prefix("re:") {
                Some(re) => CleanRule::Regex(re.trim().to_string()),
                None => CleanRule::Line(l.to_string()),
            })
            .collect();
        let platforms = self
            .platforms
            .iter()
            .map(|p| p.parse::<Platform>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let spec = SourceSpec {
            senders: list(&self.senders),
            announcers: list(&self.announcers),
            targets: self.targets.clone(),
            rules,
            include: list(&self.include),
            exclude: list(&self.exclude),
            platforms,
            min_price: yuan(&self.min_price, "最低价格")?,
            min_coupon: yuan(&self.min_coupon, "最低券额")?,
            min_commission: yuan(&self.min_commission, "最低佣金")?,
            pair_window_secs: self.pair_window_secs.unwrap_or(defaults.pair_window_secs),
            dedup_hours: self.dedup_hours.unwrap_or(defaults.dedup_hours),
            gap_secs: self.gap_secs.unwrap_or(defaults.gap_secs),
            cap_per_hour: self.cap_per_hour.unwrap_or(defaults.cap_per_hour),
            cap_per_day: self.cap_per_day.unwrap_or(defaults.cap_per_day),
            max_wait_mins: self.max_wait_mins.unwrap_or(defaults.max_wait_mins),
            keep_images: self.keep_images,
        };
        spec.validate(self.group_id).map_err(|e| bad(e.to_string()))?;
        Ok(spec)
    }
}

/// The source group and the targets must exist.
async fn check_groups(st: &AppState, input: &SourceInput) -> Result<crate::store::groups::Group, AdminError> {
    let group = st.store.group_by_id(input.group_id).await?.ok_or_else(|| bad("采集源群不存在"))?;
    for id in &input.targets {
        st.store.group_by_id(*id).await?.ok_or_else(|| bad("目标群不存在"))?;
    }
    Ok(group)
}

/// Makes a group a source (or replaces its rules). A source is not a member group: it gets no replies.
pub async fn save_data(st: &AppState, _v: &Admin, input: &SourceInput) -> Result<SourceRow, AdminError> {
    let spec = input.spec()?;
    let group = check_groups(st, input).await?;
    let engine = st.dispatcher.engine();
    let now = st.clock.now_ms();
    st.store.save_collect_source(group.id, &spec, now).await?;
    st.store.set_group_enabled(group.id, false, now).await?;
    engine.invalidate_group(group.robot_id, &group.room_id).await;
    receive::forget(engine, group.id).await;
    Ok(SourceRow { group_id: group.id, room_id: group.room_id, group_name: group.name, spec })
}

pub async fn remove_data(st: &AppState, _v: &Admin, group_id: i64) -> Result<bool, AdminError> {
    let Some(group) = st.store.group_by_id(group_id).await? else { return Ok(false) };
    receive::stop(st.dispatcher.engine(), &group, st.clock.now_ms())
        .await
        .map_err(|e| AdminError::Internal(e.to_string()))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = collection::PreviewInput)]
pub struct PreviewInput {
    #[serde(flatten)]
    pub source: SourceInput,
    #[serde(default)]
    pub text: String,
}

pub async fn preview_data(st: &AppState, _v: &Admin, input: &PreviewInput) -> Result<Vec<TargetPreview>, AdminError> {
    if input.text.trim().is_empty() || input.text.len() > MAX_PREVIEW_BYTES {
        return Err(bad("请粘贴一条线报（8 KB 以内）"));
    }
    let spec = input.source.spec()?;
    let group = check_groups(st, &input.source).await?;
    let engine = st.dispatcher.engine();
    receive::preview(engine, &group, &spec, &input.text, st.clock.now_ms())
        .await
        .map_err(|e| AdminError::Internal(e.to_string()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = collection::Overview)]
pub struct Overview {
    pub sources: Vec<SourceRow>,
    pub stats: Vec<SourceStats>,
    pub recent: Vec<CollectMessageRow>,
}

pub async fn overview_data(st: &AppState, _v: &Admin) -> Result<Overview, AdminError> {
    Ok(Overview {
        sources: st.store.collect_sources().await?,
        stats: st.store.collect_stats().await?,
        recent: st.store.recent_collect_messages(None, RECENT_LIMIT).await?,
    })
}

/// Collection: sources with their rules, each source's numbers (received, forwarded, dropped per reason, orders,
/// commission in fen) and recent collected messages.
#[utoipa::path(
    get,
    path = "/admin/api/collection",
    tag = "collection",
    responses((status = 200, body = Overview)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_overview(State(st): State<AppState>, v: Admin) -> Result<Json<Overview>, ApiError> {
    Ok(Json(overview_data(&st, &v).await?))
}

/// Sets a collection source (group, targets, senders, rules one per line: re: for a regex, include, exclude,
/// platforms, min_price in yuan…); a source group gets no replies any more.
#[utoipa::path(
    post,
    path = "/admin/api/collection/sources",
    tag = "collection",
    request_body(content = SourceInput, example = json!({"group_id": 1, "targets": [], "rules": super::text::api::COLLECTION_RULES, "gap_secs": 60})),
    responses((status = 200, body = SourceRow)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_save(
    State(st): State<AppState>,
    v: Admin,
    Json(input): Json<SourceInput>,
) -> Result<Json<SourceRow>, ApiError> {
    Ok(Json(save_data(&st, &v, &input).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Removed {
    pub removed: bool,
}

/// Stops collecting from a group.
#[utoipa::path(
    post,
    path = "/admin/api/collection/sources/{id}/delete",
    tag = "collection",
    params(("id" = i64, Path, description = "Source group id")),
    responses((status = 200, body = Removed)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_remove(
    State(st): State<AppState>,
    v: Admin,
    Path(group_id): Path<i64>,
) -> Result<Json<Removed>, ApiError> {
    Ok(Json(Removed { removed: remove_data(&st, &v, group_id).await? }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = collection::Preview)]
pub struct Preview {
    pub groups: Vec<TargetPreview>,
}

/// Previews collection: what each target group would receive of one message under the given rules, or why it is
/// dropped.
#[utoipa::path(
    post,
    path = "/admin/api/collection/preview",
    tag = "collection",
    request_body(content = PreviewInput, example = json!({"group_id": 1, "targets": [], "text": super::text::api::COLLECTION_TEXT})),
    responses((status = 200, body = Preview)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_preview(
    State(st): State<AppState>,
    v: Admin,
    Json(input): Json<PreviewInput>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(Preview { groups: preview_data(&st, &v, &input).await? }))
}

fn rules_text(rules: &[CleanRule]) -> String {
    let lines: Vec<String> = rules
        .iter()
        .map(|r| match r {
            CleanRule::Line(w) => w.clone(),
            CleanRule::Regex(re) => format!("re:{re}"),
        })
        .collect();
    lines.join("\n")
}

pub async fn page(State(st): State<AppState>, v: Admin) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let data = overview_data(&st, &v).await?;
    let groups = st.store.groups_overview(None, 0).await.map_err(AdminError::from)?;
    let name_of =
        |id: i64| groups.iter().find(|g| g.id == id).map(|g| g.name.clone()).unwrap_or_else(|| format!("#{id}"));
    let mut b = String::from("<h2>采集源</h2>");
    let rows: Vec<Vec<String>> = data
        .sources
        .iter()
        .map(|s| {
            let stats = data.stats.iter().find(|x| x.group_id == s.group_id).cloned().unwrap_or_default();
            let dropped: Vec<String> = stats.dropped.iter().map(|(code, n)| format!("{code} {n}")).collect();
            let targets: Vec<String> = s.spec.targets.iter().map(|t| esc(&name_of(*t))).collect();
            vec![
                format!("<span class=collect-source data-group-id={}>{}</span>", s.group_id, esc(&s.group_name)),
                targets.join("、"),
                esc(&s.spec.senders.join("、")),
                format!("<pre class=collect-rules>{}</pre>", esc(&rules_text(&s.spec.rules))),
                stats.seen.to_string(),
                stats.forwarded.to_string(),
                esc(&dropped.join("，")),
                stats.orders.to_string(),
                format!("¥{}", Fen(stats.estimated_fen).yuan_string()),
                format!("<button type=button class=collect-remove data-group-id={}>取消采集</button>", s.group_id),
            ]
        })
        .collect();
    b.push_str(&html::table(
        &["采集源", "目标群", "只采集", "清洗规则", "收到", "转发", "丢弃（原因）", "订单", "预估佣金", ""],
        &rows,
    ));
    b.push_str(
        "<h2>设置采集源</h2><form class=\"card collect-form\" id=collect-form><label>采集源群<select name=group_id>",
    );
    for g in &groups {
        let _ = write!(b, "<option value={}>{}</option>", g.id, esc(&g.name));
    }
    b.push_str("</select></label><fieldset id=collect-targets><legend>转发到（目标群）</legend>");
    for g in &groups {
        let _ =
            write!(b, "<label class=inline><input type=checkbox name=targets value={}> {}</label>", g.id, esc(&g.name));
    }
    b.push_str(
        "</fieldset>\
         <label>只采集这些发送人（wxid，逗号分隔，留空=全部）<input name=senders maxlength=2000></label>\
         <label>公告发送人（没有商品的消息也转发）<input name=announcers maxlength=2000></label>\
         <label>清洗规则（每行一条：含该文字的行被删除；以 re: 开头为正则表达式）<textarea name=rules rows=4 maxlength=5000></textarea></label>\
         <label>必须包含（逗号分隔）<input name=include maxlength=2000></label>\
         <label>排除关键词（逗号分隔）<input name=exclude maxlength=2000></label>\
         <fieldset><legend>平台（不选=全部）</legend>\
         <label class=inline><input type=checkbox name=platforms value=pdd> 拼多多</label>\
         <label class=inline><input type=checkbox name=platforms value=jd> 京东</label>\
         <label class=inline><input type=checkbox name=platforms value=taobao> 淘宝</label></fieldset>\
         <label>最低券后价（元）<input name=min_price maxlength=10></label>\
         <label>最低券额（元）<input name=min_coupon maxlength=10></label>\
         <label>最低佣金（元）<input name=min_commission maxlength=10></label>\
         <label>同一目标群两单最少间隔（秒）<input type=number name=gap_secs value=120 min=0></label>\
         <label>每群每小时最多（单，超出的排队等候）<input type=number name=cap_per_hour value=12 min=0></label>\
         <label>每群每天最多（单，0=不限）<input type=number name=cap_per_day value=0 min=0></label>\
         <label>排队最长等待（分钟，过时不发）<input type=number name=max_wait_mins value=60 min=1 max=1440></label>\
         <label class=inline><input type=checkbox name=keep_images value=1> 转发采集源的原图（仅当扫描不到二维码时；默认用我们的海报替换）</label>\
         <label>图文配对时间（秒）<input type=number name=pair_window_secs value=5 min=0 max=60></label>\
         <label>去重时间（小时）<input type=number name=dedup_hours value=6 min=1 max=168></label>\
         <label>预览：粘贴一条线报<textarea name=text rows=4 maxlength=8000></textarea></label>\
         <button type=button id=collect-preview-button>预览</button> <button type=submit>保存采集源</button></form>\
         <p id=collect-status class=notice></p><div id=collect-preview></div>",
    );
    b.push_str("<h2>最近的采集消息</h2>");
    let rows: Vec<Vec<String>> = data
        .recent
        .iter()
        .map(|m| {
            let outcome = match m.outcome.as_str() {
                "forwarded" => "已转发".to_string(),
                "image" => match m.paired_with {
                    Some(id) => format!("图片（配对 #{id}）"),
                    None => "图片".to_string(),
                },
                _ => format!("丢弃：{}", m.reason.as_deref().and_then(|r| r.split_once(": ")).map_or("-", |(_, t)| t)),
            };
            vec![
                m.id.to_string(),
                html::datetime(m.created_at, offset),
                esc(&name_of(m.source_group_id)),
                esc(m.sender.as_deref().unwrap_or("-")),
                format!("<pre class=collect-body>{}</pre>", esc(if m.kind == "image" { "[图片]" } else { &m.body })),
                format!("<span class=collect-outcome>{}</span>", esc(&outcome)),
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "时间", "采集源", "发送人", "内容", "结果"], &rows));
    Ok(html::page(&v, "/admin/collection", "采集", &b))
}
