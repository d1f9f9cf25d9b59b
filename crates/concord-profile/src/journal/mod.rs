//! The append-only journal: a folder of binary segments, group commit, and a record acknowledged
//! only once it is on disk.
//!
//! Frames are `[u32 LE length][u32 LE crc32 of length and payload][payload]` (see `frame.rs`);
//! segment files are named by the global position of their first frame (see `segment.rs`). A
//! [`Position`] is a frame's global byte offset, so positions only grow and name one record for
//! the journal's life. Opening replays from a position, cuts a torn tail off the last segment
//! and refuses corruption anywhere else (see `replay.rs`).

mod append;
mod chunks;
mod frame;
mod replay;
mod segment;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_segments;

pub use frame::{FRAME_HEADER, FrameWriter};

use crate::error::ProfileError;
use parking_lot::Mutex;
use segment::Segments;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};
use std::thread::JoinHandle;
use tokio::sync::oneshot;
use writer::{Pending, Writer};

/// How a journaled type becomes a frame's payload and back. `decode` must not panic on any bytes.
pub trait JournalCodec: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(bytes: &[u8]) -> Result<Self, String>;
}

/// A record's place in the journal: the global byte offset of its frame.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Position(pub u64);

/// Resolves once an append is durable, to the position of its first record (or the error).
pub type Durable = oneshot::Receiver<Result<Position, String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalOptions {
    /// A new segment starts at the first append boundary after the current one reaches this size.
    pub segment_bytes: u64,
}

impl Default for JournalOptions {
    fn default() -> Self {
        Self {
            segment_bytes: 256 << 20,
        }
    }
}

/// What opening the journal found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JournalReplay {
    /// Records replayed (those at or after `from`).
    pub records: u64,
    /// Bytes of a torn final record that were cut off.
    pub truncated_bytes: u64,
    /// The position the next append will get.
    pub end: Position,
}

/// A typed journal. Appends from many threads share one fsync (group commit).
pub struct Journal<T> {
    segments: Arc<Segments>,
    failed: Arc<OnceLock<String>>,
    /// Assigns positions and queues appends in one step, so disk order is position order.
    sequencer: Mutex<Sequencer>,
    writer: Option<JoinHandle<()>>,
    _records: PhantomData<fn(T) -> T>,
}

struct Sequencer {
    next: u64,
    /// `None` only while the journal is being dropped.
    tx: Option<mpsc::Sender<Pending>>,
}

impl<T> std::fmt::Debug for Journal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.segments.dir())
            .field("durable_end", &self.segments.durable_end())
            .finish()
    }
}

impl<T: JournalCodec> Journal<T> {
    /// Opens (or creates) the journal folder `dir` and feeds every record at or after `from` to
    /// `replay`, in order. Segments that end at or before `from` are not read; frames before it in
    /// the first segment read are skipped undecoded. `from` must be a frame boundary (a position
    /// an append returned, or [`JournalReplay::end`]).
    pub fn open(
        dir: &Path,
        options: JournalOptions,
        from: Position,
        mut replay: impl FnMut(Position, T),
    ) -> Result<(Self, JournalReplay), ProfileError> {
        let opened = replay::open_dir(dir, from.0, &mut replay)?;
        let end = opened.stats.end.0;
        let segments = Arc::new(Segments::new(dir.to_owned(), opened.readers, end));
        let failed = Arc::new(OnceLock::new());
        let writer = Writer {
            segments: segments.clone(),
            failed: failed.clone(),
            file: opened.active,
            base: opened.active_base,
            len: opened.active_len,
            segment_bytes: options.segment_bytes,
        };
        let (tx, rx) = mpsc::channel::<Pending>();
        let handle = std::thread::Builder::new()
            .name("concord-journal".into())
            .spawn(move || writer.run(rx))
            .map_err(segment::io_error(dir))?;
        let journal = Self {
            segments,
            failed,
            sequencer: Mutex::new(Sequencer {
                next: end,
                tx: Some(tx),
            }),
            writer: Some(handle),
            _records: PhantomData,
        };
        Ok((journal, opened.stats))
    }

    /// The position the next append will get.
    pub fn end(&self) -> Position {
        Position(self.sequencer.lock().next)
    }

    /// Everything before this position is on disk.
    pub fn durable_end(&self) -> Position {
        Position(self.segments.durable_end())
    }

    /// Blocks (a plain thread, not async code) until everything before `position` is on disk, or
    /// the journal has failed.
    pub fn wait_durable_blocking(&self, position: Position) -> Result<(), ProfileError> {
        loop {
            if let Some(reason) = self.failed.get() {
                return Err(ProfileError::JournalFailed(reason.clone()));
            }
            if self.segments.durable_end() >= position.0 {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Reads the durable record at `position`, checking its CRC. A position in a removed segment,
    /// not yet durable, or not on a frame boundary is an error.
    pub fn read_at(&self, position: Position) -> Result<T, ProfileError> {
        self.segments.read_at(position)
    }

    /// Deletes every segment that ends at or before `position` (never the active one), e.g. once
    /// a snapshot covers them. Returns how many were removed.
    pub fn remove_before(&self, position: Position) -> Result<u64, ProfileError> {
        self.segments.remove_before(position)
    }
}

impl<T> Drop for Journal<T> {
    /// Lets the writer drain what is queued and stop, so a journal reopened in the same process
    /// never races the old writer.
    fn drop(&mut self) {
        self.sequencer.get_mut().tx = None;
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}
