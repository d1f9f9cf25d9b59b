//! The adaptive models' configuration (models.yaml, validated): predictors and settings.

use crate::rule::Rule;
use crate::strategy::{Action, Target};
use concord_model::{ChannelId, Outcome};
use serde::Serialize;

/// One predictor: an expression over the profile and the request, and how it is binned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predictor {
    /// As written, e.g. `customer.tenure_months`.
    pub name: String,
    pub formula: Rule,
    /// Numbers are binned by value; strings and bools are symbols.
    pub numeric: bool,
}

/// Every adaptive model's predictors and settings; defaults without models.yaml.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Models {
    pub predictors: Vec<Predictor>,
    pub max_bins: usize,
    pub active_auc: f64,
    pub correlation_threshold: f64,
    pub maturity_positives: u64,
    /// Thompson sampling of each propensity (true by default).
    pub thompson: bool,
    /// How a model turns predictor values into propensities.
    pub technique: Technique,
    pub outcomes: Outcomes,
    pub timeouts: Vec<Timeout>,
    /// Outbound maturity capping: the share of the eligible audience a new action's model
    /// reaches in outbound channels, growing to all at `maturity_positives` (1: off).
    pub outbound_start_share: f64,
    /// What a model is kept per besides the action.
    pub context_key: ContextKey,
}

/// models.yaml `technique`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Technique {
    /// Naive Bayes over the active predictors' bins, calibrated by PAV (Pega's ADM).
    Bayes,
    /// A logistic regression fitted jointly over every predictor's bins and a slope per
    /// numeric predictor, online; naive Bayes until a model has learnt enough.
    #[default]
    Joint,
}

/// models.yaml `context_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextKey {
    /// One model per action x channel.
    #[default]
    Channel,
    /// Channels of one direction share a model per action.
    Direction,
    /// One model per action, whatever the channel.
    None,
}

/// Which outcomes teach the models as successes and failures: names of the four outcomes or
/// of custom ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Polarity {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
}

impl Polarity {
    /// `Some(true)` for a success, `Some(false)` for a failure, `None`: not learnt.
    pub fn of(&self, outcome: &str) -> Option<bool> {
        if self.positive.iter().any(|o| o == outcome) {
            Some(true)
        } else if self.negative.iter().any(|o| o == outcome) {
            Some(false)
        } else {
            None
        }
    }
}

impl Default for Polarity {
    fn default() -> Self {
        Self {
            positive: vec![Outcome::Accepted.as_str().to_owned()],
            negative: vec![
                Outcome::Declined.as_str().to_owned(),
                Outcome::Ignored.as_str().to_owned(),
            ],
        }
    }
}

/// models.yaml `outcomes`: custom outcome names and which outcomes each model learns from.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Outcomes {
    pub polarity: Polarity,
    /// Custom outcome -> the outcome it counts as in contact policy and KPIs.
    pub custom: Vec<(String, Outcome)>,
    /// The first whose target matches an action gives its models' polarity.
    pub overrides: Vec<(Target, Polarity)>,
}

impl Outcomes {
    /// A response's outcome by name: one of the four, or a custom one with what it counts as.
    pub fn resolve(&self, name: &str) -> Option<(Outcome, Option<String>)> {
        if let Some(outcome) = Outcome::ALL.iter().find(|o| o.as_str() == name) {
            return Some((*outcome, None));
        }
        self.custom
            .iter()
            .find(|(custom, _)| custom == name)
            .map(|(custom, outcome)| (*outcome, Some(custom.clone())))
    }

    /// Every outcome name a response may give.
    pub fn names(&self) -> Vec<&str> {
        Outcome::ALL
            .iter()
            .map(|o| o.as_str())
            .chain(self.custom.iter().map(|(name, _)| name.as_str()))
            .collect()
    }

    /// The polarity of `action`'s models.
    pub fn polarity(&self, action: &Action) -> &Polarity {
        self.overrides
            .iter()
            .find(|(target, _)| target.matches(action))
            .map_or(&self.polarity, |(_, polarity)| polarity)
    }
}

/// An action presented in `channel` and not answered within `after_ms` is answered `outcome`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeout {
    pub channel: ChannelId,
    pub after_ms: i64,
    pub outcome: Outcome,
    /// When the outcome recorded is a custom one.
    pub custom_outcome: Option<String>,
}

impl Default for Models {
    fn default() -> Self {
        Self {
            predictors: Vec::new(),
            max_bins: 10,
            active_auc: 0.52,
            correlation_threshold: 0.8,
            maturity_positives: 200,
            thompson: true,
            technique: Technique::Joint,
            outcomes: Outcomes::default(),
            timeouts: Vec::new(),
            outbound_start_share: 0.02,
            context_key: ContextKey::Channel,
        }
    }
}
