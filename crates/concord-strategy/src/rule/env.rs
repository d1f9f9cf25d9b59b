//! The variables a compiled rule reads, and the trait a caller implements to supply them.

use concord_model::{EventType, Value};
use std::fmt;

/// A variable, resolved once at compile time so evaluation never parses names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// `customer.<name>`: a static attribute declared in profile.yaml `attributes`.
    Attribute(String),
    /// `context.<name>`: a request context field declared in profile.yaml `context`.
    Context(String),
    /// `events.<type>`: how many events of that type the customer has.
    EventCount(EventType),
    /// `holdings`: the products the customer holds, a list of strings.
    Holdings,
    /// `channel`: the channel the decision is for.
    Channel,
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Var::Attribute(name) => write!(f, "customer.{name}"),
            Var::Context(name) => write!(f, "context.{name}"),
            Var::EventCount(event_type) => write!(f, "events.{}", event_type.as_str()),
            Var::Holdings => f.write_str("holdings"),
            Var::Channel => f.write_str("channel"),
        }
    }
}

/// Supplies variable values to a rule. A value that is not there is `Value::Null`.
///
/// Missing event counts read as 0 and missing holdings as an empty list (absence means none);
/// any other missing value makes the rule fail with [`super::EvalError::Missing`] unless the
/// rule tests it against `null` first.
pub trait RuleEnv {
    fn lookup(&self, var: &Var) -> Value;
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
