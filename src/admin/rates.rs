//! 分佣设置: the rate rules (member rebate, partner and agent shares) by scope with their effective-from times —
//! list, create, change (a new version from a time on), end — and a preview of what an order would pay each
//! party, computed by the ledger's own booking plan. Admins only. JSON API under `/admin/api/rate-rules`.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::groups::urlenc;
use super::orders::{opt_id, platform_options};
use super::session::Admin;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::ledger::rules::{Rates, Split};
use crate::ledger::{Ledger, LedgerError};
use crate::money::{Bps, Fen};
use crate::order::{Lifecycle, OrderFacts};
use crate::platform::Platform;
use crate::store::StoreError;
use crate::store::ledger::{RateScope, Share};
use crate::store::rate_rules::{AppliedRules, NewRateRule, RateRule};
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const LIST_LIMIT: i64 = 500;
/// How far ahead a rule may be scheduled.
const MAX_AHEAD_MS: i64 = 366 * 86_400_000;
/// Clock slack for "now" sent by a browser.
const SLACK_MS: i64 = 60_000;

fn bad(m: &str) -> AdminError {
    AdminError::BadRequest(m.into())
}

fn ledger(st: &AppState) -> Ledger {
    Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours)
}

pub fn share_name(s: Share) -> &'static str {
    match s {
        Share::Rebate => m::SHARE_REBATE,
        Share::Partner => m::SHARE_PARTNER,
        Share::Agent => m::SHARE_AGENT,
        Share::Agent2 => m::SHARE_AGENT2,
    }
}

