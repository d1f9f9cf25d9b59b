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
pub use error::{ProfileError, SnapshotError};
pub use journal::{
    Durable, FRAME_HEADER, FrameWriter, Journal, JournalCodec, JournalOptions, JournalReplay,
    Position,
};
pub use schema::{CompiledSchema, TriggerFire};
pub use store::{
    Admitter, ApplyOutcome, BatchOutcome, Chain, Change, Prepared, ProfileEnv, ProfileRef,
    ProfileStore, RestoredShard, RowError, RowSlot, StoreStats, TypeMismatch,
};
pub use symbols::Symbols;
pub use view::Profile;
