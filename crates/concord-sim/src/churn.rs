//! The churn model: a daily hazard per subscriber that bad experiences raise and good treatments
//! lower, why a churner leaves, and where they go.

use crate::profile::Profile;
use crate::rng::{SimRng, pick_weighted};
use crate::state::{Experience, SubscriberState, half_life};
use crate::traits::LatentTraits;
use concord_model::{CustomerId, Timestamp};

/// Why a customer leaves, as an exit interview would record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChurnReason {
    Network,
    Price,
    Service,
    Device,
    Other,
}

impl ChurnReason {
    pub const ALL: [ChurnReason; 5] = [
        ChurnReason::Network,
        ChurnReason::Price,
        ChurnReason::Service,
        ChurnReason::Device,
        ChurnReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChurnReason::Network => "network",
            ChurnReason::Price => "price",
            ChurnReason::Service => "service",
            ChurnReason::Device => "device",
            ChurnReason::Other => "other",
        }
    }

    /// Where churners with this reason go: each rival is known for something.
    pub fn destination_mix(self) -> [(&'static str, f64); 3] {
        let [rival, blue, value] = match self {
            ChurnReason::Network => [0.3, 0.6, 0.1],
            ChurnReason::Price => [0.25, 0.1, 0.65],
            ChurnReason::Service => [0.55, 0.3, 0.15],
            ChurnReason::Device => [0.6, 0.3, 0.1],
            ChurnReason::Other => [0.34, 0.33, 0.33],
        };
        [
            (DESTINATIONS[0], rival),
            (DESTINATIONS[1], blue),
            (DESTINATIONS[2], value),
        ]
    }
}

/// The rival operators a number can port to.
pub const DESTINATIONS: [&str; 3] = ["RivalTel", "BlueMobile", "ValueCell"];

/// One subscriber who actually ported out, as the truth recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnRecord {
    pub subscriber_idx: usize,
    pub customer_id: CustomerId,
    pub time: Timestamp,
    pub reason: ChurnReason,
    pub destination: &'static str,
    pub bad_dealer: bool,
    pub bad_home_cell: bool,
}

/// Everything the hazard reads about one subscriber.
pub(crate) struct ChurnInputs<'a> {
    pub profile: &'a Profile,
    pub traits: &'a LatentTraits,
    pub state: &'a SubscriberState,
    pub experience: &'a Experience,
    pub bad_home_cell: bool,
}

/// Base daily hazards: about 3% a month prepaid, 1.2% postpaid, before multipliers.
const PREPAID_DAILY: f64 = 0.0009;
const POSTPAID_DAILY: f64 = 0.00035;

impl ChurnInputs<'_> {
    /// Probability of deciding to leave today. `elapsed_days` ages the tenure from the start.
    pub fn daily_hazard(&self, now_ms: i64, elapsed_days: f64, scale: f64) -> f64 {
        let (p, t, s, e) = (self.profile, self.traits, self.state, self.experience);
        if !s.is_active() {
            return 0.0;
        }
        let base = if p.is_prepaid() {
            PREPAID_DAILY
        } else {
            POSTPAID_DAILY
        };
        let loyalty = (-(2.0 * t.loyalty - 1.0)).exp();
        let tenure = p.tenure_months + elapsed_days.max(0.0) / 30.44;
        let tenure_factor = match tenure {
            m if m < 6.0 => 1.8,
            m if m < 12.0 => 1.3,
            m if m > 60.0 => 0.7,
            _ => 1.0,
        };
        // False acquisitions: sold for the commission, gone within months.
        let dealer_factor = match (p.bad_dealer, tenure < 6.0) {
            (true, true) => 6.0,
            (true, false) => 3.0,
            (false, _) => 1.0,
        };
        let price = 0.8 + 0.5 * t.price_sensitivity;
        let experience = 1.0 + e.aggravation.get(now_ms, half_life::AGGRAVATION).min(8.0);
        let word_of_mouth = 1.0 + 0.4 * e.contagion.get(now_ms, half_life::CONTAGION).min(5.0);
        let goodwill = 1.0 - 0.6 * e.goodwill.get(now_ms, half_life::GOODWILL).min(1.0);
        let products = 0.93f64.powi(s.holdings.len().saturating_sub(1) as i32);
        let hazard = base
            * loyalty
            * tenure_factor
            * dealer_factor
            * price
            * experience
            * word_of_mouth
            * goodwill
            * products
            * scale;
        hazard.clamp(0.0, 0.5)
    }

    /// Unnormalised weights over [`ChurnReason::ALL`] for a churner right now.
    pub fn reason_weights(&self, now_ms: i64) -> [f64; 5] {
        let (p, t, e) = (self.profile, self.traits, self.experience);
        let drops = e.recent_drops.get(now_ms, half_life::DROPS).min(6.0);
        let aggravation = e.aggravation.get(now_ms, half_life::AGGRAVATION).min(4.0);
        let device_pull = if p.is_smartphone() { 0.6 } else { 1.5 };
        [
            0.25 + 0.6 * drops + if self.bad_home_cell { 1.0 } else { 0.0 },
            0.2 + 1.0 * t.price_sensitivity,
            0.15 + 0.8 * f64::from(e.open_disputes) + 0.3 * aggravation,
            0.1 + 0.5 * t.tech_affinity * device_pull,
            0.3,
        ]
    }

    pub fn draw_reason(&self, rng: &mut SimRng, now_ms: i64) -> ChurnReason {
        let weights = self.reason_weights(now_ms);
        ChurnReason::ALL
            .get(pick_weighted(rng, &weights))
            .copied()
            .unwrap_or(ChurnReason::Other)
    }
}

/// Index into [`DESTINATIONS`] for a churner with this reason.
pub(crate) fn draw_destination(rng: &mut SimRng, reason: ChurnReason) -> u8 {
    let weights = reason.destination_mix().map(|(_, w)| w);
    pick_weighted(rng, &weights) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_mixes_are_distributions() {
        for reason in ChurnReason::ALL {
            let total: f64 = reason.destination_mix().iter().map(|(_, w)| w).sum();
            assert!((total - 1.0).abs() < 1e-9, "{reason:?}");
        }
        assert_eq!(
            ChurnReason::Network.destination_mix()[1],
            ("BlueMobile", 0.6)
        );
    }
}
