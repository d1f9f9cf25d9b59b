//! The formats a base load reads, behind one shape: open against a mapping (header checked),
//! then batches of converted rows and rejections.

mod arrow_cells;
mod csv;
mod parquet;

use crate::error::LoadError;
use crate::format::Format;
use crate::mapping::Mapping;
use crate::progress::ProgressUnit;
use crate::report::Rejection;
use concord_ingest::BaseRow;
use std::path::Path;

/// What one read step produced.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) rows: Vec<BaseRow>,
    pub(crate) rejections: Vec<Rejection>,
    pub(crate) rows_read: u64,
    /// How far into the file: bytes for CSV, rows for Parquet.
    pub(crate) position: u64,
}

impl Batch {
    fn with_capacity(rows: usize) -> Self {
        Self {
            rows: Vec::with_capacity(rows),
            ..Self::default()
        }
    }
}

#[derive(Debug)]
pub(crate) enum Source {
    Csv(csv::CsvSource),
    Parquet(parquet::ParquetSource),
}

impl Source {
    /// Opens the file and resolves the mapping against its header; nothing is read past it.
    pub(crate) fn open(
        path: &Path,
        format: Format,
        mapping: &Mapping,
        batch_rows: usize,
    ) -> Result<Source, LoadError> {
        Ok(match format {
            Format::Csv => Source::Csv(csv::CsvSource::open(path, mapping)?),
            Format::Parquet => {
                Source::Parquet(parquet::ParquetSource::open(path, mapping, batch_rows)?)
            }
        })
    }

    /// Up to `batch_rows` rows, converted on `threads` threads; `None` at the end. An error
    /// stops the load.
    pub(crate) fn next_batch(
        &mut self,
        batch_rows: usize,
        threads: usize,
    ) -> Result<Option<Batch>, String> {
        match self {
            Source::Csv(source) => source.next_batch(batch_rows, threads),
            Source::Parquet(source) => source.next_batch(threads),
        }
    }

    /// The unit of [`Batch::position`] and the file's size in it.
    pub(crate) fn extent(&self) -> (ProgressUnit, u64) {
        match self {
            Source::Csv(source) => (ProgressUnit::Bytes, source.file_bytes()),
            Source::Parquet(source) => (ProgressUnit::Rows, source.total_rows()),
        }
    }
}
