//! 客服: private chats handed over to the operator (the member wrote 人工, or the robot found no answer twice).
//! Open conversations with their messages, a reply box whose text the robot sends to the member through the
//! outbox, and closing a conversation; below, the private-chat rule set (keyword replies and Q&A answered only in
//! private chat, besides the global ones). Admins only: these are members' private messages.

use super::error::{AdminError, PageError};
use super::format;
use super::groups::{self, KeywordInput, PatternForm, delete_button, flash};
use super::session::{Admin, Viewer};
use super::text::people as x;
use super::view;
use crate::chat::OutboundBody;
use crate::engine::keywords::{MatchKind, display_pattern};
use crate::http::AppState;
use crate::outbox;
use crate::store::keywords::PRIVATE;
use crate::store::service::{ServiceConversation, ServiceMessage, direction, reason};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use maud::{Markup, html};
use serde::Deserialize;

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
        return Err(AdminError::BadRequest(x::EMPTY_SERVICE_REPLY.into()));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(AdminError::BadRequest(x::reply_too_long(MAX_REPLY_CHARS)));
    }
    let c = st.store.service_conversation(id).await?;
    let engine = st.dispatcher.engine();
    if !engine.robots.contains_key(&c.robot_id) {
        return Err(AdminError::BadRequest(x::ROBOT_GONE.into()));
    }
    let now = st.clock.now_ms();
    let text = OutboundBody::Text { content: body.to_string(), ats: Vec::new() };
    let key = format!("service-reply:{id}:{now}:{}", rand::random::<u64>());
    let send = outbox::enqueue(c.robot_id, &c.member_wxid, text, key).not_before(now);
    if !st.store.service_reply(id, body, &v.username, &send, now).await? {
        return Err(AdminError::BadRequest(x::CONVERSATION_ALREADY_CLOSED.into()));
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

/// One open conversation: who and why, its messages, the reply box and the close button.
fn conversation(v: &Viewer, c: &ConversationView, offset: i64) -> Markup {
    let conv = &c.conversation;
    let why = if conv.reason == reason::ASKED { x::ASKED_FOR_HUMAN } else { x::ROBOT_COULD_NOT_ANSWER };
    html! {
        section.card.service data-conversation=(conv.id) {
            h2 { (c.member_name) " " small { (conv.member_wxid) " · " (why) " · " (format::datetime(conv.created_at, offset)) } }
            ol.messages {
                @for m in &c.messages {
                    @let (cls, who) = if m.direction == direction::OUT {
                        ("out", x::operator(m.sent_by.as_deref().unwrap_or("")))
                    } else {
                        ("in", x::MEMBER.to_string())
                    };
                    li class=(cls) { span.who { (who) } " " time { (format::datetime(m.created_at, offset)) } p { (m.body) } }
                }
            }
            (view::form(v, &format!("/admin/service/{}/reply", conv.id), "reply", html! {
                label {
                    (x::REPLY)
                    textarea name="body" rows="3" required maxlength=(MAX_REPLY_CHARS) placeholder=(x::REPLY_PLACEHOLDER) {}
                }
                button type="submit" { (x::SEND) }
            }))
            (view::form(v, &format!("/admin/service/{}/close", conv.id), "inline close", html! {
                button.link type="submit" { (x::CLOSE_CONVERSATION) }
            }))
        }
    }
}

pub async fn page(State(st): State<AppState>, v: Admin, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let list = open_conversations(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let rules = rule_set_section(&st, &v).await?;
    let body = html! {
        (view::notice(q.msg.as_deref()))
        p { (x::open_conversations(list.len())) }
        @if list.is_empty() { p.empty { (x::NO_CONVERSATIONS) } }
        @for c in &list { (conversation(&v, c, offset)) }
        (rules)
    };
    Ok(view::page(&v, "/admin/service", x::SERVICE, body))
}

/// The private-chat rule set: its keyword rules and Q&A entries, with forms to add and delete.
async fn rule_set_section(st: &AppState, v: &Viewer) -> Result<Markup, AdminError> {
    let rules: Vec<Vec<Markup>> = st
        .store
        .keyword_rules(PRIVATE)
        .await?
        .into_iter()
        .filter(|r| r.group_id == PRIVATE)
        .map(|r| {
            let kind = MatchKind::from_code(&r.match_kind).unwrap_or(MatchKind::Contains);
            let typed = display_pattern(kind, &r.pattern);
            let delete = delete_button(v, "/admin/service/keywords/delete", "pattern", &typed);
            vec![html! { (typed) }, html! { (r.reply) }, html! { (r.hits) }, delete]
        })
        .collect();
    let faq: Vec<Vec<Markup>> = st
        .store
        .faq_entries(PRIVATE)
        .await?
        .into_iter()
        .filter(|f| f.group_id == PRIVATE)
        .map(|f| {
            let delete = delete_button(v, "/admin/service/faq/delete", "question", &f.question);
            vec![html! { (f.question) }, html! { (f.answer) }, html! { (f.hits) }, delete]
        })
        .collect();
    Ok(html! {
        h2 #rules { (x::PRIVATE_REPLIES) }
        p { (x::PRIVATE_ONLY) }
        (view::table(x::KEYWORD_COLUMNS, &rules))
        (view::form(v, "/admin/service/keywords", "rule", html! {
            label { (x::PRIVATE_KEYWORD) input name="pattern" required maxlength="100"; }
            label { (x::REPLY) input name="reply" required maxlength="1000"; }
            button type="submit" { (x::ADD_KEYWORD) }
        }))
        (view::table(x::FAQ_COLUMNS, &faq))
        (view::form(v, "/admin/service/faq", "faq", html! {
            label { (x::QUESTION) input name="question" required maxlength="100"; }
            label { (x::ANSWER) input name="answer" required maxlength="1000"; }
            button type="submit" { (x::ADD_FAQ) }
        }))
    })
}

#[derive(Deserialize)]
pub struct FaqForm {
    pub question: String,
    #[serde(default)]
    pub answer: String,
}

/// Back to the rule set with a flash message (bad input is shown, not failed).
fn back_to_rules(r: Result<(), AdminError>, ok: &str) -> Result<Redirect, PageError> {
    flash("/admin/service", "#rules", r.map(|()| ok.to_string()))
}

pub async fn keyword_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(k): Form<KeywordInput>,
) -> Result<Redirect, PageError> {
    back_to_rules(groups::save_rule(&st, PRIVATE, &k).await, x::PRIVATE_KEYWORD_SAVED)
}

pub async fn keyword_delete_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(k): Form<PatternForm>,
) -> Result<Redirect, PageError> {
    back_to_rules(groups::delete_rule(&st, PRIVATE, &k.pattern).await, x::PRIVATE_KEYWORD_DELETED)
}

