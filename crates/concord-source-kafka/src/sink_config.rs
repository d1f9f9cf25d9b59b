//! The contact sink's settings, checked once and turned into an idempotent producer's configuration.

use crate::config::topic_problem;
use crate::error::KafkaSinkError;
use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use std::time::Duration;

/// How long [`concord_sink::ContactSink::finish`] waits for queued contacts by default.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the contacts go. `extra` goes to librdkafka as is, in order (a later entry overrides an
/// earlier one): security settings, `message.timeout.ms` (how long one contact may take before
/// `send` reports it failed), `linger.ms`, `compression.type`, `partitioner`, ...; except the
/// keys the sink owns (see [`SINK_RESERVED_KEYS`]).
#[derive(Clone, PartialEq)]
pub struct KafkaSinkConfig {
    /// The sink's name, as configured: in run reports, metrics and every error.
    pub name: String,
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    pub topic: String,
    /// How long `finish` waits for every queued contact to be acknowledged.
    pub flush_timeout: Duration,
    pub extra: Vec<(String, String)>,
}

/// librdkafka keys `extra` may not set: they have their own field, or the sink's promises
/// depend on them (no duplicates or reordering on retries, a write acknowledged by every
/// in-sync replica, a delivery report for every contact, no transaction left open).
pub const SINK_RESERVED_KEYS: [&str; 7] = [
    "bootstrap.servers",
    "metadata.broker.list",
    "enable.idempotence",
    "acks",
    "request.required.acks",
    "delivery.report.only.error",
    "transactional.id",
];

/// Defaults `extra` may override: the client names itself in broker logs.
const OVERRIDABLE_DEFAULTS: [(&str, &str); 1] = [("client.id", "concord-contact-sink")];

impl KafkaSinkConfig {
    /// A config with the default flush timeout and no extra settings.
    pub fn new(
        name: impl Into<String>,
        brokers: impl Into<String>,
        topic: impl Into<String>,
    ) -> Self {
        KafkaSinkConfig {
            name: name.into(),
            brokers: brokers.into(),
            topic: topic.into(),
            flush_timeout: DEFAULT_FLUSH_TIMEOUT,
            extra: Vec::new(),
        }
    }

    /// Checks every field and builds the librdkafka configuration (which librdkafka checks too,
    /// so a bad `extra` value is reported here, naming its key).
    pub(crate) fn to_client_config(&self) -> Result<ClientConfig, KafkaSinkError> {
        self.validate()?;
        let mut client = ClientConfig::new();
        for (key, value) in OVERRIDABLE_DEFAULTS {
            client.set(key, value);
        }
        for (key, value) in &self.extra {
            client.set(key, value);
        }
        client
            .set("bootstrap.servers", self.brokers.trim())
            .set("enable.idempotence", "true")
            .set("acks", "all");
        client.create_native_config().map_err(|e| match e {
            KafkaError::ClientConfig(_, description, key, _value) => {
                let field = if key == "bootstrap.servers" {
                    "brokers".to_owned()
                } else {
                    format!("extra.{key}")
                };
                self.error(field, description)
            }
            other => self.error("extra", other.to_string()),
        })?;
        Ok(client)
    }

    fn validate(&self) -> Result<(), KafkaSinkError> {
        for (field, value) in [
            ("name", &self.name),
            ("brokers", &self.brokers),
            ("topic", &self.topic),
        ] {
            if value.trim().is_empty() {
                return Err(self.error(field, "must not be empty"));
            }
        }
        if let Some(problem) = topic_problem(&self.topic) {
            return Err(self.error("topic", problem));
        }
        if self.flush_timeout.is_zero() {
            return Err(self.error("flush_timeout", "must be longer than zero"));
        }
        if let Some((key, _)) = self
            .extra
            .iter()
            .find(|(k, _)| SINK_RESERVED_KEYS.contains(&k.as_str()))
        {
            return Err(self.error(
                format!("extra.{key}"),
                "is set by the sink itself (brokers has its own field; the producer is always idempotent with acks=all and reports every delivery)",
            ));
        }
        Ok(())
    }

    fn error(&self, field: impl Into<String>, message: impl Into<String>) -> KafkaSinkError {
        KafkaSinkError::config(&self.name, field, message)
    }
}

/// Shows `extra`'s keys only: its values may be credentials (`sasl.password`, ...).
impl std::fmt::Debug for KafkaSinkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSinkConfig")
            .field("name", &self.name)
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("flush_timeout", &self.flush_timeout)
            .field(
                "extra_keys",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `edit` to a good config and expects the error to name `field` (or no error).
    fn check(edit: impl FnOnce(&mut KafkaSinkConfig), field: Option<&str>) {
        let mut config = KafkaSinkConfig::new("offers-topic", "localhost:9092", "contacts");
        edit(&mut config);
        let got = match config.to_client_config() {
            Ok(_) => None,
            Err(KafkaSinkError::Config { sink, field, .. }) => {
                assert_eq!(sink, config.name, "the error names the sink");
                Some(field)
            }
            Err(other) => panic!("unexpected error {other}"),
        };
        assert_eq!(got.as_deref(), field, "config {config:?}");
    }

    fn extra(key: &str, value: &str) -> impl FnOnce(&mut KafkaSinkConfig) {
        let (key, value) = (key.to_owned(), value.to_owned());
        move |c| c.extra.push((key, value))
    }

    #[test]
    fn each_bad_field_is_named() {
        check(|_| {}, None);
        check(|c| c.name = " ".into(), Some("name"));
        check(|c| c.brokers = String::new(), Some("brokers"));
        check(|c| c.topic = String::new(), Some("topic"));
        check(|c| c.topic = "contacts/sms".into(), Some("topic"));
        check(|c| c.topic = "t".repeat(250), Some("topic"));
        check(|c| c.flush_timeout = Duration::ZERO, Some("flush_timeout"));
        check(extra("message.timeout.ms", "5000"), None);
        check(extra("linger.ms", "20"), None);
        check(extra("partitioner", "murmur2_random"), None);
        check(extra("client.id", "hub-7"), None);
        check(extra("acks", "1"), Some("extra.acks"));
        check(
            extra("enable.idempotence", "false"),
            Some("extra.enable.idempotence"),
        );
        check(
            extra("delivery.report.only.error", "true"),
            Some("extra.delivery.report.only.error"),
        );
        check(
            extra("bootstrap.servers", "elsewhere:9092"),
            Some("extra.bootstrap.servers"),
        );
        check(
            extra("message.timeout.ms", "soon"),
            Some("extra.message.timeout.ms"),
        );
        check(extra("no.such.setting", "1"), Some("extra.no.such.setting"));
    }

    #[test]
    fn the_sink_owns_idempotence_and_acks() {
        let mut config = KafkaSinkConfig::new("s", " localhost:9092 ", "contacts");
        config.extra.push(("client.id".into(), "hub-7".into()));
        let client = config.to_client_config().expect("valid config");
        assert_eq!(client.get("enable.idempotence"), Some("true"));
        assert_eq!(client.get("acks"), Some("all"));
        assert_eq!(client.get("bootstrap.servers"), Some("localhost:9092"));
        assert_eq!(client.get("client.id"), Some("hub-7"));
    }

    #[test]
    fn debug_hides_extra_values() {
        let mut config = KafkaSinkConfig::new("s", "localhost:9092", "contacts");
        config
            .extra
            .push(("sasl.password".into(), "hunter2".into()));
        let shown = format!("{config:?}");
        assert!(shown.contains("sasl.password"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
