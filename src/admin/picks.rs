//! 选品库 actions: pick library items into a plan (a plan of hand-picked items: they join the end of its list), or
//! post them now to chosen groups (one item: a single post; 3 to 5: a list post) through the posting engine, as a
//! plan of its own that is never scheduled, so that those posts show on the 发单 page with what they earned. The
//! page's forms (`/admin/selection/pick`, `/admin/selection/post`, items ticked in the table) and the JSON API
//! (`/admin/api/selection/pick`, `/admin/api/selection/post`) share one function each.

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::session::Viewer;
use super::text::posting as x;
use crate::http::AppState;
use crate::posting::plan::{MAX_LIST_ITEMS, MIN_LIST_ITEMS};
use crate::posting::{Content, Plan, Source, Targets, post_now};
use axum::Json;
use axum::extract::State;
use axum::response::Redirect;
use serde::{Deserialize, Serialize};

/// The most items a hand-picked plan holds.
const MAX_PICKED: usize = 200;

fn bad(m: impl Into<String>) -> AdminError {
    AdminError::BadRequest(m.into())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PickInput {
    /// Library item ids.
    #[serde(default)]
    pub items: Vec<i64>,
    #[serde(default)]
    pub plan_id: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Picked {
    pub plan_id: i64,
    /// The plan's items after the pick, in posting order.
    pub items: Vec<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    #[serde(default)]
    pub items: Vec<i64>,
    #[serde(default)]
    pub groups: Vec<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostedNow {
    /// The plan holding these posts (switched off: it never posts again by itself).
    pub plan_id: i64,
    /// Groups the post was queued for.
    pub queued: usize,
    /// Items skipped by the pre-send check.
    pub skipped: usize,
}

/// The items must be in the library, each once.
async fn library_items(st: &AppState, items: &[i64]) -> Result<Vec<i64>, AdminError> {
    if items.is_empty() {
        return Err(bad(x::TICK_ITEMS_FIRST));
    }
    let mut out: Vec<i64> = Vec::with_capacity(items.len());
    for id in items {
        match st.store.feed_item(*id).await {
            Ok(_) if !out.contains(id) => out.push(*id),
            Ok(_) => {}
            Err(crate::store::StoreError::NotFound) => return Err(bad(x::not_in_library(*id))),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

pub async fn pick(st: &AppState, v: &Viewer, p: &PickInput) -> Result<Picked, AdminError> {
    let items = library_items(st, &p.items).await?;
    let row = st.store.posting_plan(p.plan_id).await.map_err(|_| bad(x::CHOOSE_PLAN))?;
    let mut plan = row.stored.plan;
    let Source::Items(list) = &mut plan.source else {
        return Err(bad(x::PLAN_NOT_HAND_PICKED));
    };
    for id in items {
        if !list.contains(&id) {
            list.push(id);
        }
    }
    if list.len() > MAX_PICKED {
        return Err(bad(x::too_many_picked(MAX_PICKED)));
    }
    let items = list.clone();
    super::posting::save(st, v, Some(p.plan_id), &plan).await?;
    Ok(Picked { plan_id: p.plan_id, items })
}

pub async fn post(st: &AppState, v: &Viewer, p: &PostInput) -> Result<PostedNow, AdminError> {
    let items = library_items(st, &p.items).await?;
    let per_post = match u8::try_from(items.len()) {
        Ok(1) => 1,
        Ok(n) if (MIN_LIST_ITEMS..=MAX_LIST_ITEMS).contains(&n) => n,
        _ => return Err(bad(x::post_now_count(MIN_LIST_ITEMS, MAX_LIST_ITEMS))),
    };
    let mut groups = p.groups.clone();
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Err(bad(x::CHOOSE_GROUPS));
    }
    let plan = Plan {
        name: x::post_now_plan(items[0]),
        targets: Targets::Groups(groups),
        source: Source::Items(items),
        schedule: Plan::for_chat(0).schedule,
        enabled: false,
        content: Content { items: per_post, ..Content::default() },
    };
    let plan_id = super::posting::save(st, v, None, &plan).await?;
    let stored = st.store.posting_plan(plan_id).await?.stored;
    let report = post_now(st.dispatcher.engine(), &stored, st.clock.now_ms())
        .await
        .map_err(|e| AdminError::Internal(e.to_string()))?;
    Ok(PostedNow { plan_id, queued: report.queued, skipped: report.skipped })
}

/// Adds library items to an items posting plan, at its end in the order given; answers all the plan's items.
#[utoipa::path(
    post,
    path = "/admin/api/selection/pick",
    tag = "selection",
    request_body(content = PickInput, example = json!({"items": [1], "plan_id": 2})),
    responses((status = 200, body = Picked)),
)]
pub async fn api_pick(
    State(st): State<AppState>,
    v: Viewer,
    Json(p): Json<PickInput>,
) -> Result<Json<Picked>, ApiError> {
    Ok(Json(pick(&st, &v, &p).await?))
}

/// Posts library items to groups at once (1 item alone, 3 to 5 as a list), through the pre-send checks, per-group
/// link conversion and the send queue; answers the (closed) plan made, the groups queued and the skipped.
#[utoipa::path(
    post,
    path = "/admin/api/selection/post",
    tag = "selection",
    request_body(content = PostInput, example = json!({"items": [1], "groups": [1]})),
    responses((status = 200, body = PostedNow)),
)]
pub async fn api_post(
    State(st): State<AppState>,
    v: Viewer,
    Json(p): Json<PostInput>,
) -> Result<Json<PostedNow>, ApiError> {
    Ok(Json(post(&st, &v, &p).await?))
}

/// The form's ids under `key` (repeated fields: ticked items, chosen groups).
fn ids(body: &[u8], key: &str) -> Vec<i64> {
    url::form_urlencoded::parse(body).filter(|(k, _)| k == key).filter_map(|(_, v)| v.trim().parse().ok()).collect()
}

/// Back to the library with the outcome; bad input comes back as the notice.
fn back<T>(r: Result<T, AdminError>, ok: impl FnOnce(T) -> String) -> Result<Redirect, PageError> {
    let msg = match r {
        Ok(t) => ok(t),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/selection?msg={}", urlenc(&msg))))
}

pub async fn pick_page(State(st): State<AppState>, v: Viewer, body: axum::body::Bytes) -> Result<Redirect, PageError> {
    let p = PickInput { items: ids(&body, "item"), plan_id: ids(&body, "plan_id").first().copied().unwrap_or(0) };
    back(pick(&st, &v, &p).await, |r| x::picked(r.plan_id, r.items.len()))
}

pub async fn post_page(State(st): State<AppState>, v: Viewer, body: axum::body::Bytes) -> Result<Redirect, PageError> {
    let p = PostInput { items: ids(&body, "item"), groups: ids(&body, "group") };
    back(post(&st, &v, &p).await, |r| x::posted_now(r.queued, r.skipped))
}
