//! Segments and positions: rotation, replay from a position, random reads, trimming, and a
//! replay-throughput measurement.

use super::tests::{TestResult, frame, open_from, reopen, strings};
use super::*;

/// Segment bases in `dir`, sorted.
fn bases(dir: &Path) -> std::io::Result<Vec<u64>> {
    let mut bases: Vec<u64> = std::fs::read_dir(dir)?
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()
                .and_then(segment::parse_segment_name)
        })
        .collect();
    bases.sort();
    Ok(bases)
}

/// Ten appends of one 10-byte record each (18-byte frames), in 40-byte segments.
fn ten_appends(dir: &Path) -> Result<Vec<Position>, ProfileError> {
    let (journal, _) = Journal::open(
        dir,
        JournalOptions { segment_bytes: 40 },
        Position(0),
        |_, _: String| {},
    )?;
    let mut positions = Vec::new();
    for i in 0..10 {
        positions.extend(journal.append_blocking(&[format!("record-{i:03}")])?);
    }
    Ok(positions)
}

#[test]
fn segments_rotate_at_append_boundaries_and_are_named_by_position() -> TestResult {
    let dir = tempfile::tempdir()?;
    let positions = ten_appends(dir.path())?;
    assert_eq!(
        positions,
        (0..10).map(|i| Position(18 * i)).collect::<Vec<_>>()
    );
    // A segment takes appends until it reaches 40 bytes: three 18-byte frames each.
    assert_eq!(bases(dir.path())?, [0, 54, 108, 162]);
    assert_eq!(
        std::fs::read_dir(dir.path())?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .min(),
        Some("00000000000000000000.seg".to_owned())
    );
    let (seen, stats) = reopen(dir.path())?;
    assert_eq!(seen.len(), 10);
    assert_eq!(stats.end, Position(180));
    Ok(())
}

#[test]
fn replay_from_a_position_skips_what_came_before_without_reading_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let positions = ten_appends(dir.path())?;
    // Garble the first segment's contents (not its length): unread, it can't matter.
    std::fs::write(segment::segment_path(dir.path(), 0), [0xAA; 54])?;
    let (journal, seen, stats) = open_from(dir.path(), JournalOptions::default(), positions[4])?;
    let replayed: Vec<Position> = seen.iter().map(|(p, _)| *p).collect();
    assert_eq!(replayed, positions[4..]);
    assert_eq!(seen[0].1, "record-004");
    assert_eq!(stats.records, 6);
    assert!(
        journal.read_at(positions[0]).is_err(),
        "the garbled frame is refused"
    );
    drop(journal);
    // From the end replays nothing; from 0 reads the garbled segment, which is not the last.
    let (_, seen, _) = open_from(dir.path(), JournalOptions::default(), Position(180))?;
    assert!(seen.is_empty());
    let err = reopen(dir.path()).expect_err("corruption in a non-last segment");
    assert!(
        matches!(
            err,
            ProfileError::JournalCorrupt {
                record: 0,
                offset: 0,
                ..
            }
        ),
        "{err}"
    );
    Ok(())
}

#[test]
fn replay_refuses_a_start_off_a_frame_boundary_or_past_the_end() -> TestResult {
    let dir = tempfile::tempdir()?;
    ten_appends(dir.path())?;
    for from in [Position(5), Position(60), Position(181)] {
        let err = open_from(dir.path(), JournalOptions::default(), from).expect_err("bad start");
        assert!(
            matches!(
                err,
                ProfileError::JournalRead { .. } | ProfileError::JournalLayout { .. }
            ),
            "{from:?}: {err}"
        );
    }
    Ok(())
}

