//! Writing a base to Parquet, one typed column per schema attribute: for bulk-load benchmarks
//! (simulated subscribers) and round-trip tests. [`Mapping::for_base_file`] reads it back.
//!
//! [`Mapping::for_base_file`]: crate::Mapping::for_base_file

use crate::error::WriteError;
use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use concord_ingest::BaseRow;
use concord_model::{Attributes, CustomerId, Value};
use concord_strategy::{ProfileSchema, ValueType};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The id column of a base file.
pub const BASE_ID_COLUMN: &str = "customer_id";
/// The holdings column of a base file: products separated by `;`.
pub const BASE_HOLDINGS_COLUMN: &str = "holdings";
const LIST_SEPARATOR: &str = ";";
/// Rows buffered before they are handed to the Parquet writer as one record batch.
const WRITE_BATCH_ROWS: usize = 65_536;
/// Smaller than parquet's default (1M) so neither writer nor reader holds a huge row group.
const ROW_GROUP_ROWS: usize = 256 * 1024;

enum ColumnBuilder {
    Number(Float64Builder),
    String(StringBuilder),
    Bool(BooleanBuilder),
    /// Items joined by `;`.
    List(StringBuilder),
}

/// Streams base rows into a Snappy-compressed Parquet file: `customer_id`, one column per
/// schema attribute (number -> Float64, string -> Utf8, bool -> Boolean, list -> Utf8 joined
/// by `;`; absent -> null), and `holdings` (joined by `;`). Call [`ParquetBaseWriter::finish`]:
/// the file is incomplete until then.
pub struct ParquetBaseWriter {
    path: PathBuf,
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    attributes: Vec<(String, ValueType)>,
    ids: StringBuilder,
    columns: Vec<ColumnBuilder>,
    holdings: StringBuilder,
    buffered: usize,
    written: u64,
}

