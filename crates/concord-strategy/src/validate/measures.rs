//! What experiments.yaml outcomes and reports.yaml share: snake_case names that become column
//! names, and rules over the customer's profile alone (no request), each measure a rate (a
//! bool) or a value per customer (a number).

use super::profile::rule_error;
use super::report::Report;
use crate::error::StrategyErrorKind;
use crate::experiments::{ArmOutcome, OutcomeKind};
use crate::profile::{ProfileSchema, ValueType};
use crate::rule::{Rule, RuleError, Var};
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// Who reads a profile rule, and when: for the error that refuses a request's values, e.g.
/// "an outcome ... when the lift is measured".
#[derive(Debug, Clone, Copy)]
pub(super) struct Reader {
    /// With its article: `an outcome`, `a report`.
    pub(super) who: &'static str,
    /// `the lift is measured`.
    pub(super) when: &'static str,
}

/// Names become column names and metric labels: `[a-z][a-z0-9_]*`, unique among `seen`.
/// `what` names the thing in messages (`outcome`, `report`). Returns whether the name is good
/// and new.
pub(super) fn snake_case_name(
    report: &mut Report<'_, '_>,
    name: &Spanned<String>,
    field: &str,
    what: &str,
    seen: &mut HashSet<String>,
) -> bool {
    let mut chars = name.value.chars();
    let snake_case = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let (kind, message) = if !snake_case {
        (
            StrategyErrorKind::InvalidValue,
            format!(
                "{what} name `{}` must be non-empty lowercase snake_case: a letter a-z, then a-z, 0-9 or `_` (e.g. `revenue_30d`)",
                name.value
            ),
        )
    } else if !seen.insert(name.value.clone()) {
        (
            StrategyErrorKind::Duplicate,
            format!("{what} `{}` is declared twice", name.value),
        )
    } else {
        return true;
    };
    report.at(&name.referenced, format!("{field}.name"), kind, message);
    false
}

/// A named measure (`{name, rule}`): the name checked by [`snake_case_name`], the rule by
/// [`profile_rule`] and [`measure_kind`]. `None` when anything is defective (reported) or
/// there is no profile schema to compile against.
pub(super) fn measure(
    report: &mut Report<'_, '_>,
    (name, rule): (&Spanned<String>, &Spanned<String>),
    profile: Option<&ProfileSchema>,
    (field, what): (&str, &str),
    seen: &mut HashSet<String>,
    reader: Reader,
) -> Option<ArmOutcome> {
    let named = snake_case_name(report, name, field, what, seen);
    let rule_field = format!("{field}.rule");
    let compiled = profile_rule(report, rule, profile, &rule_field, reader);
    let (compiled, value_type) = compiled?;
    let kind = measure_kind(report, rule, value_type, &rule_field, what)?;
    named.then(|| ArmOutcome {
        name: name.value.clone(),
        rule: compiled,
        kind,
    })
}

/// A measure's rule is a bool (a rate) or a number (a value per customer).
fn measure_kind(
    report: &mut Report<'_, '_>,
    rule: &Spanned<String>,
    value_type: ValueType,
    field: &str,
    what: &str,
) -> Option<OutcomeKind> {
    match value_type {
        ValueType::Bool => Some(OutcomeKind::Rate),
        ValueType::Number => Some(OutcomeKind::Value),
        other => {
            report.at(
                &rule.referenced,
                field.to_owned(),
                StrategyErrorKind::InvalidValue,
                format!(
                    "{} {what} is a bool (a rate) or a number (a value per customer); `{}` is a {}",
                    article(what),
                    rule.value.trim(),
                    other.as_str()
                ),
            );
            None
        }
    }
}

/// The rule compiled over the customer's profile, and the type it gives (a bool, number or
/// string; anything else is refused by the compiler). Without a profile schema (profile.yaml
/// is broken, and the strategy fails anyway) the rule is checked for syntax only and `None`
/// comes back without an error.
pub(super) fn profile_rule(
    report: &mut Report<'_, '_>,
    rule: &Spanned<String>,
    profile: Option<&ProfileSchema>,
    field: &str,
    reader: Reader,
) -> Option<(Rule, ValueType)> {
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
    // These rules are read long after any request: a request's context (or channel) has no
    // value then, so the rule would fail for every customer.
    if let Some(var) = compiled
        .vars()
        .iter()
        .find(|var| matches!(var, Var::Context { .. } | Var::Channel))
    {
        let written = var.to_string();
        let err = RuleError::new(
            word_position(text, &written).unwrap_or(0),
            format!(
                "{} reads only the customer's profile: `{written}` belongs to a request, and there is none when {}",
                reader.who, reader.when
            ),
        );
        rule_error(report, rule, text, err, field.to_owned());
        return None;
    }
    Some((compiled, value_type))
}

/// `a` or `an` before `word`.
pub(super) fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The character offset of `word` in `text` where it stands alone (not part of a longer name
/// such as `customer.channel_pref`), for pointing an error at it.
pub(super) fn word_position(text: &str, word: &str) -> Option<usize> {
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
