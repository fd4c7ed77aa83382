//! 客服: private chats handed over to the operator (the member wrote 人工, or the robot found no answer twice).
//! Open conversations with their messages, a reply box whose text the robot sends to the member through the
//! outbox, and closing a conversation; below, the private-chat rule set (keyword replies and Q&A answered only in
//! private chat, besides the global ones). Admins only: these are members' private messages.

use super::error::{AdminError, PageError};
use super::groups::{self, KeywordInput, PatternForm, urlenc};
use super::html::{self, esc};
use super::session::{Admin, Viewer};
use crate::chat::OutboundBody;
use crate::engine::keywords::{MatchKind, display_pattern};
use crate::http::AppState;
use crate::outbox;
use crate::store::keywords::PRIVATE;
use crate::store::service::{ServiceConversation, ServiceMessage, direction, reason};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use std::fmt::Write as _;

const OPEN_LIMIT: i64 = 100;
const MESSAGES_SHOWN: i64 = 30;
/// Longest reply an admin may send (WeChat texts stay short).
const MAX_REPLY_CHARS: usize = 1000;

/// An open conversation with its member's name and last messages.
pub struct ConversationView {
    pub conversation: ServiceConversation,
    pub member_name: String,
    pub messages: Vec<ServiceMessage>,
}

pub async fn open_conversations(st: &AppState, _v: &Admin) -> Result<Vec<ConversationView>, AdminError> {
    let mut out = Vec::new();
    for c in st.store.open_service_conversations(OPEN_LIMIT).await? {
        let member_name = st.store.member_nickname(&c.member_wxid).await?.unwrap_or_else(|| c.member_wxid.clone());
        let messages = st.store.service_messages(c.id, MESSAGES_SHOWN).await?;
        out.push(ConversationView { conversation: c, member_name, messages });
    }
    Ok(out)
}

/// Queues `body` to the member of conversation `id` through its robot and records it as the admin's reply.
pub async fn reply(st: &AppState, v: &Admin, id: i64, body: &str) -> Result<(), AdminError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AdminError::BadRequest("回复内容不能为空".into()));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(AdminError::BadRequest(format!("回复最多 {MAX_REPLY_CHARS} 字")));
    }
    let c = st.store.service_conversation(id).await?;
    let engine = st.dispatcher.engine();
    if !engine.robots.contains_key(&c.robot_id) {
        return Err(AdminError::BadRequest("该会话的机器人已不在运行，无法发送".into()));
    }
    let now = st.clock.now_ms();
    let text = OutboundBody::Text { content: body.to_string(), ats: Vec::new() };
    let key = format!("service-reply:{id}:{now}:{}", rand::random::<u64>());
    let send = outbox::enqueue(c.robot_id, &c.member_wxid, text, key).not_before(now);
    if !st.store.service_reply(id, body, &v.username, &send, now).await? {
        return Err(AdminError::BadRequest("该会话已结束".into()));
    }
    if let Some(wake) = engine.outbox_wake.get(&c.robot_id) {
        wake.notify_one();
    }
    tracing::info!(conversation = id, by = %v.username, "customer-service reply queued");
    Ok(())
}