fn scope_name(s: &RateScope) -> String {
    match s {
        RateScope::Member(id) => m::numbered(m::MEMBER, *id),
        RateScope::Group(id) => m::numbered(m::GROUP, *id),
        RateScope::Partner(id) => m::numbered(m::PARTNER, *id),
        RateScope::Platform(p) => p.parse::<Platform>().map(|p| p.display_name().to_string()).unwrap_or_default(),
        RateScope::Global => m::GLOBAL.into(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub id: i64,
    pub share: &'static str,
    pub scope: &'static str,
    pub scope_key: String,
    pub bps: i64,
    pub effective_from: i64,
    pub ended_at: Option<i64>,
    pub in_force: bool,
    pub created_by: String,
    pub created_at: i64,
}

fn view(r: &RateRule, now: i64) -> RuleView {
    let (scope, scope_key) = r.scope.parts();
    RuleView {
        id: r.id,
        share: r.share.code(),
        scope,
        scope_key,
        bps: r.bps.0,
        effective_from: r.effective_from,
        ended_at: r.ended_at,
        in_force: r.in_force(now),
        created_by: r.created_by.clone(),
        created_at: r.created_at,
    }
}

/// A rule as the form or the API sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    /// `rebate`, `partner` or `agent`.
    pub share: String,
    /// `member`, `group`, `partner`, `platform` or `global`.
    pub scope: String,
    #[serde(default)]
    pub scope_key: String,
    /// Percent, up to two decimals: `60` or `12.5`.
    pub percent: String,
    /// Unix ms (API) — empty or absent: now.
    #[serde(default)]
    pub effective_from: Option<i64>,
    /// Local `YYYY-MM-DDTHH:MM` (form) — empty: now.
    #[serde(default)]
    pub effective_at: String,
}

fn parse_percent(s: &str) -> Result<Bps, AdminError> {
    let bps = Bps::from_percent_str(s.trim().trim_end_matches(['%', m::FULL_WIDTH_PERCENT]))
        .map_err(|_| bad(m::BAD_PERCENT))?;
    if !(0..=10_000).contains(&bps.0) {
        return Err(bad(m::PERCENT_RANGE));
    }
    Ok(bps)
}

impl RuleInput {
    fn effective_from(&self, st: &AppState, now: i64) -> Result<i64, AdminError> {
        let at = match (self.effective_from, self.effective_at.trim()) {
            (Some(ms), _) => ms,
            (None, "") => now,
            (None, s) => super::mass::local_datetime(s, st.settings.chat.utc_offset_hours)? * 1000,
        };
        if at < now - SLACK_MS {
            return Err(bad(m::EFFECTIVE_IN_THE_PAST));
        }
        if at > now + MAX_AHEAD_MS {
            return Err(bad(m::EFFECTIVE_TOO_FAR));
        }
        Ok(at.max(now))
    }
}

/// Checks that the scope names something that exists.
async fn checked_scope(st: &AppState, scope: &str, key: &str) -> Result<RateScope, AdminError> {
    let s = RateScope::from_parts(scope, key.trim()).ok_or_else(|| bad(m::BAD_SCOPE))?;
    let exists = match &s {
        RateScope::Member(id) => st.store.member_summary(*id, None).await?.is_some(),
        RateScope::Group(id) => st.store.group_by_id(*id).await?.is_some(),
        RateScope::Partner(id) => !st.store.partners(Some(*id)).await?.is_empty(),
        RateScope::Platform(_) | RateScope::Global => true,
    };
    if !exists {
        return Err(bad(m::SCOPE_NOT_FOUND));
    }
    Ok(s)
}

fn rule_error(e: LedgerError) -> AdminError {
    match e {
        LedgerError::Store(StoreError::Conflict(_)) => bad(m::SHARES_OVER_100),
        LedgerError::Store(s) => s.into(),
    }
}

pub async fn create(st: &AppState, v: &Admin, input: &RuleInput) -> Result<RateRule, AdminError> {
    let share = Share::from_code(input.share.trim()).ok_or_else(|| bad(m::BAD_SHARE))?;
    let scope = checked_scope(st, input.scope.trim(), &input.scope_key).await?;
    let bps = parse_percent(&input.percent)?;
    let effective_from = input.effective_from(st, crate::store::now_ms())?;
    let rule = NewRateRule { share, scope, bps, effective_from };
    let r = ledger(st).create_rate_rule(&rule, &v.username).await.map_err(rule_error)?;
    tracing::info!(rule = r.id, share = share.code(), bps = bps.0, by = %v.username, "rate rule created");
    Ok(r)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangeInput {
    pub percent: String,
    #[serde(default)]
    pub effective_from: Option<i64>,
}

/// A new version of rule `id` (same share and scope) from `effective_from` on.
pub async fn change(st: &AppState, v: &Admin, id: i64, c: &ChangeInput) -> Result<RateRule, AdminError> {
    let old = st.store.rate_rule(id).await?.ok_or(AdminError::NotFound)?;
    if old.ended_at.is_some() {
        return Err(bad(m::RULE_ENDED));
    }
    let (scope, key) = old.scope.parts();
    let input = RuleInput {
        share: old.share.code().into(),
        scope: scope.into(),
        scope_key: key,
        percent: c.percent.clone(),
        effective_from: c.effective_from,
        effective_at: String::new(),
    };
    create(st, v, &input).await
}

pub async fn end(st: &AppState, v: &Admin, id: i64) -> Result<RateRule, AdminError> {
    let r = st.store.end_rate_rule(id, crate::store::now_ms()).await.map_err(|e| match e {
        StoreError::NotFound => bad(m::RULE_NOT_FOUND_OR_ENDED),
        other => other.into(),
    })?;
    tracing::info!(rule = id, by = %v.username, "rate rule ended");
    Ok(r)
}

/// "An order of `paid` with `commission_rate` commission, by a member (of a group / partner) on a platform."
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[schema(as = rates::PreviewInput)]
pub struct PreviewInput {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub member_id: Option<i64>,
    #[serde(default)]
    pub group_id: Option<i64>,
    /// Ignored when the group has a partner: the group's partner takes the share.
    #[serde(default)]
    pub partner_id: Option<i64>,
    /// 分; default ¥100.
    #[serde(default)]
    pub paid_fen: Option<i64>,
    /// Basis points; default 20 %.
    #[serde(default)]
    pub commission_bps: Option<i64>,
    /// 分; when given, the commission itself (`commission_bps` is then ignored).
    #[serde(default)]
    pub commission_fen: Option<i64>,
}

#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = rates::Preview)]
pub struct Preview {
    pub paid_fen: i64,
    pub commission_fen: i64,
    pub rebate_fen: i64,
    pub partner_fen: i64,
    pub agent_fen: i64,
    /// The second-level agent's (the agent's inviter's) share.
    pub agent2_fen: i64,
    pub operator_fen: i64,
    pub rebate_bps: i64,
    pub partner_bps: i64,
    pub agent_bps: i64,
    pub agent2_bps: i64,
    pub rules: AppliedRules,
}

pub async fn preview(st: &AppState, _v: &Admin, p: &PreviewInput) -> Result<Preview, AdminError> {
    let platform: Platform = match p.platform.trim() {
        "" => Platform::Pdd,
        s => s.parse().map_err(|_| bad(m::BAD_PLATFORM))?,
    };
    let paid = Fen(p.paid_fen.unwrap_or(10_000));
    let rate = Bps(p.commission_bps.unwrap_or(2_000));
    let commission = Fen(p.commission_fen.unwrap_or_else(|| paid.apply_rate(rate).0));
    if !(0..=100_000_000).contains(&paid.0) || !(0..=10_000).contains(&rate.0) || !(0..=paid.0).contains(&commission.0)
    {
        return Err(bad(m::PREVIEW_RANGE));
    }
    let (group_id, partner_id) = match p.group_id {
        Some(g) => {
            let group = st.store.group_by_id(g).await?.ok_or_else(|| bad(m::GROUP_NOT_FOUND))?;
            (Some(g), group.partner_id.or(p.partner_id))
        }
        None => (None, p.partner_id),
    };
    let facts = OrderFacts {
        order_id: 0,
        platform,
        order_key: String::new(),
        lifecycle: Lifecycle::Paid,
        commission,
        paid_amount: paid,
        group_id,
        partner_id,
        // Without a member: some member with no rule of their own (id 0 matches no rule).
        member_id: Some(p.member_id.unwrap_or(0)),
        paid_at: None,
    };
    let (split, rates, rules): (Split, Rates, AppliedRules) = ledger(st)
        .preview_at(&facts, crate::store::now_ms())
        .await
        .map_err(|LedgerError::Store(e)| AdminError::from(e))?;
    Ok(Preview {
        paid_fen: paid.0,
        commission_fen: facts.commission.0,
        rebate_fen: split.rebate.0,
        partner_fen: split.partner.0,
        agent_fen: split.agent.0,
        agent2_fen: split.agent2.0,
        operator_fen: split.operator.0,
        rebate_bps: rates.rebate.0,
        partner_bps: rates.partner.0,
        agent_bps: rates.agent.0,
        agent2_bps: rates.agent2.0,
        rules,
    })
}

// ---- pages ----

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub msg: Option<String>,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub partner: String,
    /// Yuan.
    #[serde(default)]
    pub amount: String,
    /// Percent.
    #[serde(default)]
    pub commission: String,
}

impl PageQuery {
    fn preview_input(&self) -> Result<Option<PreviewInput>, AdminError> {
        if self.amount.trim().is_empty() {
            return Ok(None);
        }
        let paid = Fen::from_yuan_str(self.amount.trim()).map_err(|_| bad(m::BAD_AMOUNT))?;
        let rate = match self.commission.trim() {
            "" => None,
            s => Some(parse_percent(s)?.0),
        };
        Ok(Some(PreviewInput {
            platform: self.platform.clone(),
            member_id: opt_id(&self.member, m::ID)?,
            group_id: opt_id(&self.group, m::ID)?,
            partner_id: opt_id(&self.partner, m::ID)?,
            paid_fen: Some(paid.0),
            commission_bps: rate,
            commission_fen: None,
        }))
    }
}

fn rule_ref(id: Option<i64>) -> String {
    id.map_or_else(|| m::DEFAULT_RATE.to_string(), m::rule_ref)
}

fn preview_html(p: &Preview) -> Markup {
    let share = |fen: i64, bps: i64, rule: Option<i64>| {
        m::previewed_share(&yuan(Fen(fen)), &Bps(bps).percent_string(), &rule_ref(rule))
    };
    let second = if p.agent2_fen > 0 {
        m::second_agent(&share(p.agent2_fen, p.agent2_bps, p.rules.agent2))
    } else {
        String::new()
    };
    let line = m::rate_preview(
        &yuan(Fen(p.paid_fen)),
        &yuan(Fen(p.commission_fen)),
        &share(p.rebate_fen, p.rebate_bps, p.rules.rebate),
        &share(p.partner_fen, p.partner_bps, p.rules.partner),
        &share(p.agent_fen, p.agent_bps, p.rules.agent),
        &second,
        &yuan(Fen(p.operator_fen)),
    );
    html! { p.card #rate-preview { (line) } }
}

/// The preview of the page's query: nothing before an amount is given, the split, or why there is none.
async fn preview_section(st: &AppState, v: &Admin, q: &PageQuery) -> Result<Markup, AdminError> {
    let previewed = match q.preview_input() {
        Ok(None) => return Ok(html! {}),
        Ok(Some(input)) => preview(st, v, &input).await,
        Err(e) => Err(e),
    };
    match previewed {
        Ok(p) => Ok(preview_html(&p)),
        Err(AdminError::BadRequest(msg)) => Ok(view::notice(Some(&msg))),
        Err(e) => Err(e),
    }
}

fn rule_row(v: &Admin, r: &RateRule, now: i64, offset: i64) -> Vec<Markup> {
    let state = match (r.in_force(now), r.ended_at) {
        (true, _) => html! { b.ok { (m::RULE_IN_FORCE) } },
        (false, None) => html! { (m::RULE_PENDING) },
        (false, Some(end)) => html! { (m::RULE_ENDED_AT) " " (format::datetime(end, offset)) },
    };
    let action = html! {
        @if r.ended_at.is_none() {
            (view::form(v, &format!("/admin/rates/{}/end", r.id), "inline end-rule", html! {
                button type="submit" data-id=(r.id) { (m::END_RULE) }
            }))
        }
    };
    vec![
        html! { (r.id) },
        html! { (share_name(r.share)) },
        html! { (scope_name(&r.scope)) },
        html! { (r.bps.percent_string()) },
        html! { (format::datetime(r.effective_from, offset)) },
        state,
        html! { (r.created_by) },
        action,
    ]
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<PageQuery>) -> Result<Markup, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let now = crate::store::now_ms();
    let d = ledger(&st).default_rates();
    let shares = [
        ("rebate", m::SHARE_REBATE),
        ("partner", m::SHARE_PARTNER),
        ("agent", m::SHARE_AGENT),
        ("agent2", m::SHARE_AGENT2),
    ];
    let scopes = [
        ("global", m::GLOBAL),
        ("platform", m::PLATFORM),
        ("partner", m::PARTNER),
        ("group", m::GROUP),
        ("member", m::MEMBER),
    ];
    let new_rule = html! {
        label { (m::SHARE) (view::select("share", "", &shares)) }
        label { (m::SCOPE) (view::select("scope", "", &scopes)) }
        label { (m::SCOPE_KEY) input name="scope_key" size="8" placeholder=(m::SCOPE_KEY_EXAMPLE); }
        label { (m::PERCENT) input name="percent" required inputmode="decimal" size="5"; }
        label { (m::EFFECTIVE_AT) input type="datetime-local" name="effective_at"; }
        button type="submit" { (m::SAVE) }
    };
    let amount = if q.amount.is_empty() { "100" } else { &q.amount };
    let commission = if q.commission.is_empty() { "20" } else { &q.commission };
    let preview = preview_section(&st, &v, &q).await?;
    let rules: Vec<Vec<Markup>> =
        st.store.rate_rules(LIST_LIMIT).await?.iter().map(|r| rule_row(&v, r, now, offset)).collect();
    let body = html! {
        (view::notice(q.msg.as_deref()))
        p { (m::priorities(&d.rebate.percent_string(), &d.partner.percent_string(), &d.agent.percent_string())) }
        h2 { (m::NEW_RULE) }
        (view::form(&v, "/admin/rates", "card row", new_rule))
        h2 { (m::PREVIEW) }
        form method="get" class="card row" #preview-form {
            label { (m::PLATFORM) (view::select("platform", &q.platform, &platform_options())) }
            label { (m::MEMBER) input name="member" size="5" inputmode="numeric" value=(q.member); }
            label { (m::GROUP) input name="group" size="5" inputmode="numeric" value=(q.group); }
            label { (m::PARTNER) input name="partner" size="5" inputmode="numeric" value=(q.partner); }
            label { (m::ORDER_AMOUNT) input name="amount" size="6" value=(amount); }
            label { (m::COMMISSION_PERCENT) input name="commission" size="4" value=(commission); }
            button type="submit" { (m::CALCULATE) }
        }
        (preview)
        h2 { (m::RULES) }
        (view::table(m::RULE_COLUMNS, &rules))
    };
    Ok(view::page(&v, "/admin/rates", m::RATES, body))
}

