//! The true acceptance probability of one action for one customer in one channel and context:
//! latent traits times action features, plus the customer's situation right now.

use crate::catalog::{ActionFamily, ActionFeatures, ActionKind, ServiceTopic};
use crate::channel::ChannelClass;
use crate::profile::Profile;
use crate::rng::sigmoid;
use crate::segments::Network;
use crate::state::{Experience, SubscriberState, half_life};
use crate::traits::LatentTraits;
use concord_model::Attributes;

/// Chance of buying again what is already held: a mis-click, not a sale.
const ALREADY_HELD: f64 = 0.001;
const FLOOR: f64 = 0.0005;
const CEILING: f64 = 0.95;

/// Indices into [`LatentTraits::centred`].
const DATA: usize = 0;
const PRICE: usize = 1;
const TECH: usize = 2;
const ROAMING: usize = 3;
const FAMILY: usize = 4;
const LOYALTY: usize = 5;
const CONTENT: usize = 6;
const DIGITAL: usize = 7;
const RESPONSIVE: usize = 8;

/// One customer's side of the model.
pub(crate) struct Customer<'a> {
    pub profile: &'a Profile,
    pub traits: &'a LatentTraits,
    pub state: &'a SubscriberState,
    pub experience: &'a Experience,
    pub bad_home_cell: bool,
    /// Today's churn hazard; retention offers appeal to those thinking of leaving.
    pub hazard: f64,
    pub tenure_months: f64,
}

impl Customer<'_> {
    pub fn propensity(
        &self,
        action: &ActionFeatures,
        channel: ChannelClass,
        context: &Attributes,
        now_ms: i64,
    ) -> f64 {
        if !self.state.is_active() {
            return 0.0;
        }
        if action
            .product
            .is_some_and(|product| self.state.holdings.contains(product))
        {
            return ALREADY_HELD;
        }
        let c = self.traits.centred();
        let mut logit = match action.kind {
            ActionKind::Sales => -3.1,
            ActionKind::Service => -2.0,
        };
        logit += action.appeal;
        logit += action
            .trait_weights
            .iter()
            .zip(c.iter())
            .map(|(w, t)| w * t)
            .sum::<f64>();
        logit += 0.9 * c[RESPONSIVE];
        logit += self.family_term(action, &c, now_ms);
        logit += channel.logit() + channel.family_fit(action.family);
        logit -= 1.4 * self.traits.price_sensitivity * action.price_pressure;
        logit += self.context_term(action, context);
        if action.kind == ActionKind::Sales
            && action.family != ActionFamily::Retention
            && self.experience.open_disputes > 0
        {
            // Nobody buys from an operator they are fighting over a bill.
            logit -= 1.0;
        }
        logit -= 0.35
            * self
                .experience
                .fatigue
                .get(now_ms, half_life::FATIGUE)
                .min(6.0);
        if !channel.consented(&self.profile.consents) {
            logit -= 1.2;
        }
        sigmoid(logit).clamp(FLOOR, CEILING)
    }

    fn family_term(&self, action: &ActionFeatures, c: &[f64; LatentTraits::N], now_ms: i64) -> f64 {
        let (p, s, e) = (self.profile, self.state, self.experience);
        let smartphone = p.is_smartphone();
        match action.family {
            ActionFamily::Data => {
                let mut term = 1.3 * c[DATA] - 0.3 * c[PRICE] + 0.3 * c[TECH];
                let used = s.bundle_used_share();
                term += if used >= 0.999 {
                    1.6
                } else if used >= 0.8 {
                    1.2
                } else {
                    0.0
                };
                let offered = action.product.and_then(|b| b.bundle_mb());
                if offered.is_some_and(|mb| mb < s.bundle_total_mb()) {
                    term -= 1.5;
                }
                if !smartphone {
                    term -= 1.5;
                }
                term
            }
            ActionFamily::Roaming => 0.5 + 2.2 * c[ROAMING],
            ActionFamily::Family => match p.household_size {
                1 => -1.2 + 1.4 * c[FAMILY],
                n => 1.4 * c[FAMILY] + 0.4 * (f64::from(n) - 2.0),
            },
            ActionFamily::Device => {
                1.0 * c[TECH] - 0.4 * c[PRICE] + if smartphone { 0.0 } else { 0.4 }
            }
            ActionFamily::FiveG => {
                1.4 * c[TECH] + 0.4 * c[DATA] - if p.network == Network::G5 { 0.0 } else { 2.0 }
            }
            ActionFamily::Content => {
                1.5 * c[CONTENT] + 0.3 * c[DIGITAL] - if smartphone { 0.0 } else { 2.5 }
            }
            ActionFamily::Retention => {
                let intent = if e.intent.is_some() { 1.5 } else { 0.0 };
                let risk = (self.hazard / 0.004).min(2.0) + intent;
                0.9 * risk - 0.8 + 0.5 * c[PRICE] - 0.3 * c[LOYALTY]
            }
            ActionFamily::Service(topic) => {
                let aggravation = e.aggravation.get(now_ms, half_life::AGGRAVATION).min(3.0);
                let drops = e.recent_drops.get(now_ms, half_life::DROPS).min(4.0);
                let topical = match topic {
                    ServiceTopic::Network if drops < 0.5 && !self.bad_home_cell => -0.8,
                    ServiceTopic::Network => {
                        0.5 * drops + if self.bad_home_cell { 0.5 } else { 0.0 }
                    }
                    ServiceTopic::Billing if e.open_disputes == 0 => -0.6,
                    ServiceTopic::Billing => 1.0 * f64::from(e.open_disputes.min(2)),
                    ServiceTopic::General => 0.2 * aggravation,
                };
                0.6 * aggravation + topical
            }
            ActionFamily::Onboarding => {
                if self.tenure_months < 3.0 {
                    1.2
                } else {
                    -1.2
                }
            }
            ActionFamily::Airtime => {
                if p.is_prepaid() {
                    0.6 * c[PRICE] + if s.balance < 10.0 { 1.0 } else { 0.0 }
                } else {
                    -2.5
                }
            }
            ActionFamily::Generic => 0.0,
        }
    }

    /// The request context: why the customer called, and any discount on the table.
    fn context_term(&self, action: &ActionFeatures, context: &Attributes) -> f64 {
        let mut term = 0.0;
        let family = action.family;
        let is_sale = action.kind == ActionKind::Sales && family != ActionFamily::Retention;
        if let Some(reason) = context.get("call_reason").and_then(|v| v.as_str()) {
            term += match (reason, family) {
                ("cancel", ActionFamily::Retention) => 1.6,
                ("cancel", ActionFamily::Service(_)) => 0.3,
                ("cancel", _) if is_sale => -1.0,
                ("network", ActionFamily::Service(ServiceTopic::Network)) => 1.2,
                ("network", ActionFamily::Service(_)) => 0.4,
                ("network", _) if is_sale => -0.6,
                ("billing", ActionFamily::Service(ServiceTopic::Billing)) => 1.2,
                ("billing", ActionFamily::Service(_)) => 0.3,
                ("billing", _) if is_sale => -0.8,
                ("data", ActionFamily::Data) => 0.6,
                ("device", ActionFamily::Device | ActionFamily::FiveG) => 0.6,
                _ => 0.0,
            };
        }
        if let Some(discount) = context.get("discount_pct").and_then(|v| v.as_f64())
            && discount.is_finite()
            && action.kind == ActionKind::Sales
        {
            let share = (discount / 100.0).clamp(0.0, 1.0);
            term += share * (1.0 + 2.0 * self.traits.price_sensitivity);
        }
        term
    }
}
