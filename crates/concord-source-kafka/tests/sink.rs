//! The Kafka contact sink against librdkafka's mock cluster: contacts are produced, then read
//! back with a fresh consumer group. Every wait is bounded, so a broken sink fails a test
//! instead of hanging it.

use concord_sink::{ContactSink, OutboundContact, SinkError};
use concord_source_kafka::{IDEMPOTENCY_KEY_HEADER, KafkaContactSink, KafkaSinkConfig};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// The longest any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(60);
const TOPIC: &str = "outbound-contacts";
const SINK: &str = "sms-offers";

// ---------------------------------------------------------------------------------------------
// Contacts, the cluster, reading the topic back

/// Contact `i` of `customer` (decision `d<i>`), with text and price so the JSON is not trivial.
fn contact(i: usize, customer: usize) -> OutboundContact {
    let decision_id = format!("d{i}");
    let action_id = format!("a{}", i % 3);
    OutboundContact {
        contact_id: OutboundContact::id_of(&decision_id, &action_id),
        decision_id,
        customer_id: format!("c{customer}"),
        channel: "sms".into(),
        action_id,
        rank: 1,
        issue: "retention".into(),
        group: "bundles".into(),
        text: Some(format!("Offre n°{i}: 5 Go pour 2 000 FCFA")),
        price: Some(2_000.0),
        valid_until: Some("2026-11-30T23:59:59Z".parse().expect("timestamp")),
        propensity: 0.125,
        value: 310.5,
        time: "2026-11-23T10:00:00Z".parse().expect("timestamp"),
        trigger: i.is_multiple_of(2).then(|| "dropped_calls".to_owned()),
        run: (!i.is_multiple_of(2)).then(|| "nightly".to_owned()),
        arm: "test".into(),
        variant: None,
    }
}

/// `n` contacts for `customers` customers, interleaved (contact `i` is customer `i % customers`'s).
fn contacts(n: usize, customers: usize) -> Vec<OutboundContact> {
    (0..n).map(|i| contact(i, i % customers)).collect()
}

/// A one-broker mock cluster with the test topic.
struct Cluster {
    mock: MockCluster<'static, DefaultProducerContext>,
    bootstrap: String,
}

impl Cluster {
    fn new(partitions: i32) -> Self {
        init_logs();
        let mock = MockCluster::new(1).expect("mock cluster");
        mock.create_topic(TOPIC, partitions, 1).expect("topic");
        let bootstrap = mock.bootstrap_servers();
        Cluster { mock, bootstrap }
    }

    fn sink_config(&self, extra: &[(&str, &str)]) -> KafkaSinkConfig {
        let mut config = KafkaSinkConfig::new(SINK, &self.bootstrap, TOPIC);
        config
            .extra
            .push(("reconnect.backoff.max.ms".into(), "500".into()));
        config.extra.extend(
            extra
                .iter()
                .map(|&(key, value)| (key.to_owned(), value.to_owned())),
        );
        config
    }

    fn sink(&self, extra: &[(&str, &str)]) -> KafkaContactSink {
        KafkaContactSink::new(self.sink_config(extra)).expect("sink config")
    }

    /// Reads `topic` from the start with a fresh group until `count` messages came, then checks
    /// that the topic holds no more than that. Sorted by partition and offset.
    async fn read_back(&self, topic: &str, group: &str, count: usize) -> Vec<Received> {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("group.id", group)
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500")
            .create()
            .expect("verifying consumer");
        consumer.subscribe(&[topic]).expect("subscribe");
        let mut received = Vec::with_capacity(count);
        let deadline = tokio::time::Instant::now() + WAIT;
        while received.len() < count {
            let message = tokio::time::timeout_at(deadline, consumer.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out after {WAIT:?} with {} of {count} messages",
                        received.len()
                    )
                })
                .expect("message");
            received.push(Received::of(&message));
        }
        let metadata = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .expect("metadata");
        let in_topic: i64 = metadata.topics()[0]
            .partitions()
            .iter()
            .map(|p| {
                consumer
                    .fetch_watermarks(topic, p.id(), Duration::from_secs(10))
                    .expect("watermarks")
                    .1
            })
            .sum();
        assert_eq!(
            in_topic,
            i64::try_from(count).expect("count"),
            "messages in the topic"
        );
        received.sort_by_key(|r| (r.partition, r.offset));
        received
    }
}

