//! Several product links in one message: one poster (the first item) and one text listing every converted item,
//! each with the sender's own tagged link; links beyond `max_refs_per_message` are named in a note.

use crate::conversation::*;
use dealbot::platform::Platform;
use dealbot::sim::catalog;
use sqlx::Row;

/// Links to `n` distinct commissioned items: Pinduoduo first, then JD.
fn links(n: usize) -> Vec<String> {
    let pdd = catalog::listed(Platform::Pdd)
        .into_iter()
        .filter(|i| i.commission_bps > 0)
        .map(|i| format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", i.id));
    let jd = catalog::listed(Platform::Jd)
        .into_iter()
        .filter(|i| i.commission_bps > 0)
        .map(|i| format!("https://item.jd.com/{}.html", i.id));
    let (pdd, jd): (Vec<_>, Vec<_>) = (pdd.take(n - n / 2).collect(), jd.take(n / 2).collect());
    pdd.into_iter().chain(jd).collect()
}

/// The links of `who`'s conversions (newest last) with the member parameter each was tagged with.
async fn conversions_of(chat: &Chat, who: Person) -> Vec<(String, Option<String>)> {
    sqlx::query("SELECT promotion_url, short_url, member_param FROM conversions WHERE member_wxid = $1 ORDER BY id")
        .bind(who.wxid)
        .fetch_all(chat.app.store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let url: String = r.get("promotion_url");
            let short: Option<String> = r.get("short_url");
            (short.unwrap_or(url), r.get("member_param"))
        })
        .collect()
}

#[tokio::test]
async fn three_links_get_one_poster_and_one_text_listing_each_members_own_links() {
    let chat = Chat::start().await;
    let links = links(3);
    let message = format!("看看这几个：\n{}", links.join("\n"));
    let mut seen = Vec::new();
    for who in [ALICE, BOB] {
        let replies = chat.say(who, &message).await;
        assert_eq!(replies.len(), 2, "{replies:?}");
        assert!(replies[0].is_image(), "the poster first: {replies:?}");
        let text = replies[1].text();
        assert!(text.starts_with(&who.at()), "{text}");
        assert!(!text.contains("未处理"), "{text}");
        let converted = conversions_of(&chat, who).await;
        assert_eq!(converted.len(), 3, "{converted:?}");
        let member = format!("m{}", chat.member_id(who).await);
        for (n, (link, tag)) in converted.iter().enumerate() {
            assert!(text.contains(&format!("{}. ", n + 1)), "{text}");
            assert!(text.contains(link.as_str()), "{link} in {text}");
            let tag = tag.as_deref().unwrap_or_default();
            assert!(tag.split(['_', ':', '-']).any(|part| part == member), "{tag} is {member}'s");
        }
        assert_eq!(text.matches("下单链接：").count(), 3, "{text}");
        seen.extend(converted.into_iter().map(|(link, _)| link));
    }
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), 6, "every member gets links of their own: {seen:?}");
}

#[tokio::test]
async fn links_over_the_limit_are_named_in_a_note() {
    let chat = Chat::start_with(|s| s.engine.max_refs_per_message = 2).await;
    let message = links(3).join(" ");
    let replies = chat.say(ALICE, &message).await;
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies[0].is_image(), "{replies:?}");
    let text = replies[1].text();
    assert_eq!(text.matches("下单链接：").count(), 2, "{text}");
    assert!(text.contains("另有 1 个链接未处理"), "{text}");
    assert_eq!(conversions_of(&chat, ALICE).await.len(), 2);
}
