//! 群: every group the viewer may see with its numbers, and one group's settings (switches, features, welcome,
//! copy and poster templates, keyword replies, PIDs).

use super::error::{AdminError, ApiError, PageError};
use super::overview::card;
use super::session::Viewer;
use super::text::people as x;
use super::view;
use crate::engine::copy;
use crate::engine::group_settings::{Feature, GroupSettings};
use crate::engine::keywords::{MatchKind, ReplyBody, display_pattern, parse_pattern};
use crate::engine::pid_binding::PidRefusal;
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::dashboard::GroupSummary;
use crate::store::groups::Group;
use crate::store::keywords::NewKeyword;
use crate::store::pids::PidOwner;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const WEEK_MS: i64 = 7 * 86_400_000;

pub async fn list_data(st: &AppState, v: &Viewer) -> Result<Vec<GroupSummary>, AdminError> {
    Ok(st.store.groups_overview(v.scope(), st.clock.now_ms() - WEEK_MS).await?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeywordView {
    pub pattern: String,
    pub reply: String,
    pub hits: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PidSlot {
    pub platform: Platform,
    pub pid: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    pub summary: GroupSummary,
    pub settings: GroupSettings,
    pub copy_template: Option<String>,
    pub poster_template: Option<String>,
    pub keywords: Vec<KeywordView>,
    /// The group's own PID per platform.
    pub pids: Vec<PidSlot>,
}

/// The group, when it exists and the viewer may see it (403 otherwise).
async fn visible_group(st: &AppState, v: &Viewer, id: i64) -> Result<Group, AdminError> {
    let g = st.store.group_by_id(id).await?.ok_or(AdminError::NotFound)?;
    v.require_group(&g)?;
    Ok(g)
}

pub async fn detail_data(st: &AppState, v: &Viewer, id: i64) -> Result<GroupDetail, AdminError> {
    let g = visible_group(st, v, id).await?;
    let summary = list_data(st, v).await?.into_iter().find(|s| s.id == id).ok_or(AdminError::NotFound)?;
    let keywords = st
        .store
        .keyword_rules(g.id)
        .await?
        .into_iter()
        .filter(|k| k.group_id == g.id)
        .map(|k| KeywordView {
            pattern: display_pattern(MatchKind::from_code(&k.match_kind).unwrap_or(MatchKind::Contains), &k.pattern),
            reply: k.reply,
            hits: k.hits,
        })
        .collect();
    let mut pids = Vec::new();
    for p in Platform::ALL {
        pids.push(PidSlot { platform: p, pid: st.store.pid_of(p, PidOwner::Group(g.id)).await? });
    }
    Ok(GroupDetail {
        summary,
        settings: GroupSettings::parse(&g.settings),
        copy_template: g.copy_template,
        poster_template: g.poster_template,
        keywords,
        pids,
    })
}

/// A change to a group's settings; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct GroupUpdate {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// Feature switches by name (`convert`, `checkin`, `search`, `welcome`, `auto_reply`).
    pub features: Option<Vec<String>>,
    pub welcome_text: Option<String>,
    pub copy_template: Option<String>,
    pub poster_template: Option<String>,
    /// Admin only; 0 or absent partner clears the owner.
    pub partner_id: Option<i64>,
}

fn feature_code(f: Feature) -> &'static str {
    match f {
        Feature::Convert => "convert",
        Feature::Checkin => "checkin",
        Feature::Search => "search",
        Feature::Welcome => "welcome",
        Feature::AutoReply => "auto_reply",
    }
}

fn bounded(s: &str, max: usize, what: &str) -> Result<String, AdminError> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(AdminError::BadRequest(x::too_long(what, max)));
    }
    Ok(t.to_string())
}

