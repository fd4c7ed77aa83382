//! 分佣设置: the rate rules (member rebate, partner and agent shares) by scope with their effective-from times —
//! list, create, change (a new version from a time on), end — and a preview of what an order would pay each
//! party, computed by the ledger's own booking plan. Admins only. JSON API under `/admin/api/rate-rules`.

use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::html::{self, esc, yuan};
use super::session::Admin;
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
use axum::response::{Html, Redirect};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
        Share::Rebate => "会员返利",
        Share::Partner => "合伙人分成",
        Share::Agent => "代理分成",
        Share::Agent2 => "二级代理分成",
    }
}

fn scope_name(s: &RateScope) -> String {
    match s {
        RateScope::Member(id) => format!("会员 #{id}"),
        RateScope::Group(id) => format!("群 #{id}"),
        RateScope::Partner(id) => format!("合伙人 #{id}"),
        RateScope::Platform(p) => p.parse::<Platform>().map(|p| p.display_name().to_string()).unwrap_or_default(),
        RateScope::Global => "全局".into(),
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
    let bps = Bps::from_percent_str(s.trim().trim_end_matches(['%', '％']))
        .map_err(|_| bad("比例格式不对，例如 60 或 12.5"))?;
    if !(0..=10_000).contains(&bps.0) {
        return Err(bad("比例须在 0% 到 100% 之间"));
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
            return Err(bad("生效时间不能早于现在：已入账的订单按入账时的比例结算"));
        }
        if at > now + MAX_AHEAD_MS {
            return Err(bad("生效时间最多提前一年设置"));
        }
        Ok(at.max(now))
    }
}

/// Checks that the scope names something that exists.
async fn checked_scope(st: &AppState, scope: &str, key: &str) -> Result<RateScope, AdminError> {
    let s = RateScope::from_parts(scope, key.trim())
        .ok_or_else(|| bad("范围不对：会员、群、合伙人须填编号，平台填 pdd/jd/taobao"))?;
    let exists = match &s {
        RateScope::Member(id) => st.store.member_summary(*id, None).await?.is_some(),
        RateScope::Group(id) => st.store.group_by_id(*id).await?.is_some(),
        RateScope::Partner(id) => !st.store.partners(Some(*id)).await?.is_empty(),
        RateScope::Platform(_) | RateScope::Global => true,
    };
    if !exists {
        return Err(bad("该范围对应的会员、群或合伙人不存在"));
    }
    Ok(s)
}

fn rule_error(e: LedgerError) -> AdminError {
    match e {
        LedgerError::Store(StoreError::Conflict(_)) => bad("会员返利、合伙人和代理分成加起来不能超过 100%"),
        LedgerError::Store(s) => s.into(),
    }
}

pub async fn create(st: &AppState, v: &Admin, input: &RuleInput) -> Result<RateRule, AdminError> {
    let share = Share::from_code(input.share.trim()).ok_or_else(|| bad("分成须为 rebate、partner、agent 或 agent2"))?;
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
        return Err(bad("该规则已结束，请新建规则"));
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
        StoreError::NotFound => bad("该规则不存在或已结束"),
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
        s => s.parse().map_err(|_| bad("平台可选 pdd、jd、taobao"))?,
    };
    let paid = Fen(p.paid_fen.unwrap_or(10_000));
    let rate = Bps(p.commission_bps.unwrap_or(2_000));
    let commission = Fen(p.commission_fen.unwrap_or_else(|| paid.apply_rate(rate).0));
    if !(0..=100_000_000).contains(&paid.0) || !(0..=10_000).contains(&rate.0) || !(0..=paid.0).contains(&commission.0)
    {
        return Err(bad("金额须在 0 到 100 万元之间，佣金在 0 到订单金额之间"));
    }
    let (group_id, partner_id) = match p.group_id {
        Some(g) => {
            let group = st.store.group_by_id(g).await?.ok_or_else(|| bad("群不存在"))?;
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

fn opt_id(s: &str) -> Result<Option<i64>, AdminError> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| bad("编号须为数字")),
    }
}

impl PageQuery {
    fn preview_input(&self) -> Result<Option<PreviewInput>, AdminError> {
        if self.amount.trim().is_empty() {
            return Ok(None);
        }
        let paid = Fen::from_yuan_str(self.amount.trim()).map_err(|_| bad("金额格式不对"))?;
        let rate = match self.commission.trim() {
            "" => None,
            s => Some(parse_percent(s)?.0),
        };
        Ok(Some(PreviewInput {
            platform: self.platform.clone(),
            member_id: opt_id(&self.member)?,
            group_id: opt_id(&self.group)?,
            partner_id: opt_id(&self.partner)?,
            paid_fen: Some(paid.0),
            commission_bps: rate,
            commission_fen: None,
        }))
    }
}

fn rule_ref(id: Option<i64>) -> String {
    id.map_or_else(|| "默认".to_string(), |id| format!("规则 #{id}"))
}

