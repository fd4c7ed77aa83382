//! The member's money in chat: 订单, 提现 and the rebate part of 我的 answer in private chat only, through the
//! webhook, against the real ledger; in a group they point to private chat.

use crate::conversation::{ALICE, Chat, OWNER, Person};
use crate::helpers::*;
use dealbot::chat::{Outbound, OutboundBody};
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::money::Fen;
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use serde_json::json;
use sqlx::Row;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn ledger_settings() -> LedgerSettings {
    LedgerSettings {
        rebate_bps: 5000,
        min_withdrawal_fen: 100,
        max_withdrawal_fen: 100_000,
        ..LedgerSettings::default()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(9_100_000_000_000_000_001);

/// `who` writes `text` to the robot in private chat; returns the robot's text replies.
pub async fn direct(chat: &Chat, who: Person, text: &str) -> Vec<String> {
    let bot = dealbot::sim::gewe::DEFAULT_BOT_WXID;
    let app_id = dealbot::sim::gewe::DEFAULT_APP_ID;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let body = json!({
        "TypeName": "AddMsg",
        "Appid": app_id,
        "Wxid": bot,
        "Data": {
            "MsgId": 702115583,
            "FromUserName": {"string": who.wxid},
            "ToUserName": {"string": bot},
            "MsgType": 1,
            "Content": {"string": text},
            "Status": 3,
            "ImgStatus": 1,
            "ImgBuf": {"iLen": 0},
            "CreateTime": now_secs(),
            "MsgSource": "<msgsource></msgsource>",
            "PushContent": format!("{} : {text}", who.nick),
            "NewMsgId": id,
            "MsgSeq": 812345678
        }
    });
    assert!(chat.app.post_callback(&body).await.status().is_success());
    let key = format!("{app_id}:{id}");
    let status = eventually("the private message handled", Duration::from_secs(30), || async {
        let row = sqlx::query("SELECT status FROM inbound WHERE dedupe_key = $1")
            .bind(&key)
            .fetch_optional(chat.app.store.pool())
            .await
            .unwrap()?;
        let status: String = row.try_get("status").unwrap();
        (status != "pending" && status != "processing").then_some(status)
    })
    .await;
    assert_eq!(status, "done", "{key}");
    let prefix = format!("reply:{key}:");
    chat.app
        .store
        .outbox_for(who.wxid)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.idempotency_key.starts_with(&prefix))
        .map(|r| {
            let out: Outbound = serde_json::from_str(&r.body).unwrap();
            match out.body {
                OutboundBody::Text { content, ats } => {
                    assert!(ats.is_empty(), "no @-mention in private chat");
                    content
                }
                other => panic!("text expected: {other:?}"),
            }
        })
        .collect()
}

fn one(replies: Vec<String>, text: &str) -> String {
    assert_eq!(replies.len(), 1, "{text}: {replies:?}");
    replies.into_iter().next().unwrap()
}

#[tokio::test]
async fn members_see_their_rebates_and_withdraw_in_private_chat_only() {
    let chat = Chat::start_with(|s| {
        s.ledger = ledger_settings();
        s.chat.cooldown_secs = 0;
    })
    .await;
    // Alice becomes a member in the group, then one of her orders settles: 50 % of ¥20.00 is available.
    chat.ask(ALICE, "签到").await;
    let member = chat.member_id(ALICE).await;
    let ledger = Ledger::with_settings(chat.app.store.clone(), ledger_settings(), 8);
    let facts = OrderFacts {
        order_id: 1,
        platform: Platform::Pdd,
        order_key: "261129-000000000000001".into(),
        lifecycle: Lifecycle::Settled,
        commission: Fen(2000),
        paid_amount: Fen(20_000),
        group_id: None,
        partner_id: None,
        member_id: Some(member),
        paid_at: Some(now_secs()),
    };
    ledger.apply(&facts).await.unwrap();

    // In the group, money stays private.
    assert!(chat.ask(ALICE, "订单").await.contains("请私聊"));
    assert!(chat.ask(ALICE, "提现 5").await.contains("请私聊"));
    assert!(!chat.ask(ALICE, "我的").await.contains("可提现"));
    assert_eq!(ledger.statement(member, 0).await.unwrap().balance.available, 1000);

    let statement = one(direct(&chat, ALICE, "订单").await, "订单");
    assert!(statement.contains("可提现 ¥10.00"), "{statement}");
    assert!(statement.contains("261129-000000000000001") || statement.contains("¥20.00"), "{statement}");

    let r = one(direct(&chat, ALICE, "提现 abc").await, "提现 abc");
    assert!(r.starts_with("金额格式不对") && r.contains("提现 <金额>"), "{r}");
    let r = one(direct(&chat, ALICE, "提现 0.5").await, "提现 0.5");
    assert!(r.contains("最少 ¥1.00"), "{r}");
    let r = one(direct(&chat, ALICE, "提现 11").await, "提现 11");
    assert!(r.contains("余额不足") && r.contains("¥10.00"), "{r}");
    let r = one(direct(&chat, ALICE, "提现 6").await, "提现 6");
    assert!(r.contains("提现申请已提交：¥6.00") && r.contains("剩余可提现 ¥4.00"), "{r}");
    // The missing amount is asked for; the answer completes the command; one open request at a time.
    let r = one(direct(&chat, ALICE, "提现").await, "提现");
    assert!(r.starts_with("请发送提现金额"), "{r}");
    let r = one(direct(&chat, ALICE, "2").await, "2");
    assert!(r.contains("还有一笔提现在审核中"), "{r}");

    let mine = one(direct(&chat, ALICE, "我的").await, "我的");
    assert!(mine.contains("可提现 ¥4.00") && mine.contains("提现中 ¥6.00"), "{mine}");
    let b = ledger.statement(member, 0).await.unwrap().balance;
    assert_eq!((b.available, b.withdrawing), (400, 600));

    // Group commands mean nothing in private chat; ordinary chat gets no reply.
    assert!(direct(&chat, OWNER, "#群状态").await.is_empty());
    assert!(direct(&chat, ALICE, "你好").await.is_empty());
}
