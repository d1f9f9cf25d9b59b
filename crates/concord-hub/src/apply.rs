//! The apply thread: journaled batches are applied to memory one at a time, in journal order,
//! once durable.
//!
//! Ordering is what makes a snapshot taken while events keep arriving exact: every shard knows
//! the position before which all of its records are applied and none after (its cut). Running
//! the work on its own thread also means a caller that goes away mid-batch (an HTTP client
//! hanging up) loses nothing: the batch is applied whether or not anyone waits for the answer.

use crate::record::JournalRecord;
use crate::trigger_log::TriggerLog;
use concord_model::Event;
use concord_profile::{Change, Durable, ProfileError, ProfileStore, RowSlot};
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// The state the apply thread writes: profiles and the trigger log.
#[derive(Debug)]
pub(crate) struct EventSide {
    pub(crate) profiles: ProfileStore,
    pub(crate) triggers: Mutex<TriggerLog>,
    /// Fires of live events waiting for their outbound decision, and its wake-up.
    pub(crate) fires: Mutex<crate::outbox::FireQueue>,
    pub(crate) fire_queued: tokio::sync::Notify,
    /// Every batch before this position is applied, to every shard.
    pub(crate) applied_end: AtomicU64,
}

/// A journaled record waiting to be applied.
#[derive(Debug)]
pub(crate) struct Staged {
    pub(crate) position: u64,
    pub(crate) record: JournalRecord,
    /// The customer's row, when admission found it.
    pub(crate) at: Option<RowSlot>,
}

/// A journaled batch of profile changes (events and base rows), waiting to be applied.
pub(crate) struct Batch {
    /// In journal order.
    pub(crate) records: Vec<Staged>,
    /// The position after the batch's last record.
    pub(crate) end: u64,
    pub(crate) durable: Durable,
    pub(crate) done: oneshot::Sender<Result<Applied, ProfileError>>,
}

/// What applying a batch did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) events: usize,
    pub(crate) fires: usize,
    /// The batch's records, handed back so the caller's thread pays for freeing them.
    pub(crate) spent: Vec<Staged>,
}

/// Work run on the apply thread between two batches, given the exact applied position.
pub(crate) type Between = Box<dyn FnOnce(&EventSide, u64) + Send>;

enum Job {
    Batch(Batch),
    Between(Between),
}

/// The handle on the apply thread; its lock orders submissions, so jobs reach the thread in
/// journal order.
pub(crate) struct Applier {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Applier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applier").finish_non_exhaustive()
    }
}

impl Applier {
    pub(crate) fn start(side: Arc<EventSide>) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("concord-apply".into())
            .spawn(move || run(&side, &rx))?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            handle: Some(handle),
        })
    }

    /// Runs `journal` (which appends to the journal and returns the batch to apply) and queues
    /// its batch, under one lock, so batches queue in journal order.
    pub(crate) fn submit<E>(&self, journal: impl FnOnce() -> Result<Batch, E>) -> Result<(), E> {
        let tx = self.tx.lock();
        let batch = journal()?;
        send(tx.as_ref(), Job::Batch(batch));
        Ok(())
    }

    /// Runs `work` on the apply thread after every batch queued so far.
    pub(crate) fn between(&self, work: Between) {
        send(self.tx.lock().as_ref(), Job::Between(work));
    }
}

fn send(tx: Option<&mpsc::Sender<Job>>, job: Job) {
    // The thread only stops when the sender is dropped, in `Drop`: a send can't fail before.
    if let Some(tx) = tx
        && tx.send(job).is_err()
    {
        tracing::error!("the apply thread has stopped; a batch was not applied");
    }
}

impl Drop for Applier {
    /// Lets the thread finish what is queued, then stop.
    fn drop(&mut self) {
        self.tx.get_mut().take();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

fn run(side: &EventSide, rx: &mpsc::Receiver<Job>) {
    while let Ok(job) = rx.recv() {
        match job {
            Job::Batch(batch) => {
                let end = batch.end;
                let outcome = apply(side, batch.records, end, batch.durable);
                side.applied_end.fetch_max(end, Ordering::AcqRel);
                let _ = batch.done.send(outcome);
            }
            Job::Between(work) => work(side, side.applied_end.load(Ordering::Acquire)),
        }
    }
}

fn apply(
    side: &EventSide,
    records: Vec<Staged>,
    end: u64,
    durable: Durable,
) -> Result<Applied, ProfileError> {
    let written = match durable.blocking_recv() {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(reason)) => Err(ProfileError::JournalFailed(reason)),
        Err(_) => Err(ProfileError::JournalClosed),
    };
    if let Err(e) = written {
        // Not durable, so not accepted: a retry must find these events fresh.
        let events: Vec<&Event> = records
            .iter()
            .filter_map(|staged| match &staged.record {
                JournalRecord::Event { event, .. } => Some(event),
                _ => None,
            })
            .collect();
        side.profiles.forget(&events);
        return Err(e);
    }
    let mut applied = Applied::default();
    let changes: Vec<(u64, Change<'_>)> = records
        .iter()
        .filter_map(|staged| {
            let change = match &staged.record {
                JournalRecord::Event { event, .. } => {
                    applied.events += 1;
                    Change::Event {
                        event,
                        at: staged.at,
                    }
                }
                JournalRecord::Customer {
                    customer_id,
                    attributes,
                    holdings,
                } => Change::Row {
                    id: customer_id,
                    attributes,
                    holdings,
                },
                JournalRecord::Decision(_)
                | JournalRecord::Response(_)
                | JournalRecord::Fulfil { .. }
                | JournalRecord::Provisioned(_)
                | JournalRecord::Delivered(_) => return None,
            };
            Some((staged.position, change))
        })
        .collect();
    let outcome = side.profiles.apply_batch(&changes, end);
    drop(changes);
    applied.fires = outcome.fires.len();
    if !outcome.fires.is_empty() {
        side.fires.lock().push(outcome.fires.iter().cloned());
        side.fire_queued.notify_one();
        side.triggers.lock().record(outcome.fires);
    }
    applied.spent = records;
    Ok(applied)
}
