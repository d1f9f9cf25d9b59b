//! Checks on one action: id, issue and group references, value, treatments (see
//! `treatment.rs`), policies, levers and holdings.

use super::report::{Report, check_id, check_unique};
use crate::error::StrategyErrorKind;
use crate::profile::ProfileSchema;
use crate::raw::ActionEntry;
use crate::rule::{Rule, RuleError};
use crate::strategy::{Action, Channel, Issue, Policies};
use crate::template::Checks;
use concord_model::{ActionId, ChannelId};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

/// What an action is checked against; `None` where the file declaring it did not parse.
pub(super) struct ActionContext<'a> {
    pub(super) channels: Option<&'a [Channel]>,
    pub(super) profile: Option<&'a ProfileSchema>,
    pub(super) issues: Option<&'a [Issue]>,
    pub(super) languages: super::treatment::Languages<'a>,
}

/// Validates one action; `None` if it has a defect (already reported).
pub(super) fn action(
    report: &mut Report<'_, '_>,
    context: &ActionContext<'_>,
    seen: &mut HashMap<String, (String, u64)>,
    entry: &ActionEntry,
    field: &str,
) -> Option<Action> {
    let n_errors = report.errors.len();
    check_id(report, &entry.id, format!("{field}.id"), "action");
    check_unique(report, seen, &entry.id, format!("{field}.id"), "action");
    check_taxonomy(report, context, entry, field);

    let value = &entry.value;
    if !value.value.is_finite() || value.value < 0.0 {
        report.at(
            &value.referenced,
            format!("{field}.value"),
            StrategyErrorKind::InvalidValue,
            format!("value must be a number >= 0, found {}", value.value),
        );
    }

    let mut treatments = BTreeMap::new();
    let checks = Checks {
        profile: context.profile,
        priced: entry.price.is_some(),
        valid: entry.validity.is_some(),
    };
    for (channel, treatment) in &entry.treatments.0 {
        let treatment_field = format!("{field}.treatments.{}", channel.value);
        if let Some(channels) = context.channels
            && !channels.iter().any(|c| c.id.as_str() == channel.value)
        {
            let known: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
            report.at(
                &channel.referenced,
                treatment_field.clone(),
                StrategyErrorKind::UnknownReference,
                format!(
                    "unknown channel `{}` (channels.yaml declares: {})",
                    channel.value,
                    known.join(", ")
                ),
            );
        }
        if let Some(treatment) = super::treatment::treatment(
            report,
            &checks,
            context.languages,
            treatment,
            &treatment_field,
        ) {
            treatments.insert(ChannelId::new(channel.value.clone()), treatment);
        }
    }
    if entry.treatments.0.is_empty() {
        report.at(
            &entry.id.referenced,
            format!("{field}.treatments"),
            StrategyErrorKind::InvalidValue,
            "an action needs a treatment in at least one channel, or it is never offered"
                .to_owned(),
        );
    }

    let policies = policies(
        report,
        context.profile,
        [&entry.eligibility, &entry.applicability, &entry.suitability],
        field,
    );
    let lever = lever(report, entry.lever.as_ref(), field);
    let value_formula = entry
        .value_formula
        .as_ref()
        .and_then(|src| compile_value_formula(report, context.profile, src, field));
    let price = entry
        .price
        .as_ref()
        .and_then(|p| price_rule(report, context.profile, p, &format!("{field}.price")));
    let validity_ms = entry.validity.as_ref().and_then(|text| {
        super::profile::parse_duration(&text.value)
            .map_err(|message| {
                report.at(
                    &text.referenced,
                    format!("{field}.validity"),
                    StrategyErrorKind::InvalidValue,
                    message,
                );
            })
            .ok()
    });
    let fulfilment = entry.fulfilment.as_ref().and_then(|name| {
        let ok = !name.value.is_empty()
            && name
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            report.at(
                &name.referenced,
                format!("{field}.fulfilment"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "`{}` is not an endpoint name: use letters, digits, `_` and `-`",
                    name.value
                ),
            );
        }
        ok.then(|| name.value.clone())
    });
    let mut product_name = |product: &Spanned<String>, at: String| {
        if product.value.trim().is_empty() {
            report.at(
                &product.referenced,
                at,
                StrategyErrorKind::InvalidValue,
                "a product name must not be empty".to_owned(),
            );
        }
        product.value.trim().to_owned()
    };
    let product = entry
        .product
        .as_ref()
        .map(|p| product_name(p, format!("{field}.product")));
    let requires: Vec<String> = entry
        .requires
        .iter()
        .enumerate()
        .map(|(i, p)| product_name(p, format!("{field}.requires[{i}]")))
        .collect();
    let excludes: Vec<String> = entry
        .excludes
        .iter()
        .enumerate()
        .map(|(i, p)| product_name(p, format!("{field}.excludes[{i}]")))
        .collect();

    (report.errors.len() == n_errors).then(|| Action {
        id: ActionId::new(entry.id.value.clone()),
        name: entry.name.clone(),
        issue: entry.issue.value.clone(),
        group: entry.group.value.clone(),
        kind: entry.kind,
        value: entry.value.value,
        value_formula,
        policies,
        lever,
        mandatory: entry.mandatory,
        product,
        fulfilment,
        requires,
        excludes,
        price,
        validity_ms,
        taxonomy_at: (0, 0),
        id_rank: 0,
        channel_mask: 0,
        treatments,
    })
}

