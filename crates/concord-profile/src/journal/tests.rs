//! The journal's promises on one segment: acknowledged records survive, a torn end is cut,
//! corruption refuses to open, concurrent appends get positions in disk order, a failed write stops.

use super::*;
use std::io::Write;

pub(super) type TestResult = Result<(), Box<dyn std::error::Error>>;

impl JournalCodec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())
    }
}

pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A journal, what its replay saw, and the replay's summary.
pub(super) type Opened = (Journal<String>, Vec<(Position, String)>, JournalReplay);

/// Opens `dir` from `from`.
pub(super) fn open_from(
    dir: &Path,
    options: JournalOptions,
    from: Position,
) -> Result<Opened, ProfileError> {
    let mut seen = Vec::new();
    let (journal, stats) = Journal::open(dir, options, from, |p, r| seen.push((p, r)))?;
    Ok((journal, seen, stats))
}

pub(super) fn reopen(dir: &Path) -> Result<(Vec<String>, JournalReplay), ProfileError> {
    let (_journal, seen, stats) = open_from(dir, JournalOptions::default(), Position(0))?;
    Ok((seen.into_iter().map(|(_, r)| r).collect(), stats))
}

/// The frame `record` becomes.
pub(super) fn frame(record: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    FrameWriter::new(&mut bytes, 0).push(&record.to_owned());
    bytes
}

fn first_segment(dir: &Path) -> std::path::PathBuf {
    segment::segment_path(dir, 0)
}

fn append_raw(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)?
        .write_all(bytes)
}

#[test]
fn acknowledged_records_survive_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let positions = {
        let (journal, _) = Journal::<String>::open(
            dir.path(),
            JournalOptions::default(),
            Position(0),
            |_, _| {},
        )?;
        let mut positions = journal.append_blocking(&strings(&["a", "bb"]))?;
        positions.extend(journal.append_blocking(&strings(&["c"]))?);
        positions
    };
    // Frames are back to back: 8 header bytes plus the payload.
    assert_eq!(positions, [Position(0), Position(9), Position(19)]);
    let (_journal, seen, stats) = open_from(dir.path(), JournalOptions::default(), Position(0))?;
    let expected: Vec<_> = positions
        .into_iter()
        .zip(strings(&["a", "bb", "c"]))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(
        stats,
        JournalReplay {
            records: 3,
            truncated_bytes: 0,
            end: Position(28)
        }
    );
    Ok(())
}

#[test]
fn torn_last_record_is_cut_and_appends_continue() -> TestResult {
    let dir = tempfile::tempdir()?;
    let torn: &[&[u8]] = &[
        &[7, 0],                         // a partial header
        &frame("torn")[..10],            // a payload cut short
        &[0; 64], // zeros a file system left past the end: never a valid frame
        &[9, 0, 0, 0, 1, 2, 3, 4, b'x'], // garbage whose length runs past the end
    ];
    for tail in torn {
        std::fs::remove_dir_all(dir.path())?;
        {
            let (journal, _) = Journal::<String>::open(
                dir.path(),
                JournalOptions::default(),
                Position(0),
                |_, _| {},
            )?;
            journal.append_blocking(&strings(&["kept"]))?;
        }
        append_raw(&first_segment(dir.path()), tail)?;
        {
            let (journal, seen, stats) =
                open_from(dir.path(), JournalOptions::default(), Position(0))?;
            assert_eq!(seen.len(), 1);
            assert_eq!(stats.truncated_bytes, tail.len() as u64, "{tail:?}");
            assert_eq!(stats.end, Position(12));
            journal.append_blocking(&strings(&["after"]))?;
        }
        let (seen, _) = reopen(dir.path())?;
        assert_eq!(seen, ["kept", "after"]);
    }
    Ok(())
}

#[test]
fn corruption_before_good_records_refuses_to_open() -> TestResult {
    let check = |prefix: &[u8], record: u64, offset: u64| -> TestResult {
        let dir = tempfile::tempdir()?;
        drop(Journal::<String>::open(
            dir.path(),
            JournalOptions::default(),
            Position(0),
            |_, _| {},
        )?);
        let mut bytes = prefix.to_vec();
        bytes.extend(frame("good"));
        append_raw(&first_segment(dir.path()), &bytes)?;
        let err = reopen(dir.path()).expect_err("corrupt journal must not open");
        assert!(
            matches!(err, ProfileError::JournalCorrupt { record: r, offset: o, .. } if r == record && o == offset),
            "{err}"
        );
        Ok(())
    };
    let mut flipped = frame("bad!");
    flipped[9] ^= 1;
    check(&flipped, 0, 0)?;
    let mut second = frame("ok");
    second.extend(&flipped);
    check(&second, 1, 10)?;
    // A length flipped to run into the next frame: the CRC covers the length, so it is caught.
    let mut long = frame("bad!");
    long[0] += 1;
    check(&long, 0, 0)
}

