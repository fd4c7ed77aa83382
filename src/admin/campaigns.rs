//! 免单活动: create a free-order campaign (items from the selection library or hand-picked, the subsidy, limits,
//! budget, dates, target groups, an announcement through the posting engine), pause or resume it, and see its
//! participants, paid orders, subsidy paid and budget left. Admins only: the subsidies are the operator's money.

use super::error::{AdminError, PageError};
use super::format::{self, yuan};
use super::groups::{serde_urlencoded_form, urlenc};
use super::mass::local_datetime;
use super::session::Admin;
use super::text::posting as x;
use super::view;
use crate::campaigns::announce::announce;
use crate::feeds::{FeedFilter, FeedSort};
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::campaigns::{Campaign, CampaignItem, Limits, NewCampaign, Subsidy};
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use maud::{Markup, html};
use serde::Deserialize;

/// Selection-library items offered on the form.
const SELECTION_SHOWN: i64 = 20;
const MAX_ITEMS: usize = 50;
const PAYOUTS_SHOWN: i64 = 200;

/// The form as posted: amounts in 元, local date-times, lists separated by spaces or commas.
#[derive(Debug, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub name: String,
    /// `full` (the paid amount up to `subsidy`) or `fixed`.
    #[serde(default)]
    pub subsidy_kind: String,
    #[serde(default)]
    pub subsidy: String,
    #[serde(default)]
    pub budget: String,
    pub one_per_member: Option<String>,
    pub one_per_item: Option<String>,
    pub new_members_only: Option<String>,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    /// Selection-library item ids.
    #[serde(default)]
    pub selection: String,
    /// Hand-picked items, one a line: `平台 商品ID 标题 价格`.
    #[serde(default)]
    pub items: String,
    /// Target group ids; empty: every group.
    #[serde(default)]
    pub groups: String,
    pub announce: Option<String>,
}

fn bad(m: &str) -> AdminError {
    AdminError::BadRequest(m.to_string())
}

fn ids(s: &str, what: &str) -> Result<Vec<i64>, AdminError> {
    s.split([' ', ',', x::FULL_WIDTH_COMMA, '\n', '\r', '\t'])
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| bad(&x::must_be_ids(what))))
        .collect()
}

fn yuan_field(s: &str, what: &str) -> Result<Fen, AdminError> {
    Fen::from_yuan_str(s.trim()).ok().filter(|f| f.0 > 0).ok_or_else(|| bad(&x::must_be_positive_yuan(what)))
}

/// `拼多多 386512047723 加厚抽纸 9.90` (title and price optional).
fn hand_picked(line: &str) -> Result<CampaignItem, AdminError> {
    let mut words = line.split_whitespace();
    let platform = words.next().and_then(|p| p.parse::<Platform>().ok()).ok_or_else(|| bad(x::ITEM_LINE_FORMAT))?;
    let item_id = words.next().filter(|i| i.len() <= 100).ok_or_else(|| bad(x::ITEM_LINE_NO_ID))?.to_string();
    let rest: Vec<&str> = words.collect();
    let (title, price) = match rest.split_last() {
        Some((last, head)) if Fen::from_yuan_str(last).is_ok() => {
            (head.join(" "), Fen::from_yuan_str(last).unwrap_or_default())
        }
        _ => (rest.join(" "), Fen::ZERO),
    };
    let title = if title.is_empty() { item_id.clone() } else { title.chars().take(100).collect() };
    Ok(CampaignItem { platform, item_id, title, price })
}

