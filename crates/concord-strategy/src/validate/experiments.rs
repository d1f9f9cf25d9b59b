//! experiments.yaml: each control arm's share is a number from 0 to 0.1, the salt non-empty;
//! each outcome a unique snake_case name and a bool or a number over the customer's profile.

use super::profile::rule_error;
use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::experiments::{ArmOutcome, ControlArms, MAX_ARM_OUTCOMES, MAX_ARM_SHARE, OutcomeKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::{ArmOutcomeEntry, ExperimentsFile, ShareValue};
use crate::rule::{Rule, RuleError, Var};
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// `None` when anything is defective (reported).
pub(super) fn control_arms(
    source: &Source,
    file: &ExperimentsFile,
    errors: &mut Vec<StrategyError>,
) -> Option<ControlArms> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let mut out = ControlArms::default();
    let Some(entry) = &file.control_arms else {
        return Some(out);
    };
    if let Some(salt) = &entry.salt {
        if salt.value.trim().is_empty() {
            report.at(
                &salt.referenced,
                "control_arms.salt".to_owned(),
                StrategyErrorKind::InvalidValue,
                "salt must be a non-empty string: it is mixed into every customer's hash (leave it out for the default, `concord`)".to_owned(),
            );
        }
        out.salt = salt.value.clone();
    }
    let mut share = |value: &Option<Spanned<ShareValue>>, name: &str| {
        value
            .as_ref()
            .map_or(0.0, |value| check_share(&mut report, value, name))
    };
    out.holdout = share(&entry.holdout, "holdout");
    out.random_action = share(&entry.random_action, "random_action");
    out.propensity_only = share(&entry.propensity_only, "propensity_only");
    out.no_levers = share(&entry.no_levers, "no_levers");
    out.eligibility_only = share(&entry.eligibility_only, "eligibility_only");
    out.random_propensity = share(&entry.random_propensity, "random_propensity");
    (errors.len() == n_errors).then_some(out)
}

/// The share as a number in [0, 0.1]; 0 after reporting anything else.
fn check_share(report: &mut Report<'_, '_>, value: &Spanned<ShareValue>, arm: &str) -> f64 {
    let message = match &value.value {
        ShareValue::Number(share) if (0.0..=MAX_ARM_SHARE).contains(share) => return *share,
        ShareValue::Number(share) if *share > MAX_ARM_SHARE => format!(
            "{arm} share must be at most 0.1: each arm owns a tenth of the customer hash space, so resizing one never moves another's customers; found {share}"
        ),
        // Negative or NaN.
        ShareValue::Number(share) => format!(
            "{arm} share must be a number from 0 (off) to 0.1, the fraction of customers in the arm; found {share}"
        ),
        ShareValue::Other(text) => format!(
            "{arm} share must be a number from 0 (off) to 0.1, the fraction of customers in the arm; found {text}"
        ),
    };
    report.at(
        &value.referenced,
        format!("control_arms.{arm}"),
        StrategyErrorKind::InvalidValue,
        message,
    );
    0.0
}

/// The outcomes the arms are measured by. Without a profile schema (profile.yaml is broken,
/// and the strategy fails anyway) rules are checked for syntax only. `None` when anything is
/// defective (reported).
pub(super) fn arm_outcomes(
    source: &Source,
    file: &ExperimentsFile,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<Vec<ArmOutcome>> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let outcomes = file.outcomes.as_deref().unwrap_or_default();
    if let Some(extra) = outcomes.get(MAX_ARM_OUTCOMES) {
        report.at(
            &extra.referenced,
            format!("outcomes[{MAX_ARM_OUTCOMES}]"),
            StrategyErrorKind::InvalidValue,
            format!(
                "at most {MAX_ARM_OUTCOMES} outcomes, found {}: each is measured for every customer of every arm whenever a lift is asked for",
                outcomes.len()
            ),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in outcomes.iter().enumerate() {
        let field = format!("outcomes[{i}]");
        let ArmOutcomeEntry { name, rule } = &entry.value;
        let named = outcome_name(&mut report, name, &field, &mut seen);
        let compiled = outcome_rule(&mut report, rule, profile, &format!("{field}.rule"));
        if let (true, Some((rule, kind))) = (named, compiled) {
            out.push(ArmOutcome {
                name: name.value.clone(),
                rule,
                kind,
            });
        }
    }
    (errors.len() == n_errors).then_some(out)
}

/// Outcome names become column names and metric labels: `[a-z][a-z0-9_]*`, unique. Returns
/// whether the name is good and new.
fn outcome_name(
    report: &mut Report<'_, '_>,
    name: &Spanned<String>,
    field: &str,
    seen: &mut HashSet<String>,
) -> bool {
    let mut chars = name.value.chars();
    let snake_case = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let (kind, message) = if !snake_case {
        (
            StrategyErrorKind::InvalidValue,
            format!(
                "outcome name `{}` must be non-empty lowercase snake_case: a letter a-z, then a-z, 0-9 or `_` (e.g. `revenue_30d`)",
                name.value
            ),
        )
    } else if !seen.insert(name.value.clone()) {
        (
            StrategyErrorKind::Duplicate,
            format!("outcome `{}` is declared twice", name.value),
        )
    } else {
        return true;
    };
    report.at(&name.referenced, format!("{field}.name"), kind, message);
    false
}

/// The rule compiled over the customer's profile, and whether it is a rate or a value.
fn outcome_rule(
    report: &mut Report<'_, '_>,
    rule: &Spanned<String>,
    profile: Option<&ProfileSchema>,
    field: &str,
) -> Option<(Rule, OutcomeKind)> {
    let text = rule.value.trim();
    let Some(schema) = profile else {
        if let Err(err) = Rule::check_syntax(text) {
            rule_error(report, rule, text, err, field.to_owned());
        }
        return None;
    };
    let (compiled, value_type) = match Rule::compile_expression(text, schema) {
        Ok(compiled) => compiled,
        Err(err) => {
            rule_error(report, rule, text, err, field.to_owned());
            return None;
        }
    };
    // Outcomes are read when a lift is asked for, long after any request: a request's
    // context (or channel) has no value then, so the rule would fail for every customer.
    if let Some(var) = compiled
        .vars()
        .iter()
        .find(|var| matches!(var, Var::Context { .. } | Var::Channel))
    {
        let written = var.to_string();
        let err = RuleError::new(
            word_position(text, &written).unwrap_or(0),
            format!(
                "an outcome reads only the customer's profile: `{written}` belongs to a request, and there is none when the lift is measured"
            ),
        );
        rule_error(report, rule, text, err, field.to_owned());
        return None;
    }
    let kind = match value_type {
        ValueType::Bool => OutcomeKind::Rate,
        ValueType::Number => OutcomeKind::Value,
        other => {
            report.at(
                &rule.referenced,
                field.to_owned(),
                StrategyErrorKind::InvalidValue,
                format!(
                    "an outcome is a bool (a rate) or a number (a value per customer); `{text}` is a {}",
                    other.as_str()
                ),
            );
            return None;
        }
    };
    Some((compiled, kind))
}

/// The character offset of `word` in `text` where it stands alone (not part of a longer name
/// such as `customer.channel_pref`), for pointing an error at it.
fn word_position(text: &str, word: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word)
        .find(|&(at, _)| {
            // `x.channel` is a field named channel; `channel.lower()` is the variable.
            let before = text[..at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            !before.is_some_and(|c| is_name(c) || c == '.') && !after.is_some_and(is_name)
        })
        .map(|(at, _)| text[..at].chars().count())
}
