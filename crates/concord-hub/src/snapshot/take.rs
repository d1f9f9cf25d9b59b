//! Taking a snapshot while the hub keeps serving: each part is copied under its own short lock
//! and cut at its own position (see the module comment), then the file is published and the
//! journal segments no snapshot needs any more are removed.

use super::file::{Section, SnapshotWriter};
use super::state::{self, Meta};
use super::{KEPT, list, read_meta, snapshot_path};
use crate::error::HubError;
use crate::hub::Hub;
use concord_model::Timestamp;
use concord_profile::Position;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// What a snapshot wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub customers: u64,
    /// Opening replays the journal from here.
    pub replay_from: u64,
    pub journal_end: u64,
    pub seconds: f64,
    /// Journal segments removed because no kept snapshot needs them.
    pub segments_removed: u64,
}

impl Hub {
    /// Writes a snapshot of the whole state and removes what it makes unnecessary. Returns `None`
    /// when nothing was journaled since the last one.
    ///
    /// Blocking (seconds for millions of customers): call it from a plain thread or
    /// `spawn_blocking`, never from async code directly. Ingest and decisions go on meanwhile;
    /// each profile shard pauses for the moment it is copied, decisions for the moment the
    /// decision side is.
    pub fn snapshot(&self) -> Result<Option<SnapshotInfo>, HubError> {
        let _taking = self.snapshots.taking.lock();
        let started = Instant::now();
        let profiles = &self.events.profiles;
        let journal_end = self.journal.end().0;
        // An empty journal has nothing to snapshot either (end 0 is also "no snapshot yet").
        if self.snapshots.last_end.load(Ordering::Acquire) == journal_end {
            return Ok(None);
        }
        let dir = &self.snapshots.dir;
        let path = snapshot_path(dir, journal_end);
        let tmp = path.with_extension("snap.tmp");
        let io = |e: std::io::Error| HubError::Snapshot {
            path: tmp.clone(),
            reason: e.to_string(),
        };
        let mut out = SnapshotWriter::create(tmp.clone()).map_err(io)?;
        let mut bytes = Vec::new();
        // Everything admitted before `journal_end` is in the dedup copy.
        profiles.dump_dedup(&mut bytes);
        out.put(Section::Dedup, &bytes).map_err(io)?;
        let mut shard_cuts = Vec::with_capacity(profiles.shard_count());
        for index in 0..profiles.shard_count() {
            bytes.clear();
            // Any applied position read before the copy is a valid lower bound of its cut.
            let applied = self.events.applied_end.load(Ordering::Acquire);
            let shard_applied = profiles.dump_shard(index, &mut bytes);
            shard_cuts.push(applied.max(shard_applied));
            out.put(Section::Shard(index as u32), &bytes).map_err(io)?;
        }
        // After the shards: symbols only grow, so this copy names every id the shards hold.
        bytes.clear();
        profiles.dump_symbols(&mut bytes);
        out.put(Section::Symbols, &bytes).map_err(io)?;
        // The trigger log at a batch boundary after every shard's cut.
        let (tx, rx) = std::sync::mpsc::channel();
        self.applier.between(Box::new(move |side, applied| {
            let _ = tx.send((state::encode_triggers(&side.triggers.lock()), applied));
        }));
        let (triggers, triggers_cut) = rx.recv().map_err(|_| HubError::Snapshot {
            path: tmp.clone(),
            reason: "the apply thread has stopped".into(),
        })?;
        out.put(Section::Triggers, &triggers).map_err(io)?;
        let (decisions, contacts, provisions, outbox, decisions_cut) = {
            let _gate = self.decision_gate.blocking_write();
            let cut = self.journal.end().0;
            let bytes = state::encode_decisions(
                self.next_decision.load(Ordering::Acquire),
                &self.decisions.lock(),
                &self.kpis,
                &self.learner,
            );
            let mut provisions = vec![state::VERSION];
            self.provisions.lock().encode(&mut provisions);
            let mut outbox = vec![state::VERSION];
            self.outbox.lock().encode(&mut outbox);
            (
                bytes,
                state::encode_contacts(&self.contacts),
                provisions,
                outbox,
                cut,
            )
        };
        out.put(Section::Decisions, &decisions).map_err(io)?;
        out.put(Section::Contacts, &contacts).map_err(io)?;
        out.put(Section::Provisions, &provisions).map_err(io)?;
        out.put(Section::Outbox, &outbox).map_err(io)?;
        // The dedup copy may name events still being written: publish only once they are on
        // disk, or a crash could leave them remembered as seen but never applied.
        self.journal.wait_durable_blocking(Position(journal_end))?;
        let replay_from = shard_cuts
            .iter()
            .copied()
            .chain([journal_end, triggers_cut, decisions_cut])
            .min()
            .unwrap_or(0);
        let customers = profiles.len() as u64;
        let meta = Meta {
            journal_end,
            replay_from,
            shard_cuts,
            triggers_cut,
            decisions_cut,
            taken_at: Timestamp::now(),
            customers,
            strategy_hash: self.strategy.hash().to_owned(),
        };
        out.put(Section::Meta, &meta.encode()).map_err(io)?;
        let size = out.finish(&path).map_err(io)?;
        self.snapshots
            .last_end
            .store(journal_end, Ordering::Release);
        let segments_removed = self.prune()?;
        let info = SnapshotInfo {
            path,
            bytes: size,
            customers,
            replay_from,
            journal_end,
            seconds: started.elapsed().as_secs_f64(),
            segments_removed,
        };
        {
            let mut taken = self.snapshots.taken.lock();
            taken.0 += 1;
            taken.1 = Some(info.clone());
        }
        tracing::info!(
            path = %info.path.display(),
            bytes = info.bytes,
            customers = info.customers,
            seconds = info.seconds,
            segments_removed,
            "snapshot written"
        );
        Ok(Some(info))
    }

    /// Bytes journaled since the newest snapshot (since the start without one).
    pub fn journal_bytes_since_snapshot(&self) -> u64 {
        let last = self.snapshots.last_end.load(Ordering::Acquire);
        self.journal.end().0.saturating_sub(last)
    }

    /// Keeps the newest snapshots and the journal the oldest kept one needs; removes the rest.
    fn prune(&self) -> Result<u64, HubError> {
        let dir = &self.snapshots.dir;
        let io = |e: std::io::Error| HubError::Snapshot {
            path: dir.clone(),
            reason: e.to_string(),
        };
        let found = list(dir).map_err(io)?;
        let (old, kept) = found.split_at(found.len().saturating_sub(KEPT));
        for (_, path) in old {
            std::fs::remove_file(path).map_err(io)?;
        }
        // Only once two snapshots exist: the older one is the fallback if the newer won't read.
        if kept.len() < KEPT {
            return Ok(0);
        }
        match read_meta(&kept[0].1) {
            Ok(meta) => {
                // Batch-run contacts are read back from the journal when answered.
                let keep = self
                    .decisions
                    .lock()
                    .oldest_run_position()
                    .map_or(meta.replay_from, |p| p.min(meta.replay_from));
                Ok(self.journal.remove_before(Position(keep))?)
            }
            Err(reason) => {
                tracing::warn!(path = %kept[0].1.display(), %reason, "snapshot unreadable; keeping the journal it would need");
                Ok(0)
            }
        }
    }
}
