//! A bool rule compiled a second time, into closures over a decision's [`Frame`]: variables
//! become slot indices, the common shapes (`var op constant`, `constant in list`, `&&`, `||`,
//! `!`) become one closure each with their constants captured, and anything else falls back to
//! the tree evaluator on that node, which gives the same answers by construction.

use super::env::Var;
use super::error::EvalError;
use super::frame::{Frame, Shape};
use super::node::{CmpOp, Node, wrong_type};
use concord_model::Value;
use std::sync::Arc;

/// Why a rule could not be judged, one word: a missing value (the common case: a context
/// field a request did not send) carries nothing and allocates nothing, the tree evaluator
/// names it when the message is wanted; any other error is boxed. A two-word `Result` comes
/// back in registers, where a wide one goes through memory on every call (measured: a third
/// of the rule's time).
#[derive(Debug, Clone)]
pub struct Fault(pub(crate) Option<Box<EvalError>>);
type Pred = Arc<dyn Fn(&Frame<'_>) -> Result<bool, Fault> + Send + Sync>;
type Num = Arc<dyn Fn(&Frame<'_>) -> Result<f64, Fault> + Send + Sync>;

/// A rule's closures and the frame shape they index.
#[derive(Clone)]
pub(crate) struct Fast {
    shape: Shape,
    pred: Pred,
}

impl std::fmt::Debug for Fast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fast").field("shape", &self.shape).finish()
    }
}

/// Closures are built from the tree they mirror, so two are equal when their shapes are.
impl PartialEq for Fast {
    fn eq(&self, other: &Self) -> bool {
        self.shape == other.shape
    }
}

impl Fast {
    pub(crate) fn compile(root: &Node, shape: Shape) -> Self {
        Fast {
            shape,
            pred: pred(root, shape),
        }
    }

    /// Whether this rule's closures index `frame`'s slots (else the caller walks the tree).
    #[inline]
    pub(crate) fn fits(&self, frame: &Frame<'_>) -> bool {
        frame.shape() == self.shape
    }

    /// The rule's answer over `frame`, which must [`Fast::fits`].
    #[inline]
    pub(crate) fn eval(&self, frame: &Frame<'_>) -> Result<bool, Fault> {
        (self.pred)(frame)
    }
}

/// A variable's value, with "absence means none" for holdings and missing for anything else.
/// Borrowed, never copied: the frame holds it.
#[inline]
fn read<'f>(frame: &'f Frame<'_>, slot: usize, var: &Var) -> Result<&'f Value, Fault> {
    static NO_HOLDINGS: Value = Value::List(Vec::new());
    match (frame.slot_value(slot, var), var) {
        (Value::Null, Var::Holdings) => Ok(&NO_HOLDINGS),
        (Value::Null, _) => Err(missing(var)),
        (value, _) => Ok(value),
    }
}

#[inline]
fn missing(_: &Var) -> Fault {
    Fault(None)
}

#[cold]
fn wrong(var: &Var, expected: &'static str, found: &Value) -> Fault {
    Fault(Some(Box::new(wrong_type(var, expected, found))))
}

fn fallback(node: &Node) -> Pred {
    let node = node.clone();
    Arc::new(move |frame| node.eval_bool(frame).map_err(|e| Fault(Some(Box::new(e)))))
}

fn fallback_num(node: &Node) -> Num {
    let node = node.clone();
    Arc::new(move |frame| node.eval_num(frame).map_err(|e| Fault(Some(Box::new(e)))))
}

/// A variable's slot in `shape`, for `node` when it is a variable.
fn var_slot(node: &Node, shape: Shape) -> Option<(Var, usize)> {
    match node {
        Node::Var(var) => Some((var.clone(), shape.slot(var)?)),
        _ => None,
    }
}

