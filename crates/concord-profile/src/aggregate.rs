//! Aggregate state: per-bucket accumulators that fold events in any order to the same result,
//! packed for a whole customer into one sorted slice of 24-byte cells.
//!
//! A windowed aggregate keeps one accumulator per event-time bucket; reading it at `now` folds
//! the buckets the window covers. Order of arrival never matters: every fold is commutative
//! (ties in `last` are broken by a hash of the event id, then by the value), so late and
//! out-of-order events land where they belong. Buckets older than the window plus the allowed
//! lateness behind a customer's newest bucket can no longer be read or written, and are dropped.

use crate::symbols::{NO_SYMBOL, Symbols};
use concord_model::{EventId, Value};
use concord_strategy::{AggFn, AggregateSpec};

/// One accumulator: aggregate `agg`, bucket `bucket`, and its state in `a` and `b`.
///
/// - count: `a` = the count; sum, min, max: `a` = the f64's bits;
/// - last: `a` = the order key (event time in ms << 16 | tie-break), `b` = the value, `tag` its kind;
/// - distinct: one cell per distinct value, `a` = the value's 64-bit hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    agg: u16,
    tag: u8,
    bucket: u32,
    a: u64,
    b: u64,
}

const TAG_NUM: u8 = 0;
const TAG_STR: u8 = 1;
const TAG_BOOL: u8 = 2;

/// Ties between `last` events at the same millisecond: a hash of the event id decides.
pub fn last_tiebreak(event_id: &EventId) -> u16 {
    (twox_hash::XxHash3_64::oneshot(event_id.0.as_bytes()) & 0xffff) as u16
}

/// The hash a `distinct` aggregate counts a value by.
fn distinct_hash(value: &Value) -> u64 {
    match value {
        // A string's text is how it displays: hash it without copying.
        Value::Str(s) => twox_hash::XxHash3_64::oneshot(s.as_bytes()),
        other => twox_hash::XxHash3_64::oneshot(other.to_string().as_bytes()),
    }
}

/// An event's contribution to one aggregate, before it is placed.
pub(crate) struct Contribution<'a> {
    pub time_ms: i64,
    pub event_id: &'a EventId,
    pub value: &'a Value,
}

/// All aggregate state of one customer: cells sorted by (aggregate, bucket, distinct hash).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AggCells(Box<[Cell]>);

impl AggCells {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// A word of the first cell (0 when none): reading it pulls the cells into the cache.
    pub(crate) fn first_word(&self) -> u64 {
        self.0.first().map_or(0, |c| c.a)
    }

    /// The cells of aggregate `agg`.
    fn of(&self, agg: u16) -> &[Cell] {
        let start = self.0.partition_point(|c| c.agg < agg);
        let end = self.0.partition_point(|c| c.agg <= agg);
        &self.0[start..end]
    }

    /// Folds one event into aggregate `index`. `keep_ms` is how far behind its newest bucket an
    /// aggregate keeps buckets (window + allowed lateness). False when the event can't be placed
    /// (a time before 1970 or after 2106, or a value of the wrong kind): nothing changed.
    pub(crate) fn add(
        &mut self,
        index: usize,
        spec: &AggregateSpec,
        event: &Contribution<'_>,
        keep_ms: i64,
        symbols: &Symbols,
    ) -> bool {
        let (Ok(agg), Some(bucket)) = (u16::try_from(index), bucket_of(spec, event.time_ms)) else {
            return false;
        };
        let Some((tag, a, b)) = contribution(spec.function, event, symbols) else {
            return false;
        };
        let distinct = |c: &Cell| distinct_key(spec.function, c);
        let key = (
            agg,
            bucket,
            if spec.function == AggFn::Distinct {
                a
            } else {
                0
            },
        );
        let at = self
            .0
            .partition_point(|c| (c.agg, c.bucket, distinct(c)) < key);
        if let Some(cell) = self.0.get_mut(at)
            && (cell.agg, cell.bucket, distinct(cell)) == key
        {
            // The aggregate's newest bucket did not move: nothing falls out of its window.
            merge(spec.function, cell, tag, a, b);
            return true;
        }
        // A new cell: the aggregate's cells are one run sorted by bucket, so its newest bucket
        // is the run's last and the buckets that fall behind the kept range are the run's start.
        let start = self.0.partition_point(|c| c.agg < agg);
        let end = self.0.partition_point(|c| c.agg <= agg);
        let evicted_end = match spec.window {
            Some(window) => {
                let newest = self.0[start..end]
                    .last()
                    .map_or(bucket, |c| c.bucket.max(bucket));
                let keep = u32::try_from((keep_ms / window.bucket_ms).max(window.buckets()))
                    .unwrap_or(u32::MAX);
                let oldest_kept = newest.saturating_sub(keep);
                if bucket < oldest_kept {
                    // Already behind what the aggregate keeps: it could never be read.
                    return true;
                }
                start + self.0[start..end].partition_point(|c| c.bucket < oldest_kept)
            }
            None => start,
        };
        // One allocation of the exact size: the cells before the run, the run's kept part up to
        // the new cell, the new cell, the rest.
        let mut cells = Vec::with_capacity(self.0.len() + 1 - (evicted_end - start));
        cells.extend_from_slice(&self.0[..start]);
        cells.extend_from_slice(&self.0[evicted_end..at]);
        cells.push(Cell {
            agg,
            tag,
            bucket,
            a,
            b,
        });
        cells.extend_from_slice(&self.0[at..]);
        self.0 = cells.into_boxed_slice();
        true
    }

