//! What a customer did with an action, and which way a channel talks.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A response to a presented action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Declined,
    Clicked,
    Ignored,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Accepted,
        Outcome::Declined,
        Outcome::Clicked,
        Outcome::Ignored,
    ];

    /// Whether a learner counts this outcome as a success. Only an acceptance is a conversion.
    pub fn is_positive(self) -> bool {
        matches!(self, Outcome::Accepted)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Declined => "declined",
            Outcome::Clicked => "clicked",
            Outcome::Ignored => "ignored",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Inbound: the customer came to us (USSD, app, call centre). Outbound: we reach out (SMS, calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}
