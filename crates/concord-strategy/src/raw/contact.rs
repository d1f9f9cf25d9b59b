//! `contact.yaml` as written: caps, pauses, volume constraints and the household attribute.

use super::{DirectionEntry, TargetEntry};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `contact.yaml` (optional): how often the operator may reach a customer, judged on the
/// contact history (every action presented is an impression; every response an outcome).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "contact.yaml")]
pub(crate) struct ContactFile {
    /// A string attribute naming the customer's household, for caps with `household: true`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) household_attribute: Option<Spanned<String>>,
    /// Default for every cap: a decision in an inbound channel (the customer came to us) is not
    /// held back by a cap unless the cap names that channel; its impressions still count.
    #[serde(default = "super::yes")]
    pub(crate) inbound_exempt: bool,
    #[serde(default)]
    #[schemars(with = "Vec<CapEntry>")]
    pub(crate) caps: Vec<Spanned<CapEntry>>,
    #[serde(default)]
    #[schemars(with = "Vec<PauseEntry>")]
    pub(crate) pauses: Vec<Spanned<PauseEntry>>,
    #[serde(default)]
    #[schemars(with = "Vec<VolumeEntry>")]
    pub(crate) volume: Vec<Spanned<VolumeEntry>>,
}

/// At most `max` impressions per period, counted over the channels, direction and target given
/// (all of them when none is), together or separately for `each` action, group or issue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    /// The channels whose impressions count and whose decisions are capped.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) channels: Vec<Spanned<String>>,
    /// Instead of `channels`: every channel of this direction.
    #[serde(default)]
    pub(crate) direction: Option<DirectionEntry>,
    #[serde(default)]
    pub(crate) target: Option<TargetEntry>,
    #[serde(default)]
    pub(crate) each: Option<EachEntry>,
    #[schemars(with = "u32", range(min = 1))]
    pub(crate) max: Spanned<u32>,
    /// `day`, `week` (from Monday) or `month`: calendar periods in the customer's local time;
    /// or a rolling duration such as `72h` or `7d`.
    #[schemars(with = "String")]
    pub(crate) per: Spanned<String>,
    /// Count every member of the customer's household (needs `household_attribute`).
    #[serde(default)]
    pub(crate) household: bool,
    /// Overrides the file's `inbound_exempt` for this cap.
    #[serde(default)]
    pub(crate) inbound_exempt: Option<bool>,
}

/// After `count` outcomes of a kind within `within`, the action (or its group or issue, per
/// `each`) is not offered for `pause`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PauseEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    pub(crate) outcome: OutcomeEntry,
    #[schemars(with = "u32", range(min = 1))]
    pub(crate) count: Spanned<u32>,
    /// e.g. `30d`.
    #[schemars(with = "String")]
    pub(crate) within: Spanned<String>,
    /// e.g. `60d`.
    #[schemars(with = "String")]
    pub(crate) pause: Spanned<String>,
    /// What is paused: the action (default), its group or its issue.
    #[serde(default)]
    pub(crate) each: Option<EachEntry>,
    /// Outcomes in these channels count (all channels when none is given).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) channels: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) direction: Option<DirectionEntry>,
    #[serde(default)]
    pub(crate) target: Option<TargetEntry>,
}

/// An operator-wide budget per calendar period (in the strategy's default time zone): at most
/// `max` contacts, or at most `max_cost` of channel cost, in the channels and target given.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) channels: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) direction: Option<DirectionEntry>,
    #[serde(default)]
    pub(crate) target: Option<TargetEntry>,
    /// `day`, `week` or `month`.
    #[schemars(with = "String")]
    pub(crate) per: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1))]
    pub(crate) max: Option<Spanned<u64>>,
    /// Sum of the channels' `cost` per contact.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) max_cost: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum EachEntry {
    Action,
    Group,
    Issue,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OutcomeEntry {
    Impression,
    Accepted,
    Declined,
    Clicked,
    Ignored,
}
