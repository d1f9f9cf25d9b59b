//! Batch admission: the hashing an event's admission needs is done ahead, outside any lock, so
//! the part that must run in journal order (dedup and the customer's event chain) stays short.

use super::{BatchOutcome, Change, ProfileStore, invalid, shard, shard_index};
use crate::dedup::{Admission, Dedup, fingerprint};
use crate::symbols::hash_str;
use concord_model::Event;
use hashbrown::HashTable;
use parking_lot::MutexGuard;

/// Where a customer lives in the store: shard and row. A row never moves for the store's life,
/// so admission can hand it to the apply step, which then looks nothing up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSlot {
    pub(crate) shard: u16,
    pub(crate) row: u32,
}

/// An event's identity, hashed ahead of admission by [`ProfileStore::prepare`].
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    fingerprint: u64,
    id_hash: u64,
    invalid: Option<&'static str>,
    /// The customer's row when they already had one (rows never move).
    row: Option<u32>,
}

/// Admits events one by one holding the dedup index for the whole batch (see
/// [`ProfileStore::admitter`]).
#[derive(Debug)]
pub struct Admitter<'a> {
    store: &'a ProfileStore,
    dedup: MutexGuard<'a, Dedup>,
}

impl ProfileStore {
    /// Hashes what admitting `events` needs and finds the rows of the customers already known;
    /// only shard read locks are taken, so callers run it concurrently, ahead of admission.
    pub fn prepare(&self, events: &[Event]) -> Vec<Prepared> {
        let mut prepared: Vec<Prepared> = events
            .iter()
            .map(|event| Prepared {
                fingerprint: fingerprint(event),
                id_hash: hash_str(&event.customer_id.0),
                invalid: invalid(event),
                row: None,
            })
            .collect();
        // Shard by shard, each read lock taken once; the lookups are independent, so their
        // cache misses overlap.
        let mut order: Vec<(usize, usize)> = prepared
            .iter()
            .enumerate()
            .map(|(i, p)| (shard_index(p.id_hash), i))
            .collect();
        order.sort_unstable();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let Some(shard) = group.first().and_then(|&(s, _)| self.shards.get(s)) else {
                continue;
            };
            let shard = shard.read();
            for &(_, i) in group {
                let p = &mut prepared[i];
                p.row = shard.row(p.id_hash, &events[i].customer_id.0);
            }
        }
        prepared
    }

    /// Admits and applies a batch in memory (no journal): what a durable ingest does minus the
    /// journal write, for benchmarks and tests. Returns how many events were fresh and the
    /// batch's outcome.
    pub fn apply_events(&self, events: &[Event], wall_ms: i64) -> (usize, BatchOutcome) {
        let prepared = self.prepare(events);
        let chain;
        let fresh: Vec<usize>;
        {
            let mut admitter = self.admitter();
            fresh = events
                .iter()
                .zip(&prepared)
                .enumerate()
                .filter(|(_, (event, p))| admitter.admit(event, p, wall_ms) == Admission::Fresh)
                .map(|(i, _)| i)
                .collect();
            chain = admitter.chain(events, &prepared, &fresh);
        }
        let changes: Vec<(u64, Change<'_>)> = fresh
            .iter()
            .enumerate()
            .filter_map(|(k, &i)| {
                let at = chain.link(k, &[]).0;
                Some((
                    0,
                    Change::Event {
                        event: events.get(i)?,
                        at,
                    },
                ))
            })
            .collect();
        // No journal: the shards' applied positions stay as they are (`apply_batch` keeps the max).
        (fresh.len(), self.apply_batch(&changes, 0))
    }

    /// Holds the dedup index until dropped: one lock per batch instead of one per event. Drop it
    /// before calling anything else that admits or forgets.
    pub fn admitter(&self) -> Admitter<'_> {
        Admitter {
            store: self,
            dedup: self.dedup.lock(),
        }
    }
}

