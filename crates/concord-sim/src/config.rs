//! The knobs of a simulated operator, validated once by [`SimConfig::validate`].

use crate::error::SimError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The largest base the simulator generates: the MSISDN plan holds 9 prefixes of 9,999,999 numbers,
/// and memory (about 4 KiB of attributes per subscriber) runs out well before that in one piece:
/// build a big base in partitions ([`crate::Partition`]).
pub const MAX_SUBSCRIBERS: usize = 10_000_000;

/// How big and how troubled the simulated operator is. Same config, same operator, event for event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Seeds every random stream (population, events, responses).
    pub seed: u64,
    /// Size of the subscriber base (all partitions together, when it is built in partitions).
    pub subscribers: usize,
    /// When the simulation clock starts; events begin here.
    pub start: Timestamp,
    /// Share of subscribers on prepaid tariffs.
    pub prepaid_share: f64,
    /// Share of cells planted as bad (many more dropped calls).
    pub bad_cell_share: f64,
    /// Number of dealers; some are planted as bad dealers.
    pub dealers: usize,
    /// Share of dealers planted as bad dealers (their connections churn early).
    pub bad_dealer_share: f64,
    /// Multiplies every usage rate; 1.0 gives a few events per subscriber per day.
    pub activity_scale: f64,
    /// Multiplies every churn hazard; 1.0 gives about 3-4% monthly prepaid churn.
    pub churn_scale: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            subscribers: 100_000,
            // 2026-11-01T00:00:00Z.
            start: Timestamp::from_second(1_793_491_200).unwrap_or(Timestamp::UNIX_EPOCH),
            prepaid_share: 0.7,
            bad_cell_share: 0.04,
            dealers: 40,
            bad_dealer_share: 0.1,
            activity_scale: 1.0,
            churn_scale: 1.0,
        }
    }
}

impl SimConfig {
    /// The default operator with another seed and size, the common case in tests.
    pub fn with_seed(seed: u64, subscribers: usize) -> Self {
        Self {
            seed,
            subscribers,
            ..Self::default()
        }
    }

    /// Checks every field once, so the generators can trust them.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.subscribers == 0 || self.subscribers > MAX_SUBSCRIBERS {
            return Err(SimError::SubscriberCount {
                got: self.subscribers,
                max: MAX_SUBSCRIBERS,
            });
        }
        // Leave centuries of headroom so no scheduled event can overflow a Timestamp.
        let year = self.start.as_second() / 31_556_952 + 1970;
        if !(1900..=9000).contains(&year) {
            return Err(SimError::StartOutOfRange(self.start));
        }
        check_share("prepaid_share", self.prepaid_share)?;
        check_share("bad_cell_share", self.bad_cell_share)?;
        check_share("bad_dealer_share", self.bad_dealer_share)?;
        if self.dealers == 0 || self.dealers > 999 {
            return Err(SimError::OutOfRange {
                field: "dealers",
                expected: "between 1 and 999",
                got: self.dealers as f64,
            });
        }
        check_scale("activity_scale", self.activity_scale)?;
        check_scale("churn_scale", self.churn_scale)?;
        Ok(())
    }
}

fn check_share(field: &'static str, value: f64) -> Result<(), SimError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(SimError::OutOfRange {
            field,
            expected: "a share between 0 and 1",
            got: value,
        })
    }
}

fn check_scale(field: &'static str, value: f64) -> Result<(), SimError> {
    if value.is_finite() && (0.0..=100.0).contains(&value) {
        Ok(())
    } else {
        Err(SimError::OutOfRange {
            field,
            expected: "a finite multiplier between 0 and 100",
            got: value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(config: SimConfig, expected_error: Option<&str>) {
        match (config.validate(), expected_error) {
            (Ok(()), None) => {}
            (Err(err), Some(want)) => {
                let text = err.to_string();
                assert!(text.contains(want), "{text} should mention {want}");
            }
            (got, want) => panic!("validate gave {got:?}, expected error {want:?}"),
        }
    }

    #[test]
    fn validation() {
        check(SimConfig::default(), None);
        check(SimConfig::with_seed(7, 1), None);
        check(SimConfig::with_seed(7, 0), Some("subscribers"));
        check(
            SimConfig::with_seed(7, MAX_SUBSCRIBERS + 1),
            Some("subscribers"),
        );
        check(
            SimConfig {
                prepaid_share: 1.5,
                ..SimConfig::default()
            },
            Some("prepaid_share"),
        );
        check(
            SimConfig {
                bad_cell_share: f64::NAN,
                ..SimConfig::default()
            },
            Some("bad_cell_share"),
        );
        check(
            SimConfig {
                dealers: 0,
                ..SimConfig::default()
            },
            Some("dealers"),
        );
        check(
            SimConfig {
                churn_scale: f64::INFINITY,
                ..SimConfig::default()
            },
            Some("churn_scale"),
        );
        check(
            SimConfig {
                start: Timestamp::MIN,
                ..SimConfig::default()
            },
            Some("start time"),
        );
    }

    fn check_json(json: &str, expected: Result<(u64, usize), &str>) {
        let parsed = serde_json::from_str::<SimConfig>(json).map_err(|e| e.to_string());
        match (parsed, expected) {
            (Ok(config), Ok((seed, subscribers))) => {
                assert_eq!((config.seed, config.subscribers), (seed, subscribers));
                assert_eq!(config.start, SimConfig::default().start);
            }
            (Err(err), Err(want)) => assert!(err.contains(want), "{err} should mention {want}"),
            (got, want) => panic!("{json}: parsed {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn config_from_json() {
        check_json("{}", Ok((42, 100_000)));
        check_json(r#"{"seed": 7, "subscribers": 10}"#, Ok((7, 10)));
        check_json(
            r#"{"seed": 7, "subscribes": 10}"#,
            Err("unknown field `subscribes`"),
        );
        check_json(r#"{"start": "not a time"}"#, Err("year"));
    }

    #[test]
    fn default_starts_on_first_november_2026() {
        assert_eq!(
            SimConfig::default().start.to_string(),
            "2026-11-01T00:00:00Z"
        );
    }
}
