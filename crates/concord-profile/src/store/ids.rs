//! Customer ids of one shard: the text in fixed arenas, a hash table from id to row.

use super::paged::Paged;
use crate::symbols::hash_str;
use hashbrown::HashTable;

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
        let len = id.len();
        if len >= MAX_ID_BYTES {
            return None;
        }
        let row = u32::try_from(self.len()).ok()?;
        let need = id.len() + 2;
        if self
            .chunks
            .last()
            .is_none_or(|c| c.capacity() - c.len() < need)
        {
            self.chunks.push(String::with_capacity(CHUNK.max(need)));
        }
        let chunk_index = self.chunks.len() - 1;
        let chunk = self.chunks.last_mut()?;
        let offset = chunk.len();
        // The length prefix: two ASCII chars of 7 bits each, so the arena stays valid UTF-8.
        chunk.push(char::from((len & 0x7f) as u8));
        chunk.push(char::from((len >> 7) as u8));
        chunk.push_str(id);
        let loc = ((chunk_index as u64) << 32) | offset as u64;
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
