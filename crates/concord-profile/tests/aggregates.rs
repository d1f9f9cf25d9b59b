//! Windowed aggregates against a brute-force recomputation over the raw events, for random
//! out-of-order streams with duplicates.

use concord_model::{CustomerId, Event, EventId, EventKind, Timestamp, Value};
use concord_profile::{ApplyOutcome, CompiledSchema, ProfileStore, last_tiebreak};
use concord_strategy::{AggFn, AggregateSpec, RuleEnv, Strategy as StrategyFolder, Var};
use proptest::prelude::*;
use std::sync::Arc;

const PROFILE: &str = "attributes:
  segment: string
allowed_lateness: 30d
aggregates:
  drops_24h: {event: dropped_call, function: count, window: 24h}
  drop_cells_7d: {event: dropped_call, function: distinct, field: cell, window: 7d, bucket: 6h}
  drops_ever: {event: dropped_call, function: count}
  recharge_sum_7d: {event: recharge, function: sum, field: amount, window: 7d, bucket: 1d}
  recharge_min_3d: {event: recharge, function: min, field: amount, window: 3d}
  recharge_max_3d: {event: recharge, function: max, field: amount, window: 3d}
  last_recharge: {event: recharge, function: last, field: amount}
  last_recharge_channel_2d: {event: recharge, function: last, field: channel, window: 2d, bucket: 1h}
  ussd_recharges_30m: {event: recharge, function: count, window: 30m, where: \"event.channel == 'ussd'\"}
  billing_contacts_7d:
    event: care_contact
    function: count
    window: 7d
    where: \"event.reason == 'billing' && customer.segment == 'prepaid'\"
derived:
  drops_and_contacts: \"customer.drops_24h + customer.billing_contacts_7d\"
";

const TRIGGERS: &str = "triggers:
  - {id: drops, when: \"customer.drops_24h >= 3\", channel: ussd, cooldown: 2d}
  - {id: contacts, when: \"customer.drops_and_contacts >= 5\", channel: ussd, cooldown: 1h}
";

fn schema() -> CompiledSchema {
    let strategy = StrategyFolder::from_files([
        ("strategy.yaml", "name: t\nversion: \"1\"\ndescription: d\n"),
        ("channels.yaml", "channels:\n  - {id: ussd, name: U, direction: inbound, max_actions: 1}\n"),
        ("profile.yaml", PROFILE),
        ("triggers.yaml", TRIGGERS),
        (
            "actions/a.yaml",
            "issues: [{id: i, name: I, groups: [{id: g, name: G}]}]\nactions:\n  - {id: a, name: A, issue: i, group: g, kind: sales, value: 1, treatments: {ussd: {text: t}}}\n",
        ),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"));
    CompiledSchema::new(
        Arc::new(strategy.profile_schema().clone()),
        Arc::from(strategy.triggers().to_vec()),
    )
}

const START: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn event(n: u32, minute: i64, kind: EventKind) -> Event {
    Event {
        event_id: EventId::new(format!("e{n}")),
        customer_id: CustomerId::new("c1"),
        time: Timestamp::from_millisecond(START + minute * 60_000).expect("valid time"),
        kind,
    }
}

fn arbitrary_kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        (0u8..4).prop_map(|c| EventKind::DroppedCall {
            cell: format!("C{c}")
        }),
        (1u32..200, prop::bool::ANY).prop_map(|(a, ussd)| EventKind::Recharge {
            amount: f64::from(a) / 4.0,
            channel: if ussd { "ussd".into() } else { "app".into() },
        }),
        prop::bool::ANY.prop_map(|billing| EventKind::CareContact {
            channel: "call".into(),
            reason: if billing {
                "billing".into()
            } else {
                "network".into()
            },
        }),
    ]
}

/// Events over ten days, with some ids repeated (exact duplicates), in random order.
fn arbitrary_stream() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0i64..14_400, arbitrary_kind()), 1..60)
        .prop_flat_map(|drawn| {
            let events: Vec<Event> = drawn
                .into_iter()
                .enumerate()
                .map(|(n, (minute, kind))| event(n as u32, minute, kind))
                .collect();
            let n = events.len();
            (Just(events), prop::collection::vec(0..n, 0..10))
        })
        .prop_map(|(mut events, repeats)| {
            let copies: Vec<Event> = repeats.iter().map(|&i| events[i].clone()).collect();
            events.extend(copies);
            events
        })
        .prop_shuffle()
}

