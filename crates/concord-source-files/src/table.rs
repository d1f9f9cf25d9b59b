//! Typed tables for report exports, written as CSV or Snappy-compressed Parquet so the data
//! team can open them in whatever they use (pandas, DuckDB, Spark, a spreadsheet).
//!
//! CSV conventions: a header row of column names, then one line per row, `\n`-terminated;
//! quoting by the `csv` crate (only where needed: separators, quotes, line breaks). A missing
//! value is an empty cell. Numbers use Rust's shortest round-trip formatting (`0.1`, `3`,
//! `-2.5`, never an exponent); NaN and infinities are written as empty cells, since CSV has no
//! agreed spelling for them and an empty cell reads as "no number" everywhere. Flags are
//! `true`/`false`. An empty text and a missing text both become an empty cell; Parquet keeps
//! them apart, and keeps NaN and infinities as they are.

use crate::error::TableError;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// Named, typed columns of equal length (checked when written).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<TableColumn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    pub name: String,
    pub values: ColumnValues,
}

/// One column's values. In Parquet: Text -> Utf8 and Number -> Float64 (both nullable),
/// Count -> UInt64 and Flag -> Boolean (both required).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    Text(Vec<Option<String>>),
    Number(Vec<Option<f64>>),
    Count(Vec<u64>),
    Flag(Vec<bool>),
}

impl TableColumn {
    pub fn new(name: impl Into<String>, values: ColumnValues) -> Self {
        Self {
            name: name.into(),
            values,
        }
    }
}

impl ColumnValues {
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Text(values) => values.len(),
            ColumnValues::Number(values) => values.len(),
            ColumnValues::Count(values) => values.len(),
            ColumnValues::Flag(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn data_type(&self) -> (DataType, bool) {
        match self {
            ColumnValues::Text(_) => (DataType::Utf8, true),
            ColumnValues::Number(_) => (DataType::Float64, true),
            ColumnValues::Count(_) => (DataType::UInt64, false),
            ColumnValues::Flag(_) => (DataType::Boolean, false),
        }
    }

    /// Appends row `row`'s cell, as the module docs describe, to `cell`.
    fn write_cell(&self, row: usize, cell: &mut String) {
        match self {
            ColumnValues::Text(values) => cell.push_str(values[row].as_deref().unwrap_or("")),
            ColumnValues::Number(values) => match values[row] {
                Some(value) if value.is_finite() => {
                    let _ = write!(cell, "{value}");
                }
                _ => {}
            },
            ColumnValues::Count(values) => {
                let _ = write!(cell, "{}", values[row]);
            }
            ColumnValues::Flag(values) => cell.push_str(if values[row] { "true" } else { "false" }),
        }
    }

    fn to_array(&self) -> ArrayRef {
        match self {
            ColumnValues::Text(values) => Arc::new(StringArray::from_iter(values)),
            ColumnValues::Number(values) => Arc::new(Float64Array::from_iter(values)),
            ColumnValues::Count(values) => {
                Arc::new(UInt64Array::from_iter_values(values.iter().copied()))
            }
            ColumnValues::Flag(values) => Arc::new(BooleanArray::from(values.clone())),
        }
    }
}

impl Table {
    /// The first column's length: the table's, once [`Table::check`] passes.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |column| column.values.len())
    }

    /// At least one column, no two with the same name, all of the same length.
    pub fn check(&self) -> Result<(), TableError> {
        if self.columns.is_empty() {
            return Err(TableError::NoColumns);
        }
        let expected = self.rows();
        let mut names = HashSet::with_capacity(self.columns.len());
        for column in &self.columns {
            if !names.insert(column.name.as_str()) {
                return Err(TableError::DuplicateColumn(column.name.clone()));
            }
            let rows = column.values.len();
            if rows != expected {
                return Err(TableError::Ragged {
                    column: column.name.clone(),
                    rows,
                    expected,
                });
            }
        }
        Ok(())
    }

    /// Header row, then the rows, as the module docs describe.
    pub fn write_csv(&self, out: impl io::Write) -> Result<(), TableError> {
        self.check()?;
        self.write_csv_records(out).map_err(TableError::Csv)
    }

    /// One record batch into a new Snappy-compressed file at `path` (replacing any there).
    pub fn write_parquet(&self, path: &Path) -> Result<(), TableError> {
        self.check()?;
        let parquet_error = |err: &dyn std::fmt::Display| TableError::Parquet {
            path: path.to_owned(),
            message: err.to_string(),
        };
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|column| {
                let (data_type, nullable) = column.values.data_type();
                Field::new(&column.name, data_type, nullable)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays = self.columns.iter().map(|column| column.values.to_array());
        let batch = RecordBatch::try_new(schema.clone(), arrays.collect())
            .map_err(|err| parquet_error(&err))?;
        write_new_file(path, |file| {
            let properties = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            let mut writer = ArrowWriter::try_new(file, schema, Some(properties))
                .map_err(|err| parquet_error(&err))?;
            writer.write(&batch).map_err(|err| parquet_error(&err))?;
            writer.close().map_err(|err| parquet_error(&err))?;
            Ok(())
        })
    }

    fn write_csv_records(&self, out: impl io::Write) -> Result<(), csv::Error> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(self.columns.iter().map(|column| column.name.as_bytes()))?;
        let mut record = csv::ByteRecord::new();
        let mut cell = String::new();
        for row in 0..self.rows() {
            record.clear();
            for column in &self.columns {
                cell.clear();
                column.values.write_cell(row, &mut cell);
                record.push_field(cell.as_bytes());
            }
            writer.write_byte_record(&record)?;
        }
        // Dropping the writer flushes too, but swallows a failure.
        writer.flush()?;
        Ok(())
    }
}

/// Writes `table` to `path` as CSV (`.csv`) or Parquet (`.parquet`), by the extension, in any
/// case. The table is checked before the file is created.
pub fn write_table(table: &Table, path: &Path) -> Result<(), TableError> {
    let extension = path.extension().map(|ext| ext.to_string_lossy());
    match extension.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => {
            table.check()?;
            write_new_file(path, |file| {
                table.write_csv_records(file).map_err(|err| TableError::Io {
                    path: path.to_owned(),
                    source: io::Error::from(err),
                })
            })
        }
        Some("parquet") => table.write_parquet(path),
        _ => Err(TableError::UnknownExtension {
            path: path.to_owned(),
            extension: extension.map(|ext| ext.into_owned()),
        }),
    }
}

/// Creates `path` and hands it to `write`; removes it if `write` fails, so a half-written
/// export never passes for a finished one.
fn write_new_file(
    path: &Path,
    write: impl FnOnce(File) -> Result<(), TableError>,
) -> Result<(), TableError> {
    let file = File::create(path).map_err(|source| TableError::Io {
        path: path.to_owned(),
        source,
    })?;
    let written = write(file);
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}
