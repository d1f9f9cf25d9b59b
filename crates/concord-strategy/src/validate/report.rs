//! Recording validation errors against a file, and the id checks every section shares.

use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use serde_saphyr::{Location, Spanned};
use std::collections::HashMap;

/// Collects errors against one file.
pub(super) struct Report<'a, 'e> {
    pub(super) source: &'a Source,
    pub(super) errors: &'e mut Vec<StrategyError>,
}

impl Report<'_, '_> {
    pub(super) fn at(
        &mut self,
        loc: &Location,
        field: String,
        kind: StrategyErrorKind,
        message: String,
    ) {
        let (line, column) = if loc.line() == 0 {
            (1, 1)
        } else {
            (loc.line(), loc.column())
        };
        self.at_position(line, column, field, kind, message);
    }

    pub(super) fn at_position(
        &mut self,
        line: u64,
        column: u64,
        field: String,
        kind: StrategyErrorKind,
        message: String,
    ) {
        self.errors.push(StrategyError {
            kind,
            file: self.source.path.clone(),
            line,
            column,
            field,
            message,
        });
    }

    /// Where an earlier declaration was, for "duplicate" messages.
    fn first_seen(&self, first: &(String, u64)) -> String {
        if first.0 == self.source.path {
            format!("line {}", first.1)
        } else {
            format!("{}:{}", first.0, first.1)
        }
    }
}

/// Ids are referenced from other files, requests and URLs: keep them plain.
pub(super) fn check_id(
    report: &mut Report<'_, '_>,
    id: &Spanned<String>,
    field: String,
    what: &str,
) {
    let ok = !id.value.is_empty()
        && id
            .value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        report.at(
            &id.referenced,
            field,
            StrategyErrorKind::InvalidValue,
            format!(
                "{what} id `{}` must be non-empty lowercase letters, digits, `_` or `-`",
                id.value
            ),
        );
    }
}

/// Records `id` as seen; reports it if it was seen before. Returns whether it is new.
pub(super) fn check_unique(
    report: &mut Report<'_, '_>,
    seen: &mut HashMap<String, (String, u64)>,
    id: &Spanned<String>,
    field: String,
    what: &str,
) -> bool {
    if let Some(first) = seen.get(&id.value) {
        let message = format!(
            "duplicate {what} id `{}` (first declared at {})",
            id.value,
            report.first_seen(first)
        );
        report.at(&id.referenced, field, StrategyErrorKind::Duplicate, message);
        return false;
    }
    seen.insert(
        id.value.clone(),
        (report.source.path.clone(), id.referenced.line()),
    );
    true
}
