//! The type checker: resolves names against the profile schema, proves operand types and
//! lowers the syntax tree into the compiled [`Node`] tree.

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::env::Var;
use super::error::RuleError;
use super::node::{ArithOp, CmpOp, Node};
use crate::profile::{ProfileSchema, ValueType};
use concord_model::{EventType, FieldType, Value};

/// A static type. A list's element type is `None` when unknown (a declared `list` attribute).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Null,
    Bool,
    Num,
    Str,
    List(Option<Box<Ty>>),
}

impl Ty {
    pub(crate) fn name(&self) -> String {
        match self {
            Ty::Null => "null".into(),
            Ty::Bool => "bool".into(),
            Ty::Num => "number".into(),
            Ty::Str => "string".into(),
            Ty::List(None) => "list".into(),
            Ty::List(Some(elem)) => format!("list of {}", elem.name()),
        }
    }

    fn of(value_type: ValueType) -> Ty {
        match value_type {
            ValueType::String => Ty::Str,
            ValueType::Number => Ty::Num,
            ValueType::Bool => Ty::Bool,
            ValueType::List => Ty::List(None),
        }
    }
}

const FUNCTIONS: &str = "size, contains, starts_with, ends_with, lower, min, max, duration";

pub(crate) struct Checker<'a> {
    schema: &'a ProfileSchema,
    /// In an aggregate's `where` filter: the event type whose fields `event.<field>` reads.
    pub(crate) event_scope: Option<EventType>,
    /// Derived fields may not read derived fields (no cycles to order).
    pub(crate) allow_derived: bool,
    source: &'a str,
    /// Every variable the rule reads, in first-use order, without repeats.
    pub(crate) vars: Vec<Var>,
}

type Checked = Result<(Node, Ty), RuleError>;

impl<'a> Checker<'a> {
    pub(crate) fn new(schema: &'a ProfileSchema, source: &'a str) -> Self {
        Self {
            schema,
            event_scope: None,
            allow_derived: true,
            source,
            vars: Vec::new(),
        }
    }

    pub(crate) fn check(&mut self, expr: &Expr) -> Checked {
        match &expr.kind {
            ExprKind::Null => Ok((Node::Const(Value::Null), Ty::Null)),
            ExprKind::Bool(b) => Ok((Node::Const(Value::Bool(*b)), Ty::Bool)),
            ExprKind::Num(n) => Ok((Node::Const(Value::Num(*n)), Ty::Num)),
            ExprKind::Str(s) => Ok((Node::Const(Value::Str(s.clone())), Ty::Str)),
            ExprKind::List(items) => self.list(items),
            ExprKind::Path(segments) => {
                let (var, ty) = self.resolve(segments)?;
                if !self.vars.contains(&var) {
                    self.vars.push(var.clone());
                }
                Ok((Node::Var(var), ty))
            }
            ExprKind::Unary(op, operand) => self.unary(*op, operand),
            ExprKind::Binary(op, op_pos, lhs, rhs) => self.binary(*op, *op_pos, lhs, rhs),
            ExprKind::Call(name, args) => self.call(name, args, expr.pos),
        }
    }

    fn list(&mut self, items: &[Expr]) -> Checked {
        let mut nodes = Vec::with_capacity(items.len());
        let mut elem: Option<Ty> = None;
        for item in items {
            let (node, ty) = self.check(item)?;
            match &elem {
                Some(expected) if *expected != ty => {
                    return Err(RuleError::new(
                        item.pos,
                        format!(
                            "list elements must share one type: this is a {}, the first is a {}",
                            ty.name(),
                            expected.name()
                        ),
                    ));
                }
                _ => elem = Some(ty),
            }
            nodes.push(node);
        }
        let ty = Ty::List(elem.map(Box::new));
        let constants: Option<Vec<Value>> = nodes
            .iter()
            .map(|node| match node {
                Node::Const(value) => Some(value.clone()),
                _ => None,
            })
            .collect();
        Ok(match constants {
            Some(values) => (Node::Const(Value::List(values)), ty),
            None => (Node::List(nodes), ty),
        })
    }

