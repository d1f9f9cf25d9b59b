//! The decision funnel. Pure: everything it needs (profile view, scores, time) comes in as arguments.

mod error;
mod funnel;

pub use error::DecideError;
pub use funnel::{CustomerView, Decision, DecisionRequest, Scorer, decide};
