//! Opening the journal folder: list the segments, check they are contiguous, replay every frame
//! at or after `from`, and cut a torn tail off the last segment.
//!
//! Only the last segment may end badly (a crash cut its last write short); a bad frame anywhere
//! else, or one followed by a good frame, is corruption and the journal refuses to open.

use super::chunks::Chunks;
use super::frame::{FRAME_HEADER, frame_crc, parse_header};
use super::segment::{io_error, parse_segment_name, segment_path, sync_dir};
use super::{JournalCodec, JournalReplay, Position};
use crate::error::ProfileError;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the writer and the readers start from.
pub(super) struct Opened {
    pub(super) readers: BTreeMap<u64, Arc<File>>,
    /// The last segment, opened for appending.
    pub(super) active: File,
    pub(super) active_base: u64,
    pub(super) active_len: u64,
    pub(super) stats: JournalReplay,
}

/// A segment file found in the folder.
struct Found {
    base: u64,
    path: PathBuf,
    len: u64,
}

pub(super) fn open_dir<T: JournalCodec>(
    dir: &Path,
    from: u64,
    replay: &mut impl FnMut(Position, T),
) -> Result<Opened, ProfileError> {
    let layout = |reason: String| ProfileError::JournalLayout {
        path: dir.to_owned(),
        reason,
    };
    let mut segments = list(dir)?;
    if segments.is_empty() {
        let path = segment_path(dir, 0);
        File::create_new(&path).map_err(io_error(&path))?;
        sync_dir(dir)?;
        segments.push(Found {
            base: 0,
            path,
            len: 0,
        });
    }
    for pair in segments.windows(2) {
        if pair[0].base + pair[0].len != pair[1].base {
            return Err(layout(format!(
                "{} ends at position {} but the next segment starts at {}",
                pair[0].path.display(),
                pair[0].base + pair[0].len,
                pair[1].base
            )));
        }
    }
    let start = segments[0].base;
    if from < start {
        return Err(layout(format!(
            "replay from position {from} needs records that were removed; the journal starts at {start}"
        )));
    }

    let mut stats = JournalReplay::default();
    let last = segments.len() - 1;
    let mut active_len = 0;
    for (i, segment) in segments.iter().enumerate() {
        // A segment that ends at or before `from` is not read at all.
        if i < last && segments[i + 1].base <= from {
            continue;
        }
        let file = File::open(&segment.path).map_err(io_error(&segment.path))?;
        let scan = scan(&file, segment, from, &mut stats, replay)?;
        let Some(bad) = scan else {
            active_len = segment.len;
            continue;
        };
        let corrupt = |reason: String| ProfileError::JournalCorrupt {
            path: segment.path.clone(),
            record: bad.index,
            offset: bad.offset,
            reason,
        };
        if i != last {
            return Err(corrupt(format!("{} (not the last segment)", bad.reason)));
        }
        if let Some(good) =
            good_frame_after(&file, bad.offset, segment.len).map_err(io_error(&segment.path))?
        {
            return Err(corrupt(format!(
                "{}, and a good frame follows at byte {good}",
                bad.reason
            )));
        }
        cut(&segment.path, bad.offset)?;
        stats.truncated_bytes = segment.len - bad.offset;
        tracing::warn!(path = %segment.path.display(), offset = bad.offset, bytes = stats.truncated_bytes, reason = %bad.reason, "cut a torn record off the journal's end");
        active_len = bad.offset;
    }
    let active = &segments[last];
    let end = active.base + active_len;
    if from > end {
        return Err(layout(format!(
            "replay from position {from} is past the journal's end {end}"
        )));
    }
    stats.end = Position(end);
    let mut readers = BTreeMap::new();
    for segment in &segments {
        let file = File::open(&segment.path).map_err(io_error(&segment.path))?;
        readers.insert(segment.base, Arc::new(file));
    }
    let writer = OpenOptions::new()
        .append(true)
        .open(&active.path)
        .map_err(io_error(&active.path))?;
    Ok(Opened {
        readers,
        active: writer,
        active_base: active.base,
        active_len,
        stats,
    })
}

