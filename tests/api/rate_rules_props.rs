//! Property: random orders on three platforms, interleaved with rate rule changes (some scheduled ahead) and ends,
//! claims (an order moving to another member), refunds and withdrawals, at advancing times → every order's shares
//! add up to its commission exactly, no balance is ever negative, and each order's rates, rule ids and split are
//! what the rules in force at its first booking say. "What the rules say" is a model of the rules kept by this
//! test, resolved by its own code (most specific scope, then the latest version), not by the store's resolver.

use crate::helpers::TestDb;
use crate::ledger::{World, world};
use dealbot::ledger::rules::{self, Buckets, Holders, Phase, Rates};
use dealbot::money::{Bps, Fen};
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::ledger::{AccountKind, BookingConfig, RateScope, Share};
use dealbot::store::rate_rules::{AppliedRules, NewRateRule};
use dealbot::store::withdrawals::WithdrawalRequest;
use dealbot::store::{Store, StoreError};
use proptest::prelude::*;

const ORDERS: i64 = 8;
const DEFAULTS: Rates = Rates { rebate: Bps(4_333), partner: Bps(1_777), agent: Bps(555), agent2: Bps(0) };
const PLATFORMS: [Platform; 3] = [Platform::Pdd, Platform::Jd, Platform::Taobao];

#[derive(Debug, Clone)]
enum Event {
    /// A rule of share `share` at scope `scope` (see `scope_of`), effective now or a few events ahead.
    Rule { share: usize, scope: usize, bps: i64, ahead: bool },
    /// Ends the n-th rule made so far (modulo their number).
    End(usize),
    /// A status report of an order.
    Report(i64, Lifecycle, i64),
    /// Later reports of the order name this member (0 or 1): a claim.
    Claim(i64, usize),
    /// A member withdraws and an admin approves.
    Withdraw(usize, i64),
}

fn event() -> impl Strategy<Value = Event> {
    let lifecycle = prop::sample::select(vec![
        Lifecycle::Paid,
        Lifecycle::Received,
        Lifecycle::Settled,
        Lifecycle::Invalid,
        Lifecycle::Unpaid,
    ]);
    prop_oneof![
        3 => (0usize..3, 0usize..9, 0i64..4_000, any::<bool>())
            .prop_map(|(share, scope, bps, ahead)| Event::Rule { share, scope, bps, ahead }),
        1 => (0usize..16).prop_map(Event::End),
        6 => (1..=ORDERS, lifecycle, 0i64..5_000).prop_map(|(o, l, c)| Event::Report(o, l, c)),
        1 => (1..=ORDERS, 0usize..2).prop_map(|(o, m)| Event::Claim(o, m)),
        1 => (0usize..2, 50i64..2_000).prop_map(|(m, a)| Event::Withdraw(m, a)),
    ]
}

/// A rule as the model knows it.
#[derive(Debug, Clone)]
struct ModelRule {
    id: i64,
    share: Share,
    scope: RateScope,
    bps: Bps,
    from: i64,
    end: Option<i64>,
}

struct Model {
    world: World,
    members: [i64; 2],
    rules: Vec<ModelRule>,
    /// Per order: the member named by its reports, and when the ledger first booked it.
    member_of: Vec<Option<i64>>,
    booked_at: Vec<Option<i64>>,
}

impl Model {
    fn scope_of(&self, i: usize) -> RateScope {
        let w = &self.world;
        match i {
            0 => RateScope::Global,
            1..=3 => RateScope::Platform(PLATFORMS[i - 1].code().into()),
            4 => RateScope::Partner(w.partner),
            5 => RateScope::Partner(w.agent),
            6 => RateScope::Group(w.group),
            n => RateScope::Member(self.members[n - 7]),
        }
    }

    fn facts(&self, order: i64, lifecycle: Lifecycle, commission: i64) -> OrderFacts {
        // Orders 4 and 8 come from no group (no partner, no agent).
        let grouped = order % 4 != 0;
        OrderFacts {
            order_id: order,
            platform: PLATFORMS[(order % 3) as usize],
            order_key: format!("o-{order}"),
            lifecycle,
            commission: Fen(commission),
            paid_amount: Fen(commission * 7),
            group_id: grouped.then_some(self.world.group),
            partner_id: grouped.then_some(self.world.partner),
            member_id: self.member_of[order as usize],
            paid_at: Some(1_790_000_000),
        }
    }

    /// The rate and rule of `share` for an order booked at `at` with these holders, by the model.
    fn resolve(&self, share: Share, at: i64, platform: &str, group: Option<i64>, h: Holders) -> (Bps, Option<i64>) {
        let partner_key = if share == Share::Agent { h.agent } else { h.partner };
        let wanted = [
            h.member.map(RateScope::Member),
            group.map(RateScope::Group),
            partner_key.map(RateScope::Partner),
            Some(RateScope::Platform(platform.into())),
            Some(RateScope::Global),
        ];
        for scope in wanted.into_iter().flatten() {
            let best = self
                .rules
                .iter()
                .filter(|r| r.share == share && r.scope == scope && r.from <= at && r.end.is_none_or(|e| e > at))
                .max_by_key(|r| (r.from, r.id));
            if let Some(r) = best {
                return (r.bps, Some(r.id));
            }
        }
        let default = match share {
            Share::Rebate => DEFAULTS.rebate,
            Share::Partner => DEFAULTS.partner,
            Share::Agent => DEFAULTS.agent,
            Share::Agent2 => DEFAULTS.agent2,
        };
        (default, None)
    }
}

