//! Writing one shard: the layout header, then each part of the shard as one bulk section.
//!
//! After the frame's version and kind bytes:
//!
//! ```text
//! shard u32, shards u32, applied u64, rows u32
//! layout      attributes (name, type), aggregates (name, fingerprint), trigger ids
//! ids         text bytes u64, rows x u16 lengths, the ids' text
//! columns     per layout attribute: section bytes u64, then rows x (f64 | u32 | u8) or lists
//! holdings    rows x u64 bits, then (row u32, n u32, n x u32) for products past the 64th
//! times       rows x i64 last event ms, rows x u64 journal heads
//! aggregates  cells u64, rows x u32 cell counts, cells x 23 bytes
//! fires       (row u32, n u16, n x trigger u16, n x ms i64) for those a trigger fired for
//! ```
//!
//! Maps are written in row order, so the same shard always makes the same bytes.

use super::bytes::{patch_u64, put, put_all};
use super::{columns, layout};
use crate::aggregate::CELL_BYTES;
use crate::schema::CompiledSchema;
use crate::store::shard::Shard;

pub(crate) fn encode_shard(
    schema: &CompiledSchema,
    shard: &Shard,
    index: usize,
    shards: usize,
    out: &mut Vec<u8>,
) {
    let rows = shard.len();
    let cells: usize = shard.aggs.iter().map(|c| c.len()).sum();
    out.reserve(64 + rows * (2 + 24 + 12 + 4 + 8 * shard.columns.len()) + cells * CELL_BYTES);
    put(out, index as u32);
    put(out, shards as u32);
    put(out, shard.applied);
    put(out, rows as u32);
    layout::encode(schema, out);
    shard.ids.encode(out);
    for column in &shard.columns {
        let at = out.len();
        put(out, 0u64);
        columns::encode(column, out);
        let len = (out.len() - at - 8) as u64;
        patch_u64(out, at, len);
    }
    shard.holdings.slices().for_each(|page| put_all(out, page));
    let mut more: Vec<(&u32, &Vec<u32>)> = shard.more_holdings.iter().collect();
    more.sort_unstable_by_key(|(row, _)| **row);
    put(out, more.len() as u32);
    for (row, products) in more {
        put(out, *row);
        put(out, products.len() as u32);
        put_all(out, products);
    }
    shard
        .last_event_ms
        .slices()
        .for_each(|page| put_all(out, page));
    shard.head.slices().for_each(|page| put_all(out, page));
    put(out, cells as u64);
    let counts: Vec<u32> = shard.aggs.iter().map(|c| c.len() as u32).collect();
    put_all(out, &counts);
    out.reserve(cells * CELL_BYTES);
    shard.aggs.iter().for_each(|row| row.encode(out));
    let mut fires: Vec<(&u32, &Vec<(u16, i64)>)> = shard.fires.iter().collect();
    fires.sort_unstable_by_key(|(row, _)| **row);
    put(out, fires.len() as u32);
    for (row, history) in fires {
        put(out, *row);
        put(out, history.len() as u16);
        history.iter().for_each(|&(trigger, _)| put(out, trigger));
        history.iter().for_each(|&(_, ms)| put(out, ms));
    }
}
