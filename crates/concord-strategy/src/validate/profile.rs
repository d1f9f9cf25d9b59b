//! profile.yaml: attribute and context names, aggregates (event, function, field, window,
//! filter) and derived formulas, each checked and compiled, every defect located.

use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::{AggFn, AggregateSpec, DerivedSpec, ProfileSchema, ValueType, Window};
use crate::raw::{AggregateEntry, ProfileFile, SpannedMap};
use crate::rule::{Rule, RuleError};
use crate::yaml_pos;
use concord_model::{EventType, FieldType};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// At most this many buckets per window, so a window's state stays small.
const MAX_BUCKETS: i64 = 1_000;
const MINUTE_MS: i64 = 60_000;

pub(super) fn profile(
    source: &Source,
    file: &ProfileFile,
    errors: &mut Vec<StrategyError>,
) -> ProfileSchema {
    let mut report = Report { source, errors };
    let mut schema = ProfileSchema {
        attributes: names(&mut report, &file.attributes, "attributes"),
        context: names(&mut report, &file.context, "context"),
        ..ProfileSchema::default()
    };
    if let Some(text) = &file.allowed_lateness {
        match parse_duration(&text.value) {
            Ok(ms) => schema.allowed_lateness_ms = ms,
            Err(message) => report.at(
                &text.referenced,
                "allowed_lateness".to_owned(),
                StrategyErrorKind::InvalidValue,
                message,
            ),
        }
    }
    for (name, entry) in &file.aggregates.0 {
        let field = format!("aggregates.{}", name.value);
        if !check_name(&mut report, name, &field) || !check_free(&mut report, &schema, name, &field)
        {
            continue;
        }
        if let Some(spec) = aggregate(&mut report, &schema, &name.value, entry, &field) {
            schema.aggregates.push(spec);
        }
    }
    for (name, formula) in &file.derived.0 {
        let field = format!("derived.{}", name.value);
        if !check_name(&mut report, name, &field) || !check_free(&mut report, &schema, name, &field)
        {
            continue;
        }
        let src = formula.value.trim_end();
        match Rule::compile_formula(src, &schema) {
            Ok((formula, value_type)) => schema.derived.push(DerivedSpec {
                name: name.value.clone(),
                formula,
                value_type,
            }),
            Err(err) => rule_error(&mut report, formula, src, err, field),
        }
    }
    schema
}

fn names<V: Copy>(
    report: &mut Report<'_, '_>,
    map: &SpannedMap<V>,
    section: &str,
) -> BTreeMap<String, V> {
    let mut out = BTreeMap::new();
    for (name, value_type) in &map.0 {
        check_name(report, name, &format!("{section}.{}", name.value));
        out.insert(name.value.clone(), *value_type);
    }
    out
}

fn check_name(report: &mut Report<'_, '_>, name: &Spanned<String>, field: &str) -> bool {
    let mut chars = name.value.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        report.at(
            &name.referenced,
            field.to_owned(),
            StrategyErrorKind::InvalidValue,
            format!(
                "`{}` can't be used in rules: use letters, digits and `_`, not starting with a digit",
                name.value
            ),
        );
    }
    ok
}

/// Attributes, aggregates and derived fields share the `customer.` namespace.
fn check_free(
    report: &mut Report<'_, '_>,
    schema: &ProfileSchema,
    name: &Spanned<String>,
    field: &str,
) -> bool {
    if !schema.declares(&name.value) {
        return true;
    }
    report.at(
        &name.referenced,
        field.to_owned(),
        StrategyErrorKind::Duplicate,
        format!("`customer.{}` is already declared (attributes, aggregates and derived share one namespace)", name.value),
    );
    false
}

