//! The store-wide tables in a snapshot: the interned strings and products, and the dedup index.
//!
//! Symbols: strings, then products, each `count u32, count x u32 lengths, the text`, so ids (the
//! positions) come back exactly. Dedup: `watermark i64, pruned hour i64, count u64, count x u64
//! fingerprints, count x u32 hours`.

use super::bytes::{Fault, Input, Le, put, put_all};
use crate::dedup::Dedup;
use crate::symbols::Symbols;

pub(crate) fn encode_symbols(symbols: &Symbols, out: &mut Vec<u8>) {
    symbols.with_names(|names| {
        put(out, names.len() as u32);
        let lengths: Vec<u32> = names.iter().map(|n| n.len() as u32).collect();
        put_all(out, &lengths);
        out.reserve(lengths.iter().map(|&l| l as usize).sum());
        for name in names {
            out.extend_from_slice(name.as_bytes());
        }
    });
}

pub(crate) fn decode_symbols(input: &mut Input<'_>) -> Result<Symbols, Fault> {
    let count = input.get::<u32>()? as usize;
    let lengths = input.array::<u32>(count)?;
    let total = lengths
        .clone()
        .try_fold(0usize, |sum, l| sum.checked_add(l as usize))
        .ok_or_else(|| input.fault("string lengths overflow"))?;
    let at = input.position();
    let text = input.take(total)?;
    let text =
        std::str::from_utf8(text).map_err(|e| Fault::at(at, format!("text is not UTF-8: {e}")))?;
    let mut names = Vec::with_capacity(count);
    let mut offset = 0;
    for (id, len) in lengths.enumerate() {
        let end = offset + len as usize;
        let name = text
            .get(offset..end)
            .ok_or_else(|| Fault::at(at + offset, format!("string {id} splits a character")))?;
        names.push(Box::from(name));
        offset = end;
    }
    Symbols::from_names(names).map_err(|reason| Fault::at(at, reason))
}

pub(crate) fn encode_dedup(dedup: &Dedup, out: &mut Vec<u8>) {
    let (watermark_ms, pruned_hour, seen) = dedup.parts();
    put(out, watermark_ms);
    put(out, pruned_hour);
    let count = seen.len();
    put(out, count as u64);
    let start = out.len();
    out.resize(start + count * 12, 0);
    let (fingerprints, hours) = out[start..].split_at_mut(count * 8);
    let slots = fingerprints
        .chunks_exact_mut(8)
        .zip(hours.chunks_exact_mut(4));
    for ((fp_out, hour_out), &(fp, hour)) in slots.zip(seen) {
        fp.put(fp_out);
        hour.put(hour_out);
    }
}

pub(crate) fn decode_dedup(input: &mut Input<'_>, lateness_ms: i64) -> Result<Dedup, Fault> {
    let watermark_ms = input.get::<i64>()?;
    let pruned_hour = input.get::<i64>()?;
    let count = input.len()?;
    let at = input.position();
    let fingerprints = input.array::<u64>(count)?;
    let hours = input.array::<u32>(count)?;
    Dedup::from_parts(
        lateness_ms,
        watermark_ms,
        pruned_hour,
        fingerprints.zip(hours),
    )
    .map_err(|reason| Fault::at(at, reason))
}
