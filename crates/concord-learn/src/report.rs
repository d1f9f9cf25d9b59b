//! What a model tells a data scientist, in ADM's terms: totals, AUC and maturity; each
//! predictor's bins with their counts, propensity, lift, z-ratio and log-odds; the
//! classifier's calibration blocks. The model reports (`GET /v1/models`) and the pdstools
//! export are both built from these.

use crate::adm::{AdmConfig, Binning, Counts, PredictorKind, Scoring};
use crate::model::{Model, ModelKey};
use serde::Serialize;

/// Where a model sits in the strategy (the hub fills these from the action and channel).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelContext {
    pub issue: String,
    pub group: String,
    pub direction: String,
}

/// One model, in a line.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    /// `action@channel`.
    pub model_id: String,
    pub action: String,
    pub channel: String,
    #[serde(flatten)]
    pub context: ModelContext,
    pub positives: u64,
    pub negatives: u64,
    pub responses: u64,
    /// positives / responses (0 without responses).
    pub success_rate: f64,
    /// The AUC of the propensities the model gives (about 0.5 to 1; below 0.5 only for a
    /// young model); none before it has both a
    /// positive and a negative.
    pub auc: Option<f64>,
    pub mature: bool,
    pub active_predictors: usize,
    pub total_predictors: usize,
    /// What decisions' propensities come from: `bayes`, or `joint` (models.yaml
    /// `technique: joint`, the default, once the fit has learnt enough responses).
    pub serving: &'static str,
    /// The joint fit's bias, when it serves.
    pub joint_bias: Option<f64>,
}

/// One model, whole.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    #[serde(flatten)]
    pub summary: ModelSummary,
    pub predictors: Vec<PredictorReport>,
    /// The calibration: score intervals, each with its responses and the propensity given.
    pub classifier: Vec<BinReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PredictorReport {
    pub name: String,
    /// `numeric` or `symbolic`.
    pub kind: &'static str,
    pub active: bool,
    /// Left out of the score for correlating with this (better) predictor.
    pub correlated_with: Option<String>,
    /// Univariate AUC: the predictor's bins ordered by response rate.
    pub auc: Option<f64>,
    pub bins: Vec<BinReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BinReport {
    /// 1-based, in the bins' order (numeric: by value; the missing bin last).
    pub index: usize,
    /// `[lower, upper)`, `>= lower`, the symbol, or `missing`.
    pub label: String,
    /// `interval`, `symbol` or `missing`.
    pub bin_type: &'static str,
    /// Numeric and classifier bins: the interval's bounds (upper open; none for the last).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub positives: u64,
    pub negatives: u64,
    /// (0.5 + positives) / (1 + responses).
    pub propensity: f64,
    /// The bin's success rate over the model's (1 = average); none without positives.
    pub lift: Option<f64>,
    /// (share of positives - share of negatives) over its standard error: how far the bin
    /// is from the average, in standard deviations.
    pub z_ratio: Option<f64>,
    /// Predictor bins: the log-odds the bin adds to the score.
    pub log_odds: Option<f64>,
    /// Predictor bins, when the joint fit serves: its weight for the bin (added to the bias
    /// and the other predictors' weights before the sigmoid).
    pub joint_weight: Option<f64>,
}

impl ModelSummary {
    /// From the model's counts as they are now (compiled afresh under `config`: the scoring
    /// decisions use may lag the counts a little, see [`crate::recompile_due`]).
    pub fn new(key: &ModelKey, model: &Model, context: ModelContext, config: &AdmConfig) -> Self {
        Self::compiled(key, model, &model.adm.compile(config), context)
    }

    fn compiled(key: &ModelKey, model: &Model, scoring: &Scoring, context: ModelContext) -> Self {
        let counts = model.adm.counts;
        Self {
            model_id: model_id(key),
            action: key.action.0.clone(),
            channel: key.channel.0.clone(),
            context,
            positives: counts.positives,
            negatives: counts.negatives,
            responses: counts.evidence(),
            success_rate: rate(counts),
            auc: scoring.auc,
            mature: scoring.mature,
            active_predictors: scoring.active,
            total_predictors: scoring.predictors.len(),
            serving: if scoring.bias.is_some() {
                "joint"
            } else {
                "bayes"
            },
            joint_bias: scoring.bias,
        }
    }
}

/// `action@channel`: how the reports and the export name a model.
pub fn model_id(key: &ModelKey) -> String {
    format!("{}@{}", key.action, key.channel)
}

impl ModelReport {
    /// `names`: the predictors' names (models.yaml, in order). Compiled afresh from the
    /// counts, as [`ModelSummary::new`].
    pub fn new(
        key: &ModelKey,
        model: &Model,
        context: ModelContext,
        names: &[String],
        config: &AdmConfig,
    ) -> Self {
        let scoring = &model.adm.compile(config);
        let totals = model.adm.counts;
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("p{i}"));
        let predictors = scoring
            .predictors
            .iter()
            .enumerate()
            .map(|(i, p)| PredictorReport {
                name: name(i),
                correlated_with: p.correlated_with.map(name),
                kind: match p.binning.kind {
                    PredictorKind::Numeric => "numeric",
                    PredictorKind::Symbolic => "symbolic",
                },
                active: p.active,
                auc: p.auc,
                bins: predictor_bins(&p.binning, &p.contribution, &p.joint, totals),
            })
            .collect();
        let blocks = &scoring.calibration;
        let classifier = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let counts = Counts {
                    positives: b.positives,
                    negatives: b.negatives,
                };
                // Scores are kept in single precision: shown as such (-1.45, not
                // -1.4500000476837158).
                let lower = shortest(b.lower);
                let upper = blocks.get(i + 1).map(|next| shortest(next.lower));
                let label = match upper {
                    Some(upper) => format!("[{lower}, {upper})"),
                    None => format!(">= {lower}"),
                };
                bin(
                    i,
                    label,
                    "interval",
                    (Some(lower), upper),
                    counts,
                    totals,
                    None,
                )
            })
            .collect();
        Self {
            summary: ModelSummary::compiled(key, model, scoring, context),
            predictors,
            classifier,
        }
    }
}

