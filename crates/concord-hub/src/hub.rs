//! The hub's operations: ingest, load, decide, respond, and the read models behind the API.

use crate::decision_log::DecisionLog;
use crate::error::HubError;
use crate::record::JournalRecord;
use crate::trigger_log::{TriggerLog, TriggerReport};
use concord_decide::{DecisionRequest, decide};
use concord_ingest::{BaseRow, BaseSink, EventSink, IngestSummary, Refusal, SinkError};
use concord_learn::{Learner, ModelSnapshot};
use concord_measure::{KpiBook, KpiReport};
use concord_model::{
    ActionId, Attributes, ChannelId, CustomerId, DecisionId, DecisionRecord, Event, Outcome,
    ResponseRecord, Timestamp, TraceEntry,
};
use concord_profile::{
    Admission, CompiledSchema, Journal, JournalOptions, JournalReplay, Position, Profile,
    ProfileStore, TriggerFire,
};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The journal's segment folder inside the data folder.
const JOURNAL_DIR: &str = "journal";
/// Where the JSON-lines journal lived before the binary segments; refused, not read.
const LEGACY_JOURNAL_FILE: &str = "journal.log";
const LOCK_FILE: &str = "LOCK";
/// Events the customer view shows.
const RECENT_EVENTS: usize = 20;
/// Events the timeline shows, at most.
const TIMELINE_EVENTS: usize = 200;

#[derive(Debug)]
pub struct Hub {
    strategy: Arc<Strategy>,
    profiles: ProfileStore,
    journal: Journal<JournalRecord>,
    learner: Learner,
    kpis: KpiBook,
    decisions: Mutex<DecisionLog>,
    triggers: Mutex<TriggerLog>,
    next_decision: AtomicU64,
    replayed: JournalReplay,
    /// Held for the hub's life: one process writes a data folder at a time.
    _lock: std::fs::File,
}

#[derive(Debug, Clone)]
pub struct DecisionOutcome {
    pub record: DecisionRecord,
    pub trace: Vec<TraceEntry>,
}

#[derive(Debug, Clone)]
pub struct ResponseOutcome {
    pub record: ResponseRecord,
    /// True when this (decision, action) already had a response: nothing changed.
    pub duplicate: bool,
}

/// One entry of a customer's timeline.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineItem {
    Event(Event),
    Trigger { trigger: String, time: Timestamp },
    Decision(DecisionRecord),
    Response(ResponseRecord),
}

