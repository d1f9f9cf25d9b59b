//! What can go wrong when building or driving a simulated operator.

use thiserror::Error;

/// A bad configuration or a call about something the operator does not know.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimError {
    #[error("subscribers must be between 1 and {max}, got {got}")]
    SubscriberCount { got: usize, max: usize },
    #[error(
        "partition {index} of {count} does not exist in a base of {subscribers}: count must be 1 to the base size, index below count"
    )]
    Partition {
        index: usize,
        count: usize,
        subscribers: usize,
    },
    #[error("config field `{field}` must be {expected}, got {got}")]
    OutOfRange {
        field: &'static str,
        expected: &'static str,
        got: f64,
    },
    #[error("start time {0} is outside the range the simulator can run from")]
    StartOutOfRange(jiff::Timestamp),
    #[error("action catalog lists `{0}` twice")]
    DuplicateAction(String),
    #[error("action `{0}` has an empty id")]
    EmptyActionId(String),
    #[error("action `{action}` has value {value}; values must be finite and >= 0")]
    BadActionValue { action: String, value: f64 },
    #[error("unknown customer `{0}`")]
    UnknownCustomer(String),
    #[error("unknown action `{0}`")]
    UnknownAction(String),
}
