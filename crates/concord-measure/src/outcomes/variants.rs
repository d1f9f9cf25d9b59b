//! Business outcomes per experiment variant, per customer: each challenger's customers against
//! their experiment's champion's on every outcome (churned, revenue...), read from the live
//! profiles. Intent to treat: a customer counts in the variant they are assigned to, whether
//! or not a decision reached them yet.

use super::OutcomeScale;
use crate::kpis::LiftOrWhy;
use crate::lift::Sample;
use concord_model::Variant;
use serde::Serialize;
use std::collections::BTreeMap;

/// The samples of every outcome in every variant, filled one customer at a time.
#[derive(Debug, Clone)]
pub struct VariantOutcomeBook {
    outcomes: Vec<(String, OutcomeScale)>,
    /// Per (outcome, variant): the customers' values, and how many could not be read.
    samples: BTreeMap<(usize, Variant), (Sample, u64)>,
}

/// One challenger against its champion on one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantOutcome {
    pub outcome: String,
    pub scale: OutcomeScale,
    pub experiment: String,
    pub challenger: String,
    pub customers: u64,
    pub champion_customers: u64,
    /// Customers of the challenger whose value could not be read (left out).
    pub missing: u64,
    pub mean: Option<f64>,
    pub champion_mean: Option<f64>,
    /// The challenger against the champion: mean / champion_mean - 1.
    pub lift: LiftOrWhy,
}

impl VariantOutcomeBook {
    pub fn new(outcomes: Vec<(String, OutcomeScale)>) -> Self {
        Self {
            outcomes,
            samples: BTreeMap::new(),
        }
    }

    /// One customer's value of outcome `index` in `variant`; `None`: not readable.
    pub fn add(&mut self, index: usize, variant: &Variant, value: Option<f64>) {
        let key = (index, variant.clone());
        let (sample, missing) = self.samples.entry(key).or_default();
        match value.filter(|v| v.is_finite()) {
            Some(v) => sample.add(v),
            None => *missing += 1,
        }
    }

    /// Every outcome of every challenger with customers, against its champion, with
    /// intervals at `confidence` (delta method, customers as units): by outcome, then
    /// experiment, then challenger.
    pub fn report(&self, confidence: f64) -> Vec<VariantOutcome> {
        self.samples
            .iter()
            .filter(|((_, variant), _)| !variant.is_champion())
            .filter_map(|((index, variant), (sample, missing))| {
                let (name, scale) = self.outcomes.get(*index)?;
                let champion_key = (
                    *index,
                    Variant::new(&variant.experiment, concord_model::CHAMPION),
                );
                let champion = self
                    .samples
                    .get(&champion_key)
                    .map(|(s, _)| *s)
                    .unwrap_or_default();
                Some(VariantOutcome {
                    outcome: name.clone(),
                    scale: *scale,
                    experiment: variant.experiment.clone(),
                    challenger: variant.variant.clone(),
                    customers: sample.n,
                    champion_customers: champion.n,
                    missing: *missing,
                    mean: sample.mean(),
                    champion_mean: champion.mean(),
                    lift: LiftOrWhy::of(sample, &champion, confidence),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Churn 5 of 100 challenger customers against 10 of 100 champion customers: the
    /// challenger churns half as much (lift -0.5); a champion of another experiment is not the
    /// baseline.
    #[test]
    fn challengers_compare_with_their_own_champion() {
        let mut book = VariantOutcomeBook::new(vec![("churned".into(), OutcomeScale::Rate)]);
        let challenger = Variant::new("trial", "levers_up");
        let champion = Variant::new("trial", "champion");
        let other = Variant::new("other", "champion");
        for i in 0..100 {
            book.add(0, &challenger, Some(f64::from(u8::from(i < 5))));
            book.add(0, &champion, Some(f64::from(u8::from(i < 10))));
            book.add(0, &other, Some(1.0));
        }
        book.add(0, &challenger, None);
        let report = book.report(0.95);
        assert_eq!(report.len(), 1, "{report:?}");
        let row = &report[0];
        assert_eq!(
            (row.experiment.as_str(), row.challenger.as_str()),
            ("trial", "levers_up")
        );
        assert_eq!(
            (row.customers, row.champion_customers, row.missing),
            (100, 100, 1)
        );
        let lift = row.lift.lift().expect("a lift");
        assert!((lift.lift + 0.5).abs() < 1e-12, "{lift:?}");
    }
}
