//! `KafkaContactSink`: outbound contacts onto a topic through an idempotent producer, keyed by
//! customer so that each customer's contacts keep their order.

use crate::backoff::Backoff;
use crate::error::KafkaSinkError;
use crate::sink_config::KafkaSinkConfig;
use concord_sink::{BoxFuture, ContactSink, OutboundContact, SinkError};
use rdkafka::client::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// The header carrying the contact id, so a consumer can drop a contact it has seen (a contact
/// sent again after a restart has the same id).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// Pauses while librdkafka's queue is full (`queue.buffering.max.messages` / `.kbytes`): the
/// queue drains as the brokers acknowledge, or as messages time out if they can't be reached.
const QUEUE_FULL_PAUSE_FIRST: Duration = Duration::from_millis(5);
const QUEUE_FULL_PAUSE_MAX: Duration = Duration::from_millis(200);

/// Writes each [`OutboundContact`] as one message: key = `customer_id`, value = the contact as
/// JSON, header [`IDEMPOTENCY_KEY_HEADER`] = `contact_id`.
///
/// The producer is idempotent with `acks=all`: a retried write is neither duplicated nor
/// reordered, and an acknowledged one is on every in-sync replica. Since a customer's contacts
/// share a key, they share a partition and arrive in the order they were sent. A contact
/// queued but not yet acknowledged when the sink is dropped is lost: call `finish` first (the
/// drop also blocks for a moment while librdkafka shuts down).
///
/// ```no_run
/// # async fn example(contacts: Vec<concord_sink::OutboundContact>) -> Result<(), Box<dyn std::error::Error>> {
/// use concord_sink::ContactSink;
/// use concord_source_kafka::{KafkaContactSink, KafkaSinkConfig};
/// let mut config = KafkaSinkConfig::new("sms-offers", "kafka-1:9092,kafka-2:9092", "outbound-sms");
/// config.extra.push(("message.timeout.ms".into(), "30000".into()));
/// let sink = KafkaContactSink::new(config)?;
/// for result in sink.send(&contacts).await {
///     result?; // one per contact, in order
/// }
/// sink.finish().await?;
/// # Ok(()) }
/// ```
pub struct KafkaContactSink {
    config: KafkaSinkConfig,
    producer: FutureProducer<SinkContext>,
}

impl KafkaContactSink {
    /// Checks the config (a bad field is named in the error) and creates the producer; it
    /// connects in the background, so an unreachable broker shows up in `send`, not here.
    pub fn new(config: KafkaSinkConfig) -> Result<Self, KafkaSinkError> {
        let client_config = config.to_client_config()?;
        let context = SinkContext {
            name: config.name.clone(),
        };
        let producer = client_config
            .create_with_context(context)
            .map_err(|source| KafkaSinkError::Client {
                sink: config.name.clone(),
                source,
            })?;
        tracing::info!(sink = %config.name, brokers = %config.brokers, topic = %config.topic, "kafka contact sink created");
        Ok(KafkaContactSink { config, producer })
    }

    pub fn config(&self) -> &KafkaSinkConfig {
        &self.config
    }

