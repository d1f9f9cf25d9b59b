//! Business outcomes per experiment arm, per customer (experiments.yaml `outcomes`: churned,
//! revenue...): one sample per outcome and arm, read from the customers' live profiles, and the
//! full strategy's lift over every arm, the universal hold-out included.

use crate::kpis::LiftOrWhy;
use crate::lift::Sample;
use concord_model::Arm;
use serde::Serialize;
use std::collections::BTreeMap;

mod variants;
pub use variants::{VariantOutcome, VariantOutcomeBook};

/// How an outcome reads: a bool is a rate (the share of customers it holds for), a number a
/// value per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeScale {
    Rate,
    Value,
}

/// The samples of every outcome in every arm, filled one customer at a time.
#[derive(Debug, Clone)]
pub struct OutcomeBook {
    outcomes: Vec<(String, OutcomeScale)>,
    /// Per outcome: per arm, the customers' values.
    samples: Vec<BTreeMap<Arm, Sample>>,
    /// Per outcome: per arm, customers whose value could not be read (a missing attribute).
    missing: Vec<BTreeMap<Arm, u64>>,
}

/// One outcome across the arms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeReport {
    pub outcome: String,
    pub scale: OutcomeScale,
    pub arms: Vec<OutcomeArm>,
}

/// One arm's customers on one outcome, and the full strategy's lift over them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeArm {
    pub arm: Arm,
    /// Customers whose value was read.
    pub customers: u64,
    /// Customers whose value could not be read (left out).
    pub missing: u64,
    /// The rate, or the mean value per customer.
    pub mean: Option<f64>,
    /// `test` against this arm: mean_test / mean_arm - 1 (absent for `test` itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lift: Option<LiftOrWhy>,
}

impl OutcomeBook {
    pub fn new(outcomes: Vec<(String, OutcomeScale)>) -> Self {
        let n = outcomes.len();
        Self {
            outcomes,
            samples: vec![BTreeMap::new(); n],
            missing: vec![BTreeMap::new(); n],
        }
    }

    /// One customer's value of outcome `index` (a rate's 0 or 1); `None`: not readable.
    pub fn add(&mut self, index: usize, arm: Arm, value: Option<f64>) {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                if let Some(per_arm) = self.samples.get_mut(index) {
                    per_arm.entry(arm).or_default().add(v);
                }
            }
            None => {
                if let Some(per_arm) = self.missing.get_mut(index) {
                    *per_arm.entry(arm).or_default() += 1;
                }
            }
        }
    }

    /// Every outcome, its arms in arm order (only arms with customers), with intervals at
    /// `confidence` (delta method, customers as independent units).
    pub fn report(&self, confidence: f64) -> Vec<OutcomeReport> {
        self.outcomes
            .iter()
            .enumerate()
            .map(|(i, (name, scale))| {
                let samples = &self.samples[i];
                let missing = &self.missing[i];
                let test = samples.get(&Arm::Test).copied().unwrap_or_default();
                let arms = Arm::ALL
                    .into_iter()
                    .filter(|a| samples.contains_key(a) || missing.contains_key(a))
                    .map(|arm| {
                        let sample = samples.get(&arm).copied().unwrap_or_default();
                        OutcomeArm {
                            arm,
                            customers: sample.n,
                            missing: missing.get(&arm).copied().unwrap_or(0),
                            mean: sample.mean(),
                            lift: (arm != Arm::Test)
                                .then(|| LiftOrWhy::of(&test, &sample, confidence)),
                        }
                    })
                    .collect();
                OutcomeReport {
                    outcome: name.clone(),
                    scale: *scale,
                    arms,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Churn 10 of 100 test customers and 6 of 30 in the hold-out: test churns half as much
    /// (lift -0.5); revenue 20 per test customer against 10 in the hold-out (lift +1); a
    /// customer without a readable value counts as missing, not as 0.
    #[test]
    fn outcomes_compare_test_with_every_arm() {
        let mut book = OutcomeBook::new(vec![
            ("churned".into(), OutcomeScale::Rate),
            ("revenue".into(), OutcomeScale::Value),
        ]);
        for i in 0..100 {
            book.add(0, Arm::Test, Some(f64::from(u8::from(i < 10))));
            book.add(1, Arm::Test, Some(if i % 2 == 0 { 10.0 } else { 30.0 }));
        }
        for i in 0..30 {
            book.add(0, Arm::Holdout, Some(f64::from(u8::from(i < 6))));
            book.add(1, Arm::Holdout, Some(if i % 2 == 0 { 5.0 } else { 15.0 }));
        }
        book.add(1, Arm::Holdout, None);
        book.add(1, Arm::Holdout, Some(f64::NAN));
        let report = book.report(0.95);
        assert_eq!(report.len(), 2);
        let churn = &report[0];
        assert_eq!(churn.scale, OutcomeScale::Rate);
        let arms: Vec<(Arm, u64, Option<f64>)> = churn
            .arms
            .iter()
            .map(|a| (a.arm, a.customers, a.mean))
            .collect();
        assert_eq!(
            arms,
            [(Arm::Test, 100, Some(0.1)), (Arm::Holdout, 30, Some(0.2))]
        );
        assert!(churn.arms[0].lift.is_none());
        let lift = churn.arms[1]
            .lift
            .as_ref()
            .and_then(LiftOrWhy::lift)
            .expect("lift");
        assert!((lift.lift + 0.5).abs() < 1e-12, "{lift:?}");
        let revenue = &report[1];
        assert_eq!(revenue.arms[1].missing, 2);
        assert_eq!(revenue.arms[1].customers, 30);
        let lift = revenue.arms[1]
            .lift
            .as_ref()
            .and_then(LiftOrWhy::lift)
            .expect("lift");
        assert!((lift.lift - 1.0).abs() < 1e-12, "{lift:?}");
        assert!(lift.low < 1.0 && lift.high > 1.0);
    }
}
