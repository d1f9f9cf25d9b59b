//! The variables a compiled rule reads, and the trait a caller implements to supply them.

use concord_model::Value;
use std::borrow::Cow;
use std::fmt;

/// A variable, resolved once at compile time so evaluation never parses names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// `customer.<name>`: a static attribute declared in profile.yaml `attributes`; `index` is
    /// its position in `ProfileSchema::attributes` (name order).
    Attribute { index: usize, name: String },
    /// `context.<name>`: a request context field declared in profile.yaml `context`; `index`
    /// is its position in `ProfileSchema::context` (name order).
    Context { index: usize, name: String },
    /// `customer.<name>` naming an aggregate: the index into `ProfileSchema::aggregates`.
    Aggregate { index: usize, name: String },
    /// `customer.<name>` naming a derived field: the index into `ProfileSchema::derived`.
    Derived { index: usize, name: String },
    /// `event.<field>`: a payload field of the event an aggregate filter is looking at.
    EventField(String),
    /// `holdings`: the products the customer holds, a list of strings.
    Holdings,
    /// `channel`: the channel the decision is for.
    Channel,
}

/// A variable serializes as it is written in rules (`customer.consent_sms`).
impl serde::Serialize for Var {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Var::Attribute { name, .. } => write!(f, "customer.{name}"),
            Var::Context { name, .. } => write!(f, "context.{name}"),
            Var::Aggregate { name, .. } | Var::Derived { name, .. } => write!(f, "customer.{name}"),
            Var::EventField(name) => write!(f, "event.{name}"),
            Var::Holdings => f.write_str("holdings"),
            Var::Channel => f.write_str("channel"),
        }
    }
}

/// Supplies variable values to a rule. A value that is not there is `Value::Null`.
///
/// Missing holdings read as an empty list (absence means none); any other missing value makes
/// the rule fail with [`super::EvalError::Missing`] unless the rule tests it against `null` first.
/// Counts and sums of aggregates with no events in their window are 0, not missing.
pub trait RuleEnv {
    fn lookup(&self, var: &Var) -> Value;

    /// The same value, lent where the environment holds it (a decision's [`super::Frame`]):
    /// rules read through this, so an environment that can lend saves every copy.
    fn value(&self, var: &Var) -> Cow<'_, Value> {
        Cow::Owned(self.lookup(var))
    }
}

/// The simplest environment: a closure. Handy in tests and one-off evaluations.
impl<F> RuleEnv for F
where
    F: Fn(&Var) -> Value,
{
    fn lookup(&self, var: &Var) -> Value {
        self(var)
    }
}
