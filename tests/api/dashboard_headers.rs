//! Security headers on every dashboard response, and pages that need no inline script or style.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::helpers::TestApp;
use dealbot::store::users::Role;

/// Every page of the navigation (the route table's pages), and other responses a session gets.
fn pages() -> Vec<&'static str> {
    let mut pages: Vec<&str> = dealbot::admin::nav().iter().map(|e| e.path).collect();
    pages.extend(["/admin/api/me", "/admin/orders.csv"]);
    pages
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or_else(|| panic!("{} has no {name}", r.url()))
}

fn assert_secure(r: &reqwest::Response, cacheable: bool) {
    let csp = header(r, "content-security-policy");
    for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{}: {directive} missing in {csp}", r.url());
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(header(r, "x-frame-options"), "DENY");
    assert_eq!(header(r, "x-content-type-options"), "nosniff");
    assert_eq!(header(r, "referrer-policy"), "no-referrer");
    if !cacheable {
        assert_eq!(header(r, "cache-control"), "no-store", "{}", r.url());
    }
}

/// No `<script>` without `src`, no `on…=` handlers, no `style` attributes or elements: the policy forbids them.
fn assert_no_inline_code(path: &str, html: &str) {
    let lower = html.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').unwrap() + at;
        assert!(rest[at..tag_end].contains(" src="), "{path}: inline script");
        rest = &rest[tag_end..];
    }
    for bad in [" onclick=", " onload=", " onsubmit=", " onchange=", " onerror=", " style=", "<style", "javascript:"] {
        assert!(!lower.contains(bad), "{path}: `{bad}` would be blocked by the policy");
    }
}

#[tokio::test]
async fn every_dashboard_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    let login = c.get("/admin/login").await;
    assert_secure(&login, false);
    assert_no_inline_code("/admin/login", &login.text().await.unwrap());
    let failed = c.login(ADMIN, "wrong-password").await;
    assert_secure(&failed, false);
    let ok = c.login(ADMIN, ADMIN_PASSWORD).await;
    assert_secure(&ok, false);
    for path in pages() {
        let r = c.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_secure(&r, false);
        let body = r.text().await.unwrap();
        if !path.contains("api") && !path.ends_with(".csv") {
            assert_no_inline_code(path, &body);
        }
    }
    // Assets may be cached, but are still nosniff and framed by nobody.
    for asset in ["/admin/assets/admin.js", "/admin/assets/admin.css"] {
        let r = c.get(asset).await;
        assert_secure(&r, true);
        assert!(header(&r, "cache-control").contains("max-age"), "{asset}");
    }
    // Logged out: the redirect and the API's 401 carry them too.
    let mut anon = AdminClient::new(&app);
    assert_secure(&anon.get("/admin/groups").await, false);
    assert_secure(&anon.get("/admin/api/groups").await, false);
}