    /// Queues the whole batch first, so it travels in few requests, then waits for each
    /// delivery report.
    async fn send_batch(&self, contacts: &[OutboundContact]) -> Vec<Result<(), SinkError>> {
        let mut queued = Vec::with_capacity(contacts.len());
        for contact in contacts {
            queued.push(self.enqueue(contact).await);
        }
        let mut results = Vec::with_capacity(contacts.len());
        for (contact, delivery) in contacts.iter().zip(queued) {
            let result = match delivery {
                Ok(delivery) => match delivery.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err((error, _message))) => Err(self.error(format!(
                        "contact {} not delivered to topic {}: {error}",
                        contact.contact_id, self.config.topic
                    ))),
                    Err(_canceled) => Err(self.error(format!(
                        "contact {}: the producer closed before its delivery report",
                        contact.contact_id
                    ))),
                },
                Err(error) => Err(error),
            };
            results.push(result);
        }
        let failed: Vec<&SinkError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        if let Some(first) = failed.first() {
            tracing::warn!(sink = %self.config.name, topic = %self.config.topic, contacts = contacts.len(), failed = failed.len(), %first, "kafka contact sink: contacts not delivered");
        }
        results
    }

    /// Hands one contact to librdkafka, waiting while its queue is full. Other refusals (a
    /// message over `message.max.bytes`, a producer in a fatal state) fail this contact only.
    async fn enqueue(&self, contact: &OutboundContact) -> Result<DeliveryFuture, SinkError> {
        let value = serde_json::to_vec(contact).map_err(|error| {
            self.error(format!(
                "contact {} could not be written as JSON: {error}",
                contact.contact_id
            ))
        })?;
        let headers = OwnedHeaders::new_with_capacity(1).insert(Header {
            key: IDEMPOTENCY_KEY_HEADER,
            value: Some(contact.contact_id.as_str()),
        });
        let mut record = FutureRecord::<str, [u8]>::to(&self.config.topic)
            .key(contact.customer_id.as_str())
            .payload(value.as_slice())
            .headers(headers);
        let mut pause = Backoff::new(QUEUE_FULL_PAUSE_FIRST, QUEUE_FULL_PAUSE_MAX);
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    record = returned;
                    let wait = pause.next_pause();
                    tracing::trace!(sink = %self.config.name, wait_ms = wait.as_millis(), "kafka producer queue full; waiting for it to drain");
                    tokio::time::sleep(wait).await;
                }
                Err((error, _)) => {
                    return Err(self.error(format!(
                        "contact {} could not be queued for topic {}: {error}",
                        contact.contact_id, self.config.topic
                    )));
                }
            }
        }
    }

    /// Waits until librdkafka has nothing left to deliver (only contacts of a `send` that was
    /// dropped midway can still be queued), off the async workers since the call blocks.
    async fn flush(&self) -> Result<(), SinkError> {
        let producer = self.producer.clone();
        let timeout = self.config.flush_timeout;
        let flushed = tokio::task::spawn_blocking(move || {
            producer
                .flush(timeout)
                .map_err(|error| (error, producer.in_flight_count()))
        })
        .await;
        match flushed {
            Ok(Ok(())) => Ok(()),
            Ok(Err((error, in_flight))) => Err(self.error(format!(
                "{in_flight} contacts still unacknowledged after waiting {timeout:?} for topic {}: {error}",
                self.config.topic
            ))),
            Err(error) => Err(self.error(format!("the flush task stopped early: {error}"))),
        }
    }

    fn error(&self, reason: String) -> SinkError {
        SinkError::Other {
            sink: self.config.name.clone(),
            reason,
        }
    }
}

impl ContactSink for KafkaContactSink {
    fn name(&self) -> &str {
        &self.config.name
    }

    /// Returns once every contact of the batch is acknowledged or has failed for good
    /// (librdkafka retries on its own until `message.timeout.ms`), one result per contact.
    fn send<'a>(
        &'a self,
        contacts: &'a [OutboundContact],
    ) -> BoxFuture<'a, Vec<Result<(), SinkError>>> {
        Box::pin(self.send_batch(contacts))
    }

    /// Waits up to `flush_timeout` for anything still queued; an error if some is left.
    fn finish(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(self.flush())
    }
}

impl std::fmt::Debug for KafkaContactSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaContactSink")
            .field("config", &self.config)
            .field("in_flight", &self.producer.in_flight_count())
            .finish()
    }
}

/// librdkafka context of the sink's producer: names the sink in its logs.
struct SinkContext {
    name: String,
}

impl ClientContext for SinkContext {
    /// Failures that matter reach `send` as failed deliveries; this only adds librdkafka's
    /// reason text (a broker unreachable, ...) while it retries.
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::debug!(sink = %self.name, %error, reason, "kafka producer client error");
    }
}
