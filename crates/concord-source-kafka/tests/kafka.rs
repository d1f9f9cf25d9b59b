//! The Kafka source against librdkafka's mock cluster: the real protocol on loopback, no broker
//! to install. Every wait is bounded, so a broken source fails a test instead of hanging it.

use concord_ingest::{EventSink, IngestSummary, SinkError};
use concord_model::Event;
use concord_source_kafka::{KafkaSource, KafkaSourceConfig, KafkaStats, Rejection};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, FutureProducer, FutureRecord};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// The longest any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(60);
const TOPIC: &str = "oss-events";

// ---------------------------------------------------------------------------------------------
// The sink

/// Records what the source hands over, dedups by event id like the hub, and can be told to
/// fail its next calls. On a failing call it can also note the group's committed offsets.
#[derive(Default)]
struct RecordingSink {
    state: Mutex<SinkState>,
    fail_next: AtomicUsize,
    distinct: watch::Sender<usize>,
    probe: Option<CommitProbe>,
}

#[derive(Default)]
struct SinkState {
    /// Event ids of every call, failed ones included.
    attempts: Vec<Vec<String>>,
    /// Event ids of the calls that succeeded, in order (duplicates kept).
    delivered: Vec<String>,
    seen: HashSet<String>,
    /// The sum of the group's committed offsets, read during each failing call.
    committed_while_failing: Vec<i64>,
}

impl RecordingSink {
    fn failing(times: usize, probe: CommitProbe) -> Self {
        RecordingSink {
            fail_next: AtomicUsize::new(times),
            probe: Some(probe),
            ..RecordingSink::default()
        }
    }

    fn delivered(&self) -> Vec<String> {
        self.state.lock().expect("sink lock").delivered.clone()
    }

    fn distinct(&self) -> HashSet<String> {
        self.state.lock().expect("sink lock").seen.clone()
    }

    fn take(&self, events: Vec<Event>) -> Result<IngestSummary, SinkError> {
        let ids: Vec<String> = events
            .iter()
            .map(|e| e.event_id.as_str().to_owned())
            .collect();
        let failing = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let mut state = self.state.lock().expect("sink lock");
        state.attempts.push(ids.clone());
        if failing {
            if let Some(probe) = &self.probe {
                let committed = probe.committed().iter().sum();
                state.committed_while_failing.push(committed);
            }
            return Err("journal unavailable (test)".into());
        }
        let mut summary = IngestSummary::default();
        for id in ids {
            if state.seen.insert(id.clone()) {
                summary.accepted += 1;
            } else {
                summary.duplicates += 1;
            }
            state.delivered.push(id);
        }
        self.distinct.send_replace(state.seen.len());
        Ok(summary)
    }
}

impl EventSink for RecordingSink {
    fn ingest(
        &self,
        events: Vec<Event>,
    ) -> impl Future<Output = Result<IngestSummary, SinkError>> + Send {
        let result = self.take(events);
        async move { result }
    }
}

// ---------------------------------------------------------------------------------------------
// The cluster, producing, and reading the group's offsets

/// A one-broker mock cluster with the test topic, and a producer.
struct Cluster {
    mock: MockCluster<'static, DefaultProducerContext>,
    bootstrap: String,
    partitions: i32,
    producer: FutureProducer,
}

impl Cluster {
    fn new(partitions: i32) -> Self {
        init_logs();
        let mock = MockCluster::new(1).expect("mock cluster");
        mock.create_topic(TOPIC, partitions, 1).expect("topic");
        let bootstrap = mock.bootstrap_servers();
        let producer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("message.timeout.ms", "60000")
            .set("reconnect.backoff.max.ms", "500")
            .set("linger.ms", "0")
            .create()
            .expect("producer");
        Cluster {
            mock,
            bootstrap,
            partitions,
            producer,
        }
    }

    /// Produces one message and returns where it landed.
    async fn produce(&self, key: Option<&str>, value: &str) -> (i32, i64) {
        produce(&self.producer, key, value, None).await
    }

