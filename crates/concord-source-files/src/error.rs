//! Errors: a mapping file's defects (each at file:line:col and field, all reported at once),
//! and what stops a load, a Parquet base write or a table export.

use crate::report::LoadReport;
use concord_ingest::SinkError;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// What kind of defect a mapping error reports; a stable code for tools and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MappingErrorKind {
    /// The mapping file could not be read.
    File,
    /// Not valid YAML, an unknown field, a missing field or a wrong type.
    Syntax,
    /// A target attribute the profile schema does not declare.
    UnknownAttribute,
    /// `type:`, `map:`, `default:` or `scale:` disagree with the attribute's schema type.
    TypeMismatch,
    /// A column the data file's header does not have (or has twice).
    MissingColumn,
    /// A column whose Parquet type a base load cannot read.
    UnsupportedColumn,
    /// The same attribute or product mapped twice.
    Duplicate,
    /// A value out of range: an empty column name, an empty separator...
    InvalidValue,
}

impl MappingErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingErrorKind::File => "file",
            MappingErrorKind::Syntax => "syntax",
            MappingErrorKind::UnknownAttribute => "unknown_attribute",
            MappingErrorKind::TypeMismatch => "type_mismatch",
            MappingErrorKind::MissingColumn => "missing_column",
            MappingErrorKind::UnsupportedColumn => "unsupported_column",
            MappingErrorKind::Duplicate => "duplicate",
            MappingErrorKind::InvalidValue => "invalid_value",
        }
    }
}

/// One defect of a mapping file, or of a mapping against a data file's header.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct MappingError {
    pub kind: MappingErrorKind,
    /// The mapping file as it was named when loaded.
    pub file: String,
    /// 1-based; 1 for errors about the whole file.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    /// Where in the file's structure: `attributes.arpu.column`; empty for the whole file.
    pub field: String,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Every defect found, sorted by position, so a mapping is fixed in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct MappingErrors {
    pub errors: Vec<MappingError>,
}

impl fmt::Display for MappingErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, error) in self.errors.iter().enumerate() {
            if idx > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// Why a load stopped. Bad rows never stop a load (they are in [`LoadReport::rejections`]);
/// these do. Errors raised after the first batch carry the report so far, whose
/// `rows_loaded` counts the rows the sink acknowledged as durable.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{}: cannot tell the format from the extension (expected .csv or .parquet)", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The header (CSV first line, Parquet schema) cannot be read at all.
    #[error("{}: {message}", path.display())]
    Header { path: PathBuf, message: String },
    /// The mapping does not fit the file: missing or unreadable columns. Nothing was loaded.
    #[error("{0}")]
    Mapping(MappingErrors),
    /// Reading failed midway (I/O error, corrupt Parquet page); rows before it may be loaded.
    #[error("{}: read failed after {} rows were loaded: {message}", path.display(), report.rows_loaded)]
    Read {
        path: PathBuf,
        message: String,
        report: Box<LoadReport>,
    },
    /// The sink refused a batch; the load stopped there.
    #[error("the sink failed after {} rows were durably loaded: {source}", report.rows_loaded)]
    Sink {
        source: SinkError,
        report: Box<LoadReport>,
    },
}

impl LoadError {
    /// Rows durably loaded before the failure; 0 when it failed before loading anything.
    pub fn rows_loaded(&self) -> u64 {
        self.report().map_or(0, |report| report.rows_loaded)
    }

    /// The report up to the failure, for errors raised once loading had started.
    pub fn report(&self) -> Option<&LoadReport> {
        match self {
            LoadError::Read { report, .. } | LoadError::Sink { report, .. } => Some(report),
            _ => None,
        }
    }
}

/// Why writing a Parquet base file failed.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    #[error(
        "customer {customer}: attribute `{attribute}` is a {found}, the schema says {expected}"
    )]
    Type {
        customer: String,
        attribute: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("the profile schema declares `{0}`, a column name the base file reserves")]
    ReservedName(String),
}

/// Why exporting a [`Table`](crate::Table) failed. The table's own defects (no columns,
/// duplicate or ragged ones) are found before any file is created.
#[derive(Debug, Error)]
pub enum TableError {
    #[error("a table needs at least one column")]
    NoColumns,
    #[error("column `{column}` has {rows} rows, the first column has {expected}")]
    Ragged {
        column: String,
        rows: usize,
        expected: usize,
    },
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error(
        "{}: cannot export to {} (expected .csv or .parquet)",
        path.display(),
        describe_extension(extension.as_deref())
    )]
    UnknownExtension {
        path: PathBuf,
        extension: Option<String>,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Writing CSV to a caller's writer failed; [`crate::write_table`] reports file errors as
    /// [`TableError::Io`], with the path.
    #[error("writing CSV: {0}")]
    Csv(#[source] csv::Error),
    #[error("{}: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
}

fn describe_extension(extension: Option<&str>) -> String {
    extension.map_or("a file without an extension".to_owned(), |ext| {
        format!("`.{ext}`")
    })
}
