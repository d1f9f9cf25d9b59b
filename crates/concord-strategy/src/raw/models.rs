//! `models.yaml` as written: the adaptive models' predictors and settings.

use super::TargetEntry;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `models.yaml` (optional): one adaptive model per action x channel learns from responses,
/// over these predictors (numbers are binned as data arrives; strings and bools are symbols;
/// each has a missing bin).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "models.yaml")]
pub(crate) struct ModelsFile {
    /// Expressions over the profile and the request, e.g. `customer.tenure_months`,
    /// `context.call_reason`, `customer.arpu / max(customer.tenure_months, 1)`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) predictors: Vec<Spanned<String>>,
    /// Numeric predictors get at most this many bins (plus missing). Default 10.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 2))]
    pub(crate) max_bins: Option<Spanned<u32>>,
    /// A predictor takes part in scoring when its AUC is at least this (0.5 to 1). Default 0.52.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) active_auc: Option<Spanned<f64>>,
    /// Of two active predictors whose log-odds correlate at least this much (0.5 to 1, in
    /// absolute value), only the one with the higher AUC takes part. Default 0.8; 1 keeps both.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) correlation_threshold: Option<Spanned<f64>>,
    /// A model is mature at this many positive responses. Default 200.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) maturity_positives: Option<Spanned<u32>>,
    /// `thompson` (default): actions compete with a propensity drawn from Beta(1 + p·E,
    /// 1 + (1 − p)·E), so young models get tried; `none`: the model's propensity as is.
    #[serde(default)]
    pub(crate) exploration: Option<ExplorationEntry>,
    /// `joint` (default): a logistic regression fitted online over every predictor's bins
    /// and a slope per numeric predictor (overlapping predictors are not counted twice),
    /// served once a model has learnt 300 responses, naive Bayes before; `bayes`: naive Bayes
    /// over the active predictors' bins, calibrated by PAV (Pega's ADM; its state is all
    /// counts, so nodes' models merge exactly). Bin reports stay naive Bayes either way.
    #[serde(default)]
    pub(crate) technique: Option<TechniqueEntry>,
    /// Outbound maturity capping: the share of the eligible audience (0 to 1) an action whose
    /// model has no positives yet reaches in outbound channels, growing linearly to everyone
    /// at maturity_positives. Default 0.02; 1 turns capping off. Mandatory actions are never
    /// capped.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) outbound_start_share: Option<Spanned<f64>>,
    /// What a model is kept per besides the action: `channel` (default: one model per action
    /// x channel), `direction` (channels of a direction share one) or `none` (one per action).
    #[serde(default)]
    pub(crate) context_key: Option<ContextKeyEntry>,
    /// Which outcomes teach the models, and custom outcomes responses may name.
    #[serde(default)]
    pub(crate) outcomes: Option<OutcomesEntry>,
    /// Per channel: an action presented there that gets no response within `after` is
    /// answered `outcome` (e.g. an SMS unanswered for 3 days is ignored), and learnt from.
    #[serde(default)]
    #[schemars(with = "Vec<TimeoutEntry>")]
    pub(crate) timeouts: Vec<Spanned<TimeoutEntry>>,
}

/// A response is learnt as a success when its outcome (a custom outcome's own name) is listed
/// in `positive`, as a failure when listed in `negative`, and not at all otherwise.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomesEntry {
    /// Default `[accepted]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(crate) positive: Option<Vec<Spanned<String>>>,
    /// Default `[declined, ignored]`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(crate) negative: Option<Vec<Spanned<String>>>,
    /// Outcomes beyond accepted, declined, clicked and ignored, each counted as one of those
    /// by contact policy and KPIs, e.g. `{ name: converted, counts_as: accepted }`.
    #[serde(default)]
    #[schemars(with = "Vec<CustomOutcomeEntry>")]
    pub(crate) custom: Vec<Spanned<CustomOutcomeEntry>>,
    /// Other lists for some models: the first entry whose target matches the action wins.
    #[serde(default)]
    #[schemars(with = "Vec<OutcomeOverrideEntry>")]
    pub(crate) overrides: Vec<Spanned<OutcomeOverrideEntry>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomOutcomeEntry {
    #[schemars(with = "String")]
    pub(crate) name: Spanned<String>,
    /// accepted, declined, clicked or ignored.
    #[schemars(with = "String")]
    pub(crate) counts_as: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomeOverrideEntry {
    /// The actions whose models these lists apply to (kind, issue, group or action).
    pub(crate) target: TargetEntry,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) positive: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) negative: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeoutEntry {
    #[schemars(with = "String")]
    pub(crate) channel: Spanned<String>,
    /// A duration such as `3d` or `30m`.
    #[schemars(with = "String")]
    pub(crate) after: Spanned<String>,
    /// The outcome recorded (a custom outcome or one of the four). Default `ignored`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) outcome: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ContextKeyEntry {
    Channel,
    Direction,
    None,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TechniqueEntry {
    Bayes,
    Joint,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExplorationEntry {
    Thompson,
    None,
}
