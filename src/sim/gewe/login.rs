//! The QR login of the simulated gateway (gateway-account spec §3.1–3.3): `getLoginQrCode` creates or reuses a
//! device (`appId`), `checkLogin` reports the QR's state (0 waiting, 1 scanned, 2 logged in, 4 cancelled; no
//! `expiredTime` once the 120 s QR is gone), and test controls play the phone: scan, confirm, cancel, expire.
//!
//! A device remembers the account that logged in on it: the same `appId` must be reused for that account, and a
//! different account scanning a reused device fails. Self-hosted gateways allow two devices per token.

use super::GeweSim;
use super::api::{Failure, ok, optional, required, respond};
use super::text;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

/// How long a login QR lives [CLONE-DOC].
pub const QR_LIFETIME: Duration = Duration::from_secs(120);
/// Devices one token may create on a self-hosted gateway ("每个 token 只能登录两个 app_id").
const MAX_DEVICES: usize = 2;

/// What the phone did with one QR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrStatus {
    Waiting,
    Scanned,
    Confirmed,
    Cancelled,
    /// A different account scanned a device that belongs to another one.
    WrongAccount,
}

/// One login QR session (`uuid`).
#[derive(Debug, Clone)]
pub struct LoginSession {
    pub uuid: String,
    pub app_id: String,
    pub status: QrStatus,
    /// The account that scanned: wxid, nickname.
    pub scanner: Option<(String, String)>,
    pub shown_at: SystemTime,
}

/// The devices and QR sessions of the gateway.
#[derive(Default)]
pub(super) struct Logins {
    /// Devices by `appId` with the wxid that last logged in on it (`None` before its first login).
    devices: BTreeMap<String, Option<String>>,
    sessions: HashMap<String, LoginSession>,
    /// The `appId` field of every `getLoginQrCode` call, in order (`""` asks for a new device).
    requests: Vec<String>,
}

impl Logins {
    pub(super) fn add_device(&mut self, app_id: &str, wxid: &str) {
        self.devices.insert(app_id.to_string(), Some(wxid.to_string()));
    }
}

/// Why a test control could not act on a QR.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginControlError {
    #[error("no login QR {0}")]
    UnknownQr(String),
    #[error("the QR is {0:?}, not waiting for this step")]
    WrongStep(QrStatus),
    #[error("the QR has expired")]
    Expired,
}

pub(super) fn router() -> Router<GeweSim> {
    Router::new().route("/login/getLoginQrCode", post(get_login_qr)).route("/login/checkLogin", post(check_login))
}

/// The phone's controls over HTTP, for the playground and black-box tests: `POST /gewe/sim/scan` (also
/// `/gewe/playground/scan`) `{"uuid"?, "wxid"?, "nickName"?, "confirm"?}` scans the QR (the newest one waiting when
/// `uuid` is absent) as the account (the sim's robot by default) and, unless `confirm` is false, confirms the login.
pub(super) fn control_router() -> Router<GeweSim> {
    Router::new().route("/sim/scan", post(scan_control)).route("/playground/scan", post(scan_control))
}

fn new_app_id() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let tail: String = (0..22).map(|_| rng.sample(rand::distr::Alphanumeric) as char).collect();
    format!("wx_{tail}")
}

fn new_uuid() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..20).map(|_| rng.sample(rand::distr::Alphanumeric) as char).collect()
}

/// The QR payload the phone scans.
fn qr_data(uuid: &str) -> String {
    format!("http://weixin.qq.com/x/{uuid}")
}

/// `data:image/jpg;base64,…` of the QR, as the gateway sends it.
fn qr_image(data: &str) -> String {
    let encoded = qrcode::QrCode::new(data.as_bytes()).ok().and_then(|code| {
        let img = code.render::<image::Luma<u8>>().min_dimensions(240, 240).build();
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
        Some(base64::engine::general_purpose::STANDARD.encode(out.into_inner()))
    });
    format!("data:image/jpg;base64,{}", encoded.unwrap_or_default())
}