    fn source(&self, group: &str) -> KafkaSourceConfig {
        let mut config = KafkaSourceConfig::new(&self.bootstrap, TOPIC, group);
        config.batch_wait = Duration::from_millis(20);
        // The mock cluster holds a rebalance for session.timeout.ms - 1 s when a member joins a
        // group that had one before: keep it short so restarts and second members are quick.
        for (key, value) in [
            ("reconnect.backoff.max.ms", "500"),
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "500"),
        ] {
            config.extra.insert(key.into(), value.into());
        }
        config
    }

    fn probe(&self, group: &str) -> CommitProbe {
        CommitProbe::new(&self.bootstrap, group, self.partitions)
    }

    /// The high watermark of every partition.
    fn end_offsets(&self) -> Vec<i64> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .expect("watermark consumer");
        (0..self.partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(TOPIC, p, Duration::from_secs(10))
                    .expect("watermarks")
                    .1
            })
            .collect()
    }
}

async fn produce(
    producer: &FutureProducer,
    key: Option<&str>,
    value: &str,
    partition: Option<i32>,
) -> (i32, i64) {
    let mut record = FutureRecord::<str, str>::to(TOPIC).payload(value);
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(partition) = partition {
        record = record.partition(partition);
    }
    let delivery = tokio::time::timeout(WAIT, producer.send(record, Duration::from_secs(0)))
        .await
        .expect("delivery within the time limit")
        .map_err(|(e, _)| e)
        .expect("message delivered");
    (delivery.partition, delivery.offset)
}

/// Reads a group's committed offsets without joining it.
struct CommitProbe {
    consumer: BaseConsumer,
    partitions: i32,
}

impl CommitProbe {
    fn new(bootstrap: &str, group: &str, partitions: i32) -> Self {
        let consumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .create()
            .expect("probe consumer");
        CommitProbe {
            consumer,
            partitions,
        }
    }

    /// Committed offset per partition; 0 where nothing is committed.
    fn committed(&self) -> Vec<i64> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_range(TOPIC, 0, self.partitions - 1);
        let Ok(committed) = self.consumer.committed_offsets(tpl, Duration::from_secs(5)) else {
            return vec![-1; usize::try_from(self.partitions).expect("partitions")];
        };
        (0..self.partitions)
            .map(
                |p| match committed.find_partition(TOPIC, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) => o,
                    _ => 0,
                },
            )
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Events, waiting, running a source

fn event(id: &str, customer: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","customer_id":"{customer}","time":"2026-11-23T10:00:00Z","type":"dropped_call","cell":"C7"}}"#
    )
}

/// Polls `done` every 50 ms; fails the test after [`WAIT`].
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A source on its own task, stopped by [`Running::stop`].
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<KafkaStats, concord_source_kafka::KafkaSourceError>>,
}

fn start(source: KafkaSource, sink: &Arc<RecordingSink>) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = source.spawn(Arc::clone(sink), async move {
        let _ = stopped.await;
    });
    Running { stop, task }
}

impl Running {
    async fn stop(self) -> KafkaStats {
        let _ = self.stop.send(());
        join(self.task).await
    }
}

