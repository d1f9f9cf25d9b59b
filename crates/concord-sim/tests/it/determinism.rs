//! Same seed, same world and stream; another seed, another world.

use crate::{days_after, operator};
use concord_sim::Operator;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

fn base_hash(op: &Operator) -> u64 {
    let mut h = DefaultHasher::new();
    for s in op.subscribers() {
        s.id.hash(&mut h);
        format!("{:?}", s.attributes).hash(&mut h);
        s.initial_holdings.hash(&mut h);
    }
    h.finish()
}

fn first_events(op: &mut Operator, days: i64) -> Vec<concord_model::Event> {
    let until = days_after(op.now(), days);
    op.events_until(until)
}

#[test]
fn same_seed_gives_identical_base_and_stream() {
    let mut a = operator(11, 3_000);
    let mut b = operator(11, 3_000);
    assert_eq!(base_hash(&a), base_hash(&b));
    assert_eq!(a.subscribers(), b.subscribers());
    let events_a = first_events(&mut a, 3);
    let events_b = first_events(&mut b, 3);
    assert!(events_a.len() > 10_000, "{}", events_a.len());
    assert_eq!(events_a, events_b);
}

#[test]
fn stream_does_not_depend_on_how_it_is_sliced() {
    let mut whole = operator(12, 1_000);
    let mut sliced = operator(12, 1_000);
    let start = whole.now();
    let all = whole.events_until(days_after(start, 4));
    let mut parts = Vec::new();
    for day in 1..=4 {
        parts.extend(sliced.events_until(days_after(start, day)));
    }
    assert_eq!(all, parts);
    assert_eq!(whole.now(), sliced.now());
}

#[test]
fn different_seed_gives_a_different_world() {
    let mut a = operator(11, 3_000);
    let mut c = operator(13, 3_000);
    assert_ne!(base_hash(&a), base_hash(&c));
    let events_a = first_events(&mut a, 1);
    let events_c = first_events(&mut c, 1);
    assert_ne!(events_a, events_c);
    assert_ne!(a.truth().bad_cells(), c.truth().bad_cells());
}