/// The definition, computed the slow way: every distinct event, filtered and windowed.
fn brute_force(spec: &AggregateSpec, events: &[Event], segment: &str, now_ms: i64) -> Value {
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::new();
    for e in events {
        if e.kind.event_type() != spec.event || !seen.insert(e.event_id.clone()) {
            continue;
        }
        let t = e.time.as_millisecond();
        // The window at `now`: from the start of the bucket N-1 before now's, to the end of now's.
        if let Some(w) = spec.window {
            let end = (now_ms.div_euclid(w.bucket_ms) + 1) * w.bucket_ms;
            let start = end - w.length_ms;
            if t < start || t >= end {
                continue;
            }
        }
        if let Some(filter) = &spec.filter {
            let env = |var: &Var| match var {
                Var::EventField(name) => e.kind.field(name),
                Var::Attribute { name, .. } if name == "segment" => Value::from(segment),
                _ => Value::Null,
            };
            if !filter.eval_bool(&env as &dyn RuleEnv).unwrap_or(false) {
                continue;
            }
        }
        let field = spec
            .field
            .as_deref()
            .map_or(Value::Null, |f| e.kind.field(f));
        values.push((t, e.event_id.0.clone(), field));
    }
    let nums = || values.iter().filter_map(|(_, _, v)| v.as_f64());
    match spec.function {
        AggFn::Count => Value::Num(values.len() as f64),
        AggFn::Sum => Value::Num(nums().fold(0.0, |a, b| a + b)),
        AggFn::Min => nums().reduce(f64::min).map_or(Value::Null, Value::Num),
        AggFn::Max => nums().reduce(f64::max).map_or(Value::Null, Value::Num),
        // Ties at one millisecond: a hash of the event id decides.
        AggFn::Last => values
            .iter()
            .max_by_key(|(t, id, _)| (*t, last_tiebreak(&EventId::new(id.as_str()))))
            .map_or(Value::Null, |(_, _, v)| v.clone()),
        AggFn::Distinct => {
            let set: std::collections::BTreeSet<String> =
                values.iter().map(|(_, _, v)| v.to_string()).collect();
            Value::Num(set.len() as f64)
        }
    }
}

fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // Nothing counted or summed is 0, never -0 (which a JSON answer would show).
        (Value::Num(x), Value::Num(y)) if *x == 0.0 && *y == 0.0 => x.to_bits() == y.to_bits(),
        (Value::Num(x), Value::Num(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn aggregates_equal_brute_force(events in arbitrary_stream(), now_minute in 0i64..17_280, prepaid in prop::bool::ANY) {
        let store = ProfileStore::new(schema());
        let segment = if prepaid { "prepaid" } else { "postpaid" };
        let id = CustomerId::new("c1");
        store.upsert(&id, &[("segment".to_owned(), Value::from(segment))].into_iter().collect(), &[]);
        for e in &events {
            store.apply(e);
        }
        // Reads stay exact from one window before the newest event onwards.
        let newest = events.iter().map(|e| e.time.as_millisecond()).max().unwrap_or(START);
        let now_ms = START + now_minute * 60_000;
        let now = Timestamp::from_millisecond(now_ms).expect("valid time");
        let schema = store.schema();
        for (index, spec) in schema.aggregates().iter().enumerate() {
            if spec.window.is_some_and(|w| now_ms < newest - w.length_ms) {
                continue;
            }
            let got = store.read(&id, |p| p.aggregate(index, now)).expect("known customer");
            let want = brute_force(spec, &events, segment, now_ms);
            prop_assert!(close(&got, &want), "{} at +{now_minute}m: got {got}, want {want}", spec.name);
        }
        let derived = store.read(&id, |p| p.computed(now)).expect("known customer");
        let sum = |name: &str| derived.get(name).and_then(Value::as_f64).unwrap_or(f64::NAN);
        prop_assert_eq!(sum("drops_and_contacts"), sum("drops_24h") + sum("billing_contacts_7d"));
    }

    #[test]
    fn applying_a_stream_twice_equals_applying_it_once(events in arbitrary_stream(), now_minute in 0i64..17_280) {
        let once = ProfileStore::new(schema());
        let twice = ProfileStore::new(schema());
        for e in &events {
            once.apply(e);
        }
        for e in events.iter().chain(&events) {
            twice.apply(e);
        }
        let now = Timestamp::from_millisecond(START + now_minute * 60_000).expect("valid time");
        let id = CustomerId::new("c1");
        let view = |s: &ProfileStore| s.read(&id, |p| (p.view(), p.computed(now), p.trigger_history()));
        prop_assert_eq!(view(&once), view(&twice));
    }
}

#[test]
fn windows_slide_with_the_clock_and_late_events_land_in_place() {
    let store = ProfileStore::new(schema());
    let id = CustomerId::new("c1");
    let drops = |s: &ProfileStore, hour: i64| {
        let now = Timestamp::from_millisecond(START + hour * HOUR).expect("valid time");
        s.read(&id, |p| p.aggregate(0, now))
            .expect("known customer")
    };
    store.apply(&event(
        1,
        10 * 60,
        EventKind::DroppedCall { cell: "A".into() },
    ));
    store.apply(&event(
        2,
        20 * 60,
        EventKind::DroppedCall { cell: "A".into() },
    ));
    assert_eq!(drops(&store, 20), Value::Num(2.0));
    assert_eq!(
        drops(&store, 34),
        Value::Num(1.0),
        "the 10h event left the 24h window at 34h"
    );
    assert_eq!(drops(&store, 44), Value::Num(0.0));
    // A late event, two hours after the fact, counts where it happened.
    store.apply(&event(
        3,
        19 * 60,
        EventKind::DroppedCall { cell: "B".into() },
    ));
    assert_eq!(drops(&store, 21), Value::Num(3.0));
    assert_eq!(drops(&store, 43), Value::Num(1.0));
    let ever = store
        .schema()
        .aggregates()
        .iter()
        .position(|a| a.name == "drops_ever")
        .expect("declared");
    assert_eq!(
        store
            .read(&id, |p| p.aggregate(
                ever,
                Timestamp::from_millisecond(START).expect("t")
            ))
            .expect("known customer"),
        Value::Num(3.0)
    );
}

#[test]
fn triggers_fire_once_per_cooldown_in_event_time() {
    let store = ProfileStore::new(schema());
    let fired = |s: &ProfileStore, n: u32, hour: i64| {
        let e = event(n, hour * 60, EventKind::DroppedCall { cell: "A".into() });
        let (outcome, fires) = s.apply(&e);
        assert_eq!(outcome, ApplyOutcome::Applied);
        fires.into_iter().map(|f| f.trigger).collect::<Vec<_>>()
    };
    assert!(fired(&store, 1, 0).is_empty());
    assert!(fired(&store, 2, 1).is_empty());
    assert_eq!(
        fired(&store, 3, 2),
        ["drops"],
        "the third drop in 24h fires"
    );
    assert!(fired(&store, 4, 3).is_empty(), "inside the 2-day cool-down");
    assert_eq!(
        fired(&store, 5, 4),
        ["contacts"],
        "five drops: the derived rule's trigger"
    );
    for (n, hour) in [(6, 60), (7, 61)] {
        assert!(fired(&store, n, hour).is_empty());
    }
    assert_eq!(
        fired(&store, 8, 62),
        ["drops"],
        "after the cool-down, three new drops fire again"
    );
    let history = store
        .read(&CustomerId::new("c1"), |p| p.trigger_history())
        .expect("known customer");
    assert_eq!(history.len(), 2);
}
