//! `experiments.yaml` as written: the always-on control arms and the outcomes they are
//! measured by.

use crate::experiments::MAX_ARM_OUTCOMES;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// `experiments.yaml` (optional): always-on control arms that measure what the strategy is
/// worth, each against the `test` group (the customers in no arm, who get the full strategy).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "experiments.yaml")]
pub(crate) struct ExperimentsFile {
    /// Absent or empty (every arm commented out): all arms off.
    #[serde(default)]
    pub(crate) control_arms: Option<ControlArmsEntry>,
    /// What each arm's customers are worth, read from their live profile when the lift is
    /// asked for, so the hold-out is compared with the full strategy on churn and revenue, not
    /// only on accept rates. At most 20; absent or empty (every entry commented out): none.
    #[serde(default)]
    #[schemars(with = "Option<Vec<ArmOutcomeEntry>>", length(max = MAX_ARM_OUTCOMES))]
    pub(crate) outcomes: Option<Vec<Spanned<ArmOutcomeEntry>>>,
    /// The stores pilots name, by region, and where a decision's store is read from.
    /// Required when a roll-out stage names stores or regions.
    #[serde(default)]
    pub(crate) places: Option<super::trials::PlacesEntry>,
    /// Champion/challenger experiments. A decision is in at most one: the first in this list
    /// whose roll-out reaches it. Customers in a control arm are in none.
    #[serde(default)]
    #[schemars(with = "Option<Vec<super::trials::ExperimentEntry>>")]
    pub(crate) experiments: Option<Vec<Spanned<super::trials::ExperimentEntry>>>,
}

/// One outcome, e.g. `{ name: churned, rule: "customer.port_outs > 0" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArmOutcomeEntry {
    /// Lowercase snake_case, unique in the file, e.g. `churned`, `revenue_30d`.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]*$"))]
    pub(crate) name: Spanned<String>,
    /// An expression over the customer's profile (`customer.<name>`, `holdings`): a bool is a
    /// rate (the share of the arm's customers for whom it holds), a number a value per
    /// customer (its mean over the arm).
    #[schemars(with = "String")]
    pub(crate) rule: Spanned<String>,
}

/// Each arm takes a share of customers from 0 to 0.1 (absent: 0, off). A customer's arm
/// comes from a hash of the salt and their id: each arm owns its own tenth of the hash space
/// (holdout the first, random_action the second, ... in this order), so resizing one arm never
/// moves another arm's customers, and a customer stays in their arm while this file holds.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlArmsEntry {
    /// Mixed into every customer's hash (default `concord`); changing it reassigns everyone.
    #[serde(default)]
    #[schemars(with = "Option<String>", length(min = 1), extend("default" = crate::experiments::DEFAULT_SALT))]
    pub(crate) salt: Option<Spanned<String>>,
    /// Universal hold-out: no sales actions at all (service treatments still).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) holdout: Option<Spanned<ShareValue>>,
    /// A random eligible action instead of arbitration.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) random_action: Option<Spanned<ShareValue>>,
    /// Priority is the propensity alone (no value, context weights or levers).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) propensity_only: Option<Spanned<ShareValue>>,
    /// Arbitration without levers.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) no_levers: Option<Spanned<ShareValue>>,
    /// Engagement policies reduced to eligibility (applicability and suitability skipped).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) eligibility_only: Option<Spanned<ShareValue>>,
    /// Every action's propensity is a uniform draw.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.1), extend("default" = 0))]
    pub(crate) random_propensity: Option<Spanned<ShareValue>>,
}

/// A share as written: a number, or what else stood there (`` `two` ``, `a list`), so
/// validation can say which arm, what was found and why in one message instead of serde's
/// "invalid type".
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ShareValue {
    Number(f64),
    Other(String),
}

impl<'de> Deserialize<'de> for ShareValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShareVisitor;

        impl<'de> Visitor<'de> for ShareVisitor {
            type Value = ShareValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a share: a number from 0 to 0.1")
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ShareValue, E> {
                Ok(ShareValue::Number(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ShareValue, E> {
                Ok(ShareValue::Number(v as f64))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ShareValue, E> {
                Ok(ShareValue::Number(v as f64))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ShareValue, E> {
                Ok(ShareValue::Other(format!("`{v}`")))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ShareValue, E> {
                let number = |text: &str| text.trim().parse::<f64>().is_ok_and(f64::is_finite);
                Ok(ShareValue::Other(if number(v) {
                    // A plain number never arrives as a string: this one was quoted.
                    format!("the text \"{v}\" (write the number without quotes)")
                } else if let Some(percent) = v.strip_suffix('%').filter(|p| number(p)) {
                    format!(
                        "`{v}` (write {percent}% as {})",
                        percent.trim().parse::<f64>().unwrap_or(0.0) / 100.0
                    )
                } else {
                    format!("`{v}`")
                }))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ShareValue, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(ShareValue::Other("a list".to_owned()))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<ShareValue, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(ShareValue::Other("a mapping".to_owned()))
            }
        }

        deserializer.deserialize_any(ShareVisitor)
    }
}