pub async fn close(st: &AppState, v: &Admin, id: i64) -> Result<bool, AdminError> {
    Ok(st.store.close_service_conversation(id, &v.username, st.clock.now_ms()).await?)
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let list = open_conversations(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let mut b = html::notice(q.msg.as_deref());
    let _ = write!(b, "<p>进行中的会话：{} 个。会员私聊「人工」或机器人两次答不上来时转到这里。</p>", list.len());
    if list.is_empty() {
        b.push_str("<p class=empty>暂无待处理的会话</p>");
    }
    for c in &list {
        let conv = &c.conversation;
        let why = if conv.reason == reason::ASKED { "会员请求人工" } else { "机器人未能回答" };
        let _ = write!(
            b,
            "<section class=\"card service\" data-conversation={id}><h2>{name} <small>{wxid} · {why} · {at}</small></h2>\
             <ol class=messages>",
            id = conv.id,
            name = esc(&c.member_name),
            wxid = esc(&conv.member_wxid),
            at = html::datetime(conv.created_at, offset),
        );
        for m in &c.messages {
            let (cls, who) = if m.direction == direction::OUT {
                ("out", format!("客服 {}", m.sent_by.as_deref().unwrap_or("")))
            } else {
                ("in", "会员".to_string())
            };
            let _ = write!(
                b,
                "<li class={cls}><span class=who>{}</span> <time>{}</time><p>{}</p></li>",
                esc(&who),
                html::datetime(m.created_at, offset),
                esc(&m.body)
            );
        }
        b.push_str("</ol>");
        b.push_str(&html::form_open(&v, &format!("/admin/service/{}/reply", conv.id), "reply"));
        let _ = write!(
            b,
            "<label>回复<textarea name=body rows=3 required maxlength={MAX_REPLY_CHARS} \
             placeholder=\"输入回复，机器人会私聊发给会员\"></textarea></label><button type=submit>发送</button></form>"
        );
        b.push_str(&html::form_open(&v, &format!("/admin/service/{}/close", conv.id), "inline close"));
        b.push_str("<button type=submit class=link>结束会话</button></form></section>");
    }
    b.push_str(&rule_set_section(&st, &v).await?);
    Ok(html::page(&v, "/admin/service", "客服", &b))
}

/// The private-chat rule set: its keyword rules and Q&A entries, with forms to add and delete.
async fn rule_set_section(st: &AppState, v: &Viewer) -> Result<String, AdminError> {
    let mut b = String::from("<h2 id=rules>私聊自动回复</h2><p>只在私聊中生效（全局规则在私聊和群里都生效）。</p>");
    let rules: Vec<Vec<String>> = st
        .store
        .keyword_rules(PRIVATE)
        .await?
        .into_iter()
        .filter(|r| r.group_id == PRIVATE)
        .map(|r| {
            let kind = MatchKind::from_code(&r.match_kind).unwrap_or(MatchKind::Contains);
            let typed = display_pattern(kind, &r.pattern);
            let delete = delete_form(v, "/admin/service/keywords/delete", "pattern", &typed);
            vec![esc(&typed), esc(&r.reply), r.hits.to_string(), delete]
        })
        .collect();
    b.push_str(&html::table(&["关键词", "回复", "命中", ""], &rules));
    b.push_str(&html::form_open(v, "/admin/service/keywords", "rule"));
    b.push_str(
        "<label>关键词（=词 精确，/正则/，否则包含）<input name=pattern required maxlength=100></label>\
         <label>回复<input name=reply required maxlength=1000></label><button type=submit>添加关键词</button></form>",
    );
    let faq: Vec<Vec<String>> = st
        .store
        .faq_entries(PRIVATE)
        .await?
        .into_iter()
        .filter(|f| f.group_id == PRIVATE)
        .map(|f| {
            let delete = delete_form(v, "/admin/service/faq/delete", "question", &f.question);
            vec![esc(&f.question), esc(&f.answer), f.hits.to_string(), delete]
        })
        .collect();
    b.push_str(&html::table(&["问题", "答案", "命中", ""], &faq));
    b.push_str(&html::form_open(v, "/admin/service/faq", "faq"));
    b.push_str(
        "<label>问题<input name=question required maxlength=100></label>\
         <label>答案<input name=answer required maxlength=1000></label><button type=submit>添加问答</button></form>",
    );
    Ok(b)
}

/// A 删除 button posting `field=value` to `action`.
fn delete_form(v: &Viewer, action: &str, field: &str, value: &str) -> String {
    let mut form = html::form_open(v, action, "inline");
    let _ = write!(
        form,
        "<input type=hidden name={field} value=\"{}\"><button type=submit class=link>删除</button></form>",
        esc(value)
    );
    form
}

#[derive(Deserialize)]
pub struct FaqForm {
    pub question: String,
    #[serde(default)]
    pub answer: String,
}

/// Back to the rule set with a flash message (bad input is shown, not failed).
fn back_to_rules(r: Result<(), AdminError>, ok: &str) -> Result<Redirect, PageError> {
    let msg = match r {
        Ok(()) => ok.to_string(),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/service?msg={}#rules", urlenc(&msg))))
}

pub async fn keyword_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(k): Form<KeywordInput>,
) -> Result<Redirect, PageError> {
    back_to_rules(groups::save_rule(&st, PRIVATE, &k).await, "私聊关键词已保存")
}

pub async fn keyword_delete_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(k): Form<PatternForm>,
) -> Result<Redirect, PageError> {
    back_to_rules(groups::delete_rule(&st, PRIVATE, &k.pattern).await, "私聊关键词已删除")
}

pub async fn faq_page(State(st): State<AppState>, _v: Admin, Form(f): Form<FaqForm>) -> Result<Redirect, PageError> {
    let (question, answer) = (f.question.trim(), f.answer.trim());
    let r = if question.chars().count() < 2 || question.chars().count() > 100 {
        Err(AdminError::BadRequest("问题须为 2–100 个字".into()))
    } else if answer.is_empty() || answer.chars().count() > 1000 {
        Err(AdminError::BadRequest("答案须为 1–1000 个字".into()))
    } else {
        st.store.upsert_faq(PRIVATE, question, answer, st.clock.now_ms()).await?;
        st.dispatcher.engine().invalidate_replies(PRIVATE).await;
        Ok(())
    };
    back_to_rules(r, "私聊问答已保存")
}

pub async fn faq_delete_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(f): Form<FaqForm>,
) -> Result<Redirect, PageError> {
    st.store.delete_faq(PRIVATE, f.question.trim()).await?;
    st.dispatcher.engine().invalidate_replies(PRIVATE).await;
    back_to_rules(Ok(()), "私聊问答已删除")
}

#[derive(Deserialize)]
pub struct ReplyForm {
    pub body: String,
}

pub async fn reply_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> Result<Redirect, PageError> {
    let msg = match reply(&st, &v, id, &f.body).await {
        Ok(()) => "回复已发送".to_string(),
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/service?msg={}", urlenc(&msg))))
}

pub async fn close_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    let msg = if close(&st, &v, id).await? { "会话已结束" } else { "该会话已结束" };
    Ok(Redirect::to(&format!("/admin/service?msg={}", urlenc(msg))))
}
