//! The admin dashboard at `/admin`: server-rendered Chinese pages, a JSON API under `/admin/api` for everything
//! the pages show (described by [`openapi`]), session login for people with roles (admin, partner), CSRF
//! protection on every state-changing request and login rate limiting. Every asset is served by dealbot itself.
//!
//! Each area is one file holding its data function (shared by page and API), its page and its API handlers; the
//! route table ([`table`]) names every route once. Handlers learn who asks only through the extractors of
//! [`session`]: [`session::Viewer`] (anyone logged in) or [`session::Admin`] (admins; partners get 403), and fail
//! with [`error::AdminError`], answered as a Chinese page or as `{"error": "…"}` JSON.

pub mod accounts;
pub mod agent_levels;
pub mod agents;
pub mod assets;
pub mod authorization;
pub mod campaigns;
pub mod charts;
pub mod collection;
pub mod csrf;
pub mod csv;
pub mod error;
pub mod finance;
pub mod format;
pub mod groups;
pub mod headers;
pub mod login;
pub mod mass;
pub mod members;
pub mod openapi;
pub mod orders;
pub mod overview;
pub mod partners;
pub mod password;
pub mod picks;
pub mod posting;
pub mod ratelimit;
pub mod rates;
pub mod reconciliation;
pub mod robot_accounts;
pub mod robots;
pub mod routes;
pub mod selection;
pub mod service;
pub mod session;
pub mod settings;
pub mod statements;
pub mod text;
pub mod view;
pub mod withdrawal_log;
pub mod withdrawals;

use crate::http::AppState;
use axum::{Extension, Json, Router};
use ratelimit::LoginLimiter;
use routes::Routes;
use session::Viewer;
use std::sync::Arc;
use std::time::Duration;

