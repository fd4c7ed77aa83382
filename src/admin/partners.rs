//! 合伙人与推广位: partners, their PIDs per platform, 创建推广位 through Pinduoduo's `pid.generate` (named after the
//! partner), and the 备案 status of a partner's Pinduoduo PID (`member.authority.query` with the partner's own
//! `custom_parameters` uid `p<id>`, the link to 备案 when it is not).

use super::error::{AdminError, ApiError, PageError};
use super::groups::{PidInput, bind_pid, platform_select, urlenc};
use super::html::{self, esc};
use super::session::{Admin, Viewer};
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::dashboard::{PartnerRow, PidRow};
use crate::store::pids::PidOwner;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::Duration;

/// How long the page waits for Pinduoduo's 备案 answer.
const BEIAN_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    #[serde(flatten)]
    pub partner: PartnerRow,
    pub pids: Vec<PidRow>,
}

pub async fn list_data(st: &AppState, v: &Viewer) -> Result<Vec<PartnerView>, AdminError> {
    let partners = st.store.partners(v.scope()).await?;
    let pids = st.store.pids_of_kind("partner", v.scope()).await?;
    Ok(partners
        .into_iter()
        .map(|p| {
            let own = pids.iter().filter(|r| r.owner_id == p.id).cloned().collect();
            PartnerView { partner: p, pids: own }
        })
        .collect())
}

/// 备案 of a partner's Pinduoduo PID.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Beian {
    pub pid: String,
    /// `true` bound, `false` not bound, `None` Pinduoduo did not answer.
    pub bound: Option<bool>,
    /// The link the partner opens to 备案, when not bound.
    pub url: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub view: PartnerView,
    pub beian: Option<Beian>,
}

async fn visible_partner(st: &AppState, v: &Viewer, id: i64) -> Result<PartnerView, AdminError> {
    if !v.owns(Some(id)) {
        return Err(AdminError::Forbidden);
    }
    let partner = st.store.partners(Some(id)).await?.into_iter().next().ok_or(AdminError::NotFound)?;
    let pids = st.store.pids_of_kind("partner", Some(id)).await?;
    Ok(PartnerView { partner, pids })
}

pub async fn detail_data(st: &AppState, v: &Viewer, id: i64) -> Result<PartnerDetail, AdminError> {
    let view = visible_partner(st, v, id).await?;
    let pdd_pid = view.pids.iter().find(|p| p.platform == Platform::Pdd).map(|p| p.pid.clone());
    let beian = match (pdd_pid, st.dispatcher.engine().affiliates.pdd.as_ref()) {
        (Some(pid), Some(client)) => {
            let uid = format!("p{id}");
            let bound = tokio::time::timeout(BEIAN_TIMEOUT, client.member_authorized(&pid, &uid))
                .await
                .ok()
                .and_then(Result::ok);
            let url = if bound == Some(true) {
                None
            } else {
                tokio::time::timeout(BEIAN_TIMEOUT, client.authority_url(&pid, &uid)).await.ok().and_then(Result::ok)
            };
            Some(Beian { pid, bound, url })
        }
        _ => None,
    };
    Ok(PartnerDetail { view, beian })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewPartner {
    pub name: String,
    #[serde(default)]
    pub wxid: String,
}

pub async fn create(st: &AppState, _v: &Admin, p: &NewPartner) -> Result<i64, AdminError> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(AdminError::BadRequest("合伙人名称须为 1 到 32 个字".into()));
    }
    let wxid = p.wxid.trim();
    let wxid = if wxid.is_empty() { None } else { Some(wxid) };
    Ok(st.store.create_partner(name, wxid, None, st.clock.now_ms()).await?)
}

pub async fn set_pid(st: &AppState, v: &Viewer, id: i64, input: &PidInput) -> Result<(), AdminError> {
    let view = visible_partner(st, v, id).await?;
    bind_pid(st, PidOwner::Partner(id), input, &view.partner.name).await
}

/// 创建推广位: one new Pinduoduo PID named after the partner, bound to them.
pub async fn generate_pdd_pid(st: &AppState, v: &Viewer, id: i64) -> Result<String, AdminError> {
    let view = visible_partner(st, v, id).await?;
    let client = st.dispatcher.engine().affiliates.pdd.clone().ok_or(AdminError::BadRequest("未配置拼多多".into()))?;
    let made = client
        .generate_pids(std::slice::from_ref(&view.partner.name))
        .await
        .map_err(|e| AdminError::Upstream(e.to_string()))?;
    let pid = made.into_iter().next().map(|p| p.pid).ok_or(AdminError::Upstream("未返回推广位".into()))?;
    if !st.store.set_pid(Platform::Pdd, &pid, &view.partner.name, PidOwner::Partner(id), st.clock.now_ms()).await? {
        return Err(AdminError::Upstream("拼多多返回了已被占用的推广位".into()));
    }
    tracing::info!(partner = id, pid = %pid, "pinduoduo pid generated");
    Ok(pid)
}

// ---- pages ----

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn pid_cells(pids: &[PidRow]) -> String {
    let mut s = String::new();
    for p in pids {
        let _ = write!(s, "<span class=tag>{} {}</span> ", p.platform.display_name(), esc(&p.pid));
    }
    if s.is_empty() { "-".into() } else { s }
}

