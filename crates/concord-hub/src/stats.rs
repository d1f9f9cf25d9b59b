//! The hub's storage figures for `/metrics`: store sizes, journal positions, snapshots, recovery,
//! trigger fires.

use crate::hub::Hub;
use crate::open::Recovery;
use crate::snapshot::SnapshotInfo;
use concord_profile::StoreStats;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct HubStats {
    pub store: StoreStats,
    /// The position the next journal append gets (bytes journaled in the folder's life).
    pub journal_end: u64,
    /// Journaled but not yet applied to memory (the apply thread's lag), in bytes.
    pub apply_lag_bytes: u64,
    pub journal_bytes_since_snapshot: u64,
    /// Snapshots written by this process, and the latest.
    pub snapshots_taken: u64,
    pub last_snapshot: Option<SnapshotInfo>,
    pub recovery: Recovery,
    /// Fires per trigger since the folder was created.
    pub trigger_fires: BTreeMap<String, u64>,
    /// Circuit breakers of the channels that declare one (since this process started).
    pub breakers: Vec<crate::BreakerStats>,
    /// Entries of the contact history kept for the contact policy (impressions, outcomes).
    pub contacts_kept: u64,
    pub learning: LearningStats,
    pub provisions: ProvisionStats,
    pub outbound: OutboundStats,
}

/// The outbox and the fires waiting for their outbound decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboundStats {
    /// Outbound decisions waiting for their sink.
    pub pending: u64,
    pub fires_waiting: u64,
    /// Since the folder was created.
    pub contacts_delivered: u64,
    pub contacts_failed: u64,
}

/// Provisioning jobs (accepted offers fulfilled through an endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProvisionStats {
    /// Open: not yet provisioned nor failed for good.
    pub pending: u64,
    /// Since the folder was created.
    pub provisioned: u64,
    pub failed: u64,
}

/// The learner's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LearningStats {
    /// Responses queued, not yet published.
    pub pending: u64,
    /// Models in the published snapshot.
    pub models: u64,
    pub published_version: u64,
    /// Decisions waiting for a response timeout.
    pub timeouts_scheduled: u64,
}

impl Hub {
    /// Storage figures; walks every shard (milliseconds for millions of customers).
    pub fn stats(&self) -> HubStats {
        let journal_end = self.journal.end().0;
        let applied = self.events.applied_end.load(Ordering::Acquire);
        let (snapshots_taken, last_snapshot) = self.snapshots.taken();
        HubStats {
            store: self.events.profiles.stats(),
            journal_end,
            apply_lag_bytes: journal_end.saturating_sub(applied),
            journal_bytes_since_snapshot: self.journal_bytes_since_snapshot(),
            snapshots_taken,
            last_snapshot,
            recovery: self.recovery().clone(),
            trigger_fires: self.events.triggers.lock().counts().clone(),
            breakers: self.breakers.stats(&self.strategy),
            contacts_kept: self.contacts.len() as u64,
            learning: {
                let models = self.learner.snapshot();
                LearningStats {
                    pending: self.learner.pending() as u64,
                    models: models.len() as u64,
                    published_version: models.version,
                    timeouts_scheduled: self.timeouts_scheduled() as u64,
                }
            },
            provisions: self.provisions.lock().stats(),
            outbound: self.outbox.lock().stats(&self.events.fires.lock()),
        }
    }
}
