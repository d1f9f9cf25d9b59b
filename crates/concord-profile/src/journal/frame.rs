//! The frame: `[u32 LE payload length][u32 LE crc32][payload]`, and [`FrameWriter`], which lays
//! frames out in a buffer and tells each record its position.
//!
//! The CRC covers the four length bytes and then the payload. Covering the length means a flipped
//! length bit is caught, and an all-zero region (what a file system may leave past a crash) is
//! never a valid empty frame: the CRC of four zero bytes is not zero.

use super::{JournalCodec, Position};
use std::marker::PhantomData;

/// Bytes before a frame's payload: the length, then the CRC.
pub const FRAME_HEADER: usize = 8;

/// The CRC a frame with this payload carries.
pub(super) fn frame_crc(len: u32, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&len.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// A frame header as read: `(payload length, crc)`.
pub(super) fn parse_header(header: [u8; FRAME_HEADER]) -> (u32, u32) {
    let [a, b, c, d, e, f, g, h] = header;
    (
        u32::from_le_bytes([a, b, c, d]),
        u32::from_le_bytes([e, f, g, h]),
    )
}

/// Encodes records into frames in one buffer. Each [`push`](FrameWriter::push) returns the
/// position the record will have in the journal, so a record can refer to the ones before it.
pub struct FrameWriter<'a, T> {
    out: &'a mut Vec<u8>,
    /// The global position of `out[0]`.
    base: u64,
    /// The payload size of a record too large for a frame, if one was pushed.
    oversized: Option<usize>,
    _records: PhantomData<fn(&T)>,
}

impl<T> std::fmt::Debug for FrameWriter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameWriter")
            .field("base", &self.base)
            .field("bytes", &self.out.len())
            .finish()
    }
}

impl<'a, T: JournalCodec> FrameWriter<'a, T> {
    /// Frames go into `out` (expected empty), whose first byte will sit at position `base`.
    pub(super) fn new(out: &'a mut Vec<u8>, base: u64) -> Self {
        Self {
            out,
            base,
            oversized: None,
            _records: PhantomData,
        }
    }

    /// Encodes `record` as the next frame and returns its position.
    pub fn push(&mut self, record: &T) -> Position {
        let start = self.out.len();
        let position = Position(self.base + start as u64);
        self.out.extend_from_slice(&[0; FRAME_HEADER]);
        record.encode(self.out);
        let payload = &self.out[start + FRAME_HEADER..];
        let Ok(len) = u32::try_from(payload.len()) else {
            // Reported by `finish`; the append then fails as a whole and nothing is written.
            self.oversized = Some(payload.len());
            self.out.truncate(start);
            return position;
        };
        let crc = frame_crc(len, payload);
        self.out[start..start + 4].copy_from_slice(&len.to_le_bytes());
        self.out[start + 4..start + FRAME_HEADER].copy_from_slice(&crc.to_le_bytes());
        position
    }

    /// The position the next pushed record will get.
    pub fn next_position(&self) -> Position {
        Position(self.base + self.out.len() as u64)
    }

    /// Fails if any pushed record was too large for a frame (4 GiB).
    pub(super) fn finish(self) -> Result<(), crate::ProfileError> {
        match self.oversized {
            Some(bytes) => Err(crate::ProfileError::RecordTooLarge { bytes }),
            None => Ok(()),
        }
    }
}
