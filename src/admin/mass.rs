//! 群发 (custom mass posts): compose a message (text and/or a product link converted per recipient), choose target
//! groups and friends (members who talk to a robot in private chat), preview exactly what each will get, send now
//! or schedule (once at a date-time, or every day at a time); the list of mass posts with their deliveries. JSON
//! API under `/admin/api/mass-posts`.
//!
//! A partner only targets and sees their own groups' posts; friends in private chat are for admins only.

use super::error::{AdminError, ApiError, PageError};
use super::format;
use super::session::Viewer;
use super::text::posting as x;
use super::view;
use crate::http::AppState;
use crate::posting::mass::{Friend, MassPost, MassReport, Recipient, Rendered, When, fire, render};
use crate::store::mass::{MassDeliveryRow, MassFriendDeliveryRow, StoredMassPost};
use axum::Json;
use axum::extract::State;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const LIST_LIMIT: i64 = 50;
const DELIVERIES_LIMIT: i64 = 500;
/// Most friends offered on the page.
const FRIENDS_LIMIT: i64 = 500;

/// A mass post as the page and the API send it. `schedule`: `now`, `once` (with `at`, local `YYYY-MM-DD HH:MM`
/// or `YYYY-MM-DDTHH:MM`) or `daily` (with `time`, local `HH:MM`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MassInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub groups: Vec<i64>,
    /// Friends in private chat (admins only).
    #[serde(default)]
    pub friends: Vec<Friend>,
    #[serde(default)]
    pub schedule: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub time: String,
    /// An image uploaded through `/admin/api/mass-posts/images`.
    #[serde(default)]
    pub image_media_id: String,
}

fn bad(m: &str) -> AdminError {
    AdminError::BadRequest(m.to_string())
}

/// `HH:MM` → minute of the day.
fn minute_of_day(s: &str) -> Result<u32, AdminError> {
    let (h, m) = s.trim().split_once(':').ok_or_else(|| bad(x::BAD_CLOCK))?;
    let h: u32 = h.parse().map_err(|_| bad(x::BAD_CLOCK))?;
    let m: u32 = m.parse().map_err(|_| bad(x::BAD_CLOCK))?;
    if h > 23 || m > 59 {
        return Err(bad(x::BAD_CLOCK));
    }
    Ok(h * 60 + m)
}

/// Local `YYYY-MM-DD HH:MM` (or with `T`) → unix seconds.
pub(super) fn local_datetime(s: &str, utc_offset_hours: i64) -> Result<i64, AdminError> {
    let s = s.trim();
    let (date, clock) = s.split_once(['T', ' ']).ok_or_else(|| bad(x::BAD_DATETIME))?;
    let mut parts = date.split('-').map(str::parse::<i32>);
    let (Some(Ok(y)), Some(Ok(mo)), Some(Ok(d)), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(x::BAD_DATETIME));
    };
    let month = u8::try_from(mo).ok().and_then(|m| time::Month::try_from(m).ok()).ok_or_else(|| bad(x::BAD_MONTH))?;
    let day = u8::try_from(d).map_err(|_| bad(x::BAD_DATE))?;
    let date = time::Date::from_calendar_date(y, month, day).map_err(|_| bad(x::BAD_DATE))?;
    let minutes = i64::from(minute_of_day(clock)?);
    Ok(date.midnight().assume_utc().unix_timestamp() + minutes * 60 - utc_offset_hours * 3600)
}

impl MassInput {
    /// The typed post (validated), made at `now_ms`.
    pub fn post(&self, utc_offset_hours: i64, now_ms: i64) -> Result<MassPost, AdminError> {
        let now = now_ms.div_euclid(1000);
        let when = match self.schedule.trim() {
            "" | "now" => When::Once { at: now },
            "once" => When::Once { at: local_datetime(&self.at, utc_offset_hours)? },
            "daily" => When::Daily { minute_of_day: minute_of_day(&self.time)?, from: now },
            _ => return Err(bad(x::BAD_SCHEDULE)),
        };
        let link = self.link.trim();
        let post = MassPost {
            text: self.text.trim().to_string(),
            link: (!link.is_empty()).then(|| link.to_string()),
            image_media_id: (!self.image_media_id.trim().is_empty()).then(|| self.image_media_id.trim().to_string()),
            groups: self.groups.clone(),
            friends: self.friends.clone(),
            when,
        };
        post.validate().map_err(|e| AdminError::BadRequest(e.to_string()))?;
        Ok(post)
    }
}