fn predictor_bins(
    binning: &Binning,
    log_odds: &[f64],
    joint: &[f64],
    totals: Counts,
) -> Vec<BinReport> {
    (0..binning.len())
        .map(|b| {
            let missing = b >= binning.counts.len();
            let (bin_type, bounds) = match binning.kind {
                _ if missing => ("missing", (None, None)),
                PredictorKind::Numeric => (
                    "interval",
                    (
                        Some(crate::adm::micro_lower(binning.cuts[b])),
                        binning
                            .cuts
                            .get(b + 1)
                            .map(|&next| crate::adm::micro_lower(next)),
                    ),
                ),
                PredictorKind::Symbolic => ("symbol", (None, None)),
            };
            BinReport {
                joint_weight: joint.get(b).copied(),
                ..bin(
                    b,
                    binning.label(b),
                    bin_type,
                    bounds,
                    binning.counts_at(b),
                    totals,
                    log_odds.get(b).copied(),
                )
            }
        })
        .collect()
}

fn bin(
    index: usize,
    label: String,
    bin_type: &'static str,
    (lower, upper): (Option<f64>, Option<f64>),
    counts: Counts,
    totals: Counts,
    log_odds: Option<f64>,
) -> BinReport {
    let (p, n) = (counts.positives as f64, counts.negatives as f64);
    let (tp, tn) = (totals.positives as f64, totals.negatives as f64);
    let lift =
        (counts.evidence() > 0 && totals.positives > 0).then(|| p * (tp + tn) / ((p + n) * tp));
    let z_ratio = (totals.positives > 0 && totals.negatives > 0)
        .then(|| {
            let (pf, nf) = (p / tp, n / tn);
            let se = (pf * (1.0 - pf) / tp + nf * (1.0 - nf) / tn).sqrt();
            (pf - nf) / se
        })
        .filter(|z| z.is_finite());
    BinReport {
        index: index + 1,
        label,
        bin_type,
        lower,
        upper,
        positives: counts.positives,
        negatives: counts.negatives,
        propensity: (0.5 + p) / (1.0 + p + n),
        lift,
        z_ratio,
        log_odds,
        joint_weight: None,
    }
}

/// A single-precision number as the shortest decimal that reads back to it.
fn shortest(x: f64) -> f64 {
    (x as f32).to_string().parse().unwrap_or(x)
}

