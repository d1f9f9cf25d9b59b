//! Channel sessions over the hub. The USSD menu (the *123# "Just For You" channel): a gateway
//! posts each input of a session; the session decides once, shows the offers as numbered
//! options on pages of at most 182 characters, asks to confirm the chosen one with its price,
//! and records the acceptance as a response. Fulfilment (`fulfil`): the worker that provisions
//! accepted offers through the endpoints of the connections file (`connections`). Outbound
//! (`outbound`): trigger fires decided and outbound decisions sent to their channel's sink.
//! Batch runs (`runs`): the base or a segment decided in an outbound channel, written to its sink.

pub mod connections;
mod fulfil;
mod outbound;
mod page;
mod runs;
mod ussd;

pub use fulfil::{FulfilStats, Fulfiller, ProvisionRequest};
pub use outbound::{CallListDir, MAX_FIRE_AGE, Outbound, OutboundStats, build_sinks, contacts_of};
pub use page::{MORE, PREVIOUS, Page, paginate};
pub use runs::{Run, RunError, RunReport, RunState, Runs, run_file};
pub use ussd::{Step, UssdError, UssdReply, UssdRequest, UssdSessions};
