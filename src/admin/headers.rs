//! Security headers on every dashboard response: a Content-Security-Policy that allows only dealbot's own
//! stylesheet and script (no inline script or style, no framing), `nosniff`, no referrer, and `no-store` on
//! everything but the static assets, so an authenticated page never lands in a shared or disk cache.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const ASSETS: &str = "/admin/assets/";

pub async fn secure(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with(ASSETS);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    if !is_asset {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}