fn rate(counts: Counts) -> f64 {
    if counts.evidence() == 0 {
        0.0
    } else {
        counts.positives as f64 / counts.evidence() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LearnConfig;
    use concord_model::{ActionId, ChannelId, Value};

    /// One symbolic predictor: prepaid 3 of 4 accept, postpaid 1 of 4; hand-computed lift
    /// (bin rate / 0.5) and z-ratio ((3/4 - 1/4) / sqrt(2 * (3/4 * 1/4) / 4)).
    #[test]
    fn bins_carry_hand_computed_lift_and_z_ratio() {
        let config = LearnConfig {
            kinds: vec![PredictorKind::Symbolic],
            ..Default::default()
        };
        let mut model = Model::new(&config);
        for (segment, positive) in [
            ("prepaid", true),
            ("prepaid", true),
            ("prepaid", true),
            ("prepaid", false),
            ("postpaid", true),
            ("postpaid", false),
            ("postpaid", false),
            ("postpaid", false),
        ] {
            model.learn(&[Value::from(segment)], positive, &config);
        }
        let key = ModelKey {
            action: ActionId::new("a"),
            channel: ChannelId::new("ussd"),
        };
        let report = ModelReport::new(
            &key,
            &model,
            ModelContext::default(),
            &["segment".into()],
            &config.adm,
        );
        assert_eq!(report.summary.model_id, "a@ussd");
        assert_eq!((report.summary.positives, report.summary.responses), (4, 8));
        let bins = &report.predictors[0].bins;
        let by_label = |l: &str| bins.iter().find(|b| b.label == l).expect(l);
        // Symbols in order, then missing.
        assert_eq!(
            bins.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(),
            ["postpaid", "prepaid", "missing"]
        );
        let z = 0.5 / (2.0 * 0.75 * 0.25 / 4.0f64).sqrt();
        let prepaid = by_label("prepaid");
        assert_eq!((prepaid.positives, prepaid.negatives), (3, 1));
        assert!((prepaid.lift.expect("lift") - 1.5).abs() < 1e-12);
        assert!((prepaid.z_ratio.expect("z") - z).abs() < 1e-12);
        assert!((by_label("postpaid").z_ratio.expect("z") + z).abs() < 1e-12);
        assert_eq!(by_label("missing").lift, None, "no responses");
        assert!((prepaid.propensity - 3.5 / 5.0).abs() < 1e-12);
        // The classifier's blocks hold every response, and its AUC is the model's.
        let (p, n) = report
            .classifier
            .iter()
            .fold((0, 0), |(p, n), b| (p + b.positives, n + b.negatives));
        assert_eq!((p, n), (4, 4));
        let blocks: Vec<(u64, u64)> = report
            .classifier
            .iter()
            .map(|b| (b.positives, b.negatives))
            .collect();
        assert_eq!(crate::adm::auc(&blocks), report.summary.auc);
    }

    /// Under `technique: joint`, once the fit has learnt enough, the report says so and gives
    /// its bias and every predictor bin's weight; under naive Bayes there are none.
    #[test]
    fn the_joint_fit_shows_when_it_serves() {
        use crate::adm::{AdmConfig, Technique};
        let report = |technique: Technique, n: usize| {
            let config = LearnConfig {
                kinds: vec![PredictorKind::Symbolic],
                adm: AdmConfig {
                    technique,
                    ..AdmConfig::default()
                },
                ..Default::default()
            };
            let mut model = Model::new(&config);
            for i in 0..n {
                let segment = if i % 2 == 0 { "prepaid" } else { "postpaid" };
                model.learn(&[Value::from(segment)], i % 6 == 0, &config);
            }
            let key = ModelKey {
                action: ActionId::new("a"),
                channel: ChannelId::new("ussd"),
            };
            ModelReport::new(
                &key,
                &model,
                ModelContext::default(),
                &["segment".into()],
                &config.adm,
            )
        };
        let joint = report(Technique::Joint, 3_000);
        assert_eq!(joint.summary.serving, "joint");
        assert!(joint.summary.joint_bias.is_some());
        let bins = &joint.predictors[0].bins;
        assert!(bins.iter().all(|b| b.joint_weight.is_some()), "{bins:?}");
        // Prepaid accepts (every sixth response is a prepaid one): its weight is the higher.
        let weight = |l: &str| {
            bins.iter()
                .find(|b| b.label == l)
                .and_then(|b| b.joint_weight)
        };
        assert!(weight("prepaid") > weight("postpaid"));
        let young = report(Technique::Joint, 100);
        assert_eq!(
            (young.summary.serving, young.summary.joint_bias),
            ("bayes", None)
        );
        let bayes = report(Technique::Bayes, 3_000);
        assert_eq!(bayes.summary.serving, "bayes");
        assert!(
            bayes.predictors[0]
                .bins
                .iter()
                .all(|b| b.joint_weight.is_none())
        );
    }
}
