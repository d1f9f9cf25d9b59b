//! Self-learning: an adaptive model (ADM) per action x channel, fed by responses with the
//! predictor values their decisions recorded, published as immutable snapshots.

pub mod adm;
mod explore;
mod learner;
mod model;

pub use explore::Thompson;
pub use learner::{Learned, Learner};
pub use model::{LearnConfig, Model, ModelKey, ModelSnapshot};
