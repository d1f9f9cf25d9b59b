//! Errors a decision request can fail with (bad requests, never rule failures).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    #[error("unknown channel {channel:?}; the strategy declares: {}", valid.join(", "))]
    UnknownChannel { channel: String, valid: Vec<String> },
}
