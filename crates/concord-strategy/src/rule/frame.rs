//! A decision's inputs: each variable read once from the customer's environment, then lent to
//! every rule that reads it.

use super::env::{RuleEnv, Var};
use crate::profile::ProfileSchema;
use concord_model::Value;
use std::borrow::Cow;
use std::cell::OnceCell;

/// Wraps an environment for the span of one decision (or any batch of rules over one customer
/// at one instant): the first read of a variable asks the environment, every later read, by any
/// rule, borrows that value. One slot per variable the schema declares, so a read is an index.
pub struct Frame<'e> {
    env: &'e dyn RuleEnv,
    shape: Shape,
    slots: Box<[OnceCell<Value>]>,
}

/// How many variables of each kind a schema declares: where each kind's slots start in a
/// frame. A rule's closures (see `fast.rs`) carry the shape they were compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    attributes: usize,
    aggregates: usize,
    derived: usize,
    context: usize,
}

impl Shape {
    pub(crate) fn of(schema: &ProfileSchema) -> Self {
        Shape {
            attributes: schema.attributes.len(),
            aggregates: schema.aggregates.len(),
            derived: schema.derived.len(),
            context: schema.context.len(),
        }
    }

    fn len(&self) -> usize {
        self.attributes + self.aggregates + self.derived + self.context + 2
    }

    /// The variable's slot: attributes first, then aggregates, derived fields, context fields,
    /// holdings and channel. `None` for event fields (not a customer's) or an index past what
    /// the schema declares (a rule compiled against another schema: read through, not cached).
    #[inline]
    pub(crate) fn slot(&self, var: &Var) -> Option<usize> {
        let aggregates = self.attributes;
        let derived = aggregates + self.aggregates;
        let context = derived + self.derived;
        let holdings = context + self.context;
        let (start, index, end) = match var {
            Var::Attribute { index, .. } => (0, *index, aggregates),
            Var::Aggregate { index, .. } => (aggregates, *index, derived),
            Var::Derived { index, .. } => (derived, *index, context),
            Var::Context { index, .. } => (context, *index, holdings),
            Var::Holdings => return Some(holdings),
            Var::Channel => return Some(holdings + 1),
            Var::EventField(_) => return None,
        };
        let slot = start + index;
        (slot < end).then_some(slot)
    }
}

impl std::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let read = self.slots.iter().filter(|s| s.get().is_some()).count();
        f.debug_struct("Frame")
            .field("slots", &self.slots.len())
            .field("read", &read)
            .finish()
    }
}

impl<'e> Frame<'e> {
    /// A frame over `env` for rules compiled against `schema`.
    pub fn new(schema: &ProfileSchema, env: &'e dyn RuleEnv) -> Self {
        let shape = Shape::of(schema);
        Frame {
            env,
            shape,
            slots: (0..shape.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    pub(crate) fn shape(&self) -> Shape {
        self.shape
    }

    /// The customer's variables read so far (attributes, aggregates, derived fields,
    /// holdings; not the request's context or channel), as (slot, value): what a replay needs
    /// to read the same values.
    pub fn customer_reads(&self) -> Vec<(u32, Value)> {
        let profile = self.shape.attributes + self.shape.aggregates + self.shape.derived;
        let holdings = profile + self.shape.context;
        self.slots
            .iter()
            .enumerate()
            .filter(|(slot, _)| *slot < profile || *slot == holdings)
            .filter_map(|(slot, cell)| Some((slot as u32, cell.get()?.clone())))
            .collect()
    }

    /// The value in `slot`, read from the environment on first use. `slot` must be `var`'s
    /// in this frame's shape (what `fast.rs` checks before it reads); a slot past the frame,
    /// which that check rules out, reads as null.
    #[inline]
    pub(crate) fn slot_value(&self, slot: usize, var: &Var) -> &Value {
        static NULL: Value = Value::Null;
        match self.slots.get(slot) {
            Some(cell) => cell.get_or_init(|| self.env.lookup(var)),
            None => &NULL,
        }
    }

    /// The value in `slot` (which must be `var`'s in this frame's shape), read on first use.
    #[inline]
    fn at(&self, slot: usize, var: &Var) -> Cow<'_, Value> {
        match self.slots.get(slot) {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| self.env.lookup(var))),
            None => self.env.value(var),
        }
    }
}

/// A customer as a decision log recorded them: the values the rules read, by frame slot
/// ([`Frame::customer_reads`]). Reading a variable that was not recorded gives null and is
/// counted: a replay that reads one has diverged from the decision it replays.
#[derive(Debug)]
pub struct Recorded {
    shape: Shape,
    values: Vec<Option<Value>>,
    unrecorded: std::cell::Cell<u32>,
}

impl ProfileSchema {
    /// How rules write the variable in frame slot `slot` (`customer.balance`, `holdings`).
    pub fn slot_name(&self, slot: u32) -> Option<String> {
        let slot = slot as usize;
        let shape = Shape::of(self);
        let aggregates = shape.attributes;
        let derived = aggregates + shape.aggregates;
        let context = derived + shape.derived;
        let holdings = context + shape.context;
        Some(if slot < aggregates {
            format!("customer.{}", self.attributes.keys().nth(slot)?)
        } else if slot < derived {
            format!("customer.{}", self.aggregates.get(slot - aggregates)?.name)
        } else if slot < context {
            format!("customer.{}", self.derived.get(slot - derived)?.name)
        } else if slot < holdings {
            format!("context.{}", self.context.keys().nth(slot - context)?)
        } else if slot == holdings {
            "holdings".to_owned()
        } else if slot == holdings + 1 {
            "channel".to_owned()
        } else {
            return None;
        })
    }
}

impl Recorded {
    pub fn new(schema: &ProfileSchema, reads: &[(u32, Value)]) -> Self {
        let shape = Shape::of(schema);
        let mut values = vec![None; shape.len()];
        for (slot, value) in reads {
            if let Some(v) = values.get_mut(*slot as usize) {
                *v = Some(value.clone());
            }
        }
        Recorded {
            shape,
            values,
            unrecorded: std::cell::Cell::new(0),
        }
    }

    /// Reads of variables the log did not record.
    pub fn unrecorded(&self) -> u32 {
        self.unrecorded.get()
    }
}

impl RuleEnv for Recorded {
    fn lookup(&self, var: &Var) -> Value {
        match self
            .shape
            .slot(var)
            .and_then(|s| self.values.get(s).cloned().flatten())
        {
            Some(value) => value,
            None => {
                self.unrecorded.set(self.unrecorded.get() + 1);
                Value::Null
            }
        }
    }
}

impl RuleEnv for Frame<'_> {
    fn lookup(&self, var: &Var) -> Value {
        self.value(var).into_owned()
    }

    #[inline]
    fn value(&self, var: &Var) -> Cow<'_, Value> {
        match self.shape.slot(var) {
            Some(slot) => self.at(slot, var),
            None => self.env.value(var),
        }
    }
}
