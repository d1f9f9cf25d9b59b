//! What a load did: rows read, loaded and rejected, each rejection with its row, line, column
//! and reason. A rejected row is always counted, even past the kept examples.

use crate::format::Format;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// How many rejections a report keeps in full; the rest are only counted.
pub const MAX_REJECTIONS_KEPT: usize = 1_000;

/// Why a row was rejected; a stable code for tools and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectKind {
    /// The id column is empty.
    EmptyId,
    /// An earlier row of the same file has this id.
    DuplicateId,
    /// A CSV row with more or fewer fields than the header.
    FieldCount,
    /// A CSV field that is not UTF-8.
    NotUtf8,
    /// An empty cell for a required attribute without a default.
    MissingValue,
    /// A number attribute whose cell is not a finite number.
    BadNumber,
    /// A bool attribute whose cell is not true/false, yes/no or 1/0.
    BadBool,
    /// A value the attribute's `map:` does not list, and no default.
    UnmappedValue,
}

impl RejectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectKind::EmptyId => "empty_id",
            RejectKind::DuplicateId => "duplicate_id",
            RejectKind::FieldCount => "field_count",
            RejectKind::NotUtf8 => "not_utf8",
            RejectKind::MissingValue => "missing_value",
            RejectKind::BadNumber => "bad_number",
            RejectKind::BadBool => "bad_bool",
            RejectKind::UnmappedValue => "unmapped_value",
        }
    }
}

impl fmt::Display for RejectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected row: where it is and its first defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based data row (the header is not a row).
    pub row: u64,
    /// 1-based line of the CSV file where the row starts; `None` for Parquet.
    pub line: Option<u64>,
    /// The column at fault; `None` for whole-row defects (field count).
    pub column: Option<String>,
    pub kind: RejectKind,
    pub message: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {} ({})", self.message, self.kind)
    }
}

/// The outcome of a load. On success `rows_read == rows_loaded + rows_rejected`; in a
/// failed load's report the rows of the batch that failed are read but neither.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    pub path: PathBuf,
    pub format: Format,
    pub rows_read: u64,
    /// Rows the sink acknowledged, so durable.
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    /// The first [`MAX_REJECTIONS_KEPT`] rejections, in file order.
    pub rejections: Vec<Rejection>,
    /// Every rejection, counted by reason.
    pub by_reason: BTreeMap<RejectKind, u64>,
    pub elapsed: Duration,
    /// Rows read per second of `elapsed`.
    pub rows_per_second: f64,
}

impl LoadReport {
    pub(crate) fn new(path: PathBuf, format: Format) -> Self {
        Self {
            path,
            format,
            rows_read: 0,
            rows_loaded: 0,
            rows_rejected: 0,
            rejections: Vec::new(),
            by_reason: BTreeMap::new(),
            elapsed: Duration::ZERO,
            rows_per_second: 0.0,
        }
    }

    pub(crate) fn reject(&mut self, rejections: Vec<Rejection>) {
        for rejection in rejections {
            self.rows_rejected += 1;
            *self.by_reason.entry(rejection.kind).or_default() += 1;
            if self.rejections.len() < MAX_REJECTIONS_KEPT {
                self.rejections.push(rejection);
            }
        }
    }

    pub(crate) fn finish(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
        let seconds = elapsed.as_secs_f64();
        self.rows_per_second = if seconds > 0.0 {
            self.rows_read as f64 / seconds
        } else {
            0.0
        };
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} rows read, {} loaded, {} rejected in {:.2}s ({:.0} rows/s)",
            self.path.display(),
            self.rows_read,
            self.rows_loaded,
            self.rows_rejected,
            self.elapsed.as_secs_f64(),
            self.rows_per_second
        )?;
        for (kind, count) in &self.by_reason {
            write!(f, "\n  {kind}: {count}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(row: u64, kind: RejectKind) -> Rejection {
        Rejection {
            row,
            line: Some(row + 1),
            column: None,
            kind,
            message: String::new(),
        }
    }

    #[test]
    fn keeps_the_first_rejections_and_counts_all() {
        let mut report = LoadReport::new(PathBuf::from("x.csv"), Format::Csv);
        let many = (1..=1_500)
            .map(|row| {
                rejection(
                    row,
                    if row % 3 == 0 {
                        RejectKind::EmptyId
                    } else {
                        RejectKind::BadNumber
                    },
                )
            })
            .collect();
        report.reject(many);
        assert_eq!(report.rows_rejected, 1_500);
        assert_eq!(report.rejections.len(), MAX_REJECTIONS_KEPT);
        assert_eq!(report.rejections.last().map(|r| r.row), Some(1_000));
        assert_eq!(report.by_reason[&RejectKind::EmptyId], 500);
        assert_eq!(report.by_reason[&RejectKind::BadNumber], 1_000);
    }

    #[test]
    fn rejections_say_where() {
        let mut r = rejection(4, RejectKind::BadNumber);
        r.column = Some("tenure".into());
        r.message = "expected a number, found `abc`".into();
        assert_eq!(
            r.to_string(),
            "row 4 (line 5), column `tenure`: expected a number, found `abc` (bad_number)"
        );
    }
}
