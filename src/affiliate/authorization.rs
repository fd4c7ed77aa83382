//! Pinduoduo 多多客授权: the OAuth flow an admin starts, token storage and refresh, and expiry warnings.
//!
//! `start` makes a single-use `state` and the jinbao authorize URL; `callback` checks the state and exchanges the
//! code (`pdd.pop.auth.token.create`). Tokens are refreshed daily before they expire, and on 10019 (expired) a
//! token-needing call refreshes once and retries. Admins are warned 7, 3 and 1 days before the refresh token
//! lapses and when it has lapsed (chat message, log line, status API). Conversions that need no token keep working
//! when the authorization lapses; the status says what stopped.

use super::AffiliateError;
use super::pdd::PddClient;
use crate::clock::Clock;
use crate::config::PddSettings;
use crate::notices::AdminAlert;
use crate::platform::Platform;
use crate::store::tokens::StoredTokens;
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::future::Future;

/// Warning thresholds, days before the refresh token lapses.
pub const WARN_DAYS: [i64; 3] = [7, 3, 1];
/// How long an authorization `state` stays valid.
const STATE_TTL_SECS: i64 = 600;
/// Refresh when the access token has less than this left, or was last refreshed this long ago.
const REFRESH_EVERY_SECS: i64 = 86_400;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Pinduoduo is not configured")]
    NotConfigured,
    #[error("unknown or expired authorization state")]
    BadState,
    #[error("not authorized yet")]
    NotAuthorized,
    #[error("authorization lapsed: re-authorize")]
    Lapsed,
    #[error(transparent)]
    Platform(#[from] AffiliateError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the status API and the dashboard show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuthStatus {
    /// `not_authorized`, `ok`, `expiring` or `lapsed`.
    pub state: &'static str,
    pub owner_name: Option<String>,
    /// Unix seconds.
    pub access_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    /// Whole days until the refresh token lapses (negative once lapsed).
    pub days_left: Option<i64>,
    /// What works and what stopped, in Chinese for the operator.
    pub message: String,
}

/// Who is told about expiring authorizations, and through which robot.
#[derive(Debug, Clone, Default)]
pub struct Notify {
    pub robot_id: Option<i64>,
    pub admin_wxids: Vec<String>,
}

#[derive(Clone)]
pub struct PddAuthorization {
    pub store: Store,
    pub client: PddClient,
    pub settings: PddSettings,
    pub clock: Clock,
    pub notify: Notify,
}

