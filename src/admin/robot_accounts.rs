//! 机器人 (continued): adding a GeWe robot on the dashboard (name, gateway URL, token; validated and bounded),
//! logging it in by a QR drawn from the gateway's QR data and polled as JSON, and its pacing, editable without a
//! restart. Admin only. The token is stored and used, never shown back.

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::session::{Admin, Viewer};
use super::text::posting as x;
use super::view;
use crate::chat::gewe::GeweClient;
use crate::engine::RobotCtx;
use crate::http::AppState;
use crate::outbox::{LivePacing, Pacing};
use crate::robots::login::LoginProgress;
use crate::store::robot_accounts::{DashboardRobot, PacingOverride};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::{Form, Json};
use base64::Engine as _;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

/// Longest robot name (it is part of the webhook URL).
const MAX_NAME: usize = 32;
/// Longest gateway URL.
pub const MAX_GATEWAY_URL: usize = 200;
/// Longest gateway token.
const MAX_TOKEN: usize = 128;
/// Bounds of the pacing fields, in ms.
const MAX_GAP_MS: i64 = 600_000;
const MAX_GROUP_GAP_MS: i64 = 3_600_000;
/// Timeout of the gateway call that creates the robot's device.
const ADD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewRobot {
    pub name: String,
    pub gateway_url: String,
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddedRobot {
    pub id: i64,
    pub name: String,
    /// The device created for it at the gateway.
    pub app_id: String,
}

/// Checks the form: a name for the webhook path, an http(s) gateway URL and a token, all bounded.
pub fn validate(r: &NewRobot) -> Result<(String, String, String), AdminError> {
    let bad = |m: &str| Err(AdminError::BadRequest(m.into()));
    let name = r.name.trim();
    if name.is_empty()
        || name.len() > MAX_NAME
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return bad(x::ROBOT_NAME_RULE);
    }
    let gateway = r.gateway_url.trim().trim_end_matches('/');
    if gateway.len() > MAX_GATEWAY_URL {
        return bad(x::GATEWAY_TOO_LONG);
    }
    match url::Url::parse(gateway) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.fragment().is_none() => {}
        _ => return bad(x::GATEWAY_RULE),
    }
    let token = r.token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad(x::TOKEN_RULE);
    }
    Ok((name.to_string(), gateway.to_string(), token.to_string()))
}

/// Adds a robot: the gateway creates its device (a bad URL or token fails here, with the gateway's words), the
/// robot is stored and started at once; it sends nothing until it is logged in.
pub async fn add(st: &AppState, _v: &Admin, r: &NewRobot) -> Result<AddedRobot, AdminError> {
    let (name, gateway_url, token) = validate(r)?;
    if st.settings.robot(&name).is_some() || st.robots.by_name(&name).is_some() {
        return Err(AdminError::BadRequest(x::name_taken(&name)));
    }
    let webhook_secret = crate::admin::session::random_token();
    let mut d = DashboardRobot {
        id: 0,
        name,
        app_id: String::new(),
        wxid: String::new(),
        nickname: String::new(),
        gateway_url,
        gateway_token: token,
        webhook_secret,
    };
    let settings = crate::startup::dashboard_settings(&d);
    let client = GeweClient::new(&settings, st.launcher.http().clone()).with_timeout(ADD_TIMEOUT);
    // A new device: this robot has none yet. Every later login reuses it.
    let qr = client.login_qr("").await.map_err(|e| AdminError::Upstream(crate::robots::error_text(&e)))?;
    d.app_id = qr.app_id;
    let now = st.clock.now_ms();
    d.id = st.store.add_dashboard_robot(&d, now).await?;
    st.store.add_robot_event(d.id, "added", &x::added_with_device(&d.app_id), now).await?;
    let settings = crate::startup::dashboard_settings(&d);
    let ctx =
        RobotCtx { id: d.id, pacing: LivePacing::new(Pacing::of(&settings)), settings, offline: Default::default() };
    ctx.offline.store(true, std::sync::atomic::Ordering::SeqCst);
    st.launcher.launch(ctx);
    tracing::info!(robot = d.id, name = d.name, app_id = d.app_id, "robot added on the dashboard");
    Ok(AddedRobot { id: d.id, name: d.name, app_id: d.app_id })
}

