//! Shared test plumbing: a recording sink, paths to the shared data and example mappings,
//! the example telco schema, and a CSV -> typed Parquet converter.

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use concord_ingest::{BaseRow, BaseSink, SinkError};
use concord_source_files::{Format, LoadError, LoadOptions, LoadReport, Mapping, load_file};
use concord_strategy::{ProfileSchema, Strategy};
use parquet::arrow::ArrowWriter;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Keeps every batch it is given; refuses batch number `fail_on` (0-based) when set.
#[derive(Debug, Default)]
pub struct RecordingSink {
    pub batches: Mutex<Vec<Vec<BaseRow>>>,
    pub fail_on: Option<usize>,
}

impl RecordingSink {
    pub fn failing_on(batch: usize) -> Self {
        Self {
            fail_on: Some(batch),
            ..Self::default()
        }
    }

    pub fn rows(&self) -> Vec<BaseRow> {
        self.batches
            .lock()
            .map(|batches| batches.concat())
            .unwrap_or_default()
    }
}

impl BaseSink for RecordingSink {
    async fn load(&self, rows: Vec<BaseRow>) -> Result<(), SinkError> {
        let mut batches = self.batches.lock().map_err(|_| "poisoned")?;
        if self.fail_on == Some(batches.len()) {
            return Err("journal write failed: no space left on device".into());
        }
        batches.push(rows);
        Ok(())
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

pub fn example_mapping(name: &str) -> PathBuf {
    repo().join("examples/telco/loads").join(name)
}

pub fn telco_schema() -> ProfileSchema {
    match Strategy::load(&repo().join("examples/telco")) {
        Ok(strategy) => strategy.profile_schema().clone(),
        Err(errors) => panic!("the example strategy loads: {errors}"),
    }
}

pub fn mapping(path: &Path, schema: &ProfileSchema) -> Mapping {
    match Mapping::load(path, schema) {
        Ok(mapping) => mapping,
        Err(errors) => panic!("{errors}"),
    }
}

/// Runs `load_file` to completion on a fresh runtime.
pub fn run(
    path: &Path,
    format: Option<Format>,
    mapping: &Mapping,
    sink: &RecordingSink,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(load_file(path, format, mapping, sink, options))
}

/// Loads `path` into a new sink; panics on a load error. Returns the report and the rows.
pub fn load_ok(path: &Path, mapping: &Mapping, batch_rows: usize) -> (LoadReport, Vec<BaseRow>) {
    load_with(
        path,
        mapping,
        &LoadOptions::default().with_batch_rows(batch_rows),
    )
}

pub fn load_with(
    path: &Path,
    mapping: &Mapping,
    options: &LoadOptions,
) -> (LoadReport, Vec<BaseRow>) {
    let sink = RecordingSink::default();
    match run(path, None, mapping, &sink, options) {
        Ok(report) => (report, sink.rows()),
        Err(err) => panic!("{err}"),
    }
}

/// Writes a CSV file as Parquet with typed columns, as an export tool would: all-integer
/// columns as Int64, all-number columns as Float64 (blank -> null), low-cardinality text as
/// dictionary-encoded strings, other text as Utf8.
pub fn csv_to_parquet(csv_path: &Path, parquet_path: &Path) {
    let mut reader = csv::Reader::from_path(csv_path).expect("csv opens");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (idx, name) in header.iter().enumerate() {
        let cells: Vec<Option<&str>> = records
            .iter()
            .map(|r| r.get(idx).map(str::trim).filter(|c| !c.is_empty()))
            .collect();
        let present = || cells.iter().flatten();
        let array: ArrayRef = if present().all(|c| c.parse::<i64>().is_ok()) {
            Arc::new(Int64Array::from_iter(
                cells.iter().map(|c| c.and_then(|c| c.parse().ok())),
            ))
        } else if present().all(|c| c.parse::<f64>().is_ok()) {
            Arc::new(Float64Array::from_iter(
                cells.iter().map(|c| c.and_then(|c| c.parse().ok())),
            ))
        } else if present().collect::<HashSet<_>>().len() < 64 {
            Arc::new(DictionaryArray::<Int32Type>::from_iter(
                cells.iter().copied(),
            ))
        } else {
            Arc::new(StringArray::from_iter(cells.iter().copied()))
        };
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("batch");
    let file = std::fs::File::create(parquet_path).expect("parquet file");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}
