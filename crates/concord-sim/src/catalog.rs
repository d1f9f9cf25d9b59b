//! The actions the simulated customers can be offered, and the hidden features the truth reads
//! from each: its family (from issue, group and id), its product, and idiosyncratic appeal drawn
//! from a stable hash of its id, so two "data" offers still differ in ways a learner must find.

use crate::holdings::Product;
use crate::rng::{hashed_unit, stable_hash};
use crate::traits::LatentTraits;
use concord_model::ActionId;
use serde::{Deserialize, Serialize};

/// Whether an action sells or serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Sales,
    Service,
}

/// One action of the strategy's catalog, as the simulator needs to know it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub id: ActionId,
    /// Pega-style issue, e.g. `Grow`, `Retain`, `Service`.
    pub issue: String,
    /// Group within the issue, e.g. `Data`, `Roaming`, `Retention`, `NetworkCare`.
    pub group: String,
    pub kind: ActionKind,
    /// Business value of an acceptance; for sales it doubles as a price signal.
    pub value: f64,
}

impl ActionSpec {
    pub fn new(
        id: impl Into<ActionId>,
        issue: impl Into<String>,
        group: impl Into<String>,
        kind: ActionKind,
        value: f64,
    ) -> Self {
        Self {
            id: id.into(),
            issue: issue.into(),
            group: group.into(),
            kind,
            value,
        }
    }
}

/// What an action is about, as customers perceive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionFamily {
    Data,
    Roaming,
    Family,
    Device,
    FiveG,
    Content,
    Retention,
    Service(ServiceTopic),
    Onboarding,
    Airtime,
    Generic,
}

/// Which trouble a service action makes right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceTopic {
    Network,
    Billing,
    General,
}

/// The hidden, derived features of one action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionFeatures {
    pub kind: ActionKind,
    pub family: ActionFamily,
    /// The product an acceptance adds, read from the id.
    pub product: Option<Product>,
    /// Idiosyncratic appeal in logit units, in `[-0.5, 0.5]`.
    pub appeal: f64,
    /// Idiosyncratic taste per latent trait, in `[-0.5, 0.5]`.
    pub trait_weights: [f64; LatentTraits::N],
    /// How expensive the offer feels, in `[0, 1)`; 0 for service actions.
    pub price_pressure: f64,
}

impl ActionFeatures {
    pub fn derive(spec: &ActionSpec) -> ActionFeatures {
        let hash = stable_hash(spec.id.as_str().as_bytes());
        let mut trait_weights = [0.0; LatentTraits::N];
        for (k, w) in trait_weights.iter_mut().enumerate() {
            *w = hashed_unit(hash, 10 + k as u64) - 0.5;
        }
        let value = if spec.value.is_finite() {
            spec.value.max(0.0)
        } else {
            0.0
        };
        ActionFeatures {
            kind: spec.kind,
            family: family_of(spec),
            product: Product::from_action_id(spec.id.as_str()),
            appeal: hashed_unit(hash, 1) - 0.5,
            trait_weights,
            price_pressure: match spec.kind {
                ActionKind::Sales => value / (value + 150.0),
                ActionKind::Service => 0.0,
            },
        }
    }
}