pub async fn add_page(State(st): State<AppState>, v: Admin, Form(r): Form<NewRobot>) -> Result<Redirect, PageError> {
    match add(&st, &v, &r).await {
        Ok(a) => Ok(Redirect::to(&format!("/admin/robots/{}/login", a.id))),
        Err(AdminError::BadRequest(m)) | Err(AdminError::Upstream(m)) => {
            Ok(Redirect::to(&format!("/admin/robots?msg={}", urlenc(&x::add_failed(&m)))))
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds a GeWe robot (alphanumeric name, http(s) gateway URL, token never shown again): the gateway makes a device
/// for it, then it logs in by QR code.
#[utoipa::path(
    post,
    path = "/admin/api/robots",
    tag = "robots",
    request_body(content = NewRobot, example = json!({"name": "robot2", "gateway_url": "http://gewe-host:2531/v2/api", "token": "gewe-token"})),
    responses((status = 200, body = AddedRobot)),
    extensions(("x-admin-only" = json!(true)), ("x-calls-gateway" = json!(true))),
)]
pub async fn api_add(
    State(st): State<AppState>,
    v: Admin,
    Json(r): Json<NewRobot>,
) -> Result<Json<AddedRobot>, ApiError> {
    Ok(Json(add(&st, &v, &r).await?))
}

/// A running GeWe robot's id, or 404.
fn gewe_robot(st: &AppState, id: i64) -> Result<RobotCtx, AdminError> {
    st.robots.get(&id).filter(|r| r.settings.gateway == crate::config::GatewayKind::Gewe).ok_or(AdminError::NotFound)
}

/// The URL the gateway posts the robot's messages to.
fn callback_url(st: &AppState, r: &RobotCtx) -> String {
    format!(
        "{}/webhook/gewe/{}/{}",
        st.settings.server.public_base_url.trim_end_matches('/'),
        r.settings.name,
        r.settings.webhook_secret.expose()
    )
}

/// A QR login as the dashboard shows it: the progress plus, while waiting, the QR as a PNG data URL.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginView {
    #[serde(flatten)]
    pub progress: LoginProgress,
    pub qr_png: Option<String>,
}

/// The QR code of `data` as a `data:image/png;base64,…` URL.
pub fn qr_png(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let img = code.render::<image::Luma<u8>>().min_dimensions(240, 240).build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).ok()?;
    Some(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(out.into_inner())))
}

fn view(progress: LoginProgress) -> LoginView {
    let qr_png = match &progress {
        LoginProgress::Waiting { qr_data, .. } => qr_png(qr_data),
        _ => None,
    };
    LoginView { progress, qr_png }
}

/// Starts a QR login on the robot's own device.
pub async fn start_login(st: &AppState, _v: &Admin, id: i64) -> Result<LoginView, AdminError> {
    gewe_robot(st, id)?;
    let pending = st.dispatcher.engine().lifecycle.start_login(id).await?;
    Ok(view(LoginProgress::Waiting { qr_data: pending.qr_data, expires_in: crate::robots::login::QR_SECS }))
}

/// How the robot's QR login stands; once logged in, the robot runs as the account that scanned.
pub async fn poll_login(st: &AppState, _v: &Admin, id: i64) -> Result<LoginView, AdminError> {
    let robot = gewe_robot(st, id)?;
    let progress = st.dispatcher.engine().lifecycle.poll_login(id, &callback_url(st, &robot)).await?;
    if let LoginProgress::Online { wxid, nickname } = &progress {
        let mut settings = robot.settings.clone();
        settings.wxid = wxid.clone();
        settings.nickname = nickname.clone();
        st.robots.insert(RobotCtx { settings, ..robot });
    }
    Ok(view(progress))
}

/// Gets a login QR code for a robot (on its device appId); then poll GET on the same path.
#[utoipa::path(
    post,
    path = "/admin/api/robots/{id}/login",
    tag = "robots",
    params(("id" = i64, Path, description = "Robot id")),
    responses((status = 200, body = LoginView)),
    extensions(("x-admin-only" = json!(true)), ("x-calls-gateway" = json!(true))),
)]
pub async fn api_start_login(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
) -> Result<Json<LoginView>, ApiError> {
    Ok(Json(start_login(&st, &v, id).await?))
}

