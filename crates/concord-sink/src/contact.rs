//! One outbound contact: what a sink (call list, SMS gateway, e-mail service, Kafka topic) gets.

use concord_model::Timestamp;
use serde::{Deserialize, Serialize};

/// A decided action for a customer in an outbound channel, ready for a sink. Every contact a
/// sink receives is an impression in the hub's contact history already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundContact {
    /// `<decision id>:<action id>`: the same contact always has the same id, so a sink (or the
    /// system behind it) can drop a redelivery; webhooks send it as the `Idempotency-Key`.
    pub contact_id: String,
    pub decision_id: String,
    pub customer_id: String,
    pub channel: String,
    pub action_id: String,
    /// 1 for the first action of the decision.
    pub rank: u32,
    pub issue: String,
    pub group: String,
    /// The treatment text in the customer's language, when the action has one here.
    pub text: Option<String>,
    pub price: Option<f64>,
    pub valid_until: Option<Timestamp>,
    pub propensity: f64,
    pub value: f64,
    /// When the decision was made.
    pub time: Timestamp,
    /// The trigger that asked for the decision, or `None` for a batch run.
    pub trigger: Option<String>,
    /// The batch run that asked for it, or `None` for a trigger.
    pub run: Option<String>,
    /// The customer's control arm (`test` for the full strategy).
    pub arm: String,
    /// `experiment/variant` when the decision was in an experiment.
    pub variant: Option<String>,
}

impl OutboundContact {
    /// The contact id of an action in a decision.
    pub fn id_of(decision_id: &str, action_id: &str) -> String {
        format!("{decision_id}:{action_id}")
    }
}
