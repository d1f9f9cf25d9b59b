//! Reading one shard back (the layout of encode.rs), remapped onto the current schema and
//! checked as it goes: ids that belong elsewhere, string and product ids nobody interned, rows
//! out of range and lengths past the end are errors, never panics or huge allocations.

use super::bytes::{Fault, Input, Within};
use super::layout::{self, Mapping};
use super::{RestoredShard, columns};
use crate::aggregate::{AggCells, CELL_BYTES, CellRemap};
use crate::error::SnapshotError;
use crate::schema::CompiledSchema;
use crate::store::column::Column;
use crate::store::ids::Ids;
use crate::store::shard::Shard;
use std::collections::HashMap;

/// What the decoder checks ids and references against.
pub(crate) struct Target<'a> {
    pub(crate) schema: &'a CompiledSchema,
    pub(crate) index: usize,
    pub(crate) shards: usize,
    /// Whether a customer id's hash puts it in this shard.
    pub(crate) belongs: &'a dyn Fn(u64) -> bool,
    pub(crate) symbols: usize,
    pub(crate) products: usize,
}

pub(crate) fn decode_shard(
    input: &mut Input<'_>,
    target: &Target<'_>,
) -> Result<(Shard, RestoredShard), SnapshotError> {
    let index = target.index;
    let at = |what: &str| {
        let what = what.to_owned();
        move || format!("shard {index}: {what}")
    };
    let (rows, applied) = header(input, target).within(at("header"))?;
    let layout = layout::decode(input).within(at("layout"))?;
    let mapping = layout.map(target.schema);
    let mut shard = Shard::new(target.schema);
    shard.applied = applied;
    shard.ids = ids(input, rows, target).within(at("customer ids"))?;
    let mut restored: Vec<Option<Column>> = (0..shard.columns.len()).map(|_| None).collect();
    for (&(name, value_type), &to) in layout.attributes.iter().zip(&mapping.columns) {
        let context = at(&format!("column `{name}`"));
        let (start, bytes) = section(input).within(&context)?;
        if let Some(slot) = to.and_then(|i| restored.get_mut(i)) {
            *slot = Some(
                columns::decode(value_type, rows, bytes, start, target.symbols).within(context)?,
            );
        }
    }
    for (column, decoded) in shard.columns.iter_mut().zip(restored) {
        match decoded {
            Some(decoded) => *column = decoded,
            None => (0..rows).for_each(|_| column.push_null()),
        }
    }
    holdings(input, rows, target, &mut shard).within(at("holdings"))?;
    times(input, rows, &mut shard).within(at("event times"))?;
    aggregates(input, rows, target, &mapping, &mut shard).within(at("aggregates"))?;
    fires(input, rows, &mapping, &mut shard).within(at("trigger history"))?;
    input.finish().within(at("end"))?;
    Ok((
        shard,
        RestoredShard {
            applied,
            dropped_attributes: mapping.dropped_attributes,
            dropped_aggregates: mapping.dropped_aggregates,
            dropped_triggers: mapping.dropped_triggers,
        },
    ))
}

fn header(input: &mut Input<'_>, target: &Target<'_>) -> Result<(usize, u64), Fault> {
    let at = input.position();
    let (index, shards) = (input.get::<u32>()? as usize, input.get::<u32>()? as usize);
    if shards != target.shards {
        return Err(Fault::at(
            at,
            format!(
                "taken from a store of {shards} shards; this one has {}",
                target.shards
            ),
        ));
    }
    if index != target.index {
        return Err(Fault::at(
            at,
            format!("this is a snapshot of shard {index}"),
        ));
    }
    let applied = input.get::<u64>()?;
    let rows = input.get::<u32>()? as usize;
    // Every row takes at least its id length, holdings, times and cell count.
    if rows.saturating_mul(30) > input.remaining() {
        return Err(input.fault(format!(
            "truncated ({rows} customers, {} bytes left)",
            input.remaining()
        )));
    }
    Ok((rows, applied))
}

/// A length-prefixed section: where it starts, and its bytes.
fn section<'a>(input: &mut Input<'a>) -> Result<(usize, &'a [u8]), Fault> {
    let len = input.len()?;
    let start = input.position();
    Ok((start, input.take(len)?))
}

fn times(input: &mut Input<'_>, rows: usize, shard: &mut Shard) -> Result<(), Fault> {
    shard.last_event_ms.extend(input.array::<i64>(rows)?);
    shard.head.extend(input.array::<u64>(rows)?);
    Ok(())
}