async fn run(store: &Store, events: &[Event]) {
    let w = world(store).await;
    let other = store.touch_member("wxid_other", None, Some(w.group), 1).await.unwrap();
    let members = [w.member, other];
    let mut member_of = vec![None; ORDERS as usize + 1];
    for o in 1..=ORDERS {
        // Order 7 starts without a member.
        member_of[o as usize] = (o != 7).then_some(members[(o % 2) as usize]);
    }
    let mut m = Model { world: w, members, rules: Vec::new(), member_of, booked_at: vec![None; ORDERS as usize + 1] };
    let cfg = BookingConfig { defaults: DEFAULTS, utc_offset_hours: 8 };
    let mut t = 1_000_000i64;
    for e in events {
        t += 1_000;
        match e {
            Event::Rule { share, scope, bps, ahead } => {
                let from = if *ahead { t + 2_500 } else { t };
                let rule = NewRateRule {
                    share: Share::ALL[*share],
                    scope: m.scope_of(*scope),
                    bps: Bps(*bps),
                    effective_from: from,
                };
                match store.create_rate_rule(&rule, DEFAULTS, "prop", t).await {
                    Ok(r) => {
                        assert_eq!(
                            (r.share, &r.scope, r.bps, r.effective_from),
                            (rule.share, &rule.scope, rule.bps, from)
                        );
                        for old in m.rules.iter_mut().filter(|o| o.share == rule.share && o.scope == rule.scope) {
                            if old.end.is_none() {
                                old.end = Some(old.from.max(from));
                            }
                        }
                        m.rules.push(ModelRule {
                            id: r.id,
                            share: r.share,
                            scope: r.scope,
                            bps: r.bps,
                            from,
                            end: None,
                        });
                    }
                    Err(StoreError::Conflict(_)) => {
                        // Refused as over 100 %: the rates at that scope must indeed add up to more with it.
                    }
                    Err(other) => panic!("{other}"),
                }
            }
            Event::End(n) => {
                if m.rules.is_empty() {
                    continue;
                }
                let i = n % m.rules.len();
                let open = m.rules[i].end.is_none_or(|e| e > t);
                let result = store.end_rate_rule(m.rules[i].id, t).await;
                assert_eq!(result.is_ok(), open, "ending rule {:?} at {t}: {result:?}", m.rules[i]);
                if open {
                    let end = m.rules[i].from.max(t);
                    m.rules[i].end = Some(end);
                    assert_eq!(result.unwrap().ended_at, Some(end));
                }
            }
            Event::Report(order, lifecycle, commission) => {
                let f = m.facts(*order, *lifecycle, *commission);
                store.book_orders(&[f], cfg, t).await.unwrap();
                if m.booked_at[*order as usize].is_none() && store.ledger_order(*order).await.unwrap().is_some() {
                    m.booked_at[*order as usize] = Some(t);
                }
            }
            Event::Claim(order, member) => m.member_of[*order as usize] = Some(m.members[*member]),
            Event::Withdraw(member, amount) => {
                if let WithdrawalRequest::Accepted { id, .. } =
                    store.request_withdrawal((AccountKind::Member, m.members[*member]), Fen(*amount), t).await.unwrap()
                {
                    store.approve_withdrawal(id, "admin", t).await.unwrap();
                    let paid = dealbot::store::withdrawals::Payment { method: "银行转账", reference: "B1" };
                    store.record_payment(id, &paid, "admin", 20_000, t).await.unwrap();
                }
            }
        }
        check(store, &m).await;
    }
}

async fn check(store: &Store, m: &Model) {
    let w = &m.world;
    let mut accounts =
        vec![(AccountKind::Operator, 0), (AccountKind::Partner, w.partner), (AccountKind::Agent, w.agent)];
    accounts.extend(m.members.iter().map(|id| (AccountKind::Member, *id)));
    for (kind, id) in accounts {
        let b: Buckets = store.ledger_balance(kind, id).await.unwrap();
        assert!(b.is_non_negative(), "{kind:?} {id}: {b:?}");
        assert_eq!(b, store.ledger_entries_sum(kind, id).await.unwrap(), "balance = entries for {kind:?} {id}");
    }
    for order in 1..=ORDERS {
        let Some(o) = store.ledger_order(order).await.unwrap() else { continue };
        let basis = o.commission_settled.unwrap_or(o.commission_estimated);
        assert_eq!(o.split.total(), basis, "shares add up to the commission of order {order}");
        for share in [o.split.rebate, o.split.partner, o.split.agent, o.split.operator] {
            assert!(share >= Fen(0), "{o:?}");
        }
        let at = m.booked_at[order as usize].expect("booked orders have a booking time");
        let (rebate, rebate_rule) = m.resolve(Share::Rebate, at, &o.platform, o.group_id, o.holders);
        let (partner, partner_rule) = m.resolve(Share::Partner, at, &o.platform, o.group_id, o.holders);
        let (agent, agent_rule) = m.resolve(Share::Agent, at, &o.platform, o.group_id, o.holders);
        assert_eq!(
            o.rates,
            Rates { rebate, partner, agent, agent2: DEFAULTS.agent2 },
            "order {order} booked at {at}: {:?}",
            m.rules
        );
        let applied = store.applied_rules(order).await.unwrap().unwrap();
        assert_eq!(
            applied,
            AppliedRules { rebate: rebate_rule, partner: partner_rule, agent: agent_rule, agent2: None }
        );
        if matches!(o.phase, Phase::Pending | Phase::Available) {
            assert_eq!(o.split, rules::split(basis, o.rates, o.holders), "order {order}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_order_is_split_by_the_rules_in_force_at_its_first_booking(
        events in prop::collection::vec(event(), 1..50)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for db in [TestDb::sqlite().await, TestDb::postgres().await] {
                run(&db.store().await, &events).await;
            }
        });
    }
}
