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

/// Why a snapshot blob could not be restored. `context` names what was being read
/// (`shard 12: column `arpu``); `offset` is the byte within the blob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("{context}: {reason} at byte {offset}")]
    Corrupt {
        context: String,
        offset: usize,
        reason: String,
    },
    #[error(
        "{context}: snapshot format version {found} is not one this build reads (it reads version {supported})"
    )]
    UnknownVersion {
        context: String,
        found: u8,
        supported: u8,
    },
    /// Snapshots restore only into a store that has not been written to.
    #[error("{context}: the store already holds data there; restore into a fresh store")]
    NotEmpty { context: String },
    #[error("shard {index} does not exist (the store has {count})")]
    NoSuchShard { index: usize, count: usize },
}
