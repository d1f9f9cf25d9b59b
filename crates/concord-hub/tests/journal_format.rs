//! The journal's on-disk format: a data folder still holding the old JSON-lines journal is refused
//! with a message that names the file, and a fresh folder gets the segment folder.

use concord_hub::{Hub, HubError};
use concord_profile::ProfileError;
use concord_strategy::Strategy;
use std::path::Path;
use std::sync::Arc;

fn strategy() -> Arc<Strategy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    Arc::new(Strategy::load(&dir).expect("example strategy loads"))
}

#[test]
fn an_old_json_lines_journal_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let legacy = dir.path().join("journal.log");
    std::fs::write(&legacy, "0badc0de {\"record\":\"event\"}\n").expect("write");
    let err = Hub::open(dir.path(), strategy()).expect_err("old format is refused");
    assert!(
        matches!(&err, HubError::Journal(ProfileError::JournalFormatChanged { path }) if path == &legacy),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("journal.log") && message.contains("format"),
        "{message}"
    );
}

#[test]
fn a_fresh_data_folder_gets_a_segment_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = Hub::open(dir.path(), strategy()).expect("opens");
    assert_eq!(hub.replayed().records, 0);
    let first = dir.path().join("journal").join("00000000000000000000.seg");
    assert!(first.is_file(), "{} exists", first.display());
}
