//! The append-only journal with group commit: a record is acknowledged only once it is on disk.
//!
//! Format: one record per line, `<crc32 as 8 hex digits> <json>\n`. A torn last line (a crash mid
//! write) is cut off on open; a bad line followed by good ones is corruption and refuses to open.

use crate::error::ProfileError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use tokio::sync::oneshot;

type Ack = oneshot::Sender<Result<(), String>>;

struct Pending {
    bytes: Vec<u8>,
    ack: Ack,
}

/// What opening the journal found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JournalReplay {
    pub records: u64,
    /// Bytes of a torn final record that were cut off.
    pub truncated_bytes: u64,
}

/// A typed journal. Appends from many threads share one fsync (group commit).
pub struct Journal<T> {
    path: PathBuf,
    tx: mpsc::Sender<Pending>,
    _records: PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for Journal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

impl<T: Serialize + DeserializeOwned> Journal<T> {
    /// Opens (or creates) the journal at `path`, feeding every stored record to `replay` in order.
    pub fn open(
        path: &Path,
        mut replay: impl FnMut(T),
    ) -> Result<(Self, JournalReplay), ProfileError> {
        let io_err = |source| ProfileError::JournalIo {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(io_err)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_err)?;

        let mut stats = JournalReplay::default();
        let mut offset = 0usize;
        while offset < bytes.len() {
            let end = bytes[offset..].iter().position(|&b| b == b'\n');
            let line_end = end.map_or(bytes.len(), |e| offset + e);
            let decoded = end
                .ok_or_else(|| "no line end".to_owned())
                .and_then(|_| decode::<T>(&bytes[offset..line_end]));
            match decoded {
                Ok(record) => {
                    replay(record);
                    stats.records += 1;
                    offset = line_end + 1;
                }
                Err(reason) => {
                    // Only the last line may be bad: that is a write the crash cut short.
                    let is_last = bytes[line_end..]
                        .iter()
                        .skip(1)
                        .all(|b| b.is_ascii_whitespace());
                    if !is_last {
                        return Err(ProfileError::JournalCorrupt {
                            path: path.to_owned(),
                            record: stats.records,
                            offset: offset as u64,
                            reason,
                        });
                    }
                    stats.truncated_bytes = (bytes.len() - offset) as u64;
                    file.set_len(offset as u64).map_err(io_err)?;
                    file.seek(SeekFrom::End(0)).map_err(io_err)?;
                    tracing::warn!(path = %path.display(), bytes = stats.truncated_bytes, "cut a torn record off the journal's end");
                    break;
                }
            }
        }

        let (tx, rx) = mpsc::channel::<Pending>();
        let writer_path = path.to_owned();
        std::thread::Builder::new()
            .name("concord-journal".into())
            .spawn(move || write_loop(file, &writer_path, rx))
            .map_err(io_err)?;
        Ok((
            Self {
                path: path.to_owned(),
                tx,
                _records: PhantomData,
            },
            stats,
        ))
    }

    /// Queues `records` and returns a receiver that resolves once they are durable.
    pub fn append(
        &self,
        records: &[T],
    ) -> Result<oneshot::Receiver<Result<(), String>>, ProfileError> {
        let mut bytes = Vec::new();
        for record in records {
            encode(record, &mut bytes)?;
        }
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Pending { bytes, ack })
            .map_err(|_| ProfileError::JournalClosed)?;
        Ok(done)
    }

    /// Appends and waits, from async code, until the records are on disk.
    pub async fn append_durable(&self, records: &[T]) -> Result<(), ProfileError> {
        let done = self.append(records)?;
        self.finish(done.await)
    }

    /// Appends and waits, from a plain thread, until the records are on disk.
    pub fn append_blocking(&self, records: &[T]) -> Result<(), ProfileError> {
        let done = self.append(records)?;
        self.finish(done.blocking_recv())
    }

    fn finish(
        &self,
        outcome: Result<Result<(), String>, oneshot::error::RecvError>,
    ) -> Result<(), ProfileError> {
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(ProfileError::JournalIo {
                path: self.path.clone(),
                source: std::io::Error::other(message),
            }),
            Err(_) => Err(ProfileError::JournalClosed),
        }
    }
}

fn encode<T: Serialize>(record: &T, out: &mut Vec<u8>) -> Result<(), ProfileError> {
    let json = serde_json::to_vec(record)?;
    let crc = crc32fast::hash(&json);
    out.extend_from_slice(format!("{crc:08x} ").as_bytes());
    out.extend_from_slice(&json);
    out.push(b'\n');
    Ok(())
}

