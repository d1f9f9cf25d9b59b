//! Reading one customer's row: as rules see it (`ProfileEnv`), as an aggregate filter sees it,
//! and as the customer view shows it (`Profile`).

use super::ProfileStore;
use super::shard::{NO_HEAD, NO_TIME, Shard};
use crate::view::Profile;
use concord_model::{Attributes, CustomerId, Event, Timestamp, Value};
use concord_strategy::{RuleEnv, Var};

/// One customer's row under the shard's read (or write) lock.
#[derive(Clone, Copy)]
pub struct ProfileRef<'a> {
    pub(crate) store: &'a ProfileStore,
    pub(crate) shard: &'a Shard,
    pub(crate) row: u32,
}

impl std::fmt::Debug for ProfileRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileRef")
            .field("row", &self.row)
            .finish()
    }
}

impl<'a> ProfileRef<'a> {
    pub fn customer_id(&self) -> CustomerId {
        CustomerId::new(self.shard.ids.id(self.row).unwrap_or_default())
    }

    pub fn attribute(&self, name: &str) -> Value {
        self.store
            .schema
            .attribute_index(name)
            .and_then(|i| self.shard.columns.get(i))
            .map_or(Value::Null, |c| c.get(self.row, &self.store.symbols))
    }

    /// Attribute `name`, found at column `index` when the schema agrees (rules carry the index
    /// they were compiled with), else by name.
    pub fn attribute_at(&self, index: usize, name: &str) -> Value {
        let schema = &self.store.schema;
        match schema.attributes().get(index) {
            Some((at, _)) if at == name => self
                .shard
                .columns
                .get(index)
                .map_or(Value::Null, |c| c.get(self.row, &self.store.symbols)),
            _ => self.attribute(name),
        }
    }

    pub fn attributes(&self) -> Attributes {
        self.store
            .schema
            .attributes()
            .iter()
            .zip(&self.shard.columns)
            .map(|((name, _), column)| (name.clone(), column.get(self.row, &self.store.symbols)))
            .filter(|(_, value)| !value.is_null())
            .collect()
    }

    /// The products held, by name, in name order.
    pub fn holdings(&self) -> Vec<String> {
        let mut names = self.store.products.names(self.shard.holdings_of(self.row));
        names.sort();
        names
    }

    pub fn last_event_at(&self) -> Option<Timestamp> {
        match self.shard.last_event_ms.at(self.row) {
            NO_TIME => None,
            ms => Timestamp::from_millisecond(ms).ok(),
        }
    }

    /// The journal position of the customer's newest event.
    pub fn head(&self) -> Option<u64> {
        Some(self.shard.head.at(self.row)).filter(|&h| h != NO_HEAD)
    }

    /// An aggregate's value as seen at `now`: 0 for an empty count, sum or distinct, else null.
    pub fn aggregate(&self, index: usize, now: Timestamp) -> Value {
        let Some(spec) = self.store.schema.aggregates().get(index) else {
            return Value::Null;
        };
        match self.shard.aggs.get(self.row) {
            Some(cells) => cells.value_at(index, spec, now.as_millisecond(), &self.store.symbols),
            None => Value::Null,
        }
    }

    /// Every aggregate and derived field by name, as seen at `now` (the customer view).
    pub fn computed(&self, now: Timestamp) -> Attributes {
        let schema = &self.store.schema;
        let mut out = Attributes::new();
        for (index, spec) in schema.aggregates().iter().enumerate() {
            out.insert(spec.name.clone(), self.aggregate(index, now));
        }
        let env = self.env(now);
        for spec in schema.derived() {
            let value = spec.formula.eval(&env).unwrap_or(Value::Null);
            out.insert(spec.name.clone(), value);
        }
        out
    }

    /// When each trigger last fired for this customer, by trigger id.
    pub fn trigger_history(&self) -> Vec<(String, Timestamp)> {
        let triggers = self.store.schema.triggers();
        self.shard
            .fires
            .get(&self.row)
            .map(|fires| {
                fires
                    .iter()
                    .filter_map(|(index, ms)| {
                        let trigger = triggers.get(usize::from(*index))?;
                        Some((trigger.id.clone(), Timestamp::from_millisecond(*ms).ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The profile as rules read it at `now`.
    pub fn env(&self, now: Timestamp) -> ProfileEnv<'a> {
        ProfileEnv { row: *self, now }
    }

    /// An owned copy of the static part: attributes, holdings, last event time.
    pub fn view(&self) -> Profile {
        Profile {
            customer_id: self.customer_id(),
            attributes: self.attributes(),
            holdings: self.holdings().into_iter().collect(),
            last_event_at: self.last_event_at(),
        }
    }

    fn holdings_value(&self) -> Value {
        Value::List(self.holdings().into_iter().map(Value::Str).collect())
    }
}

/// The profile as rules read it at one instant: attributes, aggregates, derived fields, holdings.
#[derive(Debug, Clone, Copy)]
pub struct ProfileEnv<'a> {
    row: ProfileRef<'a>,
    now: Timestamp,
}

impl RuleEnv for ProfileEnv<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { index, name } => self.row.attribute_at(*index, name),
            Var::Aggregate { index, .. } => self.row.aggregate(*index, self.now),
            // Derived formulas read no derived fields, so this recursion is one level deep.
            Var::Derived { index, .. } => self
                .row
                .store
                .schema
                .derived()
                .get(*index)
                .and_then(|spec| spec.formula.eval(self).ok())
                .unwrap_or(Value::Null),
            Var::Holdings => self.row.holdings_value(),
            // Context, channel and event fields belong to a request or an event, not the profile.
            Var::Context { .. } | Var::Channel | Var::EventField(_) => Value::Null,
        }
    }
}

/// What an aggregate's `where` filter reads: the event's fields and the customer's attributes.
pub(crate) struct EventEnv<'a> {
    pub(crate) row: ProfileRef<'a>,
    pub(crate) event: &'a Event,
}

impl RuleEnv for EventEnv<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::EventField(name) => self.event.kind.field(name),
            Var::Attribute { index, name } => self.row.attribute_at(*index, name),
            Var::Holdings => self.row.holdings_value(),
            _ => Value::Null,
        }
    }
}
