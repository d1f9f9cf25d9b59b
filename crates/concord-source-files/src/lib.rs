//! Bulk base loads: customers from a CSV or Parquet file, through a YAML column mapping, into
//! any [`BaseSink`](concord_ingest::BaseSink) (the hub), with a per-row rejection report.
//!
//! Data flow: [`Mapping::load`] validates the mapping file against the profile schema once ->
//! [`load_file`] opens the data file and checks the mapping's columns against its header ->
//! a reader thread streams batches of rows, converted on all cores by the shared `plan` (so
//! CSV and Parquet rows mean exactly the same), duplicates judged in file order -> the sink
//! makes each batch durable -> [`LoadReport`].
//!
//! A bad row (unparseable number, unmapped value, empty or duplicate id, wrong field count)
//! is rejected with its row, CSV line, column and reason; the rest of the file still loads.
//! Nothing is dropped silently: every row read is loaded or counted as rejected.
//!
//! A mapping file (`examples/telco/loads/*.yaml` are real ones):
//!
//! ```yaml
//! id: customerID                # the id column (required); ids are trimmed
//! id_prefix: wa-                # optional, prepended to every id
//! attributes:                   # profile attribute -> how to read it
//!   tenure_months: { column: tenure }          # typed by the profile schema
//!   arpu: { column: charges_cents, scale: 0.01, type: number }  # `type` is checked, not cast
//!   segment:
//!     column: contract
//!     map: { Month-to-month: postpaid, One year: postpaid }  # source text -> value
//!     default: postpaid         # for an empty cell or a value `map` lacks
//!   consent_sms: { column: sms_ok, required: false }  # empty -> unset (default: rejected)
//! holdings: { column: products, separator: ";" }     # products held, in one column
//! holdings_from:                # or one product per yes/no column
//!   video_pack: { column: streaming_tv, equals: "Yes" }
//! ```
//!
//! The other way out: [`Table`] and [`write_table`] export a typed report table as CSV or
//! Parquet (Snappy) for the data team.

mod error;
mod format;
mod load;
mod mapping;
mod parallel;
mod plan;
mod progress;
mod report;
mod seen;
mod source;
mod table;
mod value;
mod write;

pub use error::{LoadError, MappingError, MappingErrorKind, MappingErrors, TableError, WriteError};
pub use format::Format;
pub use load::{LoadOptions, load_file};
pub use mapping::Mapping;
pub use progress::{LoadProgress, ProgressFn, ProgressUnit, progress_bar_callback};
pub use report::{LoadReport, MAX_REJECTIONS_KEPT, RejectKind, Rejection};
pub use table::{ColumnValues, Table, TableColumn, write_table};
pub use write::{
    BASE_HOLDINGS_COLUMN, BASE_ID_COLUMN, ParquetBaseWriter, base_mapping_yaml, write_parquet_base,
};
