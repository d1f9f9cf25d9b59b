//! Lift of the full strategy over an always-on control arm: per-unit moments, delta-method
//! intervals, and the sample sizes that make such an interval worth reading.
//!
//! The comparison is Impact-Analyzer style: each arm is a set of units (customers), each unit
//! contributes one value of the metric (0/1 for a rate, money for a value metric), and the lift is
//! the relative difference of the arm means, `mean_test / mean_control - 1`.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Which side of a lift comparison an error is about (not to be confused with
/// `concord_model::Arm`, the experiment arm a customer is in: any arm can be either side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiftSide {
    Test,
    Control,
}

impl fmt::Display for LiftSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LiftSide::Test => "test",
            LiftSide::Control => "control",
        })
    }
}

/// Why a lift (or a Bernoulli sample) cannot be computed. Each variant names the input at fault.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum LiftError {
    #[error("confidence must lie strictly between 0 and 1, got {0}")]
    ConfidenceOutOfRange(f64),
    #[error("the {side} side has {n} units; an interval needs at least 2")]
    TooFewUnits { side: LiftSide, n: u64 },
    #[error("the control mean is {0}; a relative lift needs a positive baseline")]
    NonPositiveControlMean(f64),
    #[error("the {0} side's sums are not finite")]
    NonFinite(LiftSide),
    #[error("{successes} successes out of only {n} units")]
    SuccessesExceedUnits { successes: u64, n: u64 },
    #[error(
        "every unit of the {side} side has the same value ({value}), e.g. no accepts yet: no interval until it varies"
    )]
    NoSpread { side: LiftSide, value: f64 },
}

/// Per-unit moments of a metric over one arm: enough for its mean and the variance of that mean,
/// and mergeable across shards or days by adding the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Units in the arm, whether or not they responded. The intervals assume units are
    /// independent: customers are; several impressions of one customer are not.
    pub n: u64,
    /// Sum of the per-unit values.
    pub sum: f64,
    /// Sum of the squared per-unit values.
    pub sum_sq: f64,
}

impl Sample {
    pub fn new() -> Self {
        Self::default()
    }

    /// A rate as a sample of 0/1 units: `sum = sum_sq = successes`, exactly the moments that adding
    /// `successes` ones and `n - successes` zeros would build.
    pub fn bernoulli(successes: u64, n: u64) -> Result<Self, LiftError> {
        if successes > n {
            return Err(LiftError::SuccessesExceedUnits { successes, n });
        }
        let successes = successes as f64;
        Ok(Self {
            n,
            sum: successes,
            sum_sq: successes,
        })
    }

    /// Adds one unit whose metric value is `x` (0 for a unit that did nothing).
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// Adds every unit of `other`, as if they had been added one by one.
    pub fn merge(&mut self, other: &Sample) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// `sum / n`; `None` for an empty sample.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// The unbiased sample variance `s² = (sum_sq - sum²/n) / (n - 1)`; `None` when `n < 2`.
    /// Clamped at 0: the subtraction can round below it when all units are equal.
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        Some(((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0))
    }

    /// The estimated variance of the mean, `s² / n`; `None` when `n < 2`.
    pub fn variance_of_mean(&self) -> Option<f64> {
        Some(self.variance()? / self.n as f64)
    }
}

impl FromIterator<f64> for Sample {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Self {
        let mut sample = Sample::new();
        values.into_iter().for_each(|x| sample.add(x));
        sample
    }
}

/// The lift of the test arm over the control arm, with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lift {
    /// `test_mean / control_mean - 1`: 0.2 means the strategy did 20% better than control.
    pub lift: f64,
    pub low: f64,
    pub high: f64,
    /// The delta-method standard error of `lift`.
    pub std_error: f64,
    pub test_mean: f64,
    pub control_mean: f64,
    pub test_n: u64,
    pub control_n: u64,
    /// The two-sided confidence level of `[low, high]`, e.g. 0.95.
    pub confidence: f64,
    /// The interval excludes 0.
    pub significant: bool,
}