    fn resolve(&self, segments: &[(String, usize)]) -> Result<(Var, Ty), RuleError> {
        let Some(((root, root_pos), rest)) = segments.split_first() else {
            return Err(RuleError::new(0, "empty name"));
        };
        let field = rest.first();
        if let Some((extra, extra_pos)) = rest.get(1) {
            return Err(RuleError::new(
                *extra_pos,
                format!(
                    "`{root}.{}` has no field `{extra}`",
                    field.map_or("", |f| &f.0)
                ),
            ));
        }
        let needs_field = |example: &str| {
            RuleError::new(
                *root_pos,
                format!("`{root}` needs a name after it, e.g. `{root}.{example}`"),
            )
        };
        let no_field = |(name, pos): &(String, usize)| {
            RuleError::new(*pos, format!("`{root}` has no field `{name}`"))
        };
        match root.as_str() {
            "customer" => {
                let (name, pos) = field.ok_or_else(|| needs_field("segment"))?;
                if let Some((index, value_type)) = self.schema.attribute_at(name) {
                    let var = Var::Attribute {
                        index,
                        name: name.clone(),
                    };
                    return Ok((var, Ty::of(value_type)));
                }
                if let Some((index, spec)) = self.schema.aggregate(name) {
                    let var = Var::Aggregate {
                        index,
                        name: name.clone(),
                    };
                    return Ok((var, Ty::of(spec.value_type)));
                }
                match self.schema.derived_field(name) {
                    Some(_) if !self.allow_derived => Err(RuleError::new(
                        *pos,
                        format!(
                            "a derived field can't read another derived field (`customer.{name}`)"
                        ),
                    )),
                    Some((index, spec)) => Ok((
                        Var::Derived {
                            index,
                            name: name.clone(),
                        },
                        Ty::of(spec.value_type),
                    )),
                    None => Err(RuleError::new(
                        *pos,
                        format!(
                            "unknown attribute `customer.{name}` (not declared in profile.yaml attributes, aggregates or derived)"
                        ),
                    )),
                }
            }
            "event" => {
                let (name, pos) = field.ok_or_else(|| needs_field("reason"))?;
                let event_type = self.event_scope.ok_or_else(|| {
                    RuleError::new(
                        *root_pos,
                        "`event.` can only be read in an aggregate's `where` filter",
                    )
                })?;
                let field_type = event_type.field_type(name).ok_or_else(|| {
                    let known: Vec<&str> = event_type.fields().iter().map(|(f, _)| *f).collect();
                    RuleError::new(
                        *pos,
                        format!(
                            "a {} event has no field `{name}`; it has: {}",
                            event_type.as_str(),
                            known.join(", ")
                        ),
                    )
                })?;
                let ty = match field_type {
                    FieldType::Str => Ty::Str,
                    FieldType::Num => Ty::Num,
                    FieldType::Bool => Ty::Bool,
                };
                Ok((Var::EventField(name.clone()), ty))
            }
            "context" => {
                let (name, pos) = field.ok_or_else(|| needs_field("call_reason"))?;
                let (index, value_type) = self.schema.context_at(name).ok_or_else(|| {
                    RuleError::new(
                        *pos,
                        format!("unknown context field `context.{name}` (not declared in profile.yaml context)"),
                    )
                })?;
                let var = Var::Context {
                    index,
                    name: name.clone(),
                };
                Ok((var, Ty::of(value_type)))
            }
            "events" => Err(RuleError::new(
                *root_pos,
                "`events.<type>` counts are declared aggregates now: add one to profile.yaml \
                 `aggregates`, e.g. `dropped_calls_24h: {event: dropped_call, function: count, window: 24h}`, \
                 and read it as `customer.dropped_calls_24h`",
            )),
            "holdings" | "channel" if field.is_some() => {
                Err(field.map_or_else(|| RuleError::new(*root_pos, "unexpected field"), no_field))
            }
            "holdings" => Ok((Var::Holdings, Ty::List(Some(Box::new(Ty::Str))))),
            "channel" => Ok((Var::Channel, Ty::Str)),
            other => {
                let hint = if self.schema.attribute(other).is_some() {
                    format!("; did you mean `customer.{other}`?")
                } else if self.schema.context_field(other).is_some() {
                    format!("; did you mean `context.{other}`?")
                } else if self.schema.declares(other) {
                    format!("; did you mean `customer.{other}`?")
                } else {
                    "; names start with customer. or context., or are holdings or channel"
                        .to_owned()
                };
                Err(RuleError::new(
                    *root_pos,
                    format!("unknown identifier `{other}`{hint}"),
                ))
            }
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &Expr) -> Checked {
        let (node, ty) = self.check(operand)?;
        match (op, ty) {
            (UnaryOp::Not, Ty::Bool) => Ok((Node::Not(Box::new(node)), Ty::Bool)),
            (UnaryOp::Neg, Ty::Num) => Ok(match node {
                Node::Const(Value::Num(n)) => (Node::Const(Value::Num(-n)), Ty::Num),
                node => (Node::Neg(Box::new(node)), Ty::Num),
            }),
            (UnaryOp::Not, ty) => Err(RuleError::new(
                operand.pos,
                format!("`!` needs a bool, found a {}", ty.name()),
            )),
            (UnaryOp::Neg, ty) => Err(RuleError::new(
                operand.pos,
                format!("`-` needs a number, found a {}", ty.name()),
            )),
        }
    }

    fn binary(&mut self, op: BinaryOp, op_pos: usize, lhs: &Expr, rhs: &Expr) -> Checked {
        let (left, left_ty) = self.check(lhs)?;
        let (right, right_ty) = self.check(rhs)?;
        let (l, r) = (Box::new(left), Box::new(right));
        let mismatch = |what: &str| {
            RuleError::new(
                op_pos,
                format!(
                    "`{}` {what}, found {} and {}",
                    op.symbol(),
                    left_ty.name(),
                    right_ty.name()
                ),
            )
        };
        let cmp = |op: CmpOp, l, r| match (&left_ty, &right_ty) {
            (Ty::Num, Ty::Num) => Ok((Node::CmpNum(op, l, r), Ty::Bool)),
            (Ty::Str, Ty::Str) => Ok((Node::CmpStr(op, l, r), Ty::Bool)),
            _ => Err(mismatch("compares two numbers or two strings")),
        };
        match op {
            BinaryOp::Or | BinaryOp::And => match (&left_ty, &right_ty) {
                (Ty::Bool, Ty::Bool) if op == BinaryOp::Or => Ok((Node::Or(l, r), Ty::Bool)),
                (Ty::Bool, Ty::Bool) => Ok((Node::And(l, r), Ty::Bool)),
                _ => Err(mismatch("needs two bools")),
            },
            BinaryOp::Eq | BinaryOp::Ne => {
                let negate = op == BinaryOp::Ne;
                match (&left_ty, &right_ty) {
                    (Ty::Null, Ty::Null) => Ok((Node::Const(Value::Bool(!negate)), Ty::Bool)),
                    (Ty::Null, _) => Ok((Node::IsNull(negate, r), Ty::Bool)),
                    (_, Ty::Null) => Ok((Node::IsNull(negate, l), Ty::Bool)),
                    (Ty::Bool, Ty::Bool) => Ok((Node::EqBool(negate, l, r), Ty::Bool)),
                    (Ty::List(_), Ty::List(_)) => Ok((Node::EqList(negate, l, r), Ty::Bool)),
                    (Ty::Num, Ty::Num) | (Ty::Str, Ty::Str) => {
                        cmp(if negate { CmpOp::Ne } else { CmpOp::Eq }, l, r)
                    }
                    _ => Err(mismatch("compares values of the same type")),
                }
            }
            BinaryOp::Lt => cmp(CmpOp::Lt, l, r),
            BinaryOp::Le => cmp(CmpOp::Le, l, r),
            BinaryOp::Gt => cmp(CmpOp::Gt, l, r),
            BinaryOp::Ge => cmp(CmpOp::Ge, l, r),
            BinaryOp::In => match (&left_ty, &right_ty) {
                (Ty::Null | Ty::List(_), _) => {
                    Err(mismatch("tests whether a single value is in a list"))
                }
                (_, Ty::List(Some(elem))) if **elem != left_ty => Err(mismatch(
                    "needs a value of the list's element type on its left",
                )),
                (_, Ty::List(_)) => Ok((Node::In(l, r), Ty::Bool)),
                (_, Ty::Str) => Err(mismatch(
                    "tests list membership; for a substring use contains(string, part)",
                )),
                _ => Err(mismatch("needs a list on its right")),
            },
            BinaryOp::Add => match (&left_ty, &right_ty) {
                (Ty::Num, Ty::Num) => Ok((self.arith(ArithOp::Add, l, r, rhs), Ty::Num)),
                (Ty::Str, Ty::Str) => Ok((Node::Concat(l, r), Ty::Str)),
                _ => Err(mismatch("adds two numbers or joins two strings")),
            },
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                let arith_op = match op {
                    BinaryOp::Sub => ArithOp::Sub,
                    BinaryOp::Mul => ArithOp::Mul,
                    BinaryOp::Div => ArithOp::Div,
                    _ => ArithOp::Rem,
                };
                match (&left_ty, &right_ty) {
                    (Ty::Num, Ty::Num) => Ok((self.arith(arith_op, l, r, rhs), Ty::Num)),
                    _ => Err(mismatch("needs two numbers")),
                }
            }
        }
    }

