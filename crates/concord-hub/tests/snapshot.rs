//! Snapshots taken while events, decisions and responses keep arriving restore exactly what
//! was acknowledged, with the journal after them; a bad or missing newest snapshot falls back
//! to the one before.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::{Hub, HubOptions};
use concord_model::{Attributes, ChannelId, CustomerId, Event, Outcome, Timestamp};
use concord_profile::JournalOptions;
use concord_strategy::Strategy;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn strategy() -> Arc<Strategy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    Arc::new(Strategy::load(&dir).expect("example strategy loads"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn start() -> Timestamp {
    Timestamp::from_second(1_798_761_600).expect("valid time")
}

use common::Row;

/// A simulated base and two days of its events.
fn simulated(subscribers: usize) -> (Vec<Row>, Vec<Event>) {
    let (mut operator, rows) = common::simulated_base(11, subscribers, start());
    let until = start()
        .checked_add(jiff::SignedDuration::from_hours(48))
        .expect("valid time");
    (rows, operator.events_until(until))
}

/// Everything a client can observe, as comparable JSON, an hour after the simulated days.
async fn observe(hub: &Hub, customers: &[CustomerId]) -> serde_json::Value {
    let now = start()
        .checked_add(jiff::SignedDuration::from_hours(49))
        .expect("valid time");
    common::observe(hub, customers, now).await
}

/// Ingests `events` from several tasks at once while decisions and responses run, taking
/// snapshots on blocking threads while batches are in flight; the last fifth of the batches
/// comes after the last snapshot, so opening replays some journal too.
async fn busy(hub: Arc<Hub>, events: Vec<Event>, customers: &[CustomerId]) -> usize {
    let batches: Vec<Vec<Event>> = events.chunks(100).map(<[Event]>::to_vec).collect();
    let last_snapshot_batch = batches.len() * 4 / 5;
    let mut snapshots = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, batch) in batches.into_iter().enumerate() {
        let task_hub = hub.clone();
        let customer = customers[i % customers.len()].clone();
        tasks.spawn(async move {
            let hub = task_hub;
            hub.ingest(batch).await.expect("ingests");
            let request = DecisionRequest {
                channel: ChannelId::new("ussd"),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            };
            let decided = hub.decide(&customer, request, start()).await;
            if let Ok(outcome) = decided
                && let Some(top) = outcome.record.actions.first()
            {
                let verdict = if i % 3 == 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                hub.respond(
                    &outcome.record.decision_id,
                    &top.action_id,
                    verdict,
                    start(),
                )
                .await
                .expect("responds");
            }
        });
        if i % 8 == 4 && i < last_snapshot_batch {
            let hub = hub.clone();
            snapshots.push(tokio::task::spawn_blocking(move || hub.snapshot()));
        }
        // A few in flight at a time, like concurrent clients.
        while tasks.len() >= 4 {
            tasks.join_next().await.expect("a task").expect("task ran");
        }
    }
    let mut taken = 0;
    for snapshot in snapshots {
        if snapshot
            .await
            .expect("snapshot ran")
            .expect("snapshot")
            .is_some()
        {
            taken += 1;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task ran");
    }
    taken
}

fn snapshot_files(data: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("snapshots"))
        .expect("snapshot folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

#[test]
fn snapshots_under_load_restore_exactly_what_was_acknowledged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let (rows, events) = simulated(1500);
    let customers: Vec<CustomerId> = rows.iter().map(|(id, _, _)| id.clone()).collect();
    let sample: Vec<CustomerId> = customers.iter().step_by(7).cloned().collect();
    let hub = Arc::new(Hub::open(dir.path(), strategy()).expect("opens"));
    let before = rt.block_on(async {
        hub.load_customers(rows).await.expect("base loads");
        let taken = busy(hub.clone(), events.clone(), &customers).await;
        assert!(taken >= 2, "snapshots were taken under load ({taken})");
        observe(&hub, &sample).await
    });
    assert!(
        before["trigger_counts"]
            .as_object()
            .is_some_and(|c| !c.is_empty()),
        "triggers fired, so the trigger log is part of the check"
    );
    drop(hub);

    let reopened = Hub::open(dir.path(), strategy()).expect("reopens");
    assert!(
        reopened.recovery().snapshot.is_some(),
        "restored from a snapshot"
    );
    assert!(
        reopened.replayed().records > 0,
        "and replayed the journal after it"
    );
    assert_eq!(rt.block_on(observe(&reopened, &sample)), before);
    // The dedup index came back too: every event is a duplicate now.
    let again = rt
        .block_on(reopened.ingest(events.clone()))
        .expect("ingests");
    assert_eq!((again.accepted, again.duplicates), (0, events.len()));
    drop(reopened);

    // The newest snapshot unreadable: the one before it and a longer replay give the same state.
    let files = snapshot_files(dir.path());
    assert_eq!(files.len(), 2, "two snapshots are kept: {files:?}");
    let newest = files.last().expect("a snapshot");
    let mut bytes = std::fs::read(newest).expect("reads");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(newest, bytes).expect("writes");
    let fallback = Hub::open(dir.path(), strategy()).expect("reopens on the older snapshot");
    assert_eq!(
        fallback.recovery().snapshot.as_deref(),
        Some(files[0].as_path())
    );
    assert_eq!(rt.block_on(observe(&fallback, &sample)), before);
}

#[test]
fn a_snapshot_bounds_replay_and_an_idle_hub_takes_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let (rows, events) = simulated(50);
    let hub = Hub::open(dir.path(), strategy()).expect("opens");
    rt.block_on(async {
        hub.load_customers(rows).await.expect("base loads");
        hub.ingest(events[..events.len() / 2].to_vec())
            .await
            .expect("ingests");
    });
    let first = hub
        .snapshot()
        .expect("snapshot")
        .expect("something to snapshot");
    assert_eq!(first.customers, 50);
    assert_eq!(
        hub.snapshot().expect("snapshot"),
        None,
        "nothing new, no snapshot"
    );
    let rest = events.len() - events.len() / 2;
    rt.block_on(hub.ingest(events[events.len() / 2..].to_vec()))
        .expect("ingests");
    drop(hub);
    let reopened = Hub::open(dir.path(), strategy()).expect("reopens");
    assert_eq!(
        reopened.replayed().records,
        rest as u64,
        "only what came after is replayed"
    );
}

#[test]
fn without_its_snapshots_a_pruned_journal_refuses_to_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let (rows, events) = simulated(50);
    let options = HubOptions {
        journal: JournalOptions {
            segment_bytes: 16 << 10,
        },
        ..HubOptions::default()
    };
    let mut removed = 0;
    {
        let hub = Hub::open_with(dir.path(), strategy(), options).expect("opens");
        rt.block_on(hub.load_customers(rows)).expect("base loads");
        // Three snapshots, one per chunk; from the second on, segments before the older kept
        // snapshot's replay point go.
        for chunk in events.chunks(events.len() / 3 + 1) {
            rt.block_on(hub.ingest(chunk.to_vec())).expect("ingests");
            removed += hub
                .snapshot()
                .expect("snapshot")
                .map_or(0, |s| s.segments_removed);
        }
    }
    assert!(removed > 0, "old segments were removed");
    let segments = std::fs::read_dir(dir.path().join("journal"))
        .expect("journal folder")
        .count();
    assert!(segments > 0);
    // With its snapshots, the folder opens; without them, the journal alone can't rebuild it.
    Hub::open_with(dir.path(), strategy(), options).expect("opens with its snapshots");
    for file in snapshot_files(dir.path()) {
        std::fs::remove_file(file).expect("removes");
    }
    let opened = Hub::open_with(dir.path(), strategy(), options);
    let message = opened.expect_err("refuses").to_string();
    assert!(message.contains("removed"), "{message}");
}
