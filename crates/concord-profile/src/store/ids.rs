//! Customer ids of one shard: the text in fixed arenas, a hash table from id to row.

use super::paged::Paged;
use super::snapshot::bytes::{put, put_all};
use crate::symbols::hash_str;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Arena chunk size: ids are packed into chunks this big that never move.
const CHUNK: usize = 64 * 1024;
/// The longest customer id a shard stores, in bytes (its length prefix holds 14 bits).
pub(crate) const MAX_ID_BYTES: usize = 1 << 14;

#[derive(Debug, Default)]
pub(crate) struct Ids {
    index: HashTable<u32>,
    chunks: Vec<String>,
    /// Per row: chunk << 32 | offset of the id's text; its length is the u16 before it.
    locs: Option<Paged<u64>>,
}

impl Ids {
    pub(crate) fn len(&self) -> usize {
        self.locs.as_ref().map_or(0, Paged::len)
    }

    pub(crate) fn id(&self, row: u32) -> Option<&str> {
        id_of(&self.chunks, self.locs.as_ref()?.get(row).copied()?)
    }

    pub(crate) fn find(&self, hash: u64, id: &str) -> Option<u32> {
        self.index
            .find(hash, |&row| self.id(row) == Some(id))
            .copied()
    }

    /// Adds `id` (not present) as the next row; `None` when the id is 16 KiB or longer or the
    /// shard is full.
    pub(crate) fn insert(&mut self, hash: u64, id: &str) -> Option<u32> {
        if id.len() >= MAX_ID_BYTES {
            return None;
        }
        let row = u32::try_from(self.len()).ok()?;
        let loc = push_text(&mut self.chunks, id);
        let locs = self.locs.get_or_insert_with(|| Paged::new(0));
        locs.push_fill();
        locs.set(row, loc);
        let Self {
            index,
            chunks,
            locs,
        } = self;
        let locs = locs.as_ref()?;
        index.insert_unique(hash, row, |&r| {
            id_of(chunks, locs.at(r)).map_or(0, hash_str)
        });
        Some(row)
    }

    /// Appends every id as one array of u16 lengths and then their text, in row order.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let rows = self.len() as u32;
        let lengths: Vec<u16> = (0..rows)
            .map(|r| self.id(r).map_or(0, |id| id.len() as u16))
            .collect();
        let text: usize = lengths.iter().map(|&l| usize::from(l)).sum();
        put(out, text as u64);
        put_all(out, &lengths);
        out.reserve(text);
        for row in 0..rows {
            out.extend_from_slice(self.id(row).unwrap_or_default().as_bytes());
        }
    }

    /// Rebuilds the ids of [`Ids::encode`]: `lengths` cut `text` into ids, row by row, sized once.
    /// `check` sees each id and its hash first (the snapshot checks the id belongs in its shard).
    pub(crate) fn restore(
        lengths: impl ExactSizeIterator<Item = u16>,
        text: &str,
        mut check: impl FnMut(u64, &str) -> Result<(), String>,
    ) -> Result<Self, String> {
        let rows = lengths.len();
        if u32::try_from(rows).is_err() {
            return Err(format!("{rows} customers are more than a shard holds"));
        }
        let mut index = HashTable::with_capacity(rows);
        let mut chunks = Vec::with_capacity((text.len() + 2 * rows) / CHUNK + 1);
        let mut locs: Vec<u64> = Vec::with_capacity(rows);
        let mut at = 0;
        for (row, len) in lengths.enumerate() {
            let len = usize::from(len);
            if len >= MAX_ID_BYTES {
                return Err(format!("customer {row}: an id of {len} bytes is too long"));
            }
            let Some(id) = text.get(at..at + len) else {
                return Err(format!(
                    "customer {row}: its id runs past the text or splits a character"
                ));
            };
            at += len;
            let hash = hash_str(id);
            check(hash, id)?;
            let loc = push_text(&mut chunks, id);
            let text_of = |r: u32| locs.get(r as usize).and_then(|&l| id_of(&chunks, l));
            match index.entry(
                hash,
                |&r| text_of(r) == Some(id),
                |&r| text_of(r).map_or(0, hash_str),
            ) {
                Entry::Occupied(_) => return Err(format!("customer id `{id}` appears twice")),
                Entry::Vacant(slot) => {
                    slot.insert(row as u32);
                }
            }
            locs.push(loc);
        }
        if at != text.len() {
            return Err(format!(
                "{} bytes of id text belong to no customer",
                text.len() - at
            ));
        }
        let mut paged = Paged::new(0);
        paged.extend(locs.into_iter());
        Ok(Self {
            index,
            chunks,
            locs: Some(paged),
        })
    }
}

/// Packs `id` behind its length prefix into the last chunk (a fresh one when it does not fit);
/// returns its location.
fn push_text(chunks: &mut Vec<String>, id: &str) -> u64 {
    let len = id.len();
    let need = len + 2;
    if chunks.last().is_none_or(|c| c.capacity() - c.len() < need) {
        chunks.push(String::with_capacity(CHUNK.max(need)));
    }
    let chunk_index = chunks.len() - 1;
    let Some(chunk) = chunks.last_mut() else {
        return u64::MAX;
    };
    let offset = chunk.len();
    // The length prefix: two ASCII chars of 7 bits each, so the arena stays valid UTF-8.
    chunk.push(char::from((len & 0x7f) as u8));
    chunk.push(char::from((len >> 7) as u8));
    chunk.push_str(id);
    ((chunk_index as u64) << 32) | offset as u64
}

fn id_of(chunks: &[String], loc: u64) -> Option<&str> {
    let chunk = chunks.get((loc >> 32) as usize)?;
    let offset = (loc & 0xffff_ffff) as usize;
    let bytes = chunk.as_bytes();
    let len = usize::from(*bytes.get(offset)?) | (usize::from(*bytes.get(offset + 1)?) << 7);
    chunk.get(offset + 2..offset + 2 + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_by_text_across_chunks() {
        let mut ids = Ids::default();
        let long = "x".repeat(MAX_ID_BYTES - 1);
        let names: Vec<String> = (0..20_000)
            .map(|i| format!("2547{i:08}"))
            .chain([long.clone(), "é-ü".to_owned()])
            .collect();
        for (row, name) in names.iter().enumerate() {
            assert_eq!(ids.insert(hash_str(name), name), Some(row as u32));
        }
        for (row, name) in names.iter().enumerate() {
            assert_eq!(ids.find(hash_str(name), name), Some(row as u32));
            assert_eq!(ids.id(row as u32), Some(name.as_str()));
        }
        assert_eq!(ids.find(hash_str("nobody"), "nobody"), None);
        assert_eq!(ids.insert(0, &"y".repeat(MAX_ID_BYTES)), None);
    }
}
