//! 机器人: each robot with its account state (online, offline, needs re-login, banned/limited) as the gateway
//! last showed it, the times of its last message in and out, outbox depth and failures; the robots' event log
//! (the dashboard side of the offline alerts); and the operator's actions: reconnect, log out, sync contacts and
//! move a down robot's held sends to another robot. Admin only.

use super::error::{AdminError, ApiError, PageError};
use super::format;
use super::groups::urlenc;
use super::session::{Admin, Viewer};
use super::text::posting as x;
use super::view;
use crate::http::AppState;
use crate::robots::{RobotError, RobotState};
use crate::store::dashboard::RobotSummary;
use crate::store::robot_lifecycle::{MovedSends, RobotEvent};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

/// How many events the page shows.
const EVENTS_SHOWN: i64 = 50;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RobotView {
    #[serde(flatten)]
    pub robot: RobotSummary,
    /// `online`, `offline`, `needs_login`, `limited`, or `unconfigured` (in the database, not in the settings).
    pub gateway: &'static str,
    /// Why the account is not online (the gateway's words), empty when online.
    pub state_reason: String,
    pub state_changed_at: Option<i64>,
    /// Last message received by / accepted from the robot (unix ms).
    pub last_in_at: Option<i64>,
    pub last_out_at: Option<i64>,
    pub gateway_url: Option<String>,
}

impl From<RobotError> for AdminError {
    fn from(e: RobotError) -> Self {
        match e {
            RobotError::UnknownRobot(_) => AdminError::NotFound,
            RobotError::Gateway(g) => AdminError::Upstream(crate::robots::error_text(&g)),
            RobotError::Store(s) => s.into(),
        }
    }
}

pub async fn data(st: &AppState, _v: &Admin) -> Result<Vec<RobotView>, AdminError> {
    let engine = st.dispatcher.engine();
    let mut views = Vec::new();
    for r in st.store.robots_overview().await? {
        let status = st.store.robot_status(r.id).await?;
        let ctx = engine.robots.get(&r.id);
        let ctx = ctx.as_ref();
        let gateway = match ctx {
            Some(_) => RobotState::parse(&status.state).unwrap_or(RobotState::Online).as_str(),
            None => "unconfigured",
        };
        views.push(RobotView {
            gateway,
            state_reason: status.reason,
            state_changed_at: status.changed_at,
            last_in_at: status.last_in_at,
            last_out_at: status.last_out_at,
            gateway_url: ctx.map(|c| c.settings.base_url.clone()),
            robot: r,
        });
    }
    Ok(views)
}

fn state_cell(gateway: &str) -> Markup {
    match RobotState::parse(gateway) {
        Some(RobotState::Online) => html! { b.ok { (x::ONLINE) } },
        Some(s) => html! { b.warn { (s.label()) } },
        None => html! { span.muted { (x::UNCONFIGURED) } },
    }
}

fn when(t: Option<i64>, offset: i64) -> String {
    t.map(|t| format::datetime(t, offset)).unwrap_or_else(|| "-".into())
}

