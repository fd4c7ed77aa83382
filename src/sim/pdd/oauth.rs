//! 多多客 OAuth (affiliates spec §1.5.8): authorization codes from the authorize page, `pdd.pop.auth.token.create`
//! / `.refresh` with configurable lifetimes and consistent `*_expires_at`, and the token check of the
//! `pdd.ddk.oauth.*` calls (10019 once expired).

use super::State;
use super::wire::ApiError;
use crate::sim::text::pdd as text;
use serde_json::{Value, json};
use std::collections::HashMap;

/// How long an authorization code stays usable.
const CODE_TTL_SECS: i64 = 600;
const OWNER_ID: &str = "8637920";
const SCOPE: &[&str] = &[
    "pdd.ddk.oauth.goods.pid.generate",
    "pdd.ddk.oauth.goods.pid.query",
    "pdd.ddk.oauth.goods.detail",
    "pdd.ddk.oauth.goods.search",
    "pdd.ddk.oauth.goods.prom.url.generate",
    "pdd.ddk.oauth.goods.zs.unit.url.gen",
    "pdd.ddk.oauth.member.authority.query",
    "pdd.ddk.oauth.order.list.increment.get",
    "pdd.ddk.oauth.rp.prom.url.generate",
];

pub struct OAuth {
    pub access_ttl: i64,
    pub refresh_ttl: i64,
    /// code → expires at
    codes: HashMap<String, i64>,
    /// access token → expires at
    access: HashMap<String, i64>,
    /// refresh token → expires at
    refresh: HashMap<String, i64>,
}

impl Default for OAuth {
    fn default() -> Self {
        OAuth {
            access_ttl: 86_400,
            refresh_ttl: 31 * 86_400,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }
}

impl State {
    /// A new single-use authorization code (what the authorize page hands to `redirect_uri`).
    pub fn issue_code(&mut self) -> String {
        let code = hex::encode(&self.next_digest("code")[..16]);
        let expires = self.now() + CODE_TTL_SECS;
        self.oauth.codes.insert(code.clone(), expires);
        code
    }

    fn issue_tokens(&mut self) -> Value {
        let now = self.now();
        let access = hex::encode(&self.next_digest("access_token")[..20]);
        let refresh = hex::encode(&self.next_digest("refresh_token")[..20]);
        let (access_ttl, refresh_ttl) = (self.oauth.access_ttl, self.oauth.refresh_ttl);
        self.oauth.access.insert(access.clone(), now + access_ttl);
        self.oauth.refresh.insert(refresh.clone(), now + refresh_ttl);
        let mut v = json!({
            "access_token": access,
            "expires_at": now + access_ttl,
            "expires_in": access_ttl,
            "refresh_token": refresh,
            "refresh_token_expires_at": now + refresh_ttl,
            "refresh_token_expires_in": refresh_ttl,
            "owner_id": OWNER_ID,
            "owner_name": text::OWNER_NAME,
            "scope": SCOPE,
        });
        for scope in ["r1", "r2", "w1", "w2"] {
            v[format!("{scope}_expires_at")] = json!(now + access_ttl);
            v[format!("{scope}_expires_in")] = json!(access_ttl);
        }
        v
    }

    /// `pdd.pop.auth.token.create`.
    pub fn token_create(&mut self, code: &str) -> Result<Value, ApiError> {
        let now = self.now();
        match self.oauth.codes.remove(code) {
            Some(expires) if expires > now => Ok(self.issue_tokens()),
            _ => Err(ApiError::business(text::AUTH_CODE_INVALID)),
        }
    }

    /// `pdd.pop.auth.token.refresh`: new tokens; the old refresh token is used up.
    pub fn token_refresh(&mut self, refresh_token: &str) -> Result<Value, ApiError> {
        let now = self.now();
        match self.oauth.refresh.remove(refresh_token) {
            Some(expires) if expires > now => Ok(self.issue_tokens()),
            _ => Err(ApiError::business(text::REFRESH_TOKEN_INVALID)),
        }
    }

    /// The token check of a `pdd.ddk.oauth.*` call.
    pub fn check_access(&self, token: Option<&str>) -> Result<(), ApiError> {
        let token = token.ok_or_else(|| ApiError::param("access_token"))?;
        match self.oauth.access.get(token) {
            Some(expires) if *expires > self.now() => Ok(()),
            Some(_) => Err(ApiError::token_expired()),
            None => Err(ApiError::param("access_token")),
        }
    }
}
