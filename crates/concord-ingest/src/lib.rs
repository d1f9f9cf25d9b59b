//! Sources -> typed events. The event batch format shared by HTTP, files and queues, and the
//! sink traits every source delivers into.

mod batch;
mod sink;

pub use batch::{BatchError, LineError, MAX_EVENTS_PER_BATCH, ParsedBatch, parse_batch};
pub use sink::{BaseRow, BaseSink, EventSink, IngestSummary, Refusal, SinkError};
