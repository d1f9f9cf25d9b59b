//! A restored store reads and behaves exactly like the one it was dumped from.

use crate::support::{assert_same, customer, dump, event, feed, product, restore, row, schema};
use concord_model::{Event, EventKind};
use concord_profile::ProfileStore;
use proptest::prelude::*;

const CUSTOMERS: usize = 12;
const PRODUCTS: usize = 70;

/// A store with base rows (more than 64 products, so some holdings live past the bitset),
/// every aggregate fed and triggers fired; returns it with the events it was fed.
fn populated() -> (ProfileStore, Vec<Event>) {
    let store = ProfileStore::new(schema());
    for n in 0..CUSTOMERS {
        let holdings: Vec<String> = (0..PRODUCTS)
            .filter(|p| p % (n + 2) == 0 || p % CUSTOMERS == n)
            .map(product)
            .collect();
        let segment = if n % 2 == 0 { "prepaid" } else { "postpaid" };
        let tags: &[&str] = if n % 3 == 0 { &["vip", "roamer"] } else { &[] };
        assert!(
            store
                .upsert(
                    &customer(n),
                    &row(segment, n as f64 * 1.5, n % 4 == 0, tags),
                    &holdings
                )
                .is_empty()
        );
    }
    let mut events = Vec::new();
    for n in 0..CUSTOMERS {
        for k in 0..6 {
            let minute = (n as i64) * 7 + k * 50;
            events.push(event(
                &format!("d{n}-{k}"),
                n,
                minute,
                EventKind::DroppedCall {
                    cell: format!("C{}", k % 3),
                },
            ));
            events.push(event(
                &format!("r{n}-{k}"),
                n,
                minute + 3,
                EventKind::Recharge {
                    amount: 10.0 * (k as f64 + 1.0),
                    channel: if k % 2 == 0 {
                        "ussd".into()
                    } else {
                        "app".into()
                    },
                },
            ));
        }
        events.push(event(
            &format!("c{n}"),
            n,
            400,
            EventKind::CareContact {
                channel: "call".into(),
                reason: "billing".into(),
            },
        ));
        events.push(event(
            &format!("pa{n}"),
            n,
            401,
            EventKind::ProductAdded {
                product: product(66 + n % 4),
            },
        ));
        events.push(event(
            &format!("pr{n}"),
            n,
            402,
            EventKind::ProductRemoved {
                product: product(0),
            },
        ));
        events.push(event(
            &format!("cs{n}"),
            n,
            403,
            EventKind::ConsentChange {
                channel: "sms".into(),
                granted: n % 2 == 0,
            },
        ));
    }
    let mut fired = 0;
    for (position, e) in events.iter().enumerate() {
        fired += feed(&store, e, position as u64).1.len();
    }
    assert!(fired > CUSTOMERS, "the fixture fires triggers ({fired})");
    (store, events)
}

fn later_events() -> Vec<Event> {
    let mut events = Vec::new();
    for n in 0..CUSTOMERS + 2 {
        for k in 0..4 {
            events.push(event(
                &format!("late-d{n}-{k}"),
                n,
                500 + k * 20,
                EventKind::DroppedCall { cell: "C9".into() },
            ));
        }
        events.push(event(
            &format!("late-r{n}"),
            n,
            560,
            EventKind::Recharge {
                amount: 55.0,
                channel: "app".into(),
            },
        ));
        events.push(event(
            &format!("late-p{n}"),
            n,
            561,
            EventKind::ProductAdded {
                product: product(69),
            },
        ));
    }
    events
}

#[test]
fn a_restored_store_reads_and_behaves_the_same() {
    let (store, events) = populated();
    let snapshot = dump(&store);
    let (restored, dropped) = restore(schema(), &snapshot);
    assert_eq!(
        dropped,
        Default::default(),
        "nothing dropped under the same schema"
    );
    let ids = || (0..CUSTOMERS + 2).map(customer);
    assert_same(&store, &restored, ids());
    assert!(store.stats().aggregate_cells > 0 && store.stats().products > 64);

    let again = crate::support::dump(&restored);
    assert_eq!(
        again.shards, snapshot.shards,
        "a restored shard dumps to the same bytes"
    );
    assert_eq!(again.symbols, snapshot.symbols);

    // Duplicates stay duplicates, late stays late, and new events land the same (cool-downs too).
    let offset = events.len() as u64;
    for (i, e) in events.iter().chain(&later_events()).enumerate() {
        let position = offset + i as u64;
        assert_eq!(
            feed(&store, e, position),
            feed(&restored, e, position),
            "event {}",
            e.event_id.0
        );
    }
    let too_late = event(
        "ancient",
        0,
        -5 * 24 * 60,
        EventKind::DroppedCall { cell: "C0".into() },
    );
    assert_eq!(feed(&store, &too_late, 0), feed(&restored, &too_late, 0));
    assert_same(&store, &restored, ids());
}

