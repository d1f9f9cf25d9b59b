//! Where sources deliver: the hub implements these, and a source only moves on once they return.

use concord_model::{Attributes, CustomerId, Event};
use std::future::Future;

/// Any error a sink reports; sources log it, keep the batch unacknowledged and retry or stop.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// What a sink did with a batch of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// New events, now durable and applied.
    pub accepted: usize,
    /// Events whose id was seen before: nothing changed.
    pub duplicates: usize,
    /// Real-time triggers the new events fired.
    pub triggers_fired: usize,
    /// Events the sink refused (too late, unstorable), by position in the batch: nothing changed.
    pub refused: Vec<Refusal>,
}

/// One refused event of a batch and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The event's 0-based position in the batch handed to the sink.
    pub index: usize,
    /// The field the reason is about, if one.
    pub field: Option<&'static str>,
    pub reason: String,
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
