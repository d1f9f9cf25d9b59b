//! Errors of the profile stage.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("journal {path}: {source}")]
    JournalIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "journal segment {path}: record {record} at byte {offset} is corrupt and is not a torn end: {reason}"
    )]
    JournalCorrupt {
        path: PathBuf,
        /// The frame's index within the segment.
        record: u64,
        /// The frame's byte offset within the segment.
        offset: u64,
        reason: String,
    },
    /// The folder as a whole does not add up: segments with a gap, or a replay start it can't serve.
    #[error("journal {path}: {reason}")]
    JournalLayout { path: PathBuf, reason: String },
    #[error("journal position {position}: {reason}")]
    JournalRead { position: u64, reason: String },
    #[error(
        "{path} is a journal in the old JSON-lines format, which this version no longer reads (the journal is now the binary segment folder `journal/`); move the data folder aside and reload"
    )]
    JournalFormatChanged { path: PathBuf },
    #[error("a journal record of {bytes} bytes is larger than a frame can hold (4 GiB)")]
    RecordTooLarge { bytes: usize },
    #[error("journal record could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// Fail-stop: after a failed write nothing more is appended until the journal is reopened.
    #[error("the journal stopped taking writes after a failed write ({0}); reopen it to recover")]
    JournalFailed(String),
    #[error("the journal writer has stopped")]
    JournalClosed,
}
