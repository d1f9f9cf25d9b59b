//! Contact policy: consent and quiet hours for the channel, then the history-based rules of
//! contact.yaml (caps per period, pauses after outcomes, operator-wide volume budgets).
//!
//! The history comes in as an argument (the hub keeps it); this module only counts.

use concord_model::{Contact, ContactKind, Offer, Timestamp, Value, VolumeUse};
use concord_strategy::{
    Action, Cap, Channel, Each, Frame, Pause, RuleEnv, Scope, Strategy, Volume,
};
use jiff::tz::TimeZone;

/// The contact history a decision is judged against.
#[derive(Debug, Clone, Copy, Default)]
pub struct History<'a> {
    /// The customer's contacts.
    pub own: &'a [Contact],
    /// Every contact of the customer's household (theirs included), for household caps.
    pub household: &'a [Contact],
    /// Per volume constraint of the strategy, in order: the use in the period holding `now`.
    pub volume: &'a [VolumeUse],
    /// The customer's offers still open (or recently lapsed).
    pub offers: &'a [Offer],
}

impl History<'_> {
    /// The open offer of the action at position `action` at `now_ms`: the newest shown.
    pub(crate) fn open_offer(&self, action: usize, now_ms: i64) -> Option<&Offer> {
        self.offers
            .iter()
            .filter(|o| {
                o.action as usize == action && o.shown_ms <= now_ms && now_ms < o.valid_until_ms
            })
            .max_by_key(|o| o.shown_ms)
    }
}

/// The customer's time zone: the profile's zone attribute when it names a valid zone, else the
/// strategy's default, else UTC.
pub fn customer_zone(strategy: &Strategy, env: &Frame<'_>) -> TimeZone {
    let rule = strategy.time_zone();
    rule.and_then(|r| r.attribute.as_ref())
        .and_then(|var| match &*env.value(var) {
            Value::Str(name) => TimeZone::get(name).ok(),
            _ => None,
        })
        .or_else(|| rule.map(|r| r.default.clone()))
        .unwrap_or(TimeZone::UTC)
}

/// Why the channel may not contact this customer now, if it may not: no consent (the channel's
/// consent attribute is not true) or the customer's local time is in the channel's quiet hours.
pub(crate) fn consent_block(
    channel: &Channel,
    env: &Frame<'_>,
    zone: &TimeZone,
    now: Timestamp,
) -> Option<String> {
    if let Some(var) = &channel.consent {
        match &*env.value(var) {
            Value::Bool(true) => {}
            Value::Bool(false) => {
                return Some(format!(
                    "{var} is false: no contact in channel {}",
                    channel.id
                ));
            }
            _ => {
                return Some(format!(
                    "{var} is not recorded: no consent, no contact in channel {}",
                    channel.id
                ));
            }
        }
    }
    let quiet = channel.quiet_hours?;
    quiet_local_time(channel, zone, now).map(|local| {
        format!(
            "quiet hours {:02}:{:02}-{:02}:{:02} in channel {}: local time {} ({})",
            quiet.from / 60,
            quiet.from % 60,
            quiet.to / 60,
            quiet.to % 60,
            channel.id,
            local.strftime("%H:%M"),
            local.time_zone().iana_name().unwrap_or("UTC")
        )
    })
}

/// The customer's local time when it is in the channel's quiet hours (`None`: contact is
/// allowed now, or the channel has none).
pub fn quiet_local_time(channel: &Channel, zone: &TimeZone, now: Timestamp) -> Option<jiff::Zoned> {
    let quiet = channel.quiet_hours?;
    let local = now.to_zoned(zone.clone());
    let minute =
        u16::try_from(local.hour()).unwrap_or(0) * 60 + u16::try_from(local.minute()).unwrap_or(0);
    quiet.contains(minute).then_some(local)
}

/// The key a rule counts an action under: the action, its group, its issue, or one for all.
fn key_of(strategy: &Strategy, each: Each, action: &Action, index: usize) -> u64 {
    let (issue, group) = strategy.taxonomy_at(action);
    match each {
        Each::All => 0,
        Each::Action => index as u64,
        Each::Group => ((issue as u64) << 32) | (group as u64 & 0xffff_ffff),
        Each::Issue => issue as u64,
    }
}

