//! Snapshots: the whole in-memory state written at known journal positions, so opening restores
//! it and replays only the journal after it, and older journal segments can be removed.
//!
//! A snapshot is taken while events keep arriving. Each part is cut at its own position: a
//! profile shard at the position before which the apply thread had applied all of its records
//! (batches are applied in journal order, so this is exact), the trigger log and the decision
//! side likewise, and the dedup index at the journal's end when it was copied (it may hold
//! later events too: remembering an event twice is harmless). Replay starts at the smallest cut
//! and gives each record only to the parts cut at or before it.

mod file;
mod schedule;
mod state;
mod take;

pub use schedule::{SnapshotPolicy, Snapshotter};
pub use take::SnapshotInfo;

use crate::error::HubError;
use crate::trigger_log::TriggerLog;
use concord_profile::ProfileStore;
use file::{Section, SnapshotFile};
use state::{DecisionSide, Meta};
pub(crate) use state::{decode_contacts, decode_outbox, decode_provisions};
use std::path::{Path, PathBuf};

const SNAPSHOT_DIR: &str = "snapshots";
const PREFIX: &str = "snapshot-";
const SUFFIX: &str = ".snap";
/// Snapshots kept: the newest, and one before it in case the newest can't be read.
const KEPT: usize = 2;

/// Where each part of the state was cut; see the module comment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cuts {
    pub(crate) replay_from: u64,
    shards: Vec<u64>,
    pub(crate) triggers: u64,
    pub(crate) decisions: u64,
}

impl Cuts {
    /// No snapshot: every record counts for every part.
    pub(crate) fn none(shards: usize) -> Self {
        Self {
            replay_from: 0,
            shards: vec![0; shards],
            triggers: 0,
            decisions: 0,
        }
    }

    pub(crate) fn shard(&self, index: usize) -> u64 {
        self.shards.get(index).copied().unwrap_or(0)
    }
}

/// What restoring a snapshot gives the hub besides the profiles.
pub(crate) struct Restored {
    pub(crate) path: PathBuf,
    pub(crate) cuts: Cuts,
    pub(crate) triggers: TriggerLog,
    pub(crate) decisions: DecisionSide,
    /// The contact book's section (decoded by the hub, which knows the strategy); `None` in
    /// snapshots older than it: the book is then rebuilt from the decision log.
    pub(crate) contacts: Option<Vec<u8>>,
    /// The provisioning book's section; `None` in snapshots older than it.
    pub(crate) provisions: Option<Vec<u8>>,
    /// The outbox's section; `None` in snapshots older than it.
    pub(crate) outbox: Option<Vec<u8>>,
}

/// The data folder's `snapshots/` folder.
#[derive(Debug)]
pub(crate) struct SnapshotDir {
    dir: PathBuf,
    /// Held while a snapshot is taken: one at a time.
    taking: parking_lot::Mutex<()>,
    /// The journal end of the newest snapshot (0 without one), readable while one is taken.
    last_end: std::sync::atomic::AtomicU64,
    /// Snapshots written by this process, and the latest one's figures.
    taken: parking_lot::Mutex<(u64, Option<SnapshotInfo>)>,
}

impl SnapshotDir {
    /// Opens (or creates) the folder and removes files a crash left half written.
    pub(crate) fn open(data_dir: &Path) -> Result<Self, HubError> {
        let dir = data_dir.join(SNAPSHOT_DIR);
        let io = |source| HubError::Snapshot {
            path: dir.clone(),
            reason: format!("{source}"),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                tracing::info!(path = %path.display(), "removing a snapshot left half written");
                std::fs::remove_file(&path).map_err(io)?;
            }
        }
        let last = list(&dir).map_err(io)?.last().map(|(end, _)| *end);
        Ok(Self {
            dir,
            taking: parking_lot::Mutex::new(()),
            last_end: std::sync::atomic::AtomicU64::new(last.unwrap_or(0)),
            taken: parking_lot::Mutex::new((0, None)),
        })
    }

    /// Snapshots written by this process, and the latest one.
    pub(crate) fn taken(&self) -> (u64, Option<SnapshotInfo>) {
        self.taken.lock().clone()
    }

    /// Restores the newest snapshot that reads back whole into a fresh store from `fresh`; a
    /// snapshot that fails is logged and the one before it tried. No snapshot: an empty store.
    pub(crate) fn restore_latest(
        &self,
        fresh: impl Fn() -> ProfileStore,
    ) -> (ProfileStore, Option<Restored>) {
        let found = match list(&self.dir) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "snapshots could not be listed; replaying the whole journal");
                Vec::new()
            }
        };
        for (_, path) in found.iter().rev() {
            let store = fresh();
            match restore(path, &store) {
                Ok(restored) => return (store, Some(restored)),
                Err(reason) => tracing::warn!(
                    path = %path.display(),
                    %reason,
                    "snapshot unreadable; trying an older one"
                ),
            }
        }
        (fresh(), None)
    }
}

