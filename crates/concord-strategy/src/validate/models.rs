//! models.yaml: each predictor compiles to a number, string or bool over the profile and the
//! request; the settings are in range.

use super::contact::Known;
use super::profile::rule_error;
use super::report::Report;
use super::targets::target;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::models::{Models, Outcomes, Polarity, Predictor, Timeout};
use crate::profile::ValueType;
use crate::raw::{ModelsFile, OutcomesEntry, TimeoutEntry};
use crate::rule::Rule;
use concord_model::Outcome;
use serde_saphyr::Spanned;

/// `None` when anything is defective (reported).
pub(super) fn models(
    source: &Source,
    file: &ModelsFile,
    known: &Known<'_>,
    errors: &mut Vec<StrategyError>,
) -> Option<Models> {
    let profile = known.profile;
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let mut out = Models::default();
    let mut seen = std::collections::HashSet::new();
    for (i, src) in file.predictors.iter().enumerate() {
        let field = format!("predictors[{i}]");
        let text = src.value.trim();
        if !seen.insert(text.to_owned()) {
            report.at(
                &src.referenced,
                field,
                StrategyErrorKind::Duplicate,
                format!("predictor `{text}` is declared twice"),
            );
            continue;
        }
        let Some(schema) = profile else {
            if let Err(err) = Rule::check_syntax(text) {
                rule_error(&mut report, src, text, err, field);
            }
            continue;
        };
        match Rule::compile_expression(text, schema) {
            Ok((formula, ValueType::Number)) => out.predictors.push(Predictor {
                name: text.to_owned(),
                formula,
                numeric: true,
            }),
            Ok((formula, ValueType::String | ValueType::Bool)) => out.predictors.push(Predictor {
                name: text.to_owned(),
                formula,
                numeric: false,
            }),
            Ok((_, other)) => report.at(
                &src.referenced,
                field,
                StrategyErrorKind::InvalidValue,
                format!(
                    "a predictor is a number, string or bool; `{text}` is a {}",
                    other.as_str()
                ),
            ),
            Err(err) => rule_error(&mut report, src, text, err, field),
        }
    }
    if let Some(max) = &file.max_bins {
        if max.value < 2 {
            report.at(
                &max.referenced,
                "max_bins".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("max_bins must be at least 2, found {}", max.value),
            );
        }
        out.max_bins = max.value as usize;
    }
    if let Some(auc) = &file.active_auc {
        if !(0.5..=1.0).contains(&auc.value) {
            report.at(
                &auc.referenced,
                "active_auc".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("active_auc must be between 0.5 and 1, found {}", auc.value),
            );
        }
        out.active_auc = auc.value;
    }
    if let Some(r) = &file.correlation_threshold {
        if !(0.5..=1.0).contains(&r.value) {
            report.at(
                &r.referenced,
                "correlation_threshold".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!(
                    "correlation_threshold must be between 0.5 and 1, found {}",
                    r.value
                ),
            );
        }
        out.correlation_threshold = r.value;
    }
    if let Some(m) = &file.maturity_positives {
        if m.value == 0 {
            report.at(
                &m.referenced,
                "maturity_positives".to_owned(),
                StrategyErrorKind::InvalidValue,
                "maturity_positives must be at least 1".to_owned(),
            );
        }
        out.maturity_positives = u64::from(m.value);
    }
    if let Some(share) = &file.outbound_start_share {
        if !(0.0..=1.0).contains(&share.value) {
            report.at(
                &share.referenced,
                "outbound_start_share".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!(
                    "outbound_start_share is a share between 0 and 1, found {}",
                    share.value
                ),
            );
        }
        out.outbound_start_share = share.value;
    }
    out.context_key = match file.context_key {
        None | Some(crate::raw::ContextKeyEntry::Channel) => crate::models::ContextKey::Channel,
        Some(crate::raw::ContextKeyEntry::Direction) => crate::models::ContextKey::Direction,
        Some(crate::raw::ContextKeyEntry::None) => crate::models::ContextKey::None,
    };
    out.thompson = !matches!(file.exploration, Some(crate::raw::ExplorationEntry::None));
    out.technique = match file.technique {
        Some(crate::raw::TechniqueEntry::Bayes) => crate::models::Technique::Bayes,
        None | Some(crate::raw::TechniqueEntry::Joint) => crate::models::Technique::Joint,
    };
    if let Some(entry) = &file.outcomes {
        out.outcomes = outcomes(&mut report, entry, known);
    }
    out.timeouts = file
        .timeouts
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| timeout(&mut report, entry, i, &out.outcomes, known))
        .collect();
    (errors.len() == n_errors).then_some(out)
}

