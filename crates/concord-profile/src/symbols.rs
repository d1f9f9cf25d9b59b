//! Interned strings: each distinct string value (an attribute value, a product id) is kept once
//! and referenced by a `u32`, so a column of strings costs four bytes a row.

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use parking_lot::RwLock;

/// The id no interned string has: a null in a string column.
pub const NO_SYMBOL: u32 = u32::MAX;

/// A grow-only string table shared by every shard. Ids are dense and stable for the process.
#[derive(Default)]
pub struct Symbols {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    index: HashTable<u32>,
    names: Vec<Box<str>>,
}

impl std::fmt::Debug for Symbols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbols")
            .field("len", &self.inner.read().names.len())
            .finish()
    }
}

pub(crate) fn hash_str(s: &str) -> u64 {
    twox_hash::XxHash3_64::oneshot(s.as_bytes())
}

impl Symbols {
    /// The id of `s`, interning it on first sight. `None` once 4 billion strings are interned.
    pub fn intern(&self, s: &str) -> Option<u32> {
        let hash = hash_str(s);
        {
            let inner = self.inner.read();
            if let Some(&id) = inner
                .index
                .find(hash, |&id| *inner.names[id as usize] == *s)
            {
                return Some(id);
            }
        }
        let mut inner = self.inner.write();
        let Inner { index, names } = &mut *inner;
        if let Some(&id) = index.find(hash, |&id| *names[id as usize] == *s) {
            return Some(id);
        }
        let id = u32::try_from(names.len())
            .ok()
            .filter(|&id| id != NO_SYMBOL)?;
        names.push(s.into());
        index.insert_unique(hash, id, |&id| hash_str(&names[id as usize]));
        Some(id)
    }

    /// The id of `s` if it was ever interned.
    pub fn lookup(&self, s: &str) -> Option<u32> {
        let inner = self.inner.read();
        inner
            .index
            .find(hash_str(s), |&id| *inner.names[id as usize] == *s)
            .copied()
    }

    /// The string behind `id`.
    pub fn name(&self, id: u32) -> Option<String> {
        self.inner
            .read()
            .names
            .get(id as usize)
            .map(|s| s.to_string())
    }

    /// The strings behind `ids`, under one read lock; unknown ids are skipped.
    pub fn names(&self, ids: impl IntoIterator<Item = u32>) -> Vec<String> {
        let inner = self.inner.read();
        ids.into_iter()
            .filter_map(|id| inner.names.get(id as usize).map(|s| s.to_string()))
            .collect()
    }

    /// Runs `f` over every string in id order, under one read lock (a snapshot).
    pub(crate) fn with_names<R>(&self, f: impl FnOnce(&[Box<str>]) -> R) -> R {
        f(&self.inner.read().names)
    }

    /// A table whose ids are the positions in `names`; `Err` names a string that repeats.
    pub(crate) fn from_names(names: Vec<Box<str>>) -> Result<Self, String> {
        if u32::try_from(names.len()).is_err() {
            return Err(format!(
                "{} strings are more than a table holds",
                names.len()
            ));
        }
        let mut index = HashTable::with_capacity(names.len());
        for (id, name) in names.iter().enumerate() {
            let hash = hash_str(name);
            let same = |&other: &u32| names.get(other as usize) == Some(name);
            let rehash = |&other: &u32| names.get(other as usize).map_or(0, |n| hash_str(n));
            match index.entry(hash, same, rehash) {
                Entry::Occupied(_) => return Err(format!("`{name}` appears twice")),
                Entry::Vacant(slot) => {
                    slot.insert(id as u32);
                }
            }
        }
        Ok(Self {
            inner: RwLock::new(Inner { index, names }),
        })
    }

    /// Takes `other`'s strings if this table is still empty; false (and unchanged) otherwise.
    pub(crate) fn fill_if_empty(&self, other: Self) -> bool {
        let mut inner = self.inner.write();
        if !inner.names.is_empty() {
            return false;
        }
        *inner = other.inner.into_inner();
        true
    }

    pub fn len(&self) -> usize {
        self.inner.read().names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_string_same_id_and_back() {
        let symbols = Symbols::default();
        let a = symbols.intern("prepaid");
        let b = symbols.intern("postpaid");
        assert_eq!(symbols.intern("prepaid"), a);
        assert_ne!(a, b);
        assert_eq!(
            symbols.name(a.unwrap_or(NO_SYMBOL)).as_deref(),
            Some("prepaid")
        );
        assert_eq!(symbols.lookup("postpaid"), b);
        assert_eq!(symbols.lookup("hybrid"), None);
        assert_eq!(symbols.len(), 2);
    }
}
