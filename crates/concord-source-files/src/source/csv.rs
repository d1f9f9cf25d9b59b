//! CSV rows, streamed record by record. The `csv` crate reads raw byte records: each row is
//! judged on its own (field count, UTF-8, values) with its file line, and a bad row never
//! stops the file.

use super::Batch;
use crate::error::LoadError;
use crate::mapping::Mapping;
use crate::parallel::map_rows;
use crate::plan::{Converted, Defect, FileColumn, Plan, Row};
use crate::report::RejectKind;
use crate::seen::SeenIds;
use crate::value::Cell;
use csv::ByteRecord;
use std::fs::File;
use std::path::Path;

/// Big reads: the default 8 KiB buffer costs a syscall every ~80 rows.
const READ_BUFFER_BYTES: usize = 1 << 20;

#[derive(Debug)]
pub(crate) struct CsvSource {
    reader: csv::Reader<File>,
    /// One batch of raw records, reused from batch to batch.
    records: Vec<ByteRecord>,
    plan: Plan,
    /// Slot -> field index.
    fields: Vec<usize>,
    header_len: usize,
    seen: SeenIds,
    rows_read: u64,
    file_bytes: u64,
}

struct CsvRow<'a> {
    record: &'a ByteRecord,
    fields: &'a [usize],
}

impl Row for CsvRow<'_> {
    fn cell(&self, slot: usize) -> Result<Cell<'_>, Defect> {
        let bytes = self
            .fields
            .get(slot)
            .and_then(|&field| self.record.get(field))
            .unwrap_or_default();
        std::str::from_utf8(bytes).map(Cell::Text).map_err(|err| {
            Defect::new(
                RejectKind::NotUtf8,
                Some(slot),
                format!(
                    "the field is not UTF-8 (invalid byte at offset {})",
                    err.valid_up_to()
                ),
            )
        })
    }
}

impl CsvSource {
    pub(crate) fn open(path: &Path, mapping: &Mapping) -> Result<CsvSource, LoadError> {
        let file = File::open(path).map_err(|source| LoadError::Open {
            path: path.to_owned(),
            source,
        })?;
        let file_bytes = file.metadata().map_or(0, |meta| meta.len());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // Row length is checked per row, so one short row is a rejection, not an error.
            .flexible(true)
            // Records end at `\n` only: with CRLF endings csv otherwise reports each record
            // one line early (the `\n` of the previous line is read as part of the next
            // record). The `\r` left on the last field is trimmed like any whitespace.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(READ_BUFFER_BYTES)
            .from_reader(file);
        let header_error = |message: String| LoadError::Header {
            path: path.to_owned(),
            message,
        };
        let header = reader
            .byte_headers()
            .map_err(|err| header_error(format!("cannot read the header: {err}")))?;
        if header.is_empty() {
            return Err(header_error("the file is empty: no header line".to_owned()));
        }
        let header: Vec<FileColumn> = header
            .iter()
            .map(|name| {
                std::str::from_utf8(name).map(|name| FileColumn {
                    name: name.trim().to_owned(),
                    unsupported: None,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|_| header_error("the header is not UTF-8".to_owned()))?;
        let (plan, fields) = Plan::resolve(mapping, &header, path).map_err(LoadError::Mapping)?;
        Ok(CsvSource {
            reader,
            records: Vec::new(),
            plan,
            fields,
            header_len: header.len(),
            seen: SeenIds::new(),
            rows_read: 0,
            file_bytes,
        })
    }

    pub(crate) fn file_bytes(&self) -> u64 {
        self.file_bytes
    }

    /// Up to `max_rows` rows; `None` at the end of the file. An error is an I/O failure.
    /// Records are read in order, converted on `threads` threads, then checked for
    /// duplicate ids in file order.
    pub(crate) fn next_batch(
        &mut self,
        max_rows: usize,
        threads: usize,
    ) -> Result<Option<Batch>, String> {
        let mut n_records = 0;
        while n_records < max_rows {
            if n_records == self.records.len() {
                self.records.push(ByteRecord::new());
            }
            let record = &mut self.records[n_records];
            let more = self.reader.read_byte_record(record).map_err(|err| {
                format!(
                    "after data row {}: {err}",
                    self.rows_read + n_records as u64
                )
            })?;
            if !more {
                break;
            }
            if !is_blank_line(record, self.header_len) {
                n_records += 1;
            }
        }
        if n_records == 0 {
            return Ok(None);
        }
        let records = &self.records[..n_records];
        let (plan, fields, header_len) = (&self.plan, self.fields.as_slice(), self.header_len);
        let converted = map_rows(n_records, threads, |idx| {
            let record = &records[idx];
            if record.len() == header_len {
                plan.convert(&CsvRow { record, fields })
            } else {
                let message = format!(
                    "expected {header_len} fields as in the header, found {}",
                    record.len()
                );
                Converted::Rejected {
                    id: None,
                    defect: Defect::new(RejectKind::FieldCount, None, message),
                }
            }
        });
        let mut batch = Batch::with_capacity(n_records);
        for (record, converted) in records.iter().zip(converted) {
            self.rows_read += 1;
            batch.rows_read += 1;
            match plan.check_duplicate(converted, &mut self.seen) {
                Ok(row) => batch.rows.push(row),
                Err(defect) => {
                    let line = record.position().map(|pos| pos.line());
                    batch
                        .rejections
                        .push(plan.rejection(defect, self.rows_read, line));
                }
            }
        }
        batch.position = self.reader.position().byte();
        Ok(Some(batch))
    }
}

/// A line with nothing but whitespace (a stray `\r`): not a row. Empty lines never get
/// here, the csv reader skips them.
fn is_blank_line(record: &ByteRecord, header_len: usize) -> bool {
    header_len > 1
        && record.len() == 1
        && record
            .get(0)
            .is_some_and(|field| field.trim_ascii().is_empty())
}
