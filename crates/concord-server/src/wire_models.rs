//! The wire shapes of the model reports (`GET /v1/models`, `/v1/models/{id}`), in ADM's terms.

use concord_learn::report::{BinReport, ModelReport, ModelSummary, PredictorReport};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelsBody {
    /// Responses acknowledged and not yet learnt when the list was made (always 0: a report
    /// learns what is queued first).
    pub pending: usize,
    pub models: Vec<ModelSummaryBody>,
}

/// One adaptive model (action x channel), in a line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelSummaryBody {
    /// `action@channel`, for `/v1/models/{id}`.
    pub model_id: String,
    pub action: String,
    pub channel: String,
    pub issue: String,
    pub group: String,
    /// inbound or outbound.
    pub direction: String,
    pub positives: u64,
    pub negatives: u64,
    pub responses: u64,
    pub success_rate: f64,
    /// The AUC of the propensities the model gives (about 0.5 to 1; below 0.5 only for a
    /// young model); null before it has both a
    /// positive and a negative.
    pub auc: Option<f64>,
    /// Positives reached models.yaml `maturity_positives`.
    pub mature: bool,
    pub active_predictors: usize,
    pub total_predictors: usize,
    /// What decisions' propensities come from: bayes, or joint (models.yaml `technique:
    /// joint`, the default, once the fit has learnt 300 responses).
    pub serving: String,
    /// The joint fit's bias, when it serves.
    pub joint_bias: Option<f64>,
}

/// One adaptive model, whole: its predictors' bins and its calibration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelReportBody {
    #[serde(flatten)]
    pub summary: ModelSummaryBody,
    pub predictors: Vec<PredictorBody>,
    /// Score intervals, each with its responses and the propensity the model gives.
    pub classifier: Vec<BinBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PredictorBody {
    /// As models.yaml writes it.
    pub name: String,
    /// numeric or symbolic.
    pub kind: String,
    /// Takes part in scoring (its AUC reached models.yaml `active_auc`, and no better
    /// predictor correlates with it past `correlation_threshold`).
    pub active: bool,
    /// The better predictor this one correlates with, when that kept it out.
    pub correlated_with: Option<String>,
    pub auc: Option<f64>,
    pub bins: Vec<BinBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BinBody {
    /// 1-based; the missing bin last.
    pub index: usize,
    /// `[lower, upper)`, `>= lower`, the symbol, or `missing`.
    pub label: String,
    /// interval, symbol or missing.
    pub bin_type: String,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub positives: u64,
    pub negatives: u64,
    /// (0.5 + positives) / (1 + responses).
    pub propensity: f64,
    /// The bin's success rate over the model's (1 = average).
    pub lift: Option<f64>,
    /// Standard deviations from the average, given the bin's size.
    pub z_ratio: Option<f64>,
    /// Predictor bins: the log-odds the bin adds to the score.
    pub log_odds: Option<f64>,
    /// Predictor bins, when the joint fit serves: its weight for the bin.
    pub joint_weight: Option<f64>,
}

impl From<ModelSummary> for ModelSummaryBody {
    fn from(m: ModelSummary) -> Self {
        Self {
            model_id: m.model_id,
            action: m.action,
            channel: m.channel,
            issue: m.context.issue,
            group: m.context.group,
            direction: m.context.direction,
            positives: m.positives,
            negatives: m.negatives,
            responses: m.responses,
            success_rate: m.success_rate,
            auc: m.auc,
            mature: m.mature,
            active_predictors: m.active_predictors,
            total_predictors: m.total_predictors,
            serving: m.serving.to_owned(),
            joint_bias: m.joint_bias,
        }
    }
}

impl From<ModelReport> for ModelReportBody {
    fn from(m: ModelReport) -> Self {
        Self {
            summary: m.summary.into(),
            predictors: m.predictors.into_iter().map(Into::into).collect(),
            classifier: m.classifier.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PredictorReport> for PredictorBody {
    fn from(p: PredictorReport) -> Self {
        Self {
            name: p.name,
            kind: p.kind.to_owned(),
            active: p.active,
            correlated_with: p.correlated_with,
            auc: p.auc,
            bins: p.bins.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<BinReport> for BinBody {
    fn from(b: BinReport) -> Self {
        Self {
            index: b.index,
            label: b.label,
            bin_type: b.bin_type.to_owned(),
            lower: b.lower,
            upper: b.upper,
            positives: b.positives,
            negatives: b.negatives,
            propensity: b.propensity,
            lift: b.lift,
            z_ratio: b.z_ratio,
            log_odds: b.log_odds,
            joint_weight: b.joint_weight,
        }
    }
}
