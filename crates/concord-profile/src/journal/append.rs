//! Appending: encode in the caller's thread, take a position and queue under one short lock, and
//! wait for the writer's acknowledgement (async or blocking).

use super::frame::FrameWriter;
use super::writer::Pending;
use super::{Durable, Journal, JournalCodec, Position, Sequencer};
use crate::error::ProfileError;
use tokio::sync::oneshot;

impl<T: JournalCodec> Journal<T> {
    /// Queues `records` (encoded here, in the caller's thread) and returns a receiver that
    /// resolves to the first record's position once all of them are durable.
    pub fn append(&self, records: &[T]) -> Result<Durable, ProfileError> {
        Ok(self.append_frames(records)?.0)
    }

    /// Appends and waits, from async code, until the records are on disk; returns each one's
    /// position.
    pub async fn append_durable(&self, records: &[T]) -> Result<Vec<Position>, ProfileError> {
        let (done, offsets) = self.append_frames(records)?;
        let first = self.wait(done).await?;
        Ok(offsets.into_iter().map(|o| Position(first.0 + o)).collect())
    }

    /// Appends and waits, from a plain thread, until the records are on disk; returns each one's
    /// position.
    pub fn append_blocking(&self, records: &[T]) -> Result<Vec<Position>, ProfileError> {
        let (done, offsets) = self.append_frames(records)?;
        let first = self.wait_blocking(done)?;
        Ok(offsets.into_iter().map(|o| Position(first.0 + o)).collect())
    }

    /// Appends whatever `build` pushes, with each record's position known as it is pushed, so a
    /// record can name the position of one before it.
    ///
    /// `build` runs while holding the journal's sequencing mutex, the lock every append takes to
    /// get its position: other appends wait until it returns. Keep it to encoding; calling the
    /// journal from inside it deadlocks. If `build` panics nothing is appended.
    pub fn append_with(
        &self,
        build: impl FnOnce(&mut FrameWriter<'_, T>),
    ) -> Result<Durable, ProfileError> {
        let mut sequencer = self.sequencer.lock();
        self.check_open()?;
        let mut bytes = Vec::new();
        let mut frames = FrameWriter::new(&mut bytes, sequencer.next);
        build(&mut frames);
        frames.finish()?;
        send(&mut sequencer, bytes)
    }

    /// Waits, from async code, for an append's receiver.
    pub async fn wait(&self, done: Durable) -> Result<Position, ProfileError> {
        self.outcome(done.await)
    }

    /// Waits, from a plain thread, for an append's receiver.
    pub fn wait_blocking(&self, done: Durable) -> Result<Position, ProfileError> {
        self.outcome(done.blocking_recv())
    }

    /// Encodes outside the lock; returns the receiver and each frame's offset from the first.
    fn append_frames(&self, records: &[T]) -> Result<(Durable, Vec<u64>), ProfileError> {
        let mut bytes = Vec::new();
        let mut frames = FrameWriter::new(&mut bytes, 0);
        let offsets: Vec<u64> = records.iter().map(|r| frames.push(r).0).collect();
        frames.finish()?;
        let mut sequencer = self.sequencer.lock();
        self.check_open()?;
        Ok((send(&mut sequencer, bytes)?, offsets))
    }

    fn check_open(&self) -> Result<(), ProfileError> {
        match self.failed.get() {
            Some(reason) => Err(ProfileError::JournalFailed(reason.clone())),
            None => Ok(()),
        }
    }

    fn outcome(
        &self,
        outcome: Result<Result<Position, String>, oneshot::error::RecvError>,
    ) -> Result<Position, ProfileError> {
        match outcome {
            Ok(Ok(position)) => Ok(position),
            Ok(Err(reason)) => Err(ProfileError::JournalFailed(reason)),
            Err(_) => Err(ProfileError::JournalClosed),
        }
    }
}

/// Gives `bytes` the next position and queues them; the caller holds the sequencing lock.
fn send(sequencer: &mut Sequencer, bytes: Vec<u8>) -> Result<Durable, ProfileError> {
    let (ack, done) = oneshot::channel();
    let first = sequencer.next;
    if bytes.is_empty() {
        // Nothing to write is durable already.
        let _ = ack.send(Ok(Position(first)));
        return Ok(done);
    }
    let len = bytes.len() as u64;
    let tx = sequencer.tx.as_ref().ok_or(ProfileError::JournalClosed)?;
    tx.send(Pending { first, bytes, ack })
        .map_err(|_| ProfileError::JournalClosed)?;
    sequencer.next = first + len;
    Ok(done)
}
