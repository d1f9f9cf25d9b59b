//! The compiled form of a rule: a typed tree with variables pre-resolved, and its evaluator.
//!
//! The checker only builds nodes whose operand types it has proven, so each evaluator below
//! asks for the type it needs (`eval_num`, `eval_bool`, `eval_str`). Numbers and booleans
//! never allocate; constants are borrowed, not cloned.

use super::env::{RuleEnv, Var};
use super::error::EvalError;
use concord_model::Value;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Const(Value),
    Var(Var),
    /// A list literal with at least one non-constant element.
    List(Vec<Node>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Neg(Box<Node>),
    /// Arithmetic on numbers; the divisor's source text is kept for the error message.
    Arith(ArithOp, Box<Node>, Box<Node>, Box<str>),
    Concat(Box<Node>, Box<Node>),
    CmpNum(CmpOp, Box<Node>, Box<Node>),
    CmpStr(CmpOp, Box<Node>, Box<Node>),
    /// `==` (or `!=` when `negate`) between two booleans.
    EqBool(bool, Box<Node>, Box<Node>),
    /// `==` (or `!=`) between two lists.
    EqList(bool, Box<Node>, Box<Node>),
    /// `x == null` (or `!=`): the only way to test a value for absence.
    IsNull(bool, Box<Node>),
    In(Box<Node>, Box<Node>),
    Size(Box<Node>),
    /// `min(a, b)` (`false`) or `max(a, b)` (`true`) of two numbers.
    MinMax(bool, Box<Node>, Box<Node>),
    Contains(Box<Node>, Box<Node>),
    StartsWith(Box<Node>, Box<Node>),
    EndsWith(Box<Node>, Box<Node>),
    Lower(Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    #[inline]
    pub(crate) fn holds<T: PartialOrd + ?Sized>(self, a: &T, b: &T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// Reads a variable (lent where the environment holds it), applying the "absence means none"
/// defaults.
#[inline]
fn lookup<'e, E: RuleEnv + ?Sized>(var: &Var, env: &'e E) -> Result<Cow<'e, Value>, EvalError> {
    let value = env.value(var);
    if !value.is_null() {
        return Ok(value);
    }
    match var {
        Var::Holdings => Ok(Cow::Owned(Value::List(Vec::new()))),
        _ => Err(EvalError::Missing {
            var: var.to_string(),
        }),
    }
}

pub(crate) fn wrong_type(var: &Var, expected: &'static str, found: &Value) -> EvalError {
    EvalError::WrongType {
        var: var.to_string(),
        expected,
        found: found.type_name(),
    }
}

/// What the checker proved can't happen; reported rather than panicking, should it ever.
fn internal(expected: &'static str, found: &Value) -> EvalError {
    EvalError::WrongType {
        var: "expression".to_owned(),
        expected,
        found: found.type_name(),
    }
}

fn list_type_error(haystack: &Node, found: &Value) -> EvalError {
    match haystack {
        Node::Var(var) => wrong_type(var, "list", found),
        _ => internal("list", found),
    }
}

impl Node {
    pub(crate) fn eval<E: RuleEnv + ?Sized>(&self, env: &E) -> Result<Value, EvalError> {
        self.eval_cow(env).map(Cow::into_owned)
    }

    fn eval_cow<'a, E: RuleEnv + ?Sized>(
        &'a self,
        env: &'a E,
    ) -> Result<Cow<'a, Value>, EvalError> {
        Ok(match self {
            Node::Const(value) => Cow::Borrowed(value),
            Node::Var(var) => lookup(var, env)?,
            Node::List(items) => Cow::Owned(Value::List(
                items
                    .iter()
                    .map(|item| item.eval(env))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Neg(_) | Node::Arith(..) | Node::Size(_) | Node::MinMax(..) => {
                Cow::Owned(Value::Num(self.eval_num(env)?))
            }
            Node::Concat(..) | Node::Lower(_) => {
                Cow::Owned(Value::Str(self.eval_str(env)?.into_owned()))
            }
            _ => Cow::Owned(Value::Bool(self.eval_bool(env)?)),
        })
    }

    pub(crate) fn eval_bool<E: RuleEnv + ?Sized>(&self, env: &E) -> Result<bool, EvalError> {
        Ok(match self {
            Node::Const(Value::Bool(b)) => *b,
            Node::Var(var) => match &*lookup(var, env)? {
                Value::Bool(b) => *b,
                other => return Err(wrong_type(var, "bool", other)),
            },
            Node::Not(operand) => !operand.eval_bool(env)?,
            Node::And(lhs, rhs) => lhs.eval_bool(env)? && rhs.eval_bool(env)?,
            Node::Or(lhs, rhs) => lhs.eval_bool(env)? || rhs.eval_bool(env)?,
            Node::CmpNum(op, lhs, rhs) => op.holds(&lhs.eval_num(env)?, &rhs.eval_num(env)?),
            Node::CmpStr(op, lhs, rhs) => op.holds(&*lhs.eval_str(env)?, &*rhs.eval_str(env)?),
            Node::EqBool(negate, lhs, rhs) => {
                (lhs.eval_bool(env)? == rhs.eval_bool(env)?) != *negate
            }
            Node::EqList(negate, lhs, rhs) => (lhs.eval_cow(env)? == rhs.eval_cow(env)?) != *negate,
            Node::IsNull(negate, operand) => {
                let is_null = match &**operand {
                    Node::Var(var) => env.value(var).is_null(),
                    other => other.eval_cow(env)?.is_null(),
                };
                is_null != *negate
            }
            Node::In(needle, haystack) => {
                let needle = needle.eval_cow(env)?;
                match &*haystack.eval_cow(env)? {
                    Value::List(items) => items.contains(&needle),
                    other => return Err(list_type_error(haystack, other)),
                }
            }
            Node::Contains(s, part) => s.eval_str(env)?.contains(&*part.eval_str(env)?),
            Node::StartsWith(s, prefix) => s.eval_str(env)?.starts_with(&*prefix.eval_str(env)?),
            Node::EndsWith(s, suffix) => s.eval_str(env)?.ends_with(&*suffix.eval_str(env)?),
            other => {
                let value = other.eval_cow(env)?;
                return Err(internal("bool", &value));
            }
        })
    }

    pub(crate) fn eval_num<E: RuleEnv + ?Sized>(&self, env: &E) -> Result<f64, EvalError> {
        Ok(match self {
            Node::Const(Value::Num(n)) => *n,
            Node::Var(var) => match &*lookup(var, env)? {
                Value::Num(n) => *n,
                other => return Err(wrong_type(var, "number", other)),
            },
            Node::Neg(operand) => -operand.eval_num(env)?,
            Node::Arith(op, lhs, rhs, divisor) => {
                let (a, b) = (lhs.eval_num(env)?, rhs.eval_num(env)?);
                match op {
                    ArithOp::Add => a + b,
                    ArithOp::Sub => a - b,
                    ArithOp::Mul => a * b,
                    ArithOp::Div | ArithOp::Rem if b == 0.0 => {
                        return Err(EvalError::DivisionByZero {
                            divisor: divisor.to_string(),
                        });
                    }
                    ArithOp::Div => a / b,
                    ArithOp::Rem => a % b,
                }
            }
            Node::MinMax(max, a, b) => {
                let (a, b) = (a.eval_num(env)?, b.eval_num(env)?);
                if *max { a.max(b) } else { a.min(b) }
            }
            Node::Size(operand) => match &*operand.eval_cow(env)? {
                Value::Str(s) => s.chars().count() as f64,
                Value::List(items) => items.len() as f64,
                other => {
                    return Err(match &**operand {
                        Node::Var(var) => wrong_type(var, "string or list", other),
                        _ => internal("string or list", other),
                    });
                }
            },
            other => {
                let value = other.eval_cow(env)?;
                return Err(internal("number", &value));
            }
        })
    }

    pub(crate) fn eval_str<'a, E: RuleEnv + ?Sized>(
        &'a self,
        env: &'a E,
    ) -> Result<Cow<'a, str>, EvalError> {
        Ok(match self {
            Node::Const(Value::Str(s)) => Cow::Borrowed(s.as_str()),
            Node::Var(var) => match lookup(var, env)? {
                Cow::Borrowed(Value::Str(s)) => Cow::Borrowed(s.as_str()),
                Cow::Owned(Value::Str(s)) => Cow::Owned(s),
                other => return Err(wrong_type(var, "string", &other)),
            },
            Node::Concat(lhs, rhs) => {
                let mut joined = lhs.eval_str(env)?.into_owned();
                joined.push_str(&rhs.eval_str(env)?);
                Cow::Owned(joined)
            }
            Node::Lower(operand) => Cow::Owned(operand.eval_str(env)?.to_lowercase()),
            other => {
                let value = other.eval_cow(env)?;
                return Err(internal("string", &value));
            }
        })
    }
}
