//! An adaptive model (ADM, Pega's published maths): counts per predictor bin, naive-Bayes
//! log-odds scoring over the active predictors, calibration of score to propensity by PAV over
//! the classifier's score bins, AUC, evidence and maturity. All state is counts (two nodes'
//! models merge by adding them, in any order), except the joint technique's weights
//! ([`super::joint`]), which merge by an evidence-weighted average.

use super::auc::auc;
use super::correlation::PairSums;
use super::joint::{JointWeights, Technique, sigmoid};
use super::pav::{Block, calibrate, pav};
use super::predictor::{Binning, Counts, PredictorCounts, PredictorKind};
use concord_model::{Feature, Value};
use std::collections::BTreeMap;

/// The knobs of every model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmConfig {
    /// Numeric predictors are grouped into at most this many bins (plus missing).
    pub max_bins: usize,
    /// A predictor takes part in the score when its univariate AUC is at least this (0.52).
    pub active_auc: f64,
    /// A model is mature at this many positives (200).
    pub maturity_positives: u64,
    /// Of two active predictors whose log-odds correlate at least this much (in absolute
    /// value), only the one with the higher AUC takes part (0.8; 1 keeps both).
    pub correlation_threshold: f64,
    /// What decisions' propensities come from: the joint fit (default) or naive Bayes.
    pub technique: Technique,
}

impl Default for AdmConfig {
    fn default() -> Self {
        Self {
            max_bins: 10,
            active_auc: 0.52,
            maturity_positives: 200,
            correlation_threshold: 0.8,
            technique: Technique::Joint,
        }
    }
}

/// Score bins of the classifier: a score rounded to this step.
const SCORE_STEP: f64 = 0.01;

#[derive(Debug, Clone, PartialEq)]
pub struct AdmModel {
    pub counts: Counts,
    pub predictors: Vec<PredictorCounts>,
    /// Responses by the score the model gave when they were learned, in score steps.
    pub classifier: BTreeMap<i64, Counts>,
    /// The predictors' log-odds as the model gave them when each response was learned, summed
    /// for their correlations.
    pub pairs: PairSums,
    /// The joint technique's weights (trained only while the model is compiled for it).
    pub joint: JointWeights,
}

impl AdmModel {
    pub fn new(kinds: &[PredictorKind]) -> Self {
        Self {
            counts: Counts::default(),
            predictors: kinds.iter().map(|k| PredictorCounts::new(*k)).collect(),
            classifier: BTreeMap::new(),
            pairs: PairSums::new(kinds.len()),
            joint: JointWeights::default(),
        }
    }

    /// Learns one response: the score `scoring` (this model as last compiled) gives `values`
    /// goes to the classifier, then every predictor's bin and the totals count it; under the
    /// joint technique the weights take a step too.
    pub fn learn(&mut self, values: &[Value], positive: bool, scoring: &Scoring) {
        if scoring.technique == Technique::Joint {
            let kinds = self.predictors.iter().map(|p| p.kind);
            self.joint.learn(kinds, values, positive, |i| {
                scoring.predictors.get(i).map(|p| &p.binning)
            });
        }
        let log_odds = scoring.log_odds(values);
        let key = (scoring.score_of(&log_odds) / SCORE_STEP).round() as i64;
        self.classifier.entry(key).or_default().record(positive);
        if self.pairs.predictors() == self.predictors.len() {
            self.pairs.record(&log_odds);
        }
        // A value the decision did not record (the predictors changed since) is missing.
        for (i, p) in self.predictors.iter_mut().enumerate() {
            p.record(values.get(i).unwrap_or(&Value::Null), positive);
        }
        self.counts.record(positive);
    }

    /// Adds another node's counts of the same model (same predictors in the same order), and
    /// averages its joint weights by evidence.
    pub fn merge(&mut self, other: &AdmModel) {
        self.joint.merge(
            &self.predictors,
            &other.joint,
            &other.predictors,
            (self.counts.evidence(), other.counts.evidence()),
        );
        self.counts.add(other.counts);
        for (p, o) in self.predictors.iter_mut().zip(&other.predictors) {
            p.merge(o);
        }
        for (k, c) in &other.classifier {
            self.classifier.entry(*k).or_default().add(*c);
        }
        self.pairs.merge(&other.pairs);
    }

    /// The classifier's score steps grouped in score order to about equal evidence, at most
    /// `max_bins`, as (lowest score, positives, negatives): single responses per step would
    /// calibrate every score to (0.5 + 1) / 2.
    pub fn classifier_bins(&self, max_bins: usize) -> Vec<(f64, u64, u64)> {
        let total: u64 = self.classifier.values().map(Counts::evidence).sum();
        let target = total.div_ceil(max_bins.max(1) as u64).max(1);
        let mut bins: Vec<(f64, u64, u64)> = Vec::new();
        for (&key, c) in &self.classifier {
            match bins.last_mut() {
                Some(last) if last.1 + last.2 < target => {
                    last.1 += c.positives;
                    last.2 += c.negatives;
                }
                _ => bins.push((key as f64 * SCORE_STEP, c.positives, c.negatives)),
            }
        }
        bins
    }

