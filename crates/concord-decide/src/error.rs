//! Errors a decision request can fail with (bad requests, never rule failures).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    #[error("unknown channel {channel:?}; the strategy declares: {}", valid.join(", "))]
    UnknownChannel { channel: String, valid: Vec<String> },
    #[error("unknown placement {placement:?} for channel {channel}; it declares: {}", if valid.is_empty() { "none (omit placement)".to_owned() } else { valid.join(", ") })]
    UnknownPlacement {
        channel: String,
        placement: String,
        valid: Vec<String>,
    },
}
