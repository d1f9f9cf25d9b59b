//! The hidden ground truth: what each subscriber is really like and how they really respond.
//! Decisioning never sees this; tests and benchmarks compare what was learned against it.

use crate::catalog::ActionFeatures;
use crate::channel::ChannelClass;
use crate::churn::{ChurnInputs, ChurnReason, ChurnRecord};
use crate::dealers::Dealers;
use crate::diurnal::DAY_MS;
use crate::geography::Geography;
use crate::holdings::Holdings;
use crate::profile::Profile;
use crate::propensity::Customer;
use crate::state::{Experience, SubscriberState, half_life};
use crate::traits::LatentTraits;
use concord_model::{ActionId, Attributes, Timestamp};
use std::collections::HashMap;
use std::fmt;

/// Everything hidden about a simulated operator, at the simulation's current time.
pub struct Truth {
    pub(crate) geography: Geography,
    pub(crate) dealers: Dealers,
    pub(crate) profiles: Vec<Profile>,
    pub(crate) traits: Vec<LatentTraits>,
    pub(crate) states: Vec<SubscriberState>,
    pub(crate) experiences: Vec<Experience>,
    pub(crate) actions: HashMap<ActionId, ActionFeatures>,
    pub(crate) churn_log: Vec<ChurnRecord>,
    pub(crate) saves: u64,
    pub(crate) start_ms: i64,
    pub(crate) now_ms: i64,
    pub(crate) churn_scale: f64,
}

impl fmt::Debug for Truth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Truth")
            .field("subscribers", &self.profiles.len())
            .field("actions", &self.actions.len())
            .field("churned", &self.churn_log.len())
            .field("saves", &self.saves)
            .field("now_ms", &self.now_ms)
            .finish_non_exhaustive()
    }
}

impl Truth {
    /// The probability that subscriber `subscriber_idx` accepts `action` presented in `channel`
    /// now, given the request `context`. Context keys read: `call_reason` (`cancel`, `network`,
    /// `billing`, `data`, `device`) and `discount_pct` (0-100). Unknown subscriber or action: 0.
    pub fn true_propensity(
        &self,
        subscriber_idx: usize,
        action: &ActionId,
        channel: &str,
        context: &Attributes,
    ) -> f64 {
        self.propensity_at(subscriber_idx, action, channel, context, self.now_ms)
    }

    pub(crate) fn propensity_at(
        &self,
        subscriber_idx: usize,
        action: &ActionId,
        channel: &str,
        context: &Attributes,
        at_ms: i64,
    ) -> f64 {
        let (Some(features), Some(customer)) = (
            self.actions.get(action),
            self.customer(subscriber_idx, at_ms),
        ) else {
            return 0.0;
        };
        customer.propensity(features, ChannelClass::of(channel), context, at_ms)
    }

    /// Probability that the subscriber decides to leave today (0 once churned).
    pub fn churn_hazard(&self, subscriber_idx: usize) -> f64 {
        self.hazard_at(subscriber_idx, self.now_ms)
    }

    pub(crate) fn hazard_at(&self, subscriber_idx: usize, at_ms: i64) -> f64 {
        self.churn_inputs(subscriber_idx).map_or(0.0, |inputs| {
            inputs.daily_hazard(at_ms, self.elapsed_days(at_ms), self.churn_scale)
        })
    }

    /// Normalised weights over [`ChurnReason::ALL`] the truth would use if this subscriber left
    /// now; where each reason leads is [`ChurnReason::destination_mix`].
    pub fn churn_reason_weights(&self, subscriber_idx: usize) -> [(ChurnReason, f64); 5] {
        let weights = self
            .churn_inputs(subscriber_idx)
            .map_or([0.0; 5], |inputs| inputs.reason_weights(self.now_ms));
        let total: f64 = weights.iter().sum();
        let mut out = ChurnReason::ALL.map(|r| (r, 0.0));
        if total > 0.0 {
            for ((_, share), w) in out.iter_mut().zip(weights) {
                *share = w / total;
            }
        }
        out
    }

    /// Everyone who ported out so far, in order, with the true reason and destination.
    pub fn churn_log(&self) -> &[ChurnRecord] {
        &self.churn_log
    }

    /// How many decisions to leave were reversed by an accepted treatment.
    pub fn saves(&self) -> u64 {
        self.saves
    }

