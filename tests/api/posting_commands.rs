//! Owners set up their group's posting plan from the chat: `#发单 开`, `#发单时间 9-22`, `#发单间隔 30`, `#发单 关`,
//! with the plan's own validation; members are refused.

use crate::conversation::*;
use crate::helpers::ROOM;
use dealbot::posting::{Cadence, TimeWindow};

async fn group_id(chat: &Chat) -> i64 {
    let row: (i64,) = sqlx::query_as("SELECT id FROM groups WHERE room_id = $1")
        .bind(ROOM)
        .fetch_one(chat.app.store.pool())
        .await
        .unwrap();
    row.0
}

#[tokio::test]
async fn an_owner_switches_posting_on_sets_hours_and_interval_and_switches_it_off() {
    let chat = Chat::with_owner().await;
    let group = group_id(&chat).await;
    assert!(chat.ask(ALICE, "#发单 开").await.contains("只有群主或管理员可以使用"));
    assert!(chat.app.store.chat_plan(group).await.unwrap().is_none(), "a refused command changes nothing");

    let on = chat.ask(OWNER, "#发单 开").await;
    assert!(on.contains("自动发单已开启✅ 每天 09:00-22:00，每 30 分钟一单"), "{on}");
    chat.advance_secs(61);
    assert!(chat.ask(OWNER, "#发单时间 8:30-21").await.contains("每天 08:30-21:00"));
    chat.advance_secs(61);
    assert!(chat.ask(OWNER, "#发单间隔 20分钟").await.contains("每 20 分钟一单"));
    let stored = chat.app.store.chat_plan(group).await.unwrap().unwrap();
    assert!(stored.plan.enabled);
    assert_eq!(stored.plan.schedule.windows, vec![TimeWindow { start_min: 8 * 60 + 30, end_min: 21 * 60 }]);
    assert_eq!(stored.plan.schedule.cadence, Cadence::EveryMinutes(20));
    assert_eq!(chat.app.store.enabled_plans().await.unwrap().len(), 1);

    chat.advance_secs(61);
    let bad = chat.ask(OWNER, "#发单间隔 3").await;
    assert!(bad.contains("间隔要在 5 到 1440 分钟之间") && bad.contains("用法：#发单间隔 <分钟>"), "{bad}");
    chat.advance_secs(61);
    let off = chat.ask(OWNER, "#发单 关").await;
    assert!(off.contains("自动发单已关闭"), "{off}");
    let stored = chat.app.store.chat_plan(group).await.unwrap().unwrap();
    assert!(!stored.plan.enabled);
    assert_eq!(stored.plan.schedule.cadence, Cadence::EveryMinutes(20), "the rest of the plan is kept");
    assert!(chat.app.store.enabled_plans().await.unwrap().is_empty());
}
