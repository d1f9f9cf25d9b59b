//! Checks a parsed mapping file against the profile schema and converts it into a
//! [`Mapping`]; every defect is reported, each at its line:col and field.

use super::raw::{AttributeEntry, MappingFile};
use super::{AttributeRule, ColumnRef, HoldingFromRule, HoldingsRule, Mapping};
use crate::error::{MappingError, MappingErrorKind, MappingErrors};
use crate::value::{Cell, typed};
use concord_strategy::{ProfileSchema, ValueType};
use serde_saphyr::{Location, Spanned};
use std::collections::HashMap;

const DEFAULT_SEPARATOR: &str = ";";

/// Collects errors against one mapping file.
struct Report<'a> {
    file: &'a str,
    errors: Vec<MappingError>,
}

impl Report<'_> {
    fn at(&mut self, loc: &Location, field: String, kind: MappingErrorKind, message: String) {
        let (line, column) = position(loc);
        self.errors.push(MappingError {
            kind,
            file: self.file.to_owned(),
            line,
            column,
            field,
            message,
        });
    }

    /// A column reference, or an error when the name is empty.
    fn column(&mut self, column: &Spanned<String>, field: String) -> ColumnRef {
        let name = column.value.trim().to_owned();
        if name.is_empty() {
            self.at(
                &column.referenced,
                field.clone(),
                MappingErrorKind::InvalidValue,
                "the column name is empty".to_owned(),
            );
        }
        let (line, col) = position(&column.referenced);
        ColumnRef {
            name,
            line,
            column: col,
            field,
        }
    }

    /// A separator: given and non-empty, or `;`.
    fn separator(&mut self, separator: Option<&Spanned<String>>, field: String) -> String {
        match separator {
            Some(sep) if sep.value.is_empty() => {
                self.at(
                    &sep.referenced,
                    field,
                    MappingErrorKind::InvalidValue,
                    "the separator is empty".to_owned(),
                );
                DEFAULT_SEPARATOR.to_owned()
            }
            Some(sep) => sep.value.clone(),
            None => DEFAULT_SEPARATOR.to_owned(),
        }
    }

    /// Reports `name` if seen before in this section; returns whether it is new.
    fn unique(
        &mut self,
        seen: &mut HashMap<String, u64>,
        key: &Spanned<String>,
        field: String,
        what: &str,
    ) -> bool {
        let name = key.value.trim();
        if let Some(first) = seen.get(name) {
            self.at(
                &key.referenced,
                field,
                MappingErrorKind::Duplicate,
                format!("{what} `{name}` is mapped twice (first at line {first})"),
            );
            return false;
        }
        seen.insert(name.to_owned(), key.referenced.line());
        true
    }
}

fn position(loc: &Location) -> (u64, u64) {
    if loc.line() == 0 {
        (1, 1)
    } else {
        (loc.line(), loc.column().max(1))
    }
}

pub(super) fn validate(
    file: &str,
    raw: MappingFile,
    schema: &ProfileSchema,
) -> Result<Mapping, MappingErrors> {
    let mut report = Report {
        file,
        errors: Vec::new(),
    };
    let id = report.column(&raw.id, "id".to_owned());
    let id_prefix = raw.id_prefix.map(|prefix| prefix.value).unwrap_or_default();

    let mut attributes = Vec::with_capacity(raw.attributes.0.len());
    let mut seen = HashMap::new();
    for (key, entry) in &raw.attributes.0 {
        let field = format!("attributes.{}", key.value);
        if !report.unique(&mut seen, key, field.clone(), "attribute") {
            continue;
        }
        let Some(value_type) = schema.attribute(&key.value) else {
            let message = format!(
                "`{}` is not an attribute of the profile schema{}",
                key.value,
                did_you_mean_or_prefix(&key.value, schema.attributes.keys().map(String::as_str))
            );
            report.at(
                &key.referenced,
                field,
                MappingErrorKind::UnknownAttribute,
                message,
            );
            continue;
        };
        attributes.push(attribute(
            &mut report,
            &key.value,
            entry,
            value_type,
            &field,
        ));
    }
    attributes.sort_by(|a, b| a.name.cmp(&b.name));

    let holdings = raw.holdings.as_ref().map(|entry| HoldingsRule {
        column: report.column(&entry.value.column, "holdings.column".to_owned()),
        separator: report.separator(
            entry.value.separator.as_ref(),
            "holdings.separator".to_owned(),
        ),
    });

    let mut holdings_from = Vec::with_capacity(raw.holdings_from.0.len());
    let mut seen = HashMap::new();
    for (key, entry) in &raw.holdings_from.0 {
        let field = format!("holdings_from.{}", key.value);
        let product = key.value.trim();
        if product.is_empty() {
            report.at(
                &key.referenced,
                field,
                MappingErrorKind::InvalidValue,
                "the product name is empty".to_owned(),
            );
            continue;
        }
        if !report.unique(&mut seen, key, field.clone(), "product") {
            continue;
        }
        let equals = entry.equals.value.trim();
        if equals.is_empty() {
            report.at(
                &entry.equals.referenced,
                format!("{field}.equals"),
                MappingErrorKind::InvalidValue,
                "`equals` is empty: say which value means the product is held".to_owned(),
            );
        }
        holdings_from.push(HoldingFromRule {
            product: product.to_owned(),
            column: report.column(&entry.column, format!("{field}.column")),
            equals: equals.to_owned(),
        });
    }

    if report.errors.is_empty() {
        Ok(Mapping {
            file: file.to_owned(),
            id,
            id_prefix,
            attributes,
            holdings,
            holdings_from,
        })
    } else {
        let mut errors = report.errors;
        errors.sort_by_key(|e| (e.line, e.column));
        Err(MappingErrors { errors })
    }
}