#[test]
fn a_frame_that_checks_but_does_not_decode_is_corruption() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(Journal::<String>::open(
        dir.path(),
        JournalOptions::default(),
        Position(0),
        |_, _| {},
    )?);
    let mut bytes = Vec::new();
    let payload = [0xff, 0xfe];
    bytes.extend(2u32.to_le_bytes());
    bytes.extend(frame::frame_crc(2, &payload).to_le_bytes());
    bytes.extend(payload);
    append_raw(&first_segment(dir.path()), &bytes)?;
    let err = reopen(dir.path()).expect_err("undecodable record must not be cut");
    assert!(matches!(err, ProfileError::JournalCorrupt { .. }), "{err}");
    Ok(())
}

#[test]
fn concurrent_appends_get_positions_in_disk_order() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut acked = Vec::new();
    {
        let (journal, _) = Journal::<String>::open(
            dir.path(),
            JournalOptions { segment_bytes: 700 },
            Position(0),
            |_, _| {},
        )?;
        let journal = Arc::new(journal);
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    for i in 0..50 {
                        let record = format!("{t}-{i}");
                        let positions = journal.append_blocking(std::slice::from_ref(&record))?;
                        acked.push((positions[0], record));
                    }
                    Ok::<_, ProfileError>(acked)
                })
            })
            .collect();
        for handle in handles {
            acked.extend(handle.join().map_err(|_| "appender panicked")??);
        }
        for (position, record) in &acked {
            assert_eq!(&journal.read_at(*position)?, record);
        }
    }
    acked.sort();
    let (_journal, seen, stats) = open_from(dir.path(), JournalOptions::default(), Position(0))?;
    assert_eq!(seen, acked);
    assert_eq!(stats.records, 400);
    assert!(
        std::fs::read_dir(dir.path())?.count() > 1,
        "rotated under load"
    );
    Ok(())
}

#[test]
fn append_with_knows_each_position_before_writing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (journal, _) = Journal::<String>::open(
        dir.path(),
        JournalOptions::default(),
        Position(0),
        |_, _| {},
    )?;
    journal.append_blocking(&strings(&["x"]))?;
    let mut previous = None;
    let done = journal.append_with(|frames| {
        for _ in 0..3 {
            // Each record names the one before it.
            let record = format!("after {:?}", previous.map(|Position(p)| p));
            previous = Some(frames.push(&record));
        }
    })?;
    assert_eq!(journal.wait_blocking(done)?, Position(9));
    assert_eq!(journal.read_at(Position(9 + 8 + 10))?, "after Some(9)");
    assert_eq!(journal.end(), journal.durable_end());
    Ok(())
}

#[test]
fn a_failed_write_fails_its_waiters_and_every_later_append() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("read-only");
    std::fs::write(&path, b"")?;
    let failed = Arc::new(OnceLock::new());
    let writer = Writer {
        segments: Arc::new(Segments::new(dir.path().to_owned(), Default::default(), 0)),
        failed: failed.clone(),
        file: std::fs::File::open(&path)?, // not writable
        base: 0,
        len: 0,
        segment_bytes: 1 << 20,
    };
    let (tx, rx) = mpsc::channel();
    let (ack, done) = oneshot::channel();
    tx.send(Pending {
        first: 0,
        bytes: frame("lost"),
        ack,
    })?;
    drop(tx);
    writer.run(rx);
    assert!(done.blocking_recv()?.is_err());
    assert!(failed.get().is_some(), "the journal is marked failed");

    // A journal marked failed takes no more appends.
    let (journal, _) = Journal::<String>::open(
        &dir.path().join("j"),
        JournalOptions::default(),
        Position(0),
        |_, _| {},
    )?;
    let _ = journal.failed.set("disk gone".into());
    let err = journal
        .append_blocking(&strings(&["x"]))
        .expect_err("fail-stop");
    assert!(matches!(err, ProfileError::JournalFailed(_)), "{err}");
    assert_eq!(
        journal.end(),
        Position(0),
        "a refused append takes no position"
    );
    Ok(())
}
