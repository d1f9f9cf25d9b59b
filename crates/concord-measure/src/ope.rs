//! Off-policy evaluation: the value a candidate policy would have had, estimated from the decisions
//! the live (logging) policy made and the rewards they earned, with a bootstrap interval.
//!
//! Every estimator reweights the logged decisions by `w_i = target_propensity / logging_propensity`,
//! the ratio of the candidate's and the logger's probability of the action actually taken. The
//! estimates are only as good as the logged propensities: they must be the probabilities the live
//! policy really used (exploration included), and every action the candidate can take must have
//! had a positive logging probability. `effective_n` and `max_weight` say how far to trust them.

use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// One logged decision, reduced to what the estimators read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Logged {
    /// The logging policy's probability of the action it took, in (0, 1].
    pub logging_propensity: f64,
    /// The candidate policy's probability of that same action, in [0, 1] (1 or 0 when the
    /// candidate is deterministic).
    pub target_propensity: f64,
    /// The reward observed after the logged action.
    pub reward: f64,
    /// The reward model's prediction for the logged action (read by `DoublyRobust` only).
    pub model_logged: f64,
    /// The candidate's expected reward under the model, `sum_a pi_target(a) * model(a)` over the
    /// actions of this decision (read by `DoublyRobust` only).
    pub model_target: f64,
}

/// Which estimator to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Inverse propensity scoring, `mean(w_i r_i)`: unbiased, high variance.
    Ips,
    /// Self-normalised IPS, `sum(w_i r_i) / sum(w_i)`: slightly biased, much steadier when the
    /// weights are large, and invariant to adding a constant to every reward.
    Snips,
    /// Doubly robust, `mean(model_target_i + w_i (r_i - model_logged_i))`: unbiased when either
    /// the propensities or the reward model are right; the better the model, the narrower.
    DoublyRobust,
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Estimator::Ips => "ips",
            Estimator::Snips => "snips",
            Estimator::DoublyRobust => "doubly_robust",
        })
    }
}

/// A field of `Logged`, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoggedField {
    LoggingPropensity,
    TargetPropensity,
    Reward,
    ModelLogged,
    ModelTarget,
}

impl fmt::Display for LoggedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoggedField::LoggingPropensity => "logging_propensity",
            LoggedField::TargetPropensity => "target_propensity",
            LoggedField::Reward => "reward",
            LoggedField::ModelLogged => "model_logged",
            LoggedField::ModelTarget => "model_target",
        })
    }
}

/// Why an estimate cannot be computed. Row errors name the first bad row and its field.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum OpeError {
    #[error("no logged decisions to evaluate")]
    Empty,
    #[error("logged[{index}].{field} = {value} is out of range ({range})")]
    OutOfRange {
        index: usize,
        field: LoggedField,
        value: f64,
        range: &'static str,
    },
    #[error("logged[{index}].{field} = {value} is not finite")]
    NonFinite {
        index: usize,
        field: LoggedField,
        value: f64,
    },
    #[error("confidence must lie strictly between 0 and 1, got {0}")]
    ConfidenceOutOfRange(f64),
    #[error("{0} bootstrap resamples are too few; at least {MIN_RESAMPLES} are needed")]
    TooFewResamples(usize),
    #[error("the candidate gives probability 0 to every logged action; SNIPS is undefined")]
    ZeroWeightSum,
}

/// Below this a percentile interval at 95% rests on two or three order statistics.
pub const MIN_RESAMPLES: usize = 100;

/// An off-policy estimate of the candidate's mean reward per decision, with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub estimator: Estimator,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// The two-sided level of `[low, high]`, e.g. 0.95.
    pub confidence: f64,
    /// Logged decisions used.
    pub n: usize,
    /// Kish's effective sample size of the weights, `(sum w)² / sum w²`: how many decisions the
    /// estimate is really worth. Far below `n` means a few heavy weights decide the result.
    pub effective_n: f64,
    pub max_weight: f64,
}

