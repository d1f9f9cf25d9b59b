//! Checks on one treatment: its text, the text in other languages and the fallbacks, each a
//! template whose placeholders must exist for the action and the profile.

use super::language::code_problem;
use super::report::Report;
use crate::error::StrategyErrorKind;
use crate::raw::{SpannedMap, TreatmentEntry};
use crate::strategy::Treatment;
use crate::template::{Checks, Template};
use crate::yaml_pos;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// What strategy.yaml says about languages, as far as it is known.
#[derive(Debug, Clone, Copy)]
pub(super) enum Languages<'a> {
    /// strategy.yaml did not parse: language codes are checked for their shape only.
    Unknown,
    /// No `language` setting: a treatment has its `text` only.
    Off,
    /// The language every `text` is written in.
    Default(&'a str),
}

/// Validates one treatment at `field`; `None` if it has a defect (reported).
pub(super) fn treatment(
    report: &mut Report<'_, '_>,
    checks: &Checks<'_>,
    languages: Languages<'_>,
    entry: &TreatmentEntry,
    field: &str,
) -> Option<Treatment> {
    let n_errors = report.errors.len();
    let template = text(report, checks, &entry.text, format!("{field}.text"));
    let texts = versions(report, checks, languages, &entry.texts, field, "texts");
    let fallback = entry
        .fallback
        .as_ref()
        .map(|f| text(report, checks, f, format!("{field}.fallback")));
    let fallbacks = versions(
        report,
        checks,
        languages,
        &entry.fallbacks,
        field,
        "fallbacks",
    );
    let all_plain =
        template.as_ref().is_some_and(Template::is_plain) && texts.values().all(Template::is_plain);
    if let Some(f) = &entry.fallback
        && all_plain
        && report.errors.len() == n_errors
    {
        report.at(
            &f.referenced,
            format!("{field}.fallback"),
            StrategyErrorKind::InvalidValue,
            "a fallback replaces a text whose placeholder has no value, and no text of this \
             treatment has a placeholder: drop the fallback"
                .to_owned(),
        );
    }
    if report.errors.len() != n_errors {
        return None;
    }
    let fallback = match fallback {
        Some(compiled) => Some(compiled?),
        None => None,
    };
    Some(Treatment {
        text: entry.text.value.trim().to_owned(),
        template: template?,
        texts,
        fallback,
        fallbacks,
    })
}

/// One text, trimmed and compiled; each defect is reported where it sits in the file.
pub(super) fn text(
    report: &mut Report<'_, '_>,
    checks: &Checks<'_>,
    text: &Spanned<String>,
    field: String,
) -> Option<Template> {
    let value = &text.value;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        report.at(
            &text.referenced,
            field,
            StrategyErrorKind::InvalidValue,
            "treatment text must not be empty".to_owned(),
        );
        return None;
    }
    let lead = value.chars().take_while(|c| c.is_whitespace()).count();
    Template::compile(trimmed, checks)
        .map_err(|defects| {
            for defect in defects {
                let (line, column) = yaml_pos::rule_position(
                    &report.source.text,
                    &text.referenced,
                    value,
                    lead + defect.at(),
                );
                report.at_position(
                    line,
                    column,
                    field.clone(),
                    defect.kind(),
                    defect.to_string(),
                );
            }
        })
        .ok()
}

/// `texts` or `fallbacks` (`what`): language codes, none the default, each text compiled.
fn versions(
    report: &mut Report<'_, '_>,
    checks: &Checks<'_>,
    languages: Languages<'_>,
    map: &SpannedMap<Spanned<String>>,
    field: &str,
    what: &str,
) -> BTreeMap<String, Template> {
    let mut compiled = BTreeMap::new();
    if let (Languages::Off, Some((code, _))) = (languages, map.0.first()) {
        report.at(
            &code.referenced,
            format!("{field}.{what}"),
            StrategyErrorKind::InvalidValue,
            format!(
                "`{what}` needs `language` in strategy.yaml: which string attribute holds each \
                 customer's language, e.g. language: {{attribute: language, default: en}}"
            ),
        );
    }
    for (code, text) in &map.0 {
        let at = format!("{field}.{what}.{}", code.value);
        let singular = what.trim_end_matches('s');
        let problem = code_problem(&code.value).map(|p| (StrategyErrorKind::InvalidValue, p));
        let problem = problem.or_else(|| match languages {
            Languages::Default(default) if default == code.value => Some((
                StrategyErrorKind::InvalidValue,
                format!(
                    "`{default}` is the default language (strategy.yaml `language.default`): \
                     write its {singular} as `{singular}`"
                ),
            )),
            _ => compiled.contains_key(&code.value).then(|| {
                (
                    StrategyErrorKind::Duplicate,
                    format!("language `{}` is given twice", code.value),
                )
            }),
        });
        if let Some((kind, message)) = problem {
            report.at(&code.referenced, at.clone(), kind, message);
        }
        if let Some(template) = self::text(report, checks, text, at) {
            compiled.insert(code.value.clone(), template);
        }
    }
    compiled
}