    fn arith(&self, op: ArithOp, l: Box<Node>, r: Box<Node>, divisor: &Expr) -> Node {
        let text: String = self
            .source
            .chars()
            .skip(divisor.pos)
            .take(divisor.end.saturating_sub(divisor.pos))
            .collect();
        Node::Arith(op, l, r, text.into_boxed_str())
    }

    fn call(&mut self, name: &str, args: &[Expr], pos: usize) -> Checked {
        if name == "duration" {
            return duration(args, pos);
        }
        let arity = match name {
            "size" | "lower" => 1,
            "contains" | "starts_with" | "startsWith" | "ends_with" | "endsWith" | "min"
            | "max" => 2,
            _ => {
                return Err(RuleError::new(
                    pos,
                    format!("unknown function `{name}`; known: {FUNCTIONS}"),
                ));
            }
        };
        if args.len() != arity {
            let plural = if arity == 1 { "" } else { "s" };
            return Err(RuleError::new(
                pos,
                format!(
                    "`{name}` takes {arity} argument{plural}, found {}",
                    args.len()
                ),
            ));
        }
        let mut checked = Vec::with_capacity(arity);
        for arg in args {
            checked.push(self.check(arg)?);
        }
        let mut nodes = checked.into_iter().zip(args);
        let mut next = |wanted: &str, ok: fn(&Ty) -> bool| match nodes.next() {
            Some(((node, ty), _)) if ok(&ty) => Ok(Box::new(node)),
            Some(((_, ty), arg)) => Err(RuleError::new(
                arg.pos,
                format!("`{name}` needs {wanted} here, found a {}", ty.name()),
            )),
            None => Err(RuleError::new(
                pos,
                format!("`{name}` is missing an argument"),
            )),
        };
        let is_str = |ty: &Ty| *ty == Ty::Str;
        Ok(match name {
            "size" => (
                Node::Size(next("a string or a list", |ty| {
                    matches!(ty, Ty::Str | Ty::List(_))
                })?),
                Ty::Num,
            ),
            "lower" => (Node::Lower(next("a string", is_str)?), Ty::Str),
            "min" | "max" => {
                let is_num = |ty: &Ty| *ty == Ty::Num;
                let a = next("a number", is_num)?;
                (
                    Node::MinMax(name == "max", a, next("a number", is_num)?),
                    Ty::Num,
                )
            }
            "contains" => {
                let s = next("a string (for a list use `x in list`)", is_str)?;
                (Node::Contains(s, next("a string", is_str)?), Ty::Bool)
            }
            "starts_with" | "startsWith" => {
                let s = next("a string", is_str)?;
                (Node::StartsWith(s, next("a string", is_str)?), Ty::Bool)
            }
            _ => {
                let s = next("a string", is_str)?;
                (Node::EndsWith(s, next("a string", is_str)?), Ty::Bool)
            }
        })
    }
}

/// `duration('90m')`: a constant number of seconds, folded when the rule compiles (durations
/// compare with fields measured in seconds, e.g. a call's `duration_s`). Units: s, m, h, d,
/// combinable (`1h30m`).
fn duration(args: &[Expr], pos: usize) -> Checked {
    let [arg] = args else {
        return Err(RuleError::new(
            pos,
            format!("`duration` takes 1 argument, found {}", args.len()),
        ));
    };
    let ExprKind::Str(text) = &arg.kind else {
        return Err(RuleError::new(
            arg.pos,
            "`duration` needs a quoted literal such as '7d', '24h' or '1h30m'",
        ));
    };
    let bad = || {
        RuleError::new(
            arg.pos,
            format!(
                "`{text}` is not a duration: write numbers with s, m, h or d, e.g. '7d' or '1h30m'"
            ),
        )
    };
    let mut seconds = 0.0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3_600.0,
            'd' => 86_400.0,
            _ => return Err(bad()),
        };
        let n: f64 = digits.parse().map_err(|_| bad())?;
        seconds += n * unit;
        digits.clear();
    }
    if !digits.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok((Node::Const(Value::Num(seconds)), Ty::Num))
}
