//! The JSON wire shapes of the API, and their conversion from the hub's domain types.

use concord_hub::{CustomerSnapshot, DecisionOutcome, IngestSummary, ResponseOutcome};
use concord_ingest::LineError;
use concord_measure::KpiReport;
use concord_model::{DecisionRecord, Event, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The acceptance report of an event batch. Accepted lines are durable even when others are rejected;
/// resending a whole batch is safe, because an event id seen before changes nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsReport {
    /// New events, now durable and applied.
    pub accepted: usize,
    /// Events whose id was seen before: nothing changed.
    pub duplicates: usize,
    /// Real-time triggers the accepted events fired (see GET /v1/triggers).
    pub triggers_fired: usize,
    /// Lines (NDJSON) or 1-based array elements that were rejected, with the reason.
    pub rejected: Vec<RejectedLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedLine {
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl EventsReport {
    pub fn new(summary: IngestSummary, rejected: Vec<LineError>) -> Self {
        Self {
            accepted: summary.accepted,
            duplicates: summary.duplicates,
            triggers_fired: summary.triggers_fired,
            rejected: rejected
                .into_iter()
                .map(|r| RejectedLine {
                    line: r.line,
                    field: r.field,
                    message: r.message,
                })
                .collect(),
        }
    }
}

/// Ask for the next best actions for one customer in one channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequestBody {
    /// The subscriber (MSISDN or customer number).
    pub customer_id: String,
    /// A channel the strategy declares: ussd, call_centre, app, web, store, sms, email, outbound_call...
    pub channel: String,
    /// Request context the rules may read, e.g. {"call_reason": "billing"}.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: BTreeMap<String, serde_json::Value>,
    /// How many actions to return; defaults to the placement's size (or, without a placement,
    /// the strategy's default), never more than the placement holds.
    #[serde(default)]
    pub limit: Option<u32>,
    /// A named placement of the channel (channels.yaml `placements`, e.g. `menu`).
    #[serde(default)]
    pub placement: Option<String>,
    /// Decision time (RFC 3339); defaults to now. Deciding never reads the clock itself.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub time: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionBody {
    pub decision_id: String,
    pub customer_id: String,
    pub channel: String,
    #[schema(value_type = String, format = DateTime)]
    pub time: jiff::Timestamp,
    /// Content hash of the strategy version that decided.
    pub strategy_hash: String,
    pub actions: Vec<ActionBody>,
    /// With `?explain=true`: why every action of the strategy was kept or dropped, stage by
    /// stage. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceBody>>,
    /// Actions policy keeps out of this conversation (e.g. no sales while a billing dispute
    /// is open), for the agent not to bring up.
    pub do_not_mention: Vec<DoNotMentionBody>,
    /// True when the channel's circuit breaker was open (decisions overran its latency
    /// budget): the actions are the channel's configured defaults, no funnel ran.
    pub fallback: bool,
    /// True when the profile did not know the customer (e.g. activated moments ago): the
    /// decision was made on an empty profile, so only actions whose rules need no customer
    /// data could qualify.
    pub new_customer: bool,
    /// With `?explain=true`: the customer values the rules read, by name, as the decision log
    /// keeps them for `concord replay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub reads: Option<BTreeMap<String, Value>>,
    /// With `?explain=true`: the decision's seed, as logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The customer's control arm (experiments.yaml `control_arms`) when it is not `test`
    /// (the full strategy): holdout, random_action, propensity_only, no_levers,
    /// eligibility_only or random_propensity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    /// The experiment the decision ran in (experiments.yaml `experiments`), when one reached
    /// it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The experiment's variant: `champion` or a challenger's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// A logged decision made again from its logged inputs (`GET /v1/decisions/{id}/replay`,
/// `concord replay`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayBody {
    pub decision_id: String,
    /// True when the replay gives the logged actions bit for bit.
    pub identical: bool,
    /// What differs, when something does.
    pub differences: Vec<String>,
    pub seed: u64,
    /// The customer values the rules read, by name, as logged.
    #[schema(value_type = Object)]
    pub reads: BTreeMap<String, Value>,
    /// The decision as logged (and answered).
    pub logged: DecisionBody,
    /// The actions the replay ranked.
    pub replayed: Vec<ActionBody>,
    /// Every action's fate in the replay, stage by stage (whatever the original request asked).
    pub trace: Vec<TraceBody>,
    pub do_not_mention: Vec<DoNotMentionBody>,
}

impl From<concord_hub::Replay> for ReplayBody {
    fn from(replay: concord_hub::Replay) -> Self {
        let logged = replay.logged;
        let fallback = logged.inputs.as_ref().is_some_and(|i| i.fallback);
        let new_customer = logged.inputs.as_ref().is_some_and(|i| i.new_customer);
        let seed = replay.seed;
        let mut body = decision_body(logged);
        body.fallback = fallback;
        body.new_customer = new_customer;
        body.seed = Some(seed);
        ReplayBody {
            decision_id: body.decision_id.clone(),
            identical: replay.differences.is_empty(),
            differences: replay.differences,
            seed,
            reads: replay.reads.into_iter().collect(),
            logged: body,
            replayed: replay.actions.into_iter().map(action_body).collect(),
            trace: replay.trace.into_iter().map(trace_body).collect(),
            do_not_mention: replay
                .do_not_mention
                .into_iter()
                .map(|d| DoNotMentionBody {
                    action_id: d.action_id.0,
                    reason: d.reason,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoNotMentionBody {
    pub action_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionBody {
    pub rank: u32,
    pub action_id: String,
    pub issue: String,
    pub group: String,
    /// The channel's rendering of the action.
    pub treatment: Option<String>,
    pub propensity: f64,
    pub value: f64,
    pub priority: f64,
    /// The private price chosen for this customer (actions with a price rule). An offer shown
    /// before keeps its price in every channel until `valid_until`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Until when this offer stays open at this price (actions with a validity).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TraceBody {
    pub action_id: String,
    /// contact_policy, channel, eligibility, applicability, suitability, holdings,
    /// suppression, offer_memory, pricing, arbitration, diversity, volume or placement
    pub stage: String,
    pub passed: bool,
    pub reason: String,
    /// For actions that reached arbitration: priority = propensity x context_weight x value x
    /// levers (mandatory actions rank first).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub factors: Option<concord_model::Factors>,
}

impl From<DecisionOutcome> for DecisionBody {
    fn from(outcome: DecisionOutcome) -> Self {
        let DecisionOutcome {
            record,
            trace,
            do_not_mention,
            fallback,
            new_customer,
            reads,
        } = outcome;
        let seed = record.inputs.as_ref().map(|i| i.seed);
        let mut body = decision_body(record);
        if !trace.is_empty() {
            body.reads = Some(reads.into_iter().collect());
            body.seed = seed;
        }
        body.fallback = fallback;
        body.new_customer = new_customer;
        body.do_not_mention = do_not_mention
            .into_iter()
            .map(|d| DoNotMentionBody {
                action_id: d.action_id.0,
                reason: d.reason,
            })
            .collect();
        body.trace = (!trace.is_empty()).then(|| trace.into_iter().map(trace_body).collect());
        body
    }
}

fn trace_body(t: concord_model::TraceEntry) -> TraceBody {
    TraceBody {
        action_id: t.action_id.0,
        stage: serde_json::to_value(t.stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        passed: t.passed,
        reason: t.reason,
        factors: t.factors,
    }
}

fn action_body(a: concord_model::RankedAction) -> ActionBody {
    ActionBody {
        rank: a.rank,
        action_id: a.action_id.0,
        issue: a.issue,
        group: a.group,
        treatment: a.treatment,
        propensity: a.propensity,
        value: a.value,
        priority: a.priority,
        price: a.price,
        valid_until: a.valid_until,
    }
}

fn decision_body(record: DecisionRecord) -> DecisionBody {
    DecisionBody {
        decision_id: record.decision_id.0,
        customer_id: record.customer_id.0,
        channel: record.channel.0,
        time: record.time,
        strategy_hash: record.strategy_hash,
        actions: record.actions.into_iter().map(action_body).collect(),
        trace: None,
        do_not_mention: Vec::new(),
        fallback: false,
        new_customer: false,
        reads: None,
        seed: None,
        arm: (record.arm != concord_model::Arm::Test).then(|| record.arm.as_str().to_owned()),
        experiment: record.variant.as_ref().map(|v| v.experiment.clone()),
        variant: record.variant.map(|v| v.variant),
    }
}

/// The outcome of one presented action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseRequestBody {
    pub decision_id: String,
    pub action_id: String,
    /// accepted, declined, clicked, ignored, or a custom outcome models.yaml declares
    #[schema(example = "accepted")]
    pub outcome: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub time: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseBody {
    pub decision_id: String,
    pub action_id: String,
    pub customer_id: String,
    pub channel: String,
    /// What the response counts as: accepted, declined, clicked or ignored.
    pub outcome: String,
    /// The custom outcome named, when it was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_outcome: Option<String>,
    /// True when this action of this decision already had a response: nothing changed.
    pub duplicate: bool,
}

impl From<ResponseOutcome> for ResponseBody {
    fn from(outcome: ResponseOutcome) -> Self {
        let r = outcome.record;
        Self {
            decision_id: r.decision_id.0,
            action_id: r.action_id.0,
            customer_id: r.customer_id.0,
            channel: r.channel.0,
            outcome: r.outcome.as_str().to_owned(),
            custom_outcome: r.custom_outcome,
            duplicate: outcome.duplicate,
        }
    }
}

/// The customer view: profile, holdings, counters, recent events and decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerBody {
    pub customer_id: String,
    #[schema(value_type = Object)]
    pub attributes: BTreeMap<String, Value>,
    pub holdings: Vec<String>,
    /// The strategy's aggregates and derived fields, as of now (profile.yaml declares them).
    #[schema(value_type = Object)]
    pub aggregates: BTreeMap<String, Value>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_event_at: Option<jiff::Timestamp>,
    /// The newest events first (read back from the journal, up to 20).
    #[schema(value_type = Vec<Object>)]
    pub recent_events: Vec<Event>,
    /// When each real-time trigger last fired for this customer.
    pub triggers: Vec<TriggerHistoryBody>,
    pub recent_decisions: Vec<DecisionBody>,
    /// What the contact policy counts (contact.yaml): impressions and outcomes, newest first,
    /// back as far as its rules look.
    pub contact_history: Vec<ContactBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactBody {
    #[schema(value_type = String, format = DateTime)]
    pub time: jiff::Timestamp,
    pub action_id: String,
    pub channel: String,
    /// impression, accepted, declined, clicked or ignored.
    pub kind: String,
}

impl From<CustomerSnapshot> for CustomerBody {
    fn from(snapshot: CustomerSnapshot) -> Self {
        let profile = snapshot.profile;
        Self {
            customer_id: profile.customer_id.0,
            attributes: profile.attributes,
            holdings: profile.holdings.into_iter().collect(),
            aggregates: snapshot.computed,
            last_event_at: profile.last_event_at,
            recent_events: snapshot.recent_events,
            triggers: snapshot
                .triggers
                .into_iter()
                .map(|(trigger, last_fired)| TriggerHistoryBody {
                    trigger,
                    last_fired,
                })
                .collect(),
            recent_decisions: snapshot.decisions.into_iter().map(decision_body).collect(),
            contact_history: snapshot
                .contacts
                .into_iter()
                .map(|c| ContactBody {
                    time: c.time,
                    action_id: c.action_id,
                    channel: c.channel,
                    kind: c.kind.as_str().to_owned(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiBody {
    pub rows: Vec<KpiRowBody>,
    pub total: KpiTotals,
    /// Per experiment arm (experiments.yaml `control_arms`; `test` is the full strategy):
    /// only arms with impressions.
    pub arms: Vec<crate::wire_lift::KpiArmBody>,
    /// The dimensions asked for with `?by=` (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Vec<String>>,
    /// The KPIs added up by `by`, one group per combination seen, in key order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<KpiGroupBody>>,
}

/// One combination of the dimensions asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiGroupBody {
    /// One value per dimension of `by`, in its order.
    pub key: Vec<String>,
    pub impressions: u64,
    pub accepts: u64,
    pub declines: u64,
    pub clicks: u64,
    pub ignores: u64,
    pub accept_rate: f64,
    pub accepted_value: f64,
    /// Accepted value per impression.
    pub value_per_impression: f64,
}

impl KpiGroupBody {
    pub fn new(key: Vec<String>, tally: &concord_measure::Tally) -> Self {
        Self {
            key,
            impressions: tally.impressions,
            accepts: tally.accepts,
            declines: tally.declines,
            clicks: tally.clicks,
            ignores: tally.ignores,
            accept_rate: tally.accept_rate(),
            accepted_value: tally.accepted_value,
            value_per_impression: tally.value_sample().mean().unwrap_or(0.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiRowBody {
    pub action_id: String,
    pub channel: String,
    pub impressions: u64,
    pub accepts: u64,
    pub declines: u64,
    pub clicks: u64,
    pub ignores: u64,
    pub accept_rate: f64,
    /// Value of accepted actions, in the operator's currency.
    pub accepted_value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiTotals {
    pub impressions: u64,
    pub accepts: u64,
    pub accept_rate: f64,
    pub accepted_value: f64,
}

impl From<KpiReport> for KpiBody {
    fn from(report: KpiReport) -> Self {
        Self {
            rows: report
                .rows
                .into_iter()
                .map(|r| KpiRowBody {
                    action_id: r.action_id.0,
                    channel: r.channel.0,
                    impressions: r.tally.impressions,
                    accepts: r.tally.accepts,
                    declines: r.tally.declines,
                    clicks: r.tally.clicks,
                    ignores: r.tally.ignores,
                    accept_rate: r.accept_rate,
                    accepted_value: r.tally.accepted_value,
                })
                .collect(),
            total: KpiTotals {
                impressions: report.total.impressions,
                accepts: report.total.accepts,
                accept_rate: report.total_accept_rate,
                accepted_value: report.total.accepted_value,
            },
            arms: report.arms.into_iter().map(Into::into).collect(),
            by: None,
            groups: None,
        }
    }
}

/// Health and readiness answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    pub status: &'static str,
    pub customers: usize,
    pub strategy: String,
    pub strategy_hash: String,
}

/// The error envelope every failure uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. unknown_customer, invalid_field, forbidden.
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerHistoryBody {
    pub trigger: String,
    #[schema(value_type = String, format = DateTime)]
    pub last_fired: jiff::Timestamp,
}

/// Trigger fires: how often each trigger fired, and the latest fires.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggersBody {
    /// Fires per trigger id, since the data folder was created.
    #[schema(value_type = Object)]
    pub counts: BTreeMap<String, u64>,
    /// The latest fires, newest first.
    pub recent: Vec<TriggerFireBody>,
}

/// One fire: the decision request it stands for (customer, channel, context).
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerFireBody {
    pub trigger: String,
    pub customer_id: String,
    pub channel: String,
    /// Event time of the event that made the rule true.
    #[schema(value_type = String, format = DateTime)]
    pub time: jiff::Timestamp,
    pub event_id: String,
    #[schema(value_type = Object)]
    pub context: BTreeMap<String, Value>,
}

impl From<concord_hub::TriggerReport> for TriggersBody {
    fn from(report: concord_hub::TriggerReport) -> Self {
        Self {
            counts: report.counts,
            recent: report
                .recent
                .into_iter()
                .map(|f| TriggerFireBody {
                    trigger: f.trigger,
                    customer_id: f.customer_id.0,
                    channel: f.channel.0,
                    time: f.time,
                    event_id: f.event_id.0,
                    context: f.context,
                })
                .collect(),
        }
    }
}

/// A customer's recent history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineBody {
    pub customer_id: String,
    pub items: Vec<TimelineItemBody>,
}

/// One entry: `kind` is event, trigger, decision or response; `detail` is the event, the trigger
/// id, the decision (with its ranked actions) or the response.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItemBody {
    #[schema(value_type = String, format = DateTime)]
    pub time: jiff::Timestamp,
    pub kind: &'static str,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<concord_hub::TimelineItem> for TimelineItemBody {
    fn from(item: concord_hub::TimelineItem) -> Self {
        use concord_hub::TimelineItem;
        let time = item.time();
        let (kind, detail) = match item {
            TimelineItem::Event(e) => ("event", serde_json::to_value(e)),
            TimelineItem::Trigger { trigger, .. } => {
                ("trigger", Ok(serde_json::json!({ "trigger": trigger })))
            }
            TimelineItem::Decision(d) => ("decision", serde_json::to_value(decision_body(d))),
            TimelineItem::Response(r) => ("response", serde_json::to_value(r)),
        };
        Self {
            time,
            kind,
            detail: detail.unwrap_or_default(),
        }
    }
}
