//! Kafka in and out of the hub. [`KafkaSource`] is a consumer-group member that reads OSS/BSS
//! events from one topic and hands them, batch by batch, to an [`concord_ingest::EventSink`] (the
//! hub). [`KafkaContactSink`] is a [`concord_sink::ContactSink`] that writes outbound contacts to
//! a topic (see [the contact sink](#the-contact-sink)).
//!
//! # Messages
//!
//! A message's value is an event batch in the shared format (one JSON object, a JSON array, or
//! NDJSON; see [`concord_ingest::parse_batch`]). Its key, when present, is the subscriber id: an
//! event whose `customer_id` differs is rejected. Rejected lines are counted
//! ([`KafkaStats::rejected_lines`]), logged with topic, partition, offset, line and reason, and
//! optionally reported ([`KafkaSource::report_rejections_to`]); their offsets are committed like
//! any other, so a bad message never blocks its partition.
//!
//! # Delivery guarantee
//!
//! At-least-once into the sink: offsets are stored and committed (synchronously, last handled
//! message + 1 per partition) only after [`concord_ingest::EventSink::ingest`] returned Ok, that
//! is once the events are durable. A failing sink is retried with the same batch (bounded
//! exponential back-off), never skipped. What can be delivered twice: a batch the sink took
//! whose commit then failed, or whose partition was revoked before the commit. The hub ignores
//! event ids it has seen, so in the profile this is effectively-once.
//!
//! On a rebalance, messages of revoked partitions still in the batch being gathered are dropped
//! (their new owner reads them from the last commit), and no commit names a partition this
//! consumer no longer owns. On shutdown the batch in hand is delivered and committed, then the
//! consumer leaves its group.
//!
//! # Pointing it at a real cluster
//!
//! ```text
//! brokers  = "kafka-1.example:9092,kafka-2.example:9092"   (bootstrap servers)
//! topic    = "oss-events"
//! group_id = "concord-prod"        (every hub instance of one deployment shares it)
//! extra    = security.protocol=SASL_SSL, sasl.mechanisms=SCRAM-SHA-512,
//!            sasl.username=..., sasl.password=..., ssl.ca.location=/etc/ssl/certs/ca.pem
//! ```
//!
//! `extra` goes to librdkafka unchanged (its `CONFIGURATION.md` lists the keys), except the keys
//! the source owns ([`RESERVED_KEYS`]). A new group starts at the earliest retained offset
//! (`auto.offset.reset=earliest`, overridable). TLS needs librdkafka built with OpenSSL, which
//! this crate does not do yet (no `ssl`/`gssapi` features of `rdkafka`): `SSL` and `SASL_SSL` are
//! refused at [`KafkaSource::new`], naming `extra.security.protocol`, and a SCRAM or GSSAPI
//! `sasl.mechanisms` makes `run` fail at start-up ([`KafkaSourceError::Client`]). `SASL_PLAINTEXT` with `PLAIN` works as built. Enabling `rdkafka/ssl` (OpenSSL,
//! `libssl-dev`) brings TLS, SCRAM and OAUTHBEARER.
//!
//! While the sink keeps failing the consumer does not poll; past `max.poll.interval.ms`
//! (default 5 min) librdkafka leaves the group, and the batch's commit fails once the sink
//! recovers: those messages are read again (duplicates, ignored by the hub).
//!
//! # The contact sink
//!
//! [`KafkaContactSink`] produces one message per [`concord_sink::OutboundContact`]: key =
//! `customer_id`, value = the contact as JSON, header `idempotency-key` = `contact_id`. The
//! producer is idempotent with `acks=all` ([`SINK_RESERVED_KEYS`] can't be overridden), and a
//! customer's contacts share a partition, so they arrive once each and in the order sent.
//! `send` queues the whole batch (waiting while librdkafka's queue is full), then returns one
//! result per contact in batch order once each is acknowledged or failed; `message.timeout.ms`
//! (in `extra`, default 5 min) bounds how long that takes when brokers are unreachable. A
//! contact sent again (after a restart) carries the same idempotency key, for consumers to
//! drop. `finish` flushes within [`KafkaSinkConfig::flush_timeout`]. Partitioning uses
//! librdkafka's default (CRC32 of the key); `extra` `partitioner=murmur2_random` matches the
//! Java client's.

mod backoff;
mod batch;
mod commit;
mod config;
mod context;
mod decode;
mod error;
mod offsets;
mod shutdown;
mod sink;
mod sink_config;
mod source;
mod stats;
mod worker;

pub use config::{DEFAULT_BATCH_MAX, DEFAULT_BATCH_WAIT, KafkaSourceConfig, RESERVED_KEYS};
pub use decode::Rejection;
pub use error::{KafkaSinkError, KafkaSourceError};
pub use sink::{IDEMPOTENCY_KEY_HEADER, KafkaContactSink};
pub use sink_config::{DEFAULT_FLUSH_TIMEOUT, KafkaSinkConfig, SINK_RESERVED_KEYS};
pub use source::KafkaSource;
pub use stats::{KafkaStats, LiveStats};
