//! Exactly-once admission of events: a fingerprint index over the allowed-lateness horizon.
//!
//! The watermark is the newest event time seen (capped at the wall clock plus a margin, so one
//! event from a broken clock cannot make every later event late). An event older than the
//! watermark minus the allowed lateness is refused as late; within the horizon, an event's
//! (customer id, event id) fingerprint is remembered, so a repeat changes nothing. Fingerprints
//! older than the horizon are forgotten: nothing that old can be admitted any more.

use concord_model::Event;
use hashbrown::HashTable;

const HOUR_MS: i64 = 3_600_000;
/// How far ahead of the wall clock the watermark may move.
pub const MAX_FUTURE_MS: i64 = HOUR_MS;

/// What admitting an event decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Fresh,
    /// Seen before within the horizon: nothing changes.
    Duplicate,
    /// Older than the horizon: refused, nothing changes.
    Late {
        watermark_ms: i64,
    },
    /// The event can't be stored (the reason says why): refused, nothing changes.
    Invalid(&'static str),
}

const FINGERPRINT_SEED: u64 = 0x00c0_4c0d;

/// The 64-bit fingerprint of an event's identity: XXH3 (seeded) of the customer id, a 0xff
/// byte and the event id. Short identities (nearly all) are hashed from a stack buffer; the
/// streaming hasher, which gives the same value, takes the rest.
pub fn fingerprint(event: &Event) -> u64 {
    let customer = event.customer_id.0.as_bytes();
    let id = event.event_id.0.as_bytes();
    let mut buffer = [0u8; 128];
    let len = customer.len() + 1 + id.len();
    if let Some(joined) = buffer.get_mut(..len) {
        joined[..customer.len()].copy_from_slice(customer);
        joined[customer.len()] = 0xff;
        joined[customer.len() + 1..].copy_from_slice(id);
        return twox_hash::XxHash3_64::oneshot_with_seed(FINGERPRINT_SEED, joined);
    }
    streamed_fingerprint(customer, id)
}

fn streamed_fingerprint(customer: &[u8], id: &[u8]) -> u64 {
    let mut hasher = twox_hash::XxHash3_64::with_seed(FINGERPRINT_SEED);
    std::hash::Hasher::write(&mut hasher, customer);
    std::hash::Hasher::write_u8(&mut hasher, 0xff);
    std::hash::Hasher::write(&mut hasher, id);
    std::hash::Hasher::finish(&hasher)
}

#[derive(Debug)]
pub struct Dedup {
    lateness_ms: i64,
    watermark_ms: i64,
    /// (fingerprint, hour of event time) for every admitted event within the horizon.
    seen: HashTable<(u64, u32)>,
    /// The horizon hour the index was last pruned at.
    pruned_hour: i64,
}

impl Dedup {
    pub fn new(lateness_ms: i64) -> Self {
        Self {
            lateness_ms,
            watermark_ms: i64::MIN,
            seen: HashTable::new(),
            pruned_hour: i64::MIN,
        }
    }

