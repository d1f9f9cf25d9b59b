//! `experiments.yaml` as written, second part: champion/challenger experiments, their pilots
//! and staged roll-outs, and the store catalogue pilots name places from.

use super::TargetEntry;
use super::experiments::ShareValue;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// Where a decision happens: the catalogue of stores by region that pilots name, and where a
/// decision's store is read from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlacesEntry {
    /// String expressions tried in order; the first that gives a non-empty string is the
    /// decision's store, e.g. `[context.store_id, customer.home_store]` (the store the customer
    /// stands in, else their home store).
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub(crate) store_from: Vec<Spanned<String>>,
    /// Each region and its stores, e.g. `Gauteng: [JHB-S01, JHB-S02]`. A store is in one
    /// region.
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub(crate) regions: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
}

/// One experiment: the champion (the strategy as configured) against challengers that change
/// its arbitration, levers or action set, for the customers a pilot or roll-out stage reaches.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExperimentEntry {
    /// Lowercase snake_case, unique in the file, e.g. `retention_first`.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]*$"))]
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Mixed into every customer's hash for this experiment (default: its name). Changing it
    /// reshuffles who is in which variant.
    #[serde(default)]
    #[schemars(with = "Option<String>", length(min = 1))]
    pub(crate) salt: Option<Spanned<String>>,
    /// A rule over the profile and the request (a segment, say `customer.segment ==
    /// 'prepaid'`): decisions where it does not hold are not in the experiment.
    #[serde(default, rename = "where")]
    #[schemars(with = "Option<String>")]
    pub(crate) segment: Option<Spanned<String>>,
    /// The roll-out: stages by start time, the latest started one in force. A stage names
    /// stores and regions (a pilot), or neither (everyone). Absent: everyone, from now.
    #[serde(default)]
    #[schemars(with = "Option<Vec<StageEntry>>")]
    pub(crate) rollout: Option<Vec<Spanned<StageEntry>>>,
    /// When the experiment stops (RFC 3339 or a date, UTC); absent: it runs on.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) until: Option<Spanned<String>>,
    /// At least one. Their shares add up to less than 1: the rest is the champion.
    #[schemars(with = "Vec<ChallengerEntry>", length(min = 1))]
    pub(crate) challengers: Vec<Spanned<ChallengerEntry>>,
}

/// One stage of a roll-out, e.g. `{from: 2026-12-01, stores: [JHB-S01, JHB-S02]}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StageEntry {
    /// When the stage starts: RFC 3339 (`2026-12-01T08:00:00+02:00`) or a date (midnight UTC).
    #[schemars(with = "String")]
    pub(crate) from: Spanned<String>,
    /// Stores of `places.regions` the stage reaches.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(crate) stores: Option<Vec<Spanned<String>>>,
    /// Regions of `places.regions` the stage reaches (every store in them).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(crate) regions: Option<Vec<Spanned<String>>>,
}

/// A challenger: the champion with some arbitration switches, levers or actions changed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChallengerEntry {
    /// Lowercase snake_case, unique in the experiment, not `champion`.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]*$"))]
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// The share of the experiment's customers who get this challenger, strictly between 0
    /// and 1.
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub(crate) share: Spanned<ShareValue>,
    /// Replaces the strategy's arbitration switches that are given.
    #[serde(default)]
    pub(crate) arbitration: Option<ArbitrationOverride>,
    /// Multiplies the levers of the targeted actions, e.g. `{target: {issue: retention},
    /// multiply: 1.5}`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<LeverEntry>>")]
    pub(crate) levers: Option<Vec<Spanned<LeverEntry>>>,
    /// Actions the challenger never offers, as targets: `[{action: bundle_1gb}, {group: win_back}]`.
    #[serde(default)]
    pub(crate) off: Option<Vec<TargetEntry>>,
}

/// The arbitration switches a challenger changes; absent ones keep the strategy's.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArbitrationOverride {
    #[serde(default)]
    pub(crate) use_propensity: Option<bool>,
    #[serde(default)]
    pub(crate) use_value: Option<bool>,
    #[serde(default)]
    pub(crate) use_context: Option<bool>,
    #[serde(default)]
    pub(crate) use_levers: Option<bool>,
    /// Diversity: at most this many actions of one group in a placement.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) max_per_group: Option<Spanned<u32>>,
}

/// `{target: {...}, multiply: 1.5}`: the targeted actions' levers times `multiply`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LeverEntry {
    pub(crate) target: TargetEntry,
    #[schemars(with = "f64", range(min = 0))]
    pub(crate) multiply: Spanned<f64>,
}
