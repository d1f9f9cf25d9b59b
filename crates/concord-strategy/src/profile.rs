//! The profile schema: declared attributes, request context, windowed aggregates over events,
//! and derived fields. Rules are type-checked against it; the profile store computes from it.

use crate::rule::Rule;
use concord_model::EventType;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A declared variable's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    String,
    Number,
    Bool,
    List,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Number => "number",
            ValueType::Bool => "bool",
            ValueType::List => "list",
        }
    }
}

/// How an aggregate folds the events in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AggFn {
    /// How many events.
    Count,
    /// The sum of a numeric field.
    Sum,
    /// The smallest value of a numeric field.
    Min,
    /// The largest value of a numeric field.
    Max,
    /// The field's value in the latest event (by event time).
    Last,
    /// How many different values the field took.
    Distinct,
}

impl AggFn {
    pub fn as_str(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::Sum => "sum",
            AggFn::Min => "min",
            AggFn::Max => "max",
            AggFn::Last => "last",
            AggFn::Distinct => "distinct",
        }
    }
}

/// A sliding event-time window made of equal buckets. At time `now` it covers the `buckets()`
/// buckets ending with the one that holds `now`; an event counts when its bucket is among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub length_ms: i64,
    pub bucket_ms: i64,
}

impl Window {
    pub fn buckets(&self) -> i64 {
        self.length_ms / self.bucket_ms
    }

    /// The bucket index of an instant (milliseconds since the epoch).
    pub fn bucket_of(&self, millis: i64) -> i64 {
        millis.div_euclid(self.bucket_ms)
    }

    /// Whether an event in bucket `bucket` is inside the window as seen at `now_ms`.
    pub fn covers(&self, bucket: i64, now_ms: i64) -> bool {
        let current = self.bucket_of(now_ms);
        bucket <= current && bucket > current - self.buckets()
    }
}

/// `customer.<name>`: a fold of one event type's events, optionally windowed and filtered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregateSpec {
    pub name: String,
    pub event: EventType,
    pub function: AggFn,
    /// The payload field folded (absent for `count`).
    pub field: Option<String>,
    /// `None`: over the customer's whole history.
    pub window: Option<Window>,
    /// Only events for which this is true count; it reads `event.<field>`.
    #[serde(rename = "where")]
    pub filter: Option<Rule>,
    /// What the aggregate reads as in rules.
    pub value_type: ValueType,
}

/// `customer.<name>`: a value computed from attributes and aggregates by a formula.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedSpec {
    pub name: String,
    pub formula: Rule,
    pub value_type: ValueType,
}

/// How late an event may arrive by default: a day behind the newest event seen.
pub const DEFAULT_ALLOWED_LATENESS_MS: i64 = 24 * 3_600_000;

/// What a rule may read under `customer.` and `context.`, and with which types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileSchema {
    /// Customer static attributes, `customer.<name>` in rules.
    pub attributes: BTreeMap<String, ValueType>,
    /// Request context fields, `context.<name>` in rules.
    pub context: BTreeMap<String, ValueType>,
    /// Aggregates over events, `customer.<name>` in rules; the index is the `Var`'s.
    pub aggregates: Vec<AggregateSpec>,
    /// Derived fields, `customer.<name>` in rules; the index is the `Var`'s.
    pub derived: Vec<DerivedSpec>,
    /// Events older than the newest event seen minus this are rejected; duplicates are
    /// recognised within it.
    pub allowed_lateness_ms: i64,
}

impl Default for ProfileSchema {
    fn default() -> Self {
        Self {
            attributes: BTreeMap::new(),
            context: BTreeMap::new(),
            aggregates: Vec::new(),
            derived: Vec::new(),
            allowed_lateness_ms: DEFAULT_ALLOWED_LATENESS_MS,
        }
    }
}

impl ProfileSchema {
    pub fn attribute(&self, name: &str) -> Option<ValueType> {
        self.attributes.get(name).copied()
    }

    pub fn context_field(&self, name: &str) -> Option<ValueType> {
        self.context.get(name).copied()
    }

    /// An attribute's position in name order (its [`crate::Var::Attribute`] index) and type.
    pub fn attribute_at(&self, name: &str) -> Option<(usize, ValueType)> {
        self.attributes
            .iter()
            .enumerate()
            .find(|(_, (n, _))| *n == name)
            .map(|(i, (_, t))| (i, *t))
    }

    /// A context field's position in name order (its [`crate::Var::Context`] index) and type.
    pub fn context_at(&self, name: &str) -> Option<(usize, ValueType)> {
        self.context
            .iter()
            .enumerate()
            .find(|(_, (n, _))| *n == name)
            .map(|(i, (_, t))| (i, *t))
    }

    pub fn aggregate(&self, name: &str) -> Option<(usize, &AggregateSpec)> {
        self.aggregates
            .iter()
            .enumerate()
            .find(|(_, a)| a.name == name)
    }

    pub fn derived_field(&self, name: &str) -> Option<(usize, &DerivedSpec)> {
        self.derived
            .iter()
            .enumerate()
            .find(|(_, d)| d.name == name)
    }

    /// Whether `name` is taken by an attribute, an aggregate or a derived field.
    pub fn declares(&self, name: &str) -> bool {
        self.attribute(name).is_some()
            || self.aggregate(name).is_some()
            || self.derived_field(name).is_some()
    }
}
