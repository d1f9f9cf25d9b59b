//! The live customer profile ("collective customer intelligence") and the journal that makes it durable.

mod aggregate;
mod dedup;
mod error;
mod journal;
mod schema;
mod store;
mod symbols;
mod view;

pub use aggregate::last_tiebreak;
pub use dedup::{Admission, Dedup, MAX_FUTURE_MS, fingerprint};
pub use error::ProfileError;
pub use journal::{
    Durable, FRAME_HEADER, FrameWriter, Journal, JournalCodec, JournalOptions, JournalReplay,
    Position,
};
pub use schema::{CompiledSchema, TriggerFire};
pub use store::{
    ApplyOutcome, ProfileEnv, ProfileRef, ProfileStore, RowError, StoreStats, TypeMismatch,
};
pub use symbols::Symbols;
pub use view::Profile;
