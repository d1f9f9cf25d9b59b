//! Where Concord's outbound traffic goes: `deliver` POSTs JSON with an idempotency key and
//! retries what may succeed later (timeouts, refused connections, 5xx, 408, 409, 429), the
//! transport under provisioning (fulfilment) and webhooks; `contact` is the row every outbound
//! sink writes; `sink` the contract sinks keep; `webhook` a sink POSTing each contact over
//! `deliver`; `file` a sink writing call lists (CSV, Parquet) that appear whole or not at all,
//! with `CallListWriter` as the synchronous path for bulk writers.

mod contact;
mod deliver;
mod file;
mod sink;
mod webhook;

pub use contact::OutboundContact;
pub use deliver::{Delivered, DeliveryError, Retry, deliver, http_client};
pub use file::{CALL_LIST_COLUMNS, CallListConfig, CallListSink, CallListWriter, FileFormat};
pub use sink::{BoxFuture, ContactSink, SinkError};
pub use webhook::{WebhookBody, WebhookConfig, WebhookSink};
