//! Counters of a running source: a live handle for metrics, and the totals `run` returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a source has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KafkaStats {
    /// Kafka messages read (a message redelivered after a restart or rebalance counts again).
    pub messages: u64,
    /// Events the sink took as new.
    pub events_accepted: u64,
    /// Events the sink had seen before (same event id): nothing changed.
    pub duplicates: u64,
    /// Lines (or JSON array elements) rejected, and events the sink refused (too late); a message
    /// unreadable as a whole counts as one.
    pub rejected_lines: u64,
    /// Batches handed over completely (to the sink, or rejected line by line).
    pub batches: u64,
    /// Successful offset commits.
    pub commits: u64,
}

/// A cheap, cloneable view of a source's counters while it runs (e.g. for `/metrics`).
#[derive(Debug, Clone, Default)]
pub struct LiveStats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    messages: AtomicU64,
    events_accepted: AtomicU64,
    duplicates: AtomicU64,
    rejected_lines: AtomicU64,
    batches: AtomicU64,
    commits: AtomicU64,
}

impl LiveStats {
    pub fn snapshot(&self) -> KafkaStats {
        let c = &self.0;
        KafkaStats {
            messages: c.messages.load(Ordering::Relaxed),
            events_accepted: c.events_accepted.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            rejected_lines: c.rejected_lines.load(Ordering::Relaxed),
            batches: c.batches.load(Ordering::Relaxed),
            commits: c.commits.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn message_read(&self, rejected_lines: usize) {
        self.0.messages.fetch_add(1, Ordering::Relaxed);
        self.0
            .rejected_lines
            .fetch_add(as_u64(rejected_lines), Ordering::Relaxed);
    }

    /// Events the sink refused for good (counted with the rejected lines).
    pub(crate) fn message_read_refused(&self, refused: usize) {
        self.0
            .rejected_lines
            .fetch_add(as_u64(refused), Ordering::Relaxed);
    }

    pub(crate) fn batch_done(&self, accepted: usize, duplicates: usize) {
        self.0.batches.fetch_add(1, Ordering::Relaxed);
        self.0
            .events_accepted
            .fetch_add(as_u64(accepted), Ordering::Relaxed);
        self.0
            .duplicates
            .fetch_add(as_u64(duplicates), Ordering::Relaxed);
    }

    pub(crate) fn committed(&self) {
        self.0.commits.fetch_add(1, Ordering::Relaxed);
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up() {
        let live = LiveStats::default();
        live.message_read(0);
        live.message_read(2);
        live.batch_done(5, 1);
        live.committed();
        assert_eq!(
            live.clone().snapshot(),
            KafkaStats {
                messages: 2,
                events_accepted: 5,
                duplicates: 1,
                rejected_lines: 2,
                batches: 1,
                commits: 1,
            }
        );
    }
}
