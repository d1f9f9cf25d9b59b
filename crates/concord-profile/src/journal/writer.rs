//! The single writer thread: group commit (drain every queued append, one vectored write, one
//! fdatasync, acknowledge all) and segment rotation at append boundaries.
//!
//! Fail-stop: if a write or sync fails, every waiter of that group gets the error and the journal
//! refuses all later appends until it is reopened. After a failed fsync the kernel may already
//! have dropped the dirty pages, so retrying or truncating in place could report success for
//! data that is gone; and later appends already hold positions after the failed ones, so
//! carrying on would leave a hole. Reopening replays what reached the disk and cuts a torn tail.

use super::Position;
use super::segment::{Segments, io_error, segment_path, sync_dir};
use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Write};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use tokio::sync::oneshot;

/// Resolves to the position of the append's first record once it is durable.
pub(super) type Ack = oneshot::Sender<Result<Position, String>>;

/// One append: its frames, already encoded by the caller, and where they start.
pub(super) struct Pending {
    pub(super) first: u64,
    pub(super) bytes: Vec<u8>,
    pub(super) ack: Ack,
}

pub(super) struct Writer {
    pub(super) segments: Arc<Segments>,
    /// Set once, on the first failed write; shared with appenders so they fail fast.
    pub(super) failed: Arc<OnceLock<String>>,
    pub(super) file: File,
    /// The active segment's base position and its length in bytes.
    pub(super) base: u64,
    pub(super) len: u64,
    pub(super) segment_bytes: u64,
}

impl Writer {
    pub(super) fn run(mut self, rx: mpsc::Receiver<Pending>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            let outcome = match self.failed.get() {
                Some(reason) => Err(reason.clone()),
                None => self.write_group(&batch).inspect_err(|reason| {
                    tracing::error!(dir = %self.segments.dir().display(), error = %reason, "journal write failed; refusing further appends");
                    let _ = self.failed.set(reason.clone());
                }),
            };
            for pending in batch {
                // A dropped receiver means the caller stopped waiting; nothing to tell it.
                let _ = pending
                    .ack
                    .send(outcome.clone().map(|()| Position(pending.first)));
            }
        }
    }

    fn end(&self) -> u64 {
        self.base + self.len
    }

    fn write_group(&mut self, batch: &[Pending]) -> Result<(), String> {
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(batch.len());
        let mut queued = 0u64;
        for pending in batch {
            if pending.first != self.end() + queued {
                return Err(format!(
                    "append at position {} arrived when the journal ends at {} (a sequencing bug)",
                    pending.first,
                    self.end() + queued
                ));
            }
            let size = self.len + queued;
            if size > 0 && size >= self.segment_bytes {
                self.flush(&mut slices)?;
                queued = 0;
                self.rotate()?;
            }
            slices.push(IoSlice::new(&pending.bytes));
            queued += pending.bytes.len() as u64;
        }
        self.flush(&mut slices)
    }

    /// Writes the queued frames and syncs them.
    fn flush(&mut self, slices: &mut Vec<IoSlice<'_>>) -> Result<(), String> {
        if slices.is_empty() {
            return Ok(());
        }
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            let written = self.file.write_vectored(rest).map_err(|e| e.to_string())?;
            if written == 0 {
                return Err("the disk accepted no bytes".into());
            }
            self.len += written as u64;
            IoSlice::advance_slices(&mut rest, written);
        }
        slices.clear();
        self.file.sync_data().map_err(|e| e.to_string())?;
        self.segments.set_durable_end(self.end());
        Ok(())
    }

    /// Starts a new segment at the current end; the old one is complete and synced.
    fn rotate(&mut self) -> Result<(), String> {
        let base = self.end();
        let dir = self.segments.dir().to_owned();
        let path = segment_path(&dir, base);
        let open = || -> Result<(File, File), crate::ProfileError> {
            let file = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(&path)
                .map_err(io_error(&path))?;
            sync_dir(&dir)?;
            let reader = File::open(&path).map_err(io_error(&path))?;
            Ok((file, reader))
        };
        let (file, reader) = open().map_err(|e| e.to_string())?;
        self.segments.add(base, reader);
        tracing::debug!(path = %path.display(), "journal segment started");
        self.file = file;
        self.base = base;
        self.len = 0;
        Ok(())
    }
}
