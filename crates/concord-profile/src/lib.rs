//! The live customer profile ("collective customer intelligence") and the journal that makes it durable.

mod aggregate;
mod error;
mod journal;
mod profile;
mod schema;
mod store;

pub use error::ProfileError;
pub use journal::{Journal, JournalReplay};
pub use profile::{ApplyOutcome, Profile, ProfileEnv, RECENT_EVENTS};
pub use schema::{CompiledSchema, TriggerFire};
pub use store::ProfileStore;
