//! One customer's profile: static attributes, product holdings, event counters and recent history.

use concord_model::{
    Attributes, CustomerId, Event, EventId, EventKind, EventType, Timestamp, Value,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet, VecDeque};

/// How many recent events a profile keeps for the customer view.
pub const RECENT_EVENTS: usize = 20;

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    Applied,
    /// The event id was seen before: nothing changed.
    Duplicate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub customer_id: CustomerId,
    pub attributes: Attributes,
    pub holdings: BTreeSet<String>,
    /// Events seen per type, indexed like `EventType::ALL`.
    pub event_counts: [u64; EventType::ALL.len()],
    pub last_event_at: Option<Timestamp>,
    pub recent_events: VecDeque<Event>,
    #[serde(skip)]
    seen_event_ids: HashSet<EventId>,
}

impl Profile {
    pub fn new(customer_id: CustomerId) -> Self {
        Self {
            customer_id,
            attributes: Attributes::new(),
            holdings: BTreeSet::new(),
            event_counts: [0; EventType::ALL.len()],
            last_event_at: None,
            recent_events: VecDeque::new(),
            seen_event_ids: HashSet::new(),
        }
    }

    pub fn event_count(&self, event_type: EventType) -> u64 {
        self.event_counts[event_type as usize]
    }

    pub fn attribute(&self, name: &str) -> Value {
        self.attributes.get(name).cloned().unwrap_or(Value::Null)
    }

    pub fn has_seen(&self, event_id: &EventId) -> bool {
        self.seen_event_ids.contains(event_id)
    }

    /// Replaces the static attributes named in `attributes` (a base load), keeping the others.
    pub fn set_attributes(&mut self, attributes: Attributes) {
        self.attributes.extend(attributes);
    }

    /// Applies one event. An event id seen before changes nothing, so replays and retries are safe.
    pub fn apply(&mut self, event: &Event) -> ApplyOutcome {
        if !self.seen_event_ids.insert(event.event_id.clone()) {
            return ApplyOutcome::Duplicate;
        }
        self.event_counts[event.kind.event_type() as usize] += 1;
        self.last_event_at = Some(match self.last_event_at {
            Some(last) if last > event.time => last,
            _ => event.time,
        });
        match &event.kind {
            EventKind::ProductAdded { product } => {
                self.holdings.insert(product.clone());
            }
            EventKind::ProductRemoved { product } => {
                self.holdings.remove(product);
            }
            EventKind::ConsentChange { channel, granted } => {
                self.attributes
                    .insert(format!("consent_{channel}"), Value::Bool(*granted));
            }
            _ => {}
        }
        // Keep the newest events by event time, so a late event lands in its place.
        let at = self
            .recent_events
            .iter()
            .position(|e| e.time > event.time)
            .unwrap_or(self.recent_events.len());
        self.recent_events.insert(at, event.clone());
        if self.recent_events.len() > RECENT_EVENTS {
            self.recent_events.pop_front();
        }
        ApplyOutcome::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, second: i64, kind: EventKind) -> Event {
        Event {
            event_id: EventId::new(id),
            customer_id: CustomerId::new("c1"),
            time: Timestamp::from_second(1_800_000_000 + second).unwrap_or(Timestamp::UNIX_EPOCH),
            kind,
        }
    }

    fn dropped(id: &str, second: i64) -> Event {
        event(id, second, EventKind::DroppedCall { cell: "C1".into() })
    }

    #[test]
    fn duplicate_event_changes_nothing() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        assert_eq!(profile.apply(&dropped("e1", 0)), ApplyOutcome::Applied);
        assert_eq!(profile.apply(&dropped("e1", 0)), ApplyOutcome::Duplicate);
        assert_eq!(profile.event_count(EventType::DroppedCall), 1);
        assert_eq!(profile.recent_events.len(), 1);
    }

    #[test]
    fn holdings_follow_product_events() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        let add = |id: &str, p: &str| event(id, 0, EventKind::ProductAdded { product: p.into() });
        profile.apply(&add("e1", "roaming_pack"));
        profile.apply(&add("e2", "data_5gb"));
        profile.apply(&event(
            "e3",
            1,
            EventKind::ProductRemoved {
                product: "data_5gb".into(),
            },
        ));
        assert_eq!(
            profile.holdings.iter().collect::<Vec<_>>(),
            vec!["roaming_pack"]
        );
    }

    #[test]
    fn late_events_land_in_time_order_and_history_is_bounded() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        for i in 0..30 {
            profile.apply(&dropped(&format!("e{i}"), i * 10));
        }
        profile.apply(&dropped("late", 295));
        assert_eq!(profile.recent_events.len(), RECENT_EVENTS);
        let times: Vec<_> = profile.recent_events.iter().map(|e| e.time).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
        assert_eq!(profile.event_count(EventType::DroppedCall), 31);
    }

    #[test]
    fn consent_change_updates_the_consent_attribute() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        let change = EventKind::ConsentChange {
            channel: "sms".into(),
            granted: false,
        };
        profile.apply(&event("e1", 0, change));
        assert_eq!(profile.attribute("consent_sms"), Value::Bool(false));
    }
}