/// The snapshot files in `dir`, oldest first, with the journal end each was taken at.
fn list(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(end) = name
            .strip_prefix(PREFIX)
            .and_then(|n| n.strip_suffix(SUFFIX))
            .and_then(|n| n.parse::<u64>().ok())
        {
            found.push((end, path));
        }
    }
    found.sort();
    Ok(found)
}

fn snapshot_path(dir: &Path, journal_end: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{journal_end:020}{SUFFIX}"))
}

/// Reads one snapshot into `store` (fresh) and returns the rest of the state.
fn restore(path: &Path, store: &ProfileStore) -> Result<Restored, String> {
    let file = SnapshotFile::open(path)?;
    let meta = Meta::decode(&file.read(Section::Meta)?).map_err(|e| format!("meta: {e}"))?;
    if meta.shard_cuts.len() != store.shard_count() {
        return Err(format!(
            "it has {} shards, this build has {}",
            meta.shard_cuts.len(),
            store.shard_count()
        ));
    }
    store
        .restore_symbols(&file.read(Section::Symbols)?)
        .map_err(|e| e.to_string())?;
    store
        .restore_dedup(&file.read(Section::Dedup)?)
        .map_err(|e| e.to_string())?;
    restore_shards(&file, store)?;
    let triggers = state::decode_triggers(&file.read(Section::Triggers)?)
        .map_err(|e| format!("trigger log: {e}"))?;
    let decisions = state::decode_decisions(&file.read(Section::Decisions)?)
        .map_err(|e| format!("decisions: {e}"))?;
    let contacts = if file.has(Section::Contacts) {
        Some(file.read(Section::Contacts)?)
    } else {
        None
    };
    let outbox = if file.has(Section::Outbox) {
        Some(file.read(Section::Outbox)?)
    } else {
        None
    };
    let provisions = if file.has(Section::Provisions) {
        Some(file.read(Section::Provisions)?)
    } else {
        None
    };
    tracing::info!(
        path = %path.display(),
        customers = store.len(),
        replay_from = meta.replay_from,
        "snapshot restored"
    );
    Ok(Restored {
        path: path.to_owned(),
        cuts: Cuts {
            replay_from: meta.replay_from,
            shards: meta.shard_cuts,
            triggers: meta.triggers_cut,
            decisions: meta.decisions_cut,
        },
        triggers,
        decisions,
        contacts,
        provisions,
        outbox,
    })
}

/// Restores the shards on as many threads as there are cores: each shard is independent.
fn restore_shards(file: &SnapshotFile, store: &ProfileStore) -> Result<(), String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut dropped: Vec<String> = Vec::new();
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut dropped = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= store.shard_count() {
                            return Ok(dropped);
                        }
                        let bytes = file.read(Section::Shard(i as u32))?;
                        let restored = store.restore_shard(i, &bytes).map_err(|e| e.to_string())?;
                        dropped.extend(restored.dropped_attributes);
                        dropped.extend(restored.dropped_aggregates);
                        dropped.extend(restored.dropped_triggers);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a restore thread panicked".into()))
            })
            .collect()
    });
    for result in results {
        dropped.extend(result?);
    }
    dropped.sort();
    dropped.dedup();
    if !dropped.is_empty() {
        tracing::warn!(
            dropped = ?dropped,
            "profile.yaml changed since the snapshot: these attributes, aggregates or triggers restart empty"
        );
    }
    Ok(())
}

/// Reads the meta of a snapshot (to know where its replay starts).
fn read_meta(path: &Path) -> Result<Meta, String> {
    let file = SnapshotFile::open(path)?;
    Meta::decode(&file.read(Section::Meta)?).map_err(|e| format!("meta: {e}"))
}
