//! The event stream: pops the agenda in time order, lets each task change the world, and turns
//! what happened into `Event`s with ids `sim-1`, `sim-2`, ... (`sim-<k>-1`, ... in partition `k`
//! of a partitioned base).

use crate::diurnal::DAY_MS;
use crate::operator::Operator;
use crate::rng::{exponential, uniform};
use crate::schedule::{Entry, Task};
use crate::subscriber::msisdn;
use concord_model::{CustomerId, Event, EventId, EventKind, Timestamp};

/// A bundle cycle lasts 30 days.
pub(crate) const BUNDLE_CYCLE_MS: i64 = 30 * DAY_MS;

impl Operator {
    /// Every event in `[now, until)`, in time order; the clock then reads `until`.
    /// For long runs prefer [`Operator::for_each_event_until`], which keeps no buffer.
    pub fn events_until(&mut self, until: Timestamp) -> Vec<Event> {
        let mut events = Vec::new();
        self.for_each_event_until(until, |e| events.push(e));
        events
    }

    /// Streams the events in `[now, until)` to `sink`; returns how many there were.
    pub fn for_each_event_until(&mut self, until: Timestamp, mut sink: impl FnMut(Event)) -> u64 {
        let mut n = 0;
        while let Some(event) = self.next_event(until) {
            sink(event);
            n += 1;
        }
        n
    }

    /// An iterator over the events in `[now, until)`. Drop it to call `respond` in between.
    pub fn events(&mut self, until: Timestamp) -> EventsUntil<'_> {
        EventsUntil {
            operator: self,
            until,
        }
    }

    /// The next event before `until`, advancing the clock to it; `None` (and the clock at
    /// `until`) when nothing more happens before `until`.
    pub fn next_event(&mut self, until: Timestamp) -> Option<Event> {
        let until_ms = until.as_millisecond();
        while let Some(entry) = self.schedule.pop_before(until_ms) {
            self.truth.now_ms = self.truth.now_ms.max(entry.at_ms);
            if let Some(kind) = self.handle(entry) {
                return Some(self.make_event(entry, kind));
            }
        }
        self.truth.now_ms = self.truth.now_ms.max(until_ms);
        None
    }

    fn make_event(&mut self, entry: Entry, kind: EventKind) -> Event {
        self.events_emitted += 1;
        // Rebuilt from the index rather than cloned: reading 100k scattered ids misses cache.
        let customer_id = CustomerId(msisdn(self.first_subscriber + entry.subscriber as usize));
        Event {
            event_id: EventId(event_id(&self.event_id_prefix, self.events_emitted)),
            customer_id,
            time: timestamp(entry.at_ms),
            kind,
        }
    }

    fn handle(&mut self, entry: Entry) -> Option<EventKind> {
        let idx = entry.subscriber as usize;
        let at = entry.at_ms;
        if let Task::DaySweep = entry.task {
            self.day_sweep(at);
            self.schedule.push(at + DAY_MS, u32::MAX, Task::DaySweep);
            return None;
        }
        // A churned subscriber's pending tasks die here, and with them every recurring chain.
        if !self.truth.states.get(idx).is_some_and(|s| s.is_active()) {
            return None;
        }
        match entry.task {
            Task::DaySweep => None,
            Task::Activity => self.on_activity(idx, at),
            Task::Recharge => self.on_recharge(idx, at),
            Task::BundleRenewal => self.on_bundle_renewal(idx, at),
            Task::BundleReport => self.bundle_report(idx),
            Task::Bill => self.on_bill(idx, at),
            Task::Payment { amount } => Some(EventKind::Payment {
                amount: f64::from(amount),
            }),
            Task::DisputeOpen { amount } => self.on_dispute_open(idx, at, f64::from(amount)),
            Task::DisputeClose {
                dispute,
                resolution,
            } => self.on_dispute_close(idx, dispute, resolution),
            Task::Care { reason } => self.on_care(idx, at, reason),
            Task::PortOut { intent, reason } => self.on_port_out(idx, at, intent, reason),
            Task::ProductAdded(product) => Some(EventKind::ProductAdded {
                product: product.as_str().to_owned(),
            }),
            Task::ProductRemoved(product) => Some(EventKind::ProductRemoved {
                product: product.as_str().to_owned(),
            }),
        }
    }

    /// Seeds every recurring chain: usage, recharges, bills, bundle renewals, the daily sweep.
    pub(crate) fn schedule_first_events(&mut self) {
        let start = self.truth.start_ms;
        let rng = &mut self.event_rng;
        let start_pos = self.diurnal.position_at(start);
        for idx in 0..self.subscribers.len() {
            let (Some(profile), Some(state), Some(experience)) = (
                self.truth.profiles.get(idx),
                self.truth.states.get_mut(idx),
                self.truth.experiences.get_mut(idx),
            ) else {
                continue;
            };
            let sub = idx as u32;
            let per_day = state.rates.per_day();
            if per_day > 0.0 {
                let first = self
                    .diurnal
                    .time_at(start_pos + exponential(rng, 1.0) / per_day);
                self.schedule.push(first.max(start), sub, Task::Activity);
            }
            if profile.is_prepaid() {
                let first =
                    start + (uniform(rng) * profile.habit.interval_days() * DAY_MS as f64) as i64;
                let at = self
                    .diurnal
                    .moment_on_day_of(first, uniform(rng))
                    .max(start);
                self.schedule.push(at, sub, Task::Recharge);
            } else if let Some(at) = next_bill_ms(start, profile.bill_day) {
                self.schedule.push(at, sub, Task::Bill);
            }
            if let Some(total) = state.holdings.data_bundle().and_then(|b| b.bundle_mb()) {
                // Mid-cycle at the start: the bundle is as used as the days since renewal say.
                let days_left = 1.0 + 29.0 * uniform(rng);
                let days_used = 30.0 - days_left;
                let used = (profile.data_demand_mb / 30.0 * days_used).min(total);
                state.bundle_used_mb = used as f32;
                state.bundle_reported_tenths = (used / total * 10.0) as u8;
                experience.bundle_expires_ms = start + (days_left * DAY_MS as f64) as i64;
                self.schedule
                    .push(experience.bundle_expires_ms, sub, Task::BundleRenewal);
            }
        }
        let first_sweep = (start.div_euclid(DAY_MS) + 1) * DAY_MS;
        self.schedule.push(first_sweep, u32::MAX, Task::DaySweep);
    }
}

