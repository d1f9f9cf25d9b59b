//! The contact policy (contact.yaml, validated): caps, pauses and volume constraints over the
//! contact history, and the calendar arithmetic of their periods.

use crate::rule::Var;
use crate::strategy::{Action, Channel, Target};
use concord_model::{ContactKind, Direction, Timestamp};
use jiff::tz::TimeZone;
use serde::Serialize;

const DAY_MS: i64 = 24 * 3_600_000;

/// Every contact rule of the strategy; empty when the folder has no contact.yaml.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ContactPolicy {
    /// The string attribute naming a customer's household.
    pub household: Option<Var>,
    pub caps: Vec<Cap>,
    pub pauses: Vec<Pause>,
    pub volumes: Vec<Volume>,
}

impl ContactPolicy {
    /// How far back the contact history must reach for every rule to judge exactly.
    pub fn horizon_ms(&self) -> i64 {
        let caps = self.caps.iter().map(|c| c.per.longest_ms());
        let pauses = self.pauses.iter().map(|p| p.within_ms + p.pause_ms);
        let volumes = self.volumes.iter().map(|v| v.per.longest_ms());
        caps.chain(pauses).chain(volumes).max().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.pauses.is_empty() && self.volumes.is_empty()
    }

    /// Whether any cap counts the household's contacts.
    pub fn needs_household(&self) -> bool {
        self.caps.iter().any(|c| c.household)
    }
}

/// Which contacts a rule counts: channels (by position in channels.yaml) or a direction, and
/// actions by target. Nothing set: every contact.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Scope {
    pub channels: Vec<usize>,
    pub direction: Option<Direction>,
    pub target: Option<Target>,
}

impl Scope {
    pub fn covers_channel(&self, index: usize, channel: &Channel) -> bool {
        (self.channels.is_empty() || self.channels.contains(&index))
            && self.direction.is_none_or(|d| d == channel.direction)
    }

    pub fn covers_action(&self, action: &Action) -> bool {
        self.target.as_ref().is_none_or(|t| t.matches(action))
    }

    /// Whether a logged contact counts for the rule: its channel and action as the strategy
    /// declares them, `None` for those it no longer declares (a contact in an unknown channel
    /// counts only for a rule over every channel; one of an unknown action only for a rule
    /// without a target).
    pub fn covers_contact(
        &self,
        channel: Option<(usize, &Channel)>,
        action: Option<&Action>,
    ) -> bool {
        let channel_ok = match channel {
            Some((index, channel)) => self.covers_channel(index, channel),
            None => self.channels.is_empty() && self.direction.is_none(),
        };
        let action_ok = match (&self.target, action) {
            (None, _) => true,
            (Some(target), Some(action)) => target.matches(action),
            (Some(_), None) => false,
        };
        channel_ok && action_ok
    }

    /// True when the rule names channels (rather than all, or a direction).
    pub fn names_channel(&self, index: usize) -> bool {
        self.channels.contains(&index)
    }
}

/// A period over which contacts are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Since local midnight.
    Day,
    /// Since local midnight on Monday.
    Week,
    /// Since local midnight on the first of the month.
    Month,
    /// The last `ms` milliseconds.
    Rolling { ms: i64 },
}

impl Period {
    /// Milliseconds since the Unix epoch at which the period holding `now` began, in `zone`.
    pub fn start_ms(self, now: Timestamp, zone: &TimeZone) -> i64 {
        let now_ms = now.as_millisecond();
        let local = now.to_zoned(zone.clone());
        let date = local.date();
        let first_day = match self {
            Period::Rolling { ms } => return now_ms.saturating_sub(ms),
            Period::Day => Some(date),
            Period::Week => date
                .checked_sub(
                    jiff::Span::new().days(i64::from(date.weekday().to_monday_zero_offset())),
                )
                .ok(),
            Period::Month => Some(date.first_of_month()),
        };
        first_day
            .and_then(|d| d.to_zoned(zone.clone()).ok())
            .map_or(now_ms.saturating_sub(self.longest_ms()), |z| {
                z.timestamp().as_millisecond()
            })
    }

    /// The longest this period can be (a month of 31 days plus a daylight-saving hour).
    pub fn longest_ms(self) -> i64 {
        match self {
            Period::Day => DAY_MS + 3_600_000,
            Period::Week => 7 * DAY_MS + 3_600_000,
            Period::Month => 31 * DAY_MS + 3_600_000,
            Period::Rolling { ms } => ms,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Period::Day => "today".to_owned(),
            Period::Week => "this week".to_owned(),
            Period::Month => "this month".to_owned(),
            Period::Rolling { ms } => format!("in the last {}", duration_text(ms)),
        }
    }
}

