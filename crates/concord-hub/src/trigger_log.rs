//! The record of trigger fires: counts per trigger and a bounded list of the latest fires.
//!
//! Fires follow from events and the strategy alone, so replaying the journal rebuilds this log.

use concord_model::codec::{BinaryCodec, DecodeError, Reader};
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

    /// The recent fires, oldest first.
    pub(crate) fn recent(&self) -> impl Iterator<Item = &TriggerFire> {
        self.recent.iter()
    }

    pub(crate) fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub(crate) fn report(&self, limit: usize) -> TriggerReport {
        TriggerReport {
            counts: self.counts.clone(),
            recent: self.recent.iter().rev().take(limit).cloned().collect(),
        }
    }

    /// Appends the log's binary form (for a snapshot).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        (self.counts.len() as u64).encode(out);
        for (trigger, count) in &self.counts {
            trigger.encode(out);
            count.encode(out);
        }
        (self.recent.len() as u64).encode(out);
        for fire in &self.recent {
            fire.trigger.encode(out);
            fire.customer_id.encode(out);
            fire.channel.encode(out);
            fire.time.encode(out);
            fire.event_id.encode(out);
            fire.context.encode(out);
        }
    }

    pub(crate) fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut log = Self::default();
        for _ in 0..input.count()? {
            let trigger: String = input.read()?;
            let count: u64 = input.read()?;
            log.counts.insert(trigger, count);
        }
        for _ in 0..input.count()? {
            log.recent.push_back(TriggerFire {
                trigger: input.read()?,
                customer_id: input.read()?,
                channel: input.read()?,
                time: input.read()?,
                event_id: input.read()?,
                context: input.read()?,
            });
        }
        Ok(log)
    }
}
