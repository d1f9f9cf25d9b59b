//! One customer's profile: static attributes, product holdings, aggregates and recent history.

use crate::aggregate::AggState;
use crate::schema::{CompiledSchema, TriggerFire};
use concord_model::{Attributes, CustomerId, Event, EventId, EventKind, Timestamp, Value};
use concord_strategy::{RuleEnv, Var};
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
    /// Aggregate state, indexed like the schema's aggregates.
    aggregates: Vec<AggState>,
    /// When each trigger last fired for this customer: (trigger index, event time in ms).
    pub(crate) trigger_fires: Vec<(u16, i64)>,
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
            aggregates: Vec::new(),
            trigger_fires: Vec::new(),
            last_event_at: None,
            recent_events: VecDeque::new(),
            seen_event_ids: HashSet::new(),
        }
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

    /// An aggregate's value as seen at `now`: 0 for an empty count, sum or distinct, else null.
    pub fn aggregate(&self, schema: &CompiledSchema, index: usize, now: Timestamp) -> Value {
        match (schema.aggregates().get(index), self.aggregates.get(index)) {
            (Some(spec), Some(state)) => state.value_at(spec, now.as_millisecond()),
            (Some(spec), None) => AggState::default().value_at(spec, now.as_millisecond()),
            (None, _) => Value::Null,
        }
    }

    /// Every aggregate and derived field by name, as seen at `now` (the customer view).
    pub fn computed(&self, schema: &CompiledSchema, now: Timestamp) -> Attributes {
        let mut out = Attributes::new();
        for (index, spec) in schema.aggregates().iter().enumerate() {
            out.insert(spec.name.clone(), self.aggregate(schema, index, now));
        }
        for spec in schema.derived() {
            let value = spec
                .formula
                .eval(&self.env(schema, now))
                .unwrap_or(Value::Null);
            out.insert(spec.name.clone(), value);
        }
        out
    }

    /// The profile as rules read it at `now`.
    pub fn env<'a>(&'a self, schema: &'a CompiledSchema, now: Timestamp) -> ProfileEnv<'a> {
        ProfileEnv {
            profile: self,
            schema,
            now,
        }
    }

    /// When each trigger last fired for this customer, by trigger id.
    pub fn trigger_history(&self, schema: &CompiledSchema) -> Vec<(String, Timestamp)> {
        self.trigger_fires
            .iter()
            .filter_map(|(index, ms)| {
                let trigger = schema.triggers().get(usize::from(*index))?;
                Some((trigger.id.clone(), Timestamp::from_millisecond(*ms).ok()?))
            })
            .collect()
    }

    /// Checks the triggers `event` can affect, at the event's time; records and returns the fires.
    pub fn fire_triggers(&mut self, schema: &CompiledSchema, event: &Event) -> Vec<TriggerFire> {
        let mut fires = Vec::new();
        let now_ms = event.time.as_millisecond();
        for &index in schema.triggers_of(event.kind.event_type()) {
            let trigger = &schema.triggers()[index];
            let Ok(slot) = u16::try_from(index) else {
                continue;
            };
            let last = self.trigger_fires.iter().position(|(i, _)| *i == slot);
            if let Some(at) = last
                && now_ms - self.trigger_fires[at].1 < trigger.cooldown_ms
            {
                continue;
            }
            // A rule that can't be judged (a missing value) does not fire.
            if !trigger
                .when
                .eval_bool(&self.env(schema, event.time))
                .unwrap_or(false)
            {
                continue;
            }
            match last {
                Some(at) => self.trigger_fires[at].1 = now_ms,
                None => self.trigger_fires.push((slot, now_ms)),
            }
            fires.push(TriggerFire {
                trigger: trigger.id.clone(),
                customer_id: self.customer_id.clone(),
                channel: trigger.channel.clone(),
                time: event.time,
                event_id: event.event_id.clone(),
                context: trigger.context.clone(),
            });
        }
        fires
    }

    /// Applies one event. An event id seen before changes nothing, so replays and retries are safe.
    pub fn apply(&mut self, schema: &CompiledSchema, event: &Event) -> ApplyOutcome {
        if !self.seen_event_ids.insert(event.event_id.clone()) {
            return ApplyOutcome::Duplicate;
        }
        self.fold_into_aggregates(schema, event);
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

    fn fold_into_aggregates(&mut self, schema: &CompiledSchema, event: &Event) {
        let indices = schema.aggregates_of(event.kind.event_type());
        if indices.is_empty() {
            return;
        }
        if self.aggregates.len() < schema.aggregates().len() {
            self.aggregates
                .resize_with(schema.aggregates().len(), AggState::default);
        }
        let time_ms = event.time.as_millisecond();
        for &index in indices {
            let spec = &schema.aggregates()[index];
            if let Some(filter) = &spec.filter {
                let env = EventEnv {
                    profile: self,
                    event,
                };
                // An event the filter can't judge (a missing optional field) does not count.
                if !filter.eval_bool(&env).unwrap_or(false) {
                    continue;
                }
            }
            let value = spec
                .field
                .as_deref()
                .map_or(Value::Null, |f| event.kind.field(f));
            self.aggregates[index].add(spec, time_ms, &event.event_id, &value);
        }
    }
}

