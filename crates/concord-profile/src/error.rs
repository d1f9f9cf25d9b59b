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
        "journal {path}: record {record} at byte {offset} is corrupt and is not the last one: {reason}"
    )]
    JournalCorrupt {
        path: PathBuf,
        record: u64,
        offset: u64,
        reason: String,
    },
    #[error("journal record could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the journal writer has stopped")]
    JournalClosed,
}