#[test]
fn an_empty_store_round_trips() {
    let store = ProfileStore::new(schema());
    let (restored, _) = restore(schema(), &dump(&store));
    assert!(restored.is_empty());
    assert_eq!(restored.stats(), store.stats());
    assert_eq!(restored.watermark(), None);
}

#[test]
fn shard_of_places_every_customer() {
    let (store, _) = populated();
    let snapshot = dump(&store);
    for n in 0..CUSTOMERS {
        let id = customer(n);
        let index = store.shard_of(&id);
        assert!(index < store.shard_count());
        let only = ProfileStore::new(schema());
        only.restore_symbols(&snapshot.symbols).expect("symbols");
        only.restore_shard(index, &snapshot.shards[index])
            .expect("shard");
        assert!(only.contains(&id), "{id:?} is in shard {index}");
    }
}

#[derive(Debug, Clone)]
enum Op {
    Row {
        who: usize,
        prepaid: bool,
        arpu: u8,
        products: Vec<usize>,
    },
    Event(Event),
}

fn arbitrary_kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        (0u8..4).prop_map(|c| EventKind::DroppedCall {
            cell: format!("C{c}")
        }),
        (1u32..200, any::<bool>()).prop_map(|(a, ussd)| EventKind::Recharge {
            amount: f64::from(a) / 4.0,
            channel: if ussd { "ussd".into() } else { "app".into() },
        }),
        any::<bool>().prop_map(|billing| EventKind::CareContact {
            channel: "call".into(),
            reason: if billing {
                "billing".into()
            } else {
                "network".into()
            },
        }),
        (0..PRODUCTS).prop_map(|p| EventKind::ProductAdded {
            product: product(p)
        }),
        (0..PRODUCTS).prop_map(|p| EventKind::ProductRemoved {
            product: product(p)
        }),
        any::<bool>().prop_map(|granted| EventKind::ConsentChange {
            channel: "sms".into(),
            granted
        }),
    ]
}

/// Base rows and events for a few customers over ten days, some event ids repeated.
fn arbitrary_ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        1 => (0usize..6, any::<bool>(), any::<u8>(), prop::collection::vec(0..PRODUCTS, 0..4))
            .prop_map(|(who, prepaid, arpu, products)| Op::Row { who, prepaid, arpu, products }),
        6 => (0usize..6, 0i64..14_400, 0u32..40, arbitrary_kind())
            .prop_map(|(who, minute, id, kind)| Op::Event(event(&format!("e{id}"), who, minute, kind))),
    ];
    prop::collection::vec(op, 1..80)
}

fn run(store: &ProfileStore, ops: &[Op], first_position: u64) -> Vec<String> {
    ops.iter()
        .enumerate()
        .map(|(i, op)| match op {
            Op::Row {
                who,
                prepaid,
                arpu,
                products,
            } => {
                let segment = if *prepaid { "prepaid" } else { "postpaid" };
                let holdings: Vec<String> = products.iter().map(|&p| product(p)).collect();
                let problems = store.upsert(
                    &customer(*who),
                    &row(segment, f64::from(*arpu), false, &[segment]),
                    &holdings,
                );
                format!("{problems:?}")
            }
            Op::Event(e) => format!("{:?}", feed(store, e, first_position + i as u64)),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_streams_restore_to_equal_reads_and_behaviour(before in arbitrary_ops(), after in arbitrary_ops()) {
        let store = ProfileStore::new(schema());
        run(&store, &before, 0);
        let snapshot = dump(&store);
        let (restored, _) = restore(schema(), &snapshot);
        assert_same(&store, &restored, (0..6).map(customer));
        prop_assert_eq!(run(&store, &after, 1_000), run(&restored, &after, 1_000));
        assert_same(&store, &restored, (0..6).map(customer));
    }
}