/// Custom outcomes first (the lists may name them), then the lists and their overrides.
fn outcomes(report: &mut Report<'_, '_>, entry: &OutcomesEntry, known: &Known<'_>) -> Outcomes {
    let mut out = Outcomes::default();
    for (i, custom) in entry.custom.iter().enumerate() {
        let field = format!("outcomes.custom[{i}]");
        let name = &custom.value.name;
        if name.value.is_empty()
            || !name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            report.at(
                &name.referenced,
                format!("{field}.name"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "`{}` is not an outcome name: use letters, digits, `_` and `-`",
                    name.value
                ),
            );
            continue;
        }
        if out.resolve(&name.value).is_some() {
            report.at(
                &name.referenced,
                format!("{field}.name"),
                StrategyErrorKind::Duplicate,
                format!("outcome `{}` already exists", name.value),
            );
            continue;
        }
        let counts_as = &custom.value.counts_as;
        match Outcome::ALL.iter().find(|o| o.as_str() == counts_as.value) {
            Some(base) => out.custom.push((name.value.clone(), *base)),
            None => report.at(
                &counts_as.referenced,
                format!("{field}.counts_as"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "a custom outcome counts as accepted, declined, clicked or ignored, not `{}`",
                    counts_as.value
                ),
            ),
        }
    }
    let defaults = Polarity::default();
    out.polarity = polarity(
        report,
        &out,
        entry.positive.as_deref(),
        entry.negative.as_deref(),
        &defaults,
        "outcomes",
    );
    for (i, over) in entry.overrides.iter().enumerate() {
        let field = format!("outcomes.overrides[{i}]");
        let scope = target(
            report,
            &over.value.target,
            known.taxonomy,
            &format!("{field}.target"),
        );
        let lists = polarity(
            report,
            &out,
            Some(&over.value.positive),
            Some(&over.value.negative),
            &defaults,
            &field,
        );
        if let Some(scope) = scope {
            out.overrides.push((scope, lists));
        }
    }
    out
}

/// Positive and negative lists of known outcome names, none in both; a list not given keeps
/// its default.
fn polarity(
    report: &mut Report<'_, '_>,
    known: &Outcomes,
    positive: Option<&[Spanned<String>]>,
    negative: Option<&[Spanned<String>]>,
    defaults: &Polarity,
    field: &str,
) -> Polarity {
    let mut list = |names: Option<&[Spanned<String>]>, which: &str, default: &[String]| {
        let Some(names) = names else {
            return default.to_vec();
        };
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if known.resolve(&name.value).is_none() {
                report.at(
                    &name.referenced,
                    format!("{field}.{which}[{i}]"),
                    StrategyErrorKind::UnknownReference,
                    format!(
                        "unknown outcome `{}` (known: {})",
                        name.value,
                        known.names().join(", ")
                    ),
                );
            } else if !out.contains(&name.value) {
                out.push(name.value.clone());
            }
        }
        out
    };
    let out = Polarity {
        positive: list(positive, "positive", &defaults.positive),
        negative: list(negative, "negative", &defaults.negative),
    };
    if let Some(both) = out.positive.iter().find(|p| out.negative.contains(p)) {
        let at = negative
            .and_then(|n| n.iter().find(|n| &n.value == both))
            .or_else(|| positive.and_then(|p| p.iter().find(|p| &p.value == both)));
        let message = format!("outcome `{both}` is both positive and negative");
        match at {
            Some(at) => report.at(
                &at.referenced,
                format!("{field}.negative"),
                StrategyErrorKind::InvalidValue,
                message,
            ),
            None => report.at_position(
                1,
                1,
                format!("{field}.negative"),
                StrategyErrorKind::InvalidValue,
                message,
            ),
        }
    }
    out
}

fn timeout(
    report: &mut Report<'_, '_>,
    entry: &Spanned<TimeoutEntry>,
    i: usize,
    outcomes: &Outcomes,
    known: &Known<'_>,
) -> Option<Timeout> {
    let field = format!("timeouts[{i}]");
    let entry = &entry.value;
    let channel = &entry.channel;
    let mut ok = true;
    if let Some(channels) = known.channels
        && !channels.iter().any(|c| c.id.as_str() == channel.value)
    {
        report.at(
            &channel.referenced,
            format!("{field}.channel"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown channel `{}` (declared: {})",
                channel.value,
                channels
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        ok = false;
    }
    let after_ms = super::contact::duration(report, &entry.after, &format!("{field}.after"));
    let name = entry
        .outcome
        .as_ref()
        .map_or(Outcome::Ignored.as_str(), |o| o.value.as_str());
    let resolved = outcomes.resolve(name);
    if resolved.is_none()
        && let Some(at) = &entry.outcome
    {
        report.at(
            &at.referenced,
            format!("{field}.outcome"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown outcome `{name}` (known: {})",
                outcomes.names().join(", ")
            ),
        );
    }
    let (outcome, custom_outcome) = resolved?;
    if !ok {
        return None;
    }
    Some(Timeout {
        channel: concord_model::ChannelId::new(channel.value.as_str()),
        after_ms: after_ms?,
        outcome,
        custom_outcome,
    })
}
