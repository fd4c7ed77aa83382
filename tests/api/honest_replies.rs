//! The member is told the truth: a failed conversion that is not the member's doing reads "系统繁忙", configuration
//! trouble alerts the admins once with the union's code, "请确认是商品链接" only follows the union saying "not a
//! product", and a Taobao answer without its DTOs is completed instead of refused.

use crate::conversation::*;
use dealbot::platform::Platform;
use dealbot::sim::catalog;
use dealbot::sim::jd::JdFault;
use dealbot::sim::pdd::PddFault;
use dealbot::sim::taobao::TaobaoFault;

const OPS: &str = "wxid_0ps_alerts";
const BUSY: &str = "系统繁忙，请稍后再试";
const PDD_LINK: &str = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
const JD_LINK: &str = "https://item.jd.com/100087654321.html";

fn taobao_link(with_coupon: bool) -> String {
    let item = catalog::listed(Platform::Taobao)
        .into_iter()
        .find(|i| i.commission_bps > 0 && (i.coupon_fen > 0) == with_coupon)
        .unwrap();
    format!("https://item.taobao.com/item.htm?id={}", item.id)
}

async fn chat() -> Chat {
    Chat::start_with(|s| {
        s.admin.wxids = vec![OPS.to_string()];
        // One attempt per conversion: each injected fault is seen once.
        s.affiliate.pdd.max_attempts = 1;
        s.affiliate.jd.max_attempts = 1;
        s.affiliate.taobao.max_attempts = 1;
    })
    .await
}

/// (price, final price, commission) of the latest conversion, in 分.
async fn latest_money(chat: &Chat) -> (i64, i64, i64) {
    use sqlx::Row;
    let row =
        sqlx::query("SELECT price_fen, final_price_fen, commission_fen FROM conversions ORDER BY id DESC LIMIT 1")
            .fetch_one(chat.app.store.pool())
            .await
            .unwrap();
    (row.get("price_fen"), row.get("final_price_fen"), row.get("commission_fen"))
}

/// The admins' private alerts queued so far.
async fn alerts(chat: &Chat) -> Vec<String> {
    chat.app
        .store
        .outbox_for(OPS)
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::from_str::<dealbot::chat::Outbound>(&r.body).unwrap())
        .map(|o| match o.body {
            dealbot::chat::OutboundBody::Text { content, .. } => content,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn conversion_failures_that_are_not_the_members_read_system_busy_and_config_errors_alert_admins_once() {
    let chat = chat().await;
    let sims = &chat.app.sim.sims;
    let tb = taobao_link(true);
    struct Case<'a> {
        what: &'a str,
        link: &'a str,
        fault: Box<dyn Fn() + 'a>,
        alert: Option<&'a str>,
    }
    let cases = [
        Case {
            what: "pdd signature",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::BadSignature, 5)),
            alert: Some("20004"),
        },
        Case {
            what: "pdd clock",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::ClockSkew, 5)),
            alert: Some("10000"),
        },
        Case {
            what: "jd clock",
            link: JD_LINK,
            fault: Box::new(|| sims.jd.inject(JdFault::ClockSkew, 5)),
            alert: Some("16"),
        },
        Case {
            what: "jd authorization",
            link: JD_LINK,
            fault: Box::new(|| sims.jd.inject(JdFault::TokenExpired, 5)),
            alert: Some("token"),
        },
        Case {
            what: "taobao signature",
            link: &tb,
            fault: Box::new(|| sims.taobao.inject(TaobaoFault::BadSignature, 5)),
            alert: Some("25"),
        },
        Case {
            what: "pdd pid not 备案",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::PidNotBound, 5)),
            alert: Some("60001"),
        },
        Case {
            what: "pdd outage",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::HttpStatus(502), 5)),
            alert: None,
        },
        Case {
            what: "pdd throttling",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::HttpStatus(429), 5)),
            alert: None,
        },
        Case {
            what: "jd throttling",
            link: JD_LINK,
            fault: Box::new(|| sims.jd.inject(JdFault::Throttled, 5)),
            alert: None,
        },
        Case {
            what: "taobao throttling",
            link: &tb,
            fault: Box::new(|| sims.taobao.inject(TaobaoFault::Throttled { ban_secs: 0 }, 5)),
            alert: None,
        },
        Case {
            what: "pdd without promotion_rate",
            link: PDD_LINK,
            fault: Box::new(|| sims.pdd.inject(PddFault::MissingCommission, 5)),
            alert: None,
        },
    ];
    let mut expected_alerts = 0;
    for case in &cases {
        (case.fault)();
        chat.advance_secs(61);
        let reply = chat.ask(ALICE, case.link).await;
        assert!(reply.starts_with(BUSY), "{}: {reply}", case.what);
        sims.pdd.clear_faults();
        sims.jd.clear_faults();
        sims.taobao.clear_faults();
        if let Some(code) = case.alert {
            expected_alerts += 1;
            let all = alerts(&chat).await;
            assert_eq!(all.len(), expected_alerts, "{}: {all:?}", case.what);
            assert!(all.last().unwrap().contains(&format!("错误码 {code}")), "{}: {all:?}", case.what);
        }
    }
    assert_eq!(alerts(&chat).await.len(), expected_alerts, "outages and throttling alert nobody");
    // The same configuration error again: the member is told again, the admins are not.
    sims.pdd.inject(PddFault::BadSignature, 5);
    chat.advance_secs(61);
    assert!(chat.ask(BOB, PDD_LINK).await.starts_with(BUSY));
    sims.pdd.clear_faults();
    assert_eq!(alerts(&chat).await.len(), expected_alerts);
    // With the union answering, the same links convert.
    for link in [PDD_LINK, JD_LINK, tb.as_str()] {
        chat.advance_secs(61);
        assert_eq!(chat.say(ALICE, link).await.len(), 2, "{link}");
    }
}

