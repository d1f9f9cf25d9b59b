//! Batch outbound runs: the funnel over the base (or a segment of it) in one outbound channel,
//! on every core, with each contact journaled as a decision before it is handed on.
//!
//! A run decides like any request in its channel (consent, quiet hours, caps, pauses, volume
//! budgets, control arms and experiments all hold) and records every contact as an impression,
//! so caps hold across inbound and outbound. A decision that placed an action is journaled
//! (with the run id in `context.run`, its predictors so a response teaches the models, and no
//! copy of the contact history: a run's decisions are not replayed one by one) and passed to
//! the caller's `deliver` in chunks; a customer who got nothing is only counted, by the
//! furthest funnel stage their actions reached. The run's own deliverer writes the contacts
//! to the channel's sink: run decisions never wait in the outbox. The decision log keeps a
//! run's contacts compact (a journal position each, by a block of decision numbers per chunk)
//! and reads one back when a response or its timeout comes.

use crate::decision_log::decision_id;
use crate::hub::Hub;
use crate::{HubError, JournalRecord, RUN_KEY};
use concord_decide::DecisionRequest;
use concord_model::{
    Attributes, ChannelId, CustomerId, DecisionId, DecisionRecord, Timestamp, Value,
};
use concord_strategy::Rule;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Customers one worker takes at a time (one journal append per chunk).
const CHUNK: usize = 8_192;

/// What to run: a channel, optionally a segment rule and a cap on contacts.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RunSpec {
    /// A label for people (defaults to the channel).
    pub name: Option<String>,
    /// An outbound channel of the strategy.
    pub channel: String,
    /// A rule over the profile (the strategy's rule language); absent: the whole base.
    pub segment: Option<String>,
    /// Contacts at most; absent: no cap besides the contact policy's.
    pub limit: Option<u64>,
    /// Context for the decisions (rules read it as `context.<name>`).
    pub context: Attributes,
}

/// A checked run, ready to start.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub id: String,
    pub spec: RunSpec,
    segment: Option<Rule>,
}

/// Where a run stands, as it goes and when it ended.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RunTally {
    /// Customers in the base when the run started.
    pub customers: u64,
    /// Customers looked at so far.
    pub scanned: u64,
    /// Outside the segment (or the segment rule could not be judged for them).
    pub excluded: u64,
    /// Customers the funnel decided for.
    pub decided: u64,
    /// Customers given a contact.
    pub contacted: u64,
    /// Contacts (actions) handed to the sink.
    pub contacts: u64,
    /// Customers given nothing, by the furthest funnel stage their actions reached.
    pub held: BTreeMap<String, u64>,
    /// Contacts per action.
    pub actions: BTreeMap<String, u64>,
    /// Contacts per control arm.
    pub arms: BTreeMap<String, u64>,
    /// Whether the run stopped at its contact limit.
    pub limit_reached: bool,
    /// Where the time went: segment and funnel, journal, delivery (milliseconds, summed over
    /// the workers for the first two).
    pub decide_ms: u64,
    pub journal_ms: u64,
    pub deliver_ms: u64,
}

impl RunTally {
    fn merge(&mut self, other: RunTally) {
        self.scanned += other.scanned;
        self.excluded += other.excluded;
        self.decided += other.decided;
        self.contacted += other.contacted;
        self.contacts += other.contacts;
        for (map, from) in [
            (&mut self.held, other.held),
            (&mut self.actions, other.actions),
            (&mut self.arms, other.arms),
        ] {
            for (k, v) in from {
                *map.entry(k).or_default() += v;
            }
        }
        self.decide_ms += other.decide_ms;
        self.journal_ms += other.journal_ms;
    }
}

/// A run's live figures: what `GET /v1/runs/{id}` reads while it goes.
#[derive(Debug, Default)]
pub struct RunProgress {
    tally: Mutex<RunTally>,
    stop: AtomicBool,
}

impl RunProgress {
    pub fn tally(&self) -> RunTally {
        self.tally.lock().clone()
    }

    /// Asks the run to stop after the chunks in hand (a cancelled run keeps what it sent).
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn add_deliver_ms(&self, ms: u64) {
        self.tally.lock().deliver_ms += ms;
    }
}