pub async fn update(st: &AppState, v: &Viewer, id: i64, u: GroupUpdate) -> Result<(), AdminError> {
    let g = visible_group(st, v, id).await?;
    let now = st.clock.now_ms();
    let store = &st.store;
    if let Some(name) = &u.name {
        store.set_group_name(g.id, &bounded(name, 64, x::GROUP_NAME)?, now).await?;
    }
    if let Some(on) = u.enabled {
        store.set_group_enabled(g.id, on, now).await?;
    }
    if u.features.is_some() || u.welcome_text.is_some() {
        let mut s = GroupSettings::parse(&g.settings);
        if let Some(list) = &u.features {
            for f in Feature::ALL {
                s.set(f, list.iter().any(|x| x == feature_code(f)));
            }
        }
        if let Some(w) = &u.welcome_text {
            let w = bounded(w, 500, x::WELCOME)?;
            s.welcome_text = if w.is_empty() { None } else { Some(w) };
        }
        store.set_group_settings(g.id, &s.to_json(), now).await?;
    }
    if let Some(t) = &u.copy_template {
        let t = t.trim();
        if t.is_empty() {
            store.set_copy_template(g.id, None, now).await?;
        } else {
            copy::validate(t).map_err(|e| AdminError::BadRequest(x::copy_template_invalid(e)))?;
            store.set_copy_template(g.id, Some(t), now).await?;
        }
    }
    if let Some(t) = &u.poster_template {
        let t = bounded(t, 64, x::POSTER_TEMPLATE_NAME)?;
        store.set_poster_template(g.id, if t.is_empty() { None } else { Some(&t) }, now).await?;
    }
    if let Some(p) = u.partner_id {
        v.admin()?;
        let partner = if p > 0 { Some(p) } else { None };
        if let Some(p) = partner
            && store.partners(Some(p)).await?.is_empty()
        {
            return Err(AdminError::BadRequest(x::NO_SUCH_PARTNER.into()));
        }
        store.set_group_partner(g.id, partner, now).await?;
    }
    st.dispatcher.engine().invalidate_group(g.robot_id, &g.room_id).await;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct KeywordInput {
    /// As owners type it: `=词` exact, `/正则/` regex, else contains.
    pub pattern: String,
    #[serde(default)]
    pub reply: String,
}

pub async fn save_keyword(st: &AppState, v: &Viewer, id: i64, k: &KeywordInput) -> Result<(), AdminError> {
    let g = visible_group(st, v, id).await?;
    save_rule(st, g.id, k).await
}

/// Saves a keyword rule into a rule set: a group's, or the private-chat one (`store::keywords::PRIVATE`).
pub async fn save_rule(st: &AppState, rule_set: i64, k: &KeywordInput) -> Result<(), AdminError> {
    let (kind, pattern) = parse_pattern(&k.pattern).map_err(|e| AdminError::BadRequest(x::keyword_invalid(e)))?;
    let reply = ReplyBody::from_input(&bounded(&k.reply, 1000, x::REPLY)?);
    if reply.content().is_empty() {
        return Err(AdminError::BadRequest(x::EMPTY_REPLY.into()));
    }
    let row = NewKeyword {
        group_id: rule_set,
        match_kind: kind.code(),
        pattern: &pattern,
        reply_kind: reply.kind_code(),
        reply: reply.content(),
        priority: 0,
    };
    st.store.upsert_keyword(&row, st.clock.now_ms()).await?;
    st.dispatcher.engine().invalidate_replies(rule_set).await;
    Ok(())
}

pub async fn delete_keyword(st: &AppState, v: &Viewer, id: i64, typed: &str) -> Result<(), AdminError> {
    let g = visible_group(st, v, id).await?;
    delete_rule(st, g.id, typed).await
}

/// Deletes the keyword rule `typed` (as owners type it) from a rule set.
pub async fn delete_rule(st: &AppState, rule_set: i64, typed: &str) -> Result<(), AdminError> {
    let (_, pattern) = parse_pattern(typed).map_err(|e| AdminError::BadRequest(x::keyword_invalid(e)))?;
    st.store.delete_keyword(rule_set, &pattern).await?;
    st.dispatcher.engine().invalidate_replies(rule_set).await;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PidInput {
    pub platform: String,
    /// Empty removes nothing and is refused.
    pub pid: String,
}

/// Binds a PID to an owner by the engine's rules (the same as `#绑定推广位` in chat).
pub async fn bind_pid(st: &AppState, owner: PidOwner, input: &PidInput, name: &str) -> Result<(), AdminError> {
    let platform: Platform = input.platform.parse().map_err(|_| AdminError::BadRequest(x::UNKNOWN_PLATFORM.into()))?;
    match st.dispatcher.engine().bind_pid(platform, &input.pid, owner, name, st.clock.now_ms()).await {
        Ok(_) => Ok(()),
        Err(PidRefusal::Store(e)) => Err(e.into()),
        Err(why) => Err(AdminError::BadRequest(crate::engine::text::pid_refused(platform, &why))),
    }
}

pub async fn set_group_pid(st: &AppState, v: &Viewer, id: i64, input: &PidInput) -> Result<(), AdminError> {
    let g = visible_group(st, v, id).await?;
    bind_pid(st, PidOwner::Group(g.id), input, &g.name).await
}

// ---- pages ----

/// A group's name, or its room id while it has none.
fn shown_name(g: &GroupSummary) -> &str {
    if g.name.is_empty() { &g.room_id } else { &g.name }
}

/// A link to the group's page.
pub(super) fn link(g: &GroupSummary) -> Markup {
    html! { a href={ "/admin/groups/" (g.id) } { (shown_name(g)) } }
}

pub async fn list_page(State(st): State<AppState>, v: Viewer) -> Result<Markup, PageError> {
    let rows: Vec<Vec<Markup>> = list_data(&st, &v)
        .await?
        .iter()
        .map(|g| {
            vec![
                link(g),
                html! { @if g.enabled { (x::ON) } @else { span.muted { (x::OFF) } } },
                html! { (g.robot_name) },
                html! { (g.partner_name.as_deref().unwrap_or("-")) },
                html! { (g.members) },
                html! { (g.conversions_7d) },
                html! { (g.conversions_total) },
            ]
        })
        .collect();
    Ok(view::page(&v, "/admin/groups", x::GROUPS, view::table(x::GROUP_LIST_COLUMNS, &rows)))
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn checkbox(name: &str, value: &str, label: &str, on: bool) -> Markup {
    html! { label.check { input type="checkbox" name=(name) value=(value) checked[on]; " " (label) } }
}

/// A 删除 button posting `field=value` to `action`.
pub(super) fn delete_button(v: &Viewer, action: &str, field: &str, value: &str) -> Markup {
    view::form(
        v,
        action,
        "inline",
        html! { input type="hidden" name=(field) value=(value); button.link type="submit" { (x::DELETE) } },
    )
}

/// The form binding a PID of a platform to the page's owner.
pub(super) fn pid_form(v: &Viewer, action: &str, button: &str) -> Markup {
    view::form(
        v,
        action,
        "card row",
        html! {
            (platform_select())
            input name="pid" required maxlength="64" placeholder=(x::PID_ID);
            button type="submit" { (button) }
        },
    )
}

pub async fn detail_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Markup, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let s = &d.summary;
    let earned = super::posting::group_earned(&st, &v, id).await?;
    let partners = if v.is_admin() { Some(super::partners::choices(&st).await?) } else { None };
    let current_partner = s.partner_id.map(|p| p.to_string()).unwrap_or_default();
    let settings = html! {
        label { (x::GROUP_NAME) input name="name" maxlength="64" value=(s.name); }
        (checkbox("enabled", "true", x::ENABLED_HERE, s.enabled))
        fieldset {
            legend { (x::FEATURES) }
            @for f in Feature::ALL { (checkbox("features", feature_code(f), f.name(), d.settings.enabled(f))) }
        }
        label { (x::WELCOME) textarea name="welcome_text" maxlength="500" rows="3" { (d.settings.welcome_text.as_deref().unwrap_or("")) } }
        label { (x::COPY_TEMPLATE) textarea name="copy_template" maxlength="1000" rows="4" { (d.copy_template.as_deref().unwrap_or("")) } }
        label { (x::POSTER_TEMPLATE) input name="poster_template" maxlength="64" value=(d.poster_template.as_deref().unwrap_or("")); }
        @if let Some(partners) = &partners {
            label {
                (x::PARTNER)
                select name="partner_id" { option value="0" { (x::NO_PARTNER) } (view::options(partners, &current_partner)) }
            }
        }
        button type="submit" { (x::SAVE) }
    };
    let keywords: Vec<Vec<Markup>> = d
        .keywords
        .iter()
        .map(|k| {
            vec![
                html! { (k.pattern) },
                html! { (k.reply) },
                html! { (k.hits) },
                delete_button(&v, &format!("/admin/groups/{id}/keywords/delete"), "pattern", &k.pattern),
            ]
        })
        .collect();
    let pids: Vec<Vec<Markup>> = d
        .pids
        .iter()
        .map(|s| vec![html! { (s.platform.display_name()) }, html! { (s.pid.as_deref().unwrap_or(x::INHERITED_PID)) }])
        .collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        div.cards {
            (card(x::GROUP_MEMBERS, s.members))
            (card(x::CONVERSIONS_7D, s.conversions_7d))
            (card(x::CONVERSIONS_TOTAL, s.conversions_total))
            (card(x::ROBOTS, &s.robot_name))
        }
        (earned)
        h2 { (x::SETTINGS) }
        (view::form(&v, &format!("/admin/groups/{id}"), "card", settings))
        h2 { (x::KEYWORD_REPLIES) }
        (view::table(x::KEYWORD_COLUMNS, &keywords))
        (view::form(&v, &format!("/admin/groups/{id}/keywords"), "card row", html! {
            input name="pattern" required maxlength="100" placeholder=(x::KEYWORD_PLACEHOLDER);
            input name="reply" required maxlength="1000" placeholder=(x::REPLY);
            button type="submit" { (x::ADD) }
        }))
        h2 { (x::GROUP_PIDS) }
        (view::table(x::GROUP_PID_COLUMNS, &pids))
        (pid_form(&v, &format!("/admin/groups/{id}/pids"), x::SET))
    };
    Ok(view::page(&v, "/admin/groups", &x::group_title(shown_name(s)), body))
}

pub fn platform_select() -> Markup {
    html! {
        select name="platform" {
            @for p in Platform::ALL { option value=(p.code()) { (p.display_name()) } }
        }
    }
}

/// The settings form as posted: checkboxes are absent when off.
#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    enabled: Option<String>,
    #[serde(default)]
    welcome_text: String,
    #[serde(default)]
    copy_template: String,
    #[serde(default)]
    poster_template: String,
    partner_id: Option<String>,
}

