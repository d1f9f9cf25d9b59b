//! What a decision recorded: the ranked actions, the strategy version, and why each action fell.

use crate::arm::Arm;
use crate::contact::{Contact, Offer, VolumeUse};
use crate::ids::{ActionId, ChannelId, CustomerId, DecisionId};
use crate::outcome::Outcome;
use crate::value::{Attributes, Value};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One decision as the log keeps it: enough to replay it and to match responses to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub decision_id: DecisionId,
    pub customer_id: CustomerId,
    pub channel: ChannelId,
    pub time: Timestamp,
    /// Content hash of the strategy folder that decided.
    pub strategy_hash: String,
    #[serde(default)]
    pub context: Attributes,
    pub actions: Vec<RankedAction>,
    /// The customer's household when the decision was made (the contact policy's household
    /// attribute), so household caps rebuild from the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<String>,
    /// The adaptive models' predictor values (models.yaml, in order): a response to this
    /// decision teaches the models with these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predictors: Vec<Value>,
    /// What the funnel read, so `concord replay` can make the decision again (absent from
    /// decisions logged before replay existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Box<DecisionInputs>>,
    /// The customer's experiment arm (experiments.yaml `control_arms`): `test` is the full
    /// strategy; decisions logged before arms existed read as `test`.
    #[serde(default, skip_serializing_if = "is_test")]
    pub arm: Arm,
    /// The experiment and variant the decision ran in (experiments.yaml `experiments`);
    /// `None` outside every experiment, in a control arm, and for decisions logged before
    /// experiments existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<crate::Variant>,
}

fn is_test(arm: &Arm) -> bool {
    *arm == Arm::Test
}

/// Everything a decision was made from besides the strategy (named by the record's hash) and
/// the request fields the record holds (channel, context, time): replaying the funnel on these
/// gives the same actions, factors and trace, bit for bit. Positions (slots, actions,
/// channels) are the strategy's, which the hash pins.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DecisionInputs {
    /// The decision's random seed (no draw uses it yet; exploration will).
    pub seed: u64,
    pub limit: Option<u32>,
    pub placement: Option<String>,
    /// (frame slot, value) of every customer variable the rules read.
    pub reads: Vec<(u32, Value)>,
    /// (action position, propensity) of every action the scorer was asked about.
    pub propensities: Vec<(u32, f64)>,
    pub contacts: Vec<Contact>,
    pub household_contacts: Vec<Contact>,
    pub offers: Vec<Offer>,
    pub volume: Vec<VolumeUse>,
    /// The channel's circuit breaker answered its defaults (no funnel ran).
    pub fallback: bool,
    /// The profile did not know the customer: decided on an empty profile.
    pub new_customer: bool,
    /// How every action that reached arbitration competed for the top (off-policy
    /// evaluation: the logging policy's chance of the action it put first follows from
    /// these). Empty for decisions logged before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competed: Vec<Competed>,
}

/// How one action competed for the top of a decision: its priority was `draw x factor` (or
/// `factor` alone when the propensity did not count), the draw from Beta(1 + mean x evidence,
/// 1 + (1 - mean) x evidence) under Thompson sampling (the mean itself when `evidence` is
/// infinite), and a higher `tier` ranks first whatever the priorities. Single precision: a
/// decision logs one per candidate (thousands at 10,000 actions), and the chance computed from
/// them is a Monte Carlo estimate anyway.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Competed {
    /// The action's position in the strategy.
    pub action: u32,
    /// The model's propensity: the mean of the draw.
    pub mean: f32,
    /// The model's evidence; infinite when the propensity was used as it is.
    pub evidence: f32,
    /// The product of the priority's other factors (context weight, value, levers, as the
    /// arbitration switches had them).
    pub factor: f32,
    /// Whether the priority multiplied the draw (`use_propensity`).
    pub draws: bool,
    /// 2 a mandatory action, 1 an open offer of the customer's (offer memory), 0 otherwise.
    pub tier: u8,
}

/// An action as it was presented: its rank and the factors that put it there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedAction {
    pub rank: u32,
    pub action_id: ActionId,
    pub issue: String,
    pub group: String,
    pub propensity: f64,
    pub value: f64,
    pub priority: f64,
    /// The channel-specific rendering, when the action has a treatment for this channel.
    #[serde(default)]
    pub treatment: Option<String>,
    /// The private price chosen for this customer (actions with a price rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Until when this offer stays open at this price in every channel (actions with a
    /// validity): the offer memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
}

