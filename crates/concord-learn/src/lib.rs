//! Self-learning: an adaptive model (ADM) per action x channel, fed by responses with the
//! predictor values their decisions recorded, published as immutable snapshots.

pub mod adm;
mod chance;
mod explore;
mod learner;
mod model;
pub mod report;

pub use chance::{Ranking, first_chance};
pub use explore::{Capped, Thompson, audience_draw};
pub use learner::{Learned, Learner, Lesson, PUBLISH_EVERY};
pub use model::{LearnConfig, Model, ModelKey, ModelSnapshot, Polarity, recompile_due};
