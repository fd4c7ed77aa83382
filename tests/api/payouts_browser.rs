//! 提现审核 in headless Chromium: an admin ticks several requests, approves them in one batch, then ticks the
//! approved ones and records their payment (method and transfer reference) for the batch; only then are they paid.

use crate::admin_browser::login;
use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, add_user, open_withdrawal, partner_group};
use crate::admin_webdriver::Browser;
use crate::helpers::{TestApp, eventually};
use dealbot::ledger::rules::Buckets;
use dealbot::store::ledger::AccountKind;
use dealbot::store::users::Role;
use std::time::Duration;

#[tokio::test]
async fn in_the_browser_an_admin_approves_a_batch_and_records_its_payment() {
    let app = TestApp::spawn().await;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let (group, partner) = partner_group(&app, "小王", "111@chatroom", "省钱一群").await;
    let first = open_withdrawal(&app, group, partner, "wxid_fang0520", "小芳", 3_000).await;
    let second = open_withdrawal(&app, group, partner, "wxid_lei1999", "雷雷", 5_000).await;
    let third = open_withdrawal(&app, group, partner, "wxid_zhou88", "周周", 2_000).await;
    let status = |id: i64| {
        let store = app.store.clone();
        async move { store.withdrawal(id).await.unwrap().status }
    };

    let b = Browser::start(1280, 900).await;
    login(&b, &app, ADMIN).await;
    b.goto(&format!("{}/admin/withdrawals", app.base)).await;
    assert_eq!(b.count("input[type=checkbox][form=batch-approve]").await, 3);
    b.click(&format!("input[form=batch-approve][value='{first}']")).await;
    b.click(&format!("input[form=batch-approve][value='{second}']")).await;
    b.click("#batch-approve button[type=submit]").await;
    b.wait_url("msg=").await;
    assert!(b.source().await.contains("已通过 2 笔，共 80.00 元"));
    assert_eq!(
        (status(first).await, status(second).await, status(third).await),
        ("approved".into(), "approved".into(), "open".into())
    );
    let member = app.store.withdrawal(first).await.unwrap().account_id;
    let before = app.store.ledger_balance(AccountKind::Member, member).await.unwrap();
    assert_eq!((before.withdrawing, before.paid_out), (3_000, 0), "approved is not paid");

    // The approved ones wait for their payment; the batch's reference is recorded for both.
    assert_eq!(b.count("input[type=checkbox][form=batch-pay]").await, 2);
    b.click(&format!("input[form=batch-pay][value='{first}']")).await;
    b.click(&format!("input[form=batch-pay][value='{second}']")).await;
    b.type_into("#batch-pay input[name=method]", "银行转账").await;
    b.type_into("#batch-pay input[name=reference]", "B20261203-77").await;
    b.click("#batch-pay button[type=submit]").await;
    eventually("the payment", Duration::from_secs(20), || async { (status(second).await == "paid").then_some(()) })
        .await;
    let w = app.store.withdrawal(first).await.unwrap();
    assert_eq!(
        (w.status.as_str(), w.payment_ref.as_deref(), w.paid_by.as_deref()),
        ("paid", Some("B20261203-77"), Some(ADMIN))
    );
    assert_eq!(
        app.store.ledger_balance(AccountKind::Member, member).await.unwrap(),
        Buckets { available: before.available, paid_out: 3_000, ..Buckets::default() }
    );
    eventually("the page after the payment", Duration::from_secs(20), || async {
        b.source().await.contains("已记录打款 2 笔").then_some(())
    })
    .await;
    let page = b.source().await;
    assert!(page.contains("已打款") && page.contains("B20261203-77"), "the history shows the payment");
    assert_eq!(b.count("input[type=checkbox][form=batch-pay]").await, 0, "nothing left to pay");
    assert_eq!(b.count("input[type=checkbox][form=batch-approve]").await, 1, "the third still waits");
}
