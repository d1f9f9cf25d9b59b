//! Aggregate state: per-bucket accumulators that fold events in any order to the same result.
//!
//! A windowed aggregate keeps one accumulator per event-time bucket; reading it at `now` folds
//! the buckets the window covers. Order of arrival never matters: every fold is commutative
//! (ties in `last` are broken by event id), so late and out-of-order events land where they belong.

use concord_model::{EventId, Value};
use concord_strategy::{AggFn, AggregateSpec};
use serde::Serialize;
use std::collections::BTreeSet;

/// How far behind the newest bucket a windowed aggregate keeps buckets, in windows: reads at a
/// `now` up to this many windows before the newest event stay exact.
const KEEP_WINDOWS: i64 = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) enum Acc {
    Count(u64),
    Sum(f64),
    Min(f64),
    Max(f64),
    Last {
        time_ms: i64,
        event_id: String,
        value: Value,
    },
    Distinct(BTreeSet<String>),
}

impl Acc {
    fn empty(function: AggFn) -> Option<Acc> {
        match function {
            AggFn::Count => Some(Acc::Count(0)),
            AggFn::Sum => Some(Acc::Sum(0.0)),
            AggFn::Distinct => Some(Acc::Distinct(BTreeSet::new())),
            AggFn::Min | AggFn::Max | AggFn::Last => None,
        }
    }

    /// The accumulator of a single event's contribution.
    fn one(function: AggFn, value: &Value, time_ms: i64, event_id: &EventId) -> Option<Acc> {
        Some(match function {
            AggFn::Count => Acc::Count(1),
            AggFn::Sum => Acc::Sum(value.as_f64()?),
            AggFn::Min => Acc::Min(value.as_f64()?),
            AggFn::Max => Acc::Max(value.as_f64()?),
            AggFn::Last if value.is_null() => return None,
            AggFn::Last => Acc::Last {
                time_ms,
                event_id: event_id.0.clone(),
                value: value.clone(),
            },
            AggFn::Distinct if value.is_null() => return None,
            AggFn::Distinct => Acc::Distinct(BTreeSet::from([value.to_string()])),
        })
    }

    fn merge(&mut self, other: &Acc) {
        match (self, other) {
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::Sum(a), Acc::Sum(b)) => *a += b,
            (Acc::Min(a), Acc::Min(b)) => *a = a.min(*b),
            (Acc::Max(a), Acc::Max(b)) => *a = a.max(*b),
            (
                last @ Acc::Last { .. },
                Acc::Last {
                    time_ms,
                    event_id,
                    value,
                },
            ) => {
                if let Acc::Last {
                    time_ms: t,
                    event_id: e,
                    ..
                } = last
                    && (*time_ms, event_id) > (*t, e)
                {
                    *last = Acc::Last {
                        time_ms: *time_ms,
                        event_id: event_id.clone(),
                        value: value.clone(),
                    };
                }
            }
            (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b.iter().cloned()),
            // Accumulators of one aggregate always share a kind.
            _ => {}
        }
    }

    fn value(&self) -> Value {
        match self {
            Acc::Count(n) => Value::Num(*n as f64),
            Acc::Sum(x) | Acc::Min(x) | Acc::Max(x) => Value::Num(*x),
            Acc::Last { value, .. } => value.clone(),
            Acc::Distinct(set) => Value::Num(set.len() as f64),
        }
    }
}

/// One aggregate's state for one customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct AggState {
    /// `(bucket, accumulator)` sorted by bucket; a lifetime aggregate uses bucket 0 only.
    buckets: Vec<(i64, Acc)>,
}

impl AggState {
    /// Folds one event's `value` (the aggregate's field, or null for `count`) in.
    pub(crate) fn add(
        &mut self,
        spec: &AggregateSpec,
        time_ms: i64,
        event_id: &EventId,
        value: &Value,
    ) {
        let Some(acc) = Acc::one(spec.function, value, time_ms, event_id) else {
            return;
        };
        let bucket = spec.window.map_or(0, |w| w.bucket_of(time_ms));
        match self.buckets.binary_search_by_key(&bucket, |(b, _)| *b) {
            Ok(at) => self.buckets[at].1.merge(&acc),
            Err(at) => self.buckets.insert(at, (bucket, acc)),
        }
        if let Some(window) = spec.window
            && let Some(&(newest, _)) = self.buckets.last()
        {
            let oldest_kept = newest - KEEP_WINDOWS * window.buckets();
            self.buckets.retain(|(b, _)| *b > oldest_kept);
        }
    }

    /// The aggregate as seen at `now_ms`: 0 for an empty count, sum or distinct; null otherwise.
    pub(crate) fn value_at(&self, spec: &AggregateSpec, now_ms: i64) -> Value {
        let mut total = Acc::empty(spec.function);
        for (bucket, acc) in &self.buckets {
            if spec.window.is_some_and(|w| !w.covers(*bucket, now_ms)) {
                continue;
            }
            match &mut total {
                Some(total) => total.merge(acc),
                None => total = Some(acc.clone()),
            }
        }
        total.map_or(Value::Null, |acc| acc.value())
    }
}
