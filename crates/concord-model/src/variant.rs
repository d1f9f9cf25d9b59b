//! Which experiment and variant a decision ran in (experiments.yaml `experiments`): the
//! champion strategy or one of its challengers, for the customers an experiment's pilot or
//! roll-out stage reaches.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The variant name of everyone in an experiment who is in none of its challengers.
pub const CHAMPION: &str = "champion";

/// An experiment's name and the variant of it a decision ran in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Variant {
    pub experiment: String,
    /// [`CHAMPION`] or a challenger's name.
    pub variant: String,
}

impl Variant {
    pub fn new(experiment: impl Into<String>, variant: impl Into<String>) -> Self {
        Self {
            experiment: experiment.into(),
            variant: variant.into(),
        }
    }

    pub fn is_champion(&self) -> bool {
        self.variant == CHAMPION
    }
}

/// `experiment/variant`.
impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.experiment, self.variant)
    }
}