/// A robot's QR login progress (waiting with qr_data, expires_in and qr_png, scanned, online with wxid, cancelled,
/// verify, idle); once online, the callback is registered and groups synced.
#[utoipa::path(
    get,
    path = "/admin/api/robots/{id}/login",
    tag = "robots",
    params(("id" = i64, Path, description = "Robot id")),
    responses((status = 200, body = LoginView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_poll_login(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
) -> Result<Json<LoginView>, ApiError> {
    Ok(Json(poll_login(&st, &v, id).await?))
}

/// The login page: the QR, and its state refreshed by polling (`admin.js`).
pub async fn login_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Markup, PageError> {
    let robot = gewe_robot(&st, id)?;
    let login = match start_login(&st, &v, id).await {
        Ok(login) => html! {
            div #robot-login.card data-robot=(id) {
                p { (x::SCAN_INSTRUCTIONS) }
                img #robot-login-qr alt=(x::LOGIN_QR) src=(login.qr_png.as_deref().unwrap_or("")) width="240" height="240";
                p #robot-login-status { (x::WAITING_FOR_SCAN) }
            }
        },
        Err(AdminError::Upstream(m)) => view::notice(Some(&x::no_login_qr(&m))),
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        (login)
        p { a href="/admin/robots" { (x::BACK_TO_ROBOTS) } }
    };
    Ok(view::page(&v, "/admin/robots", &x::scan_login_title(&robot.settings.name), body))
}

/// A pacing field: a number (JSON) or its text (form); empty or absent keeps the configured value.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Millis {
    Number(i64),
    Text(String),
}

/// The pacing form's fields.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct PacingInput {
    #[serde(default)]
    pub min_send_interval_ms: Option<Millis>,
    #[serde(default)]
    pub send_jitter_ms: Option<Millis>,
    #[serde(default)]
    pub min_group_interval_ms: Option<Millis>,
}

fn field(value: &Option<Millis>, label: &str, max: i64) -> Result<Option<i64>, AdminError> {
    let text = match value {
        None => return Ok(None),
        Some(Millis::Number(n)) => n.to_string(),
        Some(Millis::Text(t)) => t.trim().to_string(),
    };
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(Some(n)),
        _ => Err(AdminError::BadRequest(x::bad_pacing(label, max))),
    }
}

/// Sets the robot's pacing; its sender uses it from its next send on.
pub async fn set_pacing(st: &AppState, _v: &Admin, id: i64, p: &PacingInput) -> Result<PacingOverride, AdminError> {
    let robot = st.robots.get(&id).ok_or(AdminError::NotFound)?;
    let o = PacingOverride {
        min_send_interval_ms: field(&p.min_send_interval_ms, x::MIN_SEND_INTERVAL, MAX_GAP_MS)?,
        send_jitter_ms: field(&p.send_jitter_ms, x::SEND_JITTER, MAX_GAP_MS)?,
        min_group_interval_ms: field(&p.min_group_interval_ms, x::MIN_GROUP_INTERVAL, MAX_GROUP_GAP_MS)?,
    };
    st.store.set_robot_pacing(id, &o, st.clock.now_ms()).await?;
    robot.pacing.set(Pacing::of(&crate::outbox::live_pacing::with_override(&robot.settings, &o)));
    Ok(o)
}