/// One attribute entry, checked against its schema type.
fn attribute(
    report: &mut Report<'_>,
    name: &str,
    entry: &AttributeEntry,
    value_type: ValueType,
    field: &str,
) -> AttributeRule {
    let type_name = value_type.as_str();
    if let Some(declared) = &entry.value_type
        && declared.value != value_type
    {
        report.at(
            &declared.referenced,
            format!("{field}.type"),
            MappingErrorKind::TypeMismatch,
            format!(
                "`type: {}` but the profile schema declares `{name}` as {type_name}",
                declared.value.as_str()
            ),
        );
    }
    if let Some(scale) = &entry.scale {
        if value_type != ValueType::Number {
            report.at(
                &scale.referenced,
                format!("{field}.scale"),
                MappingErrorKind::TypeMismatch,
                format!("`scale` applies to number attributes; `{name}` is {type_name}"),
            );
        } else if !scale.value.is_finite() {
            report.at(
                &scale.referenced,
                format!("{field}.scale"),
                MappingErrorKind::InvalidValue,
                "`scale` must be a finite number".to_owned(),
            );
        }
    }
    if let Some(sep) = &entry.separator
        && value_type != ValueType::List
    {
        report.at(
            &sep.referenced,
            format!("{field}.separator"),
            MappingErrorKind::TypeMismatch,
            format!("`separator` applies to list attributes; `{name}` is {type_name}"),
        );
    }
    let separator = report.separator(entry.separator.as_ref(), format!("{field}.separator"));

    // `map` and `default` values are read exactly as a cell with the same text would be.
    let mut as_value = |text: &Spanned<String>, field: String, what: &str| match typed(
        Cell::Text(&text.value),
        value_type,
        &separator,
    ) {
        Ok(value) => Some(value),
        Err(bad) => {
            report.at(
                &text.referenced,
                field,
                MappingErrorKind::TypeMismatch,
                format!("{what} for {type_name} attribute `{name}`: {}", bad.message),
            );
            None
        }
    };
    let mut map = HashMap::with_capacity(entry.map.0.len());
    for (key, value) in &entry.map.0 {
        let map_field = format!("{field}.map.{}", key.value);
        if let Some(value) = as_value(value, map_field, "map value") {
            map.insert(key.value.trim().to_owned(), value);
        }
    }
    let default = entry
        .default
        .as_ref()
        .and_then(|text| as_value(text, format!("{field}.default"), "default"));
    AttributeRule {
        name: name.to_owned(),
        column: report.column(&entry.column, format!("{field}.column")),
        value_type,
        map,
        scale: entry.scale.as_ref().map(|scale| scale.value),
        default,
        required: entry.required.unwrap_or(true),
        separator,
    }
}

/// "; did you mean `x`?" for the closest name within a small edit distance, else "".
pub(crate) fn did_you_mean<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> String {
    let wanted_lower = wanted.to_lowercase();
    let best = names
        .map(|name| (edit_distance(&wanted_lower, &name.to_lowercase()), name))
        .min_by_key(|(distance, _)| *distance);
    match best {
        Some((distance, name)) if distance <= 2.max(wanted.chars().count() / 3) => {
            format!("; did you mean `{name}`?")
        }
        _ => String::new(),
    }
}

/// Like [`did_you_mean`], also offering a name that starts with `wanted` (`tenure` ->
/// `tenure_months`) when nothing is close by edits.
pub(crate) fn did_you_mean_or_prefix<'a>(
    wanted: &str,
    names: impl Iterator<Item = &'a str> + Clone,
) -> String {
    let close = did_you_mean(wanted, names.clone());
    if !close.is_empty() || wanted.chars().count() < 3 {
        return close;
    }
    let wanted_lower = wanted.to_lowercase();
    names
        .filter(|name| name.to_lowercase().starts_with(&wanted_lower))
        .min_by_key(|name| name.len())
        .map_or_else(String::new, |name| format!("; did you mean `{name}`?"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests;
