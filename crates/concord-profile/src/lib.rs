//! The live customer profile ("collective customer intelligence") and the journal that makes it durable.

mod error;
mod journal;
mod profile;
mod store;

pub use error::ProfileError;
pub use journal::{Journal, JournalReplay};
pub use profile::{ApplyOutcome, Profile, RECENT_EVENTS};
pub use store::ProfileStore;