    /// The aggregate as seen at `now_ms`: 0 for an empty count, sum or distinct; null otherwise.
    pub(crate) fn value_at(
        &self,
        index: usize,
        spec: &AggregateSpec,
        now_ms: i64,
        symbols: &Symbols,
    ) -> Value {
        let Ok(agg) = u16::try_from(index) else {
            return Value::Null;
        };
        let covered = self.of(agg).iter().filter(|c| match spec.window {
            Some(w) => w.covers(i64::from(c.bucket), now_ms),
            None => true,
        });
        let nums = covered.clone().map(|c| f64::from_bits(c.a));
        match spec.function {
            // Folds from +0.0: `f64`'s `sum` of nothing is -0.0, which an empty window is not.
            AggFn::Count => Value::Num(covered.map(|c| c.a).sum::<u64>() as f64),
            AggFn::Sum => Value::Num(nums.fold(0.0, |a, b| a + b)),
            AggFn::Min => nums.reduce(f64::min).map_or(Value::Null, Value::Num),
            AggFn::Max => nums.reduce(f64::max).map_or(Value::Null, Value::Num),
            AggFn::Last => {
                covered
                    .max_by_key(|c| (c.a as i64, c.b))
                    .map_or(Value::Null, |c| match c.tag {
                        TAG_STR => symbols.name(c.b as u32).map_or(Value::Null, Value::Str),
                        TAG_BOOL => Value::Bool(c.b != 0),
                        _ => Value::Num(f64::from_bits(c.b)),
                    })
            }
            AggFn::Distinct => {
                let mut hashes: Vec<u64> = covered.map(|c| c.a).collect();
                hashes.sort_unstable();
                hashes.dedup();
                Value::Num(hashes.len() as f64)
            }
        }
    }
}

/// Bytes a cell takes in a snapshot: agg u16, tag u8, bucket u32, a u64, b u64, little-endian.
pub(crate) const CELL_BYTES: usize = 23;

/// How a snapshot's cells land under the current schema.
#[derive(Debug)]
pub(crate) struct CellRemap<'a> {
    /// By the snapshot's aggregate index: the current index, or `None` for a dropped aggregate.
    pub to: &'a [Option<u16>],
    /// The current aggregates' functions, by index.
    pub functions: &'a [AggFn],
    /// How many strings are interned: a `last` string cell must name one of them.
    pub symbols: usize,
}