/// Whether `contact` is in the rule's scope; the action (when the strategy knows it) and its
/// position.
fn in_scope<'s>(
    strategy: &'s Strategy,
    scope: &Scope,
    contact: &Contact,
) -> Option<Option<(&'s Action, usize)>> {
    let action = strategy
        .actions()
        .get(contact.action as usize)
        .map(|a| (a, contact.action as usize));
    let channel = usize::from(contact.channel);
    let covered = scope.covers_contact(
        strategy.channels().get(channel).map(|c| (channel, c)),
        action.map(|(a, _)| a),
    );
    covered.then_some(action)
}

/// A cap in force for this decision: impressions counted since the period began, including
/// the actions this decision has placed so far.
struct CapState<'s> {
    cap: &'s Cap,
    /// (key, impressions) for each key seen.
    counts: Vec<(u64, u32)>,
}

impl CapState<'_> {
    fn add(&mut self, key: u64) {
        match self.counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((key, 1)),
        }
    }
}

impl CapState<'_> {
    fn count(&self, key: u64) -> u32 {
        self.counts
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n)
    }
}

/// A pause: until when each key is paused.
struct PauseState<'s> {
    pause: &'s Pause,
    until: Vec<(u64, i64)>,
}

/// The history-based rules, counted once per decision.
pub(crate) struct Judge<'s> {
    caps: Vec<CapState<'s>>,
    pauses: Vec<PauseState<'s>>,
    volumes: Vec<(&'s Volume, VolumeUse)>,
    /// Placed in this decision, per volume constraint.
    placed: Vec<u64>,
    channel_cost: f64,
}

