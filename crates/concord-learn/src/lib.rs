//! Self-learning: response counts per action x channel, published as immutable snapshots.

pub mod adm;
mod learner;
mod model;

pub use learner::Learner;
pub use model::{ModelCounts, ModelKey, ModelSnapshot};
