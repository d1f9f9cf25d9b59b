//! Stores and commits offsets, once the sink has made the events they cover durable.

use crate::context::SourceContext;
use crate::offsets::NextOffsets;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::sync::Arc;

pub(crate) type SourceConsumer = StreamConsumer<SourceContext>;

/// What a commit did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CommitOutcome {
    /// Whether anything was committed.
    pub committed: bool,
    /// Partitions skipped because this consumer no longer owns them.
    pub not_assigned: Vec<i32>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CommitError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("the commit task stopped early: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl CommitError {
    /// The group is rebalancing (or this member's generation is over): expected, and settled by
    /// the rebalance itself (a revocation drops the offsets, a re-assignment lets them commit).
    pub(crate) fn is_rebalance(&self) -> bool {
        use rdkafka::types::RDKafkaErrorCode as Code;
        let CommitError::Kafka(error) = self else {
            return false;
        };
        matches!(
            error.rdkafka_error_code(),
            Some(Code::RebalanceInProgress | Code::IllegalGeneration | Code::UnknownMemberId)
        )
    }
}

/// Commits `offsets` synchronously. Storing them first makes librdkafka check that each
/// partition is still assigned to this consumer, so a commit never touches a partition that a
/// rebalance gave to someone else.
pub(crate) async fn commit(
    consumer: &Arc<SourceConsumer>,
    topic: &str,
    offsets: &NextOffsets,
) -> Result<CommitOutcome, CommitError> {
    let mut requested = TopicPartitionList::new();
    for (partition, next) in offsets.iter() {
        requested.add_partition_offset(topic, partition, Offset::Offset(next))?;
    }
    let consumer = Arc::clone(consumer);
    let topic = topic.to_owned();
    // A synchronous commit blocks until the coordinator answers (while it is unreachable, up to
    // session.timeout.ms): keep that off the async workers.
    let outcome =
        tokio::task::spawn_blocking(move || store_and_commit(&consumer, &topic, &requested))
            .await??;
    Ok(outcome)
}

fn store_and_commit(
    consumer: &SourceConsumer,
    topic: &str,
    requested: &TopicPartitionList,
) -> Result<CommitOutcome, KafkaError> {
    // Fails only when no partition could be stored; each element carries its own error.
    let stored_any = consumer.store_offsets(requested).is_ok();
    let mut outcome = CommitOutcome::default();
    let mut stored = TopicPartitionList::new();
    for elem in requested.elements() {
        if stored_any && elem.error().is_ok() {
            stored.add_partition_offset(topic, elem.partition(), elem.offset())?;
        } else {
            outcome.not_assigned.push(elem.partition());
        }
    }
    if stored.count() > 0 {
        consumer.commit(&stored, CommitMode::Sync)?;
        outcome.committed = true;
    }
    Ok(outcome)
}
