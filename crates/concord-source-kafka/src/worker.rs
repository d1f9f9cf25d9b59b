//! The source's loop: gather a batch, hand it to the sink until it takes it, then commit.
//!
//! Offsets move only after the sink returned Ok, so every committed message is durable in the
//! hub (at-least-once). Rebalance callbacks run inside `recv`, never while a batch is with the
//! sink or being committed, so dropping revoked partitions right after each `recv` is enough to
//! keep foreign partitions out of every commit.

use crate::backoff::Backoff;
use crate::batch::Batch;
use crate::commit::{SourceConsumer, commit};
use crate::context::Revocations;
use crate::decode::{Decoded, Position, Rejection, decode};
use crate::error::KafkaSourceError;
use crate::offsets::NextOffsets;
use crate::shutdown::Shutdown;
use crate::stats::LiveStats;
use concord_ingest::{EventSink, IngestSummary};
use concord_model::Event;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Sink retries: from 100 ms, doubling, to at most 10 s between attempts.
const SINK_RETRY_FIRST: Duration = Duration::from_millis(100);
const SINK_RETRY_MAX: Duration = Duration::from_secs(10);
/// Pauses after consumer errors (a broker unreachable), so an error storm can't spin.
const CONSUMER_ERROR_PAUSE_FIRST: Duration = Duration::from_millis(50);
const CONSUMER_ERROR_PAUSE_MAX: Duration = Duration::from_secs(2);
/// While a commit is owed and no message comes, how often to try it again.
const COMMIT_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// Commit attempts on the way out, when the last one failed.
const FINAL_COMMIT_ATTEMPTS: usize = 3;

/// Everything one run of the loop needs.
pub(crate) struct Worker<'a, S, F> {
    pub consumer: &'a Arc<SourceConsumer>,
    pub topic: &'a str,
    pub batch_max: usize,
    pub batch_wait: Duration,
    pub sink: &'a S,
    pub revocations: Revocations,
    pub stats: &'a LiveStats,
    pub rejection_reports: Option<&'a mpsc::Sender<Rejection>>,
    pub shutdown: Shutdown<F>,
    /// Offsets of batches the sink took whose commit has not succeeded yet.
    pub pending: NextOffsets,
}

enum Polled {
    Shutdown,
    Timer,
    Received(Result<(i32, i64, Decoded), KafkaError>),
}

enum Delivery {
    Done(IngestSummary),
    /// Shutdown came while the sink kept failing: the batch stays uncommitted.
    Abandoned,
}

