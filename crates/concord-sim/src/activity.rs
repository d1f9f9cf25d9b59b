//! How often each subscriber does what: per-day rates of calls, SMS, data, sessions, visits and
//! the rarer care contacts, product changes and surveys, fixed at generation.

use crate::profile::Profile;
use crate::traits::LatentTraits;

/// A kind of usage event the activity process can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Voice,
    Sms,
    Data,
    App,
    Web,
    Store,
    Care,
    ProductChange,
    Survey,
}

const KINDS: [Usage; 9] = [
    Usage::Voice,
    Usage::Sms,
    Usage::Data,
    Usage::App,
    Usage::Web,
    Usage::Store,
    Usage::Care,
    Usage::ProductChange,
    Usage::Survey,
];

/// Cumulative per-day rates over [`KINDS`]; picking is one short scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ActivityRates {
    cum: [f32; 9],
}

impl ActivityRates {
    /// `noise` holds three uniforms in [0, 1) that make two similar people differ.
    pub fn new(p: &Profile, t: &LatentTraits, noise: [f64; 3], scale: f64) -> Self {
        let smartphone = p.is_smartphone();
        let young = p.age < 30;
        let voice = 1.6 * if p.is_prepaid() { 1.0 } else { 1.3 } * (0.5 + noise[0]);
        let sms = 0.5 * if young { 1.5 } else { 1.0 } * (0.4 + 1.2 * noise[1]);
        let data = if smartphone {
            1.8 * (0.5 + t.data_hunger) * (0.6 + 0.8 * noise[2])
        } else {
            0.05
        };
        let app = if smartphone {
            0.6 * t.digital_engagement
        } else {
            0.0
        };
        let web = 0.12 * t.digital_engagement + if p.is_prepaid() { 0.0 } else { 0.05 };
        let rates = [voice, sms, data, app, web, 0.012, 0.012, 0.0025, 0.003];
        let mut cum = [0.0f32; 9];
        let mut total = 0.0;
        for (slot, rate) in cum.iter_mut().zip(rates) {
            total += (rate * scale).max(0.0);
            *slot = total as f32;
        }
        ActivityRates { cum }
    }

    /// Events per calendar day, all kinds together.
    pub fn per_day(&self) -> f64 {
        f64::from(self.cum[8])
    }

    /// Data sessions per calendar day.
    pub fn data_per_day(&self) -> f64 {
        f64::from(self.cum[2] - self.cum[1])
    }

    /// The kind for a uniform draw `u` in [0, 1).
    pub fn pick(&self, u: f64) -> Usage {
        let target = (u * self.per_day()) as f32;
        let at = self.cum.partition_point(|&c| c <= target).min(8);
        KINDS[at]
    }
}