#[tokio::test]
async fn only_what_the_union_calls_not_a_product_is_answered_as_not_a_product() {
    let chat = chat().await;
    let pdd = &chat.app.sim.sims.pdd;
    pdd.inject(PddFault::NotAProduct, 5);
    let reply = chat.ask(ALICE, PDD_LINK).await;
    assert!(reply.contains("请确认是商品链接"), "{reply}");
    // A refusal the robot does not understand is not blamed on the member.
    pdd.clear_faults();
    pdd.inject(PddFault::UnknownRefusal, 5);
    chat.advance_secs(61);
    let reply = chat.ask(ALICE, PDD_LINK).await;
    assert!(reply.starts_with(BUSY), "{reply}");
    assert!(alerts(&chat).await.is_empty(), "nothing for the admins to fix");
}

#[tokio::test]
async fn a_taobao_answer_without_its_dtos_is_completed_from_the_material_search() {
    let chat = chat().await;
    let tb = &chat.app.sim.sims.taobao;
    for with_coupon in [true, false] {
        let link = taobao_link(with_coupon);
        tb.set_sparse_convert(true);
        let searches = tb.calls("taobao.tbk.dg.material.optional");
        chat.advance_secs(61);
        assert_eq!(chat.say(ALICE, &link).await.len(), 2, "poster and copy, not a refusal");
        let sparse = latest_money(&chat).await;
        assert!(sparse.2 > 0, "{sparse:?}");
        let completed = tb.calls("taobao.tbk.dg.material.optional") - searches;
        assert_eq!(completed, 1, "one search completes the answer");

        tb.set_sparse_convert(false);
        chat.advance_secs(61);
        assert_eq!(chat.say(BOB, &link).await.len(), 2);
        let full = latest_money(&chat).await;
        assert_eq!(tb.calls("taobao.tbk.dg.material.optional") - searches, 1, "a full answer needs no search");
        assert_eq!(sparse, full, "coupon {with_coupon}");
        if with_coupon {
            assert!(full.1 < full.0, "the coupon was applied: {full:?}");
        }
    }
}
