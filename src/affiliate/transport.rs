//! The HTTP exchange shared by the form-encoded platform gateways (JD JOS, Taobao TOP): post, read the body, map
//! transport failures and HTTP statuses to [`AffiliateError`], and log the call's latency.

use super::AffiliateError;
use std::time::{Duration, Instant};

/// Posts `params` form-encoded and hands the body to `parse`. HTTP 429 is throttling, other non-2xx statuses are
/// the platform being unavailable.
pub async fn post_form<T>(
    http: &reqwest::Client,
    platform: &'static str,
    method: &str,
    url: &str,
    timeout: Duration,
    params: &[(&str, &str)],
    parse: impl FnOnce(&str) -> Result<T, AffiliateError>,
) -> Result<T, AffiliateError> {
    let started = Instant::now();
    let result = match http.post(url).timeout(timeout).form(params).send().await {
        Err(e) => Err(AffiliateError::Transport(e.to_string())),
        Ok(resp) => {
            let status = resp.status();
            match resp.text().await {
                Err(e) => Err(AffiliateError::Transport(e.to_string())),
                Ok(_) if status == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                    Err(AffiliateError::RateLimited { retry_after: None })
                }
                Ok(_) if !status.is_success() => {
                    Err(AffiliateError::Unavailable { code: status.as_u16().to_string(), msg: "HTTP error".into() })
                }
                Ok(body) => parse(&body),
            }
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(_) => tracing::debug!(platform, method, ms, "platform call"),
        Err(e) => tracing::info!(platform, method, ms, error = %e, "platform call failed"),
    }
    result
}
