//! Call-list files (CSV or Parquet) that appear at their final path only once complete: rows
//! go to `<path>.partial`, which `finish` syncs and renames.

mod csv_rows;
mod parquet_rows;

use crate::{BoxFuture, ContactSink, OutboundContact, SinkError};
use csv_rows::CsvRows;
use parquet_rows::ParquetRows;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The columns of a call list, in order: the fields of [`OutboundContact`].
pub const CALL_LIST_COLUMNS: [&str; 18] = [
    "contact_id",
    "decision_id",
    "customer_id",
    "channel",
    "action_id",
    "rank",
    "issue",
    "group",
    "text",
    "price",
    "valid_until",
    "propensity",
    "value",
    "time",
    "trigger",
    "run",
    "arm",
    "variant",
];

/// A configured call-list file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallListConfig {
    /// The sink's name, for run reports and metrics.
    pub name: String,
    /// Where the finished file goes.
    pub path: PathBuf,
    pub format: FileFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// A header, then one line per contact; times as RFC 3339 UTC (`2025-03-01T09:30:00Z`), a
    /// missing value as an empty field (so an empty `text` reads back as missing).
    Csv,
    /// Snappy-compressed; times as `Timestamp(Millisecond, "UTC")`, missing values null.
    Parquet,
}

// Both boxed: the writer moves around (into a sink's mutex), the encoders are hundreds of bytes.
enum Rows {
    Csv(Box<CsvRows>),
    Parquet(Box<ParquetRows>),
}

/// Why an encoder failed, before it is put in words for [`SinkError::File`].
#[derive(Debug, thiserror::Error)]
enum EncodeError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// Writes one call list synchronously: the fast path for bulk writers (an outbound run writing
/// millions of rows), and what [`CallListSink`] wraps. Nothing is at `path` until `finish`
/// returns; a writer dropped unfinished leaves only its `.partial` file.
pub struct CallListWriter {
    path: PathBuf,
    partial: PathBuf,
    format: FileFormat,
    rows: Rows,
    written: u64,
    // After a failed write the file is missing rows: every later call fails with this reason.
    failed: Option<String>,
}

impl std::fmt::Debug for CallListWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallListWriter")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("written", &self.written)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl CallListWriter {
    /// Creates `<path>.partial` (replacing one a crashed run left).
    pub fn create(path: impl Into<PathBuf>, format: FileFormat) -> Result<Self, SinkError> {
        let path = path.into();
        let partial = partial_path(&path);
        let fail =
            |e: EncodeError| file_error(&path, format!("can't create {}: {e}", partial.display()));
        let file = File::create(&partial).map_err(|e| fail(e.into()))?;
        let rows = match format {
            FileFormat::Csv => Rows::Csv(Box::new(CsvRows::new(file).map_err(fail)?)),
            FileFormat::Parquet => Rows::Parquet(Box::new(ParquetRows::new(file).map_err(fail)?)),
        };
        Ok(Self {
            path,
            partial,
            format,
            rows,
            written: 0,
            failed: None,
        })
    }

    /// Adds one row.
    pub fn push(&mut self, contact: &OutboundContact) -> Result<(), SinkError> {
        if let Some(reason) = &self.failed {
            return Err(file_error(
                &self.path,
                format!("an earlier write failed: {reason}"),
            ));
        }
        let pushed = match &mut self.rows {
            Rows::Csv(rows) => rows.push(contact),
            Rows::Parquet(rows) => rows.push(contact),
        };
        match pushed {
            Ok(()) => {
                self.written += 1;
                Ok(())
            }
            Err(e) => {
                let reason = format!("can't write {}: {e}", self.partial.display());
                self.failed = Some(reason.clone());
                Err(file_error(&self.path, reason))
            }
        }
    }

    /// Writes what is buffered, syncs the file, renames it to its final path and syncs the
    /// directory, so the finished list survives a crash. Returns how many rows it has.
    pub fn finish(self) -> Result<u64, SinkError> {
        if let Some(reason) = self.failed {
            return Err(file_error(
                &self.path,
                format!("an earlier write failed: {reason}"),
            ));
        }
        let fail = |what: &str, e: EncodeError| {
            file_error(
                &self.path,
                format!("can't {what} {}: {e}", self.partial.display()),
            )
        };
        let file = match self.rows {
            Rows::Csv(rows) => rows.finish(),
            Rows::Parquet(rows) => rows.finish(),
        }
        .map_err(|e| fail("complete", e))?;
        file.sync_all().map_err(|e| fail("sync", e.into()))?;
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(|e| fail("rename", e.into()))?;
        sync_directory(&self.path)
            .map_err(|e| file_error(&self.path, format!("can't sync its directory: {e}")))?;
        tracing::debug!(path = %self.path.display(), rows = self.written, "call list written");
        Ok(self.written)
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.written
    }
}