impl<'s> Judge<'s> {
    pub(crate) fn new(
        strategy: &'s Strategy,
        channel_index: usize,
        channel: &Channel,
        history: &History<'_>,
        zone: &TimeZone,
        now: Timestamp,
    ) -> Self {
        let policy = strategy.contact();
        let now_ms = now.as_millisecond();
        let caps = policy
            .caps
            .iter()
            .filter(|cap| cap.applies_in(channel_index, channel))
            .map(|cap| {
                let since = cap.per.start_ms(now, zone);
                let contacts = if cap.household {
                    history.household
                } else {
                    history.own
                };
                let mut counts: Vec<(u64, u32)> = Vec::new();
                for c in contacts {
                    if c.kind != ContactKind::Impression || c.time_ms < since || c.time_ms > now_ms
                    {
                        continue;
                    }
                    let Some(action) = in_scope(strategy, &cap.scope, c) else {
                        continue;
                    };
                    let key = match (cap.each, action) {
                        (Each::All, _) => 0,
                        (each, Some((a, i))) => key_of(strategy, each, a, i),
                        (_, None) => continue,
                    };
                    match counts.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((key, 1)),
                    }
                }
                CapState { cap, counts }
            })
            .collect();
        let pauses = policy
            .pauses
            .iter()
            .map(|pause| {
                let mut times: Vec<(u64, i64)> = history
                    .own
                    .iter()
                    .filter(|c| c.kind == pause.outcome && c.time_ms <= now_ms)
                    .filter_map(|c| {
                        let action = in_scope(strategy, &pause.scope, c)?;
                        let key = match (pause.each, action) {
                            (Each::All, _) => 0,
                            (each, Some((a, i))) => key_of(strategy, each, a, i),
                            (_, None) => return None,
                        };
                        Some((key, c.time_ms))
                    })
                    .collect();
                times.sort_unstable();
                let n = pause.count as usize;
                let mut until: Vec<(u64, i64)> = Vec::new();
                for run in times.chunk_by(|a, b| a.0 == b.0) {
                    let last = run
                        .windows(n)
                        .filter(|w| w[n - 1].1 - w[0].1 <= pause.within_ms)
                        .map(|w| w[n - 1].1 + pause.pause_ms)
                        .max();
                    if let Some(end) = last
                        && end > now_ms
                    {
                        until.push((run[0].0, end));
                    }
                }
                PauseState { pause, until }
            })
            .filter(|p| !p.until.is_empty())
            .collect();
        let volumes: Vec<_> = policy
            .volumes
            .iter()
            .zip(
                history
                    .volume
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(VolumeUse::default())),
            )
            .filter(|(v, _)| v.scope.covers_channel(channel_index, channel))
            .collect();
        Judge {
            placed: vec![0; volumes.len()],
            caps,
            pauses,
            volumes,
            channel_cost: channel.cost,
        }
    }

    /// A cap that holds back every action in the channel, if one is reached.
    pub(crate) fn channel_block(&self) -> Option<String> {
        self.caps
            .iter()
            .find(|s| {
                s.cap.each == Each::All && s.cap.scope.target.is_none() && s.count(0) >= s.cap.max
            })
            .map(|s| cap_reason(s, 0))
    }

    /// Why caps or pauses hold `action` back, if they do.
    /// `index` is the action's position in the strategy.
    pub(crate) fn check(
        &self,
        strategy: &Strategy,
        action: &Action,
        index: usize,
    ) -> Option<String> {
        if self.caps.is_empty() && self.pauses.is_empty() {
            return None;
        }
        self.cap_block(strategy, action, index)
            .or_else(|| self.pause_block(strategy, action, index))
    }

    /// A cap `action` is at (counting what this decision placed so far), if any.
    fn cap_block(&self, strategy: &Strategy, action: &Action, index: usize) -> Option<String> {
        for state in &self.caps {
            if !state.cap.scope.covers_action(action) {
                continue;
            }
            let key = key_of(strategy, state.cap.each, action, index);
            if state.count(key) >= state.cap.max {
                return Some(cap_reason(state, key));
            }
        }
        None
    }

    /// A pause in force for `action`, if any.
    fn pause_block(&self, strategy: &Strategy, action: &Action, index: usize) -> Option<String> {
        for state in &self.pauses {
            if !state.pause.scope.covers_action(action) {
                continue;
            }
            let key = key_of(strategy, state.pause.each, action, index);
            if let Some((_, until)) = state.until.iter().find(|(k, _)| *k == key) {
                let p = state.pause;
                let what = match p.each {
                    Each::All => "every action in scope".to_owned(),
                    Each::Action => format!("action {}", action.id),
                    Each::Group => format!("group {}", action.group),
                    Each::Issue => format!("issue {}", action.issue),
                };
                let until = crate::offer::time_text(*until);
                return Some(format!(
                    "paused by {}: {} {} within {}, {what} paused until {until}",
                    p.id,
                    p.count,
                    p.outcome.as_str(),
                    concord_strategy::duration_text(p.within_ms)
                ));
            }
        }
        None
    }

    /// Why placing `action` would go over a cap, counting what this decision placed already
    /// (a menu of five must not show four impressions under a cap of three).
    pub(crate) fn cap_room(
        &self,
        strategy: &Strategy,
        action: &Action,
        index: usize,
    ) -> Option<String> {
        // Pauses were judged before arbitration; placing changes only the caps' counts.
        self.cap_block(strategy, action, index)
    }

    /// Why a volume budget holds `action` back from this placement, if one does.
    pub(crate) fn volume_block(&self, action: &Action) -> Option<String> {
        self.volumes
            .iter()
            .zip(&self.placed)
            .find_map(|((volume, used), placed)| {
                if !volume.scope.covers_action(action) {
                    return None;
                }
                let contacts = used.contacts + placed;
                if let Some(max) = volume.max_contacts
                    && contacts >= max
                {
                    return Some(format!(
                        "volume {}: {contacts} of {max} contacts used {}",
                        volume.id,
                        volume.per.describe()
                    ));
                }
                let cost = used.cost + (*placed as f64 + 1.0) * self.channel_cost;
                match volume.max_cost {
                    Some(max) if cost > max => Some(format!(
                        "volume {}: this contact would bring cost {} to {cost:.2}, over {max}",
                        volume.id,
                        volume.per.describe()
                    )),
                    _ => None,
                }
            })
    }

    /// Counts a placed action against the caps and volume budgets it falls under.
    pub(crate) fn place(&mut self, strategy: &Strategy, action: &Action, index: usize) {
        if !self.caps.is_empty() {
            for state in &mut self.caps {
                if state.cap.scope.covers_action(action) {
                    let key = key_of(strategy, state.cap.each, action, index);
                    state.add(key);
                }
            }
        }
        for ((volume, _), placed) in self.volumes.iter().zip(&mut self.placed) {
            if volume.scope.covers_action(action) {
                *placed += 1;
            }
        }
    }
}

fn cap_reason(state: &CapState<'_>, key: u64) -> String {
    let cap = state.cap;
    let whose = if cap.household { "household " } else { "" };
    let each = match cap.each {
        Each::All => String::new(),
        each => format!(" for this {}", each.as_str()),
    };
    format!(
        "cap {}: {} {whose}impressions{each} {}, max {}",
        cap.id,
        state.count(key),
        cap.per.describe(),
        cap.max
    )
}