/// The profile as rules read it at one instant: attributes, aggregates, derived fields, holdings.
pub struct ProfileEnv<'a> {
    profile: &'a Profile,
    schema: &'a CompiledSchema,
    now: Timestamp,
}

impl std::fmt::Debug for ProfileEnv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileEnv")
            .field("customer", &self.profile.customer_id)
            .finish()
    }
}

impl RuleEnv for ProfileEnv<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute(name) => self.profile.attribute(name),
            Var::Aggregate { index, .. } => self.profile.aggregate(self.schema, *index, self.now),
            // Derived formulas read no derived fields, so this recursion is one level deep.
            Var::Derived { index, .. } => self
                .schema
                .derived()
                .get(*index)
                .and_then(|spec| spec.formula.eval(self).ok())
                .unwrap_or(Value::Null),
            Var::Holdings => Value::List(
                self.profile
                    .holdings
                    .iter()
                    .map(|h| Value::Str(h.clone()))
                    .collect(),
            ),
            // Context, channel and event fields belong to a request or an event, not the profile.
            Var::Context(_) | Var::Channel | Var::EventField(_) => Value::Null,
        }
    }
}

/// What an aggregate's `where` filter reads: the event's fields and the customer's attributes.
struct EventEnv<'a> {
    profile: &'a Profile,
    event: &'a Event,
}

impl RuleEnv for EventEnv<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::EventField(name) => self.event.kind.field(name),
            Var::Attribute(name) => self.profile.attribute(name),
            Var::Holdings => Value::List(
                self.profile
                    .holdings
                    .iter()
                    .map(|h| Value::Str(h.clone()))
                    .collect(),
            ),
            _ => Value::Null,
        }
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
        let schema = CompiledSchema::default();
        assert_eq!(
            profile.apply(&schema, &dropped("e1", 0)),
            ApplyOutcome::Applied
        );
        assert_eq!(
            profile.apply(&schema, &dropped("e1", 0)),
            ApplyOutcome::Duplicate
        );
        assert_eq!(profile.recent_events.len(), 1);
    }

    #[test]
    fn holdings_follow_product_events() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        let add = |id: &str, p: &str| event(id, 0, EventKind::ProductAdded { product: p.into() });
        let schema = CompiledSchema::default();
        profile.apply(&schema, &add("e1", "roaming_pack"));
        profile.apply(&schema, &add("e2", "data_5gb"));
        profile.apply(
            &schema,
            &event(
                "e3",
                1,
                EventKind::ProductRemoved {
                    product: "data_5gb".into(),
                },
            ),
        );
        assert_eq!(
            profile.holdings.iter().collect::<Vec<_>>(),
            vec!["roaming_pack"]
        );
    }

    #[test]
    fn late_events_land_in_time_order_and_history_is_bounded() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        let schema = CompiledSchema::default();
        for i in 0..30 {
            profile.apply(&schema, &dropped(&format!("e{i}"), i * 10));
        }
        profile.apply(&schema, &dropped("late", 295));
        assert_eq!(profile.recent_events.len(), RECENT_EVENTS);
        let times: Vec<_> = profile.recent_events.iter().map(|e| e.time).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
    }

    #[test]
    fn consent_change_updates_the_consent_attribute() {
        let mut profile = Profile::new(CustomerId::new("c1"));
        let change = EventKind::ConsentChange {
            channel: "sms".into(),
            granted: false,
        };
        profile.apply(&CompiledSchema::default(), &event("e1", 0, change));
        assert_eq!(profile.attribute("consent_sms"), Value::Bool(false));
    }
}