/// Iterator over the events before a time; see [`Operator::events`].
#[derive(Debug)]
pub struct EventsUntil<'a> {
    operator: &'a mut Operator,
    until: Timestamp,
}

impl Iterator for EventsUntil<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.operator.next_event(self.until)
    }
}

/// `<prefix><n>` (`sim-<n>`, or `sim-<partition>-<n>` in a partitioned base), without the
/// formatting machinery.
fn event_id(prefix: &str, n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 || at == 0 {
            break;
        }
    }
    let mut id = String::with_capacity(prefix.len() + digits.len() - at);
    id.push_str(prefix);
    id.extend(digits[at..].iter().map(|&d| char::from(d)));
    id
}

/// Every scheduled time lies within the validated start plus a few centuries.
pub(crate) fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}

/// The next bill run strictly after `after_ms`: 02:00 UTC on `bill_day` (1-28) of a month.
pub(crate) fn next_bill_ms(after_ms: i64, bill_day: u8) -> Option<i64> {
    use jiff::ToSpan;
    use jiff::tz::TimeZone;
    let date = Timestamp::from_millisecond(after_ms)
        .ok()?
        .to_zoned(TimeZone::UTC)
        .date()
        .first_of_month();
    let day_offset = i64::from(bill_day.clamp(1, 28)) - 1;
    for months in 0..3 {
        let bill_date = date
            .checked_add(months.months())
            .ok()?
            .checked_add(day_offset.days())
            .ok()?;
        let at = TimeZone::UTC
            .to_timestamp(bill_date.at(2, 0, 0, 0))
            .ok()?
            .as_millisecond();
        if at > after_ms {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(after: &str, bill_day: u8, expected: &str) {
        let after_ms = after.parse::<Timestamp>().map(|t| t.as_millisecond()).ok();
        let got = after_ms
            .and_then(|ms| next_bill_ms(ms, bill_day))
            .map(|ms| timestamp(ms).to_string());
        assert_eq!(got.as_deref(), Some(expected), "{after} day {bill_day}");
    }

    #[test]
    fn event_ids_count_up() {
        assert_eq!(event_id("sim-", 0), "sim-0");
        assert_eq!(event_id("sim-", 7), "sim-7");
        assert_eq!(event_id("sim-", 1_234_567), "sim-1234567");
        assert_eq!(event_id("sim-", u64::MAX), format!("sim-{}", u64::MAX));
        assert_eq!(event_id("sim-3-", 12), "sim-3-12");
    }

    #[test]
    fn bill_runs_are_monthly() {
        check("2026-11-01T00:00:00Z", 1, "2026-11-01T02:00:00Z");
        check("2026-11-01T02:00:00Z", 1, "2026-12-01T02:00:00Z");
        check("2026-11-15T00:00:00Z", 10, "2026-12-10T02:00:00Z");
        check("2026-12-31T00:00:00Z", 28, "2027-01-28T02:00:00Z");
        check("2027-01-29T00:00:00Z", 28, "2027-02-28T02:00:00Z");
        check("2026-11-01T00:00:00Z", 0, "2026-11-01T02:00:00Z");
    }
}
