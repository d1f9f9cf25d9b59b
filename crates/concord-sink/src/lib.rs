//! Where Concord's outbound traffic goes: `deliver` POSTs JSON with an idempotency key and
//! retries what may succeed later (timeouts, refused connections, 5xx, 408, 409, 429), the
//! transport under provisioning (fulfilment) and webhooks; `contact` is the row every outbound
//! sink writes; `sink` the contract sinks keep.

mod contact;
mod deliver;
mod sink;

pub use contact::OutboundContact;
pub use deliver::{Delivered, DeliveryError, Retry, deliver, http_client};
pub use sink::{BoxFuture, ContactSink, SinkError};