fn ids(input: &mut Input<'_>, rows: usize, target: &Target<'_>) -> Result<Ids, Fault> {
    let text_len = input.len()?;
    let lengths = input.array::<u16>(rows)?;
    let at = input.position();
    let text = input.take(text_len)?;
    let text = std::str::from_utf8(text)
        .map_err(|e| Fault::at(at, format!("id text is not UTF-8: {e}")))?;
    Ids::restore(lengths, text, |hash, id| {
        if (target.belongs)(hash) {
            Ok(())
        } else {
            Err(format!("customer `{id}` belongs in another shard"))
        }
    })
    .map_err(|reason| Fault::at(at, reason))
}

fn holdings(
    input: &mut Input<'_>,
    rows: usize,
    target: &Target<'_>,
    shard: &mut Shard,
) -> Result<(), Fault> {
    let at = input.position();
    let bits = input.array::<u64>(rows)?;
    let known = if target.products >= 64 {
        u64::MAX
    } else {
        (1u64 << target.products) - 1
    };
    if let Some(row) = bits.clone().position(|b| b & !known != 0) {
        return Err(Fault::at(
            at + row * 8,
            format!(
                "customer {row} holds a product beyond the {} interned",
                target.products
            ),
        ));
    }
    shard.holdings.extend(bits);
    let entries = input.get::<u32>()? as usize;
    shard
        .more_holdings
        .reserve(entries.min(input.remaining() / 8));
    for _ in 0..entries {
        let at = input.position();
        let row = input.get::<u32>()?;
        let n = input.get::<u32>()? as usize;
        let products: Vec<u32> = input.array::<u32>(n)?.collect();
        let in_range = products
            .iter()
            .all(|&p| p >= 64 && (p as usize) < target.products);
        if row as usize >= rows || products.is_empty() || !in_range {
            return Err(Fault::at(at, format!("bad entry for customer {row}")));
        }
        if products.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Fault::at(
                at,
                format!("customer {row}: products out of order"),
            ));
        }
        if shard.more_holdings.insert(row, products).is_some() {
            return Err(Fault::at(at, format!("customer {row} listed twice")));
        }
    }
    Ok(())
}

fn aggregates(
    input: &mut Input<'_>,
    rows: usize,
    target: &Target<'_>,
    mapping: &Mapping,
    shard: &mut Shard,
) -> Result<(), Fault> {
    let at = input.position();
    let cells = input.len()?;
    let counts: Vec<usize> = input.array::<u32>(rows)?.map(|n| n as usize).collect();
    if counts.iter().sum::<usize>() != cells {
        return Err(Fault::at(at, "cell counts do not add up"));
    }
    let size = cells
        .checked_mul(CELL_BYTES)
        .ok_or_else(|| Fault::at(at, "too many cells"))?;
    let start = input.position();
    let bytes = input.take(size)?;
    let functions: Vec<_> = target
        .schema
        .aggregates()
        .iter()
        .map(|a| a.function)
        .collect();
    let remap = CellRemap {
        to: &mapping.aggregates,
        functions: &functions,
        symbols: target.symbols,
    };
    let mut decoded = Vec::with_capacity(rows);
    let mut offset = 0;
    for (row, n) in counts.into_iter().enumerate() {
        let end = offset + n * CELL_BYTES;
        let cells = AggCells::decode(&bytes[offset..end], &remap)
            .map_err(|reason| Fault::at(start + offset, format!("customer {row}: {reason}")))?;
        decoded.push(cells);
        offset = end;
    }
    shard.aggs.extend(decoded.into_iter());
    Ok(())
}

fn fires(
    input: &mut Input<'_>,
    rows: usize,
    mapping: &Mapping,
    shard: &mut Shard,
) -> Result<(), Fault> {
    let entries = input.get::<u32>()? as usize;
    let mut fires = HashMap::with_capacity(entries.min(input.remaining() / 6));
    for _ in 0..entries {
        let at = input.position();
        let row = input.get::<u32>()?;
        let n = usize::from(input.get::<u16>()?);
        let olds = input.array::<u16>(n)?;
        let times = input.array::<i64>(n)?;
        let mut history = Vec::with_capacity(n);
        for (old, ms) in olds.zip(times) {
            match mapping.triggers.get(usize::from(old)) {
                Some(Some(trigger)) => history.push((*trigger, ms)),
                Some(None) => {}
                None => {
                    return Err(Fault::at(
                        at,
                        format!("trigger {old}, which the layout lacks"),
                    ));
                }
            }
        }
        let repeated = history
            .iter()
            .enumerate()
            .any(|(i, (t, _))| history[..i].iter().any(|(u, _)| u == t));
        if row as usize >= rows || repeated {
            return Err(Fault::at(at, format!("bad entry for customer {row}")));
        }
        if !history.is_empty() && fires.insert(row, history).is_some() {
            return Err(Fault::at(at, format!("customer {row} listed twice")));
        }
    }
    shard.fires = fires;
    Ok(())
}