    /// Whether the subscriber has decided to leave and not yet ported out.
    pub fn intends_to_leave(&self, subscriber_idx: usize) -> bool {
        self.is_active(subscriber_idx)
            && self
                .experiences
                .get(subscriber_idx)
                .is_some_and(|e| e.intent.is_some())
    }

    /// The reason and planned time of a pending port-out, if the subscriber decided to leave.
    pub fn pending_port_out(&self, subscriber_idx: usize) -> Option<(ChurnReason, Timestamp)> {
        if !self.is_active(subscriber_idx) {
            return None;
        }
        let intent = self.experiences.get(subscriber_idx)?.intent?;
        Some((
            intent.reason,
            Timestamp::from_millisecond(intent.port_out_ms).ok()?,
        ))
    }

    pub fn is_active(&self, subscriber_idx: usize) -> bool {
        self.states
            .get(subscriber_idx)
            .is_some_and(SubscriberState::is_active)
    }

    /// Products held now (initial holdings plus accepted and organic changes).
    pub fn holdings(&self, subscriber_idx: usize) -> Option<Holdings> {
        self.states.get(subscriber_idx).map(|s| s.holdings)
    }

    pub fn traits(&self, subscriber_idx: usize) -> Option<&LatentTraits> {
        self.traits.get(subscriber_idx)
    }

    /// Aggravation now: decaying sum of dropped calls, disputes and care contacts.
    pub fn aggravation(&self, subscriber_idx: usize) -> f64 {
        self.experiences.get(subscriber_idx).map_or(0.0, |e| {
            e.aggravation.get(self.now_ms, half_life::AGGRAVATION)
        })
    }

    /// Share of the current data bundle used, 0 without a bundle.
    pub fn bundle_used_share(&self, subscriber_idx: usize) -> f64 {
        self.states
            .get(subscriber_idx)
            .map_or(0.0, SubscriberState::bundle_used_share)
    }

    pub fn action_features(&self, action: &ActionId) -> Option<&ActionFeatures> {
        self.actions.get(action)
    }

    /// Names of the planted bad cells.
    pub fn bad_cells(&self) -> Vec<&str> {
        let geo = &self.geography;
        geo.cells
            .iter()
            .zip(&geo.bad_cell)
            .filter(|(_, bad)| **bad)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    pub fn is_bad_cell(&self, cell: &str) -> bool {
        let geo = &self.geography;
        geo.cells
            .iter()
            .position(|name| name == cell)
            .is_some_and(|i| geo.is_bad_cell(i))
    }

    /// Names of the planted bad dealers.
    pub fn bad_dealers(&self) -> Vec<&str> {
        self.dealers
            .names
            .iter()
            .zip(&self.dealers.bad)
            .filter(|(_, bad)| **bad)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    pub fn is_bad_dealer(&self, dealer: &str) -> bool {
        self.dealers
            .names
            .iter()
            .position(|name| name == dealer)
            .is_some_and(|i| self.dealers.is_bad(i as u16))
    }

    /// The simulation's current time.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.now_ms).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub(crate) fn elapsed_days(&self, at_ms: i64) -> f64 {
        (at_ms - self.start_ms) as f64 / DAY_MS as f64
    }

    pub(crate) fn bad_home_cell(&self, subscriber_idx: usize) -> bool {
        self.profiles
            .get(subscriber_idx)
            .is_some_and(|p| self.geography.is_bad_cell(p.home_cell as usize))
    }

    pub(crate) fn churn_inputs(&self, subscriber_idx: usize) -> Option<ChurnInputs<'_>> {
        Some(ChurnInputs {
            profile: self.profiles.get(subscriber_idx)?,
            traits: self.traits.get(subscriber_idx)?,
            state: self.states.get(subscriber_idx)?,
            experience: self.experiences.get(subscriber_idx)?,
            bad_home_cell: self.bad_home_cell(subscriber_idx),
        })
    }

    fn customer(&self, subscriber_idx: usize, at_ms: i64) -> Option<Customer<'_>> {
        let profile = self.profiles.get(subscriber_idx)?;
        Some(Customer {
            profile,
            traits: self.traits.get(subscriber_idx)?,
            state: self.states.get(subscriber_idx)?,
            experience: self.experiences.get(subscriber_idx)?,
            bad_home_cell: self.bad_home_cell(subscriber_idx),
            hazard: self.hazard_at(subscriber_idx, at_ms),
            tenure_months: profile.tenure_months + self.elapsed_days(at_ms).max(0.0) / 30.44,
        })
    }
}
