//! Typed identifiers, so a customer id can never be passed where an action id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A subscriber, usually the MSISDN or the billing account's customer number.
    CustomerId
);
string_id!(
    /// An action in the strategy catalog (an offer or a service treatment).
    ActionId
);
string_id!(
    /// A channel declared in the strategy (`ussd`, `call_centre`, `sms`, ...).
    ChannelId
);
string_id!(
    /// One decision; responses refer back to it.
    DecisionId
);
string_id!(
    /// An OSS/BSS event id; seeing the same id twice changes nothing.
    EventId
);