/// The uploaded image must exist.
async fn check_image(st: &AppState, post: &MassPost, now_ms: i64) -> Result<(), AdminError> {
    if let Some(id) = &post.image_media_id
        && (!id.bytes().all(|b| b.is_ascii_hexdigit()) || st.store.get_media(id, now_ms).await?.is_none())
    {
        return Err(bad(x::IMAGE_GONE));
    }
    Ok(())
}

/// The largest image upload.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Uploaded images are kept this long (ms): a daily post sends its image every day.
const IMAGE_TTL_MS: i64 = 3650 * 86_400_000;

/// The content type of an accepted image, by its first bytes: JPEG or PNG only.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub media_id: String,
    pub url: String,
}

/// Stores an uploaded image (the raw bytes as the request body): JPEG or PNG by content, at most 2 MB.
pub async fn upload_data(st: &AppState, bytes: &[u8]) -> Result<Uploaded, AdminError> {
    if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
        return Err(bad(x::IMAGE_TOO_BIG));
    }
    let content_type = image_type(bytes).ok_or_else(|| bad(x::JPEG_OR_PNG))?;
    let id = format!("{:032x}", rand::random::<u128>());
    let now = st.clock.now_ms();
    st.store.put_media(&id, content_type, bytes, now.saturating_add(IMAGE_TTL_MS), now).await?;
    let base = st.settings.server.public_base_url.trim_end_matches('/');
    Ok(Uploaded { url: format!("{base}/media/{id}.jpg"), media_id: id })
}

/// The upload route reads the body itself (it lies outside the server's general body limit): at most
/// [`MAX_IMAGE_BYTES`], anything larger is refused with the size rule.
#[utoipa::path(
    post,
    path = "/admin/api/mass-posts/images",
    tag = "mass",
    request_body(description = "The image: JPEG or PNG bytes, at most 2 MB", content(("image/jpeg"), ("image/png"))),
    responses((status = 200, body = Uploaded)),
)]
pub async fn api_upload(
    State(st): State<AppState>,
    _v: Viewer,
    body: axum::body::Body,
) -> Result<Json<Uploaded>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_IMAGE_BYTES).await.map_err(|_| bad(x::IMAGE_TOO_BIG))?;
    Ok(Json(upload_data(&st, &bytes).await?))
}

/// Every target must be a group the viewer may post to (403 otherwise).
async fn check_targets(
    st: &AppState,
    v: &Viewer,
    groups: &[i64],
) -> Result<Vec<crate::store::groups::Group>, AdminError> {
    let mut out = Vec::with_capacity(groups.len());
    for id in groups {
        let g = st.store.group_by_id(*id).await?.ok_or(AdminError::Forbidden)?;
        v.require_group(&g)?;
        out.push(g);
    }
    Ok(out)
}

/// Friends must be people who talk to the robot in private chat, and only an admin may post to them.
async fn check_friends(st: &AppState, v: &Viewer, friends: &[Friend]) -> Result<(), AdminError> {
    if friends.is_empty() {
        return Ok(());
    }
    v.admin()?;
    for f in friends {
        if !st.store.is_private_contact(f.robot_id, &f.wxid).await? {
            return Err(bad(x::FRIENDS_ONLY));
        }
    }
    Ok(())
}

/// What one friend would get.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FriendPreview {
    pub robot_id: i64,
    pub wxid: String,
    #[serde(flatten)]
    pub rendered: Rendered,
}

/// What one group would get.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupPreview {
    pub group_id: i64,
    pub group_name: String,
    #[serde(flatten)]
    pub rendered: Rendered,
}

pub async fn preview_data(st: &AppState, v: &Viewer, input: &MassInput) -> Result<Preview, AdminError> {
    let engine = st.dispatcher.engine();
    let now_ms = st.clock.now_ms();
    let post = input.post(engine.settings.chat.utc_offset_hours, now_ms)?;
    let groups = check_targets(st, v, &post.groups).await?;
    check_friends(st, v, &post.friends).await?;
    check_image(st, &post, now_ms).await?;
    let internal = |e: crate::engine::EngineError| AdminError::Internal(e.to_string());
    let mut out = Preview { groups: Vec::with_capacity(groups.len()), friends: Vec::with_capacity(post.friends.len()) };
    for g in groups {
        let rendered = render(engine, &post, Recipient::Group(&g), now_ms).await.map_err(internal)?;
        out.groups.push(GroupPreview { group_id: g.id, group_name: g.name.clone(), rendered });
    }
    for friend in &post.friends {
        let member_id = st.store.member_id(&friend.wxid).await?;
        let rendered =
            render(engine, &post, Recipient::Friend { friend, member_id }, now_ms).await.map_err(internal)?;
        out.friends.push(FriendPreview { robot_id: friend.robot_id, wxid: friend.wxid.clone(), rendered });
    }
    Ok(out)
}

