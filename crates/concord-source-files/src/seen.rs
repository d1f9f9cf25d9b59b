//! The ids already seen in a file, to reject duplicates. A 128-bit keyed fingerprint stands in
//! for each id: 16 bytes instead of the id itself (10M ids in ~300 MB instead of ~600 MB),
//! and with random keys a false "duplicate" among 10^10 distinct ids has odds below 10^-18.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

#[derive(Debug)]
pub(crate) struct SeenIds {
    high: RandomState,
    low: RandomState,
    fingerprints: HashSet<u128, BuildHasherDefault<FingerprintHasher>>,
}

impl SeenIds {
    pub(crate) fn new() -> Self {
        Self {
            high: RandomState::new(),
            low: RandomState::new(),
            fingerprints: HashSet::default(),
        }
    }

    /// Records `id`; returns false when it was seen before.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        let fingerprint =
            (u128::from(self.high.hash_one(id)) << 64) | u128::from(self.low.hash_one(id));
        self.fingerprints.insert(fingerprint)
    }
}

/// The fingerprint is already a keyed hash: the set uses its low bits as they are.
#[derive(Debug, Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than a u128 is hashed; stay correct anyway.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, fingerprint: u128) {
        self.0 = fingerprint as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sight_is_a_duplicate() {
        let mut seen = SeenIds::new();
        assert!(seen.insert("wa-1"));
        assert!(seen.insert("wa-2"));
        assert!(!seen.insert("wa-1"));
        assert!(seen.insert("wa-10"));
        assert!((0..10_000).all(|n| seen.insert(&format!("x{n}"))));
    }
}
