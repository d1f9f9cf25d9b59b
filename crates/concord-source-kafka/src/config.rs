//! The source's settings, checked once and turned into a librdkafka consumer configuration.

use crate::error::KafkaSourceError;
use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use std::collections::BTreeMap;
use std::time::Duration;

pub const DEFAULT_BATCH_MAX: usize = 10_000;
pub const DEFAULT_BATCH_WAIT: Duration = Duration::from_millis(50);

/// Where to read from and how to batch. `extra` goes to librdkafka as is (security settings,
/// timeouts, `auto.offset.reset`, ...), except the keys the source owns (see [`RESERVED_KEYS`]).
#[derive(Clone, PartialEq)]
pub struct KafkaSourceConfig {
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    pub topic: String,
    /// The consumer group; instances sharing it split the topic's partitions.
    pub group_id: String,
    /// A batch goes to the sink once it holds this many events (or messages).
    pub batch_max: usize,
    /// ... or this long after its first message arrived.
    pub batch_wait: Duration,
    pub extra: BTreeMap<String, String>,
}

/// librdkafka keys `extra` may not set: they have their own field, or the source's delivery
/// guarantee depends on them (offsets are stored and committed only after the sink succeeded).
pub const RESERVED_KEYS: [&str; 6] = [
    "bootstrap.servers",
    "metadata.broker.list",
    "group.id",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "enable.partition.eof",
];

/// Defaults `extra` may override: a new group starts at the oldest retained event (the hub
/// ignores event ids it has seen), and the client names itself in broker logs.
const OVERRIDABLE_DEFAULTS: [(&str, &str); 2] = [
    ("auto.offset.reset", "earliest"),
    ("client.id", "concord-source-kafka"),
];

/// Kafka's own limit on topic names.
const MAX_TOPIC_LEN: usize = 249;

impl KafkaSourceConfig {
    /// A config with the default batching and no extra settings.
    pub fn new(
        brokers: impl Into<String>,
        topic: impl Into<String>,
        group_id: impl Into<String>,
    ) -> Self {
        KafkaSourceConfig {
            brokers: brokers.into(),
            topic: topic.into(),
            group_id: group_id.into(),
            batch_max: DEFAULT_BATCH_MAX,
            batch_wait: DEFAULT_BATCH_WAIT,
            extra: BTreeMap::new(),
        }
    }

    /// Checks every field and builds the librdkafka configuration (which librdkafka checks too,
    /// so a bad `extra` value is reported here, naming its key, rather than at start-up).
    pub(crate) fn to_client_config(&self) -> Result<ClientConfig, KafkaSourceError> {
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
            .set("group.id", &self.group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false");
        client.create_native_config().map_err(|e| match e {
            KafkaError::ClientConfig(_, description, key, _value) => {
                KafkaSourceError::config(self.field_of(&key), description)
            }
            other => KafkaSourceError::config("extra", other.to_string()),
        })?;
        Ok(client)
    }

    fn validate(&self) -> Result<(), KafkaSourceError> {
        for (field, value) in [
            ("brokers", &self.brokers),
            ("topic", &self.topic),
            ("group_id", &self.group_id),
        ] {
            if value.trim().is_empty() {
                return Err(KafkaSourceError::config(field, "must not be empty"));
            }
        }
        if let Some(problem) = topic_problem(&self.topic) {
            return Err(KafkaSourceError::config("topic", problem));
        }
        if self.batch_max == 0 {
            return Err(KafkaSourceError::config("batch_max", "must be at least 1"));
        }
        if let Some(key) = self
            .extra
            .keys()
            .find(|k| RESERVED_KEYS.contains(&k.as_str()))
        {
            return Err(KafkaSourceError::config(
                format!("extra.{key}"),
                "is set by the source itself (brokers and group_id have their own fields; offsets are committed only after the sink succeeded)",
            ));
        }
        Ok(())
    }

    /// The config field a librdkafka key came from.
    fn field_of(&self, key: &str) -> String {
        match key {
            "bootstrap.servers" => "brokers".into(),
            "group.id" => "group_id".into(),
            other => format!("extra.{other}"),
        }
    }
}

/// What is wrong with a topic name by Kafka's rules (the source's and the sink's), if anything.
pub(crate) fn topic_problem(topic: &str) -> Option<String> {
    let valid = topic.len() <= MAX_TOPIC_LEN
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    (!valid).then(|| {
        format!("must be at most {MAX_TOPIC_LEN} characters of [a-zA-Z0-9._-], got {topic:?}")
    })
}

/// Shows `extra`'s keys only: its values may be credentials (`sasl.password`, ...).
impl std::fmt::Debug for KafkaSourceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSourceConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("group_id", &self.group_id)
            .field("batch_max", &self.batch_max)
            .field("batch_wait", &self.batch_wait)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> KafkaSourceConfig {
        KafkaSourceConfig::new("localhost:9092", "events", "concord")
    }

    /// Applies `edit` to a good config and expects the error to name `field` (or no error).
    fn check(edit: impl FnOnce(&mut KafkaSourceConfig), field: Option<&str>) {
        let mut config = config();
        edit(&mut config);
        let got = match config.to_client_config() {
            Ok(_) => None,
            Err(KafkaSourceError::Config { field, .. }) => Some(field),
            Err(other) => panic!("unexpected error {other}"),
        };
        assert_eq!(got.as_deref(), field, "config {config:?}");
    }

    fn extra(key: &str, value: &str) -> impl FnOnce(&mut KafkaSourceConfig) {
        let (key, value) = (key.to_owned(), value.to_owned());
        move |c| {
            c.extra.insert(key, value);
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        check(|_| {}, None);
        check(|c| c.brokers = " ".into(), Some("brokers"));
        check(|c| c.topic = String::new(), Some("topic"));
        check(|c| c.group_id = String::new(), Some("group_id"));
        check(|c| c.topic = "^events.*".into(), Some("topic"));
        check(|c| c.topic = "e".repeat(250), Some("topic"));
        check(|c| c.batch_max = 0, Some("batch_max"));
        check(|c| c.batch_wait = Duration::ZERO, None);
        check(extra("session.timeout.ms", "10000"), None);
        check(extra("auto.offset.reset", "latest"), None);
        check(
            extra("enable.auto.commit", "true"),
            Some("extra.enable.auto.commit"),
        );
        check(extra("group.id", "other"), Some("extra.group.id"));
        check(
            extra("session.timeout.ms", "soon"),
            Some("extra.session.timeout.ms"),
        );
        check(extra("no.such.setting", "1"), Some("extra.no.such.setting"));
        check(extra("security.protocol", "PLAINTEXT"), None);
        // Built without TLS/SASL (see the crate docs): refused up front, naming the key.
        check(
            extra("security.protocol", "SASL_SSL"),
            Some("extra.security.protocol"),
        );
    }

    #[test]
    fn the_source_owns_offset_handling() {
        let client = config().to_client_config().expect("valid config");
        assert_eq!(client.get("enable.auto.commit"), Some("false"));
        assert_eq!(client.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(client.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(client.get("group.id"), Some("concord"));
    }

    #[test]
    fn debug_hides_extra_values() {
        let mut config = config();
        config
            .extra
            .insert("sasl.password".into(), "hunter2".into());
        let shown = format!("{config:?}");
        assert!(shown.contains("sasl.password"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
