//! 免单活动: create a free-order campaign (items from the selection library or hand-picked, the subsidy, limits,
//! budget, dates, target groups, an announcement through the posting engine), pause or resume it, and see its
//! participants, paid orders, subsidy paid and budget left. Admins only: the subsidies are the operator's money.

use super::error::{AdminError, PageError};
use super::groups::{serde_urlencoded_form, urlenc};
use super::html::{self, esc, yuan};
use super::mass::local_datetime;
use super::session::Admin;
use crate::campaigns::announce::announce;
use crate::feeds::{FeedFilter, FeedSort};
use crate::http::AppState;
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::campaigns::{Campaign, CampaignItem, Limits, NewCampaign, Subsidy};
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use std::fmt::Write as _;

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
    s.split([' ', ',', '，', '\n', '\r', '\t'])
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| bad(&format!("{what}须为编号，用空格分隔"))))
        .collect()
}

fn yuan_field(s: &str, what: &str) -> Result<Fen, AdminError> {
    Fen::from_yuan_str(s.trim()).ok().filter(|f| f.0 > 0).ok_or_else(|| bad(&format!("{what}须为正的金额（元）")))
}

/// `拼多多 386512047723 加厚抽纸 9.90` (title and price optional).
fn hand_picked(line: &str) -> Result<CampaignItem, AdminError> {
    let mut words = line.split_whitespace();
    let platform = words
        .next()
        .and_then(|p| p.parse::<Platform>().ok())
        .ok_or_else(|| bad("商品行格式：平台 商品ID 标题 价格，平台为拼多多、京东或淘宝"))?;
    let item_id = words.next().filter(|i| i.len() <= 100).ok_or_else(|| bad("商品行缺少商品ID"))?.to_string();
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
            return Err(bad("活动名称须为 1 到 50 个字"));
        }
        let amount = yuan_field(&self.subsidy, "补贴")?;
        let subsidy = match self.subsidy_kind.as_str() {
            "full" => Subsidy::Full { cap: amount },
            "fixed" => Subsidy::Fixed { amount },
            _ => return Err(bad("补贴方式须为 全额免单 或 固定补贴")),
        };
        let budget = yuan_field(&self.budget, "预算")?;
        let starts_at = local_datetime(&self.starts, offset)? * 1000;
        let ends_at = local_datetime(&self.ends, offset)? * 1000;
        if ends_at <= starts_at {
            return Err(bad("结束时间须晚于开始时间"));
        }
        let mut items = Vec::new();
        for id in ids(&self.selection, "选品库商品")? {
            let f = st.store.feed_item(id).await.map_err(|_| bad(&format!("选品库没有编号 {id} 的商品")))?;
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
            return Err(bad("请选择或填写活动商品（最多 50 个）"));
        }
        let groups = ids(&self.groups, "目标群")?;
        for g in &groups {
            st.store.group_by_id(*g).await?.ok_or_else(|| bad(&format!("没有编号 {g} 的群")))?;
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
    let mut msg = format!("已创建免单活动「{}」", new.name);
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
            let _ = write!(msg, "，活动公告将发到 {n} 个群");
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
        return Err(bad("奖品名须为 1 到 30 个字，且不以数字开头"));
    }
    let points: i64 = f.points.trim().parse().ok().filter(|p| *p > 0).ok_or_else(|| bad("所需积分须为正整数"))?;
    let codes: Vec<String> = f.codes.lines().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    if codes.len() > MAX_CODES || codes.iter().any(|c| c.chars().count() > 200) {
        return Err(bad("兑换码每行一个，最多 10000 个，每个最多 200 字"));
    }
    let added = st.store.add_reward_codes(name, points, &codes, st.clock.now_ms()).await?;
    tracing::info!(reward = name, added, by = %v.username, "reward codes uploaded");
    Ok(format!("奖品「{name}」已保存，新增 {added} 个兑换码"))
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
            _ => return Err(bad("操作须为 pause 或 resume")),
        };
        if !st.store.set_campaign_running(id, running, st.clock.now_ms()).await? {
            return Err(bad("该活动不存在"));
        }
        tracing::info!(campaign = id, running, by = %v.username, "free-order campaign switched");
        Ok(format!("活动 {id} 已{}", if running { "恢复" } else { "暂停" }))
    }
    .await;
    back(r)
}

