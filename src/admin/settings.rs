//! 设置: the viewer's own password; for admins, dashboard users (create, disable, reset password) and the main
//! configuration at a glance (secrets never shown).

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::html::{self, esc};
use super::password;
use super::session::{Admin, Viewer};
use crate::http::AppState;
use crate::platform::Platform;
use crate::store::Store;
use crate::store::users::{NewUser, Role};
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
                return Err(AdminError::BadRequest("合伙人账号须选择合伙人".into()));
            };
            if st.store.partners(Some(p)).await?.is_empty() {
                return Err(AdminError::BadRequest("合伙人不存在".into()));
            }
            (Role::Partner, Some(p))
        }
        _ => return Err(AdminError::BadRequest("角色须为 admin 或 partner".into())),
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
        return Err(AdminError::BadRequest("用户名只能包含字母、数字和 _-.@（最多 64 个字符）".into()));
    }
    let hash = password::hash_async(password.to_string()).await.map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    let id = store
        .create_user(&NewUser { username: name, password_hash: &hash, role, partner_id }, now)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => AdminError::BadRequest("用户名已存在".into()),
            other => other.into(),
        })?;
    tracing::info!(user = ?name, role = role.code(), "dashboard user created");
    Ok(id)
}

fn password_msg(e: password::PasswordError) -> String {
    match e {
        password::PasswordError::Weak => "密码须为 8 到 128 个字符".into(),
        password::PasswordError::Hash(m) => m,
        password::PasswordError::Busy => "系统繁忙，请稍后再试".into(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordInput {
    pub current: String,
    pub new: String,
}

pub async fn change_password(st: &AppState, v: &Viewer, p: &PasswordInput) -> Result<(), AdminError> {
    let Some(id) = v.user_id else { return Err(AdminError::BadRequest("API 令牌没有密码".into())) };
    let user = st.store.user_by_name(&v.username).await?.filter(|u| u.id == id).ok_or(AdminError::NotFound)?;
    let ok = password::verify_async(p.current.clone(), Some(user.password_hash))
        .await
        .map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    if !ok {
        return Err(AdminError::BadRequest("当前密码不正确".into()));
    }
    let hash = password::hash_async(p.new.clone()).await.map_err(|e| AdminError::BadRequest(password_msg(e)))?;
    st.store.set_user_password(id, &hash, st.clock.now_ms()).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let d = data(&st, &v).await?;
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<h2>修改密码</h2>");
    b.push_str(&html::form_open(&v, "/admin/settings/password", "card"));
    b.push_str(
        "<label>当前密码<input type=password name=current required autocomplete=current-password></label>\
         <label>新密码（8 位以上）<input type=password name=new required minlength=8 autocomplete=new-password></label>\
         <button type=submit>修改</button></form>",
    );
    if v.is_admin() {
        let _ = write!(
            b,
            "<h2>运行配置</h2><div class=cards><div class=card><span>公开地址</span><b>{}</b></div>\
             <div class=card><span>数据库</span><b>{}</b></div><div class=card><span>机器人</span><b>{}</b></div>\
             <div class=card><span>联盟</span><b>{}</b></div><div class=card><span>会话有效期</span><b>{} 小时</b></div>\
             <div class=card><span>API 令牌</span><b>{}</b></div></div>",
            esc(&d.public_base_url),
            d.database,
            d.robots,
            d.platforms.iter().map(|p| p.display_name()).collect::<Vec<_>>().join("、"),
            d.session_ttl_secs / 3600,
            if d.api_token_set { "已设置" } else { "未设置" }
        );
        b.push_str("<h2>后台账号</h2>");
        let rows: Vec<Vec<String>> = d
            .users
            .iter()
            .map(|u| {
                let toggle = format!(
                    "{}<input type=hidden name=disabled value={}><button type=submit class=link>{}</button></form>",
                    html::form_open(&v, &format!("/admin/settings/users/{}/disabled", u.id), "inline"),
                    !u.disabled,
                    if u.disabled { "启用" } else { "停用" }
                );
                vec![
                    esc(&u.username),
                    if u.role == Role::Admin { "管理员".into() } else { "合伙人".into() },
                    u.partner_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    if u.disabled { "已停用".into() } else { "正常".into() },
                    if v.user_id == Some(u.id) { String::new() } else { toggle },
                ]
            })
            .collect();
        b.push_str(&html::table(&["用户名", "角色", "合伙人ID", "状态", ""], &rows));
        b.push_str(&html::form_open(&v, "/admin/settings/users", "card row"));
        b.push_str("<input name=username required maxlength=64 placeholder=用户名><input name=password type=password required minlength=8 placeholder=初始密码><select name=role><option value=partner>合伙人</option><option value=admin>管理员</option></select><select name=partner_id><option value=\"\">（合伙人）</option>");
        for p in st.store.partners(None).await? {
            let _ = write!(b, "<option value={}>{}</option>", p.id, esc(&p.name));
        }
        b.push_str("</select><button type=submit>新增账号</button></form>");
    }
    Ok(html::page(&v, "/admin/settings", "设置", &b))
}

fn back(r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    match r {
        Ok(m) | Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("/admin/settings?msg={}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_user_page(
    State(st): State<AppState>,
    v: Admin,
    Form(u): Form<NewUserInput>,
) -> Result<Redirect, PageError> {
    back(create_user(&st, &v, &u).await.map(|_| "账号已创建".to_string()))
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
        return Err(AdminError::BadRequest("不能停用自己".into()));
    }
    Ok(st.store.set_user_disabled(id, disabled, st.clock.now_ms()).await?)
}

pub async fn disabled_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(f): Form<DisabledInput>,
) -> Result<Redirect, PageError> {
    back(set_disabled(&st, &v, id, f.disabled).await.map(|_| "已更新".to_string()))
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
