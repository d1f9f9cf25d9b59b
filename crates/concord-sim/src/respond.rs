//! How a simulated customer answers an action: accept with the true propensity, otherwise
//! decline or ignore; and what an acceptance changes (holdings, goodwill, a decision to leave).

use crate::catalog::{ActionFamily, ActionKind, ServiceTopic};
use crate::channel::ChannelClass;
use crate::churn::ChurnReason;
use crate::error::SimError;
use crate::operator::Operator;
use crate::rng::{chance, uniform};
use crate::state::half_life;
use concord_model::{ActionId, Attributes, CustomerId, Outcome, Timestamp};

impl Operator {
    /// The customer's answer to `action` presented in `channel` at `time`. Unknown customers or
    /// actions, and customers who have left, are `Ignored`; see [`Operator::try_respond`].
    pub fn respond(
        &mut self,
        customer: &CustomerId,
        action: &ActionId,
        channel: &str,
        context: &Attributes,
        time: Timestamp,
    ) -> Outcome {
        self.try_respond(customer, action, channel, context, time)
            .unwrap_or(Outcome::Ignored)
    }

    /// Like [`Operator::respond`], but says when the customer or the action is unknown.
    ///
    /// Draws exactly two numbers from the response stream per answered call, so the same
    /// seed and call sequence give the same outcomes whatever they are.
    pub fn try_respond(
        &mut self,
        customer: &CustomerId,
        action: &ActionId,
        channel: &str,
        context: &Attributes,
        time: Timestamp,
    ) -> Result<Outcome, SimError> {
        let idx = self
            .subscriber_idx(customer)
            .ok_or_else(|| SimError::UnknownCustomer(customer.to_string()))?;
        let features = self
            .truth
            .actions
            .get(action)
            .cloned()
            .ok_or_else(|| SimError::UnknownAction(action.to_string()))?;
        let at = time.as_millisecond();
        let class = ChannelClass::of(channel);
        let p = self.truth.propensity_at(idx, action, channel, context, at);
        let accept_draw = uniform(&mut self.response_rng);
        let other_draw = uniform(&mut self.response_rng);
        if !self.truth.is_active(idx) {
            return Ok(Outcome::Ignored);
        }
        let outcome = if accept_draw < p {
            Outcome::Accepted
        } else {
            not_accepted(class, other_draw)
        };
        self.record_contact(idx, at, class);
        if outcome == Outcome::Accepted {
            self.apply_acceptance(idx, at, &features);
        }
        Ok(outcome)
    }

    /// Every offer tires a little; unasked-for ones tire more, and past a few a week they annoy.
    fn record_contact(&mut self, idx: usize, at: i64, class: ChannelClass) {
        let Some(experience) = self.truth.experiences.get_mut(idx) else {
            return;
        };
        let weight = if class.is_outbound() { 1.0 } else { 0.3 };
        experience.fatigue.add(at, half_life::FATIGUE, weight);
        if class.is_outbound() && experience.fatigue.get(at, half_life::FATIGUE) > 3.0 {
            experience.aggravation.add(at, half_life::AGGRAVATION, 0.05);
        }
    }

    fn apply_acceptance(&mut self, idx: usize, at: i64, features: &crate::catalog::ActionFeatures) {
        let effective = at.max(self.truth.now_ms);
        if let Some(product) = features.product {
            self.provision(idx, effective, product, true);
        }
        let save_chance = {
            let Some(experience) = self.truth.experiences.get_mut(idx) else {
                return;
            };
            let (goodwill, calm, save_chance) = match (features.kind, features.family) {
                (_, ActionFamily::Retention) => (0.5, 0.5, 0.65),
                (_, ActionFamily::Service(topic)) => {
                    let on_topic = experience.intent.is_some_and(|i| {
                        matches!(
                            (topic, i.reason),
                            (ServiceTopic::Network, ChurnReason::Network)
                                | (ServiceTopic::Billing, ChurnReason::Service)
                                | (ServiceTopic::General, ChurnReason::Service)
                        )
                    });
                    (0.4, 0.4, if on_topic { 0.5 } else { 0.2 })
                }
                (ActionKind::Service, _) => (0.3, 0.6, 0.15),
                (ActionKind::Sales, _) => (0.1, 1.0, 0.0),
            };
            experience.goodwill.add(at, half_life::GOODWILL, goodwill);
            experience
                .aggravation
                .scale(at, half_life::AGGRAVATION, calm);
            if experience.intent.is_some() {
                save_chance
            } else {
                0.0
            }
        };
        if save_chance > 0.0
            && chance(&mut self.response_rng, save_chance)
            && let Some(experience) = self.truth.experiences.get_mut(idx)
        {
            experience.intent = None;
            self.truth.saves += 1;
        }
    }
}

/// Present customers say no; interrupted ones mostly let it pass; digital ones sometimes click.
fn not_accepted(class: ChannelClass, u: f64) -> Outcome {
    match class {
        ChannelClass::Email | ChannelClass::Push if u < 0.12 => Outcome::Clicked,
        ChannelClass::Email | ChannelClass::Push | ChannelClass::Sms if u < 0.25 => {
            Outcome::Declined
        }
        ChannelClass::Email | ChannelClass::Push | ChannelClass::Sms => Outcome::Ignored,
        ChannelClass::OutboundCall if u < 0.6 => Outcome::Declined,
        ChannelClass::OutboundCall => Outcome::Ignored,
        _ if u < 0.7 => Outcome::Declined,
        _ => Outcome::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_acceptances_depend_on_the_channel() {
        assert_eq!(not_accepted(ChannelClass::Ussd, 0.1), Outcome::Declined);
        assert_eq!(not_accepted(ChannelClass::Ussd, 0.9), Outcome::Ignored);
        assert_eq!(not_accepted(ChannelClass::Email, 0.05), Outcome::Clicked);
        assert_eq!(not_accepted(ChannelClass::Sms, 0.05), Outcome::Declined);
        assert_eq!(not_accepted(ChannelClass::Sms, 0.5), Outcome::Ignored);
    }
}
