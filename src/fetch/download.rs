//! The HTTP side of photo fetching: one request per hop, redirects followed by hand and re-checked, the body
//! streamed under a byte cap.

use super::FetchError;
use super::guard::Guard;
use super::resolve::{GuardedResolver, NoPublicAddress};
use crate::config::FetchSettings;
use crate::platform::Platform;
use reqwest::{StatusCode, Url, header};
use std::sync::Arc;
use std::time::Duration;

/// Sends photo requests through the guard.
#[derive(Debug, Clone)]
pub struct Downloader {
    client: reqwest::Client,
    guard: Arc<Guard>,
    max_redirects: u32,
    max_bytes: u64,
}

impl Downloader {
    pub fn new(settings: &FetchSettings, guard: Arc<Guard>) -> Result<Downloader, FetchError> {
        let client = reqwest::Client::builder()
            // A proxy would resolve names itself, around the guarded resolver.
            .no_proxy()
            .dns_resolver(GuardedResolver::new(guard.overrides().clone()))
            // Redirects are followed in `download`, each hop checked again.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .timeout(Duration::from_millis(settings.timeout_ms))
            .user_agent(concat!("dealbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
        Ok(Downloader { client, guard, max_redirects: settings.max_redirects, max_bytes: settings.max_bytes })
    }

    /// The body of the photo at `url`, after at most `max_redirects` redirects, every hop checked by the guard.
    pub async fn download(&self, platform: Platform, mut url: Url) -> Result<Vec<u8>, FetchError> {
        for hop in 0..=self.max_redirects {
            self.guard.check(platform, &url)?;
            let mut resp = self
                .client
                .get(url.clone())
                .header(header::ACCEPT, "image/webp,image/jpeg,image/png;q=0.9")
                .send()
                .await
                .map_err(transport)?;
            let status = resp.status();
            if is_followed_redirect(status) {
                let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok());
                url = location.and_then(|l| url.join(l).ok()).ok_or(FetchError::BadRedirect)?;
                tracing::debug!(hop, host = url.host_str(), "photo redirect");
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let limit = self.max_bytes;
            if resp.content_length().is_some_and(|len| len > limit) {
                return Err(FetchError::TooLarge { limit });
            }
            let mut body = Vec::with_capacity(resp.content_length().unwrap_or(64 * 1024) as usize);
            while let Some(chunk) = resp.chunk().await.map_err(transport)? {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(FetchError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(body);
        }
        Err(FetchError::TooManyRedirects(self.max_redirects))
    }
}

fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// A typed error for a failed request; never carries the URL (it may hold tokens in its query).
fn transport(e: reqwest::Error) -> FetchError {
    let e = e.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<NoPublicAddress>() {
            return FetchError::ForbiddenAddress { host: refused.host.clone() };
        }
        source = err.source();
    }
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    FetchError::Transport(text)
}
