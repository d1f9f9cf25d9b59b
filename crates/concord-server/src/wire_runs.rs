//! Wire shapes of batch outbound runs (`/v1/runs`).

use concord_channel::RunReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A batch run to start: an outbound channel, optionally a segment and a contact limit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequestBody {
    /// An outbound channel of the strategy (channels.yaml `direction: outbound`) that the
    /// connections file routes to a sink.
    pub channel: String,
    /// A label for people.
    #[serde(default)]
    pub name: Option<String>,
    /// A rule over the profile, in the strategy's rule language (e.g.
    /// `customer.tenure_months >= 12 and customer.plan_type == 'prepaid'`); absent: the
    /// whole base.
    #[serde(default)]
    pub segment: Option<String>,
    /// Contacts at most.
    #[serde(default)]
    pub limit: Option<u64>,
    /// Context the rules read as `context.<name>`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: BTreeMap<String, serde_json::Value>,
    /// When to start (RFC 3339); absent: at once.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<jiff::Timestamp>,
}

/// A run: its request, state, progress and report.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunBody {
    pub id: String,
    pub name: Option<String>,
    pub channel: String,
    pub segment: Option<String>,
    pub limit: Option<u64>,
    /// `scheduled`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    pub created: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished: Option<jiff::Timestamp>,
    /// The sink (connections file) the contacts go to.
    pub sink: String,
    /// The call list written, for a file sink, once the run ended.
    pub file: Option<String>,
    /// Customers in the base when the run started.
    pub customers: u64,
    /// Customers looked at so far (progress: scanned / customers).
    pub scanned: u64,
    /// Outside the segment.
    pub excluded: u64,
    /// Decided in the channel's funnel.
    pub decided: u64,
    /// Given a contact (each journaled as a decision, an impression in the contact history).
    pub contacted: u64,
    /// Customers decided for but given nothing, by the furthest funnel stage their actions
    /// reached (`contact_policy` covers consent, quiet hours and caps; `volume` the
    /// operator's budgets).
    pub held_back: BTreeMap<String, u64>,
    /// Contacts per action.
    pub actions: BTreeMap<String, u64>,
    /// Contacted customers per control arm.
    pub arms: BTreeMap<String, u64>,
    /// The sink took these contacts.
    pub delivered: u64,
    /// The sink failed these.
    pub failed: u64,
    pub limit_reached: bool,
    /// Where the time went, in milliseconds: segment and funnel and journal summed over the
    /// workers, delivery on the run's own thread.
    pub breakdown_ms: BTreeMap<String, u64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunsBody {
    pub runs: Vec<RunBody>,
}

impl From<RunReport> for RunBody {
    fn from(r: RunReport) -> Self {
        let t = r.tally;
        Self {
            id: r.id,
            name: r.spec.name,
            channel: r.spec.channel,
            segment: r.spec.segment,
            limit: r.spec.limit,
            state: r.state.as_str().to_owned(),
            created: r.created,
            at: r.at,
            started: r.started,
            finished: r.finished,
            sink: r.sink,
            file: r.file,
            customers: t.customers,
            scanned: t.scanned,
            excluded: t.excluded,
            decided: t.decided,
            contacted: t.contacted,
            held_back: t.held,
            actions: t.actions,
            arms: t.arms,
            delivered: r.delivered,
            failed: r.failed,
            limit_reached: t.limit_reached,
            breakdown_ms: BTreeMap::from([
                ("decide".to_owned(), t.decide_ms),
                ("journal".to_owned(), t.journal_ms),
                ("deliver".to_owned(), t.deliver_ms),
            ]),
            error: r.error,
        }
    }
}
