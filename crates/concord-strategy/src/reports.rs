//! Named cohort reports over the customer base (reports.yaml, validated): which customers a
//! report reads, the dimensions it groups them by and the measures it sums every group up by,
//! e.g. new connections by acquisition channel and dealer with their churn rate, for the
//! marketing and CVM team. Grouping and summing happen downstream, over the live profiles;
//! this is what to group and measure, and the key of one customer's group.

use crate::experiments::ArmOutcome;
use crate::rule::{Rule, RuleEnv};
use crate::strategy::Strategy;
use concord_model::Value;
use serde::Serialize;

/// The most reports reports.yaml may declare: each reads every customer's profile when run.
pub const MAX_REPORTS: usize = 50;

/// The most dimensions a report groups by: every one multiplies the number of groups.
pub const MAX_DIMENSIONS: usize = 4;

/// The most measures a report may have, as for experiments.yaml outcomes.
pub const MAX_REPORT_MEASURES: usize = 20;

/// Groups with fewer customers are never flagged, unless a report says otherwise.
pub const DEFAULT_MIN_CUSTOMERS: u64 = 30;

/// The group key of a customer whose dimension can't be evaluated (a value it reads is
/// missing) or is null.
pub const MISSING_KEY: &str = "(missing)";

/// One named report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Lowercase snake_case, unique in the file, e.g. `inflow_quality`.
    pub name: String,
    pub description: String,
    /// Which customers the report reads (a bool over the profile); `None`: every customer.
    #[serde(rename = "where")]
    pub filter: Option<Rule>,
    /// 1 to [`MAX_DIMENSIONS`], in the order written: a group is one key per dimension.
    pub by: Vec<Dimension>,
    /// 1 to [`MAX_REPORT_MEASURES`], unique names, each a rate or a value per customer.
    pub measures: Vec<ArmOutcome>,
    /// The index in `measures` of the rate whose groups are flagged when significantly above
    /// the rest of the report's customers; always an [`crate::OutcomeKind::Rate`].
    pub flag: Option<usize>,
    /// Smaller groups are reported but never flagged; at least 1.
    pub min_customers: u64,
}

/// What a report groups customers by: a rule over the profile giving a string, bool or number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    /// As written, e.g. `customer.dealer`.
    pub name: String,
    /// Short, for a column header: `customer.` dropped, e.g. `dealer`, `port_outs > 0`. For a
    /// plain name this is the part after the last `.`.
    pub label: String,
    pub rule: Rule,
}

impl Report {
    /// Whether the customer is among the report's: `where` holds (a customer whose profile
    /// lacks a value it reads is not included). Every customer without a `where`.
    pub fn includes<E: RuleEnv + ?Sized>(&self, env: &E) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|rule| rule.eval_bool(env).unwrap_or(false))
    }

    /// The measure flagged groups are flagged on, a rate.
    pub fn flag_measure(&self) -> Option<&ArmOutcome> {
        self.flag.and_then(|index| self.measures.get(index))
    }
}

impl Dimension {
    /// The customer's group key on this dimension: a string as is, a bool `true` or `false`, a
    /// number as Rust's `{}` writes an f64 (`3`, `2.5`), and [`MISSING_KEY`] when the rule
    /// can't be evaluated or gives null.
    pub fn key<E: RuleEnv + ?Sized>(&self, env: &E) -> String {
        match self.rule.eval(env) {
            Ok(Value::Str(text)) => text,
            Ok(Value::Bool(holds)) => holds.to_string(),
            Ok(Value::Num(number)) => number.to_string(),
            Ok(Value::Null | Value::List(_)) | Err(_) => MISSING_KEY.to_owned(),
        }
    }

    /// The label of a dimension written as `text`: every `customer.` prefix dropped.
    pub(crate) fn label_of(text: &str) -> String {
        const PREFIX: &str = "customer.";
        let mut label = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(PREFIX) {
            // Only the variable's prefix, not the end of a longer name (`my_customer.x`).
            let standalone = !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            label.push_str(&rest[..at]);
            if !standalone {
                label.push_str(PREFIX);
            }
            rest = &rest[at + PREFIX.len()..];
        }
        label.push_str(rest);
        label
    }
}

impl Strategy {
    /// reports.yaml's reports, in the order written; none without the file.
    pub fn reports(&self) -> &[Report] {
        &self.reports
    }

    /// The report named `name`.
    pub fn report(&self, name: &str) -> Option<&Report> {
        self.reports.iter().find(|report| report.name == name)
    }
}

#[cfg(test)]
mod tests;
