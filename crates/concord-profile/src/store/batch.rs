//! Applying a journaled batch: changes grouped by shard, each shard's lock taken once, big
//! batches spread over the cores.

use super::{Change, ProfileStore, shard_index};
use crate::schema::TriggerFire;
use crate::symbols::hash_str;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Batches at least this big are applied on several threads.
const PARALLEL_BATCH: usize = 2048;

/// What applying a batch did.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// Trigger fires, in the batch's order.
    pub fires: Vec<TriggerFire>,
    /// Base-row values skipped because they no longer fit the schema (replay after a change).
    pub row_problems: usize,
}

/// A change placed in its shard: its index in the batch, and its row when admission found it
/// (else the id's hash, to look the row up).
#[derive(Clone, Copy)]
struct Placed {
    index: u32,
    shard: u16,
    row: Option<u32>,
    hash: u64,
}

/// What one worker of [`ProfileStore::apply_batch`] did: fires tagged with their change's index.
#[derive(Default)]
struct GroupOutcome {
    fires: Vec<(u32, TriggerFire)>,
    row_problems: usize,
}

impl ProfileStore {
    /// Applies a batch of journaled changes (admitted events and base rows) in journal order
    /// per customer, taking each shard's lock once, and marks every shard it touched as applied
    /// up to `end` (the position after the batch). Returns the trigger fires in batch order.
    pub fn apply_batch(&self, changes: &[(u64, Change<'_>)], end: u64) -> BatchOutcome {
        let mut placed: Vec<Placed> = changes
            .iter()
            .enumerate()
            .map(|(i, (_, change))| match change {
                Change::Event { at: Some(at), .. } => Placed {
                    index: i as u32,
                    shard: at.shard,
                    row: Some(at.row),
                    hash: 0,
                },
                _ => {
                    let hash = hash_str(&change.customer_id().0);
                    Placed {
                        index: i as u32,
                        shard: shard_index(hash) as u16,
                        row: None,
                        hash,
                    }
                }
            })
            .collect();
        // Stable: a customer's changes keep their journal order within the shard.
        placed.sort_by_key(|p| p.shard);
        let groups: Vec<&[Placed]> = placed.chunk_by(|a, b| a.shard == b.shard).collect();
        // Shards are independent: big batches spread over the cores, one shard per worker at a
        // time. Small ones stay on this thread (starting threads would cost more).
        let workers = if changes.len() >= PARALLEL_BATCH {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(groups.len()))
        } else {
            1
        };
        let mut parts: Vec<GroupOutcome> = if workers <= 1 {
            vec![self.apply_groups(&groups, changes, end, &AtomicUsize::new(0))]
        } else {
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                let running: Vec<_> = (0..workers)
                    .map(|_| scope.spawn(|| self.apply_groups(&groups, changes, end, &next)))
                    .collect();
                running
                    .into_iter()
                    .map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        let mut fires: Vec<(u32, TriggerFire)> = Vec::new();
        let mut outcome = BatchOutcome::default();
        for part in &mut parts {
            fires.append(&mut part.fires);
            outcome.row_problems += part.row_problems;
        }
        fires.sort_by_key(|(i, _)| *i);
        outcome.fires = fires.into_iter().map(|(_, f)| f).collect();
        outcome
    }

    /// Applies shard groups taken one by one from `next` until none are left.
    fn apply_groups(
        &self,
        groups: &[&[Placed]],
        changes: &[(u64, Change<'_>)],
        end: u64,
        next: &AtomicUsize,
    ) -> GroupOutcome {
        let mut outcome = GroupOutcome::default();
        while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
            let Some(first) = group.first() else {
                continue;
            };
            let Some(shard) = self.shards.get(usize::from(first.shard)) else {
                continue;
            };
            let mut shard = shard.write();
            warm(&shard, group);
            for placed in *group {
                let (position, change) = &changes[placed.index as usize];
                match change {
                    Change::Event { event, .. } => {
                        let row = match placed.row {
                            Some(row) => Some(row),
                            None => shard.row_or_insert(placed.hash, &event.customer_id.0),
                        };
                        if let Some(row) = row {
                            let fired = self.apply_in(&mut shard, row, event, Some(*position));
                            outcome
                                .fires
                                .extend(fired.into_iter().map(|f| (placed.index, f)));
                        }
                    }
                    Change::Row {
                        id,
                        attributes,
                        holdings,
                    } => {
                        outcome.row_problems += self
                            .upsert_in(&mut shard, placed.hash, id, attributes, holdings)
                            .len();
                    }
                }
            }
            shard.applied = shard.applied.max(end);
        }
        outcome
    }
}

/// Reads what applying the group's events will touch, before applying any: the loads are
/// independent, so the cache misses overlap instead of stalling the apply loop one by one.
fn warm(shard: &super::shard::Shard, group: &[Placed]) {
    let mut sum = 0u64;
    for placed in group {
        if let Some(row) = placed.row {
            sum = sum.wrapping_add(shard.aggs.get(row).map_or(0, |c| c.first_word()));
            sum = sum.wrapping_add(shard.last_event_ms.at(row) as u64);
            sum = sum.wrapping_add(shard.head.at(row));
        }
    }
    std::hint::black_box(sum);
}
