//! Cohort reports over the customer base (reports.yaml): customers grouped by dimensions
//! (dealer, acquisition channel, exit reason...), each group's measures (rates and values per
//! customer, with intervals), and groups flagged when a rate is significantly above the rest of
//! the base (a dealer whose connections churn: a "false acquisition" source).

use crate::kpis::LiftOrWhy;
use crate::lift::{Sample, normal_quantile};
use crate::outcomes::OutcomeScale;
use serde::Serialize;
use std::collections::BTreeMap;

/// Groups filled one customer at a time.
#[derive(Debug, Clone)]
pub struct CohortBook {
    measures: Vec<(String, OutcomeScale)>,
    /// The measure groups are flagged on (a rate), and the smallest group that may be flagged.
    flag: Option<usize>,
    min_customers: u64,
    groups: BTreeMap<Vec<String>, Group>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    customers: u64,
    samples: Vec<Sample>,
    missing: Vec<u64>,
}

impl Group {
    fn new(measures: usize) -> Self {
        Self {
            customers: 0,
            samples: vec![Sample::default(); measures],
            missing: vec![0; measures],
        }
    }

    fn merge(&mut self, other: &Group) {
        self.customers += other.customers;
        for (a, b) in self.samples.iter_mut().zip(&other.samples) {
            a.merge(b);
        }
        for (a, b) in self.missing.iter_mut().zip(&other.missing) {
            *a += b;
        }
    }
}

/// A report: the whole cohort, then each group, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortReport {
    pub customers: u64,
    pub overall: Vec<MeasureValue>,
    pub groups: Vec<CohortGroup>,
    /// The two-sided confidence of every measure's interval.
    pub confidence: f64,
    /// How flags were judged: the flagged rate's lift over the rest of the cohort, at a
    /// confidence adjusted for the number of groups compared (Bonferroni), so that with no real
    /// difference anywhere a report flags no group at `confidence` or better.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<FlagRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagRule {
    pub measure: String,
    pub min_customers: u64,
    /// The per-group confidence: 1 - (1 - confidence) / groups compared.
    pub group_confidence: f64,
    pub groups_compared: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortGroup {
    /// One value per dimension, in the report's order.
    pub key: Vec<String>,
    pub customers: u64,
    pub measures: Vec<MeasureValue>,
    /// The flagged rate against the rest of the cohort (groups of at least min_customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versus_rest: Option<LiftOrWhy>,
    pub flagged: bool,
}

/// One measure over a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureValue {
    pub name: String,
    pub scale: OutcomeScale,
    /// The rate, or the mean value per customer (customers whose value was read).
    pub mean: Option<f64>,
    /// The interval of the mean (normal approximation).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Customers whose value was read, and those whose value could not be.
    pub n: u64,
    pub missing: u64,
}

impl CohortBook {
    pub fn new(
        measures: Vec<(String, OutcomeScale)>,
        flag: Option<usize>,
        min_customers: u64,
    ) -> Self {
        Self {
            measures,
            flag,
            min_customers,
            groups: BTreeMap::new(),
        }
    }

    /// One customer: their group key and each measure's value (`None`: not readable).
    pub fn add(&mut self, key: Vec<String>, values: &[Option<f64>]) {
        let n = self.measures.len();
        let group = self.groups.entry(key).or_insert_with(|| Group::new(n));
        group.customers += 1;
        for (i, value) in values.iter().take(n).enumerate() {
            match value.filter(|v| v.is_finite()) {
                Some(v) => group.samples[i].add(v),
                None => group.missing[i] += 1,
            }
        }
    }

