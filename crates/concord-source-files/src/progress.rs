//! Progress of a load, reported after every batch the sink acknowledges: to a callback, or to
//! an `indicatif` progress bar the binary shows. Without either the load reports nothing.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What [`LoadProgress::position`] and `total` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    /// CSV: bytes of the file read.
    Bytes,
    /// Parquet: rows decoded, out of the row count in the file's footer.
    Rows,
}

/// Where a load stands after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadProgress {
    pub rows_read: u64,
    /// Durable: acknowledged by the sink.
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub position: u64,
    pub total: u64,
    pub unit: ProgressUnit,
}

/// Called after every acknowledged batch, on the task running the load.
pub type ProgressFn = Arc<dyn Fn(&LoadProgress) + Send + Sync>;

/// A callback that drives `bar`: its length and position in the load's unit (bytes for CSV,
/// rows for Parquet), and "N loaded, M rejected" as the message. The caller keeps a clone
/// of the bar to finish or abandon it once the load returns.
pub fn progress_bar_callback(bar: ProgressBar) -> ProgressFn {
    let styled = AtomicBool::new(false);
    Arc::new(move |progress: &LoadProgress| {
        if !styled.swap(true, Ordering::Relaxed) {
            let counter = match progress.unit {
                ProgressUnit::Bytes => "{bytes}/{total_bytes}",
                ProgressUnit::Rows => "{human_pos}/{human_len} rows",
            };
            let template =
                format!("{{elapsed_precise}} [{{wide_bar}}] {counter} ({{eta}} left) {{msg}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_length(progress.total);
        }
        bar.set_position(progress.position);
        bar.set_message(format!(
            "{} loaded, {} rejected",
            progress.rows_loaded, progress.rows_rejected
        ));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_follows_the_load() {
        let bar = ProgressBar::hidden();
        let callback = progress_bar_callback(bar.clone());
        let mut progress = LoadProgress {
            rows_read: 10,
            rows_loaded: 9,
            rows_rejected: 1,
            position: 500,
            total: 1_000,
            unit: ProgressUnit::Bytes,
        };
        callback(&progress);
        progress.position = 1_000;
        callback(&progress);
        assert_eq!(bar.length(), Some(1_000));
        assert_eq!(bar.position(), 1_000);
        assert_eq!(bar.message(), "9 loaded, 1 rejected");
    }
}