/// Back to the page at `path` with a flash line (`?msg=`): what was done, or why the input was refused; other
/// failures fail the request. `fragment` (`#…` or empty) ends the address.
pub(super) fn flash(path: &str, fragment: &str, r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    match r {
        Ok(m) | Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("{path}?msg={}{fragment}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
}

/// [`flash`] back to the group's page, `ok` when done.
fn back(id: i64, r: Result<(), AdminError>, ok: &str) -> Result<Redirect, PageError> {
    flash(&format!("/admin/groups/{id}"), "", r.map(|()| ok.to_string()))
}

pub fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn save_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    // Repeated `features` fields are collected by hand: the form extractor keeps one value per name.
    let features: Vec<String> =
        url::form_urlencoded::parse(&body).filter(|(k, _)| k == "features").map(|(_, v)| v.into_owned()).collect();
    let f: GroupForm = serde_urlencoded_form(&body)?;
    let u = GroupUpdate {
        name: Some(f.name),
        enabled: Some(f.enabled.is_some()),
        features: Some(features),
        welcome_text: Some(f.welcome_text),
        copy_template: Some(f.copy_template),
        poster_template: Some(f.poster_template),
        partner_id: if v.is_admin() { f.partner_id.and_then(|p| p.parse().ok()) } else { None },
    };
    back(id, update(&st, &v, id, u).await, x::SAVED)
}

/// Parses a form body into `T` (string fields), ignoring repeated keys after the first.
pub fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let mut seen = std::collections::HashSet::new();
    let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
        .filter(|(k, _)| seen.insert(k.to_string()))
        .map(|(k, v)| (k.into_owned(), serde_json::Value::from(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| AdminError::BadRequest(x::form_invalid(e)))
}

pub async fn keyword_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(k): Form<KeywordInput>,
) -> Result<Redirect, PageError> {
    back(id, save_keyword(&st, &v, id, &k).await, x::KEYWORD_SAVED)
}

#[derive(Deserialize)]
pub struct PatternForm {
    pub pattern: String,
}

pub async fn keyword_delete_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(k): Form<PatternForm>,
) -> Result<Redirect, PageError> {
    back(id, delete_keyword(&st, &v, id, &k.pattern).await, x::KEYWORD_DELETED)
}

