//! Money events: prepaid recharges that follow each subscriber's habit, postpaid bills and
//! payments, and the billing disputes that bill shock provokes.

use crate::diurnal::DAY_MS;
use crate::operator::Operator;
use crate::rng::{chance, exponential, lognormal_mean1, pick_weighted, uniform};
use crate::schedule::{CareReason, Resolution, Task};
use crate::state::half_life;
use crate::stream::next_bill_ms;
use concord_model::EventKind;

const RECHARGE_CHANNELS: [&str; 5] = ["ussd", "app", "voucher", "bank", "store"];

impl Operator {
    pub(crate) fn on_recharge(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let profile = self.truth.profiles.get(idx)?;
        let rng = &mut self.event_rng;
        let amount = (profile.avg_recharge * lognormal_mean1(rng, 0.25) / 5.0)
            .round()
            .max(1.0)
            * 5.0;
        let app_weight = if profile.is_smartphone() { 20.0 } else { 0.0 };
        let channel = RECHARGE_CHANNELS
            .get(pick_weighted(rng, &[35.0, app_weight, 25.0, 10.0, 10.0]))
            .copied()
            .unwrap_or("ussd");
        let gap_days = profile.habit.interval_days() * lognormal_mean1(rng, 0.3);
        let due = at + (gap_days * DAY_MS as f64) as i64;
        let next = self
            .diurnal
            .moment_on_day_of(due, uniform(rng))
            .max(at + 3_600_000);
        self.schedule.push(next, idx as u32, Task::Recharge);
        if let Some(state) = self.truth.states.get_mut(idx) {
            state.balance += amount as f32;
        }
        Some(EventKind::Recharge {
            amount,
            channel: channel.to_owned(),
        })
    }

    pub(crate) fn on_bill(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let profile = self.truth.profiles.get(idx)?;
        let state = self.truth.states.get(idx)?;
        let rng = &mut self.event_rng;
        let arpu = profile.arpu;
        // Running out of bundle mid-cycle shows up as out-of-bundle charges on the bill.
        let overage = if state.bundle_used_share() >= 0.999 && chance(rng, 0.6) {
            arpu * (0.1 + 0.4 * uniform(rng))
        } else {
            0.0
        };
        let amount = round2(arpu * lognormal_mean1(rng, 0.12) + overage);
        let shocked = amount > 1.3 * arpu;
        let disputed = chance(rng, if shocked { 0.18 } else { 0.02 });
        let mut to_pay = amount;
        if disputed {
            let share = 0.2 + 0.4 * uniform(rng);
            to_pay = round2(amount * (1.0 - share));
            let open_at = at + ((1.0 + 5.0 * uniform(rng)) * DAY_MS as f64) as i64;
            self.schedule.push(
                open_at,
                idx as u32,
                Task::DisputeOpen {
                    amount: (amount * share) as f32,
                },
            );
        }
        if chance(rng, 0.96) {
            let pay_at = at + ((3.0 + 17.0 * uniform(rng)) * DAY_MS as f64) as i64;
            self.schedule.push(
                pay_at,
                idx as u32,
                Task::Payment {
                    amount: to_pay as f32,
                },
            );
        }
        if let Some(next) = next_bill_ms(at, profile.bill_day) {
            self.schedule.push(next, idx as u32, Task::Bill);
        }
        Some(EventKind::BillIssued { amount })
    }

    pub(crate) fn on_dispute_open(
        &mut self,
        idx: usize,
        at: i64,
        amount: f64,
    ) -> Option<EventKind> {
        let experience = self.truth.experiences.get_mut(idx)?;
        let rng = &mut self.event_rng;
        experience.disputes_opened = experience.disputes_opened.saturating_add(1);
        experience.open_disputes = experience.open_disputes.saturating_add(1);
        experience.aggravation.add(at, half_life::AGGRAVATION, 1.0);
        let dispute = experience.disputes_opened;
        if chance(rng, 0.7) {
            let call_at = at + 60_000 + exponential(rng, 8.0 * 3_600_000.0) as i64;
            self.schedule.push(
                call_at,
                idx as u32,
                Task::Care {
                    reason: CareReason::Billing,
                },
            );
        }
        let resolution = match pick_weighted(rng, &[55.0, 20.0, 25.0]) {
            0 => Resolution::Credited,
            1 => Resolution::PartialCredit,
            _ => Resolution::Upheld,
        };
        let close_at = at + ((3.0 + 18.0 * uniform(rng)) * DAY_MS as f64) as i64;
        self.schedule.push(
            close_at,
            idx as u32,
            Task::DisputeClose {
                dispute,
                resolution,
            },
        );
        Some(EventKind::DisputeOpened {
            dispute_id: self.dispute_id(idx, dispute),
            amount: Some(round2(amount)),
        })
    }

    pub(crate) fn on_dispute_close(
        &mut self,
        idx: usize,
        dispute: u16,
        resolution: Resolution,
    ) -> Option<EventKind> {
        let now = self.truth.now_ms;
        let experience = self.truth.experiences.get_mut(idx)?;
        experience.open_disputes = experience.open_disputes.saturating_sub(1);
        let change = match resolution {
            Resolution::Credited => -0.6,
            Resolution::PartialCredit => -0.2,
            Resolution::Upheld => 0.5,
        };
        experience
            .aggravation
            .add(now, half_life::AGGRAVATION, change);
        Some(EventKind::DisputeClosed {
            dispute_id: self.dispute_id(idx, dispute),
            resolution: Some(resolution.as_str().to_owned()),
        })
    }

    fn dispute_id(&self, idx: usize, dispute: u16) -> String {
        let customer = self
            .subscribers
            .get(idx)
            .map_or("unknown", |s| s.id.as_str());
        format!("DSP-{customer}-{dispute}")
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
