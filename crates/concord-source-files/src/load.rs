//! `load_file`: a reader thread parses the file into batches while the sink makes the previous
//! batch durable, so parsing and journal writes overlap and the async runtime never runs the
//! parser. At most three batches are in memory at once (parsing, queued, being loaded).

use crate::error::LoadError;
use crate::format::Format;
use crate::mapping::Mapping;
use crate::progress::{LoadProgress, ProgressFn, progress_bar_callback};
use crate::report::LoadReport;
use crate::source::{Batch, Source};
use concord_ingest::BaseSink;
use indicatif::ProgressBar;
use std::fmt;
use std::path::Path;
use std::time::Instant;
use tokio::sync::mpsc;

/// How a load runs.
#[derive(Clone)]
pub struct LoadOptions {
    /// Rows per batch handed to the sink (and per Parquet record batch). Default 50,000.
    pub batch_rows: usize,
    /// Threads converting rows; 0 (the default) means one per available core. Reading the
    /// file and checking ids for duplicates stay on one thread.
    pub threads: usize,
    /// Called after every batch the sink acknowledged.
    pub progress: Option<ProgressFn>,
}

impl LoadOptions {
    pub const DEFAULT_BATCH_ROWS: usize = 50_000;

    pub fn with_batch_rows(mut self, batch_rows: usize) -> Self {
        self.batch_rows = batch_rows;
        self
    }

    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    pub fn with_progress(
        mut self,
        progress: impl Fn(&LoadProgress) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(std::sync::Arc::new(progress));
        self
    }

    /// Drives `bar` (see [`progress_bar_callback`]).
    pub fn with_progress_bar(mut self, bar: ProgressBar) -> Self {
        self.progress = Some(progress_bar_callback(bar));
        self
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            batch_rows: Self::DEFAULT_BATCH_ROWS,
            threads: 0,
            progress: None,
        }
    }
}

impl fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadOptions")
            .field("batch_rows", &self.batch_rows)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What the reader thread sends.
enum Message {
    Batch(Batch),
    End,
    Failed(String),
}

/// Loads a CSV or Parquet base file into `sink` through `mapping`. `format` is taken from
/// the extension when `None`.
///
/// Bad rows are rejected (see [`LoadReport::rejections`]) and the good ones still load. The
/// load stops at a mapping that does not fit the file (before anything is loaded), a read
/// failure, or the first batch the sink refuses; then the error's report says how many rows
/// were durably loaded. Opening the file reads its header (or Parquet footer) on the calling
/// task; all further reading happens on a thread of its own.
pub async fn load_file<S: BaseSink>(
    path: &Path,
    format: Option<Format>,
    mapping: &Mapping,
    sink: &S,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let started = Instant::now();
    let format =
        format
            .or_else(|| Format::from_path(path))
            .ok_or_else(|| LoadError::UnknownFormat {
                path: path.to_owned(),
            })?;
    let batch_rows = options.batch_rows.max(1);
    let threads = crate::parallel::threads(options.threads);
    let mut source = Source::open(path, format, mapping, batch_rows)?;
    let (unit, total) = source.extent();
    let mut report = LoadReport::new(path.to_owned(), format);

    // Capacity 1: one batch waits while the sink loads another; the reader blocks beyond that.
    let (sender, mut receiver) = mpsc::channel::<Message>(1);
    let spawned = std::thread::Builder::new()
        .name("concord-load".to_owned())
        .spawn(move || {
            loop {
                let message = match source.next_batch(batch_rows, threads) {
                    Ok(Some(batch)) => Message::Batch(batch),
                    Ok(None) => Message::End,
                    Err(message) => Message::Failed(message),
                };
                let last = !matches!(message, Message::Batch(_));
                // A closed channel means the load stopped (sink failure): stop reading.
                if sender.blocking_send(message).is_err() || last {
                    return;
                }
            }
        });
    if let Err(err) = spawned {
        return Err(read_failed(
            path,
            format!("cannot start the reader thread: {err}"),
            report,
            started,
        ));
    }

    loop {
        let Some(message) = receiver.recv().await else {
            return Err(read_failed(
                path,
                "the reader stopped unexpectedly".to_owned(),
                report,
                started,
            ));
        };
        let batch = match message {
            Message::Batch(batch) => batch,
            Message::End => break,
            Message::Failed(message) => return Err(read_failed(path, message, report, started)),
        };
        report.rows_read += batch.rows_read;
        report.reject(batch.rejections);
        let n_rows = batch.rows.len() as u64;
        if n_rows > 0 {
            if let Err(source) = sink.load(batch.rows).await {
                report.finish(started.elapsed());
                tracing::warn!(
                    path = %path.display(),
                    rows_loaded = report.rows_loaded,
                    error = %source,
                    "base load stopped: the sink refused a batch"
                );
                return Err(LoadError::Sink {
                    source,
                    report: Box::new(report),
                });
            }
            report.rows_loaded += n_rows;
        }
        if let Some(progress) = &options.progress {
            progress(&LoadProgress {
                rows_read: report.rows_read,
                rows_loaded: report.rows_loaded,
                rows_rejected: report.rows_rejected,
                position: batch.position,
                total,
                unit,
            });
        }
    }
    report.finish(started.elapsed());
    tracing::info!(
        path = %path.display(),
        rows_read = report.rows_read,
        rows_loaded = report.rows_loaded,
        rows_rejected = report.rows_rejected,
        rows_per_second = report.rows_per_second as u64,
        "base load finished"
    );
    Ok(report)
}

fn read_failed(
    path: &Path,
    message: String,
    mut report: LoadReport,
    started: Instant,
) -> LoadError {
    report.finish(started.elapsed());
    tracing::warn!(path = %path.display(), rows_loaded = report.rows_loaded, error = %message, "base load stopped: read failed");
    LoadError::Read {
        path: path.to_owned(),
        message,
        report: Box::new(report),
    }
}
