//! What can go wrong with a rule: at compile time (`RuleError`) and at run time (`EvalError`).

use thiserror::Error;

/// A rule that does not parse or does not type-check, with the place in the rule it points at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("column {}: {message}", .pos + 1)]
pub struct RuleError {
    /// 0-based character offset inside the rule's source.
    pub pos: usize,
    pub message: String,
}

impl RuleError {
    pub(crate) fn new(pos: usize, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }

    /// 1-based column inside the rule's source, as editors count.
    pub fn column(&self) -> usize {
        self.pos + 1
    }
}

/// A rule that compiled but could not be evaluated for one customer. The caller drops the
/// action and records this message in the decision trace.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvalError {
    /// A declared variable has no value for this customer or request.
    #[error("{var} is missing")]
    Missing { var: String },
    /// The profile holds a value of another type than profile.yaml declares.
    #[error("{var} is {found}, expected {expected}")]
    WrongType {
        var: String,
        expected: &'static str,
        found: &'static str,
    },
    /// Division or remainder by zero; `divisor` is the divisor as written in the rule.
    #[error("division by zero: `{divisor}` is 0")]
    DivisionByZero { divisor: String },
}