impl AggCells {
    /// Appends the cells, `CELL_BYTES` each.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.0.len() * CELL_BYTES);
        for cell in &self.0 {
            let mut bytes = [0u8; CELL_BYTES];
            bytes[0..2].copy_from_slice(&cell.agg.to_le_bytes());
            bytes[2] = cell.tag;
            bytes[3..7].copy_from_slice(&cell.bucket.to_le_bytes());
            bytes[7..15].copy_from_slice(&cell.a.to_le_bytes());
            bytes[15..23].copy_from_slice(&cell.b.to_le_bytes());
            out.extend_from_slice(&bytes);
        }
    }

    /// Reads cells written by [`AggCells::encode`], moving them to their current aggregate and
    /// dropping those of dropped aggregates; the result is sorted as [`AggCells::add`] needs.
    pub(crate) fn decode(src: &[u8], remap: &CellRemap<'_>) -> Result<Self, String> {
        let mut cells = Vec::with_capacity(src.len() / CELL_BYTES);
        let mut moved = false;
        for bytes in src.chunks_exact(CELL_BYTES) {
            let u64_at = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[i..i + 8]);
                u64::from_le_bytes(b)
            };
            let old = u16::from_le_bytes([bytes[0], bytes[1]]);
            let agg = match remap.to.get(usize::from(old)) {
                Some(Some(agg)) => *agg,
                Some(None) => continue,
                None => return Err(format!("a cell of aggregate {old}, which the layout lacks")),
            };
            moved |= agg != old;
            let cell = Cell {
                agg,
                tag: bytes[2],
                bucket: u32::from_le_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]),
                a: u64_at(7),
                b: u64_at(15),
            };
            if cell.tag > TAG_BOOL {
                return Err(format!("a cell with unknown tag {}", cell.tag));
            }
            if cell.tag == TAG_STR && cell.b >= remap.symbols as u64 {
                return Err(format!(
                    "a cell names string {} of {} interned",
                    cell.b, remap.symbols
                ));
            }
            cells.push(cell);
        }
        if moved {
            // Stable: within an aggregate the cells keep their (bucket, hash) order.
            cells.sort_by_key(|c| c.agg);
        }
        let key = |c: &Cell| {
            let function = remap.functions.get(usize::from(c.agg)).copied();
            let distinct = function.map_or(0, |f| distinct_key(f, c));
            (c.agg, c.bucket, distinct)
        };
        if cells.windows(2).any(|w| key(&w[0]) >= key(&w[1])) {
            return Err("cells out of order or repeated".into());
        }
        Ok(Self(cells.into_boxed_slice()))
    }
}

fn distinct_key(function: AggFn, cell: &Cell) -> u64 {
    if function == AggFn::Distinct {
        cell.a
    } else {
        0
    }
}

/// The bucket an event falls in: its window bucket, or 0 for a lifetime aggregate.
fn bucket_of(spec: &AggregateSpec, time_ms: i64) -> Option<u32> {
    match spec.window {
        Some(w) => u32::try_from(w.bucket_of(time_ms)).ok(),
        None => Some(0),
    }
}

/// One event's (tag, a, b), or `None` when it contributes nothing (a missing or non-numeric field).
fn contribution(
    function: AggFn,
    event: &Contribution<'_>,
    symbols: &Symbols,
) -> Option<(u8, u64, u64)> {
    let number = || event.value.as_f64().map(f64::to_bits);
    Some(match function {
        AggFn::Count => (TAG_NUM, 1, 0),
        AggFn::Sum | AggFn::Min | AggFn::Max => (TAG_NUM, number()?, 0),
        AggFn::Last => {
            let key = (event.time_ms << 16) | i64::from(last_tiebreak(event.event_id));
            let (tag, b) = match event.value {
                Value::Num(n) => (TAG_NUM, n.to_bits()),
                Value::Bool(v) => (TAG_BOOL, u64::from(*v)),
                Value::Str(s) => {
                    let id = symbols.intern(s).unwrap_or(NO_SYMBOL);
                    (TAG_STR, u64::from(id))
                }
                Value::Null | Value::List(_) => return None,
            };
            (tag, key as u64, b)
        }
        AggFn::Distinct if event.value.is_null() => return None,
        AggFn::Distinct => (TAG_NUM, distinct_hash(event.value), 0),
    })
}

fn merge(function: AggFn, cell: &mut Cell, tag: u8, a: u64, b: u64) {
    match function {
        AggFn::Count => cell.a += a,
        AggFn::Sum => cell.a = (f64::from_bits(cell.a) + f64::from_bits(a)).to_bits(),
        AggFn::Min => cell.a = f64::from_bits(cell.a).min(f64::from_bits(a)).to_bits(),
        AggFn::Max => cell.a = f64::from_bits(cell.a).max(f64::from_bits(a)).to_bits(),
        AggFn::Last => {
            if (a as i64, b) > (cell.a as i64, cell.b) {
                *cell = Cell { tag, a, b, ..*cell };
            }
        }
        // The same value again in the same bucket: already counted.
        AggFn::Distinct => {}
    }
}