impl<S: EventSink, F: Future<Output = ()>> Worker<'_, S, F> {
    /// Runs until shutdown (Ok) or a fatal consumer error.
    pub(crate) async fn run(&mut self) -> Result<(), KafkaSourceError> {
        loop {
            let batch = self.collect().await?;
            if !batch.is_empty() {
                let n_messages = batch.n_messages();
                let (events, offsets) = batch.into_parts();
                match self.deliver(events).await {
                    Delivery::Done(summary) => {
                        self.stats.batch_done(summary.accepted, summary.duplicates);
                        // Refused events (too late, unstorable) can never be accepted: they are
                        // counted and logged, and the offsets move past them.
                        self.stats.message_read_refused(summary.refused.len());
                        if let Some(first) = summary.refused.first() {
                            tracing::warn!(topic = %self.topic, refused = summary.refused.len(), first = %first.reason, "kafka source: the hub refused events");
                        }
                        self.pending.merge(&offsets);
                    }
                    Delivery::Abandoned => {
                        tracing::warn!(topic = %self.topic, messages = n_messages, "kafka source stopping with a batch the sink refused; it stays uncommitted and will be read again");
                    }
                }
            }
            if self.shutdown.is_requested() {
                self.final_commit().await;
                return Ok(());
            }
            if !self.pending.is_empty() {
                self.commit_pending().await;
            }
        }
    }

    /// Gathers messages until the batch is full, `batch_wait` after its first message, or
    /// shutdown. With nothing to deliver but a commit owed, returns early so it is retried.
    async fn collect(&mut self) -> Result<Batch, KafkaSourceError> {
        let mut batch = Batch::default();
        let idle_wake = (!self.pending.is_empty()).then(|| Instant::now() + COMMIT_RETRY_INTERVAL);
        let mut batch_deadline = None;
        let mut error_pause = Backoff::new(CONSUMER_ERROR_PAUSE_FIRST, CONSUMER_ERROR_PAUSE_MAX);
        loop {
            if batch.is_full(self.batch_max) {
                return Ok(batch);
            }
            let wake_at = if batch.is_empty() {
                idle_wake
            } else {
                batch_deadline
            };
            let topic = self.topic;
            let polled = tokio::select! {
                biased;
                () = self.shutdown.requested() => Polled::Shutdown,
                () = sleep_until(wake_at) => Polled::Timer,
                received = self.consumer.recv() => Polled::Received(received.map(|m| {
                    let at = Position { topic, partition: m.partition(), offset: m.offset() };
                    (at.partition, at.offset, decode(at, m.key(), m.payload()))
                })),
            };
            // Revocations happened during that recv, so before the message it returned.
            self.forget_revoked(&mut batch);
            match polled {
                Polled::Shutdown | Polled::Timer => return Ok(batch),
                Polled::Received(Ok((partition, offset, decoded))) => {
                    error_pause.reset();
                    self.report(&decoded.rejections);
                    self.stats.message_read(decoded.rejections.len());
                    if batch.is_empty() {
                        batch_deadline = Some(Instant::now() + self.batch_wait);
                    }
                    batch.push(partition, offset, decoded.events);
                }
                Polled::Received(Err(KafkaError::PartitionEOF(_))) => {}
                Polled::Received(Err(error @ KafkaError::MessageConsumptionFatal(_))) => {
                    return Err(KafkaSourceError::Fatal(error));
                }
                Polled::Received(Err(error)) => {
                    let pause = error_pause.next_pause();
                    tracing::warn!(topic = %self.topic, %error, pause_ms = millis(pause), "kafka consumer error; librdkafka retries");
                    let until = wake_at.map_or(pause, |at| {
                        pause.min(at.saturating_duration_since(Instant::now()))
                    });
                    tokio::select! {
                        biased;
                        () = self.shutdown.requested() => return Ok(batch),
                        () = tokio::time::sleep(until) => {}
                    }
                }
            }
        }
    }

    /// Hands the events to the sink, retrying with back-off until it takes them. Only a
    /// shutdown stops the retries; the batch is never skipped.
    async fn deliver(&mut self, events: Vec<Event>) -> Delivery {
        if events.is_empty() {
            return Delivery::Done(IngestSummary::default());
        }
        let mut backoff = Backoff::new(SINK_RETRY_FIRST, SINK_RETRY_MAX);
        let mut attempt: u32 = 1;
        loop {
            match self.sink.ingest(events.clone()).await {
                Ok(summary) => {
                    if attempt > 1 {
                        tracing::info!(topic = %self.topic, events = events.len(), attempt, "sink took the batch after retries");
                    }
                    return Delivery::Done(summary);
                }
                Err(error) => {
                    let pause = backoff.next_pause();
                    tracing::warn!(topic = %self.topic, events = events.len(), attempt, retry_in_ms = millis(pause), %error, "sink refused the batch; offsets stay uncommitted, retrying the same batch");
                    tokio::select! {
                        biased;
                        () = self.shutdown.requested() => return Delivery::Abandoned,
                        () = tokio::time::sleep(pause) => {}
                    }
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }

    /// Commits what the sink has taken. A failure keeps the offsets owed: the next commit
    /// (they only move forward) or the idle retry covers them.
    async fn commit_pending(&mut self) -> bool {
        match commit(self.consumer, self.topic, &self.pending).await {
            Ok(outcome) => {
                if !outcome.not_assigned.is_empty() {
                    tracing::warn!(topic = %self.topic, partitions = ?outcome.not_assigned, "offsets not committed: partitions no longer assigned; their new owner reads those messages again");
                }
                if outcome.committed {
                    self.stats.committed();
                    tracing::debug!(topic = %self.topic, offsets = ?self.pending, "kafka offsets committed");
                }
                self.pending.clear();
                true
            }
            Err(error) if error.is_rebalance() => {
                tracing::info!(topic = %self.topic, %error, offsets = ?self.pending, "kafka offset commit refused during a rebalance; retrying after it");
                false
            }
            Err(error) => {
                tracing::warn!(topic = %self.topic, %error, offsets = ?self.pending, "kafka offset commit failed; retrying later");
                false
            }
        }
    }

    async fn final_commit(&mut self) {
        for attempt in 1..=FINAL_COMMIT_ATTEMPTS {
            if self.pending.is_empty() || self.commit_pending().await {
                return;
            }
            if attempt < FINAL_COMMIT_ATTEMPTS {
                tokio::time::sleep(COMMIT_RETRY_INTERVAL).await;
            }
        }
        tracing::warn!(topic = %self.topic, offsets = ?self.pending, "kafka source stopping with offsets uncommitted; those messages will be read again (the hub ignores events it has seen)");
    }

    fn forget_revoked(&mut self, batch: &mut Batch) {
        let revoked = self.revocations.take();
        if revoked.is_empty() {
            return;
        }
        let dropped = batch.forget(&revoked);
        self.pending.forget(&revoked);
        if dropped > 0 {
            tracing::info!(topic = %self.topic, partitions = ?revoked, messages = dropped, "dropped revoked partitions' messages from the batch; their new owner reads them");
        }
    }

    /// Logs each rejection (never silently dropped) and passes it to the report channel, if any.
    fn report(&self, rejections: &[Rejection]) {
        for r in rejections {
            tracing::warn!(topic = %r.topic, partition = r.partition, offset = r.offset, line = r.line, field = r.field.as_deref(), reason = %r.reason, "kafka event rejected");
            if let Some(reports) = self.rejection_reports {
                // A full or closed report channel must not stall consumption: the log has it.
                let _ = reports.try_send(r.clone());
            }
        }
    }
}

/// Sleeps until `at`, or forever when there is nothing to wake for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
