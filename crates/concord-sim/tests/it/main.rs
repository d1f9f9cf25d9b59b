//! The one integration-test binary: the simulator's promises, checked through its public API.

mod attributes;
mod determinism;
mod events;
mod partition;
mod respond;
mod run;
mod throughput;
mod truth;

use concord_model::Timestamp;
use concord_sim::{ActionKind, ActionSpec, Operator, SimConfig};

/// A small catalog covering every action family.
pub fn catalog() -> Vec<ActionSpec> {
    use ActionKind::{Sales, Service};
    vec![
        ActionSpec::new("data_1gb_topup", "Grow", "Data", Sales, 29.0),
        ActionSpec::new("data_5gb_private_price", "Grow", "Data", Sales, 79.0),
        ActionSpec::new("data_20gb_upsell", "Grow", "Data", Sales, 199.0),
        ActionSpec::new("roaming_pack", "Grow", "Roaming", Sales, 149.0),
        ActionSpec::new("family_plan", "Grow", "Family", Sales, 99.0),
        ActionSpec::new("device_insurance", "Grow", "Device", Sales, 59.0),
        ActionSpec::new("5g_plan", "Grow", "Network", Sales, 120.0),
        ActionSpec::new("music_pack", "Grow", "Content", Sales, 39.0),
        ActionSpec::new("video_pack", "Grow", "Content", Sales, 69.0),
        ActionSpec::new("retention_discount", "Retain", "Retention", Sales, 100.0),
        ActionSpec::new(
            "network_health_check",
            "Service",
            "NetworkCare",
            Service,
            30.0,
        ),
        ActionSpec::new("bill_explainer", "Service", "Billing", Service, 20.0),
        ActionSpec::new("welcome_tour", "Onboard", "Welcome", Sales, 5.0),
        ActionSpec::new("airtime_advance", "Grow", "Airtime", Sales, 10.0),
    ]
}

pub fn operator(seed: u64, subscribers: usize) -> Operator {
    Operator::new(SimConfig::with_seed(seed, subscribers), &catalog()).expect("valid config")
}

pub fn days_after(start: Timestamp, days: i64) -> Timestamp {
    start + jiff::SignedDuration::from_hours(24 * days)
}
