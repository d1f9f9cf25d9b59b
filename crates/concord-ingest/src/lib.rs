//! Sources -> typed events. Today: the event batch format shared by HTTP, files and queues.

mod batch;

pub use batch::{BatchError, LineError, MAX_EVENTS_PER_BATCH, ParsedBatch, parse_batch};
