//! Parquet rows, streamed record batch by record batch, decoding only the mapped columns.

use super::Batch;
use super::arrow_cells::{Column, unsupported};
use crate::error::LoadError;
use crate::mapping::Mapping;
use crate::parallel::map_rows;
use crate::plan::{Defect, FileColumn, Plan, Row};
use crate::seen::SeenIds;
use crate::value::Cell;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use std::fs::File;
use std::path::Path;

pub(crate) struct ParquetSource {
    reader: ParquetRecordBatchReader,
    plan: Plan,
    /// Slot -> column index in the (projected) record batches.
    batch_columns: Vec<usize>,
    seen: SeenIds,
    rows_read: u64,
    total_rows: u64,
}

impl std::fmt::Debug for ParquetSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSource")
            .field("rows_read", &self.rows_read)
            .field("total_rows", &self.total_rows)
            .finish_non_exhaustive()
    }
}

struct ParquetRow<'a> {
    columns: &'a [Column<'a>],
    idx: usize,
}

impl Row for ParquetRow<'_> {
    fn cell(&self, slot: usize) -> Result<Cell<'_>, Defect> {
        Ok(self
            .columns
            .get(slot)
            .map_or(Cell::Null, |column| column.cell(self.idx)))
    }
}

impl ParquetSource {
    pub(crate) fn open(
        path: &Path,
        mapping: &Mapping,
        batch_rows: usize,
    ) -> Result<ParquetSource, LoadError> {
        let file = File::open(path).map_err(|source| LoadError::Open {
            path: path.to_owned(),
            source,
        })?;
        let header_error = |message: String| LoadError::Header {
            path: path.to_owned(),
            message,
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|err| header_error(format!("not a readable Parquet file: {err}")))?;
        let header: Vec<FileColumn> = builder
            .schema()
            .fields()
            .iter()
            .map(|field| FileColumn {
                name: field.name().clone(),
                unsupported: unsupported(field.data_type()),
            })
            .collect();
        let (plan, roots) = Plan::resolve(mapping, &header, path).map_err(LoadError::Mapping)?;
        // Projected batches hold the chosen root columns in file order.
        let mut projected = roots.clone();
        projected.sort_unstable();
        projected.dedup();
        let batch_columns = roots
            .iter()
            .map(|root| projected.binary_search(root).unwrap_or_default())
            .collect();
        if let Some(codec) = unreadable_codec(&builder, &projected) {
            return Err(header_error(codec));
        }
        let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let mask = ProjectionMask::roots(builder.parquet_schema(), projected);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(batch_rows)
            .build()
            .map_err(|err| header_error(format!("cannot read: {err}")))?;
        Ok(ParquetSource {
            reader,
            plan,
            batch_columns,
            seen: SeenIds::new(),
            rows_read: 0,
            total_rows,
        })
    }

    pub(crate) fn total_rows(&self) -> u64 {
        self.total_rows
    }

    /// The next record batch's rows; `None` at the end. An error is a decoding failure.
    pub(crate) fn next_batch(&mut self, threads: usize) -> Result<Option<Batch>, String> {
        let Some(record_batch) = self.reader.next() else {
            return Ok(None);
        };
        let record_batch =
            record_batch.map_err(|err| format!("after data row {}: {err}", self.rows_read))?;
        let columns = self
            .batch_columns
            .iter()
            .map(|&idx| {
                record_batch
                    .columns()
                    .get(idx)
                    .and_then(|array| Column::new(array.as_ref()))
                    .ok_or_else(|| format!("column {idx} of a record batch cannot be read"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let plan = &self.plan;
        let converted = map_rows(record_batch.num_rows(), threads, |idx| {
            plan.convert(&ParquetRow {
                columns: &columns,
                idx,
            })
        });
        let mut batch = Batch::with_capacity(converted.len());
        for converted in converted {
            self.rows_read += 1;
            batch.rows_read += 1;
            match plan.check_duplicate(converted, &mut self.seen) {
                Ok(row) => batch.rows.push(row),
                Err(defect) => batch
                    .rejections
                    .push(plan.rejection(defect, self.rows_read, None)),
            }
        }
        batch.position = self.rows_read;
        Ok(Some(batch))
    }
}

/// Whether this build decompresses `codec`: Snappy always, others with the crate's features.
fn readable(codec: Compression) -> bool {
    match codec {
        Compression::UNCOMPRESSED | Compression::SNAPPY => true,
        Compression::ZSTD(_) => cfg!(feature = "zstd"),
        Compression::GZIP(_) => cfg!(feature = "gzip"),
        Compression::LZ4 | Compression::LZ4_RAW => cfg!(feature = "lz4"),
        Compression::LZO | Compression::BROTLI(_) => false,
    }
}

/// Says up front (not at the first page) when a mapped column uses a codec this build lacks.
fn unreadable_codec(
    builder: &ParquetRecordBatchReaderBuilder<File>,
    roots: &[usize],
) -> Option<String> {
    let schema = builder.parquet_schema();
    let chunks = builder
        .metadata()
        .row_groups()
        .iter()
        .flat_map(|group| group.columns().iter().enumerate());
    for (leaf, chunk) in chunks {
        let mapped = leaf < schema.num_columns()
            && roots
                .binary_search(&schema.get_column_root_idx(leaf))
                .is_ok();
        if mapped && !readable(chunk.compression()) {
            let codec = chunk.compression();
            let feature = match codec {
                Compression::ZSTD(_) => "; build concord-source-files with its `zstd` feature",
                Compression::GZIP(_) => "; build concord-source-files with its `gzip` feature",
                Compression::LZ4 | Compression::LZ4_RAW => {
                    "; build concord-source-files with its `lz4` feature"
                }
                _ => "; rewrite the file with Snappy or zstd",
            };
            return Some(format!(
                "column `{}` is compressed with {codec}, which this build cannot read{feature}",
                chunk.column_path()
            ));
        }
    }
    None
}
