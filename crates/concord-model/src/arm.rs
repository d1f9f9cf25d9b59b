//! Which experiment arm a customer is in: the full strategy (`test`) or one of the always-on
//! control arms that measure what the strategy is worth (experiments.yaml).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A customer's arm. Every arm but `Test` switches off one part of the strategy, so the
/// difference between `Test` and that arm measures the part.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// The full strategy.
    #[default]
    Test,
    /// Universal hold-out: no sales actions at all (service treatments still).
    Holdout,
    /// A random eligible action instead of arbitration.
    RandomAction,
    /// Priority is the propensity alone (no value, context weights or levers).
    PropensityOnly,
    /// Arbitration without levers.
    NoLevers,
    /// Engagement policies reduced to eligibility (applicability and suitability skipped).
    EligibilityOnly,
    /// Every action's propensity is a uniform draw.
    RandomPropensity,
}

impl Arm {
    /// In code order.
    pub const ALL: [Arm; 7] = [
        Arm::Test,
        Arm::Holdout,
        Arm::RandomAction,
        Arm::PropensityOnly,
        Arm::NoLevers,
        Arm::EligibilityOnly,
        Arm::RandomPropensity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Test => "test",
            Arm::Holdout => "holdout",
            Arm::RandomAction => "random_action",
            Arm::PropensityOnly => "propensity_only",
            Arm::NoLevers => "no_levers",
            Arm::EligibilityOnly => "eligibility_only",
            Arm::RandomPropensity => "random_propensity",
        }
    }

    /// The arm's byte in the journal. Stable: a journal written today must read the same arm
    /// back in every later version, so codes are never reused or reordered.
    pub fn code(self) -> u8 {
        match self {
            Arm::Test => 0,
            Arm::Holdout => 1,
            Arm::RandomAction => 2,
            Arm::PropensityOnly => 3,
            Arm::NoLevers => 4,
            Arm::EligibilityOnly => 5,
            Arm::RandomPropensity => 6,
        }
    }

    /// The arm a journal byte names; `None` for a byte no version has written.
    pub fn from_code(code: u8) -> Option<Arm> {
        Arm::ALL.into_iter().find(|arm| arm.code() == code)
    }
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an arm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown arm `{0}` (valid: test, holdout, random_action, propensity_only, no_levers, eligibility_only, random_propensity)"
)]
pub struct UnknownArm(pub String);

impl FromStr for Arm {
    type Err = UnknownArm;

    fn from_str(name: &str) -> Result<Arm, UnknownArm> {
        Arm::ALL
            .into_iter()
            .find(|arm| arm.as_str() == name)
            .ok_or_else(|| UnknownArm(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_serde_agree() {
        for (idx, arm) in Arm::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(arm.code()), idx, "{arm}: codes in ALL order");
            assert_eq!(Arm::from_code(arm.code()), Some(arm));
            assert_eq!(arm.as_str().parse::<Arm>(), Ok(arm));
            assert_eq!(arm.to_string(), arm.as_str());
            let json = serde_json::to_string(&arm).expect("serializes");
            assert_eq!(json, format!("\"{}\"", arm.as_str()));
            assert_eq!(serde_json::from_str::<Arm>(&json).ok(), Some(arm));
        }
        assert_eq!(Arm::from_code(7), None);
        assert_eq!(Arm::default(), Arm::Test);
    }

    #[test]
    fn the_journal_codes_never_change() {
        let codes: Vec<(&str, u8)> = Arm::ALL.map(|a| (a.as_str(), a.code())).to_vec();
        assert_eq!(
            codes,
            [
                ("test", 0),
                ("holdout", 1),
                ("random_action", 2),
                ("propensity_only", 3),
                ("no_levers", 4),
                ("eligibility_only", 5),
                ("random_propensity", 6),
            ]
        );
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let err = "random_actions".parse::<Arm>().expect_err("not an arm");
        assert_eq!(
            err.to_string(),
            "unknown arm `random_actions` (valid: test, holdout, random_action, propensity_only, no_levers, eligibility_only, random_propensity)"
        );
        assert!(serde_json::from_str::<Arm>("\"control\"").is_err());
    }
}
