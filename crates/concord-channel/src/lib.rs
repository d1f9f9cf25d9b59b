//! Channel sessions over the hub. The USSD menu (the *123# "Just For You" channel): a gateway
//! posts each input of a session; the session decides once, shows the offers as numbered
//! options on pages of at most 182 characters, asks to confirm the chosen one with its price,
//! and records the acceptance as a response (which is what provisions it).

mod page;
mod ussd;

pub use page::{MORE, PREVIOUS, Page, paginate};
pub use ussd::{Step, UssdError, UssdReply, UssdRequest, UssdSessions};
