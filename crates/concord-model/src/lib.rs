//! Concord's shared vocabulary: the types every stage of the data flow speaks. No IO lives here.

mod arm;
mod clock;
pub mod codec;
mod contact;
mod decision;
mod event;
mod event_fields;
mod feature;
mod ids;
mod outcome;
mod value;
mod variant;

pub use arm::{Arm, UnknownArm};
pub use clock::{Clock, ManualClock, SystemClock};
pub use contact::{Contact, Offer, UNKNOWN, VolumeUse};
pub use decision::{
    Competed, ContactKind, DecisionInputs, DecisionRecord, Factors, RankedAction, ResponseRecord,
    TraceEntry, TraceStage,
};
pub use event::{Event, EventKind, EventType};
pub use event_fields::FieldType;
pub use feature::{Feature, micro_key, micro_lower, symbol_hash};
pub use ids::{ActionId, ChannelId, CustomerId, DecisionId, EventId};
pub use jiff::Timestamp;
pub use outcome::{Direction, Outcome};
pub use value::{Attributes, Value};
pub use variant::{CHAMPION, Variant};
