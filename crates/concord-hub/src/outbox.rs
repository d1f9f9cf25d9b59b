//! Outbound: trigger fires waiting for their decision, and the outbox of outbound decisions
//! waiting for their sink.
//!
//! A fire (from an event applied live) queues; the outbound worker asks
//! [`Hub::decide_for_fire`](crate::Hub::decide_for_fire), which decides in the trigger's channel
//! with the fire's key in the context (`context.fire`), once per fire: a journaled decision
//! names its fire, so a fire the log shows decided is never decided again (after a restart the
//! recent fires no decision names are queued again). An outbound decision with actions, made
//! for a fire or a run, waits in the outbox until its sink took it
//! (`JournalRecord::Delivered` closes it); one still open when the hub stops is open again after
//! a restart and sent again with the same contact ids.

use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{DecisionId, DecisionRecord, Timestamp, Value};
use concord_profile::TriggerFire;
use std::collections::{BTreeMap, HashSet, VecDeque};

/// The context key a fire's decision carries its fire key in.
pub const FIRE_KEY: &str = "fire";
/// The context key a batch run's decision carries the run id in.
pub const RUN_KEY: &str = "run";
/// Fires waiting at most; past it the oldest are dropped (and counted).
const FIRES_WAITING: usize = 100_000;
/// After a restart, fires this recent (event time against the wall clock) that no logged
/// decision names are queued again: the ones a crash caught between the event and its decision.
pub(crate) const FIRE_REQUEUE_MS: i64 = 3_600_000;
/// Finished deliveries kept for reading back; counts cover all.
const RECENT_DONE: usize = 10_000;

/// `<trigger>:<customer>:<event id>`: one fire, named the same on every replay.
pub fn fire_key(fire: &TriggerFire) -> String {
    format!("{}:{}:{}", fire.trigger, fire.customer_id, fire.event_id)
}

/// Fires from live events waiting for a decision.
#[derive(Debug, Default)]
pub(crate) struct FireQueue {
    waiting: VecDeque<TriggerFire>,
    pub(crate) dropped: u64,
}

impl FireQueue {
    pub(crate) fn push(&mut self, fires: impl IntoIterator<Item = TriggerFire>) {
        for fire in fires {
            if self.waiting.len() >= FIRES_WAITING {
                self.waiting.pop_front();
                self.dropped += 1;
            }
            self.waiting.push_back(fire);
        }
    }

    pub(crate) fn take(&mut self, max: usize) -> Vec<TriggerFire> {
        let n = max.min(self.waiting.len());
        self.waiting.drain(..n).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }
}

/// How a sink took an outbound decision's contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub decision_id: DecisionId,
    /// The sink's name (the connections file).
    pub sink: String,
    pub time: Timestamp,
    /// Contacts the sink took.
    pub delivered: u32,
    /// Contacts it failed for good.
    pub failed: u32,
    /// Why they failed (empty when none did).
    pub reason: String,
}

/// A finished delivery with its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryDone {
    pub decision: DecisionRecord,
    pub record: DeliveryRecord,
}

/// What `GET /v1/outbound` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutboxReport {
    /// Outbound decisions waiting for their sink, oldest first.
    pub pending: Vec<DecisionRecord>,
    pub fires_waiting: u64,
    pub fires_dropped: u64,
    pub contacts_delivered: u64,
    pub contacts_failed: u64,
    /// Newest first.
    pub recent: Vec<DeliveryDone>,
}

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pending: BTreeMap<DecisionId, DecisionRecord>,
    /// Fire keys and follow-up keys some logged decision names.
    decided_fires: HashSet<String>,
    /// Follow-ups of durable responses waiting for their decision.
    follow_ups: VecDeque<crate::follow_up::FollowUpJob>,
    recent: VecDeque<DeliveryDone>,
    delivered: u64,
    failed: u64,
}