async fn get_login_qr(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        let asked = optional(&fields, "appId")?.trim().to_string();
        let mut state = sim.state();
        state.login.requests.push(asked.clone());
        let app_id = if asked.is_empty() {
            if state.login.devices.len() >= MAX_DEVICES {
                return Err(Failure::Detail(text::QR_FAILED.into(), text::DEVICE_LIMIT.into()));
            }
            let id = new_app_id();
            state.login.devices.insert(id.clone(), None);
            id
        } else {
            if !state.login.devices.contains_key(&asked) {
                return Err(Failure::ret(text::device_unknown(&asked)));
            }
            if state.online && state.bot.app_id == asked {
                return Err(Failure::ret(text::ALREADY_LOGGED_IN));
            }
            asked
        };
        let uuid = new_uuid();
        let session = LoginSession {
            uuid: uuid.clone(),
            app_id: app_id.clone(),
            status: QrStatus::Waiting,
            scanner: None,
            shown_at: SystemTime::now(),
        };
        state.login.sessions.insert(uuid.clone(), session);
        let data = qr_data(&uuid);
        Ok(ok(
            text::OPERATION_OK,
            json!({"appId": app_id, "uuid": uuid, "qrData": data, "qrImgBase64": qr_image(&data)}),
        ))
    })())
}

fn expires_in(session: &LoginSession) -> Option<u64> {
    let age = SystemTime::now().duration_since(session.shown_at).unwrap_or_default();
    QR_LIFETIME.checked_sub(age).map(|left| left.as_secs()).filter(|left| *left > 0)
}

async fn check_login(State(sim): State<GeweSim>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let fields = sim.authorize(&headers, &body)?;
        let app_id = required(&fields, "appId")?;
        let uuid = required(&fields, "uuid")?;
        let state = sim.state();
        let Some(session) = state.login.sessions.get(uuid).filter(|s| s.app_id == app_id) else {
            return Err(Failure::ret(text::QR_UNKNOWN));
        };
        let (nick, head) = match &session.scanner {
            Some((_, nick)) => (json!(nick), json!("http://wx.qlogo.cn/mmhead/ver_1/SIMULATED/0")),
            None => (Value::Null, Value::Null),
        };
        let mut data = json!({"uuid": uuid, "nickName": nick, "headImgUrl": head, "loginInfo": null});
        let left = expires_in(session);
        match session.status {
            QrStatus::Waiting | QrStatus::Scanned if left.is_none() => {
                data["status"] = json!(if session.status == QrStatus::Waiting { 0 } else { 1 });
                data["expiredTime"] = Value::Null;
            }
            QrStatus::Waiting => {
                data["status"] = json!(0);
                data["expiredTime"] = json!(left);
            }
            QrStatus::Scanned => {
                data["status"] = json!(1);
                data["expiredTime"] = json!(left);
            }
            QrStatus::Confirmed => {
                let (wxid, nick) = session.scanner.clone().unwrap_or_default();
                data["status"] = json!(2);
                data["expiredTime"] = json!(left.unwrap_or(1));
                data["loginInfo"] = json!({
                    "uin": 1234567890, "wxid": wxid, "nickName": nick, "mobile": "1**********", "alias": "",
                });
            }
            QrStatus::Cancelled => data["status"] = json!(4),
            QrStatus::WrongAccount => {
                return Err(Failure::ret(text::WRONG_ACCOUNT));
            }
        }
        Ok(ok(text::OPERATION_OK, data))
    })())
}

#[derive(serde::Deserialize)]
struct ScanControl {
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    wxid: Option<String>,
    #[serde(default, rename = "nickName")]
    nick_name: Option<String>,
    #[serde(default = "yes")]
    confirm: bool,
}

fn yes() -> bool {
    true
}