impl CampaignForm {
    async fn campaign(&self, st: &AppState) -> Result<(NewCampaign, bool), AdminError> {
        let offset = st.settings.chat.utc_offset_hours;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(bad(x::CAMPAIGN_NAME_RULE));
        }
        let amount = yuan_field(&self.subsidy, x::SUBSIDY)?;
        let subsidy = match self.subsidy_kind.as_str() {
            "full" => Subsidy::Full { cap: amount },
            "fixed" => Subsidy::Fixed { amount },
            _ => return Err(bad(x::BAD_SUBSIDY_KIND)),
        };
        let budget = yuan_field(&self.budget, x::BUDGET)?;
        let starts_at = local_datetime(&self.starts, offset)? * 1000;
        let ends_at = local_datetime(&self.ends, offset)? * 1000;
        if ends_at <= starts_at {
            return Err(bad(x::ENDS_BEFORE_STARTS));
        }
        let mut items = Vec::new();
        for id in ids(&self.selection, x::SELECTION_ITEMS)? {
            let f = st.store.feed_item(id).await.map_err(|_| bad(&x::no_selection_item(id)))?;
            items.push(CampaignItem {
                platform: f.item.platform,
                item_id: f.item.key,
                title: f.item.short_title.unwrap_or(f.item.title),
                price: f.item.final_price,
            });
        }
        for line in self.items.lines().filter(|l| !l.trim().is_empty()) {
            items.push(hand_picked(line)?);
        }
        if items.is_empty() || items.len() > MAX_ITEMS {
            return Err(bad(x::CHOOSE_CAMPAIGN_ITEMS));
        }
        let groups = ids(&self.groups, x::TARGET_GROUPS)?;
        for g in &groups {
            st.store.group_by_id(*g).await?.ok_or_else(|| bad(&x::no_group(*g)))?;
        }
        let limits = Limits {
            one_per_member: self.one_per_member.is_some(),
            one_per_item: self.one_per_item.is_some(),
            new_members_only: self.new_members_only.is_some(),
        };
        let c = NewCampaign { name: name.to_string(), subsidy, budget, limits, starts_at, ends_at, items, groups };
        Ok((c, self.announce.is_some()))
    }
}

/// Creates the campaign and, when asked, announces it; the message for the page.
pub async fn create(st: &AppState, v: &Admin, f: &CampaignForm) -> Result<String, AdminError> {
    let (new, announce_it) = f.campaign(st).await?;
    let now = st.clock.now_ms();
    let id = st.store.create_campaign(&new, now).await?;
    tracing::info!(campaign = id, by = %v.username, "free-order campaign created");
    let mut msg = x::campaign_created(&new.name);
    if announce_it {
        let c = st.store.campaign(id).await?.ok_or(AdminError::NotFound)?;
        let groups = if c.groups.is_empty() {
            st.store.groups_overview(None, 0).await?.into_iter().filter(|g| g.enabled).map(|g| g.id).collect()
        } else {
            c.groups.clone()
        };
        let groups: Vec<i64> = groups.into_iter().take(crate::posting::mass::MAX_GROUPS).collect();
        let n = groups.len();
        if announce(&st.store, &c, groups, v.user_id, st.settings.chat.utc_offset_hours, now).await?.is_some() {
            msg.push_str(&x::announced_to(n));
        }
    }
    Ok(msg)
}

fn back(r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    match r {
        Ok(m) | Err(AdminError::BadRequest(m)) => Ok(Redirect::to(&format!("/admin/campaigns?msg={}", urlenc(&m)))),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_page(State(st): State<AppState>, v: Admin, body: axum::body::Bytes) -> Result<Redirect, PageError> {
    let r = async { create(&st, &v, &serde_urlencoded_form::<CampaignForm>(&body)?).await }.await;
    back(r)
}

/// Rewards redeemed with points: a name, its price in points and codes, one a line.
#[derive(Debug, Default, Deserialize)]
pub struct RewardForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub codes: String,
}

const MAX_CODES: usize = 10_000;

pub async fn add_rewards(st: &AppState, v: &Admin, f: &RewardForm) -> Result<String, AdminError> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 30 || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad(x::REWARD_NAME_RULE));
    }
    let points: i64 = f.points.trim().parse().ok().filter(|p| *p > 0).ok_or_else(|| bad(x::POINTS_RULE))?;
    let codes: Vec<String> = f.codes.lines().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    if codes.len() > MAX_CODES || codes.iter().any(|c| c.chars().count() > 200) {
        return Err(bad(x::CODES_RULE));
    }
    let added = st.store.add_reward_codes(name, points, &codes, st.clock.now_ms()).await?;
    tracing::info!(reward = name, added, by = %v.username, "reward codes uploaded");
    Ok(x::reward_saved(name, added))
}