/// A mass post with its deliveries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MassView {
    #[serde(flatten)]
    pub post: StoredMassPost,
    pub deliveries: Vec<MassDeliveryRow>,
    pub friend_deliveries: Vec<MassFriendDeliveryRow>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
    pub queued: usize,
    pub failed: usize,
    pub deliveries: Vec<MassDeliveryRow>,
    pub friend_deliveries: Vec<MassFriendDeliveryRow>,
}

/// Stores the post; a post for now is sent at once (queued through the outbox).
pub async fn create_data(st: &AppState, v: &Viewer, input: &MassInput) -> Result<Created, AdminError> {
    let engine = st.dispatcher.engine();
    let now_ms = st.clock.now_ms();
    let post = input.post(engine.settings.chat.utc_offset_hours, now_ms)?;
    check_targets(st, v, &post.groups).await?;
    check_friends(st, v, &post.friends).await?;
    check_image(st, &post, now_ms).await?;
    let partner = v.scope();
    let id = st.store.create_mass_post(&post, partner, v.user_id, now_ms).await?;
    let stored = st.store.mass_post(id).await?;
    let mut report = MassReport::default();
    if let Some(fire_at) = stored.post.when.due(now_ms.div_euclid(1000), engine.settings.chat.utc_offset_hours) {
        fire(engine, &stored, fire_at, now_ms, &mut report).await.map_err(|e| AdminError::Internal(e.to_string()))?;
    }
    let deliveries = st.store.mass_deliveries(id, DELIVERIES_LIMIT).await?;
    let friend_deliveries = st.store.mass_friend_deliveries(id, DELIVERIES_LIMIT).await?;
    Ok(Created { id, queued: report.queued, failed: report.failed, deliveries, friend_deliveries })
}

pub async fn list_data(st: &AppState, v: &Viewer) -> Result<Vec<MassView>, AdminError> {
    let mut out = Vec::new();
    for post in st.store.mass_posts(v.scope(), LIST_LIMIT).await? {
        let deliveries = st.store.mass_deliveries(post.id, DELIVERIES_LIMIT).await?;
        let friend_deliveries = st.store.mass_friend_deliveries(post.id, DELIVERIES_LIMIT).await?;
        out.push(MassView { post, deliveries, friend_deliveries });
    }
    Ok(out)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MassList {
    pub posts: Vec<MassView>,
}

/// Mass posts (the latest 50, with each group's delivery; a partner sees their own).
#[utoipa::path(
    get,
    path = "/admin/api/mass-posts",
    tag = "mass",
    responses((status = 200, body = MassList)),
)]
pub async fn api_list(State(st): State<AppState>, v: Viewer) -> Result<Json<MassList>, ApiError> {
    Ok(Json(MassList { posts: list_data(&st, &v).await? }))
}

/// Creates a mass post (text, link, groups; friends who chatted with a robot, admins only; schedule now, once at a
/// time or daily); one for now is queued at once.
#[utoipa::path(
    post,
    path = "/admin/api/mass-posts",
    tag = "mass",
    request_body(content = MassInput, example = json!({"text": super::text::api::MASS_TEXT, "groups": [1], "schedule": "daily", "time": "20:00"})),
    responses((status = 200, body = Created)),
)]
pub async fn api_create(
    State(st): State<AppState>,
    v: Viewer,
    Json(input): Json<MassInput>,
) -> Result<Json<Created>, ApiError> {
    Ok(Json(create_data(&st, &v, &input).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = mass::Preview)]
pub struct Preview {
    pub groups: Vec<GroupPreview>,
    pub friends: Vec<FriendPreview>,
}

/// Previews a mass post: what each target group and friend would receive (links converted with that group's or
/// friend's PID, with the poster).
#[utoipa::path(
    post,
    path = "/admin/api/mass-posts/preview",
    tag = "mass",
    request_body(content = MassInput, example = json!({"text": super::text::api::MASS_TEXT, "groups": [1], "schedule": "daily", "time": "20:00"})),
    responses((status = 200, body = Preview)),
)]
pub async fn api_preview(
    State(st): State<AppState>,
    v: Viewer,
    Json(input): Json<MassInput>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(preview_data(&st, &v, &input).await?))
}

