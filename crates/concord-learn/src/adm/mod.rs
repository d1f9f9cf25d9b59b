//! Adaptive models after Pega's ADM: binned predictors, naive-Bayes log-odds, PAV calibration;
//! optionally a joint logistic fit over the same bins.

mod auc;
mod codec;
mod correlation;
mod flat;
mod joint;
mod model;
mod pav;
mod predictor;

#[cfg(test)]
mod tests;

pub use auc::auc;
pub use correlation::PairSums;
pub use joint::{JointWeights, PredictorWeights, Technique, Weight};
pub use model::{AdmConfig, AdmModel, CompiledPredictor, Scoring};
pub use pav::{Block, calibrate, pav};
pub use predictor::{Binning, Counts, PredictorCounts, PredictorKind, micro_key, micro_lower};
