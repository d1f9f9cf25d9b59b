//! The record of trigger fires: counts per trigger and a bounded list of the latest fires.
//!
//! Fires follow from events and the strategy alone, so replaying the journal rebuilds this log.

use concord_profile::TriggerFire;
use std::collections::{BTreeMap, VecDeque};

/// How many recent fires are kept for reading back; counts cover every fire.
const RECENT_FIRES: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct TriggerLog {
    counts: BTreeMap<String, u64>,
    recent: VecDeque<TriggerFire>,
}

/// What `GET /v1/triggers` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerReport {
    pub counts: BTreeMap<String, u64>,
    /// Newest first.
    pub recent: Vec<TriggerFire>,
}

impl TriggerLog {
    pub(crate) fn record(&mut self, fires: Vec<TriggerFire>) {
        for fire in fires {
            *self.counts.entry(fire.trigger.clone()).or_default() += 1;
            self.recent.push_back(fire);
            if self.recent.len() > RECENT_FIRES {
                self.recent.pop_front();
            }
        }
    }

    pub(crate) fn report(&self, limit: usize) -> TriggerReport {
        TriggerReport {
            counts: self.counts.clone(),
            recent: self.recent.iter().rev().take(limit).cloned().collect(),
        }
    }
}