/// The folder's segments, by base position; creates the folder if it is missing.
fn list(dir: &Path) -> Result<Vec<Found>, ProfileError> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(base) = name.to_str().and_then(parse_segment_name) else {
            tracing::warn!(dir = %dir.display(), file = ?name, "ignoring a file that is not a journal segment");
            continue;
        };
        let path = entry.path();
        let len = entry.metadata().map_err(io_error(&path))?.len();
        found.push(Found { base, path, len });
    }
    found.sort_by_key(|f| f.base);
    Ok(found)
}

/// Where a segment's frames stopped being good.
struct Bad {
    index: u64,
    offset: u64,
    reason: String,
}

/// Walks one segment's frames, replaying those at or after `from`. `Ok(Some(bad))` when a frame
/// is torn or fails its CRC; a frame whose CRC holds but doesn't decode is always corruption.
fn scan<T: JournalCodec>(
    file: &File,
    segment: &Found,
    from: u64,
    stats: &mut JournalReplay,
    replay: &mut impl FnMut(Position, T),
) -> Result<Option<Bad>, ProfileError> {
    let mut chunks = Chunks::new(file, segment.len);
    let (mut offset, mut index) = (0u64, 0u64);
    while offset < segment.len {
        let bad = |reason: &str| {
            Ok(Some(Bad {
                index,
                offset,
                reason: reason.to_owned(),
            }))
        };
        let room = segment.len - offset;
        if room < FRAME_HEADER as u64 {
            return bad("a partial frame header");
        }
        let mut header = [0u8; FRAME_HEADER];
        header.copy_from_slice(chunks.fill(FRAME_HEADER).map_err(io_error(&segment.path))?);
        let (len, crc) = parse_header(header);
        let frame = FRAME_HEADER as u64 + u64::from(len);
        if frame > room {
            return bad("a frame that runs past the segment's end");
        }
        let position = segment.base + offset;
        if position < from {
            if position + frame > from {
                return Err(ProfileError::JournalRead {
                    position: from,
                    reason: "replay must start on a frame boundary".into(),
                });
            }
        } else {
            let bytes = chunks
                .fill(frame as usize)
                .map_err(io_error(&segment.path))?;
            let payload = &bytes[FRAME_HEADER..];
            if frame_crc(len, payload) != crc {
                return bad("checksum mismatch");
            }
            let record = T::decode(payload).map_err(|reason| ProfileError::JournalCorrupt {
                path: segment.path.clone(),
                record: index,
                offset,
                reason: format!("checksum holds but the record does not decode: {reason}"),
            })?;
            replay(Position(position), record);
            stats.records += 1;
        }
        chunks.skip(frame).map_err(io_error(&segment.path))?;
        offset += frame;
        index += 1;
    }
    Ok(None)
}

/// The offset of a frame with a valid CRC anywhere after the bad one at `bad`, if any. Reads the
/// rest of the segment into memory; it runs only when opening found a bad frame.
fn good_frame_after(file: &File, bad: u64, len: u64) -> std::io::Result<Option<u64>> {
    let mut tail = vec![0u8; (len - bad) as usize];
    file.read_exact_at(&mut tail, bad)?;
    for start in 1..tail.len() {
        let mut header = [0u8; FRAME_HEADER];
        match tail.get(start..start + FRAME_HEADER) {
            Some(bytes) => header.copy_from_slice(bytes),
            None => break,
        }
        let (frame_len, crc) = parse_header(header);
        let payload = start + FRAME_HEADER;
        if let Some(payload) = tail.get(payload..payload + frame_len as usize)
            && frame_crc(frame_len, payload) == crc
        {
            return Ok(Some(bad + start as u64));
        }
    }
    Ok(None)
}

/// Truncates the last segment to its last good frame, durably.
fn cut(path: &Path, len: u64) -> Result<(), ProfileError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io_error(path))?;
    file.set_len(len).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}
