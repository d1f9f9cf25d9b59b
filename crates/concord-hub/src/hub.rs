//! The hub's operations: ingest, load, decide, respond, and the read models behind the API.

use crate::apply::{Applier, Batch, EventSide, Staged};
use crate::contacts::ContactBook;
use crate::decision_log::DecisionLog;
use crate::error::HubError;
use crate::open::Recovery;
use crate::record::JournalRecord;
use crate::snapshot::SnapshotDir;
use crate::trigger_log::TriggerReport;
use concord_decide::{DecisionRequest, decide_with};
use concord_ingest::{BaseRow, BaseSink, EventSink, IngestSummary, Refusal, SinkError};
use concord_learn::{Learner, ModelSnapshot};
use concord_measure::{KpiBook, KpiReport};
use concord_model::{
    ActionId, Arm, Attributes, ChannelId, CustomerId, DecisionId, DecisionRecord, Event, Outcome,
    ResponseRecord, Timestamp, TraceEntry,
};
use concord_profile::{
    Admission, CompiledSchema, Journal, JournalReplay, Position, Prepared, Profile, ProfileError,
    ProfileStore,
};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;
/// Events the customer view shows.
const RECENT_EVENTS: usize = 20;
/// Events the timeline shows, at most.
const TIMELINE_EVENTS: usize = 200;

#[derive(Debug)]
pub struct Hub {
    pub(crate) strategy: Arc<Strategy>,
    /// Profiles and trigger fires: written only by the apply thread (and by replay).
    pub(crate) events: Arc<EventSide>,
    /// Dropped before the journal: it finishes the queued batches, which wait on journal writes.
    pub(crate) applier: Applier,
    pub(crate) journal: Journal<JournalRecord>,
    pub(crate) learner: Learner,
    pub(crate) kpis: KpiBook,
    pub(crate) decisions: Mutex<DecisionLog>,
    pub(crate) contacts: ContactBook,
    /// Provisioning jobs (accepted offers of actions with a fulfilment endpoint) and results;
    /// part of the decision side (same gate, same snapshot cut).
    pub(crate) provisions: Mutex<crate::provision::ProvisionBook>,
    /// Woken when a job is queued.
    pub(crate) provision_queued: tokio::sync::Notify,
    /// Outbound decisions waiting for their sink; the fires some decision names.
    pub(crate) outbox: Mutex<crate::outbox::Outbox>,
    /// Woken when an outbound decision is queued.
    pub(crate) outbox_queued: tokio::sync::Notify,
    pub(crate) next_decision: AtomicU64,
    /// Batch runs planned since the hub opened (run ids carry it with the time).
    pub(crate) next_run: AtomicU64,
    /// Held (shared) by a decision or response from journaling to recording, and exclusively by
    /// a snapshot while it copies the decision side, so that copy is exact at one position.
    pub(crate) decision_gate: tokio::sync::RwLock<()>,
    pub(crate) snapshots: SnapshotDir,
    pub(crate) breakers: crate::breaker::Breakers,
    replayed: JournalReplay,
    recovery: Recovery,
    /// Held for the hub's life: one process writes a data folder at a time.
    _lock: std::fs::File,
    data_dir: std::path::PathBuf,
}

/// What [`Hub::open`] hands over to build the hub.
pub(crate) struct Parts {
    pub(crate) strategy: Arc<Strategy>,
    pub(crate) events: Arc<EventSide>,
    pub(crate) applier: Applier,
    pub(crate) journal: Journal<JournalRecord>,
    pub(crate) learner: Learner,
    pub(crate) kpis: KpiBook,
    pub(crate) decisions: DecisionLog,
    pub(crate) contacts: ContactBook,
    pub(crate) provisions: crate::provision::ProvisionBook,
    pub(crate) outbox: crate::outbox::Outbox,
    pub(crate) decision_count: u64,
    pub(crate) replayed: JournalReplay,
    pub(crate) recovery: Recovery,
    pub(crate) snapshots: SnapshotDir,
    pub(crate) lock: std::fs::File,
    pub(crate) data_dir: std::path::PathBuf,
}

/// The business outcomes per customer (experiments.yaml `outcomes`): per control arm, and per
/// experiment challenger against its champion.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    pub arms: Vec<concord_measure::OutcomeReport>,
    pub variants: Vec<concord_measure::VariantOutcome>,
}

#[derive(Debug, Clone)]
pub struct DecisionOutcome {
    pub record: DecisionRecord,
    pub trace: Vec<TraceEntry>,
    /// Actions policy keeps out of this conversation, with the reason (for agents).
    pub do_not_mention: Vec<concord_decide::DoNotMention>,
    /// The channel's circuit breaker was open: these are its default actions, no funnel ran.
    pub fallback: bool,
    /// The profile did not know the customer: decided on an empty profile.
    pub new_customer: bool,
    /// With `explain`: the customer values the rules read, by name (what the log keeps for
    /// replay, with the record's `inputs`).
    pub reads: Vec<(String, concord_model::Value)>,
}

/// The profile of a customer the store does not hold: every value missing, no holdings.
struct NoProfile;

impl concord_strategy::RuleEnv for NoProfile {
    fn lookup(&self, _: &concord_strategy::Var) -> concord_model::Value {
        concord_model::Value::Null
    }
}

/// What a response says: one of the four outcomes, or a custom one (models.yaml
/// `outcomes.custom`) with the outcome it counts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: Outcome,
    pub custom_outcome: Option<String>,
}

impl From<Outcome> for Answer {
    fn from(outcome: Outcome) -> Self {
        Self {
            outcome,
            custom_outcome: None,
        }
    }
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
    /// The contact history the contact policy keeps for the customer, newest first.
    pub contacts: Vec<crate::ContactEntry>,
}