/// Lift `L = m_t / m_c - 1` with a delta-method (Wald) interval `L ± z·se` at `confidence`.
///
/// With `v` the variance of each arm's mean (`Sample::variance_of_mean`), first-order expansion of
/// the ratio of two independent means gives
/// `Var(L) ≈ (m_t/m_c)² (v_t/m_t² + v_c/m_c²) = v_t/m_c² + m_t² v_c/m_c⁴`;
/// the second form is the one computed, as it stays defined when `m_t = 0`. `z` is the two-sided
/// normal quantile (1.959964 for 0.95). The arms are assumed independent (disjoint units).
///
/// Errors: `confidence` outside (0, 1); an arm with fewer than 2 units; non-finite sums; a control
/// mean that is not positive (a relative lift over zero or a negative baseline means nothing).
///
/// The interval rests on the normal approximation of each mean. Simulated coverage of a 95%
/// interval (tests/lift_coverage.rs and 4,000-run checks) is 93-96% for rates down to 10 control
/// successes and for bounded values, but falls with heavy tails: with 500 control responders, about
/// 94% for lognormal values with σ = 1, 93% with σ = 1.5 and 90% with σ = 2. An arm whose units
/// are all equal (a rate of 0 or 1, say a challenger with no accepts yet) has no spread: the
/// delta method would give a zero-width interval and call it significant, so that is an error
/// ([`LiftError::NoSpread`]) until the arm varies.
pub fn lift(test: &Sample, control: &Sample, confidence: f64) -> Result<Lift, LiftError> {
    let z = two_sided_z(confidence).ok_or(LiftError::ConfidenceOutOfRange(confidence))?;
    let (control_mean, v_c) = mean_and_variance(control, LiftSide::Control)?;
    let (test_mean, v_t) = mean_and_variance(test, LiftSide::Test)?;
    if control_mean <= 0.0 {
        return Err(LiftError::NonPositiveControlMean(control_mean));
    }
    for (variance, side, value) in [
        (v_t, LiftSide::Test, test_mean),
        (v_c, LiftSide::Control, control_mean),
    ] {
        if variance == 0.0 {
            return Err(LiftError::NoSpread { side, value });
        }
    }
    let m_c2 = control_mean * control_mean;
    let variance = v_t / m_c2 + test_mean * test_mean * v_c / (m_c2 * m_c2);
    let std_error = variance.sqrt();
    let lift = test_mean / control_mean - 1.0;
    let (low, high) = (lift - z * std_error, lift + z * std_error);
    Ok(Lift {
        lift,
        low,
        high,
        std_error,
        test_mean,
        control_mean,
        test_n: test.n,
        control_n: control.n,
        confidence,
        significant: low > 0.0 || high < 0.0,
    })
}

fn mean_and_variance(sample: &Sample, side: LiftSide) -> Result<(f64, f64), LiftError> {
    let too_few = LiftError::TooFewUnits { side, n: sample.n };
    let mean = sample.mean().ok_or(too_few)?;
    let variance = sample.variance_of_mean().ok_or(too_few)?;
    if !(mean.is_finite() && variance.is_finite()) {
        return Err(LiftError::NonFinite(side));
    }
    Ok((mean, variance))
}

/// `z` such that `P(|Z| <= z) = confidence`; taken from the lower tail, where `(1 - c) / 2` keeps
/// its digits for confidences near 1.
fn two_sided_z(confidence: f64) -> Option<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    Some(-normal_quantile((1.0 - confidence) / 2.0)?)
}

mod normal;
mod sizing;

