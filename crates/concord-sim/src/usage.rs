//! Usage events: calls (dropped ones concentrated on bad cells), SMS, data against the bundle,
//! app and web sessions, store visits, background care contacts and NPS answers.

use crate::activity::Usage;
use crate::operator::Operator;
use crate::rng::{chance, exponential, index, lognormal_mean1, pick_weighted, std_normal, uniform};
use crate::schedule::{CareReason, Task};
use crate::state::half_life;
use concord_model::EventKind;

/// Chance that the network drops a call, on a healthy and on a bad cell.
const DROP_RATE_GOOD: f64 = 0.004;
const DROP_RATE_BAD: f64 = 0.15;
/// Share of calls made on the home cell; the rest are elsewhere in the city.
const HOME_CELL_SHARE: f64 = 0.8;
/// Out-of-bundle prices in rand, for draining prepaid balances.
const RAND_PER_MINUTE: f64 = 0.9;
const RAND_PER_SMS: f64 = 0.35;
const RAND_PER_MB: f64 = 0.1;

impl Operator {
    pub(crate) fn on_activity(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let rates = self.truth.states.get(idx)?.rates;
        let per_day = rates.per_day();
        if per_day > 0.0 {
            // The activity clock is a pure function of time, so `at` says where it stands.
            let position =
                self.diurnal.position_at(at) + exponential(&mut self.event_rng, 1.0) / per_day;
            let next = self.diurnal.time_at(position).max(at + 1);
            self.schedule.push(next, idx as u32, Task::Activity);
        }
        match rates.pick(uniform(&mut self.event_rng)) {
            Usage::Voice => self.voice_call(idx, at),
            Usage::Sms => {
                let rng = &mut self.event_rng;
                let count = if chance(rng, 0.85) {
                    1
                } else {
                    2 + index(rng, 4) as u32
                };
                self.charge_prepaid(idx, f64::from(count) * RAND_PER_SMS);
                Some(EventKind::Sms { count: Some(count) })
            }
            Usage::Data => self.data_usage(idx, at),
            Usage::App => Some(EventKind::AppSession {
                duration_s: Some((5.0 + exponential(&mut self.event_rng, 110.0)).round()),
            }),
            Usage::Web => Some(EventKind::WebSession {
                duration_s: Some((10.0 + exponential(&mut self.event_rng, 230.0)).round()),
            }),
            Usage::Store => self.store_visit(idx),
            Usage::Care => {
                let reason = self.background_care_reason(idx);
                self.on_care(idx, at, reason)
            }
            Usage::ProductChange => self.organic_product_change(idx, at),
            Usage::Survey => self.nps_answer(idx, at),
        }
    }

    fn voice_call(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let state = self.truth.states.get(idx)?;
        let (home_cell, city, international_chance) =
            (state.home_cell, state.city, state.international_call_chance);
        let rng = &mut self.event_rng;
        let geo = &self.truth.geography;
        let cell = if chance(rng, HOME_CELL_SHARE) {
            home_cell as usize
        } else {
            geo.draw_cell(rng, city as usize)
        };
        let drop_rate = if geo.is_bad_cell(cell) {
            DROP_RATE_BAD
        } else {
            DROP_RATE_GOOD
        };
        if chance(rng, drop_rate) {
            let cell_name = geo.cell_name(cell).to_owned();
            let experience = self.truth.experiences.get_mut(idx)?;
            experience.aggravation.add(at, half_life::AGGRAVATION, 0.12);
            experience.recent_drops.add(at, half_life::DROPS, 1.0);
            // Three drops and they call us: the fourth call is the health-check moment.
            let drops = experience.recent_drops.get(at, half_life::DROPS).min(4.0);
            if chance(rng, 0.03 + 0.06 * drops) {
                let delay = 60_000 + exponential(rng, 6.0 * 3_600_000.0) as i64;
                self.schedule.push(
                    at + delay,
                    idx as u32,
                    Task::Care {
                        reason: CareReason::Network,
                    },
                );
            }
            return Some(EventKind::DroppedCall { cell: cell_name });
        }
        let international = chance(rng, f64::from(international_chance));
        let duration_s = (110.0 * lognormal_mean1(rng, 0.9)).round().max(3.0);
        self.charge_prepaid(idx, duration_s / 60.0 * RAND_PER_MINUTE);
        Some(EventKind::VoiceCall {
            duration_s,
            international,
        })
    }

