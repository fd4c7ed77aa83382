//! 采集 (group collection): source groups with their sender filters, cleaning rules, filters, targets and pacing;
//! a live preview (paste a deal, see what each target group would get); per-source stats (messages seen,
//! forwarded, dropped by reason, orders and commission of what it fed) and the recent source messages with their
//! outcome. Admins only. JSON API under `/admin/api/collection`.

use super::error::{AdminError, ApiError, PageError};
use super::format;
use super::session::Admin;
use super::text::posting as x;
use super::view;
use crate::collection::receive::{self, TargetPreview};
use crate::collection::{CleanRule, SourceSpec};
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::collection::{CollectMessageRow, SourceRow, SourceStats};
use axum::Json;
use axum::extract::{Path, State};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

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
    s.split(['\n', ',', x::FULL_WIDTH_COMMA]).map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn yuan(s: &str, what: &str) -> Result<Fen, AdminError> {
    if s.trim().is_empty() {
        return Ok(Fen::ZERO);
    }
    Fen::from_yuan_str(s.trim()).map_err(|_| bad(x::bad_yuan(what)))
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
            min_price: yuan(&self.min_price, x::LOWEST_PRICE)?,
            min_coupon: yuan(&self.min_coupon, x::LOWEST_COUPON)?,
            min_commission: yuan(&self.min_commission, x::LOWEST_COMMISSION)?,
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
    let group = st.store.group_by_id(input.group_id).await?.ok_or_else(|| bad(x::NO_SOURCE_GROUP))?;
    for id in &input.targets {
        st.store.group_by_id(*id).await?.ok_or_else(|| bad(x::NO_TARGET_GROUP))?;
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
        return Err(bad(x::PASTE_A_DEAL));
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

/// The form that sets a source (sent by `admin.js` to the JSON API, with its live preview).
fn source_form(groups: &[crate::store::dashboard::GroupSummary]) -> Markup {
    let text = |name: &str, label: &str, max: u32| html! { label { (label) input name=(name) maxlength=(max); } };
    let number = |name: &str, label: &str, value: u32, min: u32, max: Option<u32>| {
        html! { label { (label) input type="number" name=(name) value=(value) min=(min) max=[max]; } }
    };
    html! {
        form #collect-form.card.collect-form {
            label {
                (x::SOURCE_GROUP)
                select name="group_id" { @for g in groups { option value=(g.id) { (g.name) } } }
            }
            fieldset #collect-targets {
                legend { (x::FORWARD_TO) }
                @for g in groups {
                    label.inline { input type="checkbox" name="targets" value=(g.id); " " (g.name) }
                }
            }
            (text("senders", x::SENDERS_FIELD, 2000))
            (text("announcers", x::ANNOUNCERS_FIELD, 2000))
            label { (x::RULES_FIELD) textarea name="rules" rows="4" maxlength="5000" {} }
            (text("include", x::INCLUDE_FIELD, 2000))
            (text("exclude", x::EXCLUDE_FIELD, 2000))
            fieldset {
                legend { (x::PLATFORMS_FIELD) }
                @for p in Platform::ALL {
                    label.inline { input type="checkbox" name="platforms" value=(p.code()); " " (p.display_name()) }
                }
            }
            (text("min_price", x::MIN_PRICE_FIELD, 10))
            (text("min_coupon", x::MIN_COUPON_FIELD, 10))
            (text("min_commission", x::MIN_COMMISSION_FIELD, 10))
            (number("gap_secs", x::GAP_FIELD, 120, 0, None))
            (number("cap_per_hour", x::CAP_PER_HOUR_FIELD, 12, 0, None))
            (number("cap_per_day", x::CAP_PER_DAY_FIELD, 0, 0, None))
            (number("max_wait_mins", x::MAX_WAIT_FIELD, 60, 1, Some(1440)))
            label.inline { input type="checkbox" name="keep_images" value="1"; " " (x::KEEP_IMAGES_FIELD) }
            (number("pair_window_secs", x::PAIR_WINDOW_FIELD, 5, 0, Some(60)))
            (number("dedup_hours", x::DEDUP_FIELD, 6, 1, Some(168)))
            label { (x::PREVIEW_FIELD) textarea name="text" rows="4" maxlength="8000" {} }
            button #collect-preview-button type="button" { (x::PREVIEW) }
            " "
            button type="submit" { (x::SAVE_SOURCE) }
        }
        p #collect-status.notice {}
        div #collect-preview {}
    }
}

pub async fn page(State(st): State<AppState>, v: Admin) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let data = overview_data(&st, &v).await?;
    let groups = st.store.groups_overview(None, 0).await.map_err(AdminError::from)?;
    let name_of =
        |id: i64| groups.iter().find(|g| g.id == id).map(|g| g.name.clone()).unwrap_or_else(|| format!("#{id}"));
    let sources: Vec<Vec<Markup>> = data
        .sources
        .iter()
        .map(|s| {
            let stats = data.stats.iter().find(|x| x.group_id == s.group_id).cloned().unwrap_or_default();
            let dropped: Vec<String> = stats.dropped.iter().map(|(code, n)| format!("{code} {n}")).collect();
            let targets: Vec<String> = s.spec.targets.iter().map(|t| name_of(*t)).collect();
            vec![
                html! { span.collect-source data-group-id=(s.group_id) { (s.group_name) } },
                html! { (x::join_names(&targets)) },
                html! { (x::join_names(&s.spec.senders)) },
                html! { pre.collect-rules { (rules_text(&s.spec.rules)) } },
                html! { (stats.seen) },
                html! { (stats.forwarded) },
                html! { (x::join_reasons(&dropped)) },
                html! { (stats.orders) },
                html! { "¥" (Fen(stats.estimated_fen).yuan_string()) },
                html! { button.collect-remove type="button" data-group-id=(s.group_id) { (x::STOP_COLLECTING) } },
            ]
        })
        .collect();
    let recent: Vec<Vec<Markup>> = data
        .recent
        .iter()
        .map(|m| {
            let outcome = match m.outcome.as_str() {
                "forwarded" => x::FORWARDED.to_string(),
                "image" => match m.paired_with {
                    Some(id) => x::image_paired(id),
                    None => x::IMAGE.to_string(),
                },
                _ => x::dropped(m.reason.as_deref().and_then(|r| r.split_once(": ")).map_or("-", |(_, t)| t)),
            };
            vec![
                html! { (m.id) },
                html! { (format::datetime(m.created_at, offset)) },
                html! { (name_of(m.source_group_id)) },
                html! { (m.sender.as_deref().unwrap_or("-")) },
                html! { pre.collect-body { (if m.kind == "image" { x::IMAGE_BODY } else { &m.body }) } },
                html! { span.collect-outcome { (outcome) } },
            ]
        })
        .collect();
    let body = html! {
        h2 { (x::SOURCES) }
        (view::table(x::SOURCE_COLUMNS, &sources))
        h2 { (x::SET_SOURCE) }
        (source_form(&groups))
        h2 { (x::RECENT_MESSAGES) }
        (view::table(x::MESSAGE_COLUMNS, &recent))
    };
    Ok(view::page(&v, "/admin/collection", x::COLLECTION, body))
}