impl PddAuthorization {
    /// Starts an authorization: a fresh single-use state and the authorize URL to send the admin to.
    pub async fn start(&self) -> Result<String, AuthError> {
        if self.settings.client_id.is_empty() {
            return Err(AuthError::NotConfigured);
        }
        let state = format!("{:032x}", rand::random::<u128>());
        let now = self.clock.now_secs();
        self.store.put_oauth_state(Platform::Pdd, &state, now + STATE_TTL_SECS, self.clock.now_ms()).await?;
        let mut url = url::Url::parse(&self.settings.authorize_url)
            .map_err(|e| AuthError::Platform(AffiliateError::Decode(format!("authorize_url: {e}"))))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_uri)
            .append_pair("state", &state);
        Ok(url.into())
    }

    /// The authorize page sent the admin back: check the state, exchange the code, store the tokens.
    pub async fn callback(&self, code: &str, state: &str) -> Result<AuthStatus, AuthError> {
        if !self.store.take_oauth_state(Platform::Pdd, state, self.clock.now_secs()).await? {
            return Err(AuthError::BadState);
        }
        let t = self.client.token_create(code).await?;
        self.save(t).await?;
        tracing::info!("pinduoduo authorization stored");
        self.status().await
    }

    async fn save(&self, t: super::pdd::PddTokens) -> Result<(), AuthError> {
        let stored = StoredTokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_at: t.expires_at,
            refresh_expires_at: t.refresh_token_expires_at,
            owner_id: t.owner_id,
            owner_name: t.owner_name,
            refreshed_at: self.clock.now_secs(),
        };
        self.store.save_tokens(Platform::Pdd, &stored, self.clock.now_ms()).await?;
        Ok(())
    }

    /// Refreshes the tokens now.
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let t = self.store.tokens(Platform::Pdd).await?.ok_or(AuthError::NotAuthorized)?;
        if t.refresh_expires_at <= self.clock.now_secs() {
            return Err(AuthError::Lapsed);
        }
        let fresh = self.client.token_refresh(&t.refresh_token).await?;
        self.save(fresh).await?;
        tracing::info!("pinduoduo tokens refreshed");
        Ok(())
    }

    /// The daily refresh: when the access token is within a day of expiry or was refreshed over a day ago.
    pub async fn refresh_if_due(&self) -> Result<bool, AuthError> {
        let Some(t) = self.store.tokens(Platform::Pdd).await? else { return Ok(false) };
        let now = self.clock.now_secs();
        if t.refresh_expires_at <= now {
            return Ok(false);
        }
        if t.expires_at - now < REFRESH_EVERY_SECS || now - t.refreshed_at >= REFRESH_EVERY_SECS {
            self.refresh().await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Runs a token-needing call; on an expired token (10019) refreshes once and retries.
    pub async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, AuthError>
    where
        F: Fn(PddClient) -> Fut,
        Fut: Future<Output = Result<T, AffiliateError>>,
    {
        let t = self.store.tokens(Platform::Pdd).await?.ok_or(AuthError::NotAuthorized)?;
        match call(self.client.with_access_token(t.access_token)).await {
            Err(AffiliateError::TokenExpired) => {
                self.refresh().await?;
                let t = self.store.tokens(Platform::Pdd).await?.ok_or(AuthError::NotAuthorized)?;
                Ok(call(self.client.with_access_token(t.access_token)).await?)
            }
            other => Ok(other?),
        }
    }

    pub async fn status(&self) -> Result<AuthStatus, AuthError> {
        let now = self.clock.now_secs();
        let Some(t) = self.store.tokens(Platform::Pdd).await? else {
            return Ok(AuthStatus {
                state: "not_authorized",
                owner_name: None,
                access_expires_at: None,
                refresh_expires_at: None,
                days_left: None,
                message: super::text::PDD_NOT_AUTHORIZED.into(),
            });
        };
        let days_left = (t.refresh_expires_at - now).div_euclid(86_400);
        let (state, message) = if t.refresh_expires_at <= now {
            ("lapsed", super::text::PDD_LAPSED.to_string())
        } else if days_left < WARN_DAYS[0] {
            ("expiring", super::text::pdd_expiring(days_left + 1))
        } else {
            ("ok", super::text::PDD_AUTHORIZED.to_string())
        };
        Ok(AuthStatus {
            state,
            owner_name: Some(t.owner_name),
            access_expires_at: Some(t.expires_at),
            refresh_expires_at: Some(t.refresh_expires_at),
            days_left: Some(days_left),
            message,
        })
    }

    /// Sends each due warning once (7, 3, 1 days before the refresh token lapses, and when it has lapsed).
    /// Returns the warnings sent now.
    pub async fn check_warnings(&self) -> Result<Vec<String>, AuthError> {
        let Some(t) = self.store.tokens(Platform::Pdd).await? else { return Ok(Vec::new()) };
        let left = t.refresh_expires_at - self.clock.now_secs();
        // 0 stands for "lapsed".
        let due: Vec<i64> = if left <= 0 {
            vec![0]
        } else {
            WARN_DAYS.iter().copied().filter(|d| left <= d * 86_400).min().into_iter().collect()
        };
        let mut sent = Vec::new();
        for threshold in due {
            if !self
                .store
                .mark_token_warning(Platform::Pdd, t.refresh_expires_at, threshold, self.clock.now_ms())
                .await?
            {
                continue;
            }
            let alert = AdminAlert::PddAuthorization { days: threshold, refresh_expires_at: t.refresh_expires_at };
            tracing::warn!(days = threshold, "pinduoduo authorization expiring or lapsed");
            self.tell_admins(&alert).await?;
            sent.push(alert.text());
        }
        Ok(sent)
    }

    async fn tell_admins(&self, alert: &AdminAlert<'_>) -> Result<(), AuthError> {
        let Some(robot_id) = self.notify.robot_id else { return Ok(()) };
        let sends = alert.sends(robot_id, &self.notify.admin_wxids);
        self.store.enqueue(&sends, self.clock.now_ms()).await?;
        Ok(())
    }
}
