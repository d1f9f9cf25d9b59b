//! The decision funnel. Pure: everything it needs (the customer as rules read it at the
//! request's time, scores) comes in as arguments.

mod error;
mod funnel;

pub use error::DecideError;
pub use funnel::{Decision, DecisionRequest, Scorer, decide};