impl std::fmt::Debug for ParquetBaseWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetBaseWriter")
            .field("path", &self.path)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl ParquetBaseWriter {
    pub fn create(path: &Path, schema: &ProfileSchema) -> Result<Self, WriteError> {
        for reserved in [BASE_ID_COLUMN, BASE_HOLDINGS_COLUMN] {
            if schema.attributes.contains_key(reserved) {
                return Err(WriteError::ReservedName(reserved.to_owned()));
            }
        }
        let attributes: Vec<(String, ValueType)> = schema
            .attributes
            .iter()
            .map(|(name, value_type)| (name.clone(), *value_type))
            .collect();
        let mut fields = vec![Field::new(BASE_ID_COLUMN, DataType::Utf8, false)];
        fields.extend(attributes.iter().map(|(name, value_type)| {
            let data_type = match value_type {
                ValueType::Number => DataType::Float64,
                ValueType::Bool => DataType::Boolean,
                ValueType::String | ValueType::List => DataType::Utf8,
            };
            Field::new(name, data_type, true)
        }));
        fields.push(Field::new(BASE_HOLDINGS_COLUMN, DataType::Utf8, false));
        let arrow_schema = Arc::new(Schema::new(fields));
        let file = File::create(path).map_err(|source| WriteError::Io {
            path: path.to_owned(),
            source,
        })?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(file, arrow_schema.clone(), Some(properties))
            .map_err(|err| parquet_error(path, err))?;
        let columns = attributes
            .iter()
            .map(|(_, value_type)| match value_type {
                ValueType::Number => ColumnBuilder::Number(Float64Builder::new()),
                ValueType::String => ColumnBuilder::String(StringBuilder::new()),
                ValueType::Bool => ColumnBuilder::Bool(BooleanBuilder::new()),
                ValueType::List => ColumnBuilder::List(StringBuilder::new()),
            })
            .collect();
        Ok(Self {
            path: path.to_owned(),
            writer,
            schema: arrow_schema,
            attributes,
            ids: StringBuilder::new(),
            columns,
            holdings: StringBuilder::new(),
            buffered: 0,
            written: 0,
        })
    }

    pub fn write_row(&mut self, row: &BaseRow) -> Result<(), WriteError> {
        self.write(&row.customer_id, &row.attributes, &row.holdings)
    }

    /// One customer; attributes the schema does not declare are left out.
    pub fn write(
        &mut self,
        customer_id: &CustomerId,
        attributes: &Attributes,
        holdings: &[String],
    ) -> Result<(), WriteError> {
        // Check every value before appending any, so a type error leaves the columns aligned.
        for (name, value_type) in &self.attributes {
            if let Some(value) = attributes.get(name) {
                let fits = matches!(
                    (value_type, value),
                    (_, Value::Null)
                        | (ValueType::Number, Value::Num(_))
                        | (ValueType::String, Value::Str(_))
                        | (ValueType::Bool, Value::Bool(_))
                        | (ValueType::List, Value::List(_))
                );
                if !fits {
                    return Err(WriteError::Type {
                        customer: customer_id.to_string(),
                        attribute: name.clone(),
                        expected: value_type.as_str(),
                        found: value.type_name(),
                    });
                }
            }
        }
        self.ids.append_value(customer_id.as_str());
        for ((name, _), column) in self.attributes.iter().zip(&mut self.columns) {
            let value = attributes.get(name).unwrap_or(&Value::Null);
            match (column, value) {
                (ColumnBuilder::Number(b), Value::Num(x)) => b.append_value(*x),
                (ColumnBuilder::String(b), Value::Str(s)) => b.append_value(s),
                (ColumnBuilder::Bool(b), Value::Bool(v)) => b.append_value(*v),
                (ColumnBuilder::List(b), Value::List(items)) => b.append_value(join(items)),
                (ColumnBuilder::Number(b), _) => b.append_null(),
                (ColumnBuilder::String(b) | ColumnBuilder::List(b), _) => b.append_null(),
                (ColumnBuilder::Bool(b), _) => b.append_null(),
            }
        }
        self.holdings.append_value(holdings.join(LIST_SEPARATOR));
        self.buffered += 1;
        if self.buffered >= WRITE_BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered and the file footer; returns the rows written.
    pub fn finish(mut self) -> Result<u64, WriteError> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|err| parquet_error(&self.path, err))?;
        Ok(self.written)
    }

    fn flush(&mut self) -> Result<(), WriteError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 2);
        arrays.push(Arc::new(self.ids.finish()));
        for column in &mut self.columns {
            arrays.push(match column {
                ColumnBuilder::Number(b) => Arc::new(b.finish()),
                ColumnBuilder::String(b) | ColumnBuilder::List(b) => Arc::new(b.finish()),
                ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            });
        }
        arrays.push(Arc::new(self.holdings.finish()));
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|err| parquet_error(&self.path, err))?;
        self.writer
            .write(&batch)
            .map_err(|err| parquet_error(&self.path, err))?;
        self.written += self.buffered as u64;
        self.buffered = 0;
        Ok(())
    }
}

/// Writes `rows` to a new base file at `path`; returns the rows written.
pub fn write_parquet_base<'a>(
    path: &Path,
    schema: &ProfileSchema,
    rows: impl IntoIterator<Item = &'a BaseRow>,
) -> Result<u64, WriteError> {
    let mut writer = ParquetBaseWriter::create(path, schema)?;
    for row in rows {
        writer.write_row(row)?;
    }
    writer.finish()
}

fn join(items: &[Value]) -> String {
    let mut joined = String::new();
    for (idx, item) in items.iter().enumerate() {
        if idx > 0 {
            joined.push_str(LIST_SEPARATOR);
        }
        let _ = write!(joined, "{item}");
    }
    joined
}

fn parquet_error(path: &Path, err: impl std::fmt::Display) -> WriteError {
    WriteError::Parquet {
        path: path.to_owned(),
        message: err.to_string(),
    }
}

/// The mapping YAML for a base file written for `schema` (see [`ParquetBaseWriter`]), e.g. to
/// save beside the file for `concord load`.
pub fn base_mapping_yaml(schema: &ProfileSchema) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let mut yaml = format!(
        "id: {BASE_ID_COLUMN}\nholdings: {{ column: {BASE_HOLDINGS_COLUMN}, separator: '{LIST_SEPARATOR}' }}\nattributes:\n"
    );
    for name in schema.attributes.keys() {
        let name = quote(name);
        let _ = writeln!(yaml, "  {name}: {{ column: {name}, required: false }}");
    }
    if schema.attributes.is_empty() {
        yaml.push_str("  {}\n");
    }
    yaml
}
