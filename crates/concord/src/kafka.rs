//! `concord serve --kafka-*`: a Kafka consumer feeding the hub beside the HTTP API.

use crate::cli::KafkaArgs;
use anyhow::Context;
use concord_server::AppState;
use concord_source_kafka::{KafkaSource, KafkaSourceConfig, KafkaSourceError, KafkaStats};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A Kafka sink of the connections file (`sinks: {name: {kafka: {brokers, topic, options}}}`).
pub fn contact_sink(
    name: &str,
    spec: &concord_channel::connections::SinkSpec,
) -> Result<std::sync::Arc<dyn concord_sink::ContactSink>, String> {
    let concord_channel::connections::SinkSpec::Kafka {
        brokers,
        topic,
        options,
    } = spec
    else {
        return Err(format!("sink {name} is not a Kafka sink"));
    };
    let mut config = concord_source_kafka::KafkaSinkConfig::new(name, brokers, topic);
    config.extra.clone_from(options);
    concord_source_kafka::KafkaContactSink::new(config)
        .map(|sink| std::sync::Arc::new(sink) as std::sync::Arc<dyn concord_sink::ContactSink>)
        .map_err(|e| e.to_string())
}

/// The Kafka source the flags ask for, validated before anything starts.
pub fn source(args: &KafkaArgs) -> anyhow::Result<Option<KafkaSource>> {
    let (Some(brokers), Some(topic), Some(group)) =
        (&args.kafka_brokers, &args.kafka_topic, &args.kafka_group)
    else {
        return Ok(None);
    };
    let mut config = KafkaSourceConfig::new(brokers, topic, group);
    for option in &args.kafka_options {
        let (key, value) = option
            .split_once('=')
            .with_context(|| format!("--kafka-option {option:?}: expected KEY=VALUE"))?;
        config
            .extra
            .insert(key.trim().to_owned(), value.trim().to_owned());
    }
    KafkaSource::new(config)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("Kafka settings: {e}"))
}

/// A running consumer (or none), stopped when the server stops.
pub struct Consumer {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<Result<KafkaStats, KafkaSourceError>>>,
}

impl Consumer {
    pub fn start(source: Option<KafkaSource>, state: &AppState) -> Consumer {
        let (stop, stopped) = watch::channel(false);
        let task = source.map(|source| {
            let mut stopped = stopped.clone();
            tracing::info!(topic = %source.config().topic, group = %source.config().group_id, "consuming events from Kafka");
            source.spawn(state.hub.clone(), async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
        });
        Consumer { stop, task }
    }

    /// Lets the in-flight batch finish and commit, then waits for the consumer to leave.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            match task.await {
                Ok(Ok(stats)) => tracing::info!(?stats, "Kafka consumer stopped"),
                Ok(Err(e)) => tracing::error!(error = %e, "Kafka consumer failed"),
                Err(e) => tracing::error!(error = %e, "Kafka consumer task failed"),
            }
        }
    }
}
