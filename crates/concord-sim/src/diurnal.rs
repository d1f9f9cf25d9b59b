//! The activity clock: usage follows the day (quiet at 3am, busy at 7pm, South African time), so
//! usage processes tick on a clock that runs fast in busy hours instead of rejecting draws.
//!
//! One activity-day holds exactly one calendar day's worth of activity; an exponential gap of
//! `1 / rate` activity-days therefore averages `rate` events per calendar day.

const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;
/// SAST is UTC+2 all year.
const LOCAL_OFFSET_MS: i64 = 2 * HOUR_MS;

/// Relative activity per local hour, midnight first.
const HOUR_WEIGHTS: [f64; 24] = [
    0.20, 0.10, 0.08, 0.06, 0.08, 0.20, 0.50, 0.80, 1.00, 1.00, 1.00, 1.00, 1.10, 1.00, 1.00, 1.00,
    1.10, 1.30, 1.40, 1.40, 1.30, 1.00, 0.70, 0.40,
];

#[derive(Debug, Clone)]
pub(crate) struct Diurnal {
    /// Share of a day's activity in each local hour; sums to 1.
    share: [f64; 24],
    /// Activity before each hour starts; `cum[24] == 1`.
    cum: [f64; 25],
}

impl Default for Diurnal {
    fn default() -> Self {
        let total: f64 = HOUR_WEIGHTS.iter().sum();
        let share = HOUR_WEIGHTS.map(|w| w / total);
        let mut cum = [0.0; 25];
        for h in 0..24 {
            cum[h + 1] = cum[h] + share[h];
        }
        cum[24] = 1.0;
        Diurnal { share, cum }
    }
}

impl Diurnal {
    /// Position on the activity clock at a moment.
    pub fn position_at(&self, ms: i64) -> f64 {
        let local = ms.saturating_add(LOCAL_OFFSET_MS);
        let day = local.div_euclid(DAY_MS);
        let in_day = local.rem_euclid(DAY_MS);
        let hour = ((in_day / HOUR_MS) as usize).min(23);
        let frac = (in_day % HOUR_MS) as f64 / HOUR_MS as f64;
        day as f64 + self.cum[hour] + self.share[hour] * frac
    }

    /// The moment the activity clock reads `position`.
    pub fn time_at(&self, position: f64) -> i64 {
        let day = position.floor();
        let rem = position - day;
        let hour = self
            .cum
            .partition_point(|&c| c <= rem)
            .saturating_sub(1)
            .min(23);
        let share = self.share[hour];
        let frac = if share > 0.0 {
            ((rem - self.cum[hour]) / share).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (day as i64) * DAY_MS + hour as i64 * HOUR_MS + (frac * HOUR_MS as f64) as i64
            - LOCAL_OFFSET_MS
    }

    /// A moment on the calendar day of `ms` (local), drawn with the day's activity profile;
    /// `u` is a uniform draw in [0, 1).
    pub fn moment_on_day_of(&self, ms: i64, u: f64) -> i64 {
        let day = self.position_at(ms).floor();
        self.time_at(day + u.clamp(0.0, 0.999_999))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_round_trips() {
        let d = Diurnal::default();
        let start = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        for offset in [
            0,
            1,
            59_999,
            HOUR_MS,
            5 * HOUR_MS + 17,
            DAY_MS - 1,
            3 * DAY_MS + 12_345,
        ] {
            let ms = start + offset;
            let back = d.time_at(d.position_at(ms));
            assert!((back - ms).abs() <= 1, "{ms} -> {back}");
        }
    }

    #[test]
    fn evenings_are_busier_than_nights() {
        let d = Diurnal::default();
        let local_midnight = 1_793_491_200_000 - LOCAL_OFFSET_MS;
        let activity_in_hour = |h: i64| {
            d.position_at(local_midnight + (h + 1) * HOUR_MS)
                - d.position_at(local_midnight + h * HOUR_MS)
        };
        assert!(activity_in_hour(19) > 10.0 * activity_in_hour(3));
        let whole_day = d.position_at(local_midnight + DAY_MS) - d.position_at(local_midnight);
        assert!((whole_day - 1.0).abs() < 1e-9);
    }
}
