//! The contract every outbound sink keeps (files, webhooks, Kafka).

use crate::{DeliveryError, OutboundContact};
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so sinks can sit behind `dyn ContactSink`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where outbound contacts go. A sink takes batches in order; `send` returns once each contact
/// of the batch is delivered or has failed for good, one result per contact in batch order.
/// Delivery is at least once: a contact sent again (after a restart) carries the same
/// `contact_id`, which webhooks send as the idempotency key and Kafka as a header.
pub trait ContactSink: Send + Sync + std::fmt::Debug {
    /// The sink's name (as configured), for run reports and metrics.
    fn name(&self) -> &str;

    fn send<'a>(
        &'a self,
        contacts: &'a [OutboundContact],
    ) -> BoxFuture<'a, Vec<Result<(), SinkError>>>;

    /// Completes what was sent: a file is flushed, closed and moved to its final name (until
    /// then it has a temporary one, so a reader never sees half a call list).
    fn finish(&self) -> BoxFuture<'_, Result<(), SinkError>>;
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    /// A sink built outside this crate (Kafka) failing.
    #[error("{sink}: {reason}")]
    Other { sink: String, reason: String },
}
