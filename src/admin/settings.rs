//! 设置: the viewer's own password; for admins, dashboard users (create, disable, reset password) and the main
//! configuration at a glance (secrets never shown).

use super::error::{AdminError, ApiError, PageError};
use super::groups::flash;
use super::overview::card;
use super::password;
use super::session::{Admin, Viewer};
use super::text::{self as t, people as x};
use super::view;
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::Store;
use crate::store::users::{NewUser, Role};
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    pub disabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub public_base_url: String,
    pub database: &'static str,
    pub robots: usize,
    pub platforms: Vec<Platform>,
    pub session_ttl_secs: i64,
    pub api_token_set: bool,
    /// Admins only.
    pub users: Vec<UserView>,
}

pub async fn data(st: &AppState, v: &Viewer) -> Result<SettingsView, AdminError> {
    let s = &st.settings;
    let users = if v.is_admin() {
        st.store
            .users()
            .await?
            .into_iter()
            .map(|u| UserView {
                id: u.id,
                username: u.username,
                role: u.role,
                partner_id: u.partner_id,
                disabled: u.disabled,
            })
            .collect()
    } else {
        Vec::new()
    };
    let a = &s.affiliate;
    let platforms =
        [(Platform::Pdd, a.pdd.enabled), (Platform::Jd, a.jd.enabled), (Platform::Taobao, a.taobao.enabled)]
            .into_iter()
            .filter_map(|(p, on)| on.then_some(p))
            .collect();
    Ok(SettingsView {
        public_base_url: s.server.public_base_url.clone(),
        database: if s.database.url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" },
        robots: s.robots.len(),
        platforms,
        session_ttl_secs: s.admin.session_ttl_secs,
        api_token_set: !s.admin.api_token.is_empty(),
        users,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    pub username: String,
    pub password: String,
    /// `admin` or `partner`.
    pub role: String,
    #[serde(default)]
    pub partner_id: Option<String>,
}

fn valid_username(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_alphanumeric() || "_-.@".contains(c))
}

pub async fn create_user(st: &AppState, _v: &Admin, u: &NewUserInput) -> Result<i64, AdminError> {
    let (role, partner_id) = match u.role.as_str() {
        "admin" => (Role::Admin, None),
        "partner" => {
            let p = u.partner_id.as_deref().and_then(|p| p.trim().parse::<i64>().ok());
            let Some(p) = p.filter(|p| *p > 0) else {
                return Err(AdminError::BadRequest(x::PARTNER_ACCOUNT_NEEDS_PARTNER.into()));
            };
            if st.store.partners(Some(p)).await?.is_empty() {
                return Err(AdminError::BadRequest(x::NO_SUCH_PARTNER.into()));
            }
            (Role::Partner, Some(p))
        }
        _ => return Err(AdminError::BadRequest(x::ROLE_INVALID.into())),
    };
    add_user(&st.store, &u.username, &u.password, role, partner_id, st.clock.now_ms()).await
}

/// Creates a dashboard user with an argon2id hash of `password` (also used by `dealbot admin create`).
pub async fn add_user(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    partner_id: Option<i64>,
    now: i64,
) -> Result<i64, AdminError> {
    let name = username.trim();
    if !valid_username(name) {
        return Err(AdminError::BadRequest(x::USERNAME_INVALID.into()));
    }
    let hash = password::hash_async(password.to_string()).await.map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    let id = store
        .create_user(&NewUser { username: name, password_hash: &hash, role, partner_id }, now)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => AdminError::BadRequest(x::USERNAME_TAKEN.into()),
            other => other.into(),
        })?;
    tracing::info!(user = ?name, role = role.code(), "dashboard user created");
    Ok(id)
}

