//! The eligibility rule language: a small CEL-like expression language, compiled once per
//! strategy version into a typed tree that evaluates without parsing or name lookups.
//!
//! Names: `customer.<name>` (an attribute, aggregate or derived field declared in profile.yaml),
//! `context.<field>`, `holdings` (list of product names), `channel`, and in aggregate filters
//! `event.<field>`. Operators with CEL precedence:
//! `||`, `&&`, `== != < <= > >= in`, `+ -`, `* / %`, unary `! -`. Functions: `size`,
//! `contains`, `starts_with`, `ends_with`, `lower` (also callable as methods: `s.lower()`).

mod ast;
mod check;
mod env;
mod error;
mod fast;
mod frame;
mod lexer;
mod node;
mod parser;

#[cfg(test)]
mod tests;

pub use env::{RuleEnv, Var};
pub use error::{EvalError, RuleError};
pub use fast::Fault;
pub use frame::{Frame, Recorded};

use crate::profile::ProfileSchema;
use check::{Checker, Ty};
use concord_model::Value;
use fast::Fast;
use frame::Shape;
use node::Node;
use serde::{Serialize, Serializer};
use std::fmt;

/// A compiled, type-checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    source: String,
    root: Node,
    vars: Vec<Var>,
    /// The same rule as closures over a decision's frame (bool rules only).
    fast: Option<Fast>,
}

impl Rule {
    /// Parses and type-checks `src` against `schema`. The rule must produce a bool.
    pub fn compile(src: &str, schema: &ProfileSchema) -> Result<Rule, RuleError> {
        let expr = parser::parse(src)?;
        let mut checker = Checker::new(schema, src);
        let (root, ty) = checker.check(&expr)?;
        if ty != Ty::Bool {
            return Err(RuleError::new(
                expr.pos,
                format!("a rule must be true or false, but this is a {}", ty.name()),
            ));
        }
        Ok(Rule {
            source: src.to_owned(),
            fast: Some(Fast::compile(&root, Shape::of(schema))),
            root,
            vars: checker.vars,
        })
    }

    /// Compiles an aggregate's `where` filter: a bool over `event.<field>` of `event_type`
    /// (and the customer's attributes).
    pub fn compile_event_filter(
        src: &str,
        schema: &ProfileSchema,
        event_type: concord_model::EventType,
    ) -> Result<Rule, RuleError> {
        let expr = parser::parse(src)?;
        let mut checker = Checker::new(schema, src);
        checker.event_scope = Some(event_type);
        checker.allow_derived = false;
        let (root, ty) = checker.check(&expr)?;
        if ty != Ty::Bool {
            return Err(RuleError::new(
                expr.pos,
                format!(
                    "a filter must be true or false, but this is a {}",
                    ty.name()
                ),
            ));
        }
        Ok(Rule {
            source: src.to_owned(),
            root,
            vars: checker.vars,
            fast: None,
        })
    }

    /// Compiles a derived field's formula: any scalar over attributes and aggregates.
    /// Returns the rule and the type it produces.
    pub fn compile_formula(
        src: &str,
        schema: &ProfileSchema,
    ) -> Result<(Rule, crate::profile::ValueType), RuleError> {
        Self::compile_scalar(src, schema, false)
    }

    /// Compiles a scalar expression over everything rules read (derived fields and the
    /// request context included), e.g. an adaptive model's predictor. Returns its type.
    pub fn compile_expression(
        src: &str,
        schema: &ProfileSchema,
    ) -> Result<(Rule, crate::profile::ValueType), RuleError> {
        Self::compile_scalar(src, schema, true)
    }

    fn compile_scalar(
        src: &str,
        schema: &ProfileSchema,
        allow_derived: bool,
    ) -> Result<(Rule, crate::profile::ValueType), RuleError> {
        use crate::profile::ValueType;
        let expr = parser::parse(src)?;
        let mut checker = Checker::new(schema, src);
        checker.allow_derived = allow_derived;
        let (root, ty) = checker.check(&expr)?;
        let value_type = match ty {
            Ty::Num => ValueType::Number,
            Ty::Str => ValueType::String,
            Ty::Bool => ValueType::Bool,
            other => {
                return Err(RuleError::new(
                    expr.pos,
                    format!(
                        "this must be a number, string or bool, but it is a {}",
                        other.name()
                    ),
                ));
            }
        };
        let rule = Rule {
            source: src.to_owned(),
            root,
            vars: checker.vars,
            fast: None,
        };
        Ok((rule, value_type))
    }

    /// Checks only the syntax; for when the profile schema itself failed to load.
    pub fn check_syntax(src: &str) -> Result<(), RuleError> {
        parser::parse(src).map(|_| ())
    }

    /// The rule as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables the rule reads, in first-use order: what a caller must be able to supply.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    pub fn eval<E: RuleEnv + ?Sized>(&self, env: &E) -> Result<Value, EvalError> {
        self.root.eval(env)
    }

    /// [`Rule::eval_bool`] over a decision's frame: through the rule's closures when the frame
    /// has the shape the rule was compiled for, else (same answer) through the tree.
    pub fn eval_frame(&self, frame: &Frame<'_>) -> Result<bool, EvalError> {
        match &self.fast {
            Some(fast) if fast.fits(frame) => fast.eval(frame).map_err(|f| self.error(f, frame)),
            _ => self.root.eval_bool(frame),
        }
    }

    /// Whether the rule holds over `frame`: false when it is false or can't be judged (a
    /// strategy-wide rule that can't be judged is not in force); no error is built.
    #[inline]
    pub fn holds(&self, frame: &Frame<'_>) -> bool {
        match &self.fast {
            Some(fast) if fast.fits(frame) => matches!(fast.eval(frame), Ok(true)),
            _ => matches!(self.root.eval_bool(frame), Ok(true)),
        }
    }

    /// [`Rule::eval_frame`] with the error left unbuilt: a one-word answer, returned in
    /// registers (the funnel judges hundreds of rules a decision); [`Rule::error`] builds the
    /// message when a trace wants it.
    #[inline]
    pub fn judge_frame(&self, frame: &Frame<'_>) -> Result<bool, Fault> {
        match &self.fast {
            Some(fast) if fast.fits(frame) => fast.eval(frame),
            _ => self
                .root
                .eval_bool(frame)
                .map_err(|e| Fault(Some(Box::new(e)))),
        }
    }

    /// The error a [`Rule::judge_frame`] fault stands for, over the same frame: a missing
    /// value is named by the tree evaluator, which reads the same values.
    #[cold]
    pub fn error(&self, fault: Fault, frame: &Frame<'_>) -> EvalError {
        match fault.0 {
            Some(e) => *e,
            None => match self.root.eval_bool(frame) {
                Err(e) => e,
                // By construction the tree agrees with the closures; say what is known.
                Ok(_) => EvalError::Missing {
                    var: "a variable".to_owned(),
                },
            },
        }
    }

    /// Evaluates the rule; `&&` and `||` short-circuit, so a right side never evaluated can't fail.
    pub fn eval_bool<E: RuleEnv + ?Sized>(&self, env: &E) -> Result<bool, EvalError> {
        self.root.eval_bool(env)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// A rule serializes as its source: that is what a reader of a strategy dump wants to see.
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}
