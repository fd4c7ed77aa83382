//! Who is asking: a session cookie (people) or the `admin.api_token` bearer (machine clients, admin role).
//!
//! The cookie holds a random 256-bit id; the database keeps only its SHA-256. Each session has its own CSRF token,
//! which the [`super::csrf`] guard demands on every state-changing request made with the cookie.

use super::error::{AdminError, ApiError, PageError};
use crate::http::AppState;
use crate::store::users::{Role, User};
use crate::store::{StoreError, groups::Group};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "dealbot_session";
/// Double-submit cookie protecting the login form, which has no session yet.
pub const LOGIN_CSRF_COOKIE: &str = "dealbot_login_csrf";
/// Header carrying the CSRF token on API calls (forms use the `_csrf` field).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The person (or machine client) behind a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// `None` for the bearer token.
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    /// The session's CSRF token; `None` for the bearer token (no cookie, nothing to forge).
    pub csrf: Option<String>,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// `None`: everything; `Some(p)`: only what partner `p` owns. A partner user with no partner sees nothing.
    pub fn scope(&self) -> Option<i64> {
        match self.role {
            Role::Admin => None,
            Role::Partner => Some(self.partner_id.unwrap_or(-1)),
        }
    }

    /// The viewer as an [`Admin`], for a check that depends on what is asked (handlers take [`Admin`] instead).
    pub fn admin(&self) -> Result<Admin, AdminError> {
        if self.is_admin() { Ok(Admin(self.clone())) } else { Err(AdminError::Forbidden) }
    }

    /// Whether the viewer may see (and configure) something owned by `partner_id`.
    pub fn owns(&self, partner_id: Option<i64>) -> bool {
        match self.scope() {
            None => true,
            Some(p) => partner_id == Some(p),
        }
    }

    pub fn require_group(&self, g: &Group) -> Result<(), AdminError> {
        if self.owns(g.partner_id) { Ok(()) } else { Err(AdminError::Forbidden) }
    }

    fn of_user(u: User, csrf: String) -> Viewer {
        Viewer { user_id: Some(u.id), username: u.username, role: u.role, partner_id: u.partner_id, csrf: Some(csrf) }
    }
}

/// The authentication result the guard stores in the request extensions for the handlers.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Option<Viewer>);

/// 32 random bytes as hex.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

pub fn hash_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Constant-time string equality.
pub fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn secure(st: &AppState) -> &'static str {
    if st.settings.server.public_base_url.starts_with("https://") { "; Secure" } else { "" }
}

/// `Set-Cookie` for a cookie scoped to `/admin`: HttpOnly, SameSite=Strict, Secure under https.
pub fn set_cookie(st: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let v = format!("{name}={value}; Path=/admin; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{}", secure(st));
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Starts a session for `user`; returns the cookie id (shown to the browser once, never stored).
pub async fn start(st: &AppState, user: &User) -> Result<String, StoreError> {
    let id = random_token();
    let now = st.clock.now_ms();
    let ttl_ms = st.settings.admin.session_ttl_secs.max(60) * 1000;
    st.store.create_session(&hash_id(&id), user.id, &random_token(), now + ttl_ms, now).await?;
    Ok(id)
}

/// Authenticates the request: the bearer token when an `Authorization` header is present (and then only it), else
/// the session cookie. `Ok(None)`: nobody is logged in.
pub async fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, AdminError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let expected = st.settings.admin.api_token.expose();
        let given = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
        if expected.is_empty() || !same(expected, given) {
            return Err(AdminError::Unauthorized);
        }
        return Ok(Some(Viewer {
            user_id: None,
            username: "api".into(),
            role: Role::Admin,
            partner_id: None,
            csrf: None,
        }));
    }
    let Some(id) = cookie(headers, COOKIE).filter(|v| v.len() == 64) else { return Ok(None) };
    let row = st.store.session(&hash_id(id), st.clock.now_ms()).await?;
    Ok(row.map(|s| Viewer::of_user(s.user, s.csrf_token)))
}

/// Whether an answer to this path is JSON (the API, and the admin routes outside `/admin` such as
/// `/auth/pdd/status`) rather than a page.
fn answers_json(path: &str) -> bool {
    path.starts_with("/admin/api/") || !path.starts_with("/admin")
}

/// Rejection of the [`Viewer`] and [`Admin`] extractors: [`AdminError`] as a page (the login page when not logged
/// in) or as JSON, by the request's path.
pub struct Refused {
    json: bool,
    error: AdminError,
}

impl Refused {
    /// `error` answered to a request for `path`.
    pub fn at(path: &str, error: AdminError) -> Refused {
        Refused { json: answers_json(path), error }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        if self.json { ApiError(self.error).into_response() } else { PageError(self.error).into_response() }
    }
}

/// The one way a handler learns who is asking: the viewer the [`super::csrf`] guard authenticated (a route outside
/// the guard has none, and answers 401).
impl FromRequestParts<AppState> for Viewer {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _st: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(v))) => Ok(v.clone()),
            _ => Err(Refused::at(parts.uri.path(), AdminError::Unauthorized)),
        }
    }
}

/// A viewer with the admin role: the guard of admin-only handlers and the proof that admin-only functions take.
/// Partners are refused with 403.
#[derive(Debug, Clone)]
pub struct Admin(Viewer);

impl std::ops::Deref for Admin {
    type Target = Viewer;

    fn deref(&self) -> &Viewer {
        &self.0
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let v = Viewer::from_request_parts(parts, st).await?;
        v.admin().map_err(|e| Refused::at(parts.uri.path(), e))
    }
}