fn state_label(c: &Campaign, now_ms: i64) -> &'static str {
    if !c.running {
        "<b class=warn>已暂停</b>"
    } else if now_ms < c.starts_at {
        "未开始"
    } else if now_ms >= c.ends_at {
        "已结束"
    } else if c.budget_left().0 <= 0 {
        "预算已用完"
    } else {
        "<b class=ok>进行中</b>"
    }
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let now = st.clock.now_ms();
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<h2>活动列表</h2>");
    let mut rows = Vec::new();
    for c in st.store.campaigns().await.map_err(AdminError::from)? {
        let payouts = st.store.campaign_payouts(c.id, PAYOUTS_SHOWN).await.map_err(AdminError::from)?;
        let participants = st.store.campaign_participants(c.id).await.map_err(AdminError::from)?;
        let paid = payouts.iter().filter(|p| !p.clawed_back).count();
        let (action, label) = if c.running { ("pause", "暂停") } else { ("resume", "恢复") };
        let mut cell = html::form_open(&v, &format!("/admin/campaigns/{}/running", c.id), "inline switch");
        let _ =
            write!(cell, "<input type=hidden name=action value={action}><button type=submit>{label}</button></form>");
        rows.push(vec![
            c.id.to_string(),
            format!("<a href=\"/admin/campaigns/{}\">{}</a>", c.id, esc(&c.name)),
            state_label(&c, now).to_string(),
            esc(&crate::engine::text::subsidy(c.subsidy)),
            format!("{} – {}", html::datetime(c.starts_at, offset), html::datetime(c.ends_at, offset)),
            participants.to_string(),
            paid.to_string(),
            format!("<span class=spent>{}</span>", yuan(c.spent)),
            format!("<span class=left>{}</span>", yuan(c.budget_left())),
            cell,
        ]);
    }
    b.push_str(&html::table(
        &["编号", "名称", "状态", "补贴", "时间", "参与人数", "免单订单", "已补贴（元）", "剩余预算（元）", "操作"],
        &rows,
    ));
    b.push_str("<h2>新建活动</h2>");
    b.push_str(&html::form_open(&v, "/admin/campaigns", "card campaign-form"));
    b.push_str(
        "<label>活动名称<input name=name required maxlength=50></label>\
         <label>补贴方式<select name=subsidy_kind><option value=full>全额免单（封顶）</option>\
         <option value=fixed>固定补贴</option></select></label>\
         <label>补贴金额 / 封顶（元）<input name=subsidy required inputmode=decimal></label>\
         <label>总预算（元）<input name=budget required inputmode=decimal></label>\
         <label class=inline><input type=checkbox name=one_per_member value=1 checked> 每人限一单</label>\
         <label class=inline><input type=checkbox name=one_per_item value=1> 每个商品限一单</label>\
         <label class=inline><input type=checkbox name=new_members_only value=1> 仅限新人首单</label>\
         <label>开始时间<input type=datetime-local name=starts required></label>\
         <label>结束时间<input type=datetime-local name=ends required></label>\
         <label>选品库商品编号（空格分隔，见下表）<input name=selection></label>\
         <label>手选商品（每行：平台 商品ID 标题 价格）<textarea name=items rows=3></textarea></label>\
         <label>目标群编号（空格分隔，留空为全部群）<input name=groups></label>\
         <label class=inline><input type=checkbox name=announce value=1 checked> 在目标群发布活动公告</label>\
         <button type=submit>创建活动</button></form>",
    );
    b.push_str("<h2>积分兑换奖品</h2>");
    let rows: Vec<Vec<String>> = st
        .store
        .rewards()
        .await
        .map_err(AdminError::from)?
        .iter()
        .map(|r| {
            vec![
                format!("<span class=reward-name>{}</span>", esc(&r.name)),
                r.points.to_string(),
                format!("<span class=reward-left>{}</span>", r.left),
                r.claimed.to_string(),
            ]
        })
        .collect();
    b.push_str(&html::table(&["奖品", "所需积分", "剩余兑换码", "已兑换"], &rows));
    b.push_str(&html::form_open(&v, "/admin/campaigns/rewards", "card reward-form"));
    b.push_str(
        "<label>奖品名（会员私聊发送「兑换 奖品名」）<input name=name required maxlength=30></label>\
         <label>所需积分<input name=points required inputmode=numeric></label>\
         <label>兑换码（每行一个，每个只发一次）<textarea name=codes rows=4></textarea></label>\
         <button type=submit>保存奖品</button></form>",
    );
    b.push_str("<h2>选品库</h2>");
    let items = st
        .store
        .feed_items(&FeedFilter::default(), FeedSort::default(), SELECTION_SHOWN, 0)
        .await
        .map_err(AdminError::from)?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![i.id.to_string(), esc(i.item.platform.display_name()), esc(&i.item.title), yuan(i.item.final_price)]
        })
        .collect();
    b.push_str(&html::table(&["编号", "平台", "商品", "券后价（元）"], &rows));
    Ok(html::page(&v, "/admin/campaigns", "免单活动", &b))
}

/// One campaign: its items and the orders it paid.
pub async fn detail_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Html<String>, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let c = st.store.campaign(id).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    let participants = st.store.campaign_participants(id).await.map_err(AdminError::from)?;
    let mut b = format!(
        "<p class=card>{} · 预算 {} 元 · 已补贴 <span class=spent>{}</span> 元 · 剩余 <span class=left>{}</span> 元 · \
         参与 {participants} 人</p><h2>活动商品</h2>",
        esc(&crate::engine::text::subsidy(c.subsidy)),
        yuan(c.budget),
        yuan(c.spent),
        yuan(c.budget_left())
    );
    let rows: Vec<Vec<String>> = c
        .items
        .iter()
        .map(|i| vec![esc(i.platform.display_name()), esc(&i.item_id), esc(&i.title), yuan(i.price)])
        .collect();
    b.push_str(&html::table(&["平台", "商品ID", "标题", "价格（元）"], &rows));
    b.push_str("<h2>免单订单</h2>");
    let rows: Vec<Vec<String>> = st
        .store
        .campaign_payouts(id, PAYOUTS_SHOWN)
        .await
        .map_err(AdminError::from)?
        .iter()
        .map(|p| {
            vec![
                p.order_id.to_string(),
                format!("<a href=\"/admin/members/{}\">{}</a>", p.member_id, esc(&p.nickname)),
                esc(&p.item_id),
                yuan(p.amount),
                if p.clawed_back {
                    "<b class=warn>退款已追回</b>".into()
                } else {
                    "<b class=ok>已补贴</b>".into()
                },
                html::datetime(p.created_at, offset),
            ]
        })
        .collect();
    b.push_str(&html::table(&["订单", "会员", "商品ID", "补贴（元）", "状态", "时间"], &rows));
    Ok(html::page(&v, "/admin/campaigns", &format!("免单活动：{}", c.name), &b))
}
