//! What changes about a subscriber as the simulation runs: holdings, balance and the bundle
//! cycle (hot, touched by every event), and the decaying memories of experience (aggravation,
//! goodwill, fatigue) and intentions the truth reads.

use crate::activity::ActivityRates;
use crate::churn::ChurnReason;
use crate::holdings::Holdings;
use crate::profile::Profile;
use crate::traits::LatentTraits;

const MS_PER_DAY: f64 = 86_400_000.0;

/// Half-lives, in days, of the decaying quantities.
pub(crate) mod half_life {
    /// Bad experiences fade over weeks.
    pub const AGGRAVATION: f64 = 14.0;
    /// "Recent dropped calls" as the customer remembers them.
    pub const DROPS: f64 = 7.0;
    /// A made-right problem or an accepted retention offer is remembered for a quarter.
    pub const GOODWILL: f64 = 45.0;
    /// Contact fatigue from offers.
    pub const FATIGUE: f64 = 3.0;
    /// Friends leaving.
    pub const CONTAGION: f64 = 30.0;
}

/// A quantity that halves every `half_life` days, stored as its value at the last update.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Decaying {
    value: f64,
    at_ms: i64,
}

impl Decaying {
    pub fn get(&self, now_ms: i64, half_life_days: f64) -> f64 {
        if self.value == 0.0 {
            return 0.0;
        }
        let days = (now_ms - self.at_ms).max(0) as f64 / MS_PER_DAY;
        self.value * (-std::f64::consts::LN_2 * days / half_life_days).exp()
    }

    pub fn add(&mut self, now_ms: i64, half_life_days: f64, amount: f64) {
        let current = self.get(now_ms, half_life_days);
        self.set(now_ms, current + amount);
    }

    pub fn scale(&mut self, now_ms: i64, half_life_days: f64, factor: f64) {
        let current = self.get(now_ms, half_life_days);
        self.set(now_ms, current * factor);
    }

    fn set(&mut self, now_ms: i64, value: f64) {
        // Updates from the past (a late `respond`) keep the later anchor, never rewind it.
        self.value = value.max(0.0);
        self.at_ms = self.at_ms.max(now_ms);
    }
}

/// A decision to leave, taken by the daily churn draw, that a port-out will carry out unless a
/// good enough treatment changes the customer's mind first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Intent {
    pub id: u32,
    pub reason: ChurnReason,
    pub destination: u8,
    pub port_out_ms: i64,
}

/// What every usage event reads and writes, packed into one cache line: events hit subscribers
/// in random order, so each extra line touched per event is a cache miss (this layout roughly
/// tripled the event rate over keeping these fields in the wider structs).
#[derive(Debug, Clone, PartialEq)]
#[repr(align(64))]
pub(crate) struct SubscriberState {
    pub rates: ActivityRates,
    pub balance: f32,
    pub bundle_used_mb: f32,
    /// Mean MB of one data session: the monthly appetite spread over the sessions.
    pub data_mb_per_session: f32,
    pub international_call_chance: f32,
    pub home_cell: u32,
    pub city: u16,
    pub holdings: Holdings,
    /// Tenths of the bundle already reported by a `bundle_usage` event this cycle.
    pub bundle_reported_tenths: u8,
    flags: u8,
}

const ACTIVE: u8 = 1;
const PREPAID: u8 = 2;

impl SubscriberState {
    pub fn new(
        profile: &Profile,
        traits: &LatentTraits,
        holdings: Holdings,
        rates: ActivityRates,
    ) -> Self {
        let data_per_day = rates.data_per_day();
        let data_mb = if data_per_day > 0.0 {
            profile.data_demand_mb / 30.0 / data_per_day
        } else {
            0.0
        };
        let mut flags = ACTIVE;
        if profile.is_prepaid() {
            flags |= PREPAID;
        }
        Self {
            rates,
            balance: profile.initial_balance as f32,
            bundle_used_mb: 0.0,
            data_mb_per_session: data_mb as f32,
            international_call_chance: (0.01 + 0.1 * traits.roaming_propensity) as f32,
            home_cell: profile.home_cell,
            city: profile.city,
            holdings,
            bundle_reported_tenths: 0,
            flags,
        }
    }

    pub fn is_active(&self) -> bool {
        self.flags & ACTIVE != 0
    }

    /// Ported out: every pending task of this subscriber is dropped from now on.
    pub fn deactivate(&mut self) {
        self.flags &= !ACTIVE;
    }

    pub fn is_prepaid(&self) -> bool {
        self.flags & PREPAID != 0
    }

    /// Current bundle size in MB, 0 without a bundle.
    pub fn bundle_total_mb(&self) -> f64 {
        self.holdings
            .data_bundle()
            .and_then(|b| b.bundle_mb())
            .unwrap_or(0.0)
    }

    /// Share of the bundle used, 0 without a bundle.
    pub fn bundle_used_share(&self) -> f64 {
        let total = self.bundle_total_mb();
        if total > 0.0 {
            (f64::from(self.bundle_used_mb) / total).min(1.0)
        } else {
            0.0
        }
    }
}

/// What the customer remembers and intends: decaying experiences, disputes, a decision to
/// leave. Read by the truth and the rarer events, so kept out of the hot line.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Experience {
    pub aggravation: Decaying,
    pub recent_drops: Decaying,
    pub goodwill: Decaying,
    pub fatigue: Decaying,
    pub contagion: Decaying,
    pub open_disputes: u8,
    pub disputes_opened: u16,
    pub intent: Option<Intent>,
    pub intents_taken: u32,
    /// End of the current bundle cycle; a renewal task for any other time is stale.
    pub bundle_expires_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_state_fits_one_cache_line() {
        assert_eq!(std::mem::size_of::<SubscriberState>(), 64);
    }

    #[test]
    fn decaying_values_halve_every_half_life() {
        let day = MS_PER_DAY as i64;
        let mut d = Decaying::default();
        d.add(0, 7.0, 2.0);
        assert!((d.get(7 * day, 7.0) - 1.0).abs() < 1e-9);
        assert!((d.get(14 * day, 7.0) - 0.5).abs() < 1e-9);
        d.add(7 * day, 7.0, 1.0);
        assert!((d.get(7 * day, 7.0) - 2.0).abs() < 1e-9);
        d.scale(7 * day, 7.0, 0.5);
        assert!((d.get(7 * day, 7.0) - 1.0).abs() < 1e-9);
        // Reading before the anchor never grows the value.
        assert!((d.get(0, 7.0) - 1.0).abs() < 1e-9);
    }
}
