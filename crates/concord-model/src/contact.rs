//! A customer's contact history as the contact policy and offer memory read it: impressions
//! and outcomes, open offers, and the use of operator-wide volume budgets.

use crate::decision::ContactKind;
use serde::{Deserialize, Serialize};

/// An action or channel the current strategy does not declare (any more).
pub const UNKNOWN: u32 = u32::MAX;

/// One entry of a customer's contact history: an action presented in a channel (an
/// impression), or the customer's answer to one, at a time. Actions and channels are positions
/// in the strategy ([`UNKNOWN`] when it no longer declares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub time_ms: i64,
    pub action: u32,
    pub channel: u16,
    pub kind: ContactKind,
}

/// An offer shown to the customer with a validity (offer memory): every channel asked before
/// `valid_until_ms` shows it at the same price while it is eligible; once accepted anywhere,
/// no channel shows it again until it lapses. Identified by (action, `valid_until_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub action: u32,
    pub price: Option<f64>,
    pub shown_ms: i64,
    pub valid_until_ms: i64,
    pub channel: u16,
    pub accepted_ms: Option<i64>,
}

/// What has been used of one volume budget in the current period, operator-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct VolumeUse {
    pub contacts: u64,
    pub cost: f64,
}
