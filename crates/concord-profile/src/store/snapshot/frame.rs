//! The frame every snapshot blob shares: a format version byte and a kind byte in front, an
//! xxh3-64 of everything before it behind, so a flipped or missing byte is an error, not a
//! silently different store.

use super::bytes::{Input, Le, put};
use crate::error::SnapshotError;

/// The snapshot format this build writes and reads.
pub(crate) const VERSION: u8 = 1;
const HEADER: usize = 2;
const TRAILER: usize = 8;

/// What a blob holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Shard = b'S' as isize,
    Symbols = b'Y' as isize,
    Dedup = b'D' as isize,
}

impl Kind {
    fn name(byte: u8) -> &'static str {
        match byte {
            b'S' => "shard",
            b'Y' => "symbols",
            b'D' => "dedup",
            _ => "unknown",
        }
    }
}

/// Starts a blob of `kind` at the end of `out`; returns where it starts, for [`seal`].
pub(crate) fn begin(out: &mut Vec<u8>, kind: Kind) -> usize {
    let start = out.len();
    out.push(VERSION);
    out.push(kind as u8);
    start
}

/// Ends the blob that starts at `start` with its checksum.
pub(crate) fn seal(out: &mut Vec<u8>, start: usize) {
    let sum = twox_hash::XxHash3_64::oneshot(out.get(start..).unwrap_or_default());
    put(out, sum);
}

/// Checks version, kind and checksum; returns a cursor over the body (offsets from the blob's
/// start).
pub(crate) fn open<'a>(
    bytes: &'a [u8],
    kind: Kind,
    context: &dyn Fn() -> String,
) -> Result<Input<'a>, SnapshotError> {
    let corrupt = |offset: usize, reason: String| SnapshotError::Corrupt {
        context: context(),
        offset,
        reason,
    };
    let Some(&version) = bytes.first() else {
        return Err(corrupt(0, "empty".into()));
    };
    if version != VERSION {
        return Err(SnapshotError::UnknownVersion {
            context: context(),
            found: version,
            supported: VERSION,
        });
    }
    if bytes.len() < HEADER + TRAILER {
        return Err(corrupt(
            bytes.len(),
            format!(
                "truncated ({} bytes: shorter than any snapshot)",
                bytes.len()
            ),
        ));
    }
    let found = bytes[1];
    if found != kind as u8 {
        return Err(corrupt(
            1,
            format!(
                "a {} snapshot, not a {} snapshot",
                Kind::name(found),
                Kind::name(kind as u8)
            ),
        ));
    }
    let (body, trailer) = bytes.split_at(bytes.len() - TRAILER);
    let stored = u64::get(trailer);
    let computed = twox_hash::XxHash3_64::oneshot(body);
    if stored != computed {
        return Err(corrupt(
            body.len(),
            format!(
                "checksum mismatch (stored {stored:016x}, computed {computed:016x}): the blob is corrupt or truncated"
            ),
        ));
    }
    Ok(Input::new(body, HEADER))
}