/// A customer's answer to one presented action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub decision_id: DecisionId,
    pub action_id: ActionId,
    pub customer_id: CustomerId,
    pub channel: ChannelId,
    pub outcome: Outcome,
    pub time: Timestamp,
    /// The custom outcome the response named (models.yaml `outcomes.custom`), which `outcome`
    /// stands for in contact policy and KPIs; learning reads this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_outcome: Option<String>,
}

impl ResponseRecord {
    /// The outcome's name as learning sees it: the custom outcome, else the outcome's own.
    pub fn outcome_name(&self) -> &str {
        self.custom_outcome
            .as_deref()
            .unwrap_or(self.outcome.as_str())
    }
}

/// What the contact history records: an action presented, or a customer's answer to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Impression,
    Accepted,
    Declined,
    Clicked,
    Ignored,
}

impl ContactKind {
    pub const ALL: [ContactKind; 5] = [
        ContactKind::Impression,
        ContactKind::Accepted,
        ContactKind::Declined,
        ContactKind::Clicked,
        ContactKind::Ignored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Impression => "impression",
            ContactKind::Accepted => "accepted",
            ContactKind::Declined => "declined",
            ContactKind::Clicked => "clicked",
            ContactKind::Ignored => "ignored",
        }
    }
}

impl From<Outcome> for ContactKind {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Accepted => ContactKind::Accepted,
            Outcome::Declined => ContactKind::Declined,
            Outcome::Clicked => ContactKind::Clicked,
            Outcome::Ignored => ContactKind::Ignored,
        }
    }
}

/// Funnel stages, in order. A trace entry names the stage an action left the funnel at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStage {
    Channel,
    /// Consent and quiet hours for the channel.
    ContactPolicy,
    /// The customer is in the universal hold-out (experiments.yaml): no sales actions.
    Holdout,
    /// The decision's experiment challenger switches the action off (experiments.yaml).
    Experiment,
    Eligibility,
    Applicability,
    Suitability,
    Holdings,
    Suppression,
    /// Offer memory: an offer accepted in any channel is closed everywhere while it is valid.
    OfferMemory,
    /// Private pricing: the customer can't afford the lowest price, or the target failed.
    Pricing,
    /// Outbound maturity capping: a young model's action reaches part of the audience.
    Maturity,
    Arbitration,
    Diversity,
    /// Volume constraints: the operator-wide budget of contacts or cost for the period.
    Volume,
    /// The treatment text needs a value the customer or request lacks (a placeholder such as
    /// `{customer.first_name}` is null) and has no fallback text that renders.
    Treatment,
    Placement,
}

impl TraceStage {
    /// The stage's name as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceStage::Channel => "channel",
            TraceStage::ContactPolicy => "contact_policy",
            TraceStage::Holdout => "holdout",
            TraceStage::Experiment => "experiment",
            TraceStage::Eligibility => "eligibility",
            TraceStage::Applicability => "applicability",
            TraceStage::Suitability => "suitability",
            TraceStage::Holdings => "holdings",
            TraceStage::Suppression => "suppression",
            TraceStage::OfferMemory => "offer_memory",
            TraceStage::Pricing => "pricing",
            TraceStage::Maturity => "maturity",
            TraceStage::Arbitration => "arbitration",
            TraceStage::Diversity => "diversity",
            TraceStage::Volume => "volume",
            TraceStage::Treatment => "treatment",
            TraceStage::Placement => "placement",
        }
    }
}

/// Why one action was kept or dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub action_id: ActionId,
    pub stage: TraceStage,
    pub passed: bool,
    pub reason: String,
    /// The arbitration factors, for every action that reached arbitration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Factors>,
}

/// priority = propensity x context_weight x value x levers (a switched-off factor counts as 1
/// in the product but is reported as computed); mandatory actions rank above all others.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Factors {
    pub propensity: f64,
    pub context_weight: f64,
    pub value: f64,
    pub levers: f64,
    pub priority: f64,
    pub mandatory: bool,
}

#[cfg(test)]
mod tests {
    use super::TraceStage;

    #[test]
    fn stage_names_are_the_wire_names() {
        use TraceStage::*;
        for stage in [
            Channel,
            ContactPolicy,
            Holdout,
            Experiment,
            Eligibility,
            Applicability,
            Suitability,
            Holdings,
            Suppression,
            OfferMemory,
            Pricing,
            Maturity,
            Arbitration,
            Diversity,
            Volume,
            Treatment,
            Placement,
        ] {
            let wire = serde_json::to_value(stage).expect("serialises");
            assert_eq!(wire, stage.as_str(), "{stage:?}");
        }
    }
}