fn decode<T: DeserializeOwned>(line: &[u8]) -> Result<T, String> {
    if line.len() < 9 || line[8] != b' ' {
        return Err("missing checksum".into());
    }
    let crc_text = std::str::from_utf8(&line[..8]).map_err(|_| "checksum is not text")?;
    let crc = u32::from_str_radix(crc_text, 16).map_err(|_| "checksum is not hex")?;
    let json = &line[9..];
    if crc32fast::hash(json) != crc {
        return Err("checksum mismatch".into());
    }
    serde_json::from_slice(json).map_err(|e| format!("undecodable record: {e}"))
}

/// The single writer: drains every queued append, writes them, syncs once, acknowledges all.
fn write_loop(mut file: File, path: &Path, rx: mpsc::Receiver<Pending>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut outcome = Ok(());
        for pending in &batch {
            if let Err(e) = file.write_all(&pending.bytes) {
                outcome = Err(e);
                break;
            }
        }
        let outcome = outcome.and_then(|()| file.sync_data());
        if let Err(e) = &outcome {
            tracing::error!(path = %path.display(), error = %e, "journal write failed");
        }
        for pending in batch {
            // A dropped receiver means the caller stopped waiting; nothing to tell it.
            let _ = pending
                .ack
                .send(outcome.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reopen(path: &Path) -> Result<(Vec<String>, JournalReplay), ProfileError> {
        let mut seen = Vec::new();
        let (_journal, stats) = Journal::<String>::open(path, |r| seen.push(r))?;
        Ok((seen, stats))
    }

    #[test]
    fn acknowledged_records_survive_reopen() -> Result<(), ProfileError> {
        let dir = tempfile::tempdir().map_err(|source| ProfileError::JournalIo {
            path: PathBuf::new(),
            source,
        })?;
        let path = dir.path().join("journal");
        {
            let (journal, _) = Journal::<String>::open(&path, |_| {})?;
            journal.append_blocking(&["a".to_owned(), "b".to_owned()])?;
            journal.append_blocking(&["c".to_owned()])?;
        }
        let (seen, stats) = reopen(&path)?;
        assert_eq!(seen, vec!["a", "b", "c"]);
        assert_eq!(stats.records, 3);
        Ok(())
    }

    #[test]
    fn torn_last_record_is_cut_and_appends_continue() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("journal");
        {
            let (journal, _) = Journal::<String>::open(&path, |_| {})?;
            journal.append_blocking(&["kept".to_owned()])?;
        }
        let mut file = OpenOptions::new().append(true).open(&path)?;
        file.write_all(b"0000abcd \"torn")?;
        drop(file);
        {
            let (journal, stats) = Journal::<String>::open(&path, |_| {})?;
            assert_eq!(stats.records, 1);
            assert_eq!(stats.truncated_bytes, 14);
            journal.append_blocking(&["after".to_owned()])?;
        }
        let (seen, _) = reopen(&path)?;
        assert_eq!(seen, vec!["kept", "after"]);
        Ok(())
    }

    #[test]
    fn corruption_before_good_records_refuses_to_open() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("journal");
        std::fs::write(&path, b"deadbeef \"bad\"\n")?;
        {
            // Append a good record after the bad one.
            let mut good = Vec::new();
            encode(&"good".to_owned(), &mut good)?;
            let mut file = OpenOptions::new().append(true).open(&path)?;
            file.write_all(&good)?;
        }
        let err = reopen(&path).expect_err("corrupt journal must not open");
        assert!(
            matches!(err, ProfileError::JournalCorrupt { record: 0, .. }),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn concurrent_appends_are_all_durable() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("journal");
        {
            let (journal, _) = Journal::<String>::open(&path, |_| {})?;
            let journal = std::sync::Arc::new(journal);
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let journal = journal.clone();
                    std::thread::spawn(move || {
                        for i in 0..50 {
                            journal.append_blocking(&[format!("{t}-{i}")])?;
                        }
                        Ok::<(), ProfileError>(())
                    })
                })
                .collect();
            for handle in handles {
                handle.join().map_err(|_| "writer thread panicked")??;
            }
        }
        let (seen, _) = reopen(&path)?;
        assert_eq!(seen.len(), 400);
        Ok(())
    }
}
