//! A base built in partitions: disjoint ids, sizes that sum to the base, deterministic, and
//! events that stay inside their partition.

use crate::{catalog, days_after};
use concord_model::Event;
use concord_sim::{Operator, Partition, SimConfig, SimError};
use std::collections::HashSet;

const TOTAL: usize = 4_001;

fn partition(seed: u64, index: usize, count: usize) -> Operator {
    Operator::new_partition(
        SimConfig::with_seed(seed, TOTAL),
        &catalog(),
        Partition { index, count },
    )
    .expect("valid partition")
}

fn one_day(op: &mut Operator) -> Vec<Event> {
    let until = days_after(op.now(), 1);
    op.events_until(until)
}

#[test]
fn partitions_tile_the_base_with_disjoint_ids() {
    let parts: Vec<Operator> = (0..3).map(|k| partition(21, k, 3)).collect();
    let sizes: Vec<usize> = parts.iter().map(|p| p.subscribers().len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), TOTAL);
    assert_eq!(sizes, [1_333, 1_334, 1_334]);

    let mut ids = HashSet::new();
    let mut households = HashSet::new();
    for part in &parts {
        let mut own_households = HashSet::new();
        for s in part.subscribers() {
            assert!(ids.insert(s.id.clone()), "{} is in two partitions", s.id);
            own_households.insert(format!("{:?}", s.attributes.get("household_id")));
        }
        for household in own_households {
            assert!(households.insert(household.clone()), "{household} shared");
        }
        let range = part.partition().range(TOTAL);
        assert_eq!(part.first_subscriber(), range.start);
    }
    // Contiguous runs of the numbering plan: the whole base's ids, in order.
    let whole = Operator::new(SimConfig::with_seed(21, TOTAL), &catalog()).expect("valid");
    let whole_ids: Vec<_> = whole.subscribers().iter().map(|s| s.id.clone()).collect();
    let part_ids: Vec<_> = parts
        .iter()
        .flat_map(|p| p.subscribers().iter().map(|s| s.id.clone()))
        .collect();
    assert_eq!(part_ids, whole_ids);
}

#[test]
fn a_partition_is_deterministic_and_differs_from_its_neighbours() {
    let mut a = partition(22, 1, 4);
    let mut b = partition(22, 1, 4);
    assert_eq!(a.subscribers(), b.subscribers());
    let events = one_day(&mut a);
    assert!(events.len() > 1_000, "{}", events.len());
    assert_eq!(events, one_day(&mut b));

    let neighbour = partition(22, 2, 4);
    let attributes = |op: &Operator| {
        op.subscribers()
            .iter()
            .map(|s| format!("{:?}", s.attributes.get("arpu")))
            .collect::<Vec<_>>()
    };
    assert_ne!(attributes(&a), attributes(&neighbour));
    // Same world: the bad cells are the whole base's.
    assert_eq!(a.truth().bad_cells(), neighbour.truth().bad_cells());
}

#[test]
fn events_only_name_their_own_partition() {
    let mut event_ids = HashSet::new();
    for k in 0..3 {
        let mut part = partition(23, k, 3);
        let events = one_day(&mut part);
        assert!(!events.is_empty());
        for event in &events {
            assert!(
                part.subscriber_idx(&event.customer_id).is_some(),
                "{} is not in partition {k}",
                event.customer_id
            );
            assert!(event.event_id.as_str().starts_with(&format!("sim-{k}-")));
            assert!(
                event_ids.insert(event.event_id.clone()),
                "{}",
                event.event_id
            );
        }
        // Responses answer this partition's customers by their global id.
        let customer = part.subscribers()[5].id.clone();
        assert_eq!(part.subscriber_idx(&customer), Some(5));
        let context = concord_model::Attributes::new();
        let action = catalog()[0].id.clone();
        let now = part.now();
        assert!(
            part.try_respond(&customer, &action, "ussd", &context, now)
                .is_ok()
        );
    }
    let first = partition(23, 0, 3);
    let last_id = partition(23, 2, 3).subscribers()[0].id.clone();
    assert_eq!(first.subscriber_idx(&last_id), None);
}

#[test]
fn the_whole_partition_is_the_unpartitioned_operator() {
    let config = SimConfig::with_seed(24, 1_000);
    let mut whole =
        Operator::new_partition(config.clone(), &catalog(), Partition::WHOLE).expect("valid");
    let mut plain = Operator::new(config, &catalog()).expect("valid");
    assert_eq!(whole.subscribers(), plain.subscribers());
    assert_eq!(one_day(&mut whole), one_day(&mut plain));
    assert_eq!(plain.partition(), Partition::WHOLE);
}

#[test]
fn impossible_partitions_are_refused() {
    for (index, count) in [(0, 0), (3, 3), (0, TOTAL + 1)] {
        let got = Operator::new_partition(
            SimConfig::with_seed(25, TOTAL),
            &[],
            Partition { index, count },
        );
        assert!(
            matches!(got, Err(SimError::Partition { .. })),
            "{index} of {count}: {got:?}"
        );
    }
}