impl TimelineItem {
    pub fn time(&self) -> Timestamp {
        match self {
            TimelineItem::Event(e) => e.time,
            TimelineItem::Trigger { time, .. } => *time,
            TimelineItem::Decision(d) => d.time,
            TimelineItem::Response(r) => r.time,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            TimelineItem::Event(_) => 0,
            TimelineItem::Trigger { .. } => 1,
            TimelineItem::Decision(_) => 2,
            TimelineItem::Response(_) => 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CustomerSnapshot {
    pub profile: Profile,
    /// The newest events first, read back from the journal.
    pub recent_events: Vec<Event>,
    /// When each trigger last fired for this customer.
    pub triggers: Vec<(String, Timestamp)>,
    /// Every aggregate and derived field, as seen at the snapshot's time.
    pub computed: Attributes,
    pub decisions: Vec<DecisionRecord>,
}

impl Hub {
    /// Opens the hub on `data_dir`, replaying its journal so memory matches what was acknowledged.
    pub fn open(data_dir: &Path, strategy: Arc<Strategy>) -> Result<Hub, HubError> {
        std::fs::create_dir_all(data_dir).map_err(|source| {
            concord_profile::ProfileError::JournalIo {
                path: data_dir.to_owned(),
                source,
            }
        })?;
        let lock = lock_data_dir(data_dir)?;
        let profiles = ProfileStore::new(CompiledSchema::new(
            Arc::new(strategy.profile_schema().clone()),
            Arc::from(strategy.triggers().to_vec()),
        ));
        let mut triggers = TriggerLog::default();
        let learner = Learner::new();
        let kpis = KpiBook::new();
        let mut decisions = DecisionLog::default();
        let mut decision_count = 0u64;
        let mut pending_responses = Vec::new();
        let mut skipped_values = 0usize;
        let wall_ms = Timestamp::now().as_millisecond();
        let legacy = data_dir.join(LEGACY_JOURNAL_FILE);
        if legacy.exists() {
            return Err(
                concord_profile::ProfileError::JournalFormatChanged { path: legacy }.into(),
            );
        }
        // Snapshots will move `from` forward; until then every record is replayed. The position
        // each record had is available to the callback for chaining a customer's events.
        let (journal, replayed) = Journal::<JournalRecord>::open(
            &data_dir.join(JOURNAL_DIR),
            JournalOptions::default(),
            Position(0),
            |position, record| match record {
                JournalRecord::Customer {
                    customer_id,
                    attributes,
                    holdings,
                } => {
                    let problems = profiles.upsert(&customer_id, &attributes, &holdings);
                    if !problems.is_empty() {
                        skipped_values += problems.len();
                    }
                }
                JournalRecord::Event { event, .. } => {
                    // Replaying in journal order fires exactly what firing on arrival did.
                    profiles.replayed(&event, wall_ms);
                    triggers.record(profiles.apply_admitted(&event, Some(position.0)));
                }
                JournalRecord::Decision(record) => {
                    decision_count += 1;
                    kpis.record_decision(&record);
                    decisions.insert(record);
                }
                JournalRecord::Response(response) => {
                    if let Some(entry) = decisions.get_mut(&response.decision_id) {
                        entry.responded.insert(response.action_id.clone());
                        entry.responses.push(response.clone());
                        let value = action_value(&entry.record, &response.action_id);
                        kpis.record_response(&response, value);
                    }
                    pending_responses.push(response);
                }
            },
        )?;
        learner.learn(&pending_responses);
        if skipped_values > 0 {
            tracing::warn!(
                values = skipped_values,
                "base-load values that no longer fit profile.yaml were skipped on replay"
            );
        }
        tracing::info!(
            records = replayed.records,
            customers = profiles.len(),
            decisions = decision_count,
            "journal replayed"
        );
        Ok(Hub {
            strategy,
            profiles,
            journal,
            learner,
            kpis,
            decisions: Mutex::new(decisions),
            triggers: Mutex::new(triggers),
            next_decision: AtomicU64::new(decision_count),
            replayed,
            _lock: lock,
        })
    }

    pub fn strategy(&self) -> &Arc<Strategy> {
        &self.strategy
    }

    pub fn replayed(&self) -> JournalReplay {
        self.replayed
    }

    pub fn customer_count(&self) -> usize {
        self.profiles.len()
    }

    pub fn models(&self) -> Arc<ModelSnapshot> {
        self.learner.snapshot()
    }

    /// Loads base rows (static attributes and holdings), durably. A row that does not fit the
    /// schema refuses the whole call before anything is written.
    pub async fn load_customers(
        &self,
        rows: Vec<(CustomerId, Attributes, Vec<String>)>,
    ) -> Result<usize, HubError> {
        for (customer_id, attributes, _) in &rows {
            self.profiles
                .check_row(customer_id, attributes)
                .map_err(|source| HubError::BadRow {
                    customer: customer_id.clone(),
                    source,
                })?;
        }
        let records: Vec<JournalRecord> = rows
            .into_iter()
            .map(
                |(customer_id, attributes, holdings)| JournalRecord::Customer {
                    customer_id,
                    attributes,
                    holdings,
                },
            )
            .collect();
        self.journal.append_durable(&records).await?;
        for record in &records {
            if let JournalRecord::Customer {
                customer_id,
                attributes,
                holdings,
            } = record
            {
                self.profiles.upsert(customer_id, attributes, holdings);
            }
        }
        Ok(self.profiles.len())
    }

    /// Admits the events not seen before (refusing late ones), journals them, then applies them.
    /// Returns once they are durable.
    pub async fn ingest(&self, events: Vec<Event>) -> Result<IngestSummary, HubError> {
        let wall_ms = Timestamp::now().as_millisecond();
        let mut summary = IngestSummary::default();
        let mut fresh: Vec<JournalRecord> = Vec::with_capacity(events.len());
        // Admission runs under the journal's sequencing lock, so a duplicate of an event another
        // batch is writing is acknowledged only after that write (this append is queued after
        // it), and each event's chain link names the customer's previous event's position.
        let done = self.journal.append_with(|frames| {
            for (index, event) in events.into_iter().enumerate() {
                match self.profiles.admit(&event, wall_ms) {
                    Admission::Fresh => {
                        let position = frames.next_position();
                        let prev = self.profiles.swap_head(&event.customer_id, position.0);
                        let record = JournalRecord::Event { event, prev };
                        frames.push(&record);
                        fresh.push(record);
                    }
                    Admission::Duplicate => summary.duplicates += 1,
                    Admission::Late { watermark_ms } => summary.refused.push(Refusal {
                        index,
                        field: Some("time"),
                        reason: late_reason(&event, watermark_ms, self.profiles.schema()),
                    }),
                    Admission::Invalid(reason) => summary.refused.push(Refusal {
                        index,
                        field: None,
                        reason: reason.to_owned(),
                    }),
                }
            }
        });
        let outcome = match done {
            Ok(done) => self.journal.wait(done).await.map_err(HubError::from),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = outcome {
            // Not durable, so not accepted: a retry must find these events fresh.
            let events: Vec<&Event> = fresh
                .iter()
                .filter_map(|r| match r {
                    JournalRecord::Event { event, .. } => Some(event),
                    _ => None,
                })
                .collect();
            self.profiles.forget(&events);
            return Err(e);
        }
        let mut fires: Vec<TriggerFire> = Vec::new();
        for record in &fresh {
            if let JournalRecord::Event { event, .. } = record {
                fires.extend(self.profiles.apply_admitted(event, None));
                summary.accepted += 1;
            }
        }
        summary.triggers_fired = fires.len();
        if !fires.is_empty() {
            self.triggers.lock().record(fires);
        }
        Ok(summary)
    }

    /// The customer's newest events, newest first, read back along their journal chain.
    async fn recent_events(&self, id: &CustomerId, limit: usize) -> Vec<Event> {
        let Some(mut at) = self.profiles.read(id, |p| p.head()).flatten() else {
            return Vec::new();
        };
        if at >= self.journal.durable_end().0 {
            // The newest event is still being written: wait for the next group commit.
            if let Err(e) = self.journal.append_durable(&[]).await {
                tracing::warn!(error = %e, "could not wait for the journal to read recent events");
            }
        }
        let mut events = Vec::new();
        while events.len() < limit {
            match self.journal.read_at(Position(at)) {
                Ok(JournalRecord::Event { event, prev }) => {
                    events.push(event);
                    match prev {
                        Some(p) => at = p,
                        None => break,
                    }
                }
                Ok(_) => {
                    tracing::warn!(customer = %id, position = at, "an event chain points at a record that is not an event");
                    break;
                }
                // Older segments may have been removed after a snapshot: the chain ends there.
                Err(e) => {
                    tracing::debug!(customer = %id, position = at, error = %e, "event chain ends");
                    break;
                }
            }
        }
        // The chain is in arrival order; late events take their place by event time.
        events.sort_by_key(|e| std::cmp::Reverse(e.time));
        events
    }

    /// Runs the funnel for a known customer and records the decision before answering.
    pub async fn decide(
        &self,
        customer_id: &CustomerId,
        request: DecisionRequest,
        time: Timestamp,
    ) -> Result<DecisionOutcome, HubError> {
        let models = self.learner.snapshot();
        let decision = self
            .profiles
            .read(customer_id, |profile| {
                let env = profile.env(time);
                decide(&self.strategy, &env, &request, &*models)
            })
            .ok_or_else(|| HubError::UnknownCustomer(customer_id.clone()))??;
        let seq = self.next_decision.fetch_add(1, Ordering::Relaxed) + 1;
        let record = DecisionRecord {
            decision_id: DecisionId::new(format!("d-{:x}-{seq}", time.as_millisecond())),
            customer_id: customer_id.clone(),
            channel: request.channel,
            time,
            strategy_hash: self.strategy.hash().to_owned(),
            context: request.context,
            actions: decision.actions,
        };
        self.journal
            .append_durable(&[JournalRecord::Decision(record.clone())])
            .await?;
        self.kpis.record_decision(&record);
        self.decisions.lock().insert(record.clone());
        Ok(DecisionOutcome {
            record,
            trace: decision.trace,
        })
    }

    /// Matches a response to its decision, journals it, and feeds KPIs and the learner.
    pub async fn respond(
        &self,
        decision_id: &DecisionId,
        action_id: &ActionId,
        outcome: Outcome,
        time: Timestamp,
    ) -> Result<ResponseOutcome, HubError> {
        // Claim the (decision, action) pair under the lock so concurrent duplicates count once.
        let (record, value) = {
            let mut log = self.decisions.lock();
            let entry = log
                .get_mut(decision_id)
                .ok_or_else(|| HubError::UnknownDecision(decision_id.clone()))?;
            if !entry
                .record
                .actions
                .iter()
                .any(|a| &a.action_id == action_id)
            {
                return Err(HubError::ActionNotInDecision {
                    action: action_id.clone(),
                    decision: decision_id.clone(),
                    offered: entry
                        .record
                        .actions
                        .iter()
                        .map(|a| a.action_id.0.clone())
                        .collect(),
                });
            }
            let record = ResponseRecord {
                decision_id: decision_id.clone(),
                action_id: action_id.clone(),
                customer_id: entry.record.customer_id.clone(),
                channel: entry.record.channel.clone(),
                outcome,
                time,
            };
            if !entry.responded.insert(action_id.clone()) {
                return Ok(ResponseOutcome {
                    record,
                    duplicate: true,
                });
            }
            (record, action_value(&entry.record, action_id))
        };
        if let Err(e) = self
            .journal
            .append_durable(&[JournalRecord::Response(record.clone())])
            .await
        {
            // Not durable, so not accepted: release the claim so a retry can succeed.
            if let Some(entry) = self.decisions.lock().get_mut(decision_id) {
                entry.responded.remove(action_id);
            }
            return Err(e.into());
        }
        if let Some(entry) = self.decisions.lock().get_mut(decision_id) {
            entry.responses.push(record.clone());
        }
        self.kpis.record_response(&record, value);
        self.learner.learn(std::slice::from_ref(&record));
        Ok(ResponseOutcome {
            record,
            duplicate: false,
        })
    }

    /// The customer view at `now`: profile, aggregates and derived fields, recent decisions.
    pub async fn customer(&self, id: &CustomerId, now: Timestamp) -> Option<CustomerSnapshot> {
        let (profile, computed, triggers) = self
            .profiles
            .read(id, |p| (p.view(), p.computed(now), p.trigger_history()))?;
        let decisions = self
            .decisions
            .lock()
            .recent_for(id)
            .into_iter()
            .map(|(decision, _)| decision)
            .collect();
        Some(CustomerSnapshot {
            recent_events: self.recent_events(id, RECENT_EVENTS).await,
            profile,
            triggers,
            computed,
            decisions,
        })
    }

    pub fn knows_customer(&self, id: &CustomerId) -> bool {
        self.profiles.contains(id)
    }

    /// The customer's recent history, newest first: events, decisions, responses, trigger fires.
    pub async fn timeline(&self, id: &CustomerId) -> Option<Vec<TimelineItem>> {
        let fires = self.profiles.read(id, |p| p.trigger_history())?;
        let events = self.recent_events(id, TIMELINE_EVENTS).await;
        let mut items: Vec<TimelineItem> = events.into_iter().map(TimelineItem::Event).collect();
        items.extend(
            fires
                .into_iter()
                .map(|(trigger, time)| TimelineItem::Trigger { trigger, time }),
        );
        for (decision, responses) in self.decisions.lock().recent_for(id) {
            items.extend(responses.into_iter().map(TimelineItem::Response));
            items.push(TimelineItem::Decision(decision));
        }
        // Newest first; at equal times, the order of the data flow reversed (response after decision).
        items.sort_by(|a, b| b.time().cmp(&a.time()).then(b.rank().cmp(&a.rank())));
        Some(items)
    }

    /// Trigger fires: counts per trigger and the most recent fires, newest first.
    pub fn triggers(&self, limit: usize) -> TriggerReport {
        self.triggers.lock().report(limit)
    }

    pub fn kpis(&self) -> KpiReport {
        self.kpis.report()
    }

    pub fn decisions_kept(&self) -> usize {
        self.decisions.lock().len()
    }

    pub fn channel_ids(&self) -> Vec<ChannelId> {
        self.strategy
            .channels()
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }
}

/// Takes the data folder's exclusive lock, so a second server or a bulk load can't interleave writes.
fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, HubError> {
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| concord_profile::ProfileError::JournalIo {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(HubError::DataDirInUse(data_dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => {
            Err(concord_profile::ProfileError::JournalIo { path, source }.into())
        }
    }
}

/// Why a late event was refused, in words a sender can act on.
fn late_reason(event: &Event, watermark_ms: i64, schema: &CompiledSchema) -> String {
    let watermark = Timestamp::from_millisecond(watermark_ms)
        .map_or_else(|_| watermark_ms.to_string(), |t| t.to_string());
    let hours = schema.allowed_lateness_ms() as f64 / 3_600_000.0;
    format!(
        "event time {} is more than {hours}h (profile.yaml allowed_lateness) behind the newest event seen ({watermark}): too late to count",
        event.time
    )
}

fn action_value(record: &DecisionRecord, action: &ActionId) -> f64 {
    record
        .actions
        .iter()
        .find(|a| &a.action_id == action)
        .map_or(0.0, |a| a.value)
}

impl EventSink for Hub {
    async fn ingest(&self, events: Vec<Event>) -> Result<IngestSummary, SinkError> {
        Ok(Hub::ingest(self, events).await?)
    }
}

impl BaseSink for Hub {
    async fn load(&self, rows: Vec<BaseRow>) -> Result<(), SinkError> {
        let rows = rows
            .into_iter()
            .map(|r| (r.customer_id, r.attributes, r.holdings))
            .collect();
        self.load_customers(rows).await?;
        Ok(())
    }
}
