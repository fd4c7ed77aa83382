//! Withdrawals on both engines: limits, one open request, approve/reject with the finance log, paid only when the
//! payment is recorded, and many concurrent requests (of members, partners and agents) that can never overdraw a
//! balance.

use crate::helpers::TestDb;
use crate::ledger::{facts, world};
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::Buckets;
use dealbot::money::Fen;
use dealbot::order::Lifecycle;
use dealbot::store::ledger::AccountKind;
use dealbot::store::withdrawals::{Payment, WithdrawalRequest};

on_both_engines!(
    multi_thread:
    a_withdrawal_is_limited_one_at_a_time_and_decided_once_with_a_log,
    concurrent_withdrawals_never_overdraw,
    concurrent_partner_and_agent_withdrawals_never_overdraw,
);

const BANK: Payment<'static> = Payment { method: "银行转账", reference: "B20261203001" };

fn ledger(s: &dealbot::store::Store) -> Ledger {
    let settings = LedgerSettings { min_withdrawal_fen: 100, max_withdrawal_fen: 10_000, ..LedgerSettings::default() };
    Ledger::with_settings(s.clone(), settings, 8)
}

async fn a_withdrawal_is_limited_one_at_a_time_and_decided_once_with_a_log(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    // 50 % of 2000 settled: 1000 available.
    l.apply(&facts(&w, 1, Lifecycle::Settled, 2000)).await.unwrap();
    let m = w.member;
    assert_eq!(l.request_withdrawal(m, Fen(99)).await.unwrap(), WithdrawalRequest::BelowMinimum { min: Fen(100) });
    assert_eq!(
        l.request_withdrawal(m, Fen(10_001)).await.unwrap(),
        WithdrawalRequest::AboveMaximum { max: Fen(10_000) }
    );
    assert_eq!(
        l.request_withdrawal(m, Fen(1001)).await.unwrap(),
        WithdrawalRequest::Insufficient { available: Fen(1000) }
    );
    let WithdrawalRequest::Accepted { id, available } = l.request_withdrawal(m, Fen(600)).await.unwrap() else {
        panic!("accepted expected")
    };
    assert_eq!(available, Fen(400));
    assert_eq!(l.request_withdrawal(m, Fen(100)).await.unwrap(), WithdrawalRequest::AlreadyOpen);
    let b = s.ledger_balance(AccountKind::Member, m).await.unwrap();
    assert_eq!(b, Buckets { available: 400, withdrawing: 600, ..Buckets::default() });

    let rejected = l.decide_withdrawal(id, false, "admin", "账户信息不全").await.unwrap();
    assert_eq!(rejected.status, "rejected");
    assert!(l.decide_withdrawal(id, true, "admin", "").await.is_err(), "decided once");
    assert_eq!(
        s.ledger_balance(AccountKind::Member, m).await.unwrap(),
        Buckets { available: 1000, ..Buckets::default() }
    );

    let WithdrawalRequest::Accepted { id: id2, .. } = l.request_withdrawal(m, Fen(1000)).await.unwrap() else {
        panic!("accepted expected")
    };
    assert!(l.record_payment(id2, &BANK, "admin").await.is_err(), "an open request is approved before it is paid");
    let approved = l.decide_withdrawal(id2, true, "admin", "").await.unwrap();
    assert_eq!((approved.amount, approved.status.as_str()), (Fen(1000), "approved"));
    let b = s.ledger_balance(AccountKind::Member, m).await.unwrap();
    assert_eq!(b, Buckets { withdrawing: 1000, ..Buckets::default() }, "approved is not paid");
    let paid = l.record_payment(id2, &BANK, "admin").await.unwrap();
    assert_eq!((paid.status.as_str(), paid.payment_ref.as_deref()), ("paid", Some("B20261203001")));
    assert!(l.record_payment(id2, &BANK, "admin").await.is_err(), "paid once");
    assert!(l.decide_withdrawal(id2, false, "admin", "晚了").await.is_err(), "a paid request is not rejected");
    let b = s.ledger_balance(AccountKind::Member, m).await.unwrap();
    assert_eq!(b, Buckets { paid_out: 1000, ..Buckets::default() });
    assert_eq!(b, s.ledger_entries_sum(AccountKind::Member, m).await.unwrap());

    let log = s.finance_log(10).await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| (e.action.as_str(), e.amount.0, e.reason.as_str())).collect();
    assert_eq!(
        actions,
        vec![
            ("paid", 1000, "银行转账 B20261203001"),
            ("approved", 1000, ""),
            ("requested", 1000, ""),
            ("rejected", 600, "账户信息不全"),
            ("requested", 600, "")
        ]
    );
    assert!(s.withdrawals_with_status("open", 10).await.unwrap().is_empty());
}

