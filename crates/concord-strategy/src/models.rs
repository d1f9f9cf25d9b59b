//! The adaptive models' configuration (models.yaml, validated): predictors and settings.

use crate::rule::Rule;
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
    pub maturity_positives: u64,
    /// Thompson sampling of each propensity (true by default).
    pub thompson: bool,
}

impl Default for Models {
    fn default() -> Self {
        Self {
            predictors: Vec::new(),
            max_bins: 10,
            active_auc: 0.52,
            maturity_positives: 200,
            thompson: true,
        }
    }
}
