//! Keyword auto-replies and Q&A (回复设置, 智能问答), in groups and in private chat (its own rule set): the first
//! matching keyword rule answers, else the most similar Q&A question above the threshold; ordinary chat gets nothing.

use crate::chat::{Inbound, InboundKind, OutboundBody};
use crate::engine::group_settings::Feature;
use crate::engine::handlers::product_link::reply_text;
use crate::engine::keywords::{self, MatchKind, ReplyBody, Rule};
use crate::engine::{Context, EngineError, Flow, qa};
use crate::store::faq::FaqRow;
use std::sync::Arc;

/// A group's rules (sorted for matching) and Q&A entries, its own and the global ones.
#[derive(Debug, Default)]
pub struct Replies {
    pub rules: Vec<Rule>,
    pub faq: Vec<FaqRow>,
}

async fn load(cx: &Context<'_>, group_id: i64) -> Result<Arc<Replies>, EngineError> {
    let e = cx.engine;
    if let Some(r) = e.caches.replies.get(&group_id).await {
        return Ok(r);
    }
    let mut rules: Vec<Rule> = e
        .store
        .keyword_rules(group_id)
        .await?
        .into_iter()
        .filter_map(|row| {
            let kind = MatchKind::from_code(&row.match_kind)?;
            let rule = Rule::new(
                row.id,
                row.group_id,
                kind,
                row.pattern,
                ReplyBody::from_parts(&row.reply_kind, row.reply),
                row.priority,
            );
            if rule.is_none() {
                tracing::warn!(rule = row.id, "stored keyword rule does not compile; skipped");
            }
            rule
        })
        .collect();
    keywords::sort(&mut rules);
    let replies = Arc::new(Replies { rules, faq: e.store.faq_entries(group_id).await? });
    e.caches.replies.insert(group_id, replies.clone()).await;
    Ok(replies)
}

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    // Private chat answers from its own rule set (and the global rules).
    let rule_set = cx.group.as_ref().map_or(crate::store::keywords::PRIVATE, |g| g.id);
    if !matches!(msg.kind, InboundKind::Text | InboundKind::Quote { .. }) || !cx.settings.enabled(Feature::AutoReply) {
        return Ok(Flow::Continue);
    }
    let text = msg.text.trim();
    if text.is_empty() || text.chars().nth(keywords::MAX_MATCHED_CHARS).is_some() {
        return Ok(Flow::Continue);
    }
    let e = cx.engine;
    let replies = load(cx, rule_set).await?;
    if let Some(rule) = keywords::first_match(&replies.rules, text) {
        e.store.count_keyword_hit(rule.id).await?;
        let action = match &rule.reply {
            ReplyBody::Text(t) => reply_text(cx, msg, t).await?,
            ReplyBody::Image(url) => crate::engine::Action::Reply(OutboundBody::Image { url: url.clone() }),
        };
        return Ok(Flow::Done(vec![action]));
    }
    let threshold = e.settings.chat.faq_threshold_percent;
    if let Some((i, score)) = qa::best_match(text, replies.faq.iter().map(|f| f.question.as_str()), threshold)
        && let Some(entry) = replies.faq.get(i)
    {
        tracing::debug!(faq = entry.id, score, "Q&A answered");
        e.store.count_faq_hit(entry.id).await?;
        return Ok(Flow::Done(vec![reply_text(cx, msg, &entry.answer).await?]));
    }
    Ok(Flow::Continue)
}
