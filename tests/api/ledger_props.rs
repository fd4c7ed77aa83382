//! Property: random status reports for random orders, reordered and re-delivered, interleaved with withdrawals,
//! never make a balance negative, always split a commission exactly, keep the money conserved, and end in the same
//! state as the same reports delivered once.

use crate::helpers::TestDb;
use crate::ledger::{World, facts, world};
use dealbot::config::LedgerSettings;
use dealbot::ledger::Ledger;
use dealbot::ledger::rules::{Buckets, Phase};
use dealbot::money::Fen;
use dealbot::order::Lifecycle;
use dealbot::store::Store;
use dealbot::store::ledger::AccountKind;
use dealbot::store::withdrawals::WithdrawalRequest;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Event {
    /// A status report: order index, lifecycle, commission.
    Report(i64, Lifecycle, i64),
    /// The member (0 or 1) withdraws and an admin approves.
    Withdraw(usize, i64),
}

fn lifecycle() -> impl Strategy<Value = Lifecycle> {
    prop::sample::select(vec![
        Lifecycle::Unpaid,
        Lifecycle::Paid,
        Lifecycle::Received,
        Lifecycle::Settled,
        Lifecycle::Invalid,
        Lifecycle::Unknown,
    ])
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => (1i64..=6, lifecycle(), 0i64..5_000).prop_map(|(o, l, c)| Event::Report(o, l, c)),
        1 => (0usize..2, 100i64..2_000).prop_map(|(m, a)| Event::Withdraw(m, a)),
    ]
}

/// The base sequence and a copy with reports re-delivered at later positions.
fn sequences() -> impl Strategy<Value = (Vec<Event>, Vec<Event>)> {
    prop::collection::vec(event(), 1..40).prop_flat_map(|base| {
        let n = base.len();
        let dups = prop::collection::vec((0..n, 0..=n), 0..20);
        (Just(base), dups).prop_map(|(base, dups)| {
            // Each duplicate (from, to): the report at `from` is delivered again right before position `to`
            // (when that is later than `from`).
            let mut with_dups: Vec<(usize, Event)> =
                base.iter().cloned().enumerate().map(|(i, e)| (2 * i + 1, e)).collect();
            for (from, to) in dups {
                if let Event::Report(..) = base[from]
                    && to > from
                {
                    with_dups.push((2 * to, base[from].clone()));
                }
            }
            with_dups.sort_by_key(|(pos, _)| *pos);
            (base, with_dups.into_iter().map(|(_, e)| e).collect())
        })
    })
}

struct Setup {
    store: Store,
    ledger: Ledger,
    world: World,
    members: [i64; 2],
}

async fn setup(db: &TestDb) -> Setup {
    let store = db.store().await;
    let world = world(&store).await;
    let other = store.touch_member("wxid_other", None, Some(world.group), 1).await.unwrap();
    let settings = LedgerSettings {
        rebate_bps: 4_333,
        partner_bps: 1_777,
        agent_bps: 555,
        min_withdrawal_fen: 1,
        ..LedgerSettings::default()
    };
    let ledger = Ledger::with_settings(store.clone(), settings, 8);
    let members = [world.member, other];
    Setup { store, ledger, world, members }
}

/// Every account and every booked order, for comparing two runs.
async fn snapshot(s: &Setup) -> (Vec<Buckets>, Vec<String>) {
    let mut accounts =
        vec![(AccountKind::Operator, 0), (AccountKind::Partner, s.world.partner), (AccountKind::Agent, s.world.agent)];
    accounts.extend(s.members.iter().map(|m| (AccountKind::Member, *m)));
    let mut balances = Vec::new();
    for (k, id) in accounts {
        let b = s.store.ledger_balance(k, id).await.unwrap();
        assert!(b.is_non_negative(), "{k:?} {id}: {b:?}");
        assert_eq!(b, s.store.ledger_entries_sum(k, id).await.unwrap(), "balance = entries for {k:?} {id}");
        balances.push(b);
    }
    let mut orders = Vec::new();
    let (mut pending, mut settled) = (0, 0);
    for id in 1..=6 {
        if let Some(o) = s.store.ledger_order(id).await.unwrap() {
            let commission = o.commission_settled.unwrap_or(o.commission_estimated);
            assert_eq!(o.split.total(), commission, "shares add up to the commission of order {id}");
            for share in [o.split.rebate, o.split.partner, o.split.agent, o.split.operator] {
                assert!(share >= Fen(0));
            }
            match o.phase {
                Phase::Pending => pending += o.split.total().0,
                Phase::Available => settled += o.split.total().0,
                Phase::Reversed | Phase::ClawedBack => {}
            }
            orders.push(format!("{o:?}"));
        }
    }
    // Conservation: what is pending is the split of pending orders; what was credited (available, being withdrawn,
    // paid out, less debt) is the split of settled orders.
    let total = balances.iter().fold(Buckets::default(), |a, b| a.plus(*b));
    assert_eq!(total.pending, pending);
    assert_eq!(total.available + total.withdrawing + total.paid_out - total.debt, settled);
    (balances, orders)
}

async fn run(s: &Setup, events: &[Event]) {
    for e in events {
        match e {
            Event::Report(order, lifecycle, commission) => {
                let mut f = facts(&s.world, *order, *lifecycle, *commission);
                // Orders alternate between the two members; order 5 has no partner, order 6 no member.
                f.member_id = if *order == 6 { None } else { Some(s.members[(*order % 2) as usize]) };
                if *order == 5 {
                    f.partner_id = None;
                }
                s.ledger.apply(&f).await.unwrap();
            }
            Event::Withdraw(m, amount) => {
                if let WithdrawalRequest::Accepted { id, .. } =
                    s.ledger.request_withdrawal(s.members[*m], Fen(*amount)).await.unwrap()
                {
                    s.ledger.decide_withdrawal(id, true, "admin", "").await.unwrap();
                    let paid = dealbot::store::withdrawals::Payment { method: "银行转账", reference: "B1" };
                    s.ledger.record_payment(id, &paid, "admin").await.unwrap();
                }
            }
        }
        let b = s.store.ledger_balance(AccountKind::Member, s.members[0]).await.unwrap();
        assert!(b.is_non_negative());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn reports_in_any_order_with_repeats_keep_the_books_right((base, with_dups) in sequences()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (db_a, db_b) = (TestDb::sqlite().await, TestDb::sqlite().await);
            let (a, b) = (setup(&db_a).await, setup(&db_b).await);
            run(&a, &base).await;
            run(&b, &with_dups).await;
            let (snap_a, snap_b) = (snapshot(&a).await, snapshot(&b).await);
            assert_eq!(snap_a.0, snap_b.0, "balances do not depend on re-deliveries");
            assert_eq!(snap_a.1, snap_b.1, "orders do not depend on re-deliveries");
        });
    }
}
