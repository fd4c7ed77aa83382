//! Member registration (affiliates spec §3.5, §3.6.5): a member consents through Taobao OAuth (the link is sent to
//! them once), the code is exchanged for their session, and `taobao.tbk.sc.publisher.info.save` with the
//! operator's invite code binds them: a `special_id` (会员运营, 会员 invite code) or a `relation_id` (渠道). Their
//! orders then carry that id.

use super::TaobaoClient;
use super::wire;
use crate::affiliate::AffiliateError;
use serde::Deserialize;
use std::time::Duration;

const PUBLISHER_SAVE: &str = "taobao.tbk.sc.publisher.info.save";
/// Largest token answer read.
const MAX_TOKEN_BODY: usize = 16 * 1024;

/// The id a registered member's orders carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberTag {
    Special(String),
    Relation(String),
}

impl MemberTag {
    /// As orders are tagged (`special:<id>` / `relation:<id>`, see [`crate::affiliate::orders::SyncedOrder`]).
    pub fn tag(&self) -> String {
        match self {
            MemberTag::Special(id) => format!("special:{id}"),
            MemberTag::Relation(id) => format!("relation:{id}"),
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl TaobaoClient {
    /// Whether members can register (an invite code is configured).
    pub fn registration_enabled(&self) -> bool {
        !self.inner.settings.invite_code.is_empty() && !self.inner.settings.oauth_url.is_empty()
    }

    /// The consent link a member opens; Taobao sends them back to `redirect_uri` with a code and `state`.
    pub fn registration_url(&self, redirect_uri: &str, state: &str) -> Option<String> {
        if !self.registration_enabled() {
            return None;
        }
        let s = &self.inner.settings;
        let mut url = url::Url::parse(&format!("{}/authorize", s.oauth_url.trim_end_matches('/'))).ok()?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &s.app_key)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("view", "wap");
        Some(url.to_string())
    }

    /// Completes a member's registration from the consent's `code`: their session, then the binding.
    pub async fn register_member(&self, code: &str, redirect_uri: &str) -> Result<MemberTag, AffiliateError> {
        self.ensure_configured()?;
        let session = self.member_session(code, redirect_uri).await?;
        let params = [("inviter_code", self.inner.settings.invite_code.clone()), ("info_type", "1".to_string())];
        let res = self.inner.guard.run(|| self.call_with_session(PUBLISHER_SAVE, Some(&session), &params)).await?;
        let data = res.get("data").ok_or_else(|| AffiliateError::Decode("publisher.info.save: no data".into()))?;
        let id = |k: &str| data.get(k).and_then(wire::scalar_string).filter(|v| !v.is_empty() && v != "0");
        match (id("special_id"), id("relation_id")) {
            (Some(s), _) => Ok(MemberTag::Special(s)),
            (None, Some(r)) => Ok(MemberTag::Relation(r)),
            (None, None) => Err(AffiliateError::Decode("publisher.info.save: no special_id or relation_id".into())),
        }
    }

    /// The OAuth token exchange: the member's session for `code`.
    async fn member_session(&self, code: &str, redirect_uri: &str) -> Result<String, AffiliateError> {
        let s = &self.inner.settings;
        let url = format!("{}/token", s.oauth_url.trim_end_matches('/'));
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", s.app_key.as_str()),
            ("client_secret", s.app_secret.expose()),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("view", "wap"),
        ];
        let response = self
            .inner
            .http
            .post(url)
            .form(&form)
            .timeout(Duration::from_millis(s.timeout_ms))
            .send()
            .await
            .map_err(|e| AffiliateError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| AffiliateError::Transport(e.without_url().to_string()))?;
        if body.len() > MAX_TOKEN_BODY {
            return Err(AffiliateError::Decode("taobao token answer too large".into()));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| AffiliateError::Decode(format!("taobao token answer (HTTP {status}) is not JSON")))?;
        match answer.access_token {
            Some(token) if status.is_success() && !token.is_empty() => Ok(token),
            _ => Err(AffiliateError::Rejected {
                code: answer.error.unwrap_or_else(|| status.as_u16().to_string()),
                msg: answer.error_description.unwrap_or_default(),
            }),
        }
    }
}