pub async fn pid_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(p): Form<PidInput>,
) -> Result<Redirect, PageError> {
    back(id, set_group_pid(&st, &v, id, &p).await, x::PID_SET)
}

// ---- API ----

/// The groups the viewer may see, with members and conversions.
#[utoipa::path(
    get,
    path = "/admin/api/groups",
    tag = "groups",
    responses((status = 200, body = Vec<GroupSummary>)),
)]
pub async fn api_list(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<GroupSummary>>, ApiError> {
    Ok(Json(list_data(&st, &v).await?))
}

/// One group: its settings, templates, keyword replies and PIDs.
#[utoipa::path(
    get,
    path = "/admin/api/groups/{id}",
    tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = GroupDetail)),
)]
pub async fn api_detail(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<GroupDetail>, ApiError> {
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Changes a group's settings (fields not given stay as they are).
#[utoipa::path(
    post,
    path = "/admin/api/groups/{id}",
    tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    request_body(content = GroupUpdate, example = json!({"enabled": true, "features": ["convert", "checkin", "search", "welcome", "auto_reply"], "welcome_text": super::text::api::WELCOME_TEXT})),
    responses((status = 200, body = GroupDetail)),
)]
pub async fn api_update(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(u): Json<GroupUpdate>,
) -> Result<Json<GroupDetail>, ApiError> {
    update(&st, &v, id, u).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Saves a keyword reply of a group.
#[utoipa::path(
    post,
    path = "/admin/api/groups/{id}/keywords",
    tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    request_body(content = KeywordInput, example = json!({"pattern": super::text::api::KEYWORD_PATTERN, "reply": super::text::api::KEYWORD_REPLY})),
    responses((status = 200, body = GroupDetail)),
)]
pub async fn api_keyword(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(k): Json<KeywordInput>,
) -> Result<Json<GroupDetail>, ApiError> {
    save_keyword(&st, &v, id, &k).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Sets a group's own PID of a platform.
#[utoipa::path(
    post,
    path = "/admin/api/groups/{id}/pids",
    tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    request_body(content = PidInput, example = json!({"platform": "jd", "pid": "3100998877"})),
    responses((status = 200, body = GroupDetail)),
)]
pub async fn api_pid(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(p): Json<PidInput>,
) -> Result<Json<GroupDetail>, ApiError> {
    set_group_pid(&st, &v, id, &p).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}