/// The action buttons of one robot row.
fn actions(v: &Viewer, r: &RobotView, all: &[RobotView], engine_robot: Option<crate::engine::RobotCtx>) -> Markup {
    if r.gateway == "unconfigured" {
        return html! {};
    }
    let id = r.robot.id;
    let button = |action: &str, class: Option<&str>, label: &str| {
        view::form(
            v,
            &format!("/admin/robots/{id}/{action}"),
            "inline",
            html! { button type="submit" class=[class] { (label) } },
        )
    };
    let others: Vec<&RobotView> = all.iter().filter(|o| o.robot.id != id && o.gateway != "unconfigured").collect();
    html! {
        @if r.gateway != RobotState::Online.as_str() {
            a.button href={ "/admin/robots/" (id) "/login" } { (x::SCAN_TO_LOG_IN) }
        }
        (button("reconnect", None, x::RECONNECT))
        (button("sync", None, x::SYNC_CONTACTS))
        (button("logout", Some("danger"), x::LOG_OUT))
        @if r.robot.queued > 0 && !others.is_empty() {
            (view::form(v, &format!("/admin/robots/{id}/move"), "inline", html! {
                select name="to" aria-label=(x::TARGET_ROBOT) {
                    @for o in &others { option value=(o.robot.id) { (o.robot.name) } }
                }
                button type="submit" { (x::MOVE_SENDS) }
            }))
        }
        @if let Some(ctx) = engine_robot {
            (super::robot_accounts::pacing_form(v, &ctx))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub msg: Option<String>,
}

pub async fn page(
    State(st): State<AppState>,
    v: Admin,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let robots = data(&st, &v).await?;
    let rows: Vec<Vec<Markup>> = robots
        .iter()
        .map(|r| {
            vec![
                html! { (r.robot.name) },
                html! { (r.robot.nickname) },
                html! { (r.robot.wxid) },
                state_cell(r.gateway),
                html! { (if r.state_reason.is_empty() { "-" } else { &r.state_reason }) },
                html! { (r.robot.groups) },
                html! { (r.robot.queued) },
                html! { (r.robot.sent) },
                html! { (r.robot.dead) },
                html! { (when(r.last_in_at, offset)) },
                html! { (when(r.last_out_at, offset)) },
                html! { (r.robot.last_error.as_deref().unwrap_or("-")) },
                actions(&v, r, &robots, st.robots.get(&r.robot.id)),
            ]
        })
        .collect();
    let names: std::collections::HashMap<i64, &str> =
        robots.iter().map(|r| (r.robot.id, r.robot.name.as_str())).collect();
    let events: Vec<Vec<Markup>> = st
        .store
        .recent_robot_events(EVENTS_SHOWN)
        .await?
        .iter()
        .map(|e| {
            vec![
                html! { (format::datetime(e.created_at, offset)) },
                html! { (names.get(&e.robot_id).copied().unwrap_or("-")) },
                event_label(e),
                html! { (e.detail) },
            ]
        })
        .collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        (view::table(x::ROBOT_COLUMNS, &rows))
        (super::robot_accounts::add_form(&v))
        h2 { (x::ROBOT_EVENTS) }
        (view::table(x::EVENT_COLUMNS, &events))
    };
    Ok(view::page(&v, "/admin/robots", x::ROBOTS, body))
}

fn event_label(e: &RobotEvent) -> Markup {
    match (RobotState::parse(&e.kind), e.kind.as_str()) {
        (Some(RobotState::Online), _) => html! { b.ok { (x::BACK_ONLINE) } },
        (Some(s), _) => html! { b.warn { (s.label()) } },
        (None, "moved") => html! { (x::SENDS_MOVED) },
        (None, "alert_undelivered") => html! { b.warn { (x::ALERT_UNDELIVERED) } },
        (None, "added") => html! { (x::ADDED_ON_DASHBOARD) },
        (None, "callback_failed") => html! { b.warn { (x::CALLBACK_FAILED) } },
        (None, other) => html! { (other) },
    }
}

/// Robots and their send queues.
#[utoipa::path(
    get,
    path = "/admin/api/robots",
    tag = "robots",
    responses((status = 200, body = Vec<RobotView>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api(State(st): State<AppState>, v: Admin) -> Result<Json<Vec<RobotView>>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}

/// Recent robot events (online, offline, reconnected, needs login…), newest first.
#[utoipa::path(
    get,
    path = "/admin/api/robots/events",
    tag = "robots",
    responses((status = 200, body = Vec<RobotEvent>)),
    extensions(("x-admin-only" = json!(true)), ("x-calls-gateway" = json!(true))),
)]
pub async fn api_events(State(st): State<AppState>, _v: Admin) -> Result<Json<Vec<RobotEvent>>, ApiError> {
    Ok(Json(st.store.recent_robot_events(EVENTS_SHOWN).await?))
}

