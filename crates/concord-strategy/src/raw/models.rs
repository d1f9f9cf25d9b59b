//! `models.yaml` as written: the adaptive models' predictors and settings.

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
    /// A model is mature at this many positive responses. Default 200.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) maturity_positives: Option<Spanned<u32>>,
    /// `thompson` (default): actions compete with a propensity drawn from Beta(1 + p·E,
    /// 1 + (1 − p)·E), so young models get tried; `none`: the model's propensity as is.
    #[serde(default)]
    pub(crate) exploration: Option<ExplorationEntry>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExplorationEntry {
    Thompson,
    None,
}