fn pred(node: &Node, shape: Shape) -> Pred {
    match node {
        Node::Const(Value::Bool(b)) => {
            let b = *b;
            Arc::new(move |_| Ok(b))
        }
        Node::Var(_) => match var_slot(node, shape) {
            Some((var, slot)) => Arc::new(move |frame| match read(frame, slot, &var)? {
                Value::Bool(b) => Ok(*b),
                other => Err(wrong(&var, "bool", other)),
            }),
            None => fallback(node),
        },
        Node::Not(operand) => match in_leaf(operand, shape, true) {
            Some(leaf) => leaf,
            None => {
                let operand = pred(operand, shape);
                Arc::new(move |frame| Ok(!operand(frame)?))
            }
        },
        // Chains of `&&` (or of `||`) become one closure over the list, left to right, so a
        // deciding operand returns at once instead of unwinding a closure per level.
        Node::And(..) => {
            let mut operands = Vec::new();
            flatten(node, true, &mut operands);
            let operands: Vec<Pred> = operands.into_iter().map(|n| pred(n, shape)).collect();
            Arc::new(move |frame| {
                for operand in &operands {
                    if !operand(frame)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        }
        Node::Or(..) => {
            let mut operands = Vec::new();
            flatten(node, false, &mut operands);
            let operands: Vec<Pred> = operands.into_iter().map(|n| pred(n, shape)).collect();
            Arc::new(move |frame| {
                for operand in &operands {
                    if operand(frame)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
        }
        Node::CmpNum(op, lhs, rhs) => match (var_slot(lhs, shape), &**rhs) {
            // `customer.x >= 0.8`: read and compare in one closure, the operator chosen here.
            (Some((var, slot)), Node::Const(Value::Num(k))) => {
                let k = *k;
                macro_rules! leaf {
                    ($cmp:tt) => {
                        Arc::new(move |frame| match read(frame, slot, &var)? {
                            Value::Num(n) => Ok(*n $cmp k),
                            other => Err(wrong(&var, "number", other)),
                        })
                    };
                }
                match op {
                    CmpOp::Eq => leaf!(==),
                    CmpOp::Ne => leaf!(!=),
                    CmpOp::Lt => leaf!(<),
                    CmpOp::Le => leaf!(<=),
                    CmpOp::Gt => leaf!(>),
                    CmpOp::Ge => leaf!(>=),
                }
            }
            _ => {
                let (op, lhs, rhs) = (*op, num(lhs, shape), num(rhs, shape));
                Arc::new(move |frame| Ok(op.holds(&lhs(frame)?, &rhs(frame)?)))
            }
        },
        Node::CmpStr(op, lhs, rhs) => match (var_slot(lhs, shape), &**rhs) {
            (Some((var, slot)), Node::Const(Value::Str(k))) => {
                let (op, k) = (*op, k.clone());
                let negate = op == CmpOp::Ne;
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    Arc::new(move |frame| match read(frame, slot, &var)? {
                        Value::Str(s) => Ok((*s == k) != negate),
                        other => Err(wrong(&var, "string", other)),
                    })
                } else {
                    Arc::new(move |frame| match read(frame, slot, &var)? {
                        Value::Str(s) => Ok(op.holds(s.as_str(), k.as_str())),
                        other => Err(wrong(&var, "string", other)),
                    })
                }
            }
            _ => fallback(node),
        },
        Node::In(..) => in_leaf(node, shape, false).unwrap_or_else(|| fallback(node)),
        Node::IsNull(negate, operand) => match var_slot(operand, shape) {
            Some((var, slot)) => {
                let negate = *negate;
                Arc::new(move |frame| Ok(frame.slot_value(slot, &var).is_null() != negate))
            }
            None => fallback(node),
        },
        _ => fallback(node),
    }
}

fn num(node: &Node, shape: Shape) -> Num {
    match node {
        Node::Const(Value::Num(k)) => {
            let k = *k;
            Arc::new(move |_| Ok(k))
        }
        Node::Var(_) => match var_slot(node, shape) {
            Some((var, slot)) => Arc::new(move |frame| match read(frame, slot, &var)? {
                Value::Num(n) => Ok(*n),
                other => Err(wrong(&var, "number", other)),
            }),
            None => fallback_num(node),
        },
        _ => fallback_num(node),
    }
}

/// The operands of a chain of `&&` (`and`) or `||`, left to right.
fn flatten<'n>(node: &'n Node, and: bool, out: &mut Vec<&'n Node>) {
    match node {
        Node::And(lhs, rhs) if and => {
            flatten(lhs, and, out);
            flatten(rhs, and, out);
        }
        Node::Or(lhs, rhs) if !and => {
            flatten(lhs, and, out);
            flatten(rhs, and, out);
        }
        other => out.push(other),
    }
}

/// `constant in list_variable` (negated for `!(... in ...)`) as one closure; `None` for any
/// other shape.
fn in_leaf(node: &Node, shape: Shape, negate: bool) -> Option<Pred> {
    let Node::In(needle, haystack) = node else {
        return None;
    };
    let Node::Const(k) = &**needle else {
        return None;
    };
    let (var, slot) = var_slot(haystack, shape)?;
    let k = k.clone();
    Some(Arc::new(move |frame| match read(frame, slot, &var)? {
        Value::List(items) => Ok(items.contains(&k) != negate),
        other => Err(wrong(&var, "list", other)),
    }))
}