/// A configured robot's id, or 404.
fn configured(st: &AppState, id: i64) -> Result<(), AdminError> {
    st.dispatcher.engine().robots.get(&id).map(|_| ()).ok_or(AdminError::NotFound)
}

pub async fn reconnect(st: &AppState, _v: &Admin, id: i64) -> Result<RobotState, AdminError> {
    configured(st, id)?;
    Ok(st.dispatcher.engine().lifecycle.reconnect(id).await?)
}

pub async fn log_out(st: &AppState, _v: &Admin, id: i64) -> Result<(), AdminError> {
    configured(st, id)?;
    Ok(st.dispatcher.engine().lifecycle.log_out(id).await?)
}

pub async fn sync(st: &AppState, _v: &Admin, id: i64) -> Result<usize, AdminError> {
    configured(st, id)?;
    Ok(st.dispatcher.engine().lifecycle.sync_contacts(id).await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MoveInput {
    pub to: i64,
}

/// Moves the robot's held sends to robot `to` (for the conversations `to` serves).
pub async fn move_sends(st: &AppState, _v: &Admin, id: i64, to: i64) -> Result<MovedSends, AdminError> {
    configured(st, id)?;
    configured(st, to)?;
    if id == to {
        return Err(AdminError::BadRequest(x::CHOOSE_ANOTHER_ROBOT.into()));
    }
    let engine = st.dispatcher.engine();
    let now = st.clock.now_ms();
    let moved = st.store.move_pending_sends(id, to, now).await?;
    let detail = x::moved_detail(moved.moved, to, moved.kept);
    st.store.add_robot_event(id, "moved", &detail, now).await?;
    if let Some(wake) = engine.outbox_wake.get(&to) {
        wake.notify_one();
    }
    Ok(moved)
}

fn back(r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    match r {
        Ok(msg) | Err(AdminError::BadRequest(msg)) | Err(AdminError::Upstream(msg)) => {
            Ok(Redirect::to(&format!("/admin/robots?msg={}", urlenc(&msg))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reconnect_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    back(reconnect(&st, &v, id).await.map(|s| x::reconnected(s.label())))
}

pub async fn logout_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    back(log_out(&st, &v, id).await.map(|()| x::LOGGED_OUT.to_string()))
}

pub async fn sync_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    back(sync(&st, &v, id).await.map(x::synced))
}

pub async fn move_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(m): Form<MoveInput>,
) -> Result<Redirect, PageError> {
    back(move_sends(&st, &v, id, m.to).await.map(|m| x::moved(m.moved, m.kept)))
}

/// Moves a robot's queued sends to another robot (to: robot id; sends to groups the other is not in stay).
#[utoipa::path(
    post,
    path = "/admin/api/robots/{id}/move",
    tag = "robots",
    params(("id" = i64, Path, description = "Robot id")),
    request_body(content = MoveInput, example = json!({"to": 2})),
    responses((status = 200, body = MovedSends)),
    extensions(("x-admin-only" = json!(true)), ("x-calls-gateway" = json!(true))),
)]
pub async fn api_move(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(m): Json<MoveInput>,
) -> Result<Json<MovedSends>, ApiError> {
    Ok(Json(move_sends(&st, &v, id, m.to).await?))
}

/// Has the gateway reconnect an offline robot; answers the state after.
#[utoipa::path(
    post,
    path = "/admin/api/robots/{id}/reconnect",
    tag = "robots",
    params(("id" = i64, Path, description = "Robot id")),
    responses((status = 200, body = RobotState)),
    extensions(("x-admin-only" = json!(true)), ("x-calls-gateway" = json!(true))),
)]
pub async fn api_reconnect(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
) -> Result<Json<RobotState>, ApiError> {
    Ok(Json(reconnect(&st, &v, id).await?))
}