fn preview_html(p: &Preview) -> String {
    let second = if p.agent2_fen > 0 {
        format!(
            "二级代理 ¥{}（{}，{}）、",
            yuan(Fen(p.agent2_fen)),
            Bps(p.agent2_bps).percent_string(),
            rule_ref(p.rules.agent2)
        )
    } else {
        String::new()
    };
    format!(
        "<p class=card id=rate-preview>¥{} 的订单、佣金 ¥{}：会员 ¥{}（{}，{}）、合伙人 ¥{}（{}，{}）、代理 ¥{}（{}，{}）、\
         {second}平台 ¥{}</p>",
        yuan(Fen(p.paid_fen)),
        yuan(Fen(p.commission_fen)),
        yuan(Fen(p.rebate_fen)),
        Bps(p.rebate_bps).percent_string(),
        rule_ref(p.rules.rebate),
        yuan(Fen(p.partner_fen)),
        Bps(p.partner_bps).percent_string(),
        rule_ref(p.rules.partner),
        yuan(Fen(p.agent_fen)),
        Bps(p.agent_bps).percent_string(),
        rule_ref(p.rules.agent),
        yuan(Fen(p.operator_fen)),
    )
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<PageQuery>) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let now = crate::store::now_ms();
    let d = ledger(&st).default_rates();
    let mut b = html::notice(q.msg.as_deref());
    let _ = write!(
        b,
        "<p>优先级：会员 &gt; 群 &gt; 合伙人 &gt; 平台 &gt; 全局 &gt; 默认（会员返利 {}、合伙人 {}、代理 {}）。\
         订单按首次入账时生效的规则结算，修改只影响之后的新订单。</p>",
        d.rebate.percent_string(),
        d.partner.percent_string(),
        d.agent.percent_string()
    );
    b.push_str("<h2>新建规则</h2>");
    b.push_str(&html::form_open(&v, "/admin/rates", "card row"));
    let _ = write!(
        b,
        "<label>分成<select name=share>{}</select></label><label>范围<select name=scope>{}</select></label>\
         <label>编号/平台<input name=scope_key size=8 placeholder=\"如 12 或 pdd\"></label>\
         <label>比例（%）<input name=percent required inputmode=decimal size=5></label>\
         <label>生效时间<input type=datetime-local name=effective_at></label><button type=submit>保存</button></form>",
        html::options(
            &[("rebate", "会员返利"), ("partner", "合伙人分成"), ("agent", "代理分成"), ("agent2", "二级代理分成")],
            ""
        ),
        html::options(
            &[("global", "全局"), ("platform", "平台"), ("partner", "合伙人"), ("group", "群"), ("member", "会员")],
            ""
        ),
    );
    b.push_str("<h2>预览</h2><form method=get class=\"card row\" id=preview-form>");
    let _ = write!(
        b,
        "<label>平台<select name=platform>{}</select></label>\
         <label>会员<input name=member size=5 inputmode=numeric value=\"{}\"></label>\
         <label>群<input name=group size=5 inputmode=numeric value=\"{}\"></label>\
         <label>合伙人<input name=partner size=5 inputmode=numeric value=\"{}\"></label>\
         <label>订单金额（元）<input name=amount size=6 value=\"{}\"></label>\
         <label>佣金比例（%）<input name=commission size=4 value=\"{}\"></label><button type=submit>计算</button></form>",
        html::options(&[("pdd", "拼多多"), ("jd", "京东"), ("taobao", "淘宝")], &q.platform),
        esc(&q.member),
        esc(&q.group),
        esc(&q.partner),
        esc(if q.amount.is_empty() { "100" } else { &q.amount }),
        esc(if q.commission.is_empty() { "20" } else { &q.commission }),
    );
    match q.preview_input() {
        Ok(Some(input)) => match preview(&st, &v, &input).await {
            Ok(p) => b.push_str(&preview_html(&p)),
            Err(AdminError::BadRequest(m)) => b.push_str(&html::notice(Some(&m))),
            Err(e) => return Err(e.into()),
        },
        Ok(None) => {}
        Err(AdminError::BadRequest(m)) => b.push_str(&html::notice(Some(&m))),
        Err(e) => return Err(e.into()),
    }
    b.push_str("<h2>规则</h2>");
    let rules = st.store.rate_rules(LIST_LIMIT).await?;
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|r| {
            let state = match (r.in_force(now), r.ended_at) {
                (true, _) => "<b class=ok>生效中</b>".to_string(),
                (false, None) => "待生效".to_string(),
                (false, Some(end)) => format!("已结束 {}", html::datetime(end, offset)),
            };
            let action = if r.ended_at.is_none() {
                let mut cell = html::form_open(&v, &format!("/admin/rates/{}/end", r.id), "inline end-rule");
                let _ = write!(cell, "<button type=submit data-id={}>结束</button></form>", r.id);
                cell
            } else {
                String::new()
            };
            vec![
                r.id.to_string(),
                share_name(r.share).into(),
                esc(&scope_name(&r.scope)),
                r.bps.percent_string(),
                html::datetime(r.effective_from, offset),
                state,
                esc(&r.created_by),
                action,
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "分成", "范围", "比例", "生效时间", "状态", "设置人", "操作"], &rows));
    Ok(html::page(&v, "/admin/rates", "分佣设置", &b))
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
        Ok(r) => Ok(back(&format!("已保存规则 #{}：{} {}", r.id, share_name(r.share), r.bps.percent_string()))),
        Err(AdminError::BadRequest(m)) => Ok(back(&m)),
        Err(e) => Err(e.into()),
    }
}

pub async fn end_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    match end(&st, &v, id).await {
        Ok(r) => Ok(back(&format!("已结束规则 #{}", r.id))),
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
