//! What each arm's customers are worth (experiments.yaml `outcomes`, validated): rules over the
//! live profile that the lift compares between the control arms and `test`, so the hold-out is
//! measured on churn and revenue, not only on accept rates.

use crate::rule::{EvalError, Rule, RuleEnv};
use concord_model::Value;
use serde::Serialize;

/// The most outcomes experiments.yaml may declare: each is evaluated for every customer of
/// every arm whenever a lift is asked for.
pub const MAX_ARM_OUTCOMES: usize = 20;

/// One business outcome, measured per customer from their profile when the lift is asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmOutcome {
    /// Lowercase snake_case, unique in the file, e.g. `churned`.
    pub name: String,
    /// Reads the customer's profile only (no request context).
    pub rule: Rule,
    pub kind: OutcomeKind,
}

/// How an arm's customers are summed up by an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// The rule is a bool: the share of the arm's customers for whom it holds.
    Rate,
    /// The rule is a number: its mean over the arm's customers.
    Value,
}

impl ArmOutcome {
    /// One customer's measure: 1 or 0 for a rate, the number itself for a value. A customer
    /// whose profile lacks a value the rule reads is an error: leave them out of the mean
    /// rather than count them as 0.
    pub fn measure<E: RuleEnv + ?Sized>(&self, profile: &E) -> Result<f64, EvalError> {
        match (self.kind, self.rule.eval(profile)?) {
            (OutcomeKind::Rate, Value::Bool(holds)) => Ok(if holds { 1.0 } else { 0.0 }),
            (OutcomeKind::Value, Value::Num(value)) => Ok(value),
            (kind, other) => Err(EvalError::WrongType {
                var: self.name.clone(),
                expected: match kind {
                    OutcomeKind::Rate => "bool",
                    OutcomeKind::Value => "number",
                },
                found: other.type_name(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ProfileSchema, ValueType};
    use crate::rule::Var;

    fn outcome(rule: &str) -> ArmOutcome {
        let mut schema = ProfileSchema::default();
        schema
            .attributes
            .insert("port_outs".to_owned(), ValueType::Number);
        schema
            .attributes
            .insert("spend".to_owned(), ValueType::Number);
        let (rule, value_type) = Rule::compile_expression(rule, &schema).unwrap_or_else(|e| {
            panic!("{rule}: {e}");
        });
        let kind = match value_type {
            ValueType::Bool => OutcomeKind::Rate,
            _ => OutcomeKind::Value,
        };
        ArmOutcome {
            name: "o".to_owned(),
            rule,
            kind,
        }
    }

    /// One customer's profile: `spend` is declared but missing.
    fn profile(port_outs: f64) -> impl Fn(&Var) -> Value {
        move |var: &Var| match var.to_string().as_str() {
            "customer.port_outs" => Value::Num(port_outs),
            _ => Value::Null,
        }
    }

    fn check(rule: &str, port_outs: f64, expected: Result<f64, &str>) {
        let actual = outcome(rule)
            .measure(&profile(port_outs))
            .map_err(|e| e.to_string());
        assert_eq!(actual, expected.map_err(str::to_owned), "{rule}");
    }

    #[test]
    fn a_rate_counts_one_or_zero_and_a_value_itself() {
        check("customer.port_outs > 0", 2.0, Ok(1.0));
        check("customer.port_outs > 0", 0.0, Ok(0.0));
        check("customer.port_outs * 10", 2.0, Ok(20.0));
        check("customer.spend", 2.0, Err("customer.spend is missing"));
        check("customer.spend > 0", 2.0, Err("customer.spend is missing"));
    }
}
