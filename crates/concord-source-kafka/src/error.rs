//! What can stop the Kafka source, or keep the Kafka sink from being built: bad configuration,
//! or a client librdkafka cannot run.

use rdkafka::error::KafkaError;

/// Why a [`crate::KafkaSource`] could not be built or stopped on its own.
///
/// Bad messages and a failing sink are not errors here: the first are counted and reported as
/// [`crate::Rejection`]s, the second is retried until it succeeds or the source is shut down.
#[derive(Debug, thiserror::Error)]
pub enum KafkaSourceError {
    /// A configuration value is unusable; `field` names it (`brokers`, `extra.session.timeout.ms`, ...).
    #[error("kafka source config: `{field}` {message}")]
    Config { field: String, message: String },
    /// The consumer could not be created or could not subscribe.
    #[error("kafka consumer could not start: {0}")]
    Client(#[source] KafkaError),
    /// librdkafka raised a fatal error: this consumer instance cannot go on.
    #[error("kafka consumer hit a fatal error: {0}")]
    Fatal(#[source] KafkaError),
}

impl KafkaSourceError {
    pub(crate) fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        KafkaSourceError::Config {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a [`crate::KafkaContactSink`] could not be built. Every variant names the sink.
///
/// Contacts that fail later are not errors here: `send` reports them one by one, as
/// [`concord_sink::SinkError::Other`].
#[derive(Debug, thiserror::Error)]
pub enum KafkaSinkError {
    /// A configuration value is unusable; `field` names it (`topic`, `extra.acks`, ...).
    #[error("kafka sink `{sink}` config: `{field}` {message}")]
    Config {
        sink: String,
        field: String,
        message: String,
    },
    /// librdkafka refused to create the producer (settings that conflict with each other, such
    /// as `max.in.flight.requests.per.connection` above 5 with idempotence).
    #[error("kafka sink `{sink}`: the producer could not be created: {source}")]
    Client {
        sink: String,
        #[source]
        source: KafkaError,
    },
}

impl KafkaSinkError {
    pub(crate) fn config(
        sink: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        KafkaSinkError::Config {
            sink: sink.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}