    /// What scoring needs, derived from the counts: bins, each bin's log-odds contribution,
    /// which predictors are active, and the calibration.
    pub fn compile(&self, config: &AdmConfig) -> Scoring {
        let (p, n) = (self.counts.positives as f64, self.counts.negatives as f64);
        // Scoring keeps single precision (the flat layout reads half the bytes); rounding
        // here makes both layouts agree bit for bit.
        let single = |x: f64| f64::from(x as f32);
        let exact_prior = (1.0 + p).ln() - (1.0 + n).ln();
        let prior = single(exact_prior);
        let joint = config.technique == Technique::Joint
            && self.joint.responses >= super::joint::MIN_RESPONSES
            && self.joint.predictors.len() == self.predictors.len();
        let predictors = self
            .predictors
            .iter()
            .enumerate()
            .map(|(i, counts)| {
                let binning = counts.binning(config.max_bins);
                let n_bins = binning.len() as f64;
                let contribution = (0..binning.len())
                    .map(|bin| {
                        let c = binning.counts_at(bin);
                        single(
                            (c.positives as f64 + 1.0 / n_bins).ln()
                                - (c.negatives as f64 + 1.0 / n_bins).ln()
                                - exact_prior,
                        )
                    })
                    .collect();
                let auc = predictor_auc(&binning);
                let active = auc.is_some_and(|a| a >= config.active_auc);
                let weights = if joint {
                    self.joint.predictors[i]
                        .collapse(counts, &binning)
                        .into_iter()
                        .map(single)
                        .collect()
                } else {
                    Vec::new()
                };
                CompiledPredictor {
                    binning,
                    contribution,
                    joint: weights,
                    auc,
                    active,
                    correlated_with: None,
                }
            })
            .collect::<Vec<_>>();
        let mut predictors = predictors;
        self.drop_correlated(&mut predictors, config.correlation_threshold);
        let active = predictors.iter().filter(|p| p.active).count();
        let bins = self.classifier_bins(2 * config.max_bins);
        let calibration: Vec<Block> = pav(&bins)
            .into_iter()
            .map(|b| Block {
                lower: single(b.lower),
                propensity: single(b.propensity),
                ..b
            })
            .collect();
        let calibration_auc = auc(&calibration
            .iter()
            .map(|b| (b.positives, b.negatives))
            .collect::<Vec<_>>());
        let bias = joint.then(|| single(self.joint.bias.value));
        Scoring {
            flat: super::flat::Flat::new(prior, bias, &predictors, &calibration),
            technique: config.technique,
            bias,
            prior,
            active,
            predictors,
            calibration,
            auc: calibration_auc,
            counts: self.counts,
            mature: self.counts.positives >= config.maturity_positives,
        }
    }
}

impl AdmModel {
    /// Of active predictors that correlate at `threshold` or more, keeps the best (highest
    /// AUC, then first declared) active; the others name the one they follow.
    fn drop_correlated(&self, predictors: &mut [CompiledPredictor], threshold: f64) {
        if threshold >= 1.0 || self.pairs.predictors() != predictors.len() {
            return;
        }
        let mut order: Vec<usize> = (0..predictors.len())
            .filter(|&i| predictors[i].active)
            .collect();
        let auc = |i: usize| predictors[i].auc.unwrap_or(0.0);
        order.sort_by(|&a, &b| auc(b).total_cmp(&auc(a)).then(a.cmp(&b)));
        let mut kept: Vec<usize> = Vec::new();
        for i in order {
            let follows = kept.iter().copied().find(|&j| {
                self.pairs
                    .correlation(i, j)
                    .is_some_and(|r| r.abs() >= threshold)
            });
            match follows {
                Some(j) => {
                    predictors[i].active = false;
                    predictors[i].correlated_with = Some(j);
                }
                None => kept.push(i),
            }
        }
    }
}