/// Estimates the candidate policy's value from `logged` with `estimator`, and a percentile
/// bootstrap interval at `confidence` from `resamples` resamples of the decisions (with
/// replacement, `n` at a time), drawn by a SplitMix64 stream seeded with `seed`: the same inputs
/// always give the same interval. Bounds are the `(1 - c)/2` and `(1 + c)/2` quantiles of the
/// resampled estimates, interpolated linearly between order statistics.
///
/// The bootstrap treats decisions as independent; several decisions of one customer are not, and
/// the interval is then too narrow. A SNIPS resample in which every weight is 0 has no value and
/// is left out; that only happens when almost no logged action is one the candidate would take,
/// which `effective_n` already shows.
///
/// Errors: empty input; a logging propensity outside (0, 1]; a target propensity outside [0, 1];
/// a non-finite reward (or, for `DoublyRobust`, model value); `confidence` outside (0, 1);
/// fewer than `MIN_RESAMPLES` resamples; SNIPS when every weight is 0.
pub fn estimate(
    logged: &[Logged],
    estimator: Estimator,
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Result<Estimate, OpeError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(OpeError::ConfidenceOutOfRange(confidence));
    }
    if resamples < MIN_RESAMPLES {
        return Err(OpeError::TooFewResamples(resamples));
    }
    if logged.is_empty() {
        return Err(OpeError::Empty);
    }
    for (index, row) in logged.iter().enumerate() {
        validate(index, row, estimator)?;
    }

    // Each decision becomes a (numerator, denominator) pair; every estimator is then
    // sum(numerator) / sum(denominator), which the bootstrap resamples as pairs.
    let terms: Vec<(f64, f64)> = logged
        .iter()
        .map(|row| {
            let w = row.target_propensity / row.logging_propensity;
            match estimator {
                Estimator::Ips => (w * row.reward, 1.0),
                Estimator::Snips => (w * row.reward, w),
                Estimator::DoublyRobust => {
                    (row.model_target + w * (row.reward - row.model_logged), 1.0)
                }
            }
        })
        .collect();
    let ratio =
        |numerator: f64, denominator: f64| (denominator > 0.0).then(|| numerator / denominator);
    let (numerator, denominator) = terms
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let value = ratio(numerator, denominator).ok_or(OpeError::ZeroWeightSum)?;

    let n = logged.len();
    let mut rng = SplitMix64(seed);
    let mut resampled: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            let (numerator, denominator) = (0..n).fold((0.0, 0.0), |(a, b), _| {
                let (x, y) = terms[rng.below(n)];
                (a + x, b + y)
            });
            ratio(numerator, denominator)
        })
        .collect();
    // Only SNIPS drops resamples, and losing all of them takes odds like e^-100; still no panic.
    if resampled.is_empty() {
        return Err(OpeError::ZeroWeightSum);
    }
    resampled.sort_by(f64::total_cmp);

    let (sum_w, sum_w2, max_weight) = logged.iter().fold((0.0, 0.0, 0.0_f64), |(s, s2, m), row| {
        let w = row.target_propensity / row.logging_propensity;
        (s + w, s2 + w * w, m.max(w))
    });
    Ok(Estimate {
        estimator,
        value,
        low: quantile(&resampled, (1.0 - confidence) / 2.0),
        high: quantile(&resampled, (1.0 + confidence) / 2.0),
        confidence,
        n,
        effective_n: if sum_w2 > 0.0 {
            sum_w * sum_w / sum_w2
        } else {
            0.0
        },
        max_weight,
    })
}

fn validate(index: usize, row: &Logged, estimator: Estimator) -> Result<(), OpeError> {
    let out_of_range = |field, value, range| OpeError::OutOfRange {
        index,
        field,
        value,
        range,
    };
    let p = row.logging_propensity;
    if !(p > 0.0 && p <= 1.0) {
        return Err(out_of_range(LoggedField::LoggingPropensity, p, "(0, 1]"));
    }
    let q = row.target_propensity;
    if !(0.0..=1.0).contains(&q) {
        return Err(out_of_range(LoggedField::TargetPropensity, q, "[0, 1]"));
    }
    let model = [
        (LoggedField::ModelLogged, row.model_logged),
        (LoggedField::ModelTarget, row.model_target),
    ];
    let model_read: &[_] = if estimator == Estimator::DoublyRobust {
        &model
    } else {
        &[]
    };
    let mut read =
        std::iter::once((LoggedField::Reward, row.reward)).chain(model_read.iter().copied());
    match read.find(|(_, value)| !value.is_finite()) {
        Some((field, value)) => Err(OpeError::NonFinite {
            index,
            field,
            value,
        }),
        None => Ok(()),
    }
}

/// The `p` quantile of sorted, non-empty `values`, interpolating between order statistics
/// (Hyndman-Fan type 7, the default of R and NumPy).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator, ample for bootstrap draws
/// and fixed here so intervals never change with a dependency's version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` by multiply-shift; the bias, at most `n / 2^64`, is immaterial here.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}
