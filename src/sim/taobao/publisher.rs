//! Member registration (affiliates spec §3.5, §3.6.5): the member's consent page and token exchange of Taobao
//! OAuth, and `taobao.tbk.sc.publisher.info.save`.
//!
//! - `GET /oauth/authorize?response_type=code&client_id=<app_key>&redirect_uri=…&state=…` plays the member
//!   logging in to Taobao and agreeing: a new simulated Taobao user, and a redirect to `redirect_uri` with a
//!   one-time `code` and the `state`.
//! - `POST /oauth/token` (form: `grant_type=authorization_code`, `client_id`, `client_secret`, `code`,
//!   `redirect_uri`) answers `access_token` (a session of that user), `taobao_user_id`, `taobao_user_nick`,
//!   `expires_in`; errors are `{"error":…,"error_description":…}` with HTTP 400/401.
//! - `taobao.tbk.sc.publisher.info.save` with that user's `session`, the operator's `inviter_code` and
//!   `info_type=1` binds the user: a 渠道 invite code gives a `relation_id`, a 会员 invite code a `special_id`. A
//!   second save answers the same id with `desc` "重复绑定渠道" / "重复绑定粉丝".

use super::{Answer, Reply, TaobaoSim, TopError};
use crate::sim::support::{decode_form, hash64, lock, token};
use crate::sim::text::taobao as text;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, json};
use std::collections::{BTreeMap, HashMap};

/// The operator's 渠道 invite code (`taobao.tbk.sc.invitecode.get`, code_type 1): binds a `relation_id`.
pub const CHANNEL_INVITE_CODE: &str = "QD8K2M";
/// The operator's 会员 invite code (code_type 3): binds a `special_id`.
pub const MEMBER_INVITE_CODE: &str = "HY3V7P";
/// Longest accepted `state` and `redirect_uri`.
const MAX_PARAM_LEN: usize = 512;
/// Session lifetime announced by the token exchange.
const SESSION_SECS: i64 = 30 * 86_400;

/// Simulated Taobao users who consented, their codes, sessions and bindings.
#[derive(Default)]
pub struct Publishers {
    users: u64,
    /// Authorization code → (user, redirect_uri); a code is used once.
    codes: HashMap<String, (u64, String)>,
    /// Session → user.
    sessions: HashMap<String, u64>,
    /// (user, kind) → bound id.
    bound: HashMap<(u64, Kind), u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Relation,
    Special,
}

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// The consent page: the member agrees at once; back to `redirect_uri` with a code.
pub async fn authorize(State(sim): State<TaobaoSim>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type.as_deref() != Some("code") || q.client_id.as_deref() != Some(sim.app_key()) {
        return (StatusCode::BAD_REQUEST, "invalid response_type or client_id").into_response();
    }
    let (Some(redirect), state) = (q.redirect_uri, q.state.unwrap_or_default()) else {
        return (StatusCode::BAD_REQUEST, "missing redirect_uri").into_response();
    };
    let Ok(mut target) = url::Url::parse(&redirect) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    if redirect.len() > MAX_PARAM_LEN || state.len() > MAX_PARAM_LEN {
        return (StatusCode::BAD_REQUEST, "parameter too long").into_response();
    }
    let code = {
        let mut st = lock(&sim.inner.state);
        let p = &mut st.publishers;
        p.users += 1;
        let user = p.users;
        let code = token(&[b"tb-oauth-code", &user.to_le_bytes(), state.as_bytes()], 24);
        p.codes.insert(code.clone(), (user, redirect.clone()));
        code
    };
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &state);
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json;charset=UTF-8")], body).into_response()
}

/// The token exchange: a one-time code for the member's session.
pub async fn token_exchange(State(sim): State<TaobaoSim>, body: Bytes) -> Response {
    let p = decode_form(None, &body);
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
    if get("client_id") != sim.app_key() || get("client_secret") != sim.app_secret() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client_id or client_secret is wrong");
    }
    if get("grant_type") != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be authorization_code");
    }
    let mut st = lock(&sim.inner.state);
    let Some((user, redirect)) = st.publishers.codes.remove(get("code")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "authorize code is invalid or used");
    };
    if redirect != get("redirect_uri") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri does not match");
    }
    let session = format!("6100{}", token(&[b"tb-session", &user.to_le_bytes()], 36));
    st.publishers.sessions.insert(session.clone(), user);
    st.sessions.insert(session.clone(), true);
    let body = json!({
        "access_token": session,
        "token_type": "Bearer",
        "expires_in": SESSION_SECS,
        "taobao_user_id": (2_200_000_000_000u64 + user).to_string(),
        "taobao_user_nick": format!("tb{user:06}"),
    });
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json;charset=UTF-8")], body.to_string()).into_response()
}

impl TaobaoSim {
    /// `taobao.tbk.sc.publisher.info.save` (the gateway has checked the signature and that the session is valid).
    pub(super) fn publisher_info_save(&self, p: &BTreeMap<String, String>) -> Answer {
        let inviter =
            p.get("inviter_code").filter(|v| !v.is_empty()).ok_or_else(|| TopError::missing("inviter_code"))?;
        let info_type = p.get("info_type").filter(|v| !v.is_empty()).ok_or_else(|| TopError::missing("info_type"))?;
        if info_type != "1" {
            return Err(TopError::invalid("info_type"));
        }
        let kind = match inviter.as_str() {
            CHANNEL_INVITE_CODE => Kind::Relation,
            MEMBER_INVITE_CODE => Kind::Special,
            _ => return Err(TopError::business("isv.invite-code-invalid", text::INVITE_CODE_INVALID)),
        };
        let session = p.get("session").map(String::as_str).unwrap_or_default();
        let mut st = lock(&self.inner.state);
        let Some(user) = st.publishers.sessions.get(session).copied() else {
            // The operator's own session: it cannot register itself.
            return Err(TopError::business("isv.publisher-self", text::PUBLISHER_SELF));
        };
        let fresh = !st.publishers.bound.contains_key(&(user, kind));
        let id = *st.publishers.bound.entry((user, kind)).or_insert_with(|| {
            let base = if kind == Kind::Relation { 2_100_000_000 } else { 3_300_000_000 };
            base + hash64(&[b"tb-publisher", &user.to_le_bytes()]) % 100_000_000
        });
        let desc = match (fresh, kind) {
            (true, _) => text::BOUND,
            (false, Kind::Relation) => text::ALREADY_BOUND_CHANNEL,
            (false, Kind::Special) => text::ALREADY_BOUND_MEMBER,
        };
        let mut data = Map::new();
        data.insert("account_name".into(), json!(format!("t**{}", user % 10)));
        data.insert("desc".into(), json!(desc));
        match kind {
            Kind::Relation => data.insert("relation_id".into(), json!(id)),
            Kind::Special => data.insert("special_id".into(), json!(id)),
        };
        let mut out = Map::new();
        out.insert("data".into(), serde_json::Value::Object(data));
        Ok(Reply::new(out))
    }
}
