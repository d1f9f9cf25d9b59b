//! Opening a data folder: restore the newest readable snapshot, then replay the journal from
//! where it was cut, so memory matches everything that was acknowledged.

use crate::apply::{Applier, EventSide};
use crate::contacts::ContactBook;
use crate::decision_log::DecisionLog;
use crate::error::HubError;
use crate::hub::{Hub, action_value, offer_validity};
use crate::provision::ProvisionBook;
use crate::record::JournalRecord;
use crate::snapshot::{Cuts, SnapshotDir};
use crate::trigger_log::TriggerLog;
use concord_learn::Learner;
use concord_measure::KpiBook;
use concord_model::Timestamp;
use concord_profile::{CompiledSchema, Journal, JournalOptions, Position, ProfileStore};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

/// The journal's segment folder inside the data folder.
const JOURNAL_DIR: &str = "journal";
/// Where the JSON-lines journal lived before the binary segments; refused, not read.
const LEGACY_JOURNAL_FILE: &str = "journal.log";
const LOCK_FILE: &str = "LOCK";

/// How the last open went: what was restored and how long it took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// The snapshot restored, if any.
    pub snapshot: Option<std::path::PathBuf>,
    /// Journal records replayed after the snapshot (all of them without one).
    pub replayed_records: u64,
    pub truncated_bytes: u64,
    pub snapshot_seconds: f64,
    pub replay_seconds: f64,
}

/// Storage settings of a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubOptions {
    pub journal: JournalOptions,
    /// How many of the newest decisions keep their replay inputs in memory (older ones are
    /// read back from the journal while it still holds them).
    pub decision_inputs_kept: usize,
}

impl Default for HubOptions {
    fn default() -> Self {
        Self {
            journal: JournalOptions::default(),
            decision_inputs_kept: crate::decision_log::INPUTS_KEPT,
        }
    }
}

impl Hub {
    /// Opens the hub on `data_dir`: restores the newest snapshot and replays the journal after it.
    pub fn open(data_dir: &Path, strategy: Arc<Strategy>) -> Result<Hub, HubError> {
        Self::open_with(data_dir, strategy, HubOptions::default())
    }