    pub fn report(&self, confidence: f64) -> CohortReport {
        let z = normal_quantile(0.5 + confidence / 2.0).unwrap_or(f64::NAN);
        let values = |g: &Group| -> Vec<MeasureValue> {
            self.measures
                .iter()
                .enumerate()
                .map(|(i, (name, scale))| {
                    let s = g.samples[i];
                    let se = s.variance_of_mean().map(f64::sqrt);
                    let mean = s.mean();
                    MeasureValue {
                        name: name.clone(),
                        scale: *scale,
                        mean,
                        low: mean.zip(se).map(|(m, se)| m - z * se),
                        high: mean.zip(se).map(|(m, se)| m + z * se),
                        n: s.n,
                        missing: g.missing[i],
                    }
                })
                .collect()
        };
        let mut total = Group::new(self.measures.len());
        for g in self.groups.values() {
            total.merge(g);
        }
        let compared = self
            .groups
            .values()
            .filter(|g| g.customers >= self.min_customers)
            .count();
        let group_confidence = 1.0 - (1.0 - confidence) / compared.max(1) as f64;
        let mut groups: Vec<CohortGroup> = self
            .groups
            .iter()
            .map(|(key, g)| {
                let versus_rest = self
                    .flag
                    .filter(|_| g.customers >= self.min_customers && self.groups.len() > 1)
                    .map(|i| {
                        let rest = Sample {
                            n: total.samples[i].n - g.samples[i].n,
                            sum: total.samples[i].sum - g.samples[i].sum,
                            sum_sq: total.samples[i].sum_sq - g.samples[i].sum_sq,
                        };
                        LiftOrWhy::of(&g.samples[i], &rest, group_confidence)
                    });
                let flagged = versus_rest
                    .as_ref()
                    .and_then(LiftOrWhy::lift)
                    .is_some_and(|l| l.low > 0.0);
                CohortGroup {
                    key: key.clone(),
                    customers: g.customers,
                    measures: values(g),
                    versus_rest,
                    flagged,
                }
            })
            .collect();
        groups.sort_by(|a, b| b.customers.cmp(&a.customers).then(a.key.cmp(&b.key)));
        CohortReport {
            customers: total.customers,
            overall: values(&total),
            groups,
            confidence,
            flag: self.flag.and_then(|i| {
                Some(FlagRule {
                    measure: self.measures.get(i)?.0.clone(),
                    min_customers: self.min_customers,
                    group_confidence,
                    groups_compared: compared,
                })
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 dealers of 200 connections: 19 churn 10% of the time, one 30%. Only that one is
    /// flagged, at a confidence adjusted for 20 comparisons; a dealer too small is never
    /// flagged; the overall rate and the groups' order are exact.
    #[test]
    fn a_bad_dealer_is_flagged_and_the_rest_are_not() {
        let mut book = CohortBook::new(
            vec![
                ("churned".into(), OutcomeScale::Rate),
                ("revenue".into(), OutcomeScale::Value),
            ],
            Some(0),
            30,
        );
        for d in 0..20 {
            let rate = if d == 7 { 3 } else { 1 };
            for i in 0..200 {
                let churned = f64::from(u8::from(i % 10 < rate));
                book.add(vec![format!("dealer_{d:02}")], &[Some(churned), Some(10.0)]);
            }
        }
        // A tiny dealer whose every connection churned.
        for _ in 0..5 {
            book.add(vec!["dealer_tiny".into()], &[Some(1.0), None]);
        }
        let report = book.report(0.95);
        assert_eq!(report.customers, 4_005);
        let flagged: Vec<&str> = report
            .groups
            .iter()
            .filter(|g| g.flagged)
            .map(|g| g.key[0].as_str())
            .collect();
        assert_eq!(flagged, ["dealer_07"]);
        let rule = report.flag.as_ref().expect("a flag rule");
        assert_eq!(rule.groups_compared, 20);
        assert!((rule.group_confidence - (1.0 - 0.05 / 20.0)).abs() < 1e-12);
        let tiny = report.groups.last().expect("groups");
        assert_eq!((tiny.key[0].as_str(), tiny.customers), ("dealer_tiny", 5));
        assert!(tiny.versus_rest.is_none() && !tiny.flagged);
        assert_eq!(tiny.measures[1].missing, 5);
        let churn = &report.overall[0];
        assert_eq!(churn.mean, Some((19.0 * 20.0 + 60.0 + 5.0) / 4_005.0));
        assert!(churn.low.is_some_and(|l| l < churn.mean.unwrap_or(0.0)));
    }
}
