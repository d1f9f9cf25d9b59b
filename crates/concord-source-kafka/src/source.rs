//! `KafkaSource`: starts the consumer, runs the loop, and leaves the group cleanly.

use crate::commit::SourceConsumer;
use crate::config::KafkaSourceConfig;
use crate::context::{Revocations, SourceContext};
use crate::decode::Rejection;
use crate::error::KafkaSourceError;
use crate::offsets::NextOffsets;
use crate::shutdown::Shutdown;
use crate::stats::{KafkaStats, LiveStats};
use crate::worker::Worker;
use concord_ingest::EventSink;
use rdkafka::ClientConfig;
use rdkafka::consumer::Consumer;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A consumer-group member reading one topic into an [`EventSink`].
///
/// ```no_run
/// # async fn example(hub: std::sync::Arc<impl concord_ingest::EventSink + 'static>) -> Result<(), Box<dyn std::error::Error>> {
/// use concord_source_kafka::{KafkaSource, KafkaSourceConfig};
/// let config = KafkaSourceConfig::new("kafka-1:9092,kafka-2:9092", "oss-events", "concord");
/// let source = KafkaSource::new(config)?;
/// let stats = source.stats(); // live counters, e.g. for /metrics
/// let task = source.spawn(hub, async { let _ = tokio::signal::ctrl_c().await; });
/// let totals = task.await??;
/// # let _ = (stats, totals); Ok(()) }
/// ```
pub struct KafkaSource {
    config: KafkaSourceConfig,
    client_config: ClientConfig,
    stats: LiveStats,
    rejection_reports: Option<mpsc::Sender<Rejection>>,
}

impl KafkaSource {
    /// Checks the config (a bad field is named in the error); connects nothing yet.
    pub fn new(config: KafkaSourceConfig) -> Result<Self, KafkaSourceError> {
        let client_config = config.to_client_config()?;
        Ok(KafkaSource {
            config,
            client_config,
            stats: LiveStats::default(),
            rejection_reports: None,
        })
    }

    /// Also sends every rejection to `reports` (they are logged either way). A full or closed
    /// channel never slows consumption: reports that don't fit are only logged.
    pub fn report_rejections_to(mut self, reports: mpsc::Sender<Rejection>) -> Self {
        self.rejection_reports = Some(reports);
        self
    }

    /// Live counters; they keep counting while the source runs.
    pub fn stats(&self) -> LiveStats {
        self.stats.clone()
    }

    pub fn config(&self) -> &KafkaSourceConfig {
        &self.config
    }

    /// Consumes until `shutdown` resolves: the batch in hand is finished (delivered and
    /// committed), the consumer leaves its group, and the totals are returned. Errors only
    /// when the consumer cannot start or librdkafka reports a fatal error; sink failures are
    /// retried, bad messages counted and reported.
    pub async fn run<S, F>(self, sink: Arc<S>, shutdown: F) -> Result<KafkaStats, KafkaSourceError>
    where
        S: EventSink,
        F: Future<Output = ()>,
    {
        let revocations = Revocations::default();
        let context = SourceContext::new(self.config.topic.clone(), revocations.clone());
        let consumer: SourceConsumer = self
            .client_config
            .create_with_context(context)
            .map_err(KafkaSourceError::Client)?;
        let consumer = Arc::new(consumer);
        let result = match consumer.subscribe(&[self.config.topic.as_str()]) {
            Ok(()) => {
                tracing::info!(brokers = %self.config.brokers, topic = %self.config.topic, group = %self.config.group_id, "kafka source started");
                Worker {
                    consumer: &consumer,
                    topic: &self.config.topic,
                    batch_max: self.config.batch_max,
                    batch_wait: self.config.batch_wait,
                    sink: &*sink,
                    revocations,
                    stats: &self.stats,
                    rejection_reports: self.rejection_reports.as_ref(),
                    shutdown: Shutdown::new(shutdown),
                    pending: NextOffsets::default(),
                }
                .run()
                .await
            }
            Err(error) => Err(KafkaSourceError::Client(error)),
        };
        close(consumer).await;
        let stats = self.stats.snapshot();
        match &result {
            Ok(()) => {
                tracing::info!(topic = %self.config.topic, group = %self.config.group_id, ?stats, "kafka source stopped");
            }
            Err(error) => {
                tracing::error!(topic = %self.config.topic, group = %self.config.group_id, %error, ?stats, "kafka source failed");
            }
        }
        result.map(|()| stats)
    }

    /// [`KafkaSource::run`] on a tokio task.
    pub fn spawn<S, F>(
        self,
        sink: Arc<S>,
        shutdown: F,
    ) -> JoinHandle<Result<KafkaStats, KafkaSourceError>>
    where
        S: EventSink + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        tokio::spawn(self.run(sink, shutdown))
    }
}

/// Leaving the group blocks while librdkafka says goodbye to the coordinator: not on an async
/// worker.
async fn close(consumer: Arc<SourceConsumer>) {
    if let Err(error) = tokio::task::spawn_blocking(move || drop(consumer)).await {
        tracing::warn!(%error, "closing the kafka consumer failed");
    }
}

impl std::fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSource")
            .field("config", &self.config)
            .field("stats", &self.stats.snapshot())
            .field("reports_rejections", &self.rejection_reports.is_some())
            .finish()
    }
}
