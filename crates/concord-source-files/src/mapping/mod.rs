//! The column mapping: a YAML file validated once, against the profile schema, into a
//! [`Mapping`]. Loading code only ever sees the validated form.

mod raw;
mod validate;

pub(crate) use validate::did_you_mean;

use crate::error::{MappingError, MappingErrorKind, MappingErrors};
use concord_model::Value;
use concord_strategy::{ProfileSchema, ValueType};
use serde_saphyr::{DefaultMessageFormatter, MessageFormatter};
use std::collections::HashMap;
use std::path::Path;

/// How a file's columns become base rows: the id column, attributes (typed by the profile
/// schema) and holdings.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(crate) file: String,
    pub(crate) id: ColumnRef,
    pub(crate) id_prefix: String,
    /// Sorted by attribute name, so rows build their attribute maps from sorted input.
    pub(crate) attributes: Vec<AttributeRule>,
    pub(crate) holdings: Option<HoldingsRule>,
    pub(crate) holdings_from: Vec<HoldingFromRule>,
}

/// A column named in the mapping file, with where, to point at it when the data file lacks it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnRef {
    pub(crate) name: String,
    pub(crate) line: u64,
    pub(crate) column: u64,
    pub(crate) field: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttributeRule {
    pub(crate) name: String,
    pub(crate) column: ColumnRef,
    pub(crate) value_type: ValueType,
    /// Trimmed source text -> value, already of `value_type`.
    pub(crate) map: HashMap<String, Value>,
    pub(crate) scale: Option<f64>,
    pub(crate) default: Option<Value>,
    pub(crate) required: bool,
    pub(crate) separator: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HoldingsRule {
    pub(crate) column: ColumnRef,
    pub(crate) separator: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HoldingFromRule {
    pub(crate) product: String,
    pub(crate) column: ColumnRef,
    /// Trimmed; compared with the trimmed cell.
    pub(crate) equals: String,
}

impl Mapping {
    /// Reads and validates a mapping file against the profile schema. Errors name the file as
    /// `path` is written.
    pub fn load(path: &Path, schema: &ProfileSchema) -> Result<Mapping, MappingErrors> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Mapping::parse(&file, &text, schema),
            Err(err) => Err(MappingErrors {
                errors: vec![MappingError {
                    kind: MappingErrorKind::File,
                    file,
                    line: 1,
                    column: 1,
                    field: String::new(),
                    message: format!("cannot read: {err}"),
                }],
            }),
        }
    }

    /// Validates mapping YAML held in memory; `file` names it in errors.
    pub fn parse(file: &str, text: &str, schema: &ProfileSchema) -> Result<Mapping, MappingErrors> {
        let raw = serde_saphyr::from_str::<raw::MappingFile>(text).map_err(|err| {
            let (line, column) = err
                .location()
                .filter(|loc| loc.line() > 0)
                .map_or((1, 1), |loc| (loc.line(), loc.column().max(1)));
            let message = DefaultMessageFormatter
                .format_message(err.without_snippet())
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            MappingErrors {
                errors: vec![MappingError {
                    kind: MappingErrorKind::Syntax,
                    file: file.to_owned(),
                    line,
                    column,
                    field: concord_strategy::yaml::path_at(text, line, column),
                    message,
                }],
            }
        })?;
        validate::validate(file, raw, schema)
    }

    /// The mapping for files written by [`crate::ParquetBaseWriter`]: every schema attribute
    /// from the column of the same name (optional), ids from `customer_id`, holdings from
    /// `holdings` separated by `;`.
    pub fn for_base_file(schema: &ProfileSchema) -> Result<Mapping, MappingErrors> {
        Mapping::parse(
            "<base file mapping>",
            &crate::write::base_mapping_yaml(schema),
            schema,
        )
    }

    /// The mapping file as it was named when loaded.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every column the mapping reads, once each, in the order first named.
    pub fn columns(&self) -> Vec<&str> {
        let mut columns: Vec<&str> = Vec::new();
        for column in self.column_refs() {
            if !columns.contains(&column.name.as_str()) {
                columns.push(&column.name);
            }
        }
        columns
    }

    /// The profile attributes this mapping sets, sorted.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.attributes.iter().map(|rule| rule.name.as_str())
    }

    pub(crate) fn column_refs(&self) -> impl Iterator<Item = &ColumnRef> {
        std::iter::once(&self.id)
            .chain(self.attributes.iter().map(|rule| &rule.column))
            .chain(self.holdings.iter().map(|rule| &rule.column))
            .chain(self.holdings_from.iter().map(|rule| &rule.column))
    }
}