pub async fn pacing_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(p): Form<PacingInput>,
) -> Result<Redirect, PageError> {
    match set_pacing(&st, &v, id, &p).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/robots?msg={}", urlenc(x::PACING_SAVED)))),
        Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("/admin/robots?msg={}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
}

/// A robot's send pacing in ms (min_send_interval_ms and send_jitter_ms 0–600000, min_group_interval_ms 0–3600000;
/// empty for the configured value), in effect at once.
#[utoipa::path(
    post,
    path = "/admin/api/robots/{id}/pacing",
    tag = "robots",
    params(("id" = i64, Path, description = "Robot id")),
    request_body(content = PacingInput, example = json!({"min_send_interval_ms": 3000, "send_jitter_ms": 1500, "min_group_interval_ms": ""})),
    responses((status = 200, body = PacingOverride)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_pacing(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(p): Json<PacingInput>,
) -> Result<Json<PacingOverride>, ApiError> {
    Ok(Json(set_pacing(&st, &v, id, &p).await?))
}

/// The add form and, per robot, the pacing in effect (for the 机器人 page).
pub fn add_form(v: &Viewer) -> Markup {
    let fields = html! {
        label { (x::NAME) " " input name="name" required maxlength=(MAX_NAME) pattern="[A-Za-z0-9_-]+"; }
        label {
            (x::GATEWAY_URL) " "
            input name="gateway_url" type="url" required maxlength=(MAX_GATEWAY_URL) placeholder="http://gewe-host:2531/v2/api";
        }
        label { "Token " input name="token" type="password" required maxlength=(MAX_TOKEN) autocomplete="off"; }
        button type="submit" { (x::ADD_AND_LOG_IN) }
    };
    html! {
        h2 { (x::ADD_ROBOT) }
        (view::form(v, "/admin/robots", "robot-add", fields))
    }
}

/// The pacing form of one robot, showing the values in effect.
pub fn pacing_form(v: &Viewer, r: &RobotCtx) -> Markup {
    let p = r.pacing.get();
    let fields = html! {
        input name="min_send_interval_ms" size="6" value=(p.min_interval_ms) aria-label=(x::MIN_SEND_INTERVAL_MS);
        input name="send_jitter_ms" size="6" value=(p.jitter_ms) aria-label=(x::SEND_JITTER_MS);
        input name="min_group_interval_ms" size="6" value=(p.min_group_interval_ms) aria-label=(x::MIN_GROUP_INTERVAL_MS);
        button type="submit" { (x::SAVE_PACING) }
    };
    view::form(v, &format!("/admin/robots/{}/pacing", r.id), "inline robot-pacing", fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robot(name: &str, url: &str, token: &str) -> NewRobot {
        NewRobot { name: name.into(), gateway_url: url.into(), token: token.into() }
    }

    #[test]
    fn the_add_form_takes_only_bounded_http_gateways_and_plain_tokens() {
        assert!(validate(&robot("r2", "http://gewe:2531/v2/api/", "tok")).is_ok());
        assert!(validate(&robot("r2", "https://api.geweapi.com/gewe/v2/api", "tok")).is_ok());
        for url in ["ftp://gewe/v2", "javascript:alert(1)", "gewe:2531", "http://u:p@gewe/", "http://gewe/?a=1", ""] {
            assert!(validate(&robot("r2", url, "tok")).is_err(), "{url}");
        }
        let long = format!("http://gewe/{}", "a".repeat(MAX_GATEWAY_URL));
        assert!(validate(&robot("r2", &long, "tok")).is_err());
        assert!(validate(&robot("bad name", "http://gewe/", "tok")).is_err());
        assert!(validate(&robot(&"n".repeat(33), "http://gewe/", "tok")).is_err());
        assert!(validate(&robot("r2", "http://gewe/", "to k")).is_err());
        assert!(validate(&robot("r2", "http://gewe/", &"t".repeat(129))).is_err());
    }

    #[test]
    fn pacing_fields_are_bounded_integers_or_empty() {
        let text = |t: &str| Some(Millis::Text(t.into()));
        assert_eq!(field(&text(" 3000 "), "x", MAX_GAP_MS).unwrap(), Some(3000));
        assert_eq!(field(&Some(Millis::Number(3000)), "x", MAX_GAP_MS).unwrap(), Some(3000));
        assert_eq!(field(&text(""), "x", MAX_GAP_MS).unwrap(), None);
        assert_eq!(field(&None, "x", MAX_GAP_MS).unwrap(), None);
        assert!(field(&text("-1"), "x", MAX_GAP_MS).is_err());
        assert!(field(&Some(Millis::Number(-1)), "x", MAX_GAP_MS).is_err());
        assert!(field(&text("600001"), "x", MAX_GAP_MS).is_err());
        assert!(field(&text("1.5"), "x", MAX_GAP_MS).is_err());
    }
}
