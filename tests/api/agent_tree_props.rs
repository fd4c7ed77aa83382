//! Property: random invite-tree joins (first invite wins, no cycles), agent level upgrades and downgrades, and
//! order reports (paid, settled, refunded) at advancing times → every order's shares (member, partner, agent,
//! second-level agent, operator) add up to its commission exactly, no balance is ever negative, each balance equals
//! its entries, and each order's holders and rates are what the tree and the levels in force at its first booking
//! say — by this test's own model of trees and levels, not by the store's resolver.

use crate::helpers::TestDb;
use dealbot::ledger::rules::{self, Buckets, Holders, Phase, Rates};
use dealbot::money::{Bps, Fen};
use dealbot::order::{Lifecycle, OrderFacts};
use dealbot::platform::Platform;
use dealbot::store::Store;
use dealbot::store::agent_levels::{AgentLevel, TreeJoin, Via};
use dealbot::store::agents::{AgentDecision, Applied};
use dealbot::store::ledger::{AccountKind, BookingConfig};
use proptest::prelude::*;
use std::collections::HashMap;

const ORDERS: i64 = 8;
const AGENTS: usize = 3;
const PLAIN: usize = 3;
const DEFAULTS: Rates = Rates { rebate: Bps(4_000), partner: Bps(1_500), agent: Bps(555), agent2: Bps(0) };

#[derive(Debug, Clone)]
enum Event {
    /// Person `who` (0..PLAIN: plain members, then the agents' own member records) types agent `agent`'s code.
    Join { who: usize, agent: usize },
    /// Agent `agent` moves to level `level` (index in tier order).
    Level { agent: usize, level: usize },
    /// A status report of an order.
    Report(i64, Lifecycle, i64),
}

fn event() -> impl Strategy<Value = Event> {
    let lifecycle =
        prop::sample::select(vec![Lifecycle::Paid, Lifecycle::Settled, Lifecycle::Invalid, Lifecycle::Received]);
    prop_oneof![
        3 => (0..PLAIN + AGENTS, 0..AGENTS).prop_map(|(who, agent)| Event::Join { who, agent }),
        2 => (0..AGENTS, 0usize..3).prop_map(|(agent, level)| Event::Level { agent, level }),
        6 => (1..=ORDERS, lifecycle, 0i64..6_000).prop_map(|(o, l, c)| Event::Report(o, l, c)),
    ]
}

struct Model {
    group: i64,
    partner: i64,
    /// Plain members, then the agents' member records.
    people: Vec<i64>,
    /// The agents' partner ids.
    agents: Vec<i64>,
    levels: Vec<AgentLevel>,
    /// member id → agent partner id.
    tree: HashMap<i64, i64>,
    /// Per agent: (from, level index), in time order.
    history: HashMap<i64, Vec<(i64, usize)>>,
    booked: HashMap<i64, (Holders, Rates)>,
}

impl Model {
    fn member_of(&self, order: i64) -> i64 {
        self.people[order as usize % self.people.len()]
    }

    /// The agent whose own member record `member` is.
    fn agent_of_member(&self, member: i64) -> Option<i64> {
        self.people[PLAIN..].iter().position(|p| *p == member).map(|i| self.agents[i])
    }

    /// Whether `member` joining `agent`'s tree would close a cycle (or is the agent's own code).
    fn refused(&self, member: i64, agent: i64) -> bool {
        let Some(own) = self.agent_of_member(member) else { return false };
        let mut at = agent;
        let mut seen = 0;
        loop {
            if at == own {
                return true;
            }
            let me = self.people[PLAIN + self.agents.iter().position(|x| *x == at).unwrap()];
            match self.tree.get(&me) {
                Some(up) if *up != at && seen < 64 => {
                    at = *up;
                    seen += 1;
                }
                _ => return false,
            }
        }
    }

    fn level_at(&self, agent: i64, at: i64) -> Option<&AgentLevel> {
        let h = self.history.get(&agent)?;
        h.iter().rev().find(|(from, _)| *from <= at).map(|(_, i)| &self.levels[*i])
    }

    fn expected(&self, member: i64, at: i64) -> (Holders, Rates) {
        let agent = self.tree.get(&member).copied();
        let agent2 = agent.and_then(|a| self.agent_of_member_record(a)).filter(|up| Some(*up) != agent);
        let rates = Rates {
            rebate: DEFAULTS.rebate,
            partner: DEFAULTS.partner,
            agent: agent.and_then(|a| self.level_at(a, at)).map_or(DEFAULTS.agent, |l| Bps(l.share_bps)),
            agent2: agent2.and_then(|a| self.level_at(a, at)).map_or(DEFAULTS.agent2, |l| Bps(l.second_bps)),
        };
        (Holders { member: Some(member), partner: Some(self.partner), agent, agent2 }, rates)
    }

    /// The agent whose tree agent `agent`'s own member record is in.
    fn agent_of_member_record(&self, agent: i64) -> Option<i64> {
        let me = self.people[PLAIN + self.agents.iter().position(|x| *x == agent)?];
        self.tree.get(&me).copied()
    }

    fn facts(&self, order: i64, lifecycle: Lifecycle, commission: i64) -> OrderFacts {
        OrderFacts {
            order_id: order,
            platform: Platform::ALL[order as usize % 3],
            order_key: format!("t-{order}"),
            lifecycle,
            commission: Fen(commission),
            paid_amount: Fen(commission * 9),
            group_id: Some(self.group),
            partner_id: Some(self.partner),
            member_id: Some(self.member_of(order)),
            paid_at: Some(1_790_000_000),
        }
    }
}