fn back(msg: &str) -> Redirect {
    Redirect::to(&format!("/admin/rates?msg={}", urlenc(msg)))
}

pub async fn create_page(
    State(st): State<AppState>,
    v: Admin,
    Form(input): Form<RuleInput>,
) -> Result<Redirect, PageError> {
    match create(&st, &v, &input).await {
        Ok(r) => Ok(back(&m::rule_saved(r.id, share_name(r.share), &r.bps.percent_string()))),
        Err(AdminError::BadRequest(m)) => Ok(back(&m)),
        Err(e) => Err(e.into()),
    }
}

pub async fn end_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    match end(&st, &v, id).await {
        Ok(r) => Ok(back(&m::rule_ended(r.id))),
        Err(AdminError::BadRequest(m)) => Ok(back(&m)),
        Err(e) => Err(e.into()),
    }
}

// ---- JSON API ----

/// Commission split rules (in force and future first, ended ones too).
#[utoipa::path(
    get,
    path = "/admin/api/rate-rules",
    tag = "rates",
    responses((status = 200, body = Vec<RuleView>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_list(State(st): State<AppState>, _v: Admin) -> Result<Json<Vec<RuleView>>, ApiError> {
    let now = crate::store::now_ms();
    Ok(Json(st.store.rate_rules(LIST_LIMIT).await?.iter().map(|r| view(r, now)).collect()))
}

/// Creates a split rule: share rebate, partner or agent; scope member, group, partner, platform or global; percent;
/// effective_from in ms (now when left out).
#[utoipa::path(
    post,
    path = "/admin/api/rate-rules",
    tag = "rates",
    request_body(content = RuleInput, example = json!({"share": "rebate", "scope": "global", "percent": "40"})),
    responses((status = 200, body = RuleView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_create(
    State(st): State<AppState>,
    v: Admin,
    Json(input): Json<RuleInput>,
) -> Result<Json<RuleView>, ApiError> {
    let r = create(&st, &v, &input).await?;
    Ok(Json(view(&r, crate::store::now_ms())))
}

/// Changes a rule from effective_from (now when left out) on; orders booked before keep their split.
#[utoipa::path(
    post,
    path = "/admin/api/rate-rules/{id}",
    tag = "rates",
    params(("id" = i64, Path, description = "Rule id")),
    request_body(content = ChangeInput, example = json!({"percent": "45"})),
    responses((status = 200, body = RuleView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_change(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(c): Json<ChangeInput>,
) -> Result<Json<RuleView>, ApiError> {
    let r = change(&st, &v, id, &c).await?;
    Ok(Json(view(&r, crate::store::now_ms())))
}

/// Ends a rule (new orders no longer use it).
#[utoipa::path(
    post,
    path = "/admin/api/rate-rules/{id}/end",
    tag = "rates",
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 200, body = RuleView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_end(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Json<RuleView>, ApiError> {
    let r = end(&st, &v, id).await?;
    Ok(Json(view(&r, crate::store::now_ms())))
}

/// Previews how an order of a platform, member, group or partner is split (as the ledger books it).
#[utoipa::path(
    post,
    path = "/admin/api/rate-rules/preview",
    tag = "rates",
    request_body(content = PreviewInput, example = json!({"platform": "jd", "paid_fen": 10000, "commission_bps": 2000})),
    responses((status = 200, body = Preview)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_preview(
    State(st): State<AppState>,
    v: Admin,
    Json(p): Json<PreviewInput>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(preview(&st, &v, &p).await?))
}
