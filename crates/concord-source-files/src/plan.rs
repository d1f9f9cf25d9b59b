//! A mapping resolved against one file's columns, and the conversion of one row into a
//! [`BaseRow`]: the code both formats share, so CSV and Parquet rows mean the same.

use crate::error::{MappingError, MappingErrorKind, MappingErrors};
use crate::mapping::{AttributeRule, ColumnRef, Mapping};
use crate::report::{RejectKind, Rejection};
use crate::seen::SeenIds;
use crate::value::{Cell, shown, typed};
use concord_ingest::BaseRow;
use concord_model::{Attributes, CustomerId, Value};
use std::path::Path;

/// One column of a data file, as resolving sees it.
#[derive(Debug)]
pub(crate) struct FileColumn {
    pub(crate) name: String,
    /// Why a base load cannot read this column (a Parquet type it does not convert).
    pub(crate) unsupported: Option<String>,
}

/// A row's cells, by slot (the plan's numbering of the columns it reads).
pub(crate) trait Row {
    fn cell(&self, slot: usize) -> Result<Cell<'_>, Defect>;
}

/// Why a row is rejected, before the source adds where the row is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Defect {
    pub(crate) kind: RejectKind,
    pub(crate) slot: Option<usize>,
    pub(crate) message: String,
}

