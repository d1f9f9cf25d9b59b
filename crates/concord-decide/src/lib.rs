//! The decision funnel. Pure: everything it needs (the customer as rules read it at the
//! request's time, scores) comes in as arguments.

mod contact;
mod error;
mod funnel;
mod offer;
mod policy;
mod render;

pub use concord_model::{Contact, Offer, UNKNOWN, VolumeUse};
pub use contact::{History, customer_zone, quiet_local_time};
pub use error::DecideError;
pub use funnel::{
    ArmDraw, Decision, DecisionRequest, DoNotMention, Scorer, decide, decide_in, decide_with,
    placement_limit,
};
