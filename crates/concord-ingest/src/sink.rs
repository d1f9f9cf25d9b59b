//! Where sources deliver: the hub implements these, and a source only moves on once they return.

use concord_model::{Attributes, CustomerId, Event};
use std::future::Future;

/// Any error a sink reports; sources log it, keep the batch unacknowledged and retry or stop.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// What a sink did with a batch of events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// New events, now durable and applied.
    pub accepted: usize,
    /// Events whose id was seen before: nothing changed.
    pub duplicates: usize,
    /// Real-time triggers the new events fired.
    pub triggers_fired: usize,
}

/// Receives events. `ingest` returns only once the events are durable, so a source may then
/// acknowledge them upstream (HTTP 2xx, Kafka offset commit).
pub trait EventSink: Send + Sync {
    fn ingest(
        &self,
        events: Vec<Event>,
    ) -> impl Future<Output = Result<IngestSummary, SinkError>> + Send;
}

/// One customer of a base load: static attributes and the products held.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseRow {
    pub customer_id: CustomerId,
    pub attributes: Attributes,
    pub holdings: Vec<String>,
}

/// Receives base-load rows; returns once they are durable.
pub trait BaseSink: Send + Sync {
    fn load(&self, rows: Vec<BaseRow>) -> impl Future<Output = Result<(), SinkError>> + Send;
}