impl Defect {
    pub(crate) fn new(kind: RejectKind, slot: Option<usize>, message: String) -> Self {
        Self {
            kind,
            slot,
            message,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Plan {
    /// Slot -> column name.
    columns: Vec<String>,
    id_slot: usize,
    id_prefix: String,
    attributes: Vec<(AttributeRule, usize)>,
    holdings: Option<(usize, String)>,
    holdings_from: Vec<(String, usize, String)>,
}

impl Plan {
    /// Finds every column the mapping names in `header`. Returns the plan and, for each slot,
    /// the column's index in `header`; or every missing, doubled or unreadable column, each
    /// pointing at the mapping line that names it.
    pub(crate) fn resolve(
        mapping: &Mapping,
        header: &[FileColumn],
        data_file: &Path,
    ) -> Result<(Plan, Vec<usize>), MappingErrors> {
        let mut columns: Vec<String> = Vec::new();
        let mut indices = Vec::new();
        let mut errors = Vec::new();
        let mut slot_of = |column: &ColumnRef| -> usize {
            if let Some(slot) = columns.iter().position(|name| *name == column.name) {
                return slot;
            }
            let found: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, c)| c.name.trim() == column.name)
                .map(|(idx, _)| idx)
                .collect();
            let problem = match found.as_slice() {
                [] => Some((
                    MappingErrorKind::MissingColumn,
                    format!(
                        "column `{}` is not in the header of {}{}",
                        column.name,
                        data_file.display(),
                        crate::mapping::did_you_mean(
                            &column.name,
                            header.iter().map(|c| c.name.as_str())
                        )
                    ),
                )),
                [idx] => header[*idx].unsupported.as_ref().map(|why| {
                    (
                        MappingErrorKind::UnsupportedColumn,
                        format!("column `{}` of {}: {why}", column.name, data_file.display()),
                    )
                }),
                [first, second, ..] => Some((
                    MappingErrorKind::MissingColumn,
                    format!(
                        "column `{}` appears more than once in the header of {} (fields {} and {})",
                        column.name,
                        data_file.display(),
                        first + 1,
                        second + 1
                    ),
                )),
            };
            if let Some((kind, message)) = problem {
                errors.push(MappingError {
                    kind,
                    file: mapping.file.clone(),
                    line: column.line,
                    column: column.column,
                    field: column.field.clone(),
                    message,
                });
            }
            columns.push(column.name.clone());
            indices.push(found.first().copied().unwrap_or(0));
            columns.len() - 1
        };
        let id_slot = slot_of(&mapping.id);
        let attributes = mapping
            .attributes
            .iter()
            .map(|rule| (rule.clone(), slot_of(&rule.column)))
            .collect();
        let holdings = mapping
            .holdings
            .as_ref()
            .map(|rule| (slot_of(&rule.column), rule.separator.clone()));
        let holdings_from = mapping
            .holdings_from
            .iter()
            .map(|rule| {
                (
                    rule.product.clone(),
                    slot_of(&rule.column),
                    rule.equals.clone(),
                )
            })
            .collect();
        if !errors.is_empty() {
            errors.sort_by_key(|e| (e.line, e.column));
            return Err(MappingErrors { errors });
        }
        let plan = Plan {
            columns,
            id_slot,
            id_prefix: mapping.id_prefix.clone(),
            attributes,
            holdings,
            holdings_from,
        };
        Ok((plan, indices))
    }

    pub(crate) fn column_name(&self, slot: usize) -> Option<&str> {
        self.columns.get(slot).map(String::as_str)
    }

    /// A defect of data row `row` (CSV file line `line`) as reported.
    pub(crate) fn rejection(&self, defect: Defect, row: u64, line: Option<u64>) -> Rejection {
        Rejection {
            row,
            line,
            column: defect
                .slot
                .and_then(|slot| self.column_name(slot))
                .map(str::to_owned),
            kind: defect.kind,
            message: defect.message,
        }
    }

    /// One row -> one base row, or the row's first defect. Rows convert independently (on
    /// any thread); duplicates are found afterwards, in file order, by [`Plan::check_duplicate`].
    pub(crate) fn convert(&self, row: &impl Row) -> Converted {
        let id = match self.id(row) {
            Ok(id) => id,
            Err(defect) => return Converted::Rejected { id: None, defect },
        };
        match self.attributes_and_holdings(row) {
            Ok((attributes, holdings)) => Converted::Row(BaseRow {
                customer_id: CustomerId(id),
                attributes,
                holdings,
            }),
            Err(defect) => Converted::Rejected {
                id: Some(id),
                defect,
            },
        }
    }

    /// Rejects a row whose id an earlier row had, whatever else is wrong with it, and records
    /// every readable id: a later row with the id of a rejected row is a duplicate too.
    pub(crate) fn check_duplicate(
        &self,
        converted: Converted,
        seen: &mut SeenIds,
    ) -> Result<BaseRow, Defect> {
        let id = match &converted {
            Converted::Row(row) => Some(row.customer_id.as_str()),
            Converted::Rejected { id, .. } => id.as_deref(),
        };
        if let Some(id) = id
            && !seen.insert(id)
        {
            return Err(Defect::new(
                RejectKind::DuplicateId,
                Some(self.id_slot),
                format!("customer id `{id}` appears on an earlier row"),
            ));
        }
        match converted {
            Converted::Row(row) => Ok(row),
            Converted::Rejected { defect, .. } => Err(defect),
        }
    }

    /// The prefixed id, or why the row has none.
    fn id(&self, row: &impl Row) -> Result<String, Defect> {
        let id_cell = row.cell(self.id_slot)?;
        if id_cell.is_empty() {
            return Err(Defect::new(
                RejectKind::EmptyId,
                Some(self.id_slot),
                "the customer id is empty".to_owned(),
            ));
        }
        let mut id = String::with_capacity(self.id_prefix.len() + 16);
        id.push_str(&self.id_prefix);
        id.push_str(&id_cell.key());
        Ok(id)
    }

    fn attributes_and_holdings(&self, row: &impl Row) -> Result<(Attributes, Vec<String>), Defect> {
        let mut attributes = Vec::with_capacity(self.attributes.len());
        for (rule, slot) in &self.attributes {
            let cell = row.cell(*slot)?;
            if let Some(value) = attribute(rule, cell)
                .map_err(|(kind, message)| Defect::new(kind, Some(*slot), message))?
            {
                attributes.push((rule.name.clone(), value));
            }
        }

        let mut holdings: Vec<String> = Vec::new();
        if let Some((slot, separator)) = &self.holdings {
            let cell = row.cell(*slot)?;
            for product in cell.key().split(separator.as_str()).map(str::trim) {
                if !product.is_empty() && !holdings.iter().any(|held| held == product) {
                    holdings.push(product.to_owned());
                }
            }
        }
        for (product, slot, equals) in &self.holdings_from {
            let cell = row.cell(*slot)?;
            if cell.key() == equals.as_str() && !holdings.contains(product) {
                holdings.push(product.clone());
            }
        }
        // Rules are sorted by name, so this bulk-builds the tree without reordering.
        Ok((Attributes::from_iter(attributes), holdings))
    }
}

/// A row after conversion, before the duplicate check.
#[derive(Debug)]
pub(crate) enum Converted {
    Row(BaseRow),
    Rejected {
        /// The row's id when it has a readable, non-empty one.
        id: Option<String>,
        defect: Defect,
    },
}

/// One attribute's value: `map` first, then default/required for empty or unmapped cells,
/// then the typed reading of the cell. `None` leaves the attribute unset.
fn attribute(rule: &AttributeRule, cell: Cell<'_>) -> Result<Option<Value>, (RejectKind, String)> {
    if !rule.map.is_empty()
        && let Some(value) = rule.map.get(cell.key().as_ref())
    {
        return Ok(Some(value.clone()));
    }
    if cell.is_empty() {
        return match (&rule.default, rule.required) {
            (Some(default), _) => Ok(Some(default.clone())),
            (None, true) => Err((
                RejectKind::MissingValue,
                format!(
                    "`{}` is required and the cell is empty (set `default:` or `required: false`)",
                    rule.name
                ),
            )),
            (None, false) => Ok(None),
        };
    }
    if !rule.map.is_empty() {
        return match &rule.default {
            Some(default) => Ok(Some(default.clone())),
            None => Err((
                RejectKind::UnmappedValue,
                format!(
                    "{} is not listed in the `map` of `{}` and there is no default",
                    shown(cell),
                    rule.name
                ),
            )),
        };
    }
    let value =
        typed(cell, rule.value_type, &rule.separator).map_err(|bad| (bad.kind, bad.message))?;
    match (value, rule.scale) {
        (Value::Num(x), Some(scale)) if (x * scale).is_finite() => Ok(Some(Value::Num(x * scale))),
        (Value::Num(_), Some(_)) => Err((
            RejectKind::BadNumber,
            format!(
                "{} times the scale of `{}` is out of range",
                shown(cell),
                rule.name
            ),
        )),
        (value, _) => Ok(Some(value)),
    }
}

#[cfg(test)]
mod tests;
