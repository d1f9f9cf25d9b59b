//! reports.yaml: each report a unique snake_case name, a bool `where`, 1 to 4 distinct
//! dimensions (a string, bool or number each), 1 to 20 measures as experiments.yaml outcomes
//! are checked, a flag naming one of its rates and `min_customers` at least 1; every rule over
//! the customer's profile alone.

use super::measures::{Reader, measure, profile_rule, snake_case_name};
use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::experiments::{ArmOutcome, OutcomeKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::{MeasureEntry, ReportEntry, ReportsFile};
use crate::reports::{
    self, DEFAULT_MIN_CUSTOMERS, Dimension, MAX_DIMENSIONS, MAX_REPORT_MEASURES, MAX_REPORTS,
};
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// Reports are run over the stored profiles, long after any request.
const REPORT_READER: Reader = Reader {
    who: "a report",
    when: "the report is run",
};

/// Without a profile schema (profile.yaml is broken, and the strategy fails anyway) rules are
/// checked for syntax only. `None` when anything is defective (reported).
pub(super) fn reports(
    source: &Source,
    file: &ReportsFile,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<Vec<reports::Report>> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let entries = file.reports.as_deref().unwrap_or_default();
    if let Some(extra) = entries.get(MAX_REPORTS) {
        report.at(
            &extra.referenced,
            format!("reports[{MAX_REPORTS}]"),
            StrategyErrorKind::InvalidValue,
            format!(
                "at most {MAX_REPORTS} reports, found {}: each reads every customer's profile when it is run",
                entries.len()
            ),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("reports[{i}]");
        if let Some(checked) = one_report(&mut report, &entry.value, profile, &field, &mut seen) {
            out.push(checked);
        }
    }
    (errors.len() == n_errors).then_some(out)
}

fn one_report(
    report: &mut Report<'_, '_>,
    entry: &ReportEntry,
    profile: Option<&ProfileSchema>,
    field: &str,
    seen: &mut HashSet<String>,
) -> Option<reports::Report> {
    let n_errors = report.errors.len();
    snake_case_name(report, &entry.name, field, "report", seen);
    let filter = entry
        .filter
        .as_ref()
        .and_then(|rule| filter(report, rule, profile, &format!("{field}.where")));
    let by = dimensions(report, &entry.by, profile, field);
    let measures = measures(report, &entry.measures, profile, field);
    let flag = entry
        .flag
        .as_ref()
        .and_then(|flag| flagged(report, flag, &entry.measures.value, &measures, field));
    let min_customers = match &entry.min_customers {
        Some(min) if min.value == 0 => {
            report.at(
                &min.referenced,
                format!("{field}.min_customers"),
                StrategyErrorKind::InvalidValue,
                "min_customers must be at least 1: groups with fewer customers are reported but never flagged".to_owned(),
            );
            DEFAULT_MIN_CUSTOMERS
        }
        Some(min) => min.value,
        None => DEFAULT_MIN_CUSTOMERS,
    };
    (report.errors.len() == n_errors).then(|| reports::Report {
        name: entry.name.value.clone(),
        description: entry.description.clone(),
        filter,
        by,
        measures,
        flag,
        min_customers,
    })
}

/// `where`: a bool over the profile.
fn filter(
    report: &mut Report<'_, '_>,
    rule: &Spanned<String>,
    profile: Option<&ProfileSchema>,
    field: &str,
) -> Option<crate::rule::Rule> {
    let (compiled, value_type) = profile_rule(report, rule, profile, field, REPORT_READER)?;
    if value_type == ValueType::Bool {
        return Some(compiled);
    }
    report.at(
        &rule.referenced,
        field.to_owned(),
        StrategyErrorKind::InvalidValue,
        format!(
            "`where` picks the customers the report reads, so it must be true or false; `{}` is a {}",
            rule.value.trim(),
            value_type.as_str()
        ),
    );
    None
}

/// `by`: 1 to [`MAX_DIMENSIONS`] distinct rules giving a string, bool or number.
fn dimensions(
    report: &mut Report<'_, '_>,
    by: &Spanned<Vec<Spanned<String>>>,
    profile: Option<&ProfileSchema>,
    field: &str,
) -> Vec<Dimension> {
    count(
        report,
        by,
        &format!("{field}.by"),
        ("dimensions", MAX_DIMENSIONS),
        "each one multiplies the number of groups",
    );
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (k, rule) in by.value.iter().enumerate() {
        let at = format!("{field}.by[{k}]");
        let text = rule.value.trim();
        if !seen.insert(text.to_owned()) {
            report.at(
                &rule.referenced,
                at,
                StrategyErrorKind::Duplicate,
                format!("dimension `{text}` is listed twice"),
            );
            continue;
        }
        // The compiler refuses lists: a scalar comes back, and every scalar groups.
        if let Some((compiled, _)) = profile_rule(report, rule, profile, &at, REPORT_READER) {
            out.push(Dimension {
                name: text.to_owned(),
                label: Dimension::label_of(text),
                rule: compiled,
            });
        }
    }
    out
}

/// `measures`: 1 to [`MAX_REPORT_MEASURES`], checked as experiments.yaml outcomes are.
fn measures(
    report: &mut Report<'_, '_>,
    entries: &Spanned<Vec<Spanned<MeasureEntry>>>,
    profile: Option<&ProfileSchema>,
    field: &str,
) -> Vec<ArmOutcome> {
    count(
        report,
        entries,
        &format!("{field}.measures"),
        ("measures", MAX_REPORT_MEASURES),
        "each is read for every customer of the report",
    );
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (k, entry) in entries.value.iter().enumerate() {
        let MeasureEntry { name, rule } = &entry.value;
        let at = format!("{field}.measures[{k}]");
        if let Some(measure) = measure(
            report,
            (name, rule),
            profile,
            (&at, "measure"),
            &mut seen,
            REPORT_READER,
        ) {
            out.push(measure);
        }
    }
    out
}

/// Reports a list that is empty or longer than `max`: at the list when empty, else at the
/// first entry too many.
fn count<T>(
    report: &mut Report<'_, '_>,
    list: &Spanned<Vec<Spanned<T>>>,
    field: &str,
    (what, max): (&str, usize),
    why: &str,
) {
    let n = list.value.len();
    if n == 0 {
        report.at(
            &list.referenced,
            field.to_owned(),
            StrategyErrorKind::InvalidValue,
            format!("a report needs 1 to {max} {what}, found none"),
        );
    } else if let Some(extra) = list.value.get(max) {
        report.at(
            &extra.referenced,
            format!("{field}[{max}]"),
            StrategyErrorKind::InvalidValue,
            format!("a report has at most {max} {what}, found {n}: {why}"),
        );
    }
}

/// The index of the flagged measure, which must be one of this report's rates. A measure
/// that is named but failed its own checks (reported there) is not reported again.
fn flagged(
    report: &mut Report<'_, '_>,
    flag: &Spanned<String>,
    entries: &[Spanned<MeasureEntry>],
    measures: &[ArmOutcome],
    field: &str,
) -> Option<usize> {
    let name = flag.value.as_str();
    if let Some(index) = measures.iter().position(|m| m.name == name) {
        if measures[index].kind == OutcomeKind::Rate {
            return Some(index);
        }
    } else if entries.iter().any(|e| e.value.name.value == name) {
        return None;
    }
    let rates: Vec<&str> = measures
        .iter()
        .filter(|m| m.kind == OutcomeKind::Rate)
        .map(|m| m.name.as_str())
        .collect();
    let (kind, is) = if measures.iter().any(|m| m.name == name) {
        (
            StrategyErrorKind::InvalidValue,
            format!("flag `{name}` is a value, not a rate: only a rate's groups can be flagged"),
        )
    } else {
        (
            StrategyErrorKind::UnknownReference,
            format!("flag `{name}` is not a measure of this report"),
        )
    };
    let rates = if rates.is_empty() {
        "this report has no rate (a measure whose rule is true or false)".to_owned()
    } else {
        format!("its rates: {}", rates.join(", "))
    };
    report.at(
        &flag.referenced,
        format!("{field}.flag"),
        kind,
        format!("{is}; {rates}"),
    );
    None
}
