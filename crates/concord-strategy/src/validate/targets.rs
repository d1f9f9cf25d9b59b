//! strategy.yaml's context weights and suppressions: a rule over the profile and the request
//! each, and a target that must name a declared issue, group or action.

use super::action::compile_rule;
use super::report::{Report, check_id, check_unique};
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::ProfileSchema;
use crate::raw::{ContextWeightEntry, SuppressionEntry, TargetEntry};
use crate::strategy::{Action, ContextWeight, Issue, Suppression, Target};
use concord_model::ActionId;
use serde_saphyr::Spanned;
use std::collections::HashMap;

pub(super) type RawRules = (
    Vec<Spanned<ContextWeightEntry>>,
    Vec<Spanned<SuppressionEntry>>,
    Option<crate::raw::TimeZoneEntry>,
);

/// The time zone rule: a zone jiff knows, and (optionally) a declared string attribute.
pub(super) fn time_zone(
    source: &Source,
    entry: &crate::raw::TimeZoneEntry,
    profile: &ProfileSchema,
    errors: &mut Vec<StrategyError>,
) -> Option<crate::strategy::TimeZoneRule> {
    let mut report = Report { source, errors };
    let default = match jiff::tz::TimeZone::get(&entry.default.value) {
        Ok(zone) => Some(zone),
        Err(e) => {
            report.at(
                &entry.default.referenced,
                "time_zone.default".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("`{}` is not a known time zone: {e}", entry.default.value),
            );
            None
        }
    };
    let attribute = match &entry.attribute {
        None => Some(None),
        Some(name) => match profile.attribute_at(&name.value) {
            Some((index, crate::profile::ValueType::String)) => {
                Some(Some(crate::rule::Var::Attribute {
                    index,
                    name: name.value.clone(),
                }))
            }
            _ => {
                report.at(
                    &name.referenced,
                    "time_zone.attribute".to_owned(),
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "`{}` must be a string attribute declared in profile.yaml",
                        name.value
                    ),
                );
                None
            }
        },
    };
    Some(crate::strategy::TimeZoneRule {
        default_name: entry.default.value.clone(),
        default: default?,
        attribute: attribute?,
    })
}

/// Validates both lists; `None` when any entry has a defect (reported). `known` is `None`
/// when some actions file did not parse (targets can't be checked without false alarms).
pub(super) fn rules(
    source: &Source,
    (weights, suppressions): (
        Vec<Spanned<ContextWeightEntry>>,
        Vec<Spanned<SuppressionEntry>>,
    ),
    profile: Option<&ProfileSchema>,
    known: Option<(&[Issue], &[Action])>,
    errors: &mut Vec<StrategyError>,
) -> Option<(Vec<ContextWeight>, Vec<Suppression>)> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let mut context_weights = Vec::new();
    for (idx, entry) in weights.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("context_weights[{idx}]");
        let when = compile_rule(&mut report, profile, &entry.when, &format!("{field}.when"));
        let target = target(
            &mut report,
            &entry.target,
            known,
            &format!("{field}.target"),
        );
        let weight = &entry.weight;
        if !weight.value.is_finite() || weight.value < 0.0 {
            report.at(
                &weight.referenced,
                format!("{field}.weight"),
                StrategyErrorKind::InvalidValue,
                format!("weight must be a number >= 0, found {}", weight.value),
            );
        }
        if let (Some(when), Some(target)) = (when, target) {
            context_weights.push(ContextWeight {
                when,
                target,
                weight: weight.value,
            });
        }
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (idx, entry) in suppressions.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("suppressions[{idx}]");
        check_id(&mut report, &entry.id, format!("{field}.id"), "suppression");
        check_unique(
            &mut report,
            &mut seen,
            &entry.id,
            format!("{field}.id"),
            "suppression",
        );
        let when = compile_rule(&mut report, profile, &entry.when, &format!("{field}.when"));
        let suppress = target(
            &mut report,
            &entry.suppress,
            known,
            &format!("{field}.suppress"),
        );
        if entry.reason.trim().is_empty() {
            report.at(
                &entry.id.referenced,
                format!("{field}.reason"),
                StrategyErrorKind::InvalidValue,
                "a suppression needs a reason (agents see it)".to_owned(),
            );
        }
        if let (Some(when), Some(suppress)) = (when, suppress) {
            out.push(Suppression {
                id: entry.id.value.clone(),
                when,
                suppress,
                reason: entry.reason.trim().to_owned(),
            });
        }
    }
    (errors.len() == n_errors).then_some((context_weights, out))
}

/// A target names at least one of kind, issue, group, action, each declared.
pub(super) fn target(
    report: &mut Report<'_, '_>,
    entry: &TargetEntry,
    known: Option<(&[Issue], &[Action])>,
    field: &str,
) -> Option<Target> {
    let n_errors = report.errors.len();
    if entry.kind.is_none()
        && entry.issue.is_none()
        && entry.group.is_none()
        && entry.action.is_none()
    {
        report.at_position(
            1,
            1,
            field.to_owned(),
            StrategyErrorKind::InvalidValue,
            "name at least one of kind, issue, group or action".to_owned(),
        );
        return None;
    }
    if let Some((issues, actions)) = known {
        let mut unknown = |name: &Spanned<String>, what: &str, known: Vec<&str>| {
            report.at(
                &name.referenced,
                format!("{field}.{what}"),
                StrategyErrorKind::UnknownReference,
                format!(
                    "unknown {what} `{}` (declared: {})",
                    name.value,
                    known.join(", ")
                ),
            );
        };
        if let Some(issue) = &entry.issue
            && !issues.iter().any(|i| i.id == issue.value)
        {
            unknown(
                issue,
                "issue",
                issues.iter().map(|i| i.id.as_str()).collect(),
            );
        }
        if let Some(group) = &entry.group
            && !issues
                .iter()
                .flat_map(|i| &i.groups)
                .any(|g| g.id == group.value)
        {
            let groups = issues.iter().flat_map(|i| &i.groups).map(|g| g.id.as_str());
            unknown(group, "group", groups.collect());
        }
        if let Some(action) = &entry.action
            && !actions.iter().any(|a| a.id.as_str() == action.value)
        {
            unknown(
                action,
                "action",
                actions.iter().map(|a| a.id.as_str()).collect(),
            );
        }
    }
    (report.errors.len() == n_errors).then(|| Target {
        kind: entry.kind,
        issue: entry.issue.as_ref().map(|i| i.value.clone()),
        group: entry.group.as_ref().map(|g| g.value.clone()),
        action: entry
            .action
            .as_ref()
            .map(|a| ActionId::new(a.value.clone())),
    })
}