pub async fn faq_page(State(st): State<AppState>, _v: Admin, Form(f): Form<FaqForm>) -> Result<Redirect, PageError> {
    let (question, answer) = (f.question.trim(), f.answer.trim());
    let r = if question.chars().count() < 2 || question.chars().count() > 100 {
        Err(AdminError::BadRequest(x::QUESTION_LENGTH.into()))
    } else if answer.is_empty() || answer.chars().count() > 1000 {
        Err(AdminError::BadRequest(x::ANSWER_LENGTH.into()))
    } else {
        st.store.upsert_faq(PRIVATE, question, answer, st.clock.now_ms()).await?;
        st.dispatcher.engine().invalidate_replies(PRIVATE).await;
        Ok(())
    };
    back_to_rules(r, x::PRIVATE_FAQ_SAVED)
}

pub async fn faq_delete_page(
    State(st): State<AppState>,
    _v: Admin,
    Form(f): Form<FaqForm>,
) -> Result<Redirect, PageError> {
    st.store.delete_faq(PRIVATE, f.question.trim()).await?;
    st.dispatcher.engine().invalidate_replies(PRIVATE).await;
    back_to_rules(Ok(()), x::PRIVATE_FAQ_DELETED)
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
    flash("/admin/service", "", reply(&st, &v, id, &f.body).await.map(|()| x::REPLY_SENT.to_string()))
}

pub async fn close_page(State(st): State<AppState>, v: Admin, Path(id): Path<i64>) -> Result<Redirect, PageError> {
    let msg = if close(&st, &v, id).await? { x::CONVERSATION_CLOSED } else { x::CONVERSATION_ALREADY_CLOSED };
    flash("/admin/service", "", Ok(msg.to_string()))
}