async fn concurrent_withdrawals_never_overdraw(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    // 1000 available for the member.
    l.apply(&facts(&w, 1, Lifecycle::Settled, 2000)).await.unwrap();
    for round in 0..3 {
        // 24 concurrent requests of 300: exactly one is accepted (one open request at a time).
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                let l = l.clone();
                let m = w.member;
                tokio::spawn(async move { l.request_withdrawal(m, Fen(300)).await.unwrap() })
            })
            .collect();
        let mut accepted = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                WithdrawalRequest::Accepted { id, .. } => accepted.push(id),
                WithdrawalRequest::AlreadyOpen | WithdrawalRequest::Insufficient { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        let b = s.ledger_balance(AccountKind::Member, w.member).await.unwrap();
        assert!(b.is_non_negative(), "round {round}: {b:?}");
        assert_eq!(b, s.ledger_entries_sum(AccountKind::Member, w.member).await.unwrap());
        assert_eq!(accepted.len(), 1, "round {round}: one open request at a time");
        for id in accepted {
            // Approving concurrently twice approves once; recording the payment twice pays once.
            let (a, b2) =
                tokio::join!(l.decide_withdrawal(id, true, "a1", ""), l.decide_withdrawal(id, true, "a2", ""));
            assert_eq!(a.is_ok() as u8 + b2.is_ok() as u8, 1);
            let (a, b2) = tokio::join!(l.record_payment(id, &BANK, "a1"), l.record_payment(id, &BANK, "a2"));
            assert_eq!(a.is_ok() as u8 + b2.is_ok() as u8, 1);
        }
    }
    let b = s.ledger_balance(AccountKind::Member, w.member).await.unwrap();
    assert_eq!(b, Buckets { available: 100, paid_out: 900, ..Buckets::default() });
    // Many members' requests in parallel against one balance each.
    let members: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..8 {
            v.push(s.touch_member(&format!("wxid_c{i}"), None, Some(w.group), 1).await.unwrap());
        }
        v
    };
    for (i, m) in members.iter().enumerate() {
        let mut f = facts(&w, 100 + i as i64, Lifecycle::Settled, 1000);
        f.member_id = Some(*m);
        l.apply(&f).await.unwrap();
    }
    let tasks: Vec<_> = members
        .iter()
        .flat_map(|m| (0..4).map(move |_| *m))
        .map(|m| {
            let l = l.clone();
            tokio::spawn(async move { l.request_withdrawal(m, Fen(400)).await.unwrap() })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), WithdrawalRequest::Accepted { .. }) {
            accepted += 1;
        }
    }
    assert_eq!(accepted, members.len());
    for m in members {
        let b = s.ledger_balance(AccountKind::Member, m).await.unwrap();
        assert_eq!(b, Buckets { available: 100, withdrawing: 400, ..Buckets::default() });
    }
}

async fn concurrent_partner_and_agent_withdrawals_never_overdraw(db: TestDb) {
    let s = db.store().await;
    let w = world(&s).await;
    let l = ledger(&s);
    // 10 % of 10000 to the partner, 5 % to the agent: 1000 and 500 available.
    l.apply(&facts(&w, 1, Lifecycle::Settled, 10_000)).await.unwrap();
    for (account, available) in [((AccountKind::Partner, w.partner), 1000), ((AccountKind::Agent, w.agent), 500)] {
        let mut left = available;
        for round in 0..3 {
            // 20 concurrent requests of 300 on one account: one is accepted while the balance covers it.
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let l = l.clone();
                    tokio::spawn(async move { l.request_account_withdrawal(account, Fen(300)).await.unwrap() })
                })
                .collect();
            let mut accepted = Vec::new();
            for t in tasks {
                match t.await.unwrap() {
                    WithdrawalRequest::Accepted { id, .. } => accepted.push(id),
                    WithdrawalRequest::AlreadyOpen | WithdrawalRequest::Insufficient { .. } => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
            let b = s.ledger_balance(account.0, account.1).await.unwrap();
            assert!(b.is_non_negative(), "{account:?} round {round}: {b:?}");
            assert_eq!(b, s.ledger_entries_sum(account.0, account.1).await.unwrap());
            assert_eq!(accepted.len(), usize::from(left >= 300), "{account:?} round {round}");
            for id in accepted {
                let (a, b2) = tokio::join!(approve_and_pay(&l, id, "a1"), approve_and_pay(&l, id, "a2"));
                assert_eq!(a as u8 + b2 as u8, 1, "decided and paid once");
                left -= 300;
            }
        }
        let b = s.ledger_balance(account.0, account.1).await.unwrap();
        assert_eq!(b, Buckets { available: left, paid_out: available - left, ..Buckets::default() }, "{account:?}");
    }
    // The member's own rebate is another account, untouched.
    assert_eq!(s.ledger_balance(AccountKind::Member, w.member).await.unwrap().available, 5000);
    assert!(l.request_account_withdrawal((AccountKind::Operator, 0), Fen(300)).await.is_err());
}

