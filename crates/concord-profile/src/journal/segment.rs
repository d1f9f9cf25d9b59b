//! Segment files: `<dir>/<20-digit position of the first frame>.seg`, and the set of them that
//! random reads ([`Segments::read_at`]) and trimming ([`Segments::remove_before`]) work on.

use super::frame::{FRAME_HEADER, frame_crc, parse_header};
use super::{JournalCodec, Position};
use crate::error::ProfileError;
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const SUFFIX: &str = ".seg";

/// The file holding the segment whose first frame is at `base`.
pub(super) fn segment_path(dir: &Path, base: u64) -> PathBuf {
    dir.join(format!("{base:020}{SUFFIX}"))
}

/// The base position a segment file's name encodes, if it is a segment's name.
pub(super) fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ProfileError + '_ {
    move |source| ProfileError::JournalIo {
        path: path.to_owned(),
        source,
    }
}

/// Makes the folder's entries (a created or removed segment) durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), ProfileError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

/// The live segments (read handles by base position) and how far the journal is durable.
#[derive(Debug)]
pub(super) struct Segments {
    dir: PathBuf,
    files: RwLock<BTreeMap<u64, Arc<File>>>,
    durable_end: AtomicU64,
}

impl Segments {
    pub(super) fn new(dir: PathBuf, files: BTreeMap<u64, Arc<File>>, end: u64) -> Self {
        Self {
            dir,
            files: RwLock::new(files),
            durable_end: AtomicU64::new(end),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Registers a segment the writer just created, before anything is written to it.
    pub(super) fn add(&self, base: u64, file: File) {
        self.files.write().insert(base, Arc::new(file));
    }

    /// Called by the writer after each fdatasync.
    pub(super) fn set_durable_end(&self, end: u64) {
        self.durable_end.store(end, Ordering::Release);
    }

    pub(super) fn durable_end(&self) -> u64 {
        self.durable_end.load(Ordering::Acquire)
    }

    /// Reads and decodes the durable frame at `position`.
    pub(super) fn read_at<T: JournalCodec>(&self, position: Position) -> Result<T, ProfileError> {
        let fail = |reason: String| ProfileError::JournalRead {
            position: position.0,
            reason,
        };
        let durable = self.durable_end();
        if position.0 >= durable {
            return Err(fail(format!("not durable (the journal ends at {durable})")));
        }
        let (base, file, segment_end) = {
            let files = self.files.read();
            let Some((&base, file)) = files.range(..=position.0).next_back() else {
                let start = files.keys().next().copied().unwrap_or(durable);
                return Err(fail(format!("removed (the journal starts at {start})")));
            };
            let next = files.range(position.0 + 1..).next().map(|(&b, _)| b);
            (base, file.clone(), next.unwrap_or(durable))
        };
        let offset = position.0 - base;
        let room = segment_end - position.0;
        let mut header = [0u8; FRAME_HEADER];
        if room < FRAME_HEADER as u64 {
            return Err(fail("not on a frame boundary: no room for a header".into()));
        }
        file.read_exact_at(&mut header, offset).map_err(|e| {
            fail(format!(
                "reading {}: {e}",
                segment_path(&self.dir, base).display()
            ))
        })?;
        let (len, crc) = parse_header(header);
        if u64::from(len) > room - FRAME_HEADER as u64 {
            return Err(fail(
                "not on a frame boundary: length runs past the segment".into(),
            ));
        }
        let mut payload = vec![0u8; len as usize];
        file.read_exact_at(&mut payload, offset + FRAME_HEADER as u64)
            .map_err(|e| {
                fail(format!(
                    "reading {}: {e}",
                    segment_path(&self.dir, base).display()
                ))
            })?;
        if frame_crc(len, &payload) != crc {
            return Err(fail("not on a frame boundary: checksum mismatch".into()));
        }
        T::decode(&payload).map_err(|e| fail(format!("undecodable record: {e}")))
    }

    /// Deletes the segments that end at or before `position`, never the last (active) one.
    pub(super) fn remove_before(&self, position: Position) -> Result<u64, ProfileError> {
        let mut files = self.files.write();
        let bases: Vec<u64> = files.keys().copied().collect();
        let mut removed = 0;
        for pair in bases.windows(2) {
            let (base, end) = (pair[0], pair[1]);
            if end > position.0 {
                break;
            }
            let path = segment_path(&self.dir, base);
            std::fs::remove_file(&path).map_err(io_error(&path))?;
            files.remove(&base);
            removed += 1;
        }
        if removed > 0 {
            sync_dir(&self.dir)?;
        }
        Ok(removed)
    }
}