#[test]
fn read_at_returns_durable_frames_and_refuses_anything_else() -> TestResult {
    let dir = tempfile::tempdir()?;
    let positions = ten_appends(dir.path())?;
    let (journal, _, _) = open_from(
        dir.path(),
        JournalOptions { segment_bytes: 40 },
        Position(0),
    )?;
    for (i, position) in positions.iter().enumerate() {
        assert_eq!(journal.read_at(*position)?, format!("record-{i:03}"));
    }
    let refused = |position: u64, reason: &str| {
        let err = journal.read_at(Position(position)).expect_err("refused");
        assert!(err.to_string().contains(reason), "{position}: {err}");
    };
    refused(1, "frame boundary");
    refused(50, "frame boundary");
    refused(180, "not durable");
    assert_eq!(journal.remove_before(Position(108))?, 2);
    assert_eq!(bases(dir.path())?, [108, 162]);
    refused(18, "removed");
    assert_eq!(journal.read_at(Position(108))?, "record-006");
    Ok(())
}

#[test]
fn remove_before_keeps_the_active_segment_and_replay_resumes_after_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    ten_appends(dir.path())?;
    {
        let (journal, _, _) = open_from(
            dir.path(),
            JournalOptions { segment_bytes: 40 },
            Position(0),
        )?;
        assert_eq!(
            journal.remove_before(Position(100))?,
            1,
            "only segments that end by 100"
        );
        assert_eq!(
            journal.remove_before(Position(u64::MAX))?,
            2,
            "never the active one"
        );
        assert_eq!(bases(dir.path())?, [162]);
        journal.append_blocking(&strings(&["more"]))?;
    }
    let (_, seen, stats) = open_from(dir.path(), JournalOptions::default(), Position(162))?;
    assert_eq!(
        seen.last().map(|(p, r)| (*p, r.as_str())),
        Some((Position(180), "more"))
    );
    assert_eq!(stats.end, Position(192));
    let err = reopen(dir.path()).expect_err("records before 162 are gone");
    assert!(matches!(err, ProfileError::JournalLayout { .. }), "{err}");
    Ok(())
}

#[test]
fn a_torn_end_is_cut_only_in_the_last_segment() -> TestResult {
    let dir = tempfile::tempdir()?;
    ten_appends(dir.path())?;
    // A torn frame at the end of a middle segment is corruption (the next segment exists).
    let middle = segment::segment_path(dir.path(), 54);
    let mut bytes = std::fs::read(&middle)?;
    bytes.truncate(50);
    std::fs::write(&middle, &bytes)?;
    let err = reopen(dir.path()).expect_err("a gap between segments");
    assert!(matches!(err, ProfileError::JournalLayout { .. }), "{err}");
    bytes.extend([0; 4]);
    std::fs::write(&middle, &bytes)?;
    std::fs::write(
        segment::segment_path(dir.path(), 162),
        frame("torn").get(..5).unwrap_or_default(),
    )?;
    let err = reopen(dir.path()).expect_err("a bad frame in a middle segment");
    assert!(
        matches!(
            err,
            ProfileError::JournalCorrupt {
                record: 2,
                offset: 36,
                ..
            }
        ),
        "{err}"
    );
    Ok(())
}

/// `cargo test -p concord-profile --release -- --ignored --nocapture replay_throughput`
#[test]
#[ignore = "a measurement, not a check"]
fn replay_throughput() -> TestResult {
    let dir = tempfile::tempdir()?;
    let n = 1_000_000;
    let record = "x".repeat(48);
    {
        let (journal, _) = Journal::open(
            dir.path(),
            JournalOptions {
                segment_bytes: 16 << 20,
            },
            Position(0),
            |_, _: String| {},
        )?;
        let batch = vec![record.clone(); 10_000];
        let started = std::time::Instant::now();
        for _ in 0..n / batch.len() {
            journal.append_blocking(&batch)?;
        }
        eprintln!(
            "append: {:.0} records/s in batches of 10k",
            n as f64 / started.elapsed().as_secs_f64()
        );
    }
    let started = std::time::Instant::now();
    let mut bytes = 0;
    let (_journal, stats) = Journal::open(
        dir.path(),
        JournalOptions::default(),
        Position(0),
        |_, r: String| bytes += r.len(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(stats.records, n as u64);
    eprintln!(
        "replay: {n} records of {} B ({} segments) in {seconds:.3}s: {:.0} records/s, {:.0} MB/s",
        record.len() + FRAME_HEADER,
        bases(dir.path())?.len(),
        n as f64 / seconds,
        stats.end.0 as f64 / seconds / 1e6
    );
    Ok(())
}
