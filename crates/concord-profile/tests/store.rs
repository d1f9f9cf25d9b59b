//! The profile store through its public API: base rows, holdings, consent, duplicates, late
//! events and what a row refuses.

use concord_model::{Attributes, CustomerId, Event, EventId, EventKind, Timestamp, Value};
use concord_profile::{ApplyOutcome, CompiledSchema, ProfileStore, RowError};
use concord_strategy::Strategy;
use std::sync::Arc;

fn store() -> ProfileStore {
    let strategy = Strategy::from_files([
        ("strategy.yaml", "name: t\nversion: \"1\"\ndescription: d\n"),
        ("channels.yaml", "channels:\n  - {id: sms, name: S, direction: outbound, max_actions: 1}\n"),
        (
            "profile.yaml",
            "attributes:\n  segment: string\n  arpu: number\n  consent_sms: bool\nallowed_lateness: 2h\naggregates:\n  drops: {event: dropped_call, function: count}\n",
        ),
        (
            "actions/a.yaml",
            "issues: [{id: i, name: I, groups: [{id: g, name: G}]}]\nactions:\n  - {id: a, name: A, issue: i, group: g, kind: sales, value: 1, treatments: {sms: {text: t}}}\n",
        ),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"));
    ProfileStore::new(CompiledSchema::new(
        Arc::new(strategy.profile_schema().clone()),
        Arc::from(strategy.triggers().to_vec()),
    ))
}

/// In the past, so the wall clock does not cap the watermark.
const START: i64 = 1_700_000_000;

fn event(id: &str, second: i64, kind: EventKind) -> Event {
    Event {
        event_id: EventId::new(id),
        customer_id: CustomerId::new("c1"),
        time: Timestamp::from_second(START + second).unwrap_or(Timestamp::UNIX_EPOCH),
        kind,
    }
}

fn attrs(pairs: &[(&str, Value)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn base_rows_land_in_typed_columns_and_merge() {
    let store = store();
    let id = CustomerId::new("c1");
    let row = attrs(&[("segment", "prepaid".into()), ("arpu", Value::Num(12.5))]);
    assert!(store.upsert(&id, &row, &["roaming".into()]).is_empty());
    assert!(
        store
            .upsert(
                &id,
                &attrs(&[("arpu", Value::Num(14.0))]),
                &["data_5gb".into()]
            )
            .is_empty()
    );
    let profile = store.get(&id).expect("loaded");
    assert_eq!(
        profile.attributes.get("segment"),
        Some(&Value::from("prepaid"))
    );
    assert_eq!(profile.attributes.get("arpu"), Some(&Value::Num(14.0)));
    assert_eq!(
        profile.holdings.iter().collect::<Vec<_>>(),
        ["data_5gb", "roaming"]
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn rows_that_do_not_fit_the_schema_are_named() {
    let store = store();
    let id = CustomerId::new("c1");
    let cases = [
        (
            attrs(&[("arpu", "lots".into())]),
            "attribute `arpu`: expected a number, got a string",
        ),
        (
            attrs(&[("shoe_size", Value::Num(9.0))]),
            "attribute `shoe_size`: not declared in profile.yaml attributes",
        ),
    ];
    for (row, message) in cases {
        let err = store.check_row(&id, &row).expect_err("refused");
        assert_eq!(err.to_string(), message);
        // Applied anyway (a replay under a changed schema): the misfit is skipped and named.
        assert_eq!(
            store.upsert(&id, &row, &[]),
            vec![RowError {
                attribute: err.attribute.clone(),
                reason: err.reason.clone()
            }]
        );
    }
    assert_eq!(store.get(&id).map(|p| p.attributes.len()), Some(0));
}

#[test]
fn events_change_holdings_consent_and_aggregates_once() {
    let store = store();
    let kinds = [
        EventKind::ProductAdded {
            product: "roaming".into(),
        },
        EventKind::ProductAdded {
            product: "data_5gb".into(),
        },
        EventKind::ProductRemoved {
            product: "roaming".into(),
        },
        EventKind::ConsentChange {
            channel: "sms".into(),
            granted: false,
        },
        EventKind::DroppedCall { cell: "C1".into() },
    ];
    for (n, kind) in kinds.into_iter().enumerate() {
        let e = event(&format!("e{n}"), n as i64, kind);
        assert_eq!(store.apply(&e).0, ApplyOutcome::Applied);
        assert_eq!(store.apply(&e).0, ApplyOutcome::Duplicate);
    }
    let id = CustomerId::new("c1");
    let now = Timestamp::from_second(START + 10).expect("valid");
    let (profile, computed) = store
        .read(&id, |p| (p.view(), p.computed(now)))
        .expect("created by its first event");
    assert_eq!(profile.holdings.iter().collect::<Vec<_>>(), ["data_5gb"]);
    assert_eq!(
        profile.attributes.get("consent_sms"),
        Some(&Value::Bool(false))
    );
    assert_eq!(computed.get("drops"), Some(&Value::Num(1.0)));
    assert_eq!(
        profile.last_event_at,
        Timestamp::from_second(START + 4).ok()
    );
}

#[test]
fn an_event_older_than_the_allowed_lateness_is_refused() {
    let store = store();
    let drop =
        |id: &str, second: i64| event(id, second, EventKind::DroppedCall { cell: "C".into() });
    assert_eq!(store.apply(&drop("new", 10_000)).0, ApplyOutcome::Applied);
    assert_eq!(
        store.apply(&drop("an_hour_late", 10_000 - 3_600)).0,
        ApplyOutcome::Applied
    );
    assert!(matches!(
        store.apply(&drop("three_hours_late", 10_000 - 3 * 3_600)).0,
        ApplyOutcome::Late { .. }
    ));
    let now = Timestamp::from_second(START + 10_000).expect("valid");
    let drops = store
        .read(&CustomerId::new("c1"), |p| p.computed(now))
        .and_then(|c| c.get("drops").cloned());
    assert_eq!(drops, Some(Value::Num(2.0)));
}

/// `for_each` visits every customer once, with their own row: 500 customers spread over the
/// shards, each with an ARPU of its number.
#[test]
fn for_each_visits_every_customer_once() {
    let store = store();
    for i in 0..500 {
        let row = attrs(&[("arpu", Value::Num(f64::from(i)))]);
        assert!(
            store
                .upsert(&CustomerId::new(format!("c{i}")), &row, &[])
                .is_empty()
        );
    }
    let mut seen = std::collections::BTreeMap::new();
    store.for_each(|p| {
        let id = p.customer_id();
        let arpu = p.attribute("arpu");
        assert!(seen.insert(id.0.clone(), arpu).is_none(), "{id} twice");
    });
    assert_eq!(seen.len(), 500);
    for i in 0..500 {
        assert_eq!(seen[&format!("c{i}")], Value::Num(f64::from(i)), "c{i}");
    }
}