    /// [`Hub::open`] with storage settings other than the defaults.
    pub fn open_with(
        data_dir: &Path,
        strategy: Arc<Strategy>,
        options: HubOptions,
    ) -> Result<Hub, HubError> {
        std::fs::create_dir_all(data_dir).map_err(|source| {
            concord_profile::ProfileError::JournalIo {
                path: data_dir.to_owned(),
                source,
            }
        })?;
        let lock = lock_data_dir(data_dir)?;
        let legacy = data_dir.join(LEGACY_JOURNAL_FILE);
        if legacy.exists() {
            return Err(
                concord_profile::ProfileError::JournalFormatChanged { path: legacy }.into(),
            );
        }
        let schema = CompiledSchema::new(
            Arc::new(strategy.profile_schema().clone()),
            Arc::from(strategy.triggers().to_vec()),
        );
        let snapshots = SnapshotDir::open(data_dir)?;
        let started = Instant::now();
        let (profiles, restored) = snapshots.restore_latest(|| ProfileStore::new(schema.clone()));
        let snapshot_seconds = started.elapsed().as_secs_f64();
        let learner = Learner::new(crate::hub::learn_config(&strategy));
        let kpis = KpiBook::new();
        let mut contacts = ContactBook::new(strategy.clone());
        let mut provisions = ProvisionBook::default();
        let mut outbox = crate::outbox::Outbox::default();
        let is_outbound = |channel: &concord_model::ChannelId| {
            strategy
                .channel(channel.as_str())
                .is_some_and(|c| c.direction == concord_model::Direction::Outbound)
        };
        let (cuts, mut triggers, mut decisions, mut decision_count, snapshot) = match restored {
            Some(restored) => {
                if let Some(bytes) = &restored.outbox {
                    outbox =
                        crate::snapshot::decode_outbox(bytes).map_err(|e| HubError::Snapshot {
                            path: restored.path.clone(),
                            reason: format!("outbox: {e}"),
                        })?;
                }
                // The fires the restored decisions name (the section does not carry them).
                for entry in restored.decisions.log.entries() {
                    outbox.decided(&entry.record, false);
                }
                if let Some(bytes) = &restored.provisions {
                    provisions = crate::snapshot::decode_provisions(bytes).map_err(|e| {
                        HubError::Snapshot {
                            path: restored.path.clone(),
                            reason: format!("provisioning jobs: {e}"),
                        }
                    })?;
                }
                kpis.restore(restored.decisions.kpis);
                learner.restore(restored.decisions.models_version, restored.decisions.models);
                contacts = restore_contacts(
                    &strategy,
                    restored.contacts.as_deref(),
                    &restored.decisions.log,
                );
                (
                    restored.cuts,
                    restored.triggers,
                    restored.decisions.log,
                    restored.decisions.decision_count,
                    Some(restored.path),
                )
            }
            None => (
                Cuts::none(profiles.shard_count()),
                TriggerLog::default(),
                DecisionLog::default(),
                0,
                None,
            ),
        };
        let mut pending_responses = Vec::new();
        let mut run_responses = Vec::new();
        let mut skipped_values = 0usize;
        let wall_ms = Timestamp::now().as_millisecond();
        let started = Instant::now();
        // A record changes a part of the state only at or after that part's cut: what came
        // before is in the snapshot already.
        let (journal, replayed) = Journal::<JournalRecord>::open(
            &data_dir.join(JOURNAL_DIR),
            options.journal,
            Position(cuts.replay_from),
            |position, record| {
                let response = match record {
                    JournalRecord::Customer {
                        customer_id,
                        attributes,
                        holdings,
                    } => {
                        if cuts.shard(profiles.shard_of(&customer_id)) <= position.0 {
                            skipped_values +=
                                profiles.upsert(&customer_id, &attributes, &holdings).len();
                        }
                        return;
                    }
                    JournalRecord::Event { event, .. } => {
                        profiles.replayed(&event, wall_ms);
                        if cuts.shard(profiles.shard_of(&event.customer_id)) <= position.0 {
                            // Replaying in journal order fires exactly what firing on arrival did.
                            let fires = profiles.apply_admitted(&event, Some(position.0));
                            if cuts.triggers <= position.0 {
                                triggers.record(fires);
                            }
                        }
                        return;
                    }
                    JournalRecord::Decision(record) => {
                        if cuts.decisions <= position.0 {
                            decision_count += 1;
                            kpis.record_decision(&record);
                            contacts.replay_decision(&record);
                            outbox.decided(&record, is_outbound(&record.channel));
                            match crate::decision_log::run_contact_seq(&record) {
                                // Kept compact, as the run kept it.
                                Some(seq) => decisions.add_run_contacts(
                                    seq,
                                    record.time.as_millisecond(),
                                    &record.channel,
                                    vec![position.0],
                                ),
                                None => decisions.insert(record, position.0),
                            }
                        }
                        return;
                    }
                    JournalRecord::Response(response) => response,
                    JournalRecord::Fulfil { response, job } => {
                        if cuts.decisions <= position.0 {
                            provisions.queue(job);
                        }
                        response
                    }
                    JournalRecord::Provisioned(record) => {
                        if cuts.decisions <= position.0 {
                            provisions.close(&record);
                        }
                        return;
                    }
                    JournalRecord::Delivered(record) => {
                        if cuts.decisions <= position.0 {
                            outbox.close(&record);
                        }
                        return;
                    }
                };
                if cuts.decisions <= position.0 {
                    if decisions.run_position(&response.decision_id).is_some() {
                        // Its decision is read back once the journal is open.
                        run_responses.push(response);
                        return;
                    }
                    let predictors = replay_response(&mut decisions, &kpis, &contacts, &response);
                    pending_responses.push((response, predictors));
                }
            },
        )?;
        // Responses to batch-run contacts: each decision read back into the log, then the
        // response replayed on it.
        for response in run_responses {
            if let Some(position) = decisions.run_position(&response.decision_id) {
                match journal.read_at(Position(position)) {
                    Ok(JournalRecord::Decision(record)) => decisions.promote(record, position),
                    Ok(_) | Err(_) => {
                        tracing::warn!(decision = %response.decision_id, position, "a run contact's decision could not be read back; its response is learnt without predictors");
                    }
                }
            }
            let predictors = replay_response(&mut decisions, &kpis, &contacts, &response);
            pending_responses.push((response, predictors));
        }
        let learned: Vec<concord_learn::Learned<'_>> = pending_responses
            .iter()
            .map(|(response, predictors)| concord_learn::Learned {
                response,
                predictors,
            })
            .collect();
        learner.learn(&learned);
        decisions.set_inputs_kept(options.decision_inputs_kept);
        // Scheduled once every response is in: only actions still unanswered wait.
        decisions.set_timeouts(
            strategy
                .models()
                .timeouts
                .iter()
                .map(|t| (t.channel.0.clone(), t.after_ms))
                .collect(),
        );
        if skipped_values > 0 {
            tracing::warn!(
                values = skipped_values,
                "base-load values that no longer fit profile.yaml were skipped on replay"
            );
        }
        let recovery = Recovery {
            snapshot,
            replayed_records: replayed.records,
            truncated_bytes: replayed.truncated_bytes,
            snapshot_seconds,
            replay_seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            snapshot = ?recovery.snapshot,
            snapshot_seconds = recovery.snapshot_seconds,
            records = replayed.records,
            replay_seconds = recovery.replay_seconds,
            customers = profiles.len(),
            decisions = decision_count,
            "data folder opened"
        );
        // Fires of the last hour no decision names: a crash came between them and their
        // decision (the outbound worker decides them; one decided meanwhile is skipped).
        let mut fires = crate::outbox::FireQueue::default();
        let wall = Timestamp::now().as_millisecond();
        fires.push(
            triggers
                .recent()
                .filter(|f| {
                    wall - f.time.as_millisecond() <= crate::outbox::FIRE_REQUEUE_MS
                        && !outbox.fire_decided(&crate::outbox::fire_key(f))
                })
                .cloned(),
        );
        let since = wall - crate::follow_up::FOLLOW_UP_REQUEUE_MS;
        let follow_ups = crate::follow_up::missing(&strategy, &decisions, &outbox, since);
        outbox.queue_follow_ups(follow_ups);
        let events = Arc::new(EventSide {
            profiles,
            triggers: Mutex::new(triggers),
            fires: Mutex::new(fires),
            fire_queued: tokio::sync::Notify::new(),
            applied_end: AtomicU64::new(replayed.end.0),
        });
        let applier = Applier::start(events.clone()).map_err(|source| {
            concord_profile::ProfileError::JournalIo {
                path: data_dir.to_owned(),
                source,
            }
        })?;
        Ok(Hub::assemble(crate::hub::Parts {
            strategy,
            events,
            applier,
            journal,
            learner,
            kpis,
            decisions,
            contacts,
            provisions,
            outbox,
            decision_count,
            replayed,
            recovery,
            snapshots,
            lock,
            data_dir: data_dir.to_owned(),
        }))
    }
}