impl Hub {
    /// Checks a run before it starts: the channel is an outbound channel of the strategy, the
    /// segment compiles against the profile, the limit is positive.
    pub fn plan_run(&self, spec: RunSpec, time: Timestamp) -> Result<RunPlan, HubError> {
        let bad = |field: &str, reason: String| HubError::BadRun {
            field: field.to_owned(),
            reason,
        };
        let outbound: Vec<String> = self
            .strategy
            .channels()
            .iter()
            .filter(|c| c.direction == concord_model::Direction::Outbound)
            .map(|c| c.id.0.clone())
            .collect();
        if !outbound.contains(&spec.channel) {
            let what = if self.strategy.channel(&spec.channel).is_some() {
                "is an inbound channel"
            } else {
                "is not a channel of the strategy"
            };
            return Err(bad(
                "channel",
                format!(
                    "`{}` {what}; a run goes out through one of: {}",
                    spec.channel,
                    outbound.join(", ")
                ),
            ));
        }
        let segment = match spec.segment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(src) => Some(
                Rule::compile(src, self.strategy.profile_schema())
                    .map_err(|e| bad("segment", e.to_string()))?,
            ),
        };
        if spec.limit == Some(0) {
            return Err(bad("limit", "must be at least 1 (or absent)".to_owned()));
        }
        let seq = self.next_run.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(RunPlan {
            id: format!("run-{}-{seq}", time.strftime("%Y%m%dT%H%M%S%3fZ")),
            spec,
            segment,
        })
    }

    /// Runs `plan` over the base on every core, deciding at `clock()` (read once a chunk),
    /// journaling each chunk's contacts before `deliver` gets them (called on this thread, in
    /// chunks, in no particular customer order). Blocking: call it from a thread of its own.
    /// Returns the final tally; an error of the journal or of `deliver` stops the run (what was
    /// delivered stays delivered, the rest of the chunk in hand was journaled as impressions).
    pub fn run_batch(
        &self,
        plan: &RunPlan,
        clock: &(dyn Fn() -> Timestamp + Sync),
        progress: &RunProgress,
        deliver: &mut dyn FnMut(Vec<DecisionRecord>) -> Result<(), String>,
    ) -> Result<RunTally, HubError> {
        let profiles = self.profiles();
        progress.tally.lock().customers = profiles.len() as u64;
        let cursor = Mutex::new((0usize, 0usize));
        let contacted = AtomicU64::new(0);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(16));
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<DecisionRecord>>(workers * 2);
        let failure: Mutex<Option<HubError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (cursor, contacted, failure) = (&cursor, &contacted, &failure);
                scope.spawn(move || {
                    while !progress.cancelled() {
                        let Some(ids) = next_chunk(self, cursor) else {
                            break;
                        };
                        match self.run_chunk(plan, &ids, clock(), contacted, progress) {
                            Ok(records) if records.is_empty() => {}
                            Ok(records) => {
                                if tx.send(records).is_err() {
                                    break;
                                }
                            }
                            Err(e) => {
                                failure.lock().get_or_insert(e);
                                progress.cancel();
                            }
                        }
                    }
                });
            }
            drop(tx);
            let mut delivering = true;
            for records in rx {
                if !delivering {
                    continue;
                }
                let started = Instant::now();
                let count = records.len();
                if let Err(reason) = deliver(records) {
                    failure.lock().get_or_insert(HubError::RunDelivery(reason));
                    progress.cancel();
                    delivering = false;
                }
                progress.add_deliver_ms(started.elapsed().as_millis() as u64);
                tracing::trace!(count, "run chunk delivered");
            }
        });
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        let mut tally = progress.tally();
        tally.limit_reached = plan
            .spec
            .limit
            .is_some_and(|l| contacted.load(Ordering::Relaxed) >= l);
        Ok(tally)
    }

    /// One chunk: segment, funnel, journal, log. Returns the decisions with contacts.
    fn run_chunk(
        &self,
        plan: &RunPlan,
        ids: &[CustomerId],
        time: Timestamp,
        contacted: &AtomicU64,
        progress: &RunProgress,
    ) -> Result<Vec<DecisionRecord>, HubError> {
        let started = Instant::now();
        let limit = plan.spec.limit.unwrap_or(u64::MAX);
        let mut tally = RunTally::default();
        let mut context = plan.spec.context.clone();
        context.insert(RUN_KEY.to_owned(), Value::Str(plan.id.clone()));
        let channel = ChannelId::new(plan.spec.channel.as_str());
        let request = DecisionRequest {
            channel: channel.clone(),
            context,
            limit: None,
            placement: None,
            explain: false,
        };
        let mut journaled = Vec::new();
        // Held from the contact history read to the journal append, as for every decision.
        let gate = self.decision_gate.blocking_read();
        for id in ids {
            if contacted.load(Ordering::Relaxed) >= limit || progress.cancelled() {
                break;
            }
            tally.scanned += 1;
            if let Some(rule) = &plan.segment {
                let inside = self
                    .profiles()
                    .read(id, |p| rule.eval(&p.env(time)))
                    .is_some_and(|v| matches!(v, Ok(Value::Bool(true))));
                if !inside {
                    tally.excluded += 1;
                    continue;
                }
            }
            tally.decided += 1;
            let household = self.household(id, time);
            let arm = self.strategy.control_arms().assign(id.as_str());
            let (mut decision, _) =
                self.run_funnel(id, &request, household.as_deref(), time, arm, false)?;
            if decision.actions.is_empty() {
                let stage = decision.held.map_or("no_action", |s| s.as_str());
                *tally.held.entry(stage.to_owned()).or_default() += 1;
                continue;
            }
            let record = DecisionRecord {
                // Numbered once the chunk is decided: its contacts take a block of numbers.
                decision_id: DecisionId::new(String::new()),
                customer_id: id.clone(),
                channel: channel.clone(),
                time,
                strategy_hash: self.strategy.hash().to_owned(),
                context: request.context.clone(),
                actions: std::mem::take(&mut decision.actions),
                household,
                predictors: std::mem::take(&mut decision.predictors),
                inputs: None,
                arm,
                variant: decision.variant.take(),
            };
            if contacted.fetch_add(1, Ordering::Relaxed) >= limit {
                // Another worker took the last place: this one is no contact after all.
                self.contacts.forget(&record);
                *tally.held.entry("run_limit".to_owned()).or_default() += 1;
                break;
            }
            tally.contacted += 1;
            tally.contacts += record.actions.len() as u64;
            for action in &record.actions {
                *tally.actions.entry(action.action_id.0.clone()).or_default() += 1;
            }
            *tally.arms.entry(arm.as_str().to_owned()).or_default() += 1;
            journaled.push(JournalRecord::Decision(record));
        }
        let decided_at = Instant::now();
        tally.decide_ms = (decided_at - started).as_millis() as u64;
        let first = self
            .next_decision
            .fetch_add(journaled.len() as u64, Ordering::Relaxed)
            + 1;
        for (k, record) in journaled.iter_mut().enumerate() {
            if let JournalRecord::Decision(record) = record {
                record.decision_id = decision_id(time.as_millisecond(), first + k as u64);
            }
        }
        let positions = if journaled.is_empty() {
            Vec::new()
        } else {
            match self.journal.append_blocking(&journaled) {
                Ok(positions) => positions,
                Err(e) => {
                    // Not durable, so not made: their impressions must not count.
                    for record in &journaled {
                        if let JournalRecord::Decision(record) = record {
                            self.contacts.forget(record);
                        }
                    }
                    return Err(e.into());
                }
            }
        };
        let mut records = Vec::with_capacity(journaled.len());
        for record in journaled {
            if let JournalRecord::Decision(record) = record {
                self.kpis.record_decision(&record);
                records.push(record);
            }
        }
        if !records.is_empty() {
            // Compact: a response or timeout reads its decision back from the journal.
            self.decisions.lock().add_run_contacts(
                first,
                time.as_millisecond(),
                &channel,
                positions.into_iter().map(|p| p.0).collect(),
            );
        }
        drop(gate);
        tally.journal_ms = decided_at.elapsed().as_millis() as u64;
        progress.tally.lock().merge(tally);
        Ok(records)
    }
}

/// The next chunk of customer ids, walking shard by shard; `None` once every shard is done.
fn next_chunk(hub: &Hub, cursor: &Mutex<(usize, usize)>) -> Option<Vec<CustomerId>> {
    let profiles = hub.profiles();
    let mut at = cursor.lock();
    loop {
        let (shard, from) = *at;
        if shard >= profiles.shard_count() {
            return None;
        }
        let ids = profiles.ids_in(shard, from, CHUNK);
        if ids.is_empty() {
            *at = (shard + 1, 0);
            continue;
        }
        *at = (shard, from + ids.len());
        return Some(ids);
    }
}
