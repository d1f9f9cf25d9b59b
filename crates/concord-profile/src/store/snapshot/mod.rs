//! Snapshots of the store: each shard, the interned strings and the dedup index turned into
//! bytes and back, exactly, so recovery replays only the journal after the snapshot.
//!
//! Every blob is framed (frame.rs: version, kind, checksum). Restore order: symbols first (shards
//! refer to their ids), then the dedup index and the shards, into a store nothing was written to.
//! Dump the symbols after the shards: the table only grows, so a later dump holds every id an
//! earlier shard dump refers to.

pub(crate) mod bytes;
mod columns;
mod decode;
mod encode;
mod frame;
mod layout;
mod tables;

use super::{ProfileStore, shard_index};
use crate::error::SnapshotError;
use bytes::Within;
use concord_model::CustomerId;
use frame::Kind;

/// What restoring a shard found: its journal cut and what did not fit the current schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestoredShard {
    /// The shard's `applied` mark: replay the journal for this shard from here.
    pub applied: u64,
    /// Attributes the snapshot had that are gone or changed type (their values are dropped).
    pub dropped_attributes: Vec<String>,
    /// Aggregates that are gone or changed definition (they restart empty).
    pub dropped_aggregates: Vec<String>,
    /// Triggers that are gone (their fire history, and so their cool-downs, are dropped).
    pub dropped_triggers: Vec<String>,
}

impl ProfileStore {
    /// How many shards the store has.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The shard a customer lives in.
    pub fn shard_of(&self, id: &CustomerId) -> usize {
        shard_index(crate::symbols::hash_str(&id.0))
    }

    /// Encodes shard `index` under its read lock, appending to `out`; returns the shard's
    /// `applied` mark. Nothing is appended for a shard that does not exist.
    pub fn dump_shard(&self, index: usize, out: &mut Vec<u8>) -> u64 {
        let Some(shard) = self.shards.get(index) else {
            return 0;
        };
        let start = frame::begin(out, Kind::Shard);
        let applied = {
            let shard = shard.read();
            encode::encode_shard(&self.schema, &shard, index, self.shards.len(), out);
            shard.applied
        };
        frame::seal(out, start);
        applied
    }

    /// Replaces shard `index`, which must have no customers yet, with the decoded shard. Restore
    /// the symbols first.
    pub fn restore_shard(
        &self,
        index: usize,
        bytes: &[u8],
    ) -> Result<RestoredShard, SnapshotError> {
        let context = || format!("shard {index}");
        let Some(slot) = self.shards.get(index) else {
            return Err(SnapshotError::NoSuchShard {
                index,
                count: self.shards.len(),
            });
        };
        let not_empty = || SnapshotError::NotEmpty { context: context() };
        if slot.read().len() != 0 {
            return Err(not_empty());
        }
        let mut input = frame::open(bytes, Kind::Shard, &context)?;
        let target = decode::Target {
            schema: &self.schema,
            index,
            shards: self.shards.len(),
            belongs: &|hash| shard_index(hash) == index,
            symbols: self.symbols.len(),
            products: self.products.len(),
        };
        let (shard, restored) = decode::decode_shard(&mut input, &target)?;
        let mut slot = slot.write();
        if slot.len() != 0 {
            return Err(not_empty());
        }
        *slot = shard;
        Ok(restored)
    }

    /// Encodes the interned strings and products. Dump them after the shards, restore them
    /// before any shard.
    pub fn dump_symbols(&self, out: &mut Vec<u8>) {
        let start = frame::begin(out, Kind::Symbols);
        tables::encode_symbols(&self.symbols, out);
        tables::encode_symbols(&self.products, out);
        frame::seal(out, start);
    }

    /// Restores the interned strings and products, ids unchanged, into a store that has none.
    pub fn restore_symbols(&self, bytes: &[u8]) -> Result<(), SnapshotError> {
        let context = || "symbols".to_owned();
        let not_empty = || SnapshotError::NotEmpty { context: context() };
        if !self.symbols.is_empty() || !self.products.is_empty() {
            return Err(not_empty());
        }
        let mut input = frame::open(bytes, Kind::Symbols, &context)?;
        let symbols = tables::decode_symbols(&mut input).within(|| "symbols: strings".into())?;
        let products = tables::decode_symbols(&mut input).within(|| "symbols: products".into())?;
        input.finish().within(context)?;
        if self.symbols.fill_if_empty(symbols) && self.products.fill_if_empty(products) {
            Ok(())
        } else {
            Err(not_empty())
        }
    }

    /// Encodes the dedup index (fingerprints, hours, watermark, pruned hour) under its lock.
    pub fn dump_dedup(&self, out: &mut Vec<u8>) {
        let start = frame::begin(out, Kind::Dedup);
        tables::encode_dedup(&self.dedup.lock(), out);
        frame::seal(out, start);
    }

    /// Restores the dedup index into a store that has admitted nothing yet.
    pub fn restore_dedup(&self, bytes: &[u8]) -> Result<(), SnapshotError> {
        let context = || "dedup index".to_owned();
        let not_empty = || SnapshotError::NotEmpty { context: context() };
        if !self.dedup.lock().is_fresh() {
            return Err(not_empty());
        }
        let mut input = frame::open(bytes, Kind::Dedup, &context)?;
        let restored =
            tables::decode_dedup(&mut input, self.schema.allowed_lateness_ms()).within(context)?;
        input.finish().within(context)?;
        let mut dedup = self.dedup.lock();
        if !dedup.is_fresh() {
            return Err(not_empty());
        }
        *dedup = restored;
        Ok(())
    }
}
