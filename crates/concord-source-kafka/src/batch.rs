//! Messages gathered for one hand-over to the sink, with the offsets they will commit.

use crate::offsets::NextOffsets;
use concord_model::Event;

/// The events of one message, and where the message sits in its partition.
#[derive(Debug)]
struct Entry {
    partition: i32,
    offset: i64,
    events: Vec<Event>,
}

/// Messages in arrival order. A message without good events still counts: its offset must be
/// committed too, so a bad message never holds its partition back.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    entries: Vec<Entry>,
    n_events: usize,
}

impl Batch {
    pub(crate) fn push(&mut self, partition: i32, offset: i64, events: Vec<Event>) {
        self.n_events += events.len();
        self.entries.push(Entry {
            partition,
            offset,
            events,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn n_messages(&self) -> usize {
        self.entries.len()
    }

    /// Full once it holds `max` events or `max` messages (a message may carry many events or none).
    pub(crate) fn is_full(&self, max: usize) -> bool {
        self.n_events >= max || self.entries.len() >= max
    }

    /// Drops the messages of partitions this consumer no longer owns: their new owner reads them
    /// again from the last committed offset. Returns how many were dropped.
    pub(crate) fn forget(&mut self, partitions: &[i32]) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| !partitions.contains(&e.partition));
        self.n_events = self.entries.iter().map(|e| e.events.len()).sum();
        before - self.entries.len()
    }

    /// The events in arrival order, and the offsets to commit once the sink has them.
    pub(crate) fn into_parts(self) -> (Vec<Event>, NextOffsets) {
        let mut events = Vec::with_capacity(self.n_events);
        let mut offsets = NextOffsets::default();
        for entry in self.entries {
            offsets.handled(entry.partition, entry.offset);
            events.extend(entry.events);
        }
        (events, offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_model::EventKind;

    fn event(id: &str) -> Event {
        Event {
            event_id: id.into(),
            customer_id: "c1".into(),
            time: "2026-11-23T10:00:00Z".parse().expect("timestamp"),
            kind: EventKind::DroppedCall { cell: "C1".into() },
        }
    }

    /// Builds a batch from (partition, offset, event ids) and checks its events and offsets.
    fn check(
        messages: &[(i32, i64, &[&str])],
        revoked: &[i32],
        events: &[&str],
        offsets: &[(i32, i64)],
    ) {
        let mut batch = Batch::default();
        for &(p, o, ids) in messages {
            batch.push(p, o, ids.iter().map(|id| event(id)).collect());
        }
        batch.forget(revoked);
        let (got_events, got_offsets) = batch.into_parts();
        let got: Vec<&str> = got_events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(got, events);
        assert_eq!(got_offsets.iter().collect::<Vec<_>>(), offsets);
    }

    #[test]
    fn events_in_order_offsets_per_partition() {
        check(&[], &[], &[], &[]);
        check(&[(0, 7, &["a"])], &[], &["a"], &[(0, 8)]);
        check(
            &[(0, 7, &["a", "b"]), (1, 3, &[]), (0, 8, &["c"])],
            &[],
            &["a", "b", "c"],
            &[(0, 9), (1, 4)],
        );
        check(
            &[(0, 7, &["a"]), (1, 3, &["b"]), (0, 8, &["c"])],
            &[0],
            &["b"],
            &[(1, 4)],
        );
    }

    #[test]
    fn full_by_events_or_messages() {
        let mut batch = Batch::default();
        batch.push(0, 0, vec![event("a"), event("b")]);
        assert!(!batch.is_full(3));
        batch.push(0, 1, vec![event("c")]);
        assert!(batch.is_full(3));
        assert_eq!(batch.forget(&[0]), 2);
        assert!(batch.is_empty());
        for offset in 0..3 {
            batch.push(1, offset, Vec::new());
        }
        assert!(batch.is_full(3));
        assert_eq!(batch.n_messages(), 3);
    }
}