impl Hub {
    pub(crate) fn assemble(parts: Parts) -> Hub {
        Hub {
            breakers: crate::breaker::Breakers::new(&parts.strategy),
            strategy: parts.strategy,
            events: parts.events,
            applier: parts.applier,
            journal: parts.journal,
            learner: parts.learner,
            kpis: parts.kpis,
            decisions: Mutex::new(parts.decisions),
            contacts: parts.contacts,
            provisions: Mutex::new(parts.provisions),
            provision_queued: tokio::sync::Notify::new(),
            outbox: Mutex::new(parts.outbox),
            outbox_queued: tokio::sync::Notify::new(),
            next_decision: AtomicU64::new(parts.decision_count),
            next_run: AtomicU64::new(0),
            decision_gate: tokio::sync::RwLock::new(()),
            snapshots: parts.snapshots,
            replayed: parts.replayed,
            recovery: parts.recovery,
            _lock: parts.lock,
            data_dir: parts.data_dir,
        }
    }

    /// The data folder the hub holds (locked while it is open).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub(crate) fn profiles(&self) -> &ProfileStore {
        &self.events.profiles
    }

    /// What the last open restored and replayed, and how long it took.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    pub fn strategy(&self) -> &Arc<Strategy> {
        &self.strategy
    }

    pub fn replayed(&self) -> JournalReplay {
        self.replayed
    }

    pub fn customer_count(&self) -> usize {
        self.profiles().len()
    }

    /// The models as decisions read them now (responses still queued are not in them yet).
    pub fn models(&self) -> Arc<ModelSnapshot> {
        self.learner.snapshot()
    }

    /// Publishes every response queued for learning, on the caller's thread; the models then
    /// reflect every response acknowledged so far.
    pub fn flush_learning(&self) {
        self.learner.flush();
    }

    /// Every model, in a line each, by model id, with every acknowledged response learnt.
    pub fn model_summaries(&self) -> Vec<concord_learn::report::ModelSummary> {
        self.learner.flush();
        let models = self.learner.snapshot();
        let mut out: Vec<_> = models
            .iter()
            .map(|(key, model)| {
                concord_learn::report::ModelSummary::new(
                    &key,
                    model,
                    self.model_context(&key),
                    &self.learner.config().adm,
                )
            })
            .collect();
        out.sort_by(|a, b| a.model_id.cmp(&b.model_id));
        out
    }

    /// Every model, whole (bins, lift, calibration), by model id.
    pub fn model_reports(&self) -> Vec<concord_learn::report::ModelReport> {
        self.learner.flush();
        let models = self.learner.snapshot();
        let names = self.predictor_names();
        let mut out: Vec<_> = models
            .iter()
            .map(|(key, model)| {
                concord_learn::report::ModelReport::new(
                    &key,
                    model,
                    self.model_context(&key),
                    &names,
                    &self.learner.config().adm,
                )
            })
            .collect();
        out.sort_by(|a, b| a.summary.model_id.cmp(&b.summary.model_id));
        out
    }

    /// One model, whole, by its id (`action@channel`).
    pub fn model_report(&self, model_id: &str) -> Option<concord_learn::report::ModelReport> {
        let (action, context) = model_id.split_once('@')?;
        self.learner.flush();
        let models = self.learner.snapshot();
        // A channel's id names the context its models are kept under.
        let key = concord_learn::ModelKey {
            action: ActionId::new(action),
            channel: ChannelId::new(models.context_of(context)),
        };
        let model = models.model(&key.action, &key.channel)?;
        Some(concord_learn::report::ModelReport::new(
            &key,
            model,
            self.model_context(&key),
            &self.predictor_names(),
            &self.learner.config().adm,
        ))
    }

    fn predictor_names(&self) -> Vec<String> {
        self.strategy
            .models()
            .predictors
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    fn model_context(&self, key: &concord_learn::ModelKey) -> concord_learn::report::ModelContext {
        let action = self.strategy.action(key.action.as_str());
        // The context is a channel, a direction (context_key: direction) or `all`.
        let direction = self
            .strategy
            .channel(key.channel.as_str())
            .map(|c| c.direction.as_str().to_owned())
            .or_else(|| {
                ["inbound", "outbound"]
                    .contains(&key.channel.as_str())
                    .then(|| key.channel.0.clone())
            });
        concord_learn::report::ModelContext {
            issue: action.map(|a| a.issue.clone()).unwrap_or_default(),
            group: action.map(|a| a.group.clone()).unwrap_or_default(),
            direction: direction.unwrap_or_default(),
        }
    }

    /// Responses acknowledged and not yet learnt.
    pub fn learning_pending(&self) -> usize {
        self.learner.pending()
    }

    /// Loads base rows (static attributes and holdings), durably. A row that does not fit the
    /// schema refuses the whole call before anything is written.
    pub async fn load_customers(
        &self,
        rows: Vec<(CustomerId, Attributes, Vec<String>)>,
    ) -> Result<usize, HubError> {
        for (customer_id, attributes, _) in &rows {
            self.profiles()
                .check_row(customer_id, attributes)
                .map_err(|source| HubError::BadRow {
                    customer: customer_id.clone(),
                    source,
                })?;
        }
        let (done, applied) = oneshot::channel();
        self.applier.submit(|| {
            let mut records = Vec::with_capacity(rows.len());
            let mut end = 0;
            let durable = self.journal.append_with(|frames| {
                for (customer_id, attributes, holdings) in rows {
                    let record = JournalRecord::Customer {
                        customer_id,
                        attributes,
                        holdings,
                    };
                    let position = frames.push(&record).0;
                    records.push(Staged {
                        position,
                        record,
                        at: None,
                    });
                }
                end = frames.next_position().0;
            })?;
            Ok::<_, ProfileError>(Batch {
                records,
                end,
                durable,
                done,
            })
        })?;
        applied.await.map_err(|_| ProfileError::JournalClosed)??;
        Ok(self.profiles().len())
    }

    /// Admits the events not seen before (refusing late ones), journals them, and returns once
    /// they are durable and applied.
    pub async fn ingest(&self, events: Vec<Event>) -> Result<IngestSummary, HubError> {
        let wall_ms = Timestamp::now().as_millisecond();
        let mut summary = IngestSummary::default();
        let (done, applied) = oneshot::channel();
        let profiles = self.profiles();
        // Hashing happens here, concurrently with other batches; only what must follow journal
        // order runs under the locks below.
        let prepared: Vec<Prepared> = profiles.prepare(&events);
        // Admission runs under the journal's sequencing lock, so a duplicate of an event another
        // batch is writing is acknowledged only after that write (this batch is applied after
        // it), and each event's chain link names the customer's previous event's position.
        self.applier.submit(|| {
            let mut records = Vec::with_capacity(events.len());
            let mut end = 0;
            let appended = self.journal.append_with(|frames| {
                let mut admitter = profiles.admitter();
                let mut fresh = Vec::with_capacity(events.len());
                for (index, (event, prepared)) in events.iter().zip(&prepared).enumerate() {
                    match admitter.admit(event, prepared, wall_ms) {
                        Admission::Fresh => fresh.push(index),
                        Admission::Duplicate => summary.duplicates += 1,
                        Admission::Late { watermark_ms } => summary.refused.push(Refusal {
                            index,
                            field: Some("time"),
                            reason: late_reason(event, watermark_ms, profiles.schema()),
                        }),
                        Admission::Invalid(reason) => summary.refused.push(Refusal {
                            index,
                            field: None,
                            reason: reason.to_owned(),
                        }),
                    }
                }
                let chain = admitter.chain(&events, &prepared, &fresh);
                let mut positions = Vec::with_capacity(fresh.len());
                let mut next = fresh.iter().copied().peekable();
                for (index, event) in events.into_iter().enumerate() {
                    if next.next_if_eq(&index).is_none() {
                        continue;
                    }
                    let position = frames.next_position().0;
                    let (at, prev) = chain.link(positions.len(), &positions);
                    let record = JournalRecord::Event { event, prev };
                    frames.push(&record);
                    positions.push(position);
                    records.push(Staged {
                        position,
                        record,
                        at,
                    });
                }
                admitter.set_heads(&chain, &positions);
                end = frames.next_position().0;
            });
            match appended {
                Ok(durable) => Ok(Batch {
                    records,
                    end,
                    durable,
                    done,
                }),
                Err(e) => {
                    // Not journaled, so not accepted: a retry must find these events fresh.
                    let admitted: Vec<&Event> = records
                        .iter()
                        .filter_map(|staged| match &staged.record {
                            JournalRecord::Event { event, .. } => Some(event),
                            _ => None,
                        })
                        .collect();
                    profiles.forget(&admitted);
                    Err(e)
                }
            }
        })?;
        let applied = applied.await.map_err(|_| ProfileError::JournalClosed)??;
        summary.accepted = applied.events;
        summary.triggers_fired = applied.fires;
        Ok(summary)
    }

    /// The customer's newest events, newest first, read back along their journal chain.
    async fn recent_events(&self, id: &CustomerId, limit: usize) -> Vec<Event> {
        let Some(mut at) = self.profiles().read(id, |p| p.head()).flatten() else {
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
        // Held from reading the contact history to recording the decision, so a snapshot's
        // copy of the decision side never holds impressions whose decision it lacks.
        let _gate = self.decision_gate.read().await;
        let household = self.household(customer_id, time);
        let arm = self.strategy.control_arms().assign(customer_id.as_str());
        let (mut decision, inputs) =
            self.run_funnel(customer_id, &request, household.as_deref(), time, arm, true)?;
        let (fallback, new_customer) = (inputs.fallback, inputs.new_customer);
        let reads = if request.explain {
            self.strategy.named_reads(&inputs.reads)
        } else {
            Vec::new()
        };
        let seq = self.next_decision.fetch_add(1, Ordering::Relaxed) + 1;
        let record = DecisionRecord {
            decision_id: crate::decision_log::decision_id(time.as_millisecond(), seq),
            customer_id: customer_id.clone(),
            channel: request.channel,
            time,
            strategy_hash: self.strategy.hash().to_owned(),
            context: request.context,
            actions: std::mem::take(&mut decision.actions),
            household,
            predictors: std::mem::take(&mut decision.predictors),
            inputs: Some(inputs),
            arm,
            variant: decision.variant.take(),
        };
        let record = self.log_decision(record).await?;
        Ok(DecisionOutcome {
            record,
            trace: decision.trace,
            do_not_mention: decision.do_not_mention,
            fallback,
            new_customer,
            reads,
        })
    }

    /// Journals a decision whose impressions are recorded (forgetting them when the journal
    /// fails: not durable, not made), then logs it (KPIs, the decision log, the outbox when it
    /// is outbound and made for a fire or a follow-up). Returns it.
    pub(crate) async fn log_decision(
        &self,
        record: DecisionRecord,
    ) -> Result<DecisionRecord, HubError> {
        let journaled = [JournalRecord::Decision(record)];
        let position = match self.journal.append_durable(&journaled).await {
            Ok(positions) => positions.first().map_or(u64::MAX, |p| p.0),
            Err(e) => {
                let [JournalRecord::Decision(record)] = &journaled else {
                    unreachable!("built above as one decision")
                };
                self.contacts.forget(record);
                return Err(e.into());
            }
        };
        let [JournalRecord::Decision(record)] = journaled else {
            unreachable!("built above as one decision")
        };
        self.kpis.record_decision(&record);
        self.decisions.lock().insert(record.clone(), position);
        let outbound = self.is_outbound(&record.channel);
        let queued = {
            let mut outbox = self.outbox.lock();
            outbox.decided(&record, outbound);
            outbox.is_pending(&record.decision_id)
        };
        if queued {
            self.outbox_queued.notify_one();
        }
        Ok(record)
    }

    /// The funnel (or the open breaker's defaults) with the customer's contact history held,
    /// and the answer's impressions recorded before the history is let go. Synchronous: the
    /// history's locks never wait across an await. Without `keep_history` the inputs hold no
    /// copy of the contact history and no values read (a batch run's decisions are not
    /// replayed one by one).
    pub(crate) fn run_funnel(
        &self,
        customer_id: &CustomerId,
        request: &DecisionRequest,
        household: Option<&str>,
        time: Timestamp,
        arm: Arm,
        keep_history: bool,
    ) -> Result<(concord_decide::Decision, Box<concord_model::DecisionInputs>), HubError> {
        let models = self.learner.snapshot();
        let audience = concord_model::symbol_hash(customer_id.as_str());
        let seed = seed(audience, time);
        // Thompson sampling draws each propensity from the decision's seed (logged, so the
        // decision replays); without it the models answer as they are.
        // Outbound maturity capping around either (Thompson's shares its model lookups); only
        // the scorer used is built.
        let (explore, capped);
        let config = self.learner.config();
        let scorer: &dyn concord_decide::Scorer = if config.thompson {
            explore = concord_learn::Thompson::new(&models, seed).capped(config, audience);
            &explore
        } else {
            capped = concord_learn::Capped::new(&*models, &models, config, audience);
            &capped
        };
        let time_ms = time.as_millisecond();
        let held = self
            .contacts
            .hold(customer_id, household, request.channel.as_str(), time);
        let breaker = self
            .strategy
            .channel_at(request.channel.as_str())
            .and_then(|(i, channel)| Some((i, channel, channel.breaker.as_ref()?)));
        let (decision, fallback, new_customer) = match breaker {
            Some((i, channel, b)) if self.breakers.open(i, time_ms) => {
                let limit = concord_decide::placement_limit(&self.strategy, channel, request)?;
                let decision = crate::breaker::fallback(
                    &self.strategy,
                    channel,
                    b,
                    limit,
                    request.explain,
                    arm,
                );
                let new_customer = self.profiles().read(customer_id, |_| ()).is_none();
                (decision, true, new_customer)
            }
            _ => {
                let started = std::time::Instant::now();
                // A customer the profile does not know yet (say, activated minutes ago) is
                // decided for with an empty profile: rules that need a value drop their action.
                let history = held.history();
                let draw = concord_decide::ArmDraw {
                    arm,
                    seed,
                    audience,
                };
                // A decision whose history is not kept (a batch run's) is not replayed: the
                // values its rules read are not collected either.
                let decide = |customer: &dyn concord_strategy::RuleEnv| {
                    decide_with(
                        &self.strategy,
                        customer,
                        request,
                        scorer,
                        &history,
                        time,
                        draw,
                        keep_history,
                    )
                };
                let (decision, new_customer) = match self
                    .profiles()
                    .read(customer_id, |profile| decide(&profile.env(time)))
                {
                    Some(decision) => (decision?, false),
                    None => (decide(&NoProfile)?, true),
                };
                if let Some((i, _, b)) = breaker {
                    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
                    self.breakers.record(i, b, elapsed_ms, time_ms);
                }
                (decision, false, new_customer)
            }
        };
        let history = held.history();
        let mut decision = decision;
        let inputs = Box::new(concord_model::DecisionInputs {
            seed,
            limit: request.limit.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
            placement: request.placement.clone(),
            reads: std::mem::take(&mut decision.reads),
            propensities: std::mem::take(&mut decision.propensities),
            contacts: copy(keep_history, history.own),
            household_contacts: copy(keep_history, history.household),
            offers: copy(keep_history, history.offers),
            volume: copy(keep_history, history.volume),
            fallback,
            new_customer,
            competed: std::mem::take(&mut decision.competed),
        });
        held.record(request.channel.as_str(), &decision.actions, time);
        Ok((decision, inputs))
    }

    /// The customer's household, when a household cap needs it.
    pub(crate) fn household(&self, customer: &CustomerId, time: Timestamp) -> Option<String> {
        let policy = self.strategy.contact();
        let var = policy
            .household
            .as_ref()
            .filter(|_| policy.needs_household())?;
        self.profiles()
            .read(customer, |p| {
                match concord_strategy::RuleEnv::lookup(&p.env(time), var) {
                    concord_model::Value::Str(h) if !h.is_empty() => Some(h),
                    _ => None,
                }
            })
            .flatten()
    }

    /// Whether `customer` may be contacted in `channel` at `time` by the channel's consent
    /// attribute (true, or no consent declared for the channel): outbound sinks check it again
    /// at send time, so an opt-out between the decision and the send is honoured.
    pub fn consents(&self, customer: &CustomerId, channel: &ChannelId, time: Timestamp) -> bool {
        let Some(var) = self
            .strategy
            .channel(channel.as_str())
            .and_then(|c| c.consent.as_ref())
        else {
            return true;
        };
        self.profiles()
            .read(customer, |p| {
                concord_strategy::RuleEnv::lookup(&p.env(time), var)
                    == concord_model::Value::Bool(true)
            })
            .unwrap_or(false)
    }

    /// Matches a response to its decision, journals it, and feeds KPIs, the contact history
    /// and the learner's queue (decisions never wait for learning).
    pub async fn respond(
        &self,
        decision_id: &DecisionId,
        action_id: &ActionId,
        answer: impl Into<Answer>,
        time: Timestamp,
    ) -> Result<ResponseOutcome, HubError> {
        let Answer {
            outcome,
            custom_outcome,
        } = answer.into();
        if let Some(name) = &custom_outcome
            && self.strategy.models().outcomes.resolve(name) != Some((outcome, Some(name.clone())))
        {
            return Err(self.unknown_outcome(name));
        }
        let _gate = self.decision_gate.read().await;
        self.promote_run_contact(decision_id);
        // Claim the (decision, action) pair under the lock so concurrent duplicates count once.
        let (record, value, household, valid_until, predictors, arm, variant, decided, price) = {
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
                custom_outcome,
            };
            if !entry.responded.insert(action_id.clone()) {
                return Ok(ResponseOutcome {
                    record,
                    duplicate: true,
                });
            }
            let price = entry
                .record
                .actions
                .iter()
                .find(|a| &a.action_id == action_id)
                .and_then(|a| a.price);
            (
                record,
                action_value(&entry.record, action_id),
                entry.record.household.clone(),
                offer_validity(&entry.record, action_id),
                entry.record.predictors.clone(),
                entry.record.arm,
                entry.record.variant.clone(),
                entry.record.time,
                price,
            )
        };
        // The same offer shown by several decisions (offer memory) is accepted once: a later
        // acceptance through another decision changes nothing.
        let offer = valid_until.filter(|_| outcome == Outcome::Accepted);
        if let Some(until) = offer
            && !self.contacts.accept(
                &record.customer_id,
                action_id.as_str(),
                until,
                time.as_millisecond(),
            )
        {
            return Ok(ResponseOutcome {
                record,
                duplicate: true,
            });
        }
        // An acceptance of an action fulfilled through an endpoint queues its provisioning in
        // the same journal frame.
        let job = self
            .strategy
            .action(action_id.as_str())
            .and_then(|a| Some((a.fulfilment.clone()?, a.product.clone())))
            .filter(|_| outcome == Outcome::Accepted)
            .map(|(endpoint, product)| crate::provision::ProvisionJob {
                decision_id: decision_id.clone(),
                action_id: action_id.clone(),
                customer_id: record.customer_id.clone(),
                channel: record.channel.clone(),
                endpoint,
                product,
                price,
                valid_until,
                accepted: time,
            });
        let journaled = match &job {
            Some(job) => JournalRecord::Fulfil {
                response: record.clone(),
                job: job.clone(),
            },
            None => JournalRecord::Response(record.clone()),
        };
        if let Err(e) = self.journal.append_durable(&[journaled]).await {
            // Not durable, so not accepted: release the claims so a retry can succeed.
            if let Some(entry) = self.decisions.lock().get_mut(decision_id) {
                entry.responded.remove(action_id);
            }
            if let Some(until) = offer {
                self.contacts
                    .unaccept(&record.customer_id, action_id.as_str(), until);
            }
            return Err(e.into());
        }
        let follow_up = {
            let mut log = self.decisions.lock();
            log.get_mut(decision_id).and_then(|entry| {
                entry.responses.push(record.clone());
                crate::follow_up::job_for(&self.strategy, &entry.record, action_id, outcome, time)
            })
        };
        if let Some(follow_up) = follow_up {
            self.outbox.lock().queue_follow_ups([follow_up]);
            self.events.fire_queued.notify_one();
        }
        if let Some(job) = job {
            self.provisions.lock().queue(job);
            self.provision_queued.notify_one();
        }
        self.contacts
            .record_response(&record, household.as_deref(), valid_until);
        self.kpis.record_response(
            &record,
            value,
            concord_measure::Cell {
                arm,
                variant: variant.as_ref(),
                time: decided,
            },
        );
        self.learner.submit(concord_learn::Lesson {
            response: record.clone(),
            predictors,
        });
        Ok(ResponseOutcome {
            record,
            duplicate: false,
        })
    }

    /// A batch run's contact, held compact in the decision log, moves into it in full (read
    /// back from the journal) so a response or a timeout finds it like any decision; anything
    /// else is left as it is.
    pub(crate) fn promote_run_contact(&self, decision_id: &DecisionId) {
        let Some(position) = self.decisions.lock().run_position(decision_id) else {
            return;
        };
        match self.journal.read_at(Position(position)) {
            Ok(JournalRecord::Decision(record)) if record.decision_id == *decision_id => {
                self.decisions.lock().promote(record, position);
            }
            Ok(_) => {
                tracing::warn!(decision = %decision_id, position, "a run contact's journal position holds another record");
            }
            Err(e) => {
                tracing::warn!(decision = %decision_id, position, error = %e, "a run contact's decision could not be read back");
            }
        }
    }

    /// Whether `channel` is an outbound channel of the strategy.
    pub(crate) fn is_outbound(&self, channel: &ChannelId) -> bool {
        self.strategy
            .channel(channel.as_str())
            .is_some_and(|c| c.direction == concord_model::Direction::Outbound)
    }

    /// Up to `max` trigger fires of live events waiting for their decision, oldest first.
    pub fn take_fires(&self, max: usize) -> Vec<concord_profile::TriggerFire> {
        self.events.fires.lock().take(max)
    }

    /// Returns once a fire was queued since the last call (at once if one was meanwhile).
    pub async fn fire_queued(&self) {
        self.events.fire_queued.notified().await;
    }

    /// Decides for a trigger fire in the trigger's channel at `now`, with the trigger's
    /// context and the fire's key (`context.fire`): once per fire, so `None` when a logged
    /// decision names it already, or when the fire is older than `max_age_ms` at `now` (a
    /// backfill of history must not reach customers today). An outbound decision with actions
    /// waits in the outbox for its sink.
    pub async fn decide_for_fire(
        &self,
        fire: &concord_profile::TriggerFire,
        now: Timestamp,
        max_age_ms: i64,
    ) -> Result<Option<DecisionOutcome>, HubError> {
        let key = crate::outbox::fire_key(fire);
        if now.as_millisecond() - fire.time.as_millisecond() > max_age_ms
            || self.outbox.lock().fire_decided(&key)
        {
            return Ok(None);
        }
        let mut context = fire.context.clone();
        context.insert(
            crate::outbox::FIRE_KEY.to_owned(),
            concord_model::Value::Str(key),
        );
        context.insert(
            "trigger".to_owned(),
            concord_model::Value::Str(fire.trigger.clone()),
        );
        let request = DecisionRequest {
            channel: fire.channel.clone(),
            context,
            limit: None,
            placement: None,
            explain: false,
        };
        self.decide(&fire.customer_id, request, now).await.map(Some)
    }

    /// Outbound decisions (made for a fire or a run, with actions) waiting for their sink, in
    /// decision id order: the outbound worker's queue.
    pub fn outbox_pending(&self) -> Vec<DecisionRecord> {
        self.outbox.lock().pending()
    }

    /// Returns once an outbound decision was queued since the last call.
    pub async fn outbox_queued(&self) {
        self.outbox_queued.notified().await;
    }

    /// Records how a sink took an outbound decision's contacts (journaled; the decision leaves
    /// the outbox). Returns false when it was not waiting (closed already).
    pub async fn delivered(&self, record: crate::outbox::DeliveryRecord) -> Result<bool, HubError> {
        let _gate = self.decision_gate.read().await;
        if !self.outbox.lock().is_pending(&record.decision_id) {
            return Ok(false);
        }
        self.journal
            .append_durable(&[JournalRecord::Delivered(record.clone())])
            .await?;
        Ok(self.outbox.lock().close(&record))
    }

    /// The outbox: waiting decisions (up to `limit`), fires waiting, counts, the newest
    /// `limit` deliveries.
    pub fn outbox(&self, limit: usize) -> crate::outbox::OutboxReport {
        self.outbox.lock().report(limit, &self.events.fires.lock())
    }

    /// The provisioning jobs still open (accepted, not yet provisioned nor failed for good),
    /// in (decision, action) order: the fulfilment worker's queue.
    pub fn provisions_pending(&self) -> Vec<crate::provision::ProvisionJob> {
        self.provisions.lock().pending()
    }

    /// Returns once a job was queued since the last call (at once if one was meanwhile).
    pub async fn provision_queued(&self) {
        self.provision_queued.notified().await;
    }

    /// Records how a provisioning job ended (journaled, then the job closes). A job that
    /// failed for good first gives its customer a `provisioning_failed` event (event id
    /// `provisioning_failed:<decision>:<action>`, so a retry after a crash adds it once), for
    /// service treatments and triggers to answer. Returns false when the job was not open
    /// (closed already): nothing changes.
    pub async fn provisioned(
        &self,
        job: &crate::provision::ProvisionJob,
        result: crate::provision::ProvisionResult,
        time: Timestamp,
    ) -> Result<bool, HubError> {
        if !self
            .provisions
            .lock()
            .is_pending(&job.decision_id, &job.action_id)
        {
            return Ok(false);
        }
        if let crate::provision::ProvisionResult::Failed { reason, .. } = &result {
            let event = Event {
                event_id: concord_model::EventId::new(format!("provisioning_failed:{}", job.key())),
                customer_id: job.customer_id.clone(),
                time,
                kind: concord_model::EventKind::ProvisioningFailed {
                    action: job.action_id.to_string(),
                    endpoint: job.endpoint.clone(),
                    reason: reason.clone(),
                },
            };
            self.ingest(vec![event]).await?;
        }
        let record = crate::provision::ProvisionRecord {
            decision_id: job.decision_id.clone(),
            action_id: job.action_id.clone(),
            time,
            result,
        };
        let _gate = self.decision_gate.read().await;
        if !self
            .provisions
            .lock()
            .is_pending(&job.decision_id, &job.action_id)
        {
            return Ok(false);
        }
        self.journal
            .append_durable(&[JournalRecord::Provisioned(record.clone())])
            .await?;
        Ok(self.provisions.lock().close(&record))
    }

    /// Open provisioning jobs, counts, and the newest `limit` finished ones.
    pub fn provisions(&self, limit: usize) -> crate::provision::ProvisionReport {
        self.provisions.lock().report(limit)
    }

    /// A response's outcome by name: one of the four, or a custom one models.yaml declares.
    pub fn answer(&self, name: &str) -> Result<Answer, HubError> {
        self.strategy
            .models()
            .outcomes
            .resolve(name)
            .map(|(outcome, custom_outcome)| Answer {
                outcome,
                custom_outcome,
            })
            .ok_or_else(|| self.unknown_outcome(name))
    }

    fn unknown_outcome(&self, name: &str) -> HubError {
        HubError::UnknownOutcome {
            name: name.to_owned(),
            known: self
                .strategy
                .models()
                .outcomes
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Answers every action whose channel's response timeout (models.yaml `timeouts`) has
    /// passed at `now` with the channel's timeout outcome, timed at the deadline: journaled
    /// and learnt like any response. An action answered meanwhile keeps its answer. Returns
    /// how many responses were recorded.
    pub async fn expire_responses(&self, now: Timestamp) -> Result<usize, HubError> {
        let due = self.decisions.lock().due(now.as_millisecond());
        let mut recorded = 0;
        for (decision, deadline, mut actions) in due {
            if actions.is_empty() {
                // A batch run's contact: read back, then answered like any decision.
                self.promote_run_contact(&decision);
                actions = self
                    .decisions
                    .lock()
                    .get(&decision)
                    .map(|e| e.unanswered().cloned().collect())
                    .unwrap_or_default();
            }
            let Some(channel) = self
                .decisions
                .lock()
                .get(&decision)
                .map(|e| e.record.channel.clone())
            else {
                continue;
            };
            let Some(timeout) = self
                .strategy
                .models()
                .timeouts
                .iter()
                .find(|t| t.channel == channel)
            else {
                continue;
            };
            let time = Timestamp::from_millisecond(deadline).unwrap_or(now);
            for action in actions {
                let answer = Answer {
                    outcome: timeout.outcome,
                    custom_outcome: timeout.custom_outcome.clone(),
                };
                match self.respond(&decision, &action, answer, time).await {
                    Ok(outcome) if !outcome.duplicate => recorded += 1,
                    Ok(_) => {}
                    // Forgotten meanwhile (the log keeps the newest decisions only).
                    Err(HubError::UnknownDecision(_)) => {}
                    Err(e) => {
                        // Not durable: schedule the decision again so the next sweep retries.
                        self.decisions.lock().reschedule(decision, deadline);
                        return Err(e);
                    }
                }
            }
        }
        Ok(recorded)
    }

    /// Decisions waiting for a response timeout.
    pub fn timeouts_scheduled(&self) -> usize {
        self.decisions.lock().scheduled()
    }

    /// The customer view at `now`: profile, aggregates and derived fields, recent decisions.
    pub async fn customer(&self, id: &CustomerId, now: Timestamp) -> Option<CustomerSnapshot> {
        let (profile, computed, triggers) = self
            .profiles()
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
            contacts: self.contacts.of(id),
        })
    }

    pub fn knows_customer(&self, id: &CustomerId) -> bool {
        self.profiles().contains(id)
    }

    /// The customer's recent history, newest first: events, decisions, responses, trigger fires.
    pub async fn timeline(&self, id: &CustomerId) -> Option<Vec<TimelineItem>> {
        let fires = self.profiles().read(id, |p| p.trigger_history())?;
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
        self.events.triggers.lock().report(limit)
    }

    pub fn kpis(&self) -> KpiReport {
        self.kpis.report()
    }

    /// A cohort report of reports.yaml over the customer base at `now`: the customers its
    /// `where` includes, grouped by its dimensions, each group's measures with intervals at
    /// `confidence`, and the groups whose flagged rate is significantly above the rest. One
    /// pass over the base, a shard at a time (events for the shard being read wait meanwhile).
    pub fn report(
        &self,
        name: &str,
        now: Timestamp,
        confidence: f64,
    ) -> Result<concord_measure::CohortReport, HubError> {
        let report = self
            .strategy
            .report(name)
            .ok_or_else(|| HubError::UnknownReport {
                name: name.to_owned(),
                known: self
                    .strategy
                    .reports()
                    .iter()
                    .map(|r| r.name.clone())
                    .collect(),
            })?;
        let mut book = concord_measure::CohortBook::new(
            report
                .measures
                .iter()
                .map(|m| (m.name.clone(), outcome_scale(m.kind)))
                .collect(),
            report.flag,
            report.min_customers,
        );
        let mut values = Vec::with_capacity(report.measures.len());
        self.profiles().for_each(|profile| {
            let env = profile.env(now);
            if !report.includes(&env) {
                return;
            }
            let key = report.by.iter().map(|d| d.key(&env)).collect();
            values.clear();
            values.extend(report.measures.iter().map(|m| m.measure(&env).ok()));
            book.add(key, &values);
        });
        Ok(book.report(confidence))
    }

    /// Every business outcome of experiments.yaml (`outcomes`: churned, revenue...) per arm,
    /// read from every customer's profile at `now`, and the full strategy's lift over each arm
    /// (the hold-out included), per customer, with intervals at `confidence`; and per
    /// experiment variant, each challenger against its champion (a customer counts in the
    /// variant the experiment assigns them with no request context: their home store, the
    /// `where` rule on their profile). One pass over the base, a shard at a time: events for
    /// the shard being read wait meanwhile.
    pub fn outcomes(&self, now: Timestamp, confidence: f64) -> Outcomes {
        let outcomes = self.strategy.arm_outcomes();
        if outcomes.is_empty() {
            return Outcomes::default();
        }
        let arms = self.strategy.control_arms();
        let experiments = self.strategy.experiments();
        let scales: Vec<_> = outcomes
            .iter()
            .map(|o| (o.name.clone(), outcome_scale(o.kind)))
            .collect();
        let mut book = concord_measure::OutcomeBook::new(scales.clone());
        let mut variants = concord_measure::VariantOutcomeBook::new(scales);
        self.profiles().for_each(|profile| {
            let customer = profile.customer_id();
            let id = customer.as_str();
            let arm = arms.assign(id);
            let env = profile.env(now);
            let variant = (arm == Arm::Test)
                .then(|| experiments.assign(concord_model::symbol_hash(id), &env, now))
                .flatten()
                .and_then(|assigned| experiments.tag(assigned));
            for (i, outcome) in outcomes.iter().enumerate() {
                let value = outcome.measure(&env).ok();
                book.add(i, arm, value);
                if let Some(variant) = &variant {
                    variants.add(i, variant, value);
                }
            }
        });
        Outcomes {
            arms: book.report(confidence),
            variants: variants.report(confidence),
        }
    }

    /// The KPIs added up by `by` (issue, group, action, channel, direction, arm, experiment, variant, day), in key
    /// order: each key one value per dimension. An action or channel the strategy no longer
    /// has reads `(unknown)` for its issue, group or direction.
    pub fn kpis_by(
        &self,
        by: &[concord_measure::KpiDimension],
    ) -> Vec<(Vec<String>, concord_measure::Tally)> {
        use concord_measure::KpiDimension as D;
        const UNKNOWN: &str = "(unknown)";
        const NONE: &str = "(none)";
        let strategy = &self.strategy;
        concord_measure::group_tallies(&self.kpis, |key| {
            let (action, channel) = (&key.action, &key.channel);
            let taxonomy = || strategy.action(action.as_str());
            by.iter()
                .map(|d| match d {
                    D::Issue => taxonomy().map_or(UNKNOWN.to_owned(), |a| a.issue.clone()),
                    D::Group => taxonomy().map_or(UNKNOWN.to_owned(), |a| a.group.clone()),
                    D::Action => action.0.clone(),
                    D::Channel => channel.0.clone(),
                    D::Direction => strategy
                        .channel_at(channel.as_str())
                        .map_or(UNKNOWN, |(_, c)| c.direction.as_str())
                        .to_owned(),
                    D::Arm => key.arm.as_str().to_owned(),
                    D::Experiment => key
                        .variant
                        .as_ref()
                        .map_or(NONE.to_owned(), |v| v.experiment.clone()),
                    D::Variant => key
                        .variant
                        .as_ref()
                        .map_or(NONE.to_owned(), |v| v.variant.clone()),
                    D::Day => concord_measure::day_label(key.day),
                })
                .collect()
        })
    }

    /// The full strategy against each control arm with impressions (experiments.yaml
    /// `control_arms`), per impression, with intervals at `confidence`.
    pub fn lift(&self, confidence: f64) -> Vec<concord_measure::ArmLift> {
        self.kpis.lift(confidence)
    }

    /// Each experiment's challengers against its champion (experiments.yaml `experiments`),
    /// per impression, with intervals at `confidence`.
    pub fn variant_lift(&self, confidence: f64) -> Vec<concord_measure::VariantLift> {
        self.kpis.variant_lift(confidence)
    }

    pub fn decisions_kept(&self) -> usize {
        self.decisions.lock().len()
    }

    /// Batch-run contacts kept matchable (compact: their decisions are in the journal).
    pub fn run_contacts_kept(&self) -> usize {
        self.decisions.lock().run_contacts()
    }

    /// Entries of the contact history kept (impressions and outcomes the contact policy counts).
    pub fn contacts_kept(&self) -> usize {
        self.contacts.len()
    }

    pub fn channel_ids(&self) -> Vec<ChannelId> {
        self.strategy
            .channels()
            .iter()
            .map(|c| c.id.clone())
            .collect()
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

/// The learner's configuration from the strategy's models.yaml.
/// `items` copied, or nothing when not `keep`.
fn copy<T: Clone>(keep: bool, items: &[T]) -> Vec<T> {
    if keep { items.to_vec() } else { Vec::new() }
}

pub fn learn_config(strategy: &Strategy) -> concord_learn::LearnConfig {
    use concord_learn::adm::{AdmConfig, PredictorKind};
    let models = strategy.models();
    concord_learn::LearnConfig {
        kinds: models
            .predictors
            .iter()
            .map(|p| {
                if p.numeric {
                    PredictorKind::Numeric
                } else {
                    PredictorKind::Symbolic
                }
            })
            .collect(),
        adm: AdmConfig {
            max_bins: models.max_bins,
            active_auc: models.active_auc,
            correlation_threshold: models.correlation_threshold,
            maturity_positives: models.maturity_positives,
            technique: match models.technique {
                concord_strategy::Technique::Bayes => concord_learn::adm::Technique::Bayes,
                concord_strategy::Technique::Joint => concord_learn::adm::Technique::Joint,
            },
        },
        thompson: models.thompson,
        polarity: models.outcomes.polarity.clone(),
        polarity_by_action: strategy
            .actions()
            .iter()
            .map(|a| (a, models.outcomes.polarity(a)))
            .filter(|(_, p)| !std::ptr::eq(*p, &models.outcomes.polarity))
            .map(|(a, p)| (a.id.0.clone(), p.clone()))
            .collect(),
        outbound_start_share: models.outbound_start_share,
        contexts: strategy
            .channels()
            .iter()
            .filter_map(|c| {
                let context = match models.context_key {
                    concord_strategy::ContextKey::Channel => return None,
                    concord_strategy::ContextKey::Direction => c.direction.as_str(),
                    concord_strategy::ContextKey::None => "all",
                };
                Some((c.id.0.clone(), context.to_owned()))
            })
            .collect(),
    }
}

/// A decision's seed from the customer's hash: the same customer at the same instant gets the
/// same one.
fn outcome_scale(kind: concord_strategy::OutcomeKind) -> concord_measure::OutcomeScale {
    match kind {
        concord_strategy::OutcomeKind::Rate => concord_measure::OutcomeScale::Rate,
        concord_strategy::OutcomeKind::Value => concord_measure::OutcomeScale::Value,
    }
}

fn seed(customer_hash: u64, time: Timestamp) -> u64 {
    let mut x = customer_hash ^ time.as_millisecond() as u64;
    // splitmix64's finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Until when the offer of `action` in `record` stays open (offer memory), if it has a validity.
pub(crate) fn offer_validity(record: &DecisionRecord, action: &ActionId) -> Option<Timestamp> {
    record
        .actions
        .iter()
        .find(|a| &a.action_id == action)
        .and_then(|a| a.valid_until)
}

pub(crate) fn action_value(record: &DecisionRecord, action: &ActionId) -> f64 {
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