pub use normal::normal_quantile;
pub use sizing::{SampleSize, minimum_detectable_effect, sample_size};

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0)
    }

    #[test]
    fn lift_matches_hand_computed_delta_method() {
        // Test 1,200 of 10,000, control 1,000 of 10,000: m_t = 0.12, m_c = 0.10, L = 0.2.
        // s²_t = (1200 - 1200²/10000) / 9999 = 1056/9999, v_t = s²_t / 10000 = 1.0561056e-5.
        // s²_c = (1000 - 1000²/10000) / 9999 = 900/9999,  v_c = 9.0009001e-6.
        // Var(L) = v_t/m_c² + m_t² v_c/m_c⁴ = 1.0561056e-3 + 0.0144 · 9.0009001e-6 / 1e-4
        //        = 1.0561056e-3 + 1.2961296e-3 = 2.3522352e-3, se = 0.0484998477.
        // 95%: 0.2 ± 1.959963985 · 0.0484998477 = [0.1049420453, 0.2950579547] (mpmath).
        let test = Sample::bernoulli(1200, 10_000).expect("valid counts");
        let control = Sample::bernoulli(1000, 10_000).expect("valid counts");
        let l = lift(&test, &control, 0.95).expect("computable");
        assert!(close(l.lift, 0.2, 1e-12), "{l:?}");
        assert!(close(l.std_error, 0.048_499_847_664_939_65, 1e-12), "{l:?}");
        assert!(close(l.low, 0.104_942_045_321_039_25, 1e-12), "{l:?}");
        assert!(close(l.high, 0.295_057_954_678_960_8, 1e-12), "{l:?}");
        assert!(l.significant);
        assert_eq!(
            (l.test_n, l.control_n, l.confidence),
            (10_000, 10_000, 0.95)
        );

        // A value metric: test [1, 2, 3] (mean 2, s² 1, v 1/3), control [1, 1, 2, 2]
        // (mean 1.5, s² = (10 - 9)/3 = 1/3, v = 1/12). L = 2/1.5 - 1 = 1/3.
        // Var(L) = (1/3)/2.25 + 4 (1/12)/5.0625 = 52/243, se = 0.4625924443.
        let test: Sample = [1.0, 2.0, 3.0].into_iter().collect();
        let control: Sample = [1.0, 1.0, 2.0, 2.0].into_iter().collect();
        let l = lift(&test, &control, 0.95).expect("computable");
        assert!(close(l.lift, 1.0 / 3.0, 1e-12), "{l:?}");
        assert!(close(l.std_error, 0.46259244432580727, 1e-12), "{l:?}");
        assert!(!l.significant);
    }

    #[test]
    fn lift_rejects_what_it_cannot_measure() {
        fn check(test: Sample, control: Sample, confidence: f64, expected: LiftError) {
            let actual = lift(&test, &control, confidence);
            assert_eq!(
                actual,
                Err(expected),
                "{test:?} vs {control:?} at {confidence}"
            );
        }
        let rate = |s, n| Sample::bernoulli(s, n).expect("valid counts");
        let ok = rate(10, 100);
        for confidence in [0.0, 1.0, -0.5, 1.5] {
            check(
                ok,
                ok,
                confidence,
                LiftError::ConfidenceOutOfRange(confidence),
            );
        }
        let nan = lift(&ok, &ok, f64::NAN);
        assert!(matches!(nan, Err(LiftError::ConfidenceOutOfRange(c)) if c.is_nan()));
        let one = rate(1, 1);
        let control = LiftSide::Control;
        check(
            ok,
            one,
            0.95,
            LiftError::TooFewUnits {
                side: control,
                n: 1,
            },
        );
        check(
            one,
            ok,
            0.95,
            LiftError::TooFewUnits {
                side: LiftSide::Test,
                n: 1,
            },
        );
        check(
            ok,
            Sample::new(),
            0.95,
            LiftError::TooFewUnits {
                side: control,
                n: 0,
            },
        );
        check(
            ok,
            rate(0, 100),
            0.95,
            LiftError::NonPositiveControlMean(0.0),
        );
        let negative: Sample = [-1.0, -2.0].into_iter().collect();
        check(ok, negative, 0.95, LiftError::NonPositiveControlMean(-1.5));
        let infinite: Sample = [1.0, f64::INFINITY].into_iter().collect();
        check(infinite, ok, 0.95, LiftError::NonFinite(LiftSide::Test));
    }

    #[test]
    fn a_side_without_spread_has_no_interval() {
        // No accepts yet in the test arm: not "-100%, significant", but no interval.
        let none = lift(
            &Sample::bernoulli(0, 100).expect("valid"),
            &Sample::bernoulli(10, 100).expect("valid"),
            0.95,
        );
        assert_eq!(
            none,
            Err(LiftError::NoSpread {
                side: LiftSide::Test,
                value: 0.0
            })
        );
        let all = lift(
            &Sample::bernoulli(10, 100).expect("valid"),
            &Sample::bernoulli(50, 50).expect("valid"),
            0.95,
        );
        assert!(matches!(
            all,
            Err(LiftError::NoSpread {
                side: LiftSide::Control,
                ..
            })
        ));
        assert!(none.is_err_and(|e| e.to_string().contains("no accepts yet")));
    }

    #[test]
    fn merged_samples_equal_one_sample_of_all_units() {
        let values = [0.0, 3.5, 0.0, 0.0, 12.0, 1.25, 0.0, 7.0, 0.5];
        let whole: Sample = values.into_iter().collect();
        for split in 0..=values.len() {
            let mut left: Sample = values[..split].iter().copied().collect();
            left.merge(&values[split..].iter().copied().collect());
            assert_eq!(left, whole, "split at {split}");
        }
        assert_eq!(whole.mean(), Some(24.25 / 9.0));
        assert_eq!(Sample::new().mean(), None);
        assert_eq!(
            Sample::bernoulli(3, 1).map_err(|e| e.to_string()),
            Err("3 successes out of only 1 units".into())
        );
    }

    #[test]
    fn bernoulli_equals_adding_zero_one_units() {
        for (successes, n) in [(0, 2), (1, 2), (2, 2), (37, 1000), (999, 1000)] {
            let units = (0..n).map(|i| if i < successes { 1.0 } else { 0.0 });
            let added: Sample = units.collect();
            assert_eq!(
                Sample::bernoulli(successes, n),
                Ok(added),
                "{successes}/{n}"
            );
        }
    }
}