/// The fire key (or follow-up key) or run a decision was made for, when it was made for one.
fn made_for(record: &DecisionRecord) -> (Option<&str>, bool) {
    let text = |key: &str| match record.context.get(key) {
        Some(Value::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    (
        text(FIRE_KEY).or_else(|| text(crate::follow_up::FOLLOW_UP_KEY)),
        text(RUN_KEY).is_some(),
    )
}

impl Outbox {
    /// Every decision the hub logs (live and on replay): remembers its fire, and queues an
    /// outbound one made for a fire or a run with actions to send.
    pub(crate) fn decided(&mut self, record: &DecisionRecord, outbound: bool) {
        let (fire, run) = made_for(record);
        if let Some(fire) = fire {
            self.decided_fires.insert(fire.to_owned());
        }
        // A run's decisions are delivered by the run itself (`Hub::run_batch`).
        if outbound && fire.is_some() && !run && !record.actions.is_empty() {
            self.pending
                .insert(record.decision_id.clone(), record.clone());
        }
    }

    pub(crate) fn fire_decided(&self, key: &str) -> bool {
        self.decided_fires.contains(key)
    }

    pub(crate) fn queue_follow_ups(
        &mut self,
        jobs: impl IntoIterator<Item = crate::follow_up::FollowUpJob>,
    ) {
        for job in jobs {
            if self.follow_ups.len() >= FIRES_WAITING {
                self.follow_ups.pop_front();
            }
            self.follow_ups.push_back(job);
        }
    }

    pub(crate) fn take_follow_ups(&mut self) -> Vec<crate::follow_up::FollowUpJob> {
        self.follow_ups.drain(..).collect()
    }

    pub(crate) fn pending(&self) -> Vec<DecisionRecord> {
        self.pending.values().cloned().collect()
    }

    pub(crate) fn is_pending(&self, decision: &DecisionId) -> bool {
        self.pending.contains_key(decision)
    }

    /// Closes a delivery; `false` when it was not open.
    pub(crate) fn close(&mut self, record: &DeliveryRecord) -> bool {
        let Some(decision) = self.pending.remove(&record.decision_id) else {
            return false;
        };
        self.delivered += u64::from(record.delivered);
        self.failed += u64::from(record.failed);
        self.recent.push_back(DeliveryDone {
            decision,
            record: record.clone(),
        });
        if self.recent.len() > RECENT_DONE {
            self.recent.pop_front();
        }
        true
    }

    pub(crate) fn stats(&self, fires: &FireQueue) -> crate::stats::OutboundStats {
        crate::stats::OutboundStats {
            pending: self.pending.len() as u64,
            fires_waiting: fires.len() as u64,
            contacts_delivered: self.delivered,
            contacts_failed: self.failed,
        }
    }

    pub(crate) fn report(&self, limit: usize, fires: &FireQueue) -> OutboxReport {
        OutboxReport {
            pending: self.pending.values().take(limit).cloned().collect(),
            fires_waiting: fires.len() as u64,
            fires_dropped: fires.dropped,
            contacts_delivered: self.delivered,
            contacts_failed: self.failed,
            recent: self.recent.iter().rev().take(limit).cloned().collect(),
        }
    }

    /// The outbox's binary form (a snapshot section). The decided fires are not in it: they
    /// are rebuilt from the decision log.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.delivered.encode(out);
        self.failed.encode(out);
        (self.pending.len() as u64).encode(out);
        for record in self.pending.values() {
            record.encode(out);
        }
        (self.recent.len() as u64).encode(out);
        for done in &self.recent {
            done.decision.encode(out);
            done.record.encode(out);
        }
    }

    pub(crate) fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut outbox = Self {
            delivered: input.read()?,
            failed: input.read()?,
            ..Self::default()
        };
        for _ in 0..input.count()? {
            let record: DecisionRecord = input.read()?;
            outbox.pending.insert(record.decision_id.clone(), record);
        }
        for _ in 0..input.count()? {
            outbox.recent.push_back(DeliveryDone {
                decision: input.read()?,
                record: input.read()?,
            });
        }
        Ok(outbox)
    }
}

impl BinaryCodec for DeliveryRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        self.decision_id.encode(out);
        self.sink.encode(out);
        self.time.encode(out);
        self.delivered.encode(out);
        self.failed.encode(out);
        self.reason.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            decision_id: input.read()?,
            sink: input.read()?,
            time: input.read()?,
            delivered: input.read()?,
            failed: input.read()?,
            reason: input.read()?,
        })
    }
}