/// One message as read back.
#[derive(Debug)]
struct Received {
    partition: i32,
    offset: i64,
    key: Option<String>,
    idempotency_key: Option<String>,
    contact: OutboundContact,
}

impl Received {
    fn of(message: &impl Message) -> Self {
        let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("utf-8");
        let idempotency_key = message.headers().and_then(|headers| {
            headers
                .iter()
                .find(|h| h.key == IDEMPOTENCY_KEY_HEADER)
                .and_then(|h| h.value.map(text))
        });
        Received {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(text),
            idempotency_key,
            contact: serde_json::from_slice(message.payload().expect("a value"))
                .expect("the value is an OutboundContact"),
        }
    }
}

/// Checks what was read back against what was sent: each contact exactly once, unchanged, keyed
/// by customer, carrying its id, and each customer's contacts in one partition in send order.
fn check_round_trip(sent: &[OutboundContact], received: &[Received]) {
    assert_eq!(received.len(), sent.len(), "as many messages as contacts");
    let by_id: HashMap<&str, &OutboundContact> =
        sent.iter().map(|c| (c.contact_id.as_str(), c)).collect();
    assert_eq!(by_id.len(), sent.len(), "test contacts have distinct ids");
    let mut seen = HashSet::new();
    let mut partitions: BTreeMap<&str, HashSet<i32>> = BTreeMap::new();
    let mut order_received: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in received {
        let id = r.contact.contact_id.as_str();
        assert!(seen.insert(id), "{id} arrived twice");
        assert_eq!(by_id.get(id), Some(&&r.contact), "{id} arrived unchanged");
        assert_eq!(r.key.as_deref(), Some(r.contact.customer_id.as_str()));
        assert_eq!(r.idempotency_key.as_deref(), Some(id));
        let customer = r.contact.customer_id.as_str();
        partitions.entry(customer).or_default().insert(r.partition);
        order_received.entry(customer).or_default().push(id);
    }
    let mut order_sent: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in sent {
        order_sent
            .entry(c.customer_id.as_str())
            .or_default()
            .push(c.contact_id.as_str());
    }
    for (customer, in_partitions) in &partitions {
        assert_eq!(in_partitions.len(), 1, "{customer} is in one partition");
    }
    assert_eq!(
        order_received, order_sent,
        "each customer's contacts in send order"
    );
}

fn assert_all_ok(results: &[Result<(), SinkError>]) {
    for (i, result) in results.iter().enumerate() {
        assert!(result.is_ok(), "contact {i}: {result:?}");
    }
}

/// The reason of a failed contact, checking that the error names the sink.
fn failure_reason(result: &Result<(), SinkError>) -> String {
    match result {
        Err(SinkError::Other { sink, reason }) => {
            assert_eq!(sink, SINK, "the error names the sink");
            reason.clone()
        }
        other => panic!("expected a failure naming the sink, got {other:?}"),
    }
}

async fn send(sink: &KafkaContactSink, contacts: &[OutboundContact]) -> Vec<Result<(), SinkError>> {
    let results = tokio::time::timeout(WAIT, sink.send(contacts))
        .await
        .expect("send returned within the time limit");
    assert_eq!(results.len(), contacts.len(), "one result per contact");
    results
}