async fn scan_control(State(sim): State<GeweSim>, axum::Json(c): axum::Json<ScanControl>) -> Response {
    let bot = sim.bot();
    let wxid = c.wxid.filter(|w| !w.trim().is_empty()).unwrap_or(bot.wxid);
    let nick = c.nick_name.filter(|n| !n.trim().is_empty()).unwrap_or(bot.nickname);
    let waiting = || {
        let state = sim.state();
        let newest = state.login.sessions.values().filter(|s| s.status == QrStatus::Waiting).max_by_key(|s| s.shown_at);
        newest.map(|s| s.uuid.clone())
    };
    let Some(uuid) = c.uuid.or_else(waiting) else {
        let body = axum::Json(json!({"ok": false, "error": text::NO_WAITING_QR}));
        return (axum::http::StatusCode::CONFLICT, body).into_response();
    };
    let mut result = sim.scan_qr(&uuid, &wxid, &nick);
    if result.is_ok() && c.confirm {
        result = sim.confirm_login(&uuid);
    }
    match result {
        Ok(()) => axum::Json(json!({"ok": true})).into_response(),
        Err(e) => {
            (axum::http::StatusCode::CONFLICT, axum::Json(json!({"ok": false, "error": e.to_string()}))).into_response()
        }
    }
}

impl GeweSim {
    /// The `appId` fields of every `getLoginQrCode` call so far (`""` asked for a new device).
    pub fn login_requests(&self) -> Vec<String> {
        self.state().login.requests.clone()
    }

    /// The devices (`appId`s) and the wxid last logged in on each.
    pub fn devices(&self) -> BTreeMap<String, Option<String>> {
        self.state().login.devices.clone()
    }

    /// The newest login QR session, if any was shown.
    pub fn latest_login(&self) -> Option<LoginSession> {
        self.state().login.sessions.values().max_by_key(|s| s.shown_at).cloned()
    }

    /// The phone of account `wxid` scans the QR `uuid` (status 1). A device already bound to another account
    /// fails the login.
    pub fn scan_qr(&self, uuid: &str, wxid: &str, nickname: &str) -> Result<(), LoginControlError> {
        let mut state = self.state();
        let bound = {
            let session = state.login.sessions.get(uuid).ok_or_else(|| LoginControlError::UnknownQr(uuid.into()))?;
            if session.status != QrStatus::Waiting {
                return Err(LoginControlError::WrongStep(session.status));
            }
            if expires_in(session).is_none() {
                return Err(LoginControlError::Expired);
            }
            state.login.devices.get(&session.app_id).cloned().flatten()
        };
        let session = state.login.sessions.get_mut(uuid).ok_or_else(|| LoginControlError::UnknownQr(uuid.into()))?;
        session.scanner = Some((wxid.to_string(), nickname.to_string()));
        session.status = match bound {
            Some(owner) if owner != wxid => QrStatus::WrongAccount,
            _ => QrStatus::Scanned,
        };
        Ok(())
    }

    /// The scanning phone confirms the login: the device's account is online and the sim plays it.
    pub fn confirm_login(&self, uuid: &str) -> Result<(), LoginControlError> {
        let (app_id, wxid, nickname) = {
            let state = self.state();
            let session = state.login.sessions.get(uuid).ok_or_else(|| LoginControlError::UnknownQr(uuid.into()))?;
            if session.status != QrStatus::Scanned {
                return Err(LoginControlError::WrongStep(session.status));
            }
            let (wxid, nick) = session.scanner.clone().unwrap_or_default();
            (session.app_id.clone(), wxid, nick)
        };
        self.configure_bot(&app_id, &wxid, &nickname);
        let mut state = self.state();
        if let Some(session) = state.login.sessions.get_mut(uuid) {
            session.status = QrStatus::Confirmed;
        }
        state.online = true;
        state.reconnect_fails = false;
        Ok(())
    }

    /// The phone cancels the login after scanning (status 4).
    pub fn cancel_login(&self, uuid: &str) -> Result<(), LoginControlError> {
        let mut state = self.state();
        let session = state.login.sessions.get_mut(uuid).ok_or_else(|| LoginControlError::UnknownQr(uuid.into()))?;
        if session.status != QrStatus::Scanned {
            return Err(LoginControlError::WrongStep(session.status));
        }
        session.status = QrStatus::Cancelled;
        Ok(())
    }

    /// The QR `uuid` outlives its 120 s (without waiting for them).
    pub fn expire_qr(&self, uuid: &str) -> Result<(), LoginControlError> {
        let mut state = self.state();
        let session = state.login.sessions.get_mut(uuid).ok_or_else(|| LoginControlError::UnknownQr(uuid.into()))?;
        session.shown_at = SystemTime::now() - QR_LIFETIME - Duration::from_secs(1);
        Ok(())
    }
}
