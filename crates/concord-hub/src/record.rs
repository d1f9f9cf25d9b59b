//! What the journal holds: every state change of every stage, in the order it was acknowledged.

use concord_model::{Attributes, CustomerId, DecisionRecord, Event, ResponseRecord};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum JournalRecord {
    /// A base-load row: static attributes and initial holdings.
    Customer {
        customer_id: CustomerId,
        attributes: Attributes,
        holdings: Vec<String>,
    },
    Event(Event),
    Decision(DecisionRecord),
    Response(ResponseRecord),
}