pub async fn list_page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let rows: Vec<Vec<String>> = list_data(&st, &v)
        .await?
        .iter()
        .map(|p| {
            vec![
                format!("<a href=\"/admin/partners/{}\">{}</a>", p.partner.id, esc(&p.partner.name)),
                esc(p.partner.wxid.as_deref().unwrap_or("-")),
                p.partner.groups.to_string(),
                pid_cells(&p.pids),
            ]
        })
        .collect();
    let mut b = html::notice(q.msg.as_deref());
    b.push_str(&html::table(&["合伙人", "微信号", "群数", "推广位"], &rows));
    if v.is_admin() {
        b.push_str("<h2>新增合伙人</h2>");
        b.push_str(&html::form_open(&v, "/admin/partners", "card row"));
        b.push_str("<input name=name required maxlength=32 placeholder=名称><input name=wxid maxlength=64 placeholder=微信号（可选）><button type=submit>新增</button></form>");
    }
    Ok(html::page(&v, "/admin/partners", "合伙人与推广位", &b))
}

pub async fn detail_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Html<String>, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let mut b = html::notice(q.msg.as_deref());
    let rows: Vec<Vec<String>> = Platform::ALL
        .iter()
        .map(|pl| {
            let pid = d.view.pids.iter().find(|r| r.platform == *pl);
            vec![
                pl.display_name().to_string(),
                esc(pid.map_or("-", |r| r.pid.as_str())),
                esc(pid.map_or("", |r| r.name.as_str())),
            ]
        })
        .collect();
    b.push_str(&html::table(&["平台", "推广位", "名称"], &rows));
    match &d.beian {
        Some(be) => {
            let state = match be.bound {
                Some(true) => "<b class=ok>已备案</b>".to_string(),
                Some(false) => "<b class=warn>未备案</b>".to_string(),
                None => "<span class=muted>查询失败</span>".to_string(),
            };
            let link = be
                .url
                .as_deref()
                .map(|u| format!(" · <a href=\"{}\" rel=noreferrer>备案链接</a>", esc(u)))
                .unwrap_or_default();
            let _ = write!(b, "<p id=beian>拼多多推广位 {} 备案：{state}{link}</p>", esc(&be.pid));
        }
        None => b.push_str("<p id=beian class=muted>暂无拼多多推广位</p>"),
    }
    b.push_str(&html::form_open(&v, &format!("/admin/partners/{id}/pdd-pid"), "card row"));
    b.push_str(
        "<span>为该合伙人在拼多多创建推广位（以合伙人名称命名）</span><button type=submit>创建推广位</button></form>",
    );
    b.push_str(&html::form_open(&v, &format!("/admin/partners/{id}/pids"), "card row"));
    b.push_str(&platform_select());
    b.push_str(
        "<input name=pid required maxlength=64 placeholder=推广位ID><button type=submit>设置推广位</button></form>",
    );
    Ok(html::page(&v, "/admin/partners", &format!("合伙人 · {}", d.view.partner.name), &b))
}

fn back(to: String, r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    match r {
        Ok(ok) => Ok(Redirect::to(&format!("{to}?msg={}", urlenc(&ok)))),
        Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("{to}?msg={}", urlenc(&m)))),
        Err(AdminError::Upstream(m)) => {
            Ok(Redirect::to(&format!("{to}?msg={}", urlenc(&format!("联盟接口出错：{m}")))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Admin,
    Form(p): Form<NewPartner>,
) -> Result<Redirect, PageError> {
    back("/admin/partners".into(), create(&st, &v, &p).await.map(|_| "已新增合伙人".to_string()))
}

pub async fn pid_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(p): Form<PidInput>,
) -> Result<Redirect, PageError> {
    back(format!("/admin/partners/{id}"), set_pid(&st, &v, id, &p).await.map(|_| "推广位已设置".to_string()))
}

pub async fn generate_page(State(st): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    back(format!("/admin/partners/{id}"), generate_pdd_pid(&st, &v, id).await.map(|pid| format!("已创建推广位 {pid}")))
}

// ---- API ----

/// Partners with their groups and PIDs.
#[utoipa::path(
    get,
    path = "/admin/api/partners",
    tag = "partners",
    responses((status = 200, body = Vec<PartnerView>)),
)]
pub async fn api_list(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<PartnerView>>, ApiError> {
    Ok(Json(list_data(&st, &v).await?))
}

/// One partner with their PIDs and the filing (beian) status of their PDD PID.
#[utoipa::path(
    get,
    path = "/admin/api/partners/{id}",
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id")),
    responses((status = 200, body = PartnerDetail)),
)]
pub async fn api_detail(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<PartnerDetail>, ApiError> {
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Adds a partner.
#[utoipa::path(
    post,
    path = "/admin/api/partners",
    tag = "partners",
    request_body(content = NewPartner, example = json!({"name": super::text::api::PARTNER_NAME, "wxid": "wxid_wang01"})),
    responses((status = 200, body = PartnerDetail)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_create(
    State(st): State<AppState>,
    v: Admin,
    Json(p): Json<NewPartner>,
) -> Result<Json<PartnerDetail>, ApiError> {
    let id = create(&st, &v, &p).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Sets a partner's PID of a platform.
#[utoipa::path(
    post,
    path = "/admin/api/partners/{id}/pids",
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id")),
    request_body(content = PidInput, example = json!({"platform": "taobao", "pid": "mm_1000_2000_3001"})),
    responses((status = 200, body = PartnerDetail)),
)]
pub async fn api_pid(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Json(p): Json<PidInput>,
) -> Result<Json<PartnerDetail>, ApiError> {
    set_pid(&st, &v, id, &p).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}

/// Creates a PDD PID for a partner (pid.generate), named after the partner.
#[utoipa::path(
    post,
    path = "/admin/api/partners/{id}/pdd-pid",
    tag = "partners",
    params(("id" = i64, Path, description = "Partner id")),
    responses((status = 200, body = PartnerDetail)),
)]
pub async fn api_generate(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<PartnerDetail>, ApiError> {
    generate_pdd_pid(&st, &v, id).await?;
    Ok(Json(detail_data(&st, &v, id).await?))
}
