//! 合伙人与推广位: partners, their PIDs per platform, 创建推广位 through Pinduoduo's `pid.generate` (named after the
//! partner), and the 备案 status of a partner's Pinduoduo PID (`member.authority.query` with the partner's own
//! `custom_parameters` uid `p<id>`, the link to 备案 when it is not).

use super::error::{AdminError, ApiError, PageError};
use super::groups::{PidInput, bind_pid, flash, pid_form};
use super::session::{Admin, Viewer};
use super::text::people as x;
use super::view;
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::dashboard::{PartnerRow, PidRow};
use crate::store::pids::PidOwner;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
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
        return Err(AdminError::BadRequest(x::PARTNER_NAME_LENGTH.into()));
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
    let client =
        st.dispatcher.engine().affiliates.pdd.clone().ok_or(AdminError::BadRequest(x::PDD_NOT_CONFIGURED.into()))?;
    let made = client
        .generate_pids(std::slice::from_ref(&view.partner.name))
        .await
        .map_err(|e| AdminError::Upstream(e.to_string()))?;
    let pid = made.into_iter().next().map(|p| p.pid).ok_or(AdminError::Upstream(x::NO_PID_RETURNED.into()))?;
    if !st.store.set_pid(Platform::Pdd, &pid, &view.partner.name, PidOwner::Partner(id), st.clock.now_ms()).await? {
        return Err(AdminError::Upstream(x::PID_TAKEN.into()));
    }
    tracing::info!(partner = id, pid = %pid, "pinduoduo pid generated");
    Ok(pid)
}

// ---- pages ----

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

/// Every partner as (id, name), for a `<select>`.
pub(super) async fn choices(st: &AppState) -> Result<Vec<(String, String)>, AdminError> {
    Ok(st.store.partners(None).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect())
}

fn pid_cells(pids: &[PidRow]) -> Markup {
    html! {
        @for p in pids { span.tag { (p.platform.display_name()) " " (p.pid) } " " }
        @if pids.is_empty() { "-" }
    }
}

pub async fn list_page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let rows: Vec<Vec<Markup>> = list_data(&st, &v)
        .await?
        .iter()
        .map(|p| {
            vec![
                html! { a href={ "/admin/partners/" (p.partner.id) } { (p.partner.name) } },
                html! { (p.partner.wxid.as_deref().unwrap_or("-")) },
                html! { (p.partner.groups) },
                pid_cells(&p.pids),
            ]
        })
        .collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        (view::table(x::PARTNER_LIST_COLUMNS, &rows))
        @if v.is_admin() {
            h2 { (x::NEW_PARTNER) }
            (view::form(&v, "/admin/partners", "card row", html! {
                input name="name" required maxlength="32" placeholder=(x::NAME);
                input name="wxid" maxlength="64" placeholder=(x::WXID_OPTIONAL);
                button type="submit" { (x::ADD_NEW) }
            }))
        }
    };
    Ok(view::page(&v, "/admin/partners", x::PARTNERS, body))
}

fn beian_line(beian: Option<&Beian>) -> Markup {
    html! {
        @match beian {
            Some(be) => p #beian {
                (x::PDD_PID) " " (be.pid) " " (x::BEIAN)
                @match be.bound {
                    Some(true) => b.ok { (x::BEIAN_BOUND) },
                    Some(false) => b.warn { (x::BEIAN_UNBOUND) },
                    None => span.muted { (x::QUERY_FAILED) },
                }
                @if let Some(u) = &be.url { " · " a href=(u) rel="noreferrer" { (x::BEIAN_LINK) } }
            },
            None => p #beian.muted { (x::NO_PDD_PID) },
        }
    }
}

pub async fn detail_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Msg>,
) -> Result<Markup, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let rows: Vec<Vec<Markup>> = Platform::ALL
        .iter()
        .map(|pl| {
            let pid = d.view.pids.iter().find(|r| r.platform == *pl);
            vec![
                html! { (pl.display_name()) },
                html! { (pid.map_or("-", |r| r.pid.as_str())) },
                html! { (pid.map_or("", |r| r.name.as_str())) },
            ]
        })
        .collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        (view::table(x::PARTNER_PID_COLUMNS, &rows))
        (beian_line(d.beian.as_ref()))
        (view::form(&v, &format!("/admin/partners/{id}/pdd-pid"), "card row", html! {
            span { (x::GENERATE_PID_HINT) }
            button type="submit" { (x::GENERATE_PID) }
        }))
        (pid_form(&v, &format!("/admin/partners/{id}/pids"), x::SET_PID))
    };
    Ok(view::page(&v, "/admin/partners", &x::partner_title(&d.view.partner.name), body))
}

/// [`flash`] back to `to`; a failure of Pinduoduo's API is shown too.
fn back(to: String, r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    let r = r.map_err(|e| match e {
        AdminError::Upstream(m) => AdminError::BadRequest(x::upstream(&m)),
        other => other,
    });
    flash(&to, "", r)
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Admin,
    Form(p): Form<NewPartner>,
) -> Result<Redirect, PageError> {
    back("/admin/partners".into(), create(&st, &v, &p).await.map(|_| x::PARTNER_ADDED.to_string()))
}

pub async fn pid_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(p): Form<PidInput>,
) -> Result<Redirect, PageError> {
    back(format!("/admin/partners/{id}"), set_pid(&st, &v, id, &p).await.map(|_| x::PID_SET.to_string()))
}

pub async fn generate_page(State(st): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    back(format!("/admin/partners/{id}"), generate_pdd_pid(&st, &v, id).await.map(|pid| x::pid_generated(&pid)))
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