/// A duration as the config would write it: `7d`, `36h`, `90m`, `20s`.
pub fn duration_text(ms: i64) -> String {
    for (unit, size) in [("d", DAY_MS), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// How a rule groups contacts: all together, or separately per action, group or issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Each {
    All,
    Action,
    Group,
    Issue,
}

impl Each {
    pub fn as_str(self) -> &'static str {
        match self {
            Each::All => "all",
            Each::Action => "action",
            Each::Group => "group",
            Each::Issue => "issue",
        }
    }
}

/// At most `max` impressions per `per` in the scope (per household when `household`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cap {
    pub id: String,
    pub scope: Scope,
    pub each: Each,
    pub max: u32,
    pub per: Period,
    pub household: bool,
    /// Decisions in inbound channels are not held back (unless the scope names the channel).
    pub inbound_exempt: bool,
}

impl Cap {
    /// Whether this cap can hold back a decision in `channel`.
    pub fn applies_in(&self, index: usize, channel: &Channel) -> bool {
        self.scope.covers_channel(index, channel)
            && !(self.inbound_exempt
                && channel.direction == Direction::Inbound
                && !self.scope.names_channel(index))
    }
}

/// After `count` outcomes of kind `outcome` within `within_ms`, pause for `pause_ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pause {
    pub id: String,
    pub scope: Scope,
    pub each: Each,
    pub outcome: ContactKind,
    pub count: u32,
    pub within_ms: i64,
    pub pause_ms: i64,
}

/// An operator-wide budget per calendar period: contacts, or cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volume {
    pub id: String,
    pub scope: Scope,
    pub per: Period,
    pub max_contacts: Option<u64>,
    pub max_cost: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (period, zone, now, expected start): local midnights, Mondays and firsts of the month,
    /// across a daylight-saving change.
    #[test]
    fn periods_start_at_local_calendar_boundaries() {
        let cases = [
            (
                Period::Day,
                "Africa/Johannesburg",
                "2026-11-23T10:00:00Z",
                "2026-11-22T22:00:00Z",
            ),
            (
                Period::Day,
                "Africa/Johannesburg",
                "2026-11-22T21:59:00Z",
                "2026-11-21T22:00:00Z",
            ),
            // Sunday 2026-11-29 in Johannesburg: the week began Monday the 23rd.
            (
                Period::Week,
                "Africa/Johannesburg",
                "2026-11-29T12:00:00Z",
                "2026-11-22T22:00:00Z",
            ),
            (
                Period::Week,
                "Africa/Johannesburg",
                "2026-11-22T22:00:00Z",
                "2026-11-22T22:00:00Z",
            ),
            (
                Period::Month,
                "Africa/Johannesburg",
                "2026-11-23T10:00:00Z",
                "2026-10-31T22:00:00Z",
            ),
            // London left summer time on 2026-10-25: October began at 23:00 UTC on 30 September,
            // November at midnight UTC.
            (
                Period::Month,
                "Europe/London",
                "2026-10-30T12:00:00Z",
                "2026-09-30T23:00:00Z",
            ),
            (
                Period::Month,
                "Europe/London",
                "2026-11-02T12:00:00Z",
                "2026-11-01T00:00:00Z",
            ),
            (
                Period::Week,
                "Europe/London",
                "2026-10-27T12:00:00Z",
                "2026-10-26T00:00:00Z",
            ),
            (
                Period::Day,
                "UTC",
                "2026-11-23T00:00:00Z",
                "2026-11-23T00:00:00Z",
            ),
            (
                Period::Rolling { ms: 3_600_000 },
                "UTC",
                "2026-11-23T10:30:00Z",
                "2026-11-23T09:30:00Z",
            ),
        ];
        for (period, zone, now, expected) in cases {
            let zone = TimeZone::get(zone).expect("zone");
            let now: Timestamp = now.parse().expect("time");
            let expected: Timestamp = expected.parse().expect("time");
            assert_eq!(
                period.start_ms(now, &zone),
                expected.as_millisecond(),
                "{period:?} {now}"
            );
        }
    }

    #[test]
    fn durations_read_back_as_written() {
        for (ms, text) in [
            (7 * DAY_MS, "7d"),
            (36 * 3_600_000, "36h"),
            (90_000, "90s"),
            (1, "1ms"),
        ] {
            assert_eq!(duration_text(ms), text);
        }
    }
}