/// `calls.parquet` -> `calls.parquet.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn file_error(path: &Path, reason: String) -> SinkError {
    SinkError::File {
        path: path.display().to_string(),
        reason,
    }
}

/// Makes the rename durable: on Unix a rename is in the directory, not the file.
#[cfg(unix)]
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(directory)?.sync_all()
}

#[cfg(not(unix))]
fn sync_directory(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// A call list as a [`ContactSink`]; several tasks may `send` at once (their batches go in
/// whole, one after another). The file is created with the sink, so a bad path fails early.
#[derive(Debug)]
pub struct CallListSink {
    name: String,
    path: PathBuf,
    writer: Mutex<Option<CallListWriter>>,
}

impl CallListSink {
    pub fn create(config: CallListConfig) -> Result<Self, SinkError> {
        let writer = CallListWriter::create(config.path.clone(), config.format)?;
        Ok(Self {
            name: config.name,
            path: config.path,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn push_all(&self, contacts: &[OutboundContact]) -> Vec<Result<(), SinkError>> {
        // A panic while holding the lock can't leave a row half-pushed in a way a later push
        // would make worse, so a poisoned lock is used as is.
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        match writer.as_mut() {
            Some(writer) => contacts
                .iter()
                .map(|contact| writer.push(contact))
                .collect(),
            None => contacts.iter().map(|_| Err(self.finished())).collect(),
        }
    }

    fn finish_now(&self) -> Result<(), SinkError> {
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        writer.ok_or_else(|| self.finished())?.finish().map(|_| ())
    }

    fn finished(&self) -> SinkError {
        file_error(&self.path, "the call list is finished already".to_owned())
    }
}

impl ContactSink for CallListSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        contacts: &'a [OutboundContact],
    ) -> BoxFuture<'a, Vec<Result<(), SinkError>>> {
        Box::pin(async move { blocking(|| self.push_all(contacts)) })
    }

    fn finish(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move { blocking(|| self.finish_now()) })
    }
}

/// Runs file work (encoding a batch of rows, fsync) without stalling the other tasks of a
/// multi-threaded runtime; on a current-thread runtime (tests) there is nothing to hand over to.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_path_appends_to_the_name() {
        for (path, partial) in [
            ("calls.parquet", "calls.parquet.partial"),
            ("/out/run-7/calls.csv", "/out/run-7/calls.csv.partial"),
            ("calls", "calls.partial"),
        ] {
            assert_eq!(partial_path(Path::new(path)), PathBuf::from(partial));
        }
    }

    #[test]
    fn columns_are_the_contact_fields_in_order() {
        let contact = OutboundContact {
            contact_id: "d-1:a".into(),
            decision_id: "d-1".into(),
            customer_id: "c-1".into(),
            channel: "sms".into(),
            action_id: "a".into(),
            rank: 1,
            issue: "grow".into(),
            group: "data".into(),
            text: None,
            price: None,
            valid_until: None,
            propensity: 0.5,
            value: 1.0,
            time: concord_model::Timestamp::UNIX_EPOCH,
            trigger: None,
            run: None,
            arm: "test".into(),
            variant: None,
        };
        // The serde form is the authority (webhooks send it): a field added to the contact and
        // not to the call list fails here.
        let mut csv = csv::Writer::from_writer(Vec::new());
        assert!(csv.serialize(&contact).is_ok());
        let bytes = csv.into_inner().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let header = text.lines().next().unwrap_or_default();
        assert_eq!(header, CALL_LIST_COLUMNS.join(","));
        let schema = parquet_rows::schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, CALL_LIST_COLUMNS);
    }
}