fn password_msg(e: password::PasswordError) -> String {
    match e {
        password::PasswordError::Weak => x::PASSWORD_LENGTH.into(),
        password::PasswordError::Hash(m) => m,
        password::PasswordError::Busy => x::BUSY.into(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordInput {
    pub current: String,
    pub new: String,
}

pub async fn change_password(st: &AppState, v: &Viewer, p: &PasswordInput) -> Result<(), AdminError> {
    let Some(id) = v.user_id else { return Err(AdminError::BadRequest(x::API_TOKEN_HAS_NO_PASSWORD.into())) };
    let user = st.store.user_by_name(&v.username).await?.filter(|u| u.id == id).ok_or(AdminError::NotFound)?;
    let ok = password::verify_async(p.current.clone(), Some(user.password_hash))
        .await
        .map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    if !ok {
        return Err(AdminError::BadRequest(x::WRONG_CURRENT_PASSWORD.into()));
    }
    let hash = password::hash_async(p.new.clone()).await.map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    st.store.set_user_password(id, &hash, st.clock.now_ms()).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn user_row(v: &Viewer, u: &UserView) -> Vec<Markup> {
    let toggle = view::form(
        v,
        &format!("/admin/settings/users/{}/disabled", u.id),
        "inline",
        html! {
            input type="hidden" name="disabled" value=(!u.disabled);
            button.link type="submit" { (if u.disabled { x::ENABLE } else { x::DISABLE }) }
        },
    );
    vec![
        html! { (u.username) },
        html! { (if u.role == Role::Admin { t::ROLE_ADMIN } else { t::ROLE_PARTNER }) },
        html! { (u.partner_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into())) },
        html! { (if u.disabled { x::DISABLED } else { x::NORMAL }) },
        if v.user_id == Some(u.id) {
            html! {}
        } else {
            toggle
        },
    ]
}

/// The admins' part of the page: the configuration at a glance and the dashboard users.
async fn admin_section(st: &AppState, v: &Viewer, d: &SettingsView) -> Result<Markup, AdminError> {
    let rows: Vec<Vec<Markup>> = d.users.iter().map(|u| user_row(v, u)).collect();
    let partners = super::partners::choices(st).await?;
    let platforms = d.platforms.iter().map(|p| p.display_name()).collect::<Vec<_>>().join(x::LIST_SEPARATOR);
    Ok(html! {
        h2 { (x::RUNNING_CONFIG) }
        div.cards {
            (card(x::PUBLIC_URL, &d.public_base_url))
            (card(x::DATABASE, d.database))
            (card(x::ROBOTS, d.robots))
            (card(x::AFFILIATES, platforms))
            (card(x::SESSION_TTL, x::hours(d.session_ttl_secs / 3600)))
            (card(x::API_TOKEN, if d.api_token_set { x::IS_SET } else { x::NOT_SET }))
        }
        h2 { (x::DASHBOARD_ACCOUNTS) }
        (view::table(x::USER_COLUMNS, &rows))
        (view::form(v, "/admin/settings/users", "card row", html! {
            input name="username" required maxlength="64" placeholder=(x::USERNAME);
            input name="password" type="password" required minlength="8" placeholder=(x::INITIAL_PASSWORD);
            (view::select("role", "", &[("partner", t::ROLE_PARTNER), ("admin", t::ROLE_ADMIN)]))
            select name="partner_id" { option value="" { (x::CHOOSE_PARTNER) } (view::options(&partners, "")) }
            button type="submit" { (x::ADD_ACCOUNT) }
        }))
    })
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let d = data(&st, &v).await?;
    let admin = if v.is_admin() { Some(admin_section(&st, &v, &d).await?) } else { None };
    let body = html! {
        (view::notice(q.msg.as_deref()))
        h2 { (x::CHANGE_PASSWORD) }
        (view::form(&v, "/admin/settings/password", "card", html! {
            label { (x::CURRENT_PASSWORD) input type="password" name="current" required autocomplete="current-password"; }
            label { (x::NEW_PASSWORD) input type="password" name="new" required minlength="8" autocomplete="new-password"; }
            button type="submit" { (x::CHANGE) }
        }))
        @if let Some(admin) = admin { (admin) }
    };
    Ok(view::page(&v, "/admin/settings", x::SETTINGS, body))
}

fn back(r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    flash("/admin/settings", "", r)
}

pub async fn create_user_page(
    State(st): State<AppState>,
    v: Admin,
    Form(u): Form<NewUserInput>,
) -> Result<Redirect, PageError> {
    back(create_user(&st, &v, &u).await.map(|_| x::ACCOUNT_CREATED.to_string()))
}

pub async fn password_page(
    State(st): State<AppState>,
    v: Viewer,
    Form(p): Form<PasswordInput>,
) -> Result<Redirect, PageError> {
    match change_password(&st, &v, &p).await {
        // Every session of the user ended with the change: log in again.
        Ok(()) => Ok(Redirect::to("/admin/login")),
        Err(e) => back(Err(e)),
    }
}

#[derive(Deserialize)]
pub struct DisabledInput {
    disabled: bool,
}

pub async fn set_disabled(st: &AppState, v: &Admin, id: i64, disabled: bool) -> Result<(), AdminError> {
    if v.user_id == Some(id) {
        return Err(AdminError::BadRequest(x::CANNOT_DISABLE_SELF.into()));
    }
    Ok(st.store.set_user_disabled(id, disabled, st.clock.now_ms()).await?)
}

pub async fn disabled_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(f): Form<DisabledInput>,
) -> Result<Redirect, PageError> {
    back(set_disabled(&st, &v, id, f.disabled).await.map(|_| x::UPDATED.to_string()))
}

/// Settings and dashboard accounts.
#[utoipa::path(
    get,
    path = "/admin/api/settings",
    tag = "settings",
    responses((status = 200, body = SettingsView)),
)]
pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(data(&st, &v).await?))
}

/// Adds a dashboard account.
#[utoipa::path(
    post,
    path = "/admin/api/settings/users",
    tag = "settings",
    request_body(content = NewUserInput, example = json!({"username": "ops2", "password": "a-long-password", "role": "admin"})),
    responses((status = 200, body = SettingsView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_create_user(
    State(st): State<AppState>,
    v: Admin,
    Json(u): Json<NewUserInput>,
) -> Result<Json<SettingsView>, ApiError> {
    create_user(&st, &v, &u).await?;
    Ok(Json(data(&st, &v).await?))
}
