//! Value Finder: which customers the strategy serves well, which it underserves (every action
//! that reached arbitration for them is below a propensity threshold under today's models) and
//! which it has nothing for (no action reached arbitration), grouped by a profile field, from
//! each customer's latest decision in the log (the full-strategy arm only: control arms change
//! what reaches arbitration).

use crate::error::HubError;
use crate::hub::Hub;
use concord_decide::Scorer;
use concord_measure::{CohortBook, CohortReport, OutcomeScale};
use concord_model::{Arm, ChannelId, CustomerId, Feature, Timestamp, Value};
use std::collections::HashMap;

/// The latest full-strategy decision of one customer: its channel, its predictor values and
/// the actions that reached arbitration (strategy positions).
struct Latest {
    channel: ChannelId,
    predictors: Vec<Value>,
    reached: Vec<u32>,
}

impl Hub {
    /// Customers of the decision log (their latest decision) by the profile field `by`
    /// (`segment`, read as `customer.segment`; none: one group): the share underserved (every
    /// action that reached arbitration below `threshold` under the current models), the share
    /// with no action at all, and the best propensity; groups significantly more underserved
    /// than the rest are flagged. Decisions whose inputs are no longer in memory are left out.
    pub fn value_finder(
        &self,
        threshold: f64,
        by: Option<&str>,
        now: Timestamp,
        confidence: f64,
    ) -> Result<CohortReport, HubError> {
        let dimension = by
            .map(|name| {
                let text = format!("customer.{name}");
                concord_strategy::Rule::compile_expression(&text, self.strategy.profile_schema())
                    .map(|(rule, _)| rule)
                    .map_err(|e| HubError::BadDimension {
                        name: name.to_owned(),
                        reason: e.to_string(),
                    })
            })
            .transpose()?;
        let mut latest: HashMap<CustomerId, Latest> = HashMap::new();
        for entry in self.decisions.lock().entries() {
            let record = &entry.record;
            let Some(inputs) = record.inputs.as_deref() else {
                continue;
            };
            if record.arm != Arm::Test || inputs.fallback {
                continue;
            }
            latest.insert(
                record.customer_id.clone(),
                Latest {
                    channel: record.channel.clone(),
                    predictors: record.predictors.clone(),
                    reached: inputs.propensities.iter().map(|(p, _)| *p).collect(),
                },
            );
        }
        let models = self.learner.snapshot();
        let numeric: Vec<bool> = self
            .strategy
            .models()
            .predictors
            .iter()
            .map(|p| p.numeric)
            .collect();
        let mut book = CohortBook::new(
            vec![
                ("underserved".to_owned(), OutcomeScale::Rate),
                ("without_actions".to_owned(), OutcomeScale::Rate),
                ("best_propensity".to_owned(), OutcomeScale::Value),
            ],
            Some(0),
            concord_strategy::DEFAULT_MIN_CUSTOMERS,
        );
        for (customer, decision) in &latest {
            let features: Vec<Feature> = decision
                .predictors
                .iter()
                .zip(numeric.iter().chain(std::iter::repeat(&false)))
                .map(|(v, n)| Feature::of(v, *n))
                .collect();
            let best = decision
                .reached
                .iter()
                .filter_map(|&p| self.strategy.actions().get(p as usize))
                .map(|a| models.propensity(&a.id, &decision.channel, &features))
                .fold(None, |best: Option<f64>, p| {
                    Some(best.map_or(p, |b| b.max(p)))
                });
            let key = match &dimension {
                None => "all".to_owned(),
                Some(rule) => self
                    .profiles()
                    .read(customer, |profile| key_of(rule.eval(&profile.env(now))))
                    .unwrap_or_else(|| concord_strategy::MISSING_KEY.to_owned()),
            };
            let underserved = best.is_some_and(|b| b < threshold);
            book.add(
                vec![key],
                &[
                    Some(f64::from(u8::from(underserved))),
                    Some(f64::from(u8::from(best.is_none()))),
                    best,
                ],
            );
        }
        Ok(book.report(confidence))
    }
}

/// A group key as reports.yaml's dimensions make it.
fn key_of(value: Result<Value, concord_strategy::EvalError>) -> String {
    match value {
        Ok(Value::Str(s)) => s.to_string(),
        Ok(Value::Bool(b)) => b.to_string(),
        Ok(Value::Num(x)) => x.to_string(),
        _ => concord_strategy::MISSING_KEY.to_owned(),
    }
}