/// The dashboard's route table, one area after the other in the order of the navigation: each area's page (in the
/// navigation when added with `page`), its form actions and its API. Adding a page, an action or an operation is
/// one line here; the navigation and the list the OpenAPI document is checked against derive from it.
pub fn table() -> Routes {
    use routes::Audience::{AdminOnly, Everyone};
    use text::people as x;
    Routes::default()
        .get("/admin/login", login::show)
        .post("/admin/login", login::submit)
        .post("/admin/logout", login::logout)
        .get("/admin/assets/{name}", assets::serve)
        .get("/admin/api/me", me)
        .page("/admin", x::OVERVIEW, Everyone, overview::page)
        .get("/admin/", overview::page)
        .get("/admin/api/overview", overview::api)
        .page("/admin/orders", x::ORDERS, Everyone, orders::page)
        .get("/admin/orders.csv", orders::export)
        .post("/admin/orders/{id}/assign", orders::assign_page)
        .get("/admin/api/orders", orders::api)
        .get("/admin/api/orders/unattributed", orders::api_unattributed)
        .post("/admin/api/orders/{id}/assign", orders::api_assign)
        .page("/admin/groups", x::GROUPS, Everyone, groups::list_page)
        .get("/admin/groups/{id}", groups::detail_page)
        .post("/admin/groups/{id}", groups::save_page)
        .post("/admin/groups/{id}/keywords", groups::keyword_page)
        .post("/admin/groups/{id}/keywords/delete", groups::keyword_delete_page)
        .post("/admin/groups/{id}/pids", groups::pid_page)
        .get("/admin/api/groups", groups::api_list)
        .get("/admin/api/groups/{id}", groups::api_detail)
        .post("/admin/api/groups/{id}", groups::api_update)
        .post("/admin/api/groups/{id}/keywords", groups::api_keyword)
        .post("/admin/api/groups/{id}/pids", groups::api_pid)
        .page("/admin/partners", x::PARTNERS, Everyone, partners::list_page)
        .post("/admin/partners", partners::create_page)
        .get("/admin/partners/{id}", partners::detail_page)
        .post("/admin/partners/{id}/pids", partners::pid_page)
        .post("/admin/partners/{id}/pdd-pid", partners::generate_page)
        .get("/admin/api/partners", partners::api_list)
        .post("/admin/api/partners", partners::api_create)
        .get("/admin/api/partners/{id}", partners::api_detail)
        .post("/admin/api/partners/{id}/pids", partners::api_pid)
        .post("/admin/api/partners/{id}/pdd-pid", partners::api_generate)
        .page("/admin/members", x::MEMBER, Everyone, members::list_page)
        .get("/admin/members/{id}", members::detail_page)
        .get("/admin/api/members", members::api_list)
        .get("/admin/api/members/{id}", members::api_detail)
        .page("/admin/selection", x::SELECTION, Everyone, selection::page)
        .post("/admin/selection/pick", picks::pick_page)
        .post("/admin/selection/post", picks::post_page)
        .get("/admin/api/selection", selection::api)
        .post("/admin/api/selection/pick", picks::api_pick)
        .post("/admin/api/selection/post", picks::api_post)
        .page("/admin/posting", x::POSTING, Everyone, posting::page)
        .post("/admin/posting/plans", posting::create_page)
        .post("/admin/posting/plans/{id}", posting::update_page)
        .post("/admin/posting/plans/{id}/enabled", posting::switch_page)
        .get("/admin/api/posting/plans", posting::api_plans)
        .post("/admin/api/posting/plans", posting::api_create)
        .post("/admin/api/posting/plans/{id}", posting::api_update)
        .post("/admin/api/posting/plans/{id}/enabled", posting::api_switch)
        .get("/admin/api/posting/deliveries", posting::api_deliveries)
        .get("/admin/api/posting/stats", posting::api_stats)
        .page("/admin/mass", x::MASS, Everyone, mass::page)
        .get("/admin/api/mass-posts", mass::api_list)
        .post("/admin/api/mass-posts", mass::api_create)
        .post("/admin/api/mass-posts/preview", mass::api_preview)
        .page("/admin/collection", x::COLLECTION, AdminOnly, collection::page)
        .get("/admin/api/collection", collection::api_overview)
        .post("/admin/api/collection/sources", collection::api_save)
        .post("/admin/api/collection/sources/{id}/delete", collection::api_remove)
        .post("/admin/api/collection/preview", collection::api_preview)
        .page("/admin/campaigns", x::CAMPAIGNS, AdminOnly, campaigns::page)
        .post("/admin/campaigns", campaigns::create_page)
        .get("/admin/campaigns/{id}", campaigns::detail_page)
        .post("/admin/campaigns/{id}/running", campaigns::switch_page)
        .post("/admin/campaigns/rewards", campaigns::rewards_page)
        .page("/admin/withdrawals", x::WITHDRAWALS, Everyone, withdrawals::page)
        .post("/admin/withdrawals/{id}", withdrawals::decide_page)
        .post("/admin/withdrawals/approve", withdrawals::approve_batch_page)
        .post("/admin/withdrawals/pay", withdrawals::pay_batch_page)
        .get("/admin/withdrawals/approved.csv", withdrawals::approved_csv_page)
        .get("/admin/api/withdrawals", withdrawals::api_list)
        .post("/admin/api/withdrawals/approve", withdrawals::api_approve_batch)
        .post("/admin/api/withdrawals/pay", withdrawals::api_pay_batch)
        .post("/admin/api/withdrawals/{id}/approve", withdrawals::api_approve)
        .post("/admin/api/withdrawals/{id}/reject", withdrawals::api_reject)
        .post("/admin/api/withdrawals/{id}/pay", withdrawals::api_pay)
        .page("/admin/withdrawal-log", text::money::WITHDRAWAL_LOG, AdminOnly, withdrawal_log::page)
        .get("/admin/api/finance-log", withdrawal_log::api)
        .page("/admin/rates", x::RATES, AdminOnly, rates::page)
        .post("/admin/rates", rates::create_page)
        .post("/admin/rates/{id}/end", rates::end_page)
        .get("/admin/api/rate-rules", rates::api_list)
        .post("/admin/api/rate-rules", rates::api_create)
        .post("/admin/api/rate-rules/preview", rates::api_preview)
        .post("/admin/api/rate-rules/{id}", rates::api_change)
        .post("/admin/api/rate-rules/{id}/end", rates::api_end)
        .page("/admin/accounts", x::ACCOUNTS, Everyone, accounts::page)
        .post("/admin/accounts/withdraw", accounts::withdraw_page)
        .get("/admin/api/accounts", accounts::api)
        .post("/admin/api/accounts/withdraw", accounts::api_withdraw)
        .page("/admin/agents", x::AGENTS, AdminOnly, agents::page)
        .post("/admin/agents/{id}", agents::decide_page)
        .get("/admin/api/agent-applications", agents::api_list)
        .post("/admin/api/agent-applications/{id}", agents::api_decide)
        .post("/admin/agent-levels", agent_levels::create_page)
        .post("/admin/agent-levels/{id}", agent_levels::change_page)
        .post("/admin/agent-levels/{id}/delete", agent_levels::delete_page)
        .get("/admin/api/agent-levels", agent_levels::api_list)
        .post("/admin/api/agent-levels", agent_levels::api_create)
        .post("/admin/api/agent-levels/{id}", agent_levels::api_change)
        .post("/admin/api/agent-levels/{id}/delete", agent_levels::api_delete)
        .get("/admin/api/agents", agent_levels::api_agents)
        .get("/admin/api/agent-level-changes", agent_levels::api_changes)
        .page("/admin/service", x::SERVICE, AdminOnly, service::page)
        .post("/admin/service/{id}/reply", service::reply_page)
        .post("/admin/service/{id}/close", service::close_page)
        .post("/admin/service/keywords", service::keyword_page)
        .post("/admin/service/keywords/delete", service::keyword_delete_page)
        .post("/admin/service/faq", service::faq_page)
        .post("/admin/service/faq/delete", service::faq_delete_page)
        .page("/admin/robots", x::ROBOTS, AdminOnly, robots::page)
        .post("/admin/robots", robot_accounts::add_page)
        .post("/admin/robots/{id}/reconnect", robots::reconnect_page)
        .post("/admin/robots/{id}/logout", robots::logout_page)
        .post("/admin/robots/{id}/sync", robots::sync_page)
        .post("/admin/robots/{id}/move", robots::move_page)
        .get("/admin/robots/{id}/login", robot_accounts::login_page)
        .post("/admin/robots/{id}/pacing", robot_accounts::pacing_page)
        .get("/admin/api/robots", robots::api)
        .post("/admin/api/robots", robot_accounts::api_add)
        .get("/admin/api/robots/events", robots::api_events)
        .post("/admin/api/robots/{id}/reconnect", robots::api_reconnect)
        .post("/admin/api/robots/{id}/move", robots::api_move)
        .get("/admin/api/robots/{id}/login", robot_accounts::api_poll_login)
        .post("/admin/api/robots/{id}/login", robot_accounts::api_start_login)
        .post("/admin/api/robots/{id}/pacing", robot_accounts::api_pacing)
        .page("/admin/authorization", x::AUTHORIZATION, AdminOnly, authorization::page)
        .post("/admin/authorization/start", authorization::start)
        .get("/admin/api/authorization", authorization::api)
        .get("/auth/pdd/start", authorization::start)
        .get("/auth/pdd/status", authorization::api)
        .page("/admin/reconciliation", x::RECONCILIATION, AdminOnly, reconciliation::page)
        .get("/admin/api/reconciliation", reconciliation::api)
        .page("/admin/settings", x::SETTINGS, Everyone, settings::page)
        .post("/admin/settings/users", settings::create_user_page)
        .post("/admin/settings/users/{id}/disabled", settings::disabled_page)
        .post("/admin/settings/password", settings::password_page)
        .get("/admin/api/settings", settings::api)
        .post("/admin/api/settings/users", settings::api_create_user)
        .page("/admin/api/openapi.json", "API", AdminOnly, openapi::serve)
        .page("/admin/finance", x::FINANCE, Everyone, finance::page)
        .get("/admin/finance.csv", finance::export)
        .get("/admin/api/ledger-entries", finance::api)
        .page("/admin/statements", x::STATEMENTS, Everyone, statements::page)
        .get("/admin/statements.csv", statements::export)
        .get("/admin/api/statements", statements::api)
}