fn when_label(w: &When, utc_offset_hours: i64) -> String {
    match w {
        When::Once { at } => x::once_at(&format::datetime(at * 1000, utc_offset_hours)),
        When::Daily { minute_of_day, .. } => x::daily_at(minute_of_day / 60, minute_of_day % 60),
    }
}

/// The compose form (sent by `admin.js` to the JSON API, with its preview); friends are offered to admins only.
async fn compose_form(st: &AppState, v: &Viewer) -> Result<Markup, AdminError> {
    let groups = st.store.groups_overview(v.scope(), 0).await?;
    let friends = if v.is_admin() { Some(st.store.private_contacts(FRIENDS_LIMIT).await?) } else { None };
    Ok(html! {
        form #mass-form.card.mass-form {
            label { (x::TEXT) textarea name="text" rows="4" maxlength="2000" placeholder=(x::TEXT_PLACEHOLDER) {} }
            label { (x::IMAGE_FIELD) input type="file" name="image" accept="image/jpeg,image/png"; }
            input type="hidden" name="image_media_id";
            label { (x::LINK_FIELD) input name="link" maxlength="500"; }
            fieldset #mass-groups {
                legend { (x::TARGET_GROUPS) }
                @for g in &groups {
                    label.inline { input type="checkbox" name="groups" value=(g.id); " " (g.name) }
                }
            }
            @if let Some(friends) = &friends {
                fieldset #mass-friends {
                    legend { (x::FRIENDS) }
                    @for c in friends {
                        label.inline {
                            input type="checkbox" name="friends" data-robot-id=(c.robot_id) value=(c.wxid);
                            " "
                            @if c.nickname.is_empty() { (c.wxid) } @else { (x::friend(&c.nickname, &c.wxid)) }
                        }
                    }
                }
            }
            label { (x::SCHEDULE) (view::select("schedule", "", x::SCHEDULE_OPTIONS)) }
            label { (x::AT_FIELD) input type="datetime-local" name="at"; }
            label { (x::TIME_FIELD) input type="time" name="time"; }
            button #mass-preview-button type="button" { (x::PREVIEW) }
            " "
            button type="submit" { (x::SEND_OR_SAVE) }
        }
        p #mass-status.notice {}
        div #mass-preview {}
    })
}

/// One delivery as listed: where, when, how it went, the link it carried.
fn delivery(
    class: &str,
    to: &str,
    fire_at: i64,
    status: &str,
    reason: Option<&str>,
    url: Option<&str>,
    offset: i64,
) -> Markup {
    let status = match status {
        "queued" => x::SENT_OUT.to_string(),
        _ => x::failed(reason.unwrap_or("-")),
    };
    html! { li class=(class) { (to) " · " (format::datetime(fire_at * 1000, offset)) " · " (status) " · " (url.unwrap_or("")) } }
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let form = compose_form(&st, &v).await?;
    let posts = list_data(&st, &v).await?;
    let rows: Vec<Vec<Markup>> = posts
        .iter()
        .map(|m| {
            let p = &m.post.post;
            vec![
                html! { (m.post.id) },
                html! { (p.text) },
                html! { (p.link.as_deref().unwrap_or("-")) },
                html! { (when_label(&p.when, offset)) },
                html! { (p.groups.len()) " / " (p.friends.len()) },
                html! {
                    ul {
                        @for d in &m.deliveries {
                            (delivery("mass-delivery", &d.group_name, d.fire_at, &d.status, d.reason.as_deref(), d.promotion_url.as_deref(), offset))
                        }
                        @for d in &m.friend_deliveries {
                            (delivery(
                                "mass-delivery mass-friend-delivery",
                                &x::private_chat(if d.nickname.is_empty() { &d.wxid } else { &d.nickname }),
                                d.fire_at,
                                &d.status,
                                d.reason.as_deref(),
                                d.promotion_url.as_deref(),
                                offset,
                            ))
                        }
                    }
                },
            ]
        })
        .collect();
    let body = html! {
        (form)
        h2 { (x::MASS_POSTS) }
        (view::table(x::MASS_COLUMNS, &rows))
    };
    Ok(view::page(&v, "/admin/mass", x::MASS, body))
}