/// A predictor's univariate AUC: its bins ordered by response rate.
fn predictor_auc(binning: &Binning) -> Option<f64> {
    let mut bins: Vec<Counts> = (0..binning.len()).map(|b| binning.counts_at(b)).collect();
    bins.retain(|c| c.evidence() > 0);
    let rate = |c: &Counts| (c.positives as f64 + 0.5) / (c.evidence() as f64 + 1.0);
    bins.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
    auc(&bins
        .iter()
        .map(|c| (c.positives, c.negatives))
        .collect::<Vec<_>>())
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompiledPredictor {
    pub binning: Binning,
    /// Per bin (missing last): log(pos + 1/nBins) - log(neg + 1/nBins) - log(1+P) + log(1+N).
    pub contribution: Vec<f64>,
    /// Per bin (missing last), when the model serves the joint fit: the evidence-weighted
    /// mean of the joint weights inside it; empty otherwise.
    pub joint: Vec<f64>,
    pub auc: Option<f64>,
    pub active: bool,
    /// Left out of the score for correlating with this (better) predictor.
    pub correlated_with: Option<usize>,
}

/// A model ready to score: what [`AdmModel::compile`] derives.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    /// The technique configured: under `Joint`, learning steps the joint weights.
    pub technique: Technique,
    /// The joint fit's bias when the propensity is the joint fit's (the technique is `Joint`
    /// and the weights have learnt `joint::MIN_RESPONSES`, 300); `None`: naive Bayes.
    pub bias: Option<f64>,
    /// log(1+P) - log(1+N).
    pub prior: f64,
    pub active: usize,
    pub predictors: Vec<CompiledPredictor>,
    pub calibration: Vec<Block>,
    /// The AUC of the propensities the model gives (its calibration blocks in score order,
    /// ties within a block), on the responses learnt: about 0.5 to 1 (a young model's few
    /// responses can rank below 0.5); `None` before it has both a positive and a negative.
    pub auc: Option<f64>,
    pub counts: Counts,
    pub mature: bool,
    /// The same, laid out for scoring many models per decision.
    pub flat: super::flat::Flat,
}

impl Scoring {
    /// Every predictor's log-odds contribution for `values` (active or not), in order.
    pub fn log_odds(&self, values: &[Value]) -> Vec<f64> {
        self.predictors
            .iter()
            .enumerate()
            .map(|(i, p)| p.contribution[p.binning.locate(values.get(i).unwrap_or(&Value::Null))])
            .collect()
    }

    /// [`Scoring::score`] from [`Scoring::log_odds`]' answer.
    pub fn score_of(&self, log_odds: &[f64]) -> f64 {
        let mut sum = self.prior;
        for (p, x) in self.predictors.iter().zip(log_odds) {
            if p.active {
                sum += x;
            }
        }
        sum / (1.0 + self.active as f64)
    }

    /// (log(1+P) - log(1+N) + the active predictors' bin contributions) / (1 + active).
    pub fn score(&self, values: &[Value]) -> f64 {
        self.score_features(&self.features(values))
    }

    /// `values` keyed for [`Scoring::score_features`].
    pub fn features(&self, values: &[Value]) -> Vec<Feature> {
        self.predictors
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Feature::of(
                    values.get(i).unwrap_or(&Value::Null),
                    p.binning.kind == PredictorKind::Numeric,
                )
            })
            .collect()
    }

    /// [`Scoring::score`] of values already keyed (once per decision, for every model).
    pub fn score_features(&self, features: &[Feature]) -> f64 {
        let mut sum = self.prior;
        for (i, p) in self.predictors.iter().enumerate() {
            if p.active {
                let feature = features.get(i).copied().unwrap_or(Feature::Missing);
                sum += p.contribution[p.binning.locate_feature(feature)];
            }
        }
        sum / (1.0 + self.active as f64)
    }

    /// The calibrated propensity of `values` (or the joint fit's); 0.5 for a model without
    /// responses.
    pub fn propensity(&self, values: &[Value]) -> f64 {
        self.joint_propensity(&self.features(values))
    }

    /// The joint fit's propensity of keyed values: sigmoid(bias + the bin weights of every
    /// predictor); the calibrated naive-Bayes one when the model serves naive Bayes.
    pub fn joint_propensity(&self, features: &[Feature]) -> f64 {
        let Some(mut sum) = self.bias else {
            return calibrate(&self.calibration, self.score_features(features));
        };
        for (i, p) in self.predictors.iter().enumerate() {
            if in_joint(p) {
                let feature = features.get(i).copied().unwrap_or(Feature::Missing);
                sum += p.joint[p.binning.locate_feature(feature)];
            }
        }
        sigmoid(sum)
    }

    /// [`Scoring::propensity`] of values already keyed (from the flat layout; the tests
    /// hold it to the same answer as the structured one).
    pub fn propensity_features(&self, features: &[Feature]) -> f64 {
        self.flat.propensity(features)
    }
}

/// Whether a predictor takes part in the joint fit's propensity: every predictor (the fit
/// shares overlapping effects out itself; only the active ones reached 90.3% of the oracle
/// instead of 92.3% on `concord bench learn --seed 8, 9, 10`).
pub(super) fn in_joint(p: &CompiledPredictor) -> bool {
    !p.joint.is_empty()
}