    fn data_usage(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let state = self.truth.states.get_mut(idx)?;
        let mean_mb = f64::from(state.data_mb_per_session);
        let mb = ((mean_mb * lognormal_mean1(&mut self.event_rng, 0.8)) * 100.0).round() / 100.0;
        let total = state.bundle_total_mb();
        let mut out_of_bundle = mb;
        if total > 0.0 {
            let used = f64::from(state.bundle_used_mb);
            let room = (total - used).max(0.0);
            out_of_bundle = (mb - room).max(0.0);
            let used = used + mb.min(room);
            state.bundle_used_mb = used as f32;
            let tenths = (used / total * 10.0).floor().min(10.0) as u8;
            if tenths > state.bundle_reported_tenths {
                state.bundle_reported_tenths = tenths;
                self.schedule.push(at, idx as u32, Task::BundleReport);
            }
        }
        self.charge_prepaid(idx, out_of_bundle * RAND_PER_MB);
        Some(EventKind::DataUsage { mb })
    }

    fn store_visit(&mut self, idx: usize) -> Option<EventKind> {
        let profile = self.truth.profiles.get(idx)?;
        let geo = &self.truth.geography;
        let rng = &mut self.event_rng;
        let store = if chance(rng, 0.85) {
            profile.home_store as usize
        } else {
            geo.draw_store(rng, profile.city as usize)
        };
        Some(EventKind::StoreVisit {
            store: geo.store_name(profile.city as usize, store).to_owned(),
        })
    }

    fn background_care_reason(&mut self, idx: usize) -> CareReason {
        let Some(profile) = self.truth.profiles.get(idx) else {
            return CareReason::Other;
        };
        let bad_home = self.truth.bad_home_cell(idx);
        let weights = [
            if profile.is_prepaid() { 15.0 } else { 30.0 },
            if bad_home { 20.0 } else { 4.0 },
            if profile.is_smartphone() { 25.0 } else { 5.0 },
            15.0,
            0.0,
            35.0,
        ];
        const REASONS: [CareReason; 6] = [
            CareReason::Billing,
            CareReason::Network,
            CareReason::Data,
            CareReason::Device,
            CareReason::Cancel,
            CareReason::Other,
        ];
        REASONS
            .get(pick_weighted(&mut self.event_rng, &weights))
            .copied()
            .unwrap_or(CareReason::Other)
    }

    /// NPS 0-10: loyal, unbothered customers promote; aggravated ones detract.
    fn nps_answer(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let loyalty = self.truth.traits.get(idx)?.loyalty;
        let aggravation = self
            .truth
            .experiences
            .get(idx)?
            .aggravation
            .get(at, half_life::AGGRAVATION);
        let score = (7.5 + 3.0 * (loyalty - 0.5) - 1.5 * aggravation.min(4.0)
            + 1.2 * std_normal(&mut self.event_rng))
        .round()
        .clamp(0.0, 10.0);
        Some(EventKind::SurveyAnswer {
            survey: "nps".to_owned(),
            score: Some(score),
            answer: None,
        })
    }

    /// Prepaid usage drains airtime (never below zero); postpaid usage lands on the bill.
    pub(crate) fn charge_prepaid(&mut self, idx: usize, rand: f64) {
        if let Some(state) = self.truth.states.get_mut(idx).filter(|s| s.is_prepaid()) {
            state.balance = (f64::from(state.balance) - rand).max(0.0) as f32;
        }
    }
}
