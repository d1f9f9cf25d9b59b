//! The always-on control arms (experiments.yaml, validated) and which arm a customer is in;
//! what each arm's customers are worth is in `outcomes`.
//!
//! Assignment: a customer's hash (salt + NUL + customer id, FNV-1a then SplitMix64's finaliser)
//! gives a uniform u in [0, 1). The six control arms each own a tenth of that range, in a fixed
//! order: holdout [0.0, 0.0 + share), random_action [0.1, 0.1 + share), propensity_only
//! [0.2, ...), no_levers [0.3, ...), eligibility_only [0.4, ...), random_propensity [0.5, ...).
//! A customer whose u falls in no arm's range is in the `test` group (the full strategy).
//! So resizing one arm never moves another arm's customers (growing an arm only takes customers
//! from `test`, shrinking it only gives them back), and a customer stays in their arm while the
//! salt and their arm's share hold. Hence a share is at most 0.1.

use concord_model::{Arm, symbol_hash};
use serde::Serialize;

mod outcomes;
mod trials;
pub use outcomes::{ArmOutcome, MAX_ARM_OUTCOMES, OutcomeKind};
pub use trials::{Challenger, Experiment, Experiments, Places, Stage};

/// The largest share an arm may have: the width of the slice of the hash space it owns.
pub const MAX_ARM_SHARE: f64 = 0.1;

/// The salt when experiments.yaml does not give one.
pub const DEFAULT_SALT: &str = "concord";

/// The control arms' salt and shares; all off without experiments.yaml.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlArms {
    /// Mixed into every customer's hash: changing it reassigns every customer.
    pub salt: String,
    /// Each share is the fraction of customers in that arm, from 0 (off) to [`MAX_ARM_SHARE`].
    pub holdout: f64,
    pub random_action: f64,
    pub propensity_only: f64,
    pub no_levers: f64,
    pub eligibility_only: f64,
    pub random_propensity: f64,
}

impl Default for ControlArms {
    fn default() -> Self {
        Self {
            salt: DEFAULT_SALT.to_owned(),
            holdout: 0.0,
            random_action: 0.0,
            propensity_only: 0.0,
            no_levers: 0.0,
            eligibility_only: 0.0,
            random_propensity: 0.0,
        }
    }
}

impl ControlArms {
    /// The control arms in the order they own the tenths of the hash space: the arm at index k
    /// owns [k / 10, k / 10 + share).
    pub const ORDER: [Arm; 6] = [
        Arm::Holdout,
        Arm::RandomAction,
        Arm::PropensityOnly,
        Arm::NoLevers,
        Arm::EligibilityOnly,
        Arm::RandomPropensity,
    ];

    /// The share of customers in `arm`; for `Arm::Test`, everyone in no control arm.
    pub fn share(&self, arm: Arm) -> f64 {
        match arm {
            Arm::Test => 1.0 - Self::ORDER.iter().map(|&a| self.share(a)).sum::<f64>(),
            Arm::Holdout => self.holdout,
            Arm::RandomAction => self.random_action,
            Arm::PropensityOnly => self.propensity_only,
            Arm::NoLevers => self.no_levers,
            Arm::EligibilityOnly => self.eligibility_only,
            Arm::RandomPropensity => self.random_propensity,
        }
    }

    /// Whether every arm is off: every customer gets the full strategy.
    pub fn is_off(&self) -> bool {
        Self::ORDER.iter().all(|&arm| self.share(arm) <= 0.0)
    }

    /// The customer's arm: deterministic for a salt, id and share (see the module doc).
    pub fn assign(&self, customer_id: &str) -> Arm {
        if self.is_off() {
            return Arm::Test;
        }
        let u = self.unit(customer_id);
        for (slot, arm) in (0u8..).zip(Self::ORDER) {
            let start = f64::from(slot) / 10.0;
            // Clamped to the arm's own tenth (a hand-built share over 0.1, or rounding at
            // exactly 0.1, must never reach into the next arm's slice).
            let share = self.share(arm);
            let share = if share.is_nan() {
                0.0
            } else {
                share.clamp(0.0, MAX_ARM_SHARE)
            };
            let end = (start + share).min(f64::from(slot + 1) / 10.0);
            if u >= start && u < end {
                return arm;
            }
        }
        Arm::Test
    }

    /// A uniform number in [0, 1) from the salted customer id.
    fn unit(&self, customer_id: &str) -> f64 {
        // FNV-1a of salt + NUL + id, without building the string on every decision: the fold
        // carries on from the salt's hash (FNV-1a has no finalisation step).
        let hash = [0u8]
            .iter()
            .chain(customer_id.as_bytes())
            .fold(symbol_hash(&self.salt), |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
        (mix64(hash) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// SplitMix64's finaliser: FNV-1a alone leaves ids that differ in their last characters close
/// in the high bits; this spreads every input bit over the output.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;