pub async fn rewards_page(
    State(st): State<AppState>,
    v: Admin,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    let r = async { add_rewards(&st, &v, &serde_urlencoded_form::<RewardForm>(&body)?).await }.await;
    back(r)
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    /// `pause` or `resume`.
    pub action: String,
}

pub async fn switch_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Redirect, PageError> {
    let r = async {
        let f: SwitchForm = serde_urlencoded_form(&body)?;
        let running = match f.action.as_str() {
            "pause" => false,
            "resume" => true,
            _ => return Err(bad(x::BAD_SWITCH)),
        };
        if !st.store.set_campaign_running(id, running, st.clock.now_ms()).await? {
            return Err(bad(x::NO_CAMPAIGN));
        }
        tracing::info!(campaign = id, running, by = %v.username, "free-order campaign switched");
        Ok(x::campaign_switched(id, running))
    }
    .await;
    back(r)
}

fn state_label(c: &Campaign, now_ms: i64) -> Markup {
    if !c.running {
        html! { b.warn { (x::PAUSED) } }
    } else if now_ms < c.starts_at {
        html! { (x::NOT_STARTED) }
    } else if now_ms >= c.ends_at {
        html! { (x::ENDED) }
    } else if c.budget_left().0 <= 0 {
        html! { (x::BUDGET_SPENT) }
    } else {
        html! { b.ok { (x::RUNNING) } }
    }
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

/// The campaigns with their figures and the pause / resume button.
async fn campaigns_table(st: &AppState, v: &Admin) -> Result<Markup, AdminError> {
    let offset = st.settings.chat.utc_offset_hours;
    let now = st.clock.now_ms();
    let mut rows = Vec::new();
    for c in st.store.campaigns().await? {
        let payouts = st.store.campaign_payouts(c.id, PAYOUTS_SHOWN).await?;
        let participants = st.store.campaign_participants(c.id).await?;
        let paid = payouts.iter().filter(|p| !p.clawed_back).count();
        let (action, label) = if c.running { ("pause", x::PAUSE) } else { ("resume", x::RESUME) };
        let switch = view::form(
            v,
            &format!("/admin/campaigns/{}/running", c.id),
            "inline switch",
            html! { input type="hidden" name="action" value=(action); button type="submit" { (label) } },
        );
        rows.push(vec![
            html! { (c.id) },
            html! { a href={ "/admin/campaigns/" (c.id) } { (c.name) } },
            state_label(&c, now),
            html! { (crate::engine::text::subsidy(c.subsidy)) },
            html! { (format::datetime(c.starts_at, offset)) " – " (format::datetime(c.ends_at, offset)) },
            html! { (participants) },
            html! { (paid) },
            html! { span.spent { (yuan(c.spent)) } },
            html! { span.left { (yuan(c.budget_left())) } },
            switch,
        ]);
    }
    Ok(view::table(x::CAMPAIGN_COLUMNS, &rows))
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let campaigns = campaigns_table(&st, &v).await?;
    let rewards: Vec<Vec<Markup>> = st
        .store
        .rewards()
        .await
        .map_err(AdminError::from)?
        .iter()
        .map(|r| {
            vec![
                html! { span.reward-name { (r.name) } },
                html! { (r.points) },
                html! { span.reward-left { (r.left) } },
                html! { (r.claimed) },
            ]
        })
        .collect();
    let items: Vec<Vec<Markup>> = st
        .store
        .feed_items(&FeedFilter::default(), FeedSort::default(), SELECTION_SHOWN, 0)
        .await
        .map_err(AdminError::from)?
        .iter()
        .map(|i| {
            vec![
                html! { (i.id) },
                html! { (i.item.platform.display_name()) },
                html! { (i.item.title) },
                html! { (yuan(i.item.final_price)) },
            ]
        })
        .collect();
    let campaign_form = html! {
        label { (x::CAMPAIGN_NAME) input name="name" required maxlength="50"; }
        label { (x::SUBSIDY_KIND) (view::select("subsidy_kind", "", x::SUBSIDY_KIND_OPTIONS)) }
        label { (x::SUBSIDY_AMOUNT) input name="subsidy" required inputmode="decimal"; }
        label { (x::TOTAL_BUDGET) input name="budget" required inputmode="decimal"; }
        label.inline { input type="checkbox" name="one_per_member" value="1" checked; " " (x::ONE_PER_MEMBER) }
        label.inline { input type="checkbox" name="one_per_item" value="1"; " " (x::ONE_PER_ITEM) }
        label.inline { input type="checkbox" name="new_members_only" value="1"; " " (x::NEW_MEMBERS_ONLY) }
        label { (x::STARTS) input type="datetime-local" name="starts" required; }
        label { (x::ENDS) input type="datetime-local" name="ends" required; }
        label { (x::SELECTION_IDS_FIELD) input name="selection"; }
        label { (x::HAND_PICKED_FIELD) textarea name="items" rows="3" {} }
        label { (x::CAMPAIGN_GROUPS_FIELD) input name="groups"; }
        label.inline { input type="checkbox" name="announce" value="1" checked; " " (x::ANNOUNCE) }
        button type="submit" { (x::CREATE_CAMPAIGN) }
    };
    let reward_form = html! {
        label { (x::REWARD_NAME_FIELD) input name="name" required maxlength="30"; }
        label { (x::POINTS) input name="points" required inputmode="numeric"; }
        label { (x::CODES_FIELD) textarea name="codes" rows="4" {} }
        button type="submit" { (x::SAVE_REWARD) }
    };
    let body = html! {
        (view::notice(q.msg.as_deref()))
        h2 { (x::CAMPAIGN_LIST) }
        (campaigns)
        h2 { (x::NEW_CAMPAIGN) }
        (view::form(&v, "/admin/campaigns", "card campaign-form", campaign_form))
        h2 { (x::REWARDS) }
        (view::table(x::REWARD_COLUMNS, &rewards))
        (view::form(&v, "/admin/campaigns/rewards", "card reward-form", reward_form))
        h2 { (x::SELECTION) }
        (view::table(x::SELECTION_ITEM_COLUMNS, &items))
    };
    Ok(view::page(&v, "/admin/campaigns", x::CAMPAIGNS, body))
}

/// One campaign: its items and the orders it paid.
pub async fn detail_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let c = st.store.campaign(id).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    let participants = st.store.campaign_participants(id).await.map_err(AdminError::from)?;
    let items: Vec<Vec<Markup>> = c
        .items
        .iter()
        .map(|i| {
            vec![
                html! { (i.platform.display_name()) },
                html! { (i.item_id) },
                html! { (i.title) },
                html! { (yuan(i.price)) },
            ]
        })
        .collect();
    let payouts: Vec<Vec<Markup>> = st
        .store
        .campaign_payouts(id, PAYOUTS_SHOWN)
        .await
        .map_err(AdminError::from)?
        .iter()
        .map(|p| {
            vec![
                html! { (p.order_id) },
                html! { a href={ "/admin/members/" (p.member_id) } { (p.nickname) } },
                html! { (p.item_id) },
                html! { (yuan(p.amount)) },
                html! {
                    @if p.clawed_back { b.warn { (x::CLAWED_BACK) } } @else { b.ok { (x::SUBSIDISED) } }
                },
                html! { (format::datetime(p.created_at, offset)) },
            ]
        })
        .collect();
    let body = html! {
        p.card {
            (crate::engine::text::subsidy(c.subsidy))
            (x::SUMMARY_BUDGET) (yuan(c.budget))
            (x::SUMMARY_SPENT) span.spent { (yuan(c.spent)) }
            (x::SUMMARY_LEFT) span.left { (yuan(c.budget_left())) }
            (x::SUMMARY_PARTICIPANTS) (participants) (x::SUMMARY_PEOPLE)
        }
        h2 { (x::CAMPAIGN_ITEMS) }
        (view::table(x::CAMPAIGN_ITEM_COLUMNS, &items))
        h2 { (x::PAID_ORDERS) }
        (view::table(x::PAYOUT_COLUMNS, &payouts))
    };
    Ok(view::page(&v, "/admin/campaigns", &x::campaign_title(&c.name), body))
}
