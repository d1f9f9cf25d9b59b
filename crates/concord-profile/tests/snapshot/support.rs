//! Shared fixtures: a schema with every column type, aggregate kind and a few triggers; a
//! deterministic way to feed events; dump, restore and compare whole stores.

use concord_model::{Attributes, CustomerId, Event, EventId, EventKind, Timestamp, Value};
use concord_profile::{
    Admission, CompiledSchema, ProfileStore, RestoredShard, StoreStats, TriggerFire,
};
use concord_strategy::Strategy;
use std::sync::Arc;

pub const PROFILE: &str = "attributes:
  segment: string
  arpu: number
  consent_sms: bool
  tags: list
allowed_lateness: 2d
aggregates:
  drops_24h: {event: dropped_call, function: count, window: 24h}
  drop_cells_7d: {event: dropped_call, function: distinct, field: cell, window: 7d, bucket: 6h}
  drops_ever: {event: dropped_call, function: count}
  recharge_sum_7d: {event: recharge, function: sum, field: amount, window: 7d, bucket: 1d}
  recharge_min_3d: {event: recharge, function: min, field: amount, window: 3d}
  recharge_max_3d: {event: recharge, function: max, field: amount, window: 3d}
  last_recharge: {event: recharge, function: last, field: amount}
  last_channel_2d: {event: recharge, function: last, field: channel, window: 2d, bucket: 1h}
  ussd_recharges: {event: recharge, function: count, window: 30m, where: \"event.channel == 'ussd'\"}
  billing_contacts_7d:
    event: care_contact
    function: count
    window: 7d
    where: \"event.reason == 'billing' && customer.segment == 'prepaid'\"
derived:
  drops_and_contacts: \"customer.drops_24h + customer.billing_contacts_7d\"
";

pub const TRIGGERS: &str = "triggers:
  - {id: drops, when: \"customer.drops_24h >= 3\", channel: sms, cooldown: 2d}
  - {id: contacts, when: \"customer.drops_and_contacts >= 4\", channel: sms, cooldown: 1h}
  - {id: big_recharge, when: \"customer.last_recharge >= 40\", channel: sms, cooldown: 1d}
";

pub fn schema_from(profile: &str, triggers: &str) -> CompiledSchema {
    let strategy = Strategy::from_files([
        ("strategy.yaml", "name: t\nversion: \"1\"\ndescription: d\n"),
        ("channels.yaml", "channels:\n  - {id: sms, name: S, direction: outbound, max_actions: 1}\n"),
        ("profile.yaml", profile),
        ("triggers.yaml", triggers),
        (
            "actions/a.yaml",
            "issues: [{id: i, name: I, groups: [{id: g, name: G}]}]\nactions:\n  - {id: a, name: A, issue: i, group: g, kind: sales, value: 1, treatments: {sms: {text: t}}}\n",
        ),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"));
    CompiledSchema::new(
        Arc::new(strategy.profile_schema().clone()),
        Arc::from(strategy.triggers().to_vec()),
    )
}

pub fn schema() -> CompiledSchema {
    schema_from(PROFILE, TRIGGERS)
}

/// Event times start here (in the past, so the wall clock never caps the watermark).
pub const START: i64 = 1_700_000_000_000;
pub const MINUTE: i64 = 60_000;
/// The wall clock every admission is judged at.
pub const WALL: i64 = START + 400 * 24 * 60 * MINUTE;

pub fn customer(n: usize) -> CustomerId {
    CustomerId::new(format!("2547{n:08}"))
}

pub fn product(n: usize) -> String {
    format!("bundle_{n:02}")
}

pub fn event(id: &str, who: usize, minute: i64, kind: EventKind) -> Event {
    Event {
        event_id: EventId::new(id),
        customer_id: customer(who),
        time: Timestamp::from_millisecond(START + minute * MINUTE).expect("valid time"),
        kind,
    }
}

/// Admits and applies `event` as the hub does, journal position `position`.
pub fn feed(store: &ProfileStore, event: &Event, position: u64) -> (Admission, Vec<TriggerFire>) {
    let admission = store.admit(event, WALL);
    let fires = match admission {
        Admission::Fresh => store.apply_admitted(event, Some(position)),
        _ => Vec::new(),
    };
    (admission, fires)
}

pub fn row(segment: &str, arpu: f64, consent: bool, tags: &[&str]) -> Attributes {
    [
        ("segment", Value::from(segment)),
        ("arpu", Value::Num(arpu)),
        ("consent_sms", Value::Bool(consent)),
        (
            "tags",
            Value::List(tags.iter().map(|t| Value::from(*t)).collect()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Every blob of a store: shards first, then dedup and symbols (symbols last, so they cover
/// every id the shards refer to).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub shards: Vec<Vec<u8>>,
    pub applied: Vec<u64>,
    pub dedup: Vec<u8>,
    pub symbols: Vec<u8>,
}

pub fn dump(store: &ProfileStore) -> Snapshot {
    let mut shards = Vec::new();
    let mut applied = Vec::new();
    for index in 0..store.shard_count() {
        let mut out = Vec::new();
        applied.push(store.dump_shard(index, &mut out));
        shards.push(out);
    }
    let mut dedup = Vec::new();
    store.dump_dedup(&mut dedup);
    let mut symbols = Vec::new();
    store.dump_symbols(&mut symbols);
    Snapshot {
        shards,
        applied,
        dedup,
        symbols,
    }
}

/// A fresh store under `schema` with the whole snapshot restored; the restore reports, merged.
pub fn restore(schema: CompiledSchema, snapshot: &Snapshot) -> (ProfileStore, RestoredShard) {
    let store = ProfileStore::new(schema);
    store
        .restore_symbols(&snapshot.symbols)
        .expect("symbols restore");
    store
        .restore_dedup(&snapshot.dedup)
        .expect("dedup restores");
    let mut merged = RestoredShard::default();
    for (index, bytes) in snapshot.shards.iter().enumerate() {
        let restored = store.restore_shard(index, bytes).expect("shard restores");
        assert_eq!(restored.applied, snapshot.applied[index]);
        for (all, these) in [
            (&mut merged.dropped_attributes, restored.dropped_attributes),
            (&mut merged.dropped_aggregates, restored.dropped_aggregates),
            (&mut merged.dropped_triggers, restored.dropped_triggers),
        ] {
            for name in these {
                if !all.contains(&name) {
                    all.push(name);
                }
            }
        }
    }
    (store, merged)
}

/// What a customer reads as: view, computed values at several times, trigger history, head.
pub type Reading = (
    concord_profile::Profile,
    Vec<Attributes>,
    Vec<(String, Timestamp)>,
    Option<u64>,
    Vec<String>,
);

pub fn reading(store: &ProfileStore, id: &CustomerId) -> Option<Reading> {
    let nows: Vec<Timestamp> = [0, 60, 24 * 60, 3 * 24 * 60, 9 * 24 * 60, 40 * 24 * 60]
        .iter()
        .map(|m| Timestamp::from_millisecond(START + m * MINUTE).expect("valid time"))
        .collect();
    store.read(id, |p| {
        (
            p.view(),
            nows.iter().map(|&now| p.computed(now)).collect(),
            p.trigger_history(),
            p.head(),
            p.holdings(),
        )
    })
}

/// Compares every customer in `ids`, the counts and the sizes of two stores.
pub fn assert_same(a: &ProfileStore, b: &ProfileStore, ids: impl IntoIterator<Item = CustomerId>) {
    for id in ids {
        assert_eq!(reading(a, &id), reading(b, &id), "customer {id:?}");
        assert_eq!(
            a.read(&id, |p| p.attributes()),
            b.read(&id, |p| p.attributes())
        );
    }
    assert_eq!(a.len(), b.len());
    let stats = |s: &ProfileStore| -> StoreStats { s.stats() };
    assert_eq!(stats(a), stats(b));
    assert_eq!(a.watermark(), b.watermark());
}
