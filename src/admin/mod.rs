//! The admin dashboard at `/admin`: server-rendered Chinese pages, a JSON API under `/admin/api` for everything
//! the pages show (described by [`openapi`]), session login for people with roles (admin, partner), CSRF
//! protection on every state-changing request and login rate limiting. Every asset is served by dealbot itself.
//!
//! Each area is one file holding its data function (shared by page and API), its page and its API handlers.

pub mod accounts;
pub mod agent_levels;
pub mod agents;
pub mod assets;
pub mod authorization;
pub mod campaigns;
pub mod charts;
pub mod collection;
pub mod csrf;
pub mod error;
pub mod finance;
pub mod groups;
pub mod headers;
pub mod html;
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
pub mod selection;
pub mod service;
pub mod session;
pub mod settings;
pub mod statements;
pub mod withdrawals;

use crate::http::AppState;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ratelimit::LoginLimiter;
use serde_json::{Value, json};
use session::Viewer;
use std::sync::Arc;
use std::time::Duration;

/// The dashboard's routes, behind the authentication and CSRF guard.
pub fn router(state: &AppState) -> Router<AppState> {
    let a = &state.settings.admin;
    let limiter = Arc::new(LoginLimiter::new(state.store.clone(), a));
    password::configure(a.password_checks_at_once, Duration::from_millis(a.password_check_wait_ms));
    Router::new()
        .route("/admin", get(overview::page))
        .route("/admin/", get(overview::page))
        .route("/admin/login", get(login::show).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/assets/{name}", get(assets::serve))
        .route("/admin/orders", get(orders::page))
        .route("/admin/orders.csv", get(orders::export))
        .route("/admin/orders/{id}/assign", post(orders::assign_page))
        .route("/admin/groups", get(groups::list_page))
        .route("/admin/groups/{id}", get(groups::detail_page).post(groups::save_page))
        .route("/admin/groups/{id}/keywords", post(groups::keyword_page))
        .route("/admin/groups/{id}/keywords/delete", post(groups::keyword_delete_page))
        .route("/admin/groups/{id}/pids", post(groups::pid_page))
        .route("/admin/partners", get(partners::list_page).post(partners::create_page))
        .route("/admin/partners/{id}", get(partners::detail_page))
        .route("/admin/partners/{id}/pids", post(partners::pid_page))
        .route("/admin/partners/{id}/pdd-pid", post(partners::generate_page))
        .route("/admin/members", get(members::list_page))
        .route("/admin/members/{id}", get(members::detail_page))
        .route("/admin/withdrawals", get(withdrawals::page))
        .route("/admin/withdrawals/{id}", post(withdrawals::decide_page))
        .route("/admin/robots", get(robots::page))
        .route("/admin/service", get(service::page))
        .route("/admin/service/{id}/reply", post(service::reply_page))
        .route("/admin/service/{id}/close", post(service::close_page))
        .route("/admin/service/keywords", post(service::keyword_page))
        .route("/admin/service/keywords/delete", post(service::keyword_delete_page))
        .route("/admin/service/faq", post(service::faq_page))
        .route("/admin/service/faq/delete", post(service::faq_delete_page))
        .route("/admin/robots/{id}/reconnect", post(robots::reconnect_page))
        .route("/admin/robots/{id}/logout", post(robots::logout_page))
        .route("/admin/robots/{id}/sync", post(robots::sync_page))
        .route("/admin/robots/{id}/move", post(robots::move_page))
        .route("/admin/robots", post(robot_accounts::add_page))
        .route("/admin/robots/{id}/login", get(robot_accounts::login_page))
        .route("/admin/robots/{id}/pacing", post(robot_accounts::pacing_page))
        .route("/admin/authorization", get(authorization::page))
        .route("/admin/authorization/start", post(authorization::start))
        .route("/admin/reconciliation", get(reconciliation::page))
        .route("/admin/settings", get(settings::page))
        .route("/admin/settings/users", post(settings::create_user_page))
        .route("/admin/settings/users/{id}/disabled", post(settings::disabled_page))
        .route("/admin/settings/password", post(settings::password_page))
        .route("/admin/api/openapi.json", get(openapi::serve))
        .route("/admin/api/me", get(me))
        .route("/admin/api/overview", get(overview::api))
        .route("/admin/api/orders", get(orders::api))
        .route("/admin/api/orders/{id}/assign", post(orders::api_assign))
        .route("/admin/api/groups", get(groups::api_list))
        .route("/admin/api/groups/{id}", get(groups::api_detail).post(groups::api_update))
        .route("/admin/api/groups/{id}/keywords", post(groups::api_keyword))
        .route("/admin/api/groups/{id}/pids", post(groups::api_pid))
        .route("/admin/api/partners", get(partners::api_list).post(partners::api_create))
        .route("/admin/api/partners/{id}", get(partners::api_detail))
        .route("/admin/api/partners/{id}/pids", post(partners::api_pid))
        .route("/admin/api/partners/{id}/pdd-pid", post(partners::api_generate))
        .route("/admin/api/members", get(members::api_list))
        .route("/admin/api/members/{id}", get(members::api_detail))
        .route("/admin/api/robots", get(robots::api))
        .route("/admin/api/robots/events", get(robots::api_events))
        .route("/admin/api/robots/{id}/reconnect", post(robots::api_reconnect))
        .route("/admin/api/robots/{id}/move", post(robots::api_move))
        .route("/admin/api/robots", post(robot_accounts::api_add))
        .route(
            "/admin/api/robots/{id}/login",
            get(robot_accounts::api_poll_login).post(robot_accounts::api_start_login),
        )
        .route("/admin/api/robots/{id}/pacing", post(robot_accounts::api_pacing))
        .route("/admin/api/authorization", get(authorization::api))
        .route("/admin/api/reconciliation", get(reconciliation::api))
        .route("/admin/api/settings", get(settings::api))
        .route("/admin/api/settings/users", post(settings::api_create_user))
        .route("/admin/selection", get(selection::page))
        .route("/admin/api/selection", get(selection::api))
        .route("/admin/selection/pick", post(picks::pick_page))
        .route("/admin/selection/post", post(picks::post_page))
        .route("/admin/api/selection/pick", post(picks::api_pick))
        .route("/admin/api/selection/post", post(picks::api_post))
        .route("/admin/posting", get(posting::page))
        .route("/admin/posting/plans", post(posting::create_page))
        .route("/admin/posting/plans/{id}", post(posting::update_page))
        .route("/admin/posting/plans/{id}/enabled", post(posting::switch_page))
        .route("/admin/api/posting/plans", get(posting::api_plans).post(posting::api_create))
        .route("/admin/api/posting/plans/{id}", post(posting::api_update))
        .route("/admin/api/posting/plans/{id}/enabled", post(posting::api_switch))
        .route("/admin/api/posting/deliveries", get(posting::api_deliveries))
        .route("/admin/api/posting/stats", get(posting::api_stats))
        .route("/admin/mass", get(mass::page))
        .route("/admin/api/mass-posts", get(mass::api_list).post(mass::api_create))
        .route("/admin/api/mass-posts/preview", post(mass::api_preview))
        .route("/admin/collection", get(collection::page))
        .route("/admin/api/collection", get(collection::api_overview))
        .route("/admin/api/collection/sources", post(collection::api_save))
        .route("/admin/api/collection/sources/{id}/delete", post(collection::api_remove))
        .route("/admin/api/collection/preview", post(collection::api_preview))
        .route("/admin/campaigns", get(campaigns::page).post(campaigns::create_page))
        .route("/admin/campaigns/{id}", get(campaigns::detail_page))
        .route("/admin/campaigns/{id}/running", post(campaigns::switch_page))
        .route("/admin/campaigns/rewards", post(campaigns::rewards_page))
        .route("/admin/agents", get(agents::page))
        .route("/admin/agents/{id}", post(agents::decide_page))
        .route("/admin/api/agent-applications", get(agents::api_list))
        .route("/admin/api/agent-applications/{id}", post(agents::api_decide))
        .route("/admin/agent-levels", post(agent_levels::create_page))
        .route("/admin/agent-levels/{id}", post(agent_levels::change_page))
        .route("/admin/agent-levels/{id}/delete", post(agent_levels::delete_page))
        .route("/admin/api/agent-levels", get(agent_levels::api_list).post(agent_levels::api_create))
        .route("/admin/api/agent-levels/{id}", post(agent_levels::api_change))
        .route("/admin/api/agent-levels/{id}/delete", post(agent_levels::api_delete))
        .route("/admin/api/agents", get(agent_levels::api_agents))
        .route("/admin/api/agent-level-changes", get(agent_levels::api_changes))
        .route("/admin/accounts", get(accounts::page))
        .route("/admin/api/accounts", get(accounts::api))
        .route("/admin/rates", get(rates::page).post(rates::create_page))
        .route("/admin/rates/{id}/end", post(rates::end_page))
        .route("/admin/api/rate-rules", get(rates::api_list).post(rates::api_create))
        .route("/admin/api/rate-rules/preview", post(rates::api_preview))
        .route("/admin/api/rate-rules/{id}", post(rates::api_change))
        .route("/admin/api/rate-rules/{id}/end", post(rates::api_end))
        .route("/admin/withdrawals/approve", post(withdrawals::approve_batch_page))
        .route("/admin/withdrawals/pay", post(withdrawals::pay_batch_page))
        .route("/admin/withdrawals/approved.csv", get(withdrawals::approved_csv_page))
        .route("/admin/api/withdrawals", get(withdrawals::api_list))
        .route("/admin/api/withdrawals/approve", post(withdrawals::api_approve_batch))
        .route("/admin/api/withdrawals/pay", post(withdrawals::api_pay_batch))
        .route("/admin/api/withdrawals/{id}/approve", post(withdrawals::api_approve))
        .route("/admin/api/withdrawals/{id}/reject", post(withdrawals::api_reject))
        .route("/admin/api/withdrawals/{id}/pay", post(withdrawals::api_pay))
        .route("/admin/accounts/withdraw", post(accounts::withdraw_page))
        .route("/admin/api/accounts/withdraw", post(accounts::api_withdraw))
        .route("/admin/finance", get(finance::page))
        .route("/admin/finance.csv", get(finance::export))
        .route("/admin/api/ledger-entries", get(finance::api))
        .route("/admin/statements", get(statements::page))
        .route("/admin/statements.csv", get(statements::export))
        .route("/admin/api/statements", get(statements::api))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(Extension(limiter))
        .layer(axum::middleware::from_fn(headers::secure))
}

/// The image upload of mass posts, behind the same guards as [`router`] but outside the server's general body
/// limit: it reads up to [`mass::MAX_IMAGE_BYTES`] itself and refuses more with a Chinese reason.
pub fn upload_router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin/api/mass-posts/images", post(mass::api_upload))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(axum::middleware::from_fn(headers::secure))
}

/// Who is logged in, and the CSRF token a script sends back in `X-CSRF-Token`.
async fn me(v: Viewer) -> Json<Value> {
    Json(json!({
        "username": v.username,
        "role": v.role,
        "partner_id": v.partner_id,
        "csrf_token": v.csrf,
    }))
}
