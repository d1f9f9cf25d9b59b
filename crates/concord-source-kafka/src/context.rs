//! The consumer's callbacks: logs librdkafka's news and notes which partitions were taken away.

use parking_lot::Mutex;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::topic_partition_list::TopicPartitionList;
use std::sync::Arc;

/// Partitions revoked since the source last looked.
///
/// Rebalance callbacks run inside the source's own `recv`, so the source sees each revocation
/// before the first message that follows it, and can drop the revoked partitions' messages
/// from its batch before they are committed by a consumer that no longer owns them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Revocations(Arc<Mutex<Vec<i32>>>);

impl Revocations {
    fn record(&self, topic: &str, partitions: &TopicPartitionList) {
        let mut revoked = self.0.lock();
        for elem in partitions.elements_for_topic(topic) {
            if !revoked.contains(&elem.partition()) {
                revoked.push(elem.partition());
            }
        }
    }

    /// The partitions revoked since the last call.
    pub(crate) fn take(&self) -> Vec<i32> {
        std::mem::take(&mut *self.0.lock())
    }
}

/// librdkafka context of the source's consumer.
#[derive(Debug)]
pub(crate) struct SourceContext {
    topic: String,
    revocations: Revocations,
}

impl SourceContext {
    pub(crate) fn new(topic: String, revocations: Revocations) -> Self {
        SourceContext { topic, revocations }
    }
}

impl ClientContext for SourceContext {
    /// Every client error also reaches the consumer's `recv`, where the source logs it: only
    /// librdkafka's reason text is added here.
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::debug!(topic = %self.topic, %error, reason, "kafka client error");
    }
}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(partitions) => {
                tracing::info!(topic = %self.topic, partitions = ?partition_ids(&self.topic, partitions), "kafka partitions assigned");
            }
            Rebalance::Revoke(partitions) => {
                let lost = consumer_lost(consumer);
                tracing::info!(topic = %self.topic, partitions = ?partition_ids(&self.topic, partitions), lost, "kafka partitions revoked; their uncommitted messages go to the next owner");
                self.revocations.record(&self.topic, partitions);
            }
            Rebalance::Error(error) => {
                tracing::warn!(topic = %self.topic, %error, "kafka rebalance failed");
            }
        }
    }

    fn commit_callback(
        &self,
        result: rdkafka::error::KafkaResult<()>,
        offsets: &TopicPartitionList,
    ) {
        if let Err(error) = result {
            tracing::debug!(topic = %self.topic, %error, partitions = ?partition_ids(&self.topic, offsets), "kafka offset commit failed");
        }
    }
}

fn consumer_lost(consumer: &BaseConsumer<SourceContext>) -> bool {
    use rdkafka::consumer::Consumer;
    consumer.assignment_lost()
}

fn partition_ids(topic: &str, partitions: &TopicPartitionList) -> Vec<i32> {
    partitions
        .elements_for_topic(topic)
        .iter()
        .map(|e| e.partition())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_are_taken_once_and_only_for_our_topic() {
        let revocations = Revocations::default();
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition("events", 0);
        tpl.add_partition("events", 2);
        tpl.add_partition("other", 1);
        revocations.record("events", &tpl);
        revocations.record("events", &tpl);
        assert_eq!(revocations.take(), vec![0, 2]);
        assert_eq!(revocations.take(), Vec::<i32>::new());
    }
}