/// Restores the contact book from its snapshot section; a snapshot written before the book
/// existed rebuilds it from the decisions and responses its log keeps.
fn restore_contacts(
    strategy: &Arc<Strategy>,
    section: Option<&[u8]>,
    log: &DecisionLog,
) -> ContactBook {
    if let Some(bytes) = section {
        let book = ContactBook::new(strategy.clone());
        match crate::snapshot::decode_contacts(bytes, &book) {
            Ok(()) => return book,
            Err(e) => {
                tracing::warn!(error = %e, "the snapshot's contact history does not read back; rebuilding it from the decision log")
            }
        }
    } else if !strategy.contact().is_empty() {
        tracing::info!("snapshot without contact history: rebuilding it from the decision log");
    }
    let book = ContactBook::new(strategy.clone());
    for entry in log.entries() {
        book.replay_decision(&entry.record);
        for response in &entry.responses {
            book.record_response(
                response,
                entry.record.household.as_deref(),
                offer_validity(&entry.record, &response.action_id),
            );
        }
    }
    book
}

/// Takes the data folder's exclusive lock, so a second server or a bulk load can't interleave writes.
fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, HubError> {
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| concord_profile::ProfileError::JournalIo {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(HubError::DataDirInUse(data_dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => {
            Err(concord_profile::ProfileError::JournalIo { path, source }.into())
        }
    }
}

/// Replays a response on its decision (responded, KPIs, contact history); returns the
/// decision's predictors for learning (none when the decision is no longer kept).
fn replay_response(
    decisions: &mut DecisionLog,
    kpis: &KpiBook,
    contacts: &ContactBook,
    response: &concord_model::ResponseRecord,
) -> Vec<concord_model::Value> {
    let Some(entry) = decisions.get_mut(&response.decision_id) else {
        return Vec::new();
    };
    entry.responded.insert(response.action_id.clone());
    entry.responses.push(response.clone());
    let value = action_value(&entry.record, &response.action_id);
    kpis.record_response(response, value, concord_measure::Cell::of(&entry.record));
    contacts.record_response(
        response,
        entry.record.household.as_deref(),
        offer_validity(&entry.record, &response.action_id),
    );
    entry.record.predictors.clone()
}
