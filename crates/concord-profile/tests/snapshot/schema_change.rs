//! Restoring under a changed profile.yaml or triggers.yaml: what no longer fits is dropped and
//! named, everything else reads as before.

use crate::support::{
    PROFILE, START, TRIGGERS, customer, dump, event, feed, product, restore, row, schema,
    schema_from,
};
use concord_model::{EventKind, Timestamp, Value};
use concord_profile::{ProfileStore, RestoredShard};

const CUSTOMERS: usize = 8;

fn populated() -> ProfileStore {
    let store = ProfileStore::new(schema());
    for n in 0..CUSTOMERS {
        let holdings = [product(n), product(64 + n)];
        store.upsert(
            &customer(n),
            &row("prepaid", 10.0 + n as f64, true, &["a"]),
            &holdings,
        );
        for k in 0..5i64 {
            let minute = k * 10 + n as i64;
            feed(
                &store,
                &event(
                    &format!("d{k}"),
                    n,
                    minute,
                    EventKind::DroppedCall {
                        cell: format!("C{k}"),
                    },
                ),
                1,
            );
            feed(
                &store,
                &event(
                    &format!("r{k}"),
                    n,
                    minute + 1,
                    EventKind::Recharge {
                        amount: 42.0,
                        channel: "ussd".into(),
                    },
                ),
                2,
            );
            feed(
                &store,
                &event(
                    &format!("c{k}"),
                    n,
                    minute + 2,
                    EventKind::CareContact {
                        channel: "call".into(),
                        reason: "billing".into(),
                    },
                ),
                3,
            );
        }
    }
    store
}

/// Restores a snapshot of the standard store under `profile` and `triggers`, then checks the
/// reported drops and that everything kept reads as before (dropped aggregates read empty).
fn check(
    profile: &str,
    triggers: &str,
    attributes: &[&str],
    aggregates: &[&str],
    dropped_triggers: &[&str],
) {
    let before = populated();
    let (after, dropped) = restore(schema_from(profile, triggers), &dump(&before));
    let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        dropped,
        RestoredShard {
            applied: 0,
            dropped_attributes: names(attributes),
            dropped_aggregates: names(aggregates),
            dropped_triggers: names(dropped_triggers),
        }
    );
    let now = Timestamp::from_millisecond(START + 60 * 60_000).expect("valid time");
    let schema = after.schema();
    for n in 0..CUSTOMERS {
        let id = customer(n);
        let (old_view, old_computed, old_fires) = before
            .read(&id, |p| (p.view(), p.computed(now), p.trigger_history()))
            .expect("known");
        let (new_view, new_computed, new_fires) = after
            .read(&id, |p| (p.view(), p.computed(now), p.trigger_history()))
            .expect("restored");
        assert_eq!(new_view.holdings, old_view.holdings);
        assert_eq!(new_view.last_event_at, old_view.last_event_at);
        for (name, value_type) in schema.attributes() {
            let old = old_view.attributes.get(name);
            let kept = !attributes.contains(&name.as_str());
            let new = new_view.attributes.get(name);
            assert_eq!(
                new,
                if kept { old } else { None },
                "attribute {name} ({value_type:?})"
            );
        }
        for spec in schema.aggregates() {
            let new = new_computed.get(&spec.name);
            if aggregates.contains(&spec.name.as_str()) {
                let empty = [Some(&Value::Num(0.0)), Some(&Value::Null)];
                assert!(
                    empty.contains(&new),
                    "{} restarts empty: {new:?}",
                    spec.name
                );
            } else {
                assert_eq!(new, old_computed.get(&spec.name), "aggregate {}", spec.name);
            }
        }
        let kept: Vec<_> = old_fires
            .into_iter()
            .filter(|(id, _)| !dropped_triggers.contains(&id.as_str()))
            .collect();
        assert!(!kept.is_empty(), "the fixture fires a trigger that stays");
        assert_eq!(new_fires, kept);
    }
}

#[test]
fn the_same_schema_drops_nothing() {
    check(PROFILE, TRIGGERS, &[], &[], &[]);
}

#[test]
fn an_attribute_removed_is_dropped() {
    check(
        &PROFILE.replace("  arpu: number\n", ""),
        TRIGGERS,
        &["arpu"],
        &[],
        &[],
    );
}

#[test]
fn an_attribute_whose_type_changed_is_dropped() {
    check(
        &PROFILE.replace("arpu: number", "arpu: string"),
        TRIGGERS,
        &["arpu"],
        &[],
        &[],
    );
}

#[test]
fn an_attribute_added_reads_null() {
    check(
        &PROFILE.replace("  arpu: number\n", "  arpu: number\n  region: string\n"),
        TRIGGERS,
        &[],
        &[],
        &[],
    );
}

#[test]
fn an_aggregate_whose_window_changed_restarts_empty() {
    let profile = PROFILE.replace(
        "function: distinct, field: cell, window: 7d",
        "function: distinct, field: cell, window: 14d",
    );
    check(&profile, TRIGGERS, &[], &["drop_cells_7d"], &[]);
}

#[test]
fn an_aggregate_whose_filter_changed_restarts_empty() {
    let profile = PROFILE.replace("event.channel == 'ussd'", "event.channel == 'app'");
    check(&profile, TRIGGERS, &[], &["ussd_recharges"], &[]);
}

#[test]
fn aggregates_reordered_or_removed_keep_their_cells() {
    // drops_24h moves to the end and drops_ever goes: cells change index and are re-sorted.
    let moved = "  drops_24h: {event: dropped_call, function: count, window: 24h}\n";
    let profile = PROFILE
        .replace(moved, "")
        .replace("  drops_ever: {event: dropped_call, function: count}\n", "")
        .replace("derived:", &format!("{moved}derived:"));
    check(&profile, TRIGGERS, &[], &["drops_ever"], &[]);
}

#[test]
fn a_trigger_removed_loses_its_history_and_the_rest_move_up() {
    let triggers = TRIGGERS.replace(
        "  - {id: drops, when: \"customer.drops_24h >= 3\", channel: sms, cooldown: 2d}\n",
        "",
    );
    check(PROFILE, &triggers, &[], &[], &["drops"]);
}