impl Admitter<'_> {
    /// What [`ProfileStore::admit`] decides, from `prepared` (which must be `event`'s).
    pub fn admit(&mut self, event: &Event, prepared: &Prepared, wall_ms: i64) -> Admission {
        if let Some(reason) = prepared.invalid {
            return Admission::Invalid(reason);
        }
        self.dedup
            .admit_fingerprint(prepared.fingerprint, event.time.as_millisecond(), wall_ms)
    }

    /// Places a batch's fresh events (`fresh`: indices into `events` and `prepared`, in journal
    /// order): each one's row, creating customers that are new, and its chain link, either the
    /// customer's head in the store or an earlier fresh event of the same batch. Each shard's
    /// write lock is taken once for the batch, not once per event. Heads change only in
    /// [`Admitter::set_heads`], once the events' journal positions are known.
    pub fn chain(&self, events: &[Event], prepared: &[Prepared], fresh: &[usize]) -> Chain {
        let mut order: Vec<(u16, u32)> = fresh
            .iter()
            .enumerate()
            .filter_map(|(k, &i)| {
                let shard = u16::try_from(shard_index(prepared.get(i)?.id_hash)).ok()?;
                Some((shard, u32::try_from(k).ok()?))
            })
            .collect();
        order.sort_unstable();
        let mut links = vec![Link::default(); fresh.len()];
        // The newest fresh event so far of each row in the shard: (row, k).
        let mut newest: HashTable<(u32, u32)> = HashTable::new();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(index, _)) = group.first() else {
                continue;
            };
            let Some(shard) = self.store.shards.get(usize::from(index)) else {
                continue;
            };
            let mut shard = shard.write();
            newest.clear();
            for &(_, k) in group {
                let k = k as usize;
                let Some((event, p)) = fresh
                    .get(k)
                    .and_then(|&i| Some((events.get(i)?, prepared.get(i)?)))
                else {
                    continue;
                };
                let row = match p.row {
                    Some(row) => Some(row),
                    None => shard.row_or_insert(p.id_hash, &event.customer_id.0),
                };
                let Some(row) = row else { continue };
                let link = &mut links[k];
                link.at = Some(RowSlot { shard: index, row });
                let hash = row_hash(row);
                match newest.find_mut(hash, |&(r, _)| r == row) {
                    Some(entry) => {
                        link.prev = Prev::Batch(entry.1);
                        entry.1 = k as u32;
                    }
                    None => {
                        let head = shard.head.at(row);
                        link.prev = Prev::Store((head != shard::NO_HEAD).then_some(head));
                        newest.insert_unique(hash, (row, k as u32), |&(r, _)| row_hash(r));
                    }
                }
            }
            // Mark each row's newest event: its position becomes the head.
            for &(_, k) in newest.iter() {
                links[k as usize].newest = true;
            }
        }
        Chain { links, order }
    }

    /// Makes each customer's newest fresh event of the batch their head; `positions[k]` is the
    /// journal position of the `k`th fresh event.
    pub fn set_heads(&self, chain: &Chain, positions: &[u64]) {
        for group in chain.order.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(index, _)) = group.first() else {
                continue;
            };
            let Some(shard) = self.store.shards.get(usize::from(index)) else {
                continue;
            };
            let mut shard = shard.write();
            for &(_, k) in group {
                let (Some(link), Some(&position)) =
                    (chain.links.get(k as usize), positions.get(k as usize))
                else {
                    continue;
                };
                if let (true, Some(at)) = (link.newest, link.at)
                    && let Some(slot) = shard.head.get_mut(at.row)
                {
                    *slot = position;
                }
            }
        }
    }
}

fn row_hash(row: u32) -> u64 {
    u64::from(row).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Where a batch's fresh events go and how each links to the customer's previous event (see
/// [`Admitter::chain`]).
#[derive(Debug)]
pub struct Chain {
    links: Vec<Link>,
    /// (shard, k) for every placed event, sorted: the order locks are taken in.
    order: Vec<(u16, u32)>,
}

impl Chain {
    /// The `k`th fresh event's row (`None` for an id the store can't hold) and its chain link,
    /// given the positions of the fresh events before it.
    pub fn link(&self, k: usize, positions: &[u64]) -> (Option<RowSlot>, Option<u64>) {
        let Some(link) = self.links.get(k) else {
            return (None, None);
        };
        let prev = match link.prev {
            Prev::Store(head) => head,
            Prev::Batch(j) => positions.get(j as usize).copied(),
        };
        (link.at, prev)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Link {
    at: Option<RowSlot>,
    prev: Prev,
    /// The customer's newest event in the batch.
    newest: bool,
}

#[derive(Debug, Clone, Copy)]
enum Prev {
    /// The customer's head before the batch.
    Store(Option<u64>),
    /// An earlier fresh event of the batch (its k).
    Batch(u32),
}

impl Default for Prev {
    fn default() -> Self {
        Prev::Store(None)
    }
}