async fn setup(store: &Store) -> Model {
    let r = store.upsert_robot("r1", "wx_app", "wxid_bot", "小助手", 1).await.unwrap();
    let group = store.ensure_group(r.id, "tree@chatroom", true, 1).await.unwrap().id;
    let partner = store.create_partner("群主", Some("wxid_tree_owner"), None, 1).await.unwrap();
    store.set_group_partner(group, Some(partner), 1).await.unwrap();
    let levels = store.agent_levels().await.unwrap();
    assert_eq!(levels.len(), 3, "the three levels of the migration");
    let mut people = Vec::new();
    for i in 0..PLAIN {
        people.push(store.touch_member(&format!("wxid_plain_{i}"), None, Some(group), 1).await.unwrap());
    }
    let mut agents = Vec::new();
    let mut history = HashMap::new();
    for i in 0..AGENTS {
        let wxid = format!("wxid_tree_agent_{i}");
        let member = store.touch_member(&wxid, Some("代理"), Some(group), 1).await.unwrap();
        let Applied::Recorded(app) = store.apply_for_agent(member, "想做代理", 1).await.unwrap() else { panic!() };
        let partner_id = store.ensure_partner(&wxid, "代理", 1).await.unwrap();
        let level = &levels[i % levels.len()];
        let d = AgentDecision::Approve {
            level_id: level.id,
            level: level.name.clone(),
            partner_id,
            invite_code: format!("TREE{i:04}"),
        };
        store.decide_agent_application(app, &d, "admin", 1).await.unwrap();
        people.push(member);
        agents.push(partner_id);
        history.insert(partner_id, vec![(1, i % levels.len())]);
    }
    Model { group, partner, people, agents, levels, tree: HashMap::new(), history, booked: HashMap::new() }
}

async fn run(store: &Store, events: &[Event]) {
    let mut m = setup(store).await;
    let cfg = BookingConfig { defaults: DEFAULTS, utc_offset_hours: 8 };
    let mut t = 1_000_000i64;
    for e in events {
        t += 1_000;
        match e {
            Event::Join { who, agent } => {
                let (member, agent) = (m.people[*who], m.agents[*agent]);
                let got = store.join_agent_tree(member, agent, Via::Code, t).await.unwrap();
                let want = match m.tree.get(&member) {
                    Some(a) => TreeJoin::AlreadyIn { agent_id: *a },
                    None if m.agent_of_member(member) == Some(agent) => TreeJoin::OwnCode,
                    None if m.refused(member, agent) => TreeJoin::Cycle,
                    None => TreeJoin::Joined { agent_id: agent },
                };
                assert_eq!(got, want, "{member} joins {agent}: tree {:?}", m.tree);
                if let TreeJoin::Joined { .. } = got {
                    m.tree.insert(member, agent);
                }
            }
            Event::Level { agent, level } => {
                let partner = m.agents[*agent];
                let current = m.history[&partner].last().unwrap().1;
                let changed = store.change_agent_level(partner, m.levels[*level].id, "test", t).await.unwrap();
                assert_eq!(changed, current != *level);
                if changed {
                    m.history.get_mut(&partner).unwrap().push((t, *level));
                }
            }
            Event::Report(order, lifecycle, commission) => {
                let f = m.facts(*order, *lifecycle, *commission);
                store.book_orders(&[f], cfg, t).await.unwrap();
                if !m.booked.contains_key(order) && store.ledger_order(*order).await.unwrap().is_some() {
                    let expected = m.expected(m.member_of(*order), t);
                    m.booked.insert(*order, expected);
                }
            }
        }
        check(store, &m).await;
    }
}

async fn check(store: &Store, m: &Model) {
    let mut accounts = vec![(AccountKind::Operator, 0), (AccountKind::Partner, m.partner)];
    accounts.extend(m.agents.iter().map(|a| (AccountKind::Agent, *a)));
    accounts.extend(m.people.iter().map(|p| (AccountKind::Member, *p)));
    for (kind, id) in accounts {
        let b: Buckets = store.ledger_balance(kind, id).await.unwrap();
        assert!(b.is_non_negative(), "{kind:?} {id}: {b:?}");
        assert_eq!(b, store.ledger_entries_sum(kind, id).await.unwrap(), "balance = entries for {kind:?} {id}");
    }
    for order in 1..=ORDERS {
        let Some(o) = store.ledger_order(order).await.unwrap() else { continue };
        let basis = o.commission_settled.unwrap_or(o.commission_estimated);
        assert_eq!(o.split.total(), basis, "shares add up to the commission of order {order}");
        let (holders, rates) = m.booked[&order];
        assert_eq!(o.holders, holders, "order {order}: holders by the tree at its booking");
        assert_eq!(o.rates, rates, "order {order}: rates by the levels at its booking");
        if matches!(o.phase, Phase::Pending | Phase::Available) {
            assert_eq!(o.split, rules::split(basis, rates, holders), "order {order}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_order_is_split_by_the_tree_and_the_levels_in_force_at_its_first_booking(
        events in prop::collection::vec(event(), 1..60)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for db in [TestDb::sqlite().await, TestDb::postgres().await] {
                run(&db.store().await, &events).await;
            }
        });
    }
}
