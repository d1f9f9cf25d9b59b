//! Care contacts and churn: the daily draw that turns hazard into a decision to leave, the
//! "I want to cancel" call that often precedes it, and the port-out that ends the relationship.

use crate::churn::{ChurnReason, ChurnRecord, DESTINATIONS, draw_destination};
use crate::diurnal::DAY_MS;
use crate::operator::Operator;
use crate::rng::{chance, exponential, pick_weighted, uniform};
use crate::schedule::{CareReason, Task};
use crate::state::{Intent, half_life};
use crate::stream::timestamp;
use concord_model::EventKind;

const CARE_CHANNELS: [&str; 4] = ["call_centre", "app", "web", "store"];

impl Operator {
    pub(crate) fn on_care(&mut self, idx: usize, at: i64, reason: CareReason) -> Option<EventKind> {
        let smartphone = self.truth.profiles.get(idx)?.is_smartphone();
        let experience = self.truth.experiences.get_mut(idx)?;
        let annoyance = match reason {
            CareReason::Network | CareReason::Billing => 0.3,
            CareReason::Cancel => 0.0,
            _ => 0.1,
        };
        experience
            .aggravation
            .add(at, half_life::AGGRAVATION, annoyance);
        let weights = [65.0, if smartphone { 15.0 } else { 0.0 }, 10.0, 10.0];
        let channel = CARE_CHANNELS
            .get(pick_weighted(&mut self.event_rng, &weights))
            .copied()
            .unwrap_or("call_centre");
        Some(EventKind::CareContact {
            channel: channel.to_owned(),
            reason: reason.as_str().to_owned(),
        })
    }

    /// Once a day, every active subscriber without a pending decision draws against today's
    /// hazard. A decision schedules the port-out a few days on and, often, a cancel call first.
    pub(crate) fn day_sweep(&mut self, at: i64) {
        let elapsed_days = self.truth.elapsed_days(at);
        let scale = self.truth.churn_scale;
        for idx in 0..self.truth.states.len() {
            let Some(inputs) = self.truth.churn_inputs(idx) else {
                continue;
            };
            if !inputs.state.is_active() || inputs.experience.intent.is_some() {
                continue;
            }
            let hazard = inputs.daily_hazard(at, elapsed_days, scale);
            let rng = &mut self.event_rng;
            if !chance(rng, hazard) {
                continue;
            }
            let reason = inputs.draw_reason(rng, at);
            let destination = draw_destination(rng, reason);
            let delay_days = (1.0 + exponential(rng, 3.0)).min(14.0);
            let port_out_ms = at + (delay_days * DAY_MS as f64) as i64;
            let calls_first = 0.35
                + match reason {
                    ChurnReason::Service | ChurnReason::Price => 0.15,
                    _ => 0.0,
                };
            let cancel_call_ms = at + (0.7 * delay_days * uniform(rng) * DAY_MS as f64) as i64;
            let call = chance(rng, calls_first);
            let Some(experience) = self.truth.experiences.get_mut(idx) else {
                continue;
            };
            experience.intents_taken += 1;
            let id = experience.intents_taken;
            experience.intent = Some(Intent {
                id,
                reason,
                destination,
                port_out_ms,
            });
            if call {
                self.schedule.push(
                    cancel_call_ms,
                    idx as u32,
                    Task::Care {
                        reason: CareReason::Cancel,
                    },
                );
            }
            self.schedule.push(
                port_out_ms,
                idx as u32,
                Task::PortOut { intent: id, reason },
            );
        }
    }

    pub(crate) fn on_port_out(
        &mut self,
        idx: usize,
        at: i64,
        intent_id: u32,
        reason: ChurnReason,
    ) -> Option<EventKind> {
        let bad_home_cell = self.truth.bad_home_cell(idx);
        let bad_dealer = self.truth.profiles.get(idx)?.bad_dealer;
        let experience = self.truth.experiences.get_mut(idx)?;
        // A saved customer's port-out was called off; a later decision has its own id.
        let intent = experience.intent.filter(|i| i.id == intent_id)?;
        experience.intent = None;
        self.truth.states.get_mut(idx)?.deactivate();
        let destination = DESTINATIONS
            .get(intent.destination as usize)
            .copied()
            .unwrap_or(DESTINATIONS[0]);
        for &friend in self.graph.ties(idx) {
            if let Some(friend) = self.truth.experiences.get_mut(friend as usize) {
                friend.contagion.add(at, half_life::CONTAGION, 1.0);
            }
        }
        self.truth.churn_log.push(ChurnRecord {
            subscriber_idx: idx,
            customer_id: self.subscribers.get(idx)?.id.clone(),
            time: timestamp(at),
            reason,
            destination,
            bad_dealer,
            bad_home_cell,
        });
        Some(EventKind::PortOut {
            reason: Some(reason.as_str().to_owned()),
            destination: Some(destination.to_owned()),
        })
    }
}
