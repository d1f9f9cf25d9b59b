//! The profile schema as the store uses it: the strategy's schema and triggers plus, per event
//! type, which aggregates that type feeds and which triggers it can change the answer of.

use concord_model::{EventType, Timestamp};
use concord_strategy::{AggregateSpec, DerivedSpec, ProfileSchema, Trigger, ValueType, Var};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct CompiledSchema {
    schema: Arc<ProfileSchema>,
    triggers: Arc<[Trigger]>,
    /// The declared attributes in column order, and each name's column.
    attributes: Vec<(String, ValueType)>,
    attribute_index: HashMap<String, usize>,
    aggregates_by_event: Vec<Vec<usize>>,
    triggers_by_event: Vec<Vec<usize>>,
}

impl CompiledSchema {
    pub fn new(schema: Arc<ProfileSchema>, triggers: Arc<[Trigger]>) -> Self {
        let mut aggregates_by_event = vec![Vec::new(); EventType::ALL.len()];
        for (index, spec) in schema.aggregates.iter().enumerate() {
            aggregates_by_event[spec.event as usize].push(index);
        }
        let triggers_by_event = EventType::ALL
            .iter()
            .map(|&event_type| {
                triggers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| {
                        t.when
                            .vars()
                            .iter()
                            .any(|v| event_changes(&schema, event_type, v))
                    })
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect();
        let attributes: Vec<(String, ValueType)> = schema
            .attributes
            .iter()
            .map(|(name, t)| (name.clone(), *t))
            .collect();
        let attribute_index = attributes
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        Self {
            schema,
            triggers,
            attributes,
            attribute_index,
            aggregates_by_event,
            triggers_by_event,
        }
    }

    pub fn schema(&self) -> &ProfileSchema {
        &self.schema
    }

    /// The declared attributes, in column order.
    pub fn attributes(&self) -> &[(String, ValueType)] {
        &self.attributes
    }

    /// The column of attribute `name`.
    pub fn attribute_index(&self, name: &str) -> Option<usize> {
        self.attribute_index.get(name).copied()
    }

    /// How late an event may arrive, behind the newest seen.
    pub fn allowed_lateness_ms(&self) -> i64 {
        self.schema.allowed_lateness_ms
    }

    /// How far behind its newest bucket aggregate `spec` keeps state: its window plus lateness.
    pub fn keep_ms(&self, spec: &AggregateSpec) -> i64 {
        spec.window.map_or(0, |w| {
            w.length_ms.saturating_add(self.schema.allowed_lateness_ms)
        })
    }

    pub fn aggregates(&self) -> &[AggregateSpec] {
        &self.schema.aggregates
    }

    pub fn derived(&self) -> &[DerivedSpec] {
        &self.schema.derived
    }

    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// The indices of the aggregates fed by `event_type`.
    pub fn aggregates_of(&self, event_type: EventType) -> &[usize] {
        &self.aggregates_by_event[event_type as usize]
    }

    /// The indices of the triggers whose rule an event of `event_type` can change.
    pub fn triggers_of(&self, event_type: EventType) -> &[usize] {
        &self.triggers_by_event[event_type as usize]
    }
}

/// Whether applying an event of `event_type` can change what `var` reads.
fn event_changes(schema: &ProfileSchema, event_type: EventType, var: &Var) -> bool {
    match var {
        Var::Aggregate { index, .. } => schema
            .aggregates
            .get(*index)
            .is_some_and(|a| a.event == event_type),
        Var::Derived { index, .. } => schema.derived.get(*index).is_some_and(|d| {
            d.formula
                .vars()
                .iter()
                .any(|v| event_changes(schema, event_type, v))
        }),
        Var::Holdings => matches!(
            event_type,
            EventType::ProductAdded | EventType::ProductRemoved
        ),
        Var::Attribute { name, .. } => {
            event_type == EventType::ConsentChange && name.starts_with("consent_")
        }
        Var::Context { .. } | Var::Channel | Var::EventField(_) => false,
    }
}

impl Default for CompiledSchema {
    fn default() -> Self {
        Self::new(Arc::new(ProfileSchema::default()), Arc::from(Vec::new()))
    }
}

/// A trigger that fired: the hub asks for a decision in `channel` with `context`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TriggerFire {
    pub trigger: String,
    pub customer_id: concord_model::CustomerId,
    pub channel: concord_model::ChannelId,
    /// The event time of the event that made the rule true.
    pub time: Timestamp,
    pub event_id: concord_model::EventId,
    pub context: concord_model::Attributes,
}
