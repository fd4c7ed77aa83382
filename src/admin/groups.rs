//! 群: every group the viewer may see with its numbers, and one group's settings (switches, features, welcome,
//! copy and poster templates, keyword replies, PIDs).

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc};
use super::session::Viewer;
use crate::engine::copy;
use crate::engine::group_settings::{Feature, GroupSettings};
use crate::engine::keywords::{MatchKind, ReplyBody, display_pattern, parse_pattern};
use crate::engine::pid_binding::PidRefusal;
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::dashboard::{GroupSummary, PartnerRow};
use crate::store::groups::Group;
use crate::store::keywords::NewKeyword;
use crate::store::pids::PidOwner;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
        return Err(AdminError::BadRequest(format!("{what}过长（最多 {max} 字）")));
    }
    Ok(t.to_string())
}

pub async fn update(st: &AppState, v: &Viewer, id: i64, u: GroupUpdate) -> Result<(), AdminError> {
    let g = visible_group(st, v, id).await?;
    let now = st.clock.now_ms();
    let store = &st.store;
    if let Some(name) = &u.name {
        store.set_group_name(g.id, &bounded(name, 64, "群名")?, now).await?;
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
            let w = bounded(w, 500, "欢迎语")?;
            s.welcome_text = if w.is_empty() { None } else { Some(w) };
        }
        store.set_group_settings(g.id, &s.to_json(), now).await?;
    }
    if let Some(t) = &u.copy_template {
        let t = t.trim();
        if t.is_empty() {
            store.set_copy_template(g.id, None, now).await?;
        } else {
            copy::validate(t).map_err(|e| AdminError::BadRequest(format!("文案模板有误：{e}")))?;
            store.set_copy_template(g.id, Some(t), now).await?;
        }
    }
    if let Some(t) = &u.poster_template {
        let t = bounded(t, 64, "海报模板名")?;
        store.set_poster_template(g.id, if t.is_empty() { None } else { Some(&t) }, now).await?;
    }
    if let Some(p) = u.partner_id {
        v.admin()?;
        let partner = if p > 0 { Some(p) } else { None };
        if let Some(p) = partner
            && store.partners(Some(p)).await?.is_empty()
        {
            return Err(AdminError::BadRequest("合伙人不存在".into()));
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
    let (kind, pattern) = parse_pattern(&k.pattern).map_err(|e| AdminError::BadRequest(format!("关键词有误：{e}")))?;
    let reply = ReplyBody::from_input(&bounded(&k.reply, 1000, "回复")?);
    if reply.content().is_empty() {
        return Err(AdminError::BadRequest("回复不能为空".into()));
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
    let (_, pattern) = parse_pattern(typed).map_err(|e| AdminError::BadRequest(format!("关键词有误：{e}")))?;
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
    let platform: Platform = input.platform.parse().map_err(|_| AdminError::BadRequest("未知平台".into()))?;
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

pub async fn list_page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let rows: Vec<Vec<String>> = list_data(&st, &v)
        .await?
        .iter()
        .map(|g| {
            vec![
                format!(
                    "<a href=\"/admin/groups/{}\">{}</a>",
                    g.id,
                    esc(if g.name.is_empty() { &g.room_id } else { &g.name })
                ),
                if g.enabled { "开启".into() } else { "<span class=muted>关闭</span>".into() },
                esc(&g.robot_name),
                esc(g.partner_name.as_deref().unwrap_or("-")),
                g.members.to_string(),
                g.conversions_7d.to_string(),
                g.conversions_total.to_string(),
            ]
        })
        .collect();
    let body = html::table(&["群", "状态", "机器人", "合伙人", "成员", "近7天转链", "累计转链"], &rows);
    Ok(html::page(&v, "/admin/groups", "群", &body))
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn checkbox(name: &str, value: &str, label: &str, on: bool) -> String {
    format!(
        "<label class=check><input type=checkbox name=\"{name}\" value=\"{value}\"{}> {label}</label>",
        if on { " checked" } else { "" }
    )
}

pub async fn detail_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Html<String>, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let s = &d.summary;
    let mut b = html::notice(q.msg.as_deref());
    let _ = write!(
        b,
        "<div class=cards><div class=card><span>成员</span><b>{}</b></div><div class=card><span>近7天转链</span><b>{}</b></div>\
         <div class=card><span>累计转链</span><b>{}</b></div><div class=card><span>机器人</span><b>{}</b></div></div>",
        s.members,
        s.conversions_7d,
        s.conversions_total,
        esc(&s.robot_name)
    );
    b.push_str(&super::posting::group_earned(&st, &v, id).await?);
    let action = format!("/admin/groups/{id}");
    b.push_str("<h2>设置</h2>");
    b.push_str(&html::form_open(&v, &action, "card"));
    let _ = write!(
        b,
        "<label>群名<input name=name maxlength=64 value=\"{}\"></label>{}",
        esc(&s.name),
        checkbox("enabled", "true", "机器人在本群开启", s.enabled)
    );
    b.push_str("<fieldset><legend>功能</legend>");
    for f in Feature::ALL {
        b.push_str(&checkbox("features", feature_code(f), f.name(), d.settings.enabled(f)));
    }
    b.push_str("</fieldset>");
    let _ = write!(
        b,
        "<label>欢迎语<textarea name=welcome_text maxlength=500 rows=3>{}</textarea></label>\
         <label>文案模板（留空用默认）<textarea name=copy_template maxlength=1000 rows=4>{}</textarea></label>\
         <label>海报模板（留空用默认）<input name=poster_template maxlength=64 value=\"{}\"></label>",
        esc(d.settings.welcome_text.as_deref().unwrap_or("")),
        esc(d.copy_template.as_deref().unwrap_or("")),
        esc(d.poster_template.as_deref().unwrap_or(""))
    );
    if v.is_admin() {
        let partners: Vec<PartnerRow> = st.store.partners(None).await?;
        b.push_str("<label>合伙人<select name=partner_id><option value=0>（无）</option>");
        for p in partners {
            let sel = if s.partner_id == Some(p.id) { " selected" } else { "" };
            let _ = write!(b, "<option value={}{sel}>{}</option>", p.id, esc(&p.name));
        }
        b.push_str("</select></label>");
    }
    b.push_str("<button type=submit>保存</button></form>");

    b.push_str("<h2>关键词回复</h2>");
    let rows: Vec<Vec<String>> = d
        .keywords
        .iter()
        .map(|k| {
            vec![
                esc(&k.pattern),
                esc(&k.reply),
                k.hits.to_string(),
                format!(
                    "{}<input type=hidden name=pattern value=\"{}\"><button type=submit class=link>删除</button></form>",
                    html::form_open(&v, &format!("/admin/groups/{id}/keywords/delete"), "inline"),
                    esc(&k.pattern)
                ),
            ]
        })
        .collect();
    b.push_str(&html::table(&["关键词", "回复", "命中", ""], &rows));
    b.push_str(&html::form_open(&v, &format!("/admin/groups/{id}/keywords"), "card row"));
    b.push_str(
        "<input name=pattern required maxlength=100 placeholder=\"关键词（=精确，/正则/）\">\
         <input name=reply required maxlength=1000 placeholder=回复><button type=submit>添加</button></form>",
    );

    b.push_str("<h2>本群推广位</h2>");
    let rows: Vec<Vec<String>> = d
        .pids
        .iter()
        .map(|s| vec![s.platform.display_name().to_string(), esc(s.pid.as_deref().unwrap_or("（继承合伙人/机器人）"))])
        .collect();
    b.push_str(&html::table(&["平台", "推广位"], &rows));
    b.push_str(&html::form_open(&v, &format!("/admin/groups/{id}/pids"), "card row"));
    b.push_str(&platform_select());
    b.push_str("<input name=pid required maxlength=64 placeholder=推广位ID><button type=submit>设置</button></form>");
    let title = format!("群 · {}", if s.name.is_empty() { &s.room_id } else { &s.name });
    Ok(html::page(&v, "/admin/groups", &title, &b))
}

pub fn platform_select() -> String {
    let mut s = String::from("<select name=platform>");
    for p in Platform::ALL {
        let _ = write!(s, "<option value={}>{}</option>", p.code(), p.display_name());
    }
    s.push_str("</select>");
    s
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

fn back(id: i64, r: Result<(), AdminError>, ok: &str) -> Result<Redirect, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/groups/{id}?msg={}", urlenc(ok)))),
        Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("/admin/groups/{id}?msg={}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
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
    back(id, update(&st, &v, id, u).await, "已保存")
}

/// Parses a form body into `T` (string fields), ignoring repeated keys after the first.
pub fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let mut seen = std::collections::HashSet::new();
    let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
        .filter(|(k, _)| seen.insert(k.to_string()))
        .map(|(k, v)| (k.into_owned(), serde_json::Value::from(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| AdminError::BadRequest(format!("表单有误：{e}")))
}

pub async fn keyword_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(k): Form<KeywordInput>,
) -> Result<Redirect, PageError> {
    back(id, save_keyword(&st, &v, id, &k).await, "关键词已保存")
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
    back(id, delete_keyword(&st, &v, id, &k.pattern).await, "关键词已删除")
}

pub async fn pid_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(p): Form<PidInput>,
) -> Result<Redirect, PageError> {
    back(id, set_group_pid(&st, &v, id, &p).await, "推广位已设置")
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