    pub fn watermark_ms(&self) -> Option<i64> {
        (self.watermark_ms != i64::MIN).then_some(self.watermark_ms)
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// The state a snapshot keeps: watermark, pruned hour and every (fingerprint, hour).
    pub(crate) fn parts(&self) -> (i64, i64, impl ExactSizeIterator<Item = &(u64, u32)>) {
        (self.watermark_ms, self.pruned_hour, self.seen.iter())
    }

    /// Whether nothing was ever admitted (a snapshot restores only into such an index).
    pub(crate) fn is_fresh(&self) -> bool {
        self.seen.is_empty() && self.watermark_ms == i64::MIN && self.pruned_hour == i64::MIN
    }

    /// An index with the state of [`Dedup::parts`]; `Err` when a fingerprint repeats.
    pub(crate) fn from_parts(
        lateness_ms: i64,
        watermark_ms: i64,
        pruned_hour: i64,
        seen: impl ExactSizeIterator<Item = (u64, u32)>,
    ) -> Result<Self, String> {
        let mut dedup = Self::new(lateness_ms);
        dedup.watermark_ms = watermark_ms;
        dedup.pruned_hour = pruned_hour;
        dedup.seen.reserve(seen.len(), |(f, _)| *f);
        for (fp, hour) in seen {
            match dedup.seen.entry(fp, |(f, _)| *f == fp, |(f, _)| *f) {
                hashbrown::hash_table::Entry::Occupied(_) => {
                    return Err(format!("fingerprint {fp:016x} appears twice"));
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert((fp, hour));
                }
            }
        }
        Ok(dedup)
    }

    /// Decides on `event` and, when fresh, remembers it. `wall_ms` caps the watermark.
    pub fn admit(&mut self, event: &Event, wall_ms: i64) -> Admission {
        self.admit_fingerprint(fingerprint(event), event.time.as_millisecond(), wall_ms)
    }

    /// [`Dedup::admit`] for an event whose [`fingerprint`] is `fp` and time `time_ms`.
    pub fn admit_fingerprint(&mut self, fp: u64, time_ms: i64, wall_ms: i64) -> Admission {
        if self.watermark_ms != i64::MIN && time_ms < self.watermark_ms - self.lateness_ms {
            return Admission::Late {
                watermark_ms: self.watermark_ms,
            };
        }
        if self.seen.find(fp, |(f, _)| *f == fp).is_some() {
            return Admission::Duplicate;
        }
        self.remember(fp, time_ms, wall_ms.saturating_add(MAX_FUTURE_MS));
        Admission::Fresh
    }

    /// Records an event the journal already holds (replay): no judgement, just memory.
    pub fn replayed(&mut self, event: &Event, wall_ms: i64) {
        let fp = fingerprint(event);
        if self.seen.find(fp, |(f, _)| *f == fp).is_none() {
            self.remember(
                fp,
                event.time.as_millisecond(),
                wall_ms.saturating_add(MAX_FUTURE_MS),
            );
        }
    }

    /// Forgets a fresh event whose journal write failed, so a retry is fresh again.
    pub fn forget(&mut self, event: &Event) {
        let fp = fingerprint(event);
        if let Ok(entry) = self.seen.find_entry(fp, |(f, _)| *f == fp) {
            entry.remove();
        }
    }

    fn remember(&mut self, fp: u64, time_ms: i64, cap_ms: i64) {
        let hour = u32::try_from(time_ms.div_euclid(HOUR_MS).max(0)).unwrap_or(u32::MAX);
        self.seen.insert_unique(fp, (fp, hour), |(f, _)| *f);
        self.watermark_ms = self.watermark_ms.max(time_ms.min(cap_ms));
        let horizon_hour = (self.watermark_ms - self.lateness_ms).div_euclid(HOUR_MS) - 1;
        if horizon_hour > self.pruned_hour {
            self.pruned_hour = horizon_hour;
            self.seen.retain(|(_, h)| i64::from(*h) >= horizon_hour);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_model::{CustomerId, EventId, EventKind, Timestamp};

    fn event(id: &str, customer: &str, hour: i64) -> Event {
        Event {
            event_id: EventId::new(id),
            customer_id: CustomerId::new(customer),
            time: Timestamp::from_millisecond(1_800_000_000_000 + hour * HOUR_MS)
                .unwrap_or(Timestamp::UNIX_EPOCH),
            kind: EventKind::DataUsage { mb: 1.0 },
        }
    }

    const WALL: i64 = 1_900_000_000_000;

    #[test]
    fn repeats_are_duplicates_and_ids_are_per_customer() {
        let mut dedup = Dedup::new(24 * HOUR_MS);
        assert_eq!(dedup.admit(&event("e1", "a", 0), WALL), Admission::Fresh);
        assert_eq!(
            dedup.admit(&event("e1", "a", 0), WALL),
            Admission::Duplicate
        );
        assert_eq!(dedup.admit(&event("e1", "b", 0), WALL), Admission::Fresh);
    }

    #[test]
    fn events_behind_the_horizon_are_late_and_old_fingerprints_go() {
        let mut dedup = Dedup::new(24 * HOUR_MS);
        assert_eq!(dedup.admit(&event("e1", "a", 0), WALL), Admission::Fresh);
        assert_eq!(dedup.admit(&event("e2", "a", 30), WALL), Admission::Fresh);
        assert!(matches!(
            dedup.admit(&event("e3", "a", 5), WALL),
            Admission::Late { .. }
        ));
        assert_eq!(dedup.admit(&event("e4", "a", 7), WALL), Admission::Fresh);
        assert_eq!(dedup.len(), 2, "e1 fell out of the horizon");
    }

    #[test]
    fn a_future_event_moves_the_watermark_only_to_the_wall_clock() {
        let mut dedup = Dedup::new(24 * HOUR_MS);
        let wall = 1_800_000_000_000;
        assert_eq!(
            dedup.admit(&event("e1", "a", 10_000), wall),
            Admission::Fresh
        );
        assert_eq!(dedup.watermark_ms(), Some(wall + MAX_FUTURE_MS));
        assert_eq!(dedup.admit(&event("e2", "a", 0), wall), Admission::Fresh);
    }

    #[test]
    fn the_stack_fingerprint_equals_the_streamed_one_at_every_length() {
        // Snapshots keep fingerprints: the fast path must give the value the streaming hasher
        // always gave, including across the buffer's edge.
        for customer_len in [0, 1, 12, 60, 126, 127, 128, 300] {
            for id_len in [0, 1, 20, 64, 127, 250] {
                let customer = "c".repeat(customer_len);
                let id = "e".repeat(id_len);
                let e = Event {
                    event_id: EventId::new(id.clone()),
                    customer_id: CustomerId::new(customer.clone()),
                    time: Timestamp::UNIX_EPOCH,
                    kind: EventKind::DataUsage { mb: 1.0 },
                };
                assert_eq!(
                    fingerprint(&e),
                    streamed_fingerprint(customer.as_bytes(), id.as_bytes()),
                    "customer {customer_len} bytes, event id {id_len} bytes"
                );
            }
        }
    }

    #[test]
    fn a_forgotten_event_is_fresh_again() {
        let mut dedup = Dedup::new(24 * HOUR_MS);
        let e = event("e1", "a", 0);
        assert_eq!(dedup.admit(&e, WALL), Admission::Fresh);
        dedup.forget(&e);
        assert_eq!(dedup.admit(&e, WALL), Admission::Fresh);
    }
}