async fn join(
    task: JoinHandle<Result<KafkaStats, concord_source_kafka::KafkaSourceError>>,
) -> KafkaStats {
    tokio::time::timeout(WAIT, task)
        .await
        .expect("source stopped within the time limit")
        .expect("source task did not panic")
        .expect("source ran without error")
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

// ---------------------------------------------------------------------------------------------
// The tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_reaches_the_sink_and_every_offset_is_committed() {
    let cluster = Cluster::new(3);
    let mut expected = HashSet::new();
    let mut n_messages = 0_u64;
    let mut msg = 0_usize;
    while expected.len() < 1_000 {
        let customer = format!("c{}", msg % 37);
        let left = 1_000 - expected.len();
        let ids: Vec<String> = (0..[1, 4, 3][msg % 3].min(left))
            .map(|i| format!("e{}", expected.len() + i))
            .collect();
        let lines: Vec<String> = ids.iter().map(|id| event(id, &customer)).collect();
        let value = match msg % 3 {
            0 => lines[0].clone(),
            1 => lines.join("\n"),
            _ => format!("[{}]", lines.join(",")),
        };
        // Every tenth message has no key: the key is optional.
        let key = (msg % 10 != 9).then_some(customer.as_str());
        cluster.produce(key, &value).await;
        expected.extend(ids);
        n_messages += 1;
        msg += 1;
    }
    let end = cluster.end_offsets();
    assert_eq!(
        end.iter().sum::<i64>(),
        i64::try_from(n_messages).expect("count")
    );

    let group = "all-events";
    let sink = Arc::new(RecordingSink::default());
    let running = start(
        KafkaSource::new(cluster.source(group)).expect("config"),
        &sink,
    );
    let probe = cluster.probe(group);
    wait_until("all 1,000 events in the sink", || {
        sink.distinct().len() == 1_000
    })
    .await;
    wait_until("committed offsets to reach the end offsets", || {
        probe.committed() == end
    })
    .await;
    let stats = running.stop().await;

    assert_eq!(sink.distinct(), expected);
    assert_eq!(sink.delivered().len(), 1_000, "no event delivered twice");
    assert_eq!(stats.messages, n_messages);
    assert_eq!(stats.events_accepted, 1_000);
    assert_eq!((stats.duplicates, stats.rejected_lines), (0, 0));
    assert!(stats.batches >= 1 && stats.commits >= 1, "{stats:?}");
    assert_eq!(probe.committed(), end);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sink_gets_the_same_batch_again_and_nothing_is_committed_before() {
    let cluster = Cluster::new(1);
    for i in 0..100 {
        cluster
            .produce(Some("c1"), &event(&format!("e{i}"), "c1"))
            .await;
    }
    let end = cluster.end_offsets();
    let group = "failing-sink";
    let sink = Arc::new(RecordingSink::failing(2, cluster.probe(group)));
    let mut config = cluster.source(group);
    config.batch_wait = Duration::from_millis(200);
    let running = start(KafkaSource::new(config).expect("config"), &sink);
    let probe = cluster.probe(group);
    wait_until("all 100 events in the sink", || {
        sink.distinct().len() == 100
    })
    .await;
    wait_until("committed offsets to reach the end", || {
        probe.committed() == end
    })
    .await;
    let stats = running.stop().await;

    let state = sink.state.lock().expect("sink lock");
    assert!(
        state.attempts.len() >= 3,
        "{} attempts",
        state.attempts.len()
    );
    assert_eq!(
        state.attempts[0], state.attempts[1],
        "the retry carries the same batch"
    );
    assert_eq!(
        state.attempts[0], state.attempts[2],
        "the retry carries the same batch"
    );
    assert_eq!(
        state.committed_while_failing,
        vec![0, 0],
        "nothing committed while the sink failed"
    );
    assert_eq!(
        state.delivered.len(),
        100,
        "failed attempts deliver nothing"
    );
    assert_eq!((stats.events_accepted, stats.duplicates), (100, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_are_reported_with_their_offset_and_do_not_block_the_partition() {
    let cluster = Cluster::new(1);
    let good = |id: &str, customer: &str| event(id, customer);
    let messages: [(Option<&str>, String); 6] = [
        (Some("c1"), good("g1", "c1")),
        (Some("c1"), "not json at all".to_owned()),
        (
            Some("c1"),
            good("x1", "c1").replace("dropped_call", "teleport"),
        ),
        (
            Some("c1"),
            format!("{}\n{}", good("g2", "c1"), good("x2", "c2")),
        ),
        (Some("c3"), good("g3", "c3")),
        (None, good("g4", "c4")),
    ];
    for (key, value) in &messages {
        cluster.produce(*key, value).await;
    }
    let end = cluster.end_offsets();
    let group = "bad-messages";
    let (reports, mut reported) = mpsc::channel::<Rejection>(16);
    let sink = Arc::new(RecordingSink::default());
    let source = KafkaSource::new(cluster.source(group))
        .expect("config")
        .report_rejections_to(reports);
    let running = start(source, &sink);
    let probe = cluster.probe(group);
    wait_until("the four good events in the sink", || {
        sink.distinct().len() == 4
    })
    .await;
    wait_until("committed offsets past the bad messages", || {
        probe.committed() == end
    })
    .await;
    let stats = running.stop().await;

    assert_eq!(sink.delivered(), ["g1", "g2", "g3", "g4"]);
    let mut rejections = Vec::new();
    while let Ok(r) = reported.try_recv() {
        rejections.push(r);
    }
    let got: Vec<(i64, Option<usize>, Option<&str>)> = rejections
        .iter()
        .map(|r| (r.offset, r.line, r.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (1, Some(1), None),
            (2, Some(1), Some("type")),
            (3, Some(2), Some("customer_id"))
        ],
        "{rejections:#?}"
    );
    assert!(
        rejections[2].reason.contains("message key"),
        "{rejections:#?}"
    );
    assert!(
        rejections
            .iter()
            .all(|r| r.topic == TOPIC && r.partition == 0)
    );
    assert_eq!(
        (stats.messages, stats.rejected_lines, stats.events_accepted),
        (6, 3, 4)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_source_continues_from_the_committed_offsets() {
    let cluster = Cluster::new(2);
    let mut position: HashMap<String, (i32, i64)> = HashMap::new();
    for i in 0..200 {
        let (id, customer) = (format!("e{i}"), format!("c{}", i % 11));
        let at = cluster
            .produce(Some(&customer), &event(&id, &customer))
            .await;
        position.insert(id, at);
    }
    let end = cluster.end_offsets();
    let group = "restart";
    let probe = cluster.probe(group);
    let offset_of = |id: &String| position.get(id).copied().expect("produced event");

    // Run 1 stops itself once the sink holds 100 events.
    let first = Arc::new(RecordingSink::default());
    let mut halfway = first.distinct.subscribe();
    let mut config = cluster.source(group);
    config.batch_max = 10;
    let task =
        KafkaSource::new(config.clone())
            .expect("config")
            .spawn(Arc::clone(&first), async move {
                let _ = halfway.wait_for(|n| *n >= 100).await;
            });
    let stats_1 = join(task).await;
    let committed_1 = probe.committed();
    let run_1 = first.delivered();
    assert!(
        run_1.len() >= 100 && run_1.len() < 200,
        "run 1 delivered {}",
        run_1.len()
    );
    for id in &run_1 {
        let (p, o) = offset_of(id);
        assert!(
            o < committed_1[usize::try_from(p).expect("partition")],
            "{id} at {p}/{o} delivered in run 1 but not committed ({committed_1:?})"
        );
    }
    assert_eq!(
        committed_1.iter().sum::<i64>(),
        i64::try_from(run_1.len()).expect("count"),
        "run 1 committed exactly what it delivered"
    );

    // Run 2, same group: picks up where run 1 committed.
    let second = Arc::new(RecordingSink::default());
    let running = start(KafkaSource::new(config).expect("config"), &second);
    wait_until("run 2 to deliver the rest", || {
        second.distinct().len() == 200 - run_1.len()
    })
    .await;
    wait_until("committed offsets to reach the end", || {
        probe.committed() == end
    })
    .await;
    let stats_2 = running.stop().await;

    let run_2 = second.delivered();
    for id in &run_2 {
        let (p, o) = offset_of(id);
        assert!(
            o >= committed_1[usize::try_from(p).expect("partition")],
            "{id} at {p}/{o} was committed by run 1 yet delivered again"
        );
    }
    let union: HashSet<&String> = run_1.iter().chain(&run_2).collect();
    assert_eq!(union.len(), 200, "together the runs cover every event");
    assert_eq!(run_1.len() + run_2.len(), 200, "no event delivered twice");
    assert_eq!(stats_1.messages + stats_2.messages, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumption_resumes_after_the_broker_comes_back() {
    let cluster = Cluster::new(2);
    let mut expected = HashSet::new();
    for i in 0..100 {
        let id = format!("e{i}");
        cluster.produce(Some("c1"), &event(&id, "c1")).await;
        expected.insert(id);
    }
    let group = "broker-down";
    let sink = Arc::new(RecordingSink::default());
    let running = start(
        KafkaSource::new(cluster.source(group)).expect("config"),
        &sink,
    );
    wait_until("the first 100 events", || sink.distinct().len() == 100).await;

    // Down while more is being produced: the producer buffers and retries on its own.
    const BROKER: i32 = 1;
    cluster.mock.broker_down(BROKER).expect("broker down");
    let producer = cluster.producer.clone();
    let late_ids: Vec<String> = (100..200).map(|i| format!("e{i}")).collect();
    expected.extend(late_ids.iter().cloned());
    let producing = tokio::spawn(async move {
        for id in late_ids {
            produce(&producer, Some("c2"), &event(&id, "c2"), None).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        sink.distinct().len(),
        100,
        "nothing arrives while the broker is down"
    );
    cluster.mock.broker_up(BROKER).expect("broker up");
    tokio::time::timeout(WAIT, producing)
        .await
        .expect("production finished within the time limit")
        .expect("producer task did not panic");

    let end = cluster.end_offsets();
    let probe = cluster.probe(group);
    wait_until("all 200 events after recovery", || {
        sink.distinct().len() == 200
    })
    .await;
    wait_until("committed offsets to reach the end", || {
        probe.committed() == end
    })
    .await;
    let stats = running.stop().await;

    assert_eq!(sink.distinct(), expected);
    assert_eq!(sink.delivered().len(), 200, "no event delivered twice");
    assert_eq!((stats.events_accepted, stats.duplicates), (200, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_member_takes_over_partitions_without_losing_events() {
    let cluster = Cluster::new(4);
    let mut expected = HashSet::new();
    let mut produce_range = async |range: std::ops::Range<usize>| {
        for i in range {
            let (id, customer) = (format!("e{i}"), format!("c{}", i % 13));
            cluster
                .produce(Some(&customer), &event(&id, &customer))
                .await;
            expected.insert(id);
        }
    };
    produce_range(0..200).await;
    let group = "two-members";
    let sink = Arc::new(RecordingSink::default());
    let mut config = cluster.source(group);
    config.batch_max = 20;
    let first = start(KafkaSource::new(config.clone()).expect("config"), &sink);
    wait_until("the first member to deliver", || {
        !sink.distinct().is_empty()
    })
    .await;
    let second_source = KafkaSource::new(config).expect("config");
    let second_stats = second_source.stats();
    let second = start(second_source, &sink);
    produce_range(200..400).await;
    wait_until("the second member to get partitions and messages", || {
        second_stats.snapshot().messages > 0
    })
    .await;
    produce_range(400..600).await;

    let end = cluster.end_offsets();
    let probe = cluster.probe(group);
    wait_until("all 600 events", || sink.distinct().len() == 600).await;
    wait_until("committed offsets to reach the end", || {
        probe.committed() == end
    })
    .await;
    let (stats_1, stats_2) = (first.stop().await, second.stop().await);

    assert_eq!(sink.distinct(), expected);
    let redelivered = sink.delivered().len() - 600;
    assert_eq!(
        u64::try_from(redelivered).expect("count"),
        stats_1.duplicates + stats_2.duplicates
    );
    assert!(stats_2.events_accepted > 0, "{stats_2:?}");
    let committed: BTreeMap<i32, i64> = (0..).zip(probe.committed()).collect();
    let ends: BTreeMap<i32, i64> = (0..).zip(end).collect();
    assert_eq!(committed, ends);
}
