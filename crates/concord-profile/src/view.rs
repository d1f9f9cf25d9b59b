//! An owned copy of one customer's static profile, for the customer view.

use concord_model::{Attributes, CustomerId, Timestamp};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub customer_id: CustomerId,
    /// The declared attributes that have a value.
    pub attributes: Attributes,
    pub holdings: BTreeSet<String>,
    pub last_event_at: Option<Timestamp>,
}