/// Compiles the three engagement policies of an issue, group or action at `field`.
pub(super) fn policies(
    report: &mut Report<'_, '_>,
    profile: Option<&ProfileSchema>,
    [eligibility, applicability, suitability]: [&Option<Spanned<String>>; 3],
    field: &str,
) -> Policies {
    let mut compile = |rule: &Option<Spanned<String>>, name: &str| {
        rule.as_ref()
            .and_then(|src| compile_rule(report, profile, src, &format!("{field}.{name}")))
    };
    Policies {
        eligibility: compile(eligibility, "eligibility"),
        applicability: compile(applicability, "applicability"),
        suitability: compile(suitability, "suitability"),
    }
}

/// A lever: finite and >= 0; 1 when not set.
pub(super) fn lever(report: &mut Report<'_, '_>, lever: Option<&Spanned<f64>>, field: &str) -> f64 {
    match lever {
        Some(l) if !l.value.is_finite() || l.value < 0.0 => {
            report.at(
                &l.referenced,
                format!("{field}.lever"),
                StrategyErrorKind::InvalidValue,
                format!("lever must be a number >= 0, found {}", l.value),
            );
            1.0
        }
        Some(l) => l.value,
        None => 1.0,
    }
}

/// Bounds finite, 0 <= min <= max, a step >= 0, and a number formula as the target.
fn price_rule(
    report: &mut Report<'_, '_>,
    profile: Option<&ProfileSchema>,
    entry: &crate::raw::PriceEntry,
    field: &str,
) -> Option<crate::strategy::PriceRule> {
    let n_errors = report.errors.len();
    let (min, max) = (entry.min.value, entry.max.value);
    for (value, name) in [(&entry.min, "min"), (&entry.max, "max")] {
        if !value.value.is_finite() || value.value < 0.0 {
            report.at(
                &value.referenced,
                format!("{field}.{name}"),
                StrategyErrorKind::InvalidValue,
                format!("{name} must be a number >= 0, found {}", value.value),
            );
        }
    }
    if min > max {
        report.at(
            &entry.max.referenced,
            format!("{field}.max"),
            StrategyErrorKind::InvalidValue,
            format!("max ({max}) is below min ({min})"),
        );
    }
    let step = match &entry.step {
        Some(step) if !(step.value.is_finite() && step.value > 0.0) => {
            report.at(
                &step.referenced,
                format!("{field}.step"),
                StrategyErrorKind::InvalidValue,
                format!("step must be a number > 0, found {}", step.value),
            );
            0.0
        }
        Some(step) => step.value,
        None => 0.0,
    };
    let target = entry.target.as_ref().and_then(|src| {
        compile_number(
            report,
            profile,
            src,
            &format!("{field}.target"),
            "a price target",
        )
    });
    (report.errors.len() == n_errors).then_some(crate::strategy::PriceRule {
        min,
        max,
        step,
        target,
    })
}

/// A value formula must produce a number.
fn compile_value_formula(
    report: &mut Report<'_, '_>,
    profile: Option<&ProfileSchema>,
    src: &Spanned<String>,
    field: &str,
) -> Option<Rule> {
    compile_number(
        report,
        profile,
        src,
        &format!("{field}.value_formula"),
        "a value formula",
    )
}

/// A formula that must produce a number, reported at `field`.
fn compile_number(
    report: &mut Report<'_, '_>,
    profile: Option<&ProfileSchema>,
    src: &Spanned<String>,
    field: &str,
    what: &str,
) -> Option<Rule> {
    let text = src.value.trim_end();
    let result = match profile {
        Some(schema) => Rule::compile_formula(text, schema).and_then(|(rule, ty)| match ty {
            crate::profile::ValueType::Number => Ok(Some(rule)),
            other => Err(RuleError::new(
                0,
                format!("{what} must be a number, but this is a {}", other.as_str()),
            )),
        }),
        None => Rule::check_syntax(text).map(|()| None),
    };
    result.unwrap_or_else(|err| {
        super::profile::rule_error(report, src, text, err, field.to_owned());
        None
    })
}

/// The issue must be declared and the group must belong to it.
fn check_taxonomy(
    report: &mut Report<'_, '_>,
    context: &ActionContext<'_>,
    entry: &ActionEntry,
    field: &str,
) {
    let Some(issues) = context.issues else {
        return;
    };
    let Some(issue) = issues.iter().find(|i| i.id == entry.issue.value) else {
        let known: Vec<&str> = issues.iter().map(|i| i.id.as_str()).collect();
        report.at(
            &entry.issue.referenced,
            format!("{field}.issue"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown issue `{}` (declared issues: {})",
                entry.issue.value,
                known.join(", ")
            ),
        );
        return;
    };
    if !issue.groups.iter().any(|g| g.id == entry.group.value) {
        let known: Vec<&str> = issue.groups.iter().map(|g| g.id.as_str()).collect();
        report.at(
            &entry.group.referenced,
            format!("{field}.group"),
            StrategyErrorKind::UnknownReference,
            format!(
                "group `{}` is not declared under issue `{}` (its groups: {})",
                entry.group.value,
                issue.id,
                known.join(", ")
            ),
        );
    }
}

/// Compiles a bool rule found at `field`; a rule error points into the rule's text in the file.
/// Without a profile schema (profile.yaml broken) only the syntax is checked.
pub(super) fn compile_rule(
    report: &mut Report<'_, '_>,
    profile: Option<&ProfileSchema>,
    rule: &Spanned<String>,
    field: &str,
) -> Option<Rule> {
    let src = rule.value.trim_end();
    let result: Result<Option<Rule>, RuleError> = match profile {
        Some(schema) => Rule::compile(src, schema).map(Some),
        None => Rule::check_syntax(src).map(|()| None),
    };
    result.unwrap_or_else(|err| {
        super::profile::rule_error(report, rule, src, err, field.to_owned());
        None
    })
}