fn aggregate(
    report: &mut Report<'_, '_>,
    schema: &ProfileSchema,
    name: &str,
    entry: &AggregateEntry,
    field: &str,
) -> Option<AggregateSpec> {
    let n_errors = report.errors.len();
    let Some(event) = EventType::parse(&entry.event.value) else {
        let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        report.at(
            &entry.event.referenced,
            format!("{field}.event"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown event type `{}`; known: {}",
                entry.event.value,
                known.join(", ")
            ),
        );
        return None;
    };
    let value_type = match (&entry.field, entry.function) {
        (None, AggFn::Count) => ValueType::Number,
        (None, function) => {
            report.at(
                &entry.event.referenced,
                format!("{field}.field"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "`{}` needs the event field it folds, e.g. `field: amount`",
                    function.as_str()
                ),
            );
            return None;
        }
        (Some(payload), function) => {
            let Some(field_type) = event.field_type(&payload.value) else {
                let known: Vec<&str> = event.fields().iter().map(|(f, _)| *f).collect();
                report.at(
                    &payload.referenced,
                    format!("{field}.field"),
                    StrategyErrorKind::UnknownReference,
                    format!(
                        "a {} event has no field `{}`; it has: {}",
                        event.as_str(),
                        payload.value,
                        known.join(", ")
                    ),
                );
                return None;
            };
            match (function, field_type) {
                (AggFn::Count | AggFn::Distinct, _) => ValueType::Number,
                (AggFn::Sum | AggFn::Min | AggFn::Max, FieldType::Num) => ValueType::Number,
                (AggFn::Sum | AggFn::Min | AggFn::Max, _) => {
                    report.at(
                        &payload.referenced,
                        format!("{field}.field"),
                        StrategyErrorKind::InvalidValue,
                        format!(
                            "`{}` needs a numeric field, and `{}` is not one",
                            function.as_str(),
                            payload.value
                        ),
                    );
                    return None;
                }
                (AggFn::Last, FieldType::Num) => ValueType::Number,
                (AggFn::Last, FieldType::Str) => ValueType::String,
                (AggFn::Last, FieldType::Bool) => ValueType::Bool,
            }
        }
    };
    let window = match &entry.window {
        None => {
            if let Some(bucket) = &entry.bucket {
                report.at(
                    &bucket.referenced,
                    format!("{field}.bucket"),
                    StrategyErrorKind::InvalidValue,
                    "`bucket` needs a `window`".to_owned(),
                );
            }
            None
        }
        Some(length) => window(report, length, entry.bucket.as_ref(), field),
    };
    let filter = entry.filter.as_ref().and_then(|src| {
        let text = src.value.trim_end();
        match Rule::compile_event_filter(text, schema, event) {
            Ok(rule) => Some(rule),
            Err(err) => {
                rule_error(report, src, text, err, format!("{field}.where"));
                None
            }
        }
    });
    (report.errors.len() == n_errors).then(|| AggregateSpec {
        name: name.to_owned(),
        event,
        function: entry.function,
        field: entry.field.as_ref().map(|f| f.value.clone()),
        window,
        filter,
        value_type,
    })
}

fn window(
    report: &mut Report<'_, '_>,
    length: &Spanned<String>,
    bucket: Option<&Spanned<String>>,
    field: &str,
) -> Option<Window> {
    let mut parse = |text: &Spanned<String>, what: &str| match parse_duration(&text.value) {
        Ok(ms) => Some(ms),
        Err(message) => {
            report.at(
                &text.referenced,
                format!("{field}.{what}"),
                StrategyErrorKind::InvalidValue,
                message,
            );
            None
        }
    };
    let length_ms = parse(length, "window")?;
    let bucket_ms = match bucket {
        Some(bucket) => parse(bucket, "bucket")?,
        None => (length_ms / 24).max(MINUTE_MS.min(length_ms)),
    };
    let buckets = length_ms / bucket_ms;
    if length_ms % bucket_ms != 0 || !(1..=MAX_BUCKETS).contains(&buckets) {
        let at = bucket.unwrap_or(length);
        report.at(
            &at.referenced,
            format!("{field}.bucket"),
            StrategyErrorKind::InvalidValue,
            format!("the window must hold a whole number of buckets, between 1 and {MAX_BUCKETS}"),
        );
        return None;
    }
    Some(Window {
        length_ms,
        bucket_ms,
    })
}

/// `90s`, `15m`, `24h`, `7d`: a positive whole number and a unit.
pub(super) fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => MINUTE_MS,
        "h" => 60 * MINUTE_MS,
        "d" => 24 * 60 * MINUTE_MS,
        _ => {
            return Err(format!(
                "`{text}` is not a duration: write a whole number and s, m, h or d, e.g. 24h"
            ));
        }
    };
    match digits.parse::<i64>() {
        Ok(n) if n > 0 && n <= 3_650 * 24 * 3_600 => Ok(n * unit_ms),
        _ => Err(format!(
            "`{text}` is not a duration: write a positive whole number and s, m, h or d, e.g. 24h"
        )),
    }
}

pub(super) fn rule_error(
    report: &mut Report<'_, '_>,
    at: &Spanned<String>,
    src: &str,
    err: RuleError,
    field: String,
) {
    let (line, column) = yaml_pos::rule_position(&report.source.text, &at.referenced, src, err.pos);
    report.at_position(line, column, field, StrategyErrorKind::Rule, err.message);
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    fn check(text: &str, expected: Result<i64, ()>) {
        assert_eq!(parse_duration(text).map_err(|_| ()), expected, "{text}");
    }

    #[test]
    fn durations() {
        check("90s", Ok(90_000));
        check("15m", Ok(900_000));
        check("24h", Ok(86_400_000));
        check("7d", Ok(604_800_000));
        check("0h", Err(()));
        check("h", Err(()));
        check("1.5h", Err(()));
        check("3w", Err(()));
        check("-1d", Err(()));
    }
}