async fn finish(sink: &KafkaContactSink) -> Result<(), SinkError> {
    tokio::time::timeout(WAIT, sink.finish())
        .await
        .expect("finish returned within the time limit")
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
async fn every_contact_arrives_once_keyed_by_customer_and_in_order() {
    let cluster = Cluster::new(4);
    let sink = cluster.sink(&[]);
    assert_eq!(sink.name(), SINK);
    let sent = contacts(500, 50);
    for batch in sent.chunks(125) {
        assert_all_ok(&send(&sink, batch).await);
    }
    finish(&sink).await.expect("flushed");

    let received = cluster.read_back(TOPIC, "verify-round-trip", 500).await;
    check_round_trip(&sent, &received);
    let used: HashSet<i32> = received.iter().map(|r| r.partition).collect();
    assert!(
        used.len() > 1,
        "50 customers spread over partitions: {used:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_makes_send_wait_instead_of_failing() {
    let cluster = Cluster::new(2);
    // Room for 5 contacts at a time: most of the batch has to wait for acknowledgements.
    let sink = cluster.sink(&[("queue.buffering.max.messages", "5")]);
    let sent = contacts(200, 7);
    assert_all_ok(&send(&sink, &sent).await);
    finish(&sink).await.expect("flushed");
    let received = cluster.read_back(TOPIC, "verify-queue-full", 200).await;
    check_round_trip(&sent, &received);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_that_cannot_be_queued_fails_alone_and_results_keep_batch_order() {
    let cluster = Cluster::new(2);
    let sink = cluster.sink(&[("message.max.bytes", "1000")]);
    let mut batch = contacts(5, 5);
    batch[2].text = Some("x".repeat(2_000));
    let results = send(&sink, &batch).await;
    let reason = failure_reason(&results[2]);
    assert!(reason.contains(&batch[2].contact_id), "{reason}");
    for i in [0, 1, 3, 4] {
        assert!(results[i].is_ok(), "contact {i}: {:?}", results[i]);
    }
    finish(&sink).await.expect("flushed");
    let delivered: Vec<OutboundContact> = [0, 1, 3, 4].map(|i| batch[i].clone()).to_vec();
    let received = cluster.read_back(TOPIC, "verify-too-large", 4).await;
    check_round_trip(&delivered, &received);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_fails_each_contact_naming_the_sink_within_the_message_timeout() {
    let cluster = Cluster::new(2);
    cluster.mock.broker_down(1).expect("broker down");
    let sink = cluster.sink(&[("message.timeout.ms", "1000")]);
    let started = Instant::now();
    let results = send(&sink, &contacts(3, 2)).await;
    let elapsed = started.elapsed();
    for result in &results {
        let reason = failure_reason(result);
        assert!(reason.contains("timed out"), "{reason}");
    }
    assert!(
        elapsed < Duration::from_secs(15),
        "failed after {elapsed:?}, message.timeout.ms is 1 s"
    );
    finish(&sink).await.expect("nothing left to flush");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_topic_fails_each_contact_when_topics_are_not_auto_created() {
    let cluster = Cluster::new(2);
    let mut config = cluster.sink_config(&[
        ("allow.auto.create.topics", "false"),
        ("topic.metadata.propagation.max.ms", "100"),
    ]);
    config.topic = "no-such-topic".into();
    let sink = KafkaContactSink::new(config).expect("sink config");
    let results = send(&sink, &contacts(3, 2)).await;
    for result in &results {
        let reason = failure_reason(result);
        assert!(
            reason.contains("no-such-topic") && reason.contains("Unknown topic"),
            "{reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finish_fails_naming_the_sink_while_contacts_are_still_queued() {
    let cluster = Cluster::new(2);
    cluster.mock.broker_down(1).expect("broker down");
    let mut config = cluster.sink_config(&[("message.timeout.ms", "60000")]);
    config.flush_timeout = Duration::from_millis(300);
    let sink = KafkaContactSink::new(config).expect("sink config");
    // The first poll of `send` queues the whole batch; giving up on it leaves the contacts queued.
    let batch = contacts(3, 2);
    let abandoned = tokio::time::timeout(Duration::from_millis(200), sink.send(&batch)).await;
    assert!(abandoned.is_err(), "no delivery while the broker is down");
    let reason = failure_reason(&finish(&sink).await);
    assert!(
        reason.contains("3 contacts still unacknowledged"),
        "{reason}"
    );
    // Dropping the producer blocks briefly while librdkafka purges the queue.
    tokio::task::spawn_blocking(move || drop(sink))
        .await
        .expect("sink dropped");
}

#[test]
fn a_bad_config_is_refused_naming_the_sink_and_the_field() {
    let mut config = KafkaSinkConfig::new(SINK, "localhost:9092", TOPIC);
    config.extra.push(("acks".into(), "1".into()));
    let error = KafkaContactSink::new(config).expect_err("acks is the sink's");
    let shown = error.to_string();
    assert!(
        shown.contains(SINK) && shown.contains("extra.acks"),
        "{shown}"
    );

    // Settings librdkafka only rejects together, when the producer is created.
    let mut config = KafkaSinkConfig::new(SINK, "localhost:9092", TOPIC);
    config
        .extra
        .push(("max.in.flight.requests.per.connection".into(), "10".into()));
    let error = KafkaContactSink::new(config).expect_err("too many in flight for idempotence");
    assert!(
        matches!(&error, concord_source_kafka::KafkaSinkError::Client { sink, .. } if sink == SINK),
        "{error}"
    );
}