/// The image upload of mass posts, outside the server's general body limit: it reads up to
/// [`mass::MAX_IMAGE_BYTES`] itself and refuses more with a Chinese reason.
pub fn upload_table() -> Routes {
    Routes::default().post("/admin/api/mass-posts/images", mass::api_upload)
}

/// The navigation, derived from [`table`].
pub fn nav() -> &'static [routes::NavEntry] {
    static NAV: std::sync::LazyLock<Vec<routes::NavEntry>> = std::sync::LazyLock::new(|| table().nav().to_vec());
    &NAV
}

/// The dashboard's routes ([`table`]), behind the authentication and CSRF guard.
pub fn router(state: &AppState) -> Router<AppState> {
    let a = &state.settings.admin;
    let limiter = Arc::new(LoginLimiter::new(state.store.clone(), a));
    password::configure(a.password_checks_at_once, Duration::from_millis(a.password_check_wait_ms));
    guarded(state, table()).layer(Extension(limiter))
}

/// [`upload_table`], behind the same guards as [`router`] but outside the server's general body limit.
pub fn upload_router(state: &AppState) -> Router<AppState> {
    guarded(state, upload_table())
}

fn guarded(state: &AppState, routes: Routes) -> Router<AppState> {
    routes
        .into_router()
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(axum::middleware::from_fn(headers::secure))
}

/// The answer of `GET /admin/api/me`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub username: String,
    pub role: crate::store::users::Role,
    /// The partner a partner's account belongs to.
    pub partner_id: Option<i64>,
    /// What a script sends back in `X-CSRF-Token` (none for bearer-token clients).
    pub csrf_token: Option<String>,
}

/// Who is logged in, and the CSRF token a script sends back in `X-CSRF-Token`.
#[utoipa::path(
    get,
    path = "/admin/api/me",
    tag = "meta",
    responses((status = 200, body = Me)),
)]
async fn me(v: Viewer) -> Json<Me> {
    Json(Me { username: v.username, role: v.role, partner_id: v.partner_id, csrf_token: v.csrf })
}