/// Reads the family from issue, group and id keywords; retention and service words win over
/// product words ("retention data bonus" is a retention action).
pub fn family_of(spec: &ActionSpec) -> ActionFamily {
    let text = format!("{} {} {}", spec.issue, spec.group, spec.id).to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    let topic = || {
        if has(&["network", "drop", "coverage", "health", "signal"]) {
            ServiceTopic::Network
        } else if has(&["bill", "dispute", "refund", "charge"]) {
            ServiceTopic::Billing
        } else {
            ServiceTopic::General
        }
    };
    if has(&[
        "retention",
        "retain",
        "churn",
        "loyal",
        "winback",
        "win_back",
        "win-back",
    ]) {
        ActionFamily::Retention
    } else if spec.kind == ActionKind::Service
        || has(&[
            "service",
            "health",
            "apolog",
            "care",
            "dispute",
            "goodwill",
            "compensat",
            "fix",
        ])
    {
        ActionFamily::Service(topic())
    } else if has(&["onboard", "welcome", "tutorial", "getting_started"]) {
        ActionFamily::Onboarding
    } else if has(&[
        "airtime", "recharge", "topup", "top_up", "top-up", "advance", "loan",
    ]) {
        ActionFamily::Airtime
    } else if has(&["roam", "travel"]) {
        ActionFamily::Roaming
    } else if has(&["family", "household", "share"]) {
        ActionFamily::Family
    } else if mentions_5g(&text) {
        ActionFamily::FiveG
    } else if has(&["music", "video", "content", "stream", " tv"]) {
        ActionFamily::Content
    } else if has(&["device", "handset", "phone", "insurance", "upgrade"]) {
        ActionFamily::Device
    } else if has(&["data", "bundle", "gb", "internet"]) {
        ActionFamily::Data
    } else {
        ActionFamily::Generic
    }
}

/// "5g" as a technology, not as the "5gb" of a bundle size.
fn mentions_5g(text: &str) -> bool {
    text.match_indices("5g")
        .any(|(at, _)| text.as_bytes().get(at + 2) != Some(&b'b'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, issue: &str, group: &str, kind: ActionKind, expected: ActionFamily) {
        let spec = ActionSpec::new(id, issue, group, kind, 50.0);
        assert_eq!(family_of(&spec), expected, "{id} / {issue} / {group}");
    }

    #[test]
    fn families_from_taxonomy() {
        use ActionFamily as F;
        use ActionKind::{Sales, Service};
        check("data_5gb_private_price", "Grow", "Data", Sales, F::Data);
        check("upsell_20gb", "Grow", "Bundles", Sales, F::Data);
        check("roaming_weekly", "Grow", "Roaming", Sales, F::Roaming);
        check("family_plan", "Grow", "Family", Sales, F::Family);
        check("upgrade_to_5g", "Grow", "Network", Sales, F::FiveG);
        check("music_pack", "Grow", "Content", Sales, F::Content);
        check("device_insurance", "Grow", "Device", Sales, F::Device);
        check(
            "retention_discount",
            "Retain",
            "Retention",
            Sales,
            F::Retention,
        );
        check(
            "loyalty_bonus_data",
            "Retain",
            "Loyalty",
            Sales,
            F::Retention,
        );
        check(
            "network_health_check",
            "Service",
            "NetworkCare",
            Service,
            F::Service(ServiceTopic::Network),
        );
        check(
            "bill_explainer",
            "Service",
            "Billing",
            Service,
            F::Service(ServiceTopic::Billing),
        );
        check(
            "apology_sms",
            "Service",
            "Care",
            Service,
            F::Service(ServiceTopic::General),
        );
        check("welcome_tour", "Onboard", "Welcome", Sales, F::Onboarding);
        check("airtime_advance", "Grow", "Airtime", Sales, F::Airtime);
        check("mystery_offer", "Grow", "Misc", Sales, F::Generic);
    }

    #[test]
    fn features_are_stable_and_bounded() {
        let spec = ActionSpec::new(
            "data_5gb_private_price",
            "Grow",
            "Data",
            ActionKind::Sales,
            79.0,
        );
        let a = ActionFeatures::derive(&spec);
        assert_eq!(a, ActionFeatures::derive(&spec));
        assert_eq!(a.product, Some(Product::Data5Gb));
        assert!((-0.5..0.5).contains(&a.appeal));
        assert!(a.trait_weights.iter().all(|w| (-0.5..0.5).contains(w)));
        assert!((0.0..1.0).contains(&a.price_pressure));
        let other = ActionFeatures::derive(&ActionSpec::new(
            "data_5gb_promo",
            "Grow",
            "Data",
            ActionKind::Sales,
            79.0,
        ));
        assert_ne!(a.appeal, other.appeal);
        let bad_value =
            ActionFeatures::derive(&ActionSpec::new("x", "i", "g", ActionKind::Sales, f64::NAN));
        assert_eq!(bad_value.price_pressure, 0.0);
    }
}