/// Approves then records the payment; false when another admin got there first.
async fn approve_and_pay(l: &Ledger, id: i64, actor: &str) -> bool {
    match l.decide_withdrawal(id, true, actor, "").await {
        Ok(_) => l.record_payment(id, &BANK, actor).await.is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn admins_list_approve_and_reject_withdrawals_over_the_api_with_a_reason() {
    use crate::helpers::TestApp;
    use serde_json::{Value, json};
    let app = TestApp::spawn_on(TestDb::sqlite().await, |s| {
        s.admin.api_token = dealbot::config::Secret::new("admin-token-0123456789");
    })
    .await;
    let s = &app.store;
    let w = world(s).await;
    let l = ledger(s);
    l.apply(&facts(&w, 1, Lifecycle::Settled, 4000)).await.unwrap();
    let WithdrawalRequest::Accepted { id, .. } = l.request_withdrawal(w.member, Fen(500)).await.unwrap() else {
        panic!("accepted expected")
    };
    let url = |p: &str| format!("{}{p}", app.base);
    let auth = "Bearer admin-token-0123456789";

    let r = app.http.get(url("/admin/api/withdrawals")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id}/approve")))
        .header("authorization", "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let open: Value = app
        .http
        .get(url("/admin/api/withdrawals"))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    let row = &open[0];
    assert_eq!(
        (&row["id"], &row["account_kind"], &row["member_id"], &row["name"], &row["amount_fen"], &row["status"]),
        (&json!(id), &json!("member"), &json!(w.member), &json!("阿明"), &json!(500), &json!("open"))
    );

    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id}/reject")))
        .header("authorization", auth)
        .json(&json!({"reason": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a rejection needs a reason");
    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id}/reject")))
        .header("authorization", auth)
        .json(&json!({"reason": "收款账户有误"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("rejected"), Some("收款账户有误")));
    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id}/approve")))
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a decided request is not decided again");

    let WithdrawalRequest::Accepted { id: id2, .. } = l.request_withdrawal(w.member, Fen(2000)).await.unwrap() else {
        panic!("accepted expected")
    };
    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id2}/approve")))
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.ledger_balance(AccountKind::Member, w.member).await.unwrap(),
        Buckets { withdrawing: 2000, ..Buckets::default() },
        "approved, not paid yet"
    );
    let r = app
        .http
        .post(url(&format!("/admin/api/withdrawals/{id2}/pay")))
        .header("authorization", auth)
        .json(&json!({"method": "支付宝", "reference": "A0001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["status"].as_str(), body["payment_ref"].as_str()), (Some("paid"), Some("A0001")));
    assert_eq!(
        s.ledger_balance(AccountKind::Member, w.member).await.unwrap(),
        Buckets { paid_out: 2000, ..Buckets::default() }
    );
    let log: Value = app
        .http
        .get(url("/admin/api/finance-log"))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_string(), e["actor"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(actions[0], ("paid".to_string(), "api".to_string()));
    assert_eq!(actions[1], ("approved".to_string(), "api".to_string()));
    assert_eq!(actions.len(), 5);
    // The same log as a page: the rejection with its reason, the payment.
    let page = app.http.get(url("/admin/withdrawal-log")).header("authorization", auth).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("提现日志") && html.contains("驳回") && html.contains("收款账户有误"), "{html}");
    assert!(html.contains(&format!("/admin/withdrawals#w{id2}")) && html.contains("已打款"), "{html}");
}
